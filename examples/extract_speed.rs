//! Extraction speed on its own, for comparing two builds on a busy machine:
//! `extract` + `normalize_article` + `ContentHash::of` over every page of
//! the given benchmark directories (`html/<id>.html.gz`), one thread, HTML
//! decoded in memory before timing, reporting pages per CPU-second of the
//! thread. It uses only APIs that commit b1e29b0 already had, so the same
//! file builds against the baseline (copy it into `examples/` of a `git
//! archive b1e29b0` tree) and both runs see identical input: valid UTF-8 as
//! is, anything else through `copydesk::fetch::decode_html`.
//!
//! ```sh
//! cargo build --release --locked --example extract_speed
//! target/release/examples/extract_speed 3 tests/data/article-extraction-benchmark tests/data/wcxb-dev-articles
//! valgrind --tool=callgrind target/release/examples/extract_speed 1 tests/data/wcxb-dev-articles  # instructions
//! target/release/examples/extract_speed 0 DIR...                 # load only (callgrind baseline)
//! target/release/examples/extract_speed --dump DIR... > out.txt  # every page's Article and normalized hash, to diff two builds
//! target/release/examples/extract_speed --warm-up 1 DIR...     # one untimed page first (see below)
//! ```
//!
//! `--warm-up` extracts each directory's first page once before the timed
//! passes, so one-time work (compiling the lazily built regexes, the first
//! heap growth) falls outside them, as trafilatura's harness
//! (`benches/trafilatura_speed.py`'s warm-up) leaves its own out: `--warm-up
//! 1` minus `--warm-up 0` under callgrind is one pass of steady-state work.

use anyhow::{Context, Result};
use copydesk::core::extract::{extract, OutletRules};
use copydesk::core::normalize::{normalize_article, ContentHash};
use std::hint::black_box;
use std::io::Read;
use std::path::Path;

/// CPU seconds (user + system) of the calling thread (Linux).
fn thread_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The pages of one benchmark directory, by file name, decoded.
fn load(dir: &Path) -> Result<Vec<(String, String)>> {
    let html_dir = dir.join("html");
    let mut paths: Vec<_> = std::fs::read_dir(&html_dir)
        .with_context(|| format!("reading {}", html_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".html.gz"))
        .collect();
    paths.sort();
    let mut pages = Vec::with_capacity(paths.len());
    for p in paths {
        let gz = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut bytes)
            .with_context(|| format!("gunzip {}", p.display()))?;
        let html = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => copydesk::fetch::decode_html(e.as_bytes(), None).0,
        };
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        pages.push((name.unwrap_or_default(), html));
    }
    Ok(pages)
}

fn main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let warm_up = args.first().map(String::as_str) == Some("--warm-up");
    if warm_up {
        args.remove(0);
    }
    let rules = OutletRules::default();
    if args.first().map(String::as_str) == Some("--dump") {
        for dir in &args[1..] {
            for (name, html) in load(Path::new(dir))? {
                let a = extract(&html, None, &rules);
                let hash = a.as_ref().map(|a| ContentHash::of(&normalize_article(a)));
                println!("== {dir}/{name} {hash:?}\n{a:#?}");
            }
        }
        return Ok(());
    }
    let passes: usize = args
        .first()
        .context("usage: extract_speed [--warm-up] PASSES DIR... | --dump DIR...")?
        .parse()
        .context("PASSES is a number")?;
    for dir in &args[1..] {
        let pages = load(Path::new(dir))?;
        if let Some((_, html)) = pages.first().filter(|_| warm_up) {
            if let Ok(a) = extract(black_box(html), None, &rules) {
                black_box(ContentHash::of(&normalize_article(&a)));
            }
        }
        let (cpu0, t0) = (thread_cpu(), std::time::Instant::now());
        for _ in 0..passes {
            for (_, html) in &pages {
                if let Ok(a) = extract(black_box(html), None, &rules) {
                    black_box(ContentHash::of(&normalize_article(&a)));
                }
            }
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu0.zip(thread_cpu()).map(|(a, b)| b - a).unwrap_or(0.0);
        let n = (pages.len() * passes) as f64;
        println!(
            "{dir}: {} pages x {passes}: {cpu:.2} s CPU = {:.1} pages per CPU-second; {wall:.2} s wall = {:.1} pages/s",
            pages.len(),
            n / cpu.max(1e-9),
            n / wall.max(1e-9)
        );
    }
    Ok(())
}
