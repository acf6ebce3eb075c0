//! Score our extractor on the article-extraction-benchmark (181 news pages
//! with human-annotated article bodies, `tests/data/article-extraction-benchmark/`)
//! with the benchmark's own metric ([`copydesk::eval::score`]), and time it.
//!
//! ```sh
//! cargo run --release --example score_extraction                 # F1/P/R/accuracy + pages/s
//! cargo run --release --example score_extraction -- --worst 15   # the 15 worst pages
//! cargo run --release --example score_extraction -- --json       # machine-readable
//! cargo run --release --example score_extraction -- --published trafilatura_local
//! cargo run --release --example score_extraction -- --published all
//! ```
//!
//! Options:
//! - `--worst N`: list the N worst pages by page F1, with precision and recall.
//! - `--json`: print one JSON object instead of text.
//! - `--leaks`: list the pages whose body has a date, time or byline that
//!   the ground truth lacks ([`copydesk::eval::score::leaks`]); the count of
//!   such pages is always printed.
//! - `--passes N` (default 5): timed passes over all pages; the median pass
//!   is reported. Timing is single-threaded with the HTML already decoded in
//!   memory: `extract` alone, and `extract` + `normalize_article` +
//!   `ContentHash::of` (what a check does per page after the fetch), and
//!   `normalize_article` + `ContentHash::of` alone on the extracted articles.
//! - `--published NAME`: score a published prediction file instead of our
//!   extractor. NAME is a file path, or a name looked up as
//!   `<shared>/output/NAME.json[.gz]` then `<shared>/local-runs/NAME.json[.gz]`
//!   (`local-runs/NAME` picks the second). `all` scores every file there.
//! - `--shared DIR`: where the published outputs are (default
//!   `tests/data/article-extraction-benchmark/published`, 14 files).
//! - `--data DIR`: a benchmark directory (`html/<id>.html.gz` +
//!   `ground-truth.json`); repeat it to score several sets in one run.
//! - `--set NAME`: a set shipped in `tests/data`: `aeb`
//!   (article-extraction-benchmark), `wcxb` (wcxb-dev-articles) or `all`
//!   (both); repeatable, combines with `--data`. Default: `aeb`.
//! - `--show ID`: print our body and the true body of one page (ID or a
//!   prefix of it, searched in every set given), with its score, and exit.
//! - `--bodies DIR`: also write our body of every page to `DIR/<set>.json`
//!   in the benchmark's format (`{id: {articleBody, url, byline}}`), for comparing
//!   two builds page by page or scoring later with `--published PATH`.
//!
//! The page bytes are decoded the way the fetcher decodes a body without a
//! `Content-Type` (`copydesk::fetch::decode_html`: BOM, `<meta charset>`,
//! valid UTF-8 over a wrong declaration, else a guess). With several sets,
//! each set's figures are printed in turn, then one line per set; `--json`
//! then prints an array of the per-set objects.
//!
//! A progress line goes to stderr.

use anyhow::{bail, Context, Result};
use copydesk::core::extract::{extract, ExtractError, OutletRules};
use copydesk::core::normalize::{normalize_article, ContentHash};
use copydesk::eval::score::{
    leaks, page_score, parse_benchmark_json, summarize, PageScore, Summary,
};
use std::hint::black_box;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
/// Published predictions of other extractors on the AEB pages (gzipped).
const SHARED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/article-extraction-benchmark/published"
);

struct Opts {
    worst: usize,
    json: bool,
    leaks: bool,
    passes: usize,
    published: Option<String>,
    show: Option<String>,
    shared: PathBuf,
    data: Vec<PathBuf>,
    bodies: Option<PathBuf>,
}

/// The sets shipped in `tests/data`, by `--set` name.
const SETS: &[(&str, &str)] = &[
    ("aeb", "article-extraction-benchmark"),
    ("wcxb", "wcxb-dev-articles"),
];

fn parse_args() -> Result<Opts> {
    let mut o = Opts {
        worst: 0,
        json: false,
        passes: 5,
        published: None,
        show: None,
        leaks: false,
        shared: PathBuf::from(SHARED),
        data: Vec::new(),
        bodies: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match a.as_str() {
            "--worst" => o.worst = value("--worst")?.parse().context("--worst N")?,
            "--passes" => o.passes = value("--passes")?.parse().context("--passes N")?,
            "--json" => o.json = true,
            "--leaks" => o.leaks = true,
            "--published" => o.published = Some(value("--published")?),
            "--shared" => o.shared = value("--shared")?.into(),
            "--data" => o.data.push(value("--data")?.into()),
            "--set" => {
                let name = value("--set")?;
                let dirs: Vec<&str> = SETS
                    .iter()
                    .filter(|(n, _)| name == "all" || *n == name)
                    .map(|(_, d)| *d)
                    .collect();
                if dirs.is_empty() {
                    bail!("unknown set {name:?} (aeb, wcxb or all)");
                }
                o.data.extend(dirs.iter().map(|d| Path::new(DATA).join(d)));
            }
            "--show" => o.show = Some(value("--show")?),
            "--bodies" => o.bodies = Some(value("--bodies")?.into()),
            "-h" | "--help" => {
                println!(
                    "usage: score_extraction [--worst N] [--json] [--leaks] [--passes N] \
                     [--published NAME|PATH|all] [--shared DIR] [--data DIR]... \
                     [--set aeb|wcxb|all]... [--show ID] [--bodies DIR]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (try --help)"),
        }
    }
    if o.data.is_empty() {
        o.data.push(Path::new(DATA).join(SETS[0].1));
    }
    Ok(o)
}

/// Progress on stderr: rewritten in place on a terminal, one line per
/// phase otherwise.
struct Progress {
    tty: bool,
}

impl Progress {
    fn update(&self, phase: &str, done: usize, total: usize) {
        if self.tty {
            eprint!("\r{phase}: {done}/{total}   ");
            let _ = std::io::stderr().flush();
            if done == total {
                eprintln!();
            }
        } else if done == total {
            eprintln!("{phase}: {done}/{total}");
        }
    }
}

struct Page {
    id: String,
    url: String,
    truth: String,
    html: String,
}

fn load_pages(data: &Path) -> Result<Vec<Page>> {
    let gt_path = data.join("ground-truth.json");
    let gt = std::fs::read_to_string(&gt_path)
        .with_context(|| format!("reading {}", gt_path.display()))?;
    let gt = parse_benchmark_json(&gt).with_context(|| format!("parsing {}", gt_path.display()))?;
    let mut pages = Vec::with_capacity(gt.len());
    for (id, entry) in gt {
        let path = data.join("html").join(format!("{id}.html.gz"));
        let gz = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut bytes)
            .with_context(|| format!("gunzip {}", path.display()))?;
        let url = entry.url.unwrap_or_default();
        let page_url = url::Url::parse(&url).ok();
        let (html, _) = copydesk::fetch::decode_html(&bytes, page_url.as_ref());
        pages.push(Page {
            id,
            url,
            truth: entry.article_body,
            html,
        });
    }
    Ok(pages)
}

/// What our extractor made of one page.
enum Outcome {
    Body(String),
    NoArticle,
    Panicked(String),
}

fn run_extractor(page: &Page, rules: &OutletRules) -> Outcome {
    let url = Some(page.url.as_str()).filter(|u| !u.is_empty());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        extract(&page.html, url, rules)
    }));
    match r {
        Ok(Ok(a)) => Outcome::Body(a.body.join("\n")),
        Ok(Err(ExtractError::NoArticle)) => Outcome::NoArticle,
        Ok(Err(ExtractError::Crashed(m))) => Outcome::Panicked(m),
        Err(p) => Outcome::Panicked(
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into()),
        ),
    }
}

struct Scored<'a> {
    id: &'a str,
    url: &'a str,
    score: PageScore,
    pred_tokens: usize,
    truth_tokens: usize,
    note: &'static str,
    /// Dates, times and bylines in our body that the truth does not have.
    leaks: Vec<(&'static str, String)>,
}

/// Pages with at least one leak, and a line listing them when `list`.
fn print_leaks(scored: &[Scored], list: bool) {
    let pages: Vec<&Scored> = scored.iter().filter(|s| !s.leaks.is_empty()).collect();
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for (k, _) in pages.iter().flat_map(|s| &s.leaks) {
        *kinds.entry(k).or_default() += 1;
    }
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "  pages with a date/time/byline in the body that the truth lacks: {} ({})",
        pages.len(),
        kinds.join(", ")
    );
    if list {
        for s in pages {
            let hits: Vec<String> = s.leaks.iter().map(|(k, t)| format!("{k}: {t:?}")).collect();
            println!(
                "    {}  {}  {}",
                &s.id[..s.id.len().min(12)],
                s.url,
                hits.join("; ")
            );
        }
    }
}

fn median_rate(times: &mut [Duration], pages: usize) -> (f64, f64, f64) {
    times.sort();
    let rate = |d: &Duration| pages as f64 / d.as_secs_f64().max(1e-9);
    let median = rate(&times[times.len() / 2]);
    let slowest = rate(&times[times.len() - 1]);
    let fastest = rate(&times[0]);
    (median, slowest, fastest)
}

fn time_passes(
    pages: &[Page],
    passes: usize,
    progress: &Progress,
    phase: &str,
    mut f: impl FnMut(&Page),
) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(passes);
    let cpu_start = thread_cpu();
    for pass in 0..passes {
        let start = Instant::now();
        for p in pages {
            f(p);
        }
        times.push(start.elapsed());
        progress.update(phase, pass + 1, passes);
    }
    if let (Some(a), Some(b)) = (cpu_start, thread_cpu()) {
        let cpu = b.saturating_sub(a).as_secs_f64();
        if cpu > 0.0 {
            eprintln!(
                "\n{phase}: {:.1} pages per CPU-second of this thread ({cpu:.2} s CPU for {passes} passes)",
                (pages.len() * passes) as f64 / cpu
            );
        }
    }
    median_rate(&mut times, pages.len())
}

/// CPU time (user + system) of the calling thread, from
/// `/proc/thread-self/stat` (Linux; clock ticks of 10 ms). Unlike wall time
/// it does not count time the thread waited for a core, so it stays
/// meaningful on a shared machine.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); `rest` starts at field 3.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn summary_json(s: &Summary) -> serde_json::Value {
    serde_json::json!({
        "f1": s.f1, "precision": s.precision, "recall": s.recall,
        "accuracy": s.accuracy, "pages": s.pages,
    })
}

fn print_summary(label: &str, s: &Summary) {
    println!(
        "{label:<34} F1 {:.3}  precision {:.3}  recall {:.3}  accuracy {:.3}  ({} pages)",
        s.f1, s.precision, s.recall, s.accuracy, s.pages
    );
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "  -  ".into(), |v| format!("{v:.3}"))
}

fn worst<'a, 'b>(scored: &'b [Scored<'a>], n: usize) -> Vec<&'b Scored<'a>> {
    let mut v: Vec<&Scored> = scored.iter().collect();
    v.sort_by(|a, b| a.score.f1().total_cmp(&b.score.f1()).then(a.id.cmp(b.id)));
    v.truncate(n);
    v
}

fn print_worst(scored: &[Scored], n: usize) {
    if n == 0 {
        return;
    }
    println!("\nworst {n} pages by page F1:");
    println!(
        "{:>3}  {:>5}  {:>5}  {:>5}  {:>6}  {:>6}  {:<10}  {:<12}  url",
        "#", "F1", "P", "R", "pred", "truth", "note", "id"
    );
    for (i, s) in worst(scored, n).into_iter().enumerate() {
        println!(
            "{:>3}  {:.3}  {}  {}  {:>6}  {:>6}  {:<10}  {:<12}  {}",
            i + 1,
            s.score.f1(),
            fmt_opt(s.score.precision()),
            fmt_opt(s.score.recall()),
            s.pred_tokens,
            s.truth_tokens,
            s.note,
            &s.id[..s.id.len().min(12)],
            s.url
        );
    }
}

fn worst_json(scored: &[Scored], n: usize) -> serde_json::Value {
    worst(scored, n)
        .into_iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id, "url": s.url, "f1": s.score.f1(),
                "precision": s.score.precision(), "recall": s.score.recall(),
                "matched": s.score.matched, "extra": s.score.extra, "missed": s.score.missed,
                "pred_tokens": s.pred_tokens, "truth_tokens": s.truth_tokens, "note": s.note,
            })
        })
        .collect()
}

/// Resolve `--published NAME` to files.
fn published_files(name: &str, shared: &Path) -> Result<Vec<PathBuf>> {
    if name == "all" {
        let mut files = Vec::new();
        for dir in ["output", "local-runs"] {
            let d = shared.join(dir);
            let mut here: Vec<PathBuf> = std::fs::read_dir(&d)
                .with_context(|| format!("listing {}", d.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_prediction_file(p))
                .collect();
            here.sort();
            files.extend(here);
        }
        return Ok(files);
    }
    let direct = PathBuf::from(name);
    if direct.is_file() {
        return Ok(vec![direct]);
    }
    let file = if name.ends_with(".json") || name.ends_with(".json.gz") {
        name.to_string()
    } else {
        format!("{name}.json")
    };
    for candidate in [shared.join("output").join(&file), shared.join(&file)]
        .into_iter()
        .chain((!file.contains('/')).then(|| shared.join("local-runs").join(&file)))
    {
        let gz = PathBuf::from(format!("{}.gz", candidate.display()));
        for c in [candidate, gz] {
            if c.is_file() {
                return Ok(vec![c]);
            }
        }
    }
    bail!(
        "no published output {name:?} in {}/{{output,local-runs}}",
        shared.display()
    )
}

/// A prediction file: `NAME.json` or `NAME.json.gz`.
fn is_prediction_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".json") || name.ends_with(".json.gz")
}

/// A prediction file's text, gunzipped when its name ends in `.gz`.
fn read_prediction_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if path.extension().is_none_or(|x| x != "gz") {
        return String::from_utf8(bytes)
            .with_context(|| format!("{} is not UTF-8", path.display()));
    }
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .with_context(|| format!("gunzipping {}", path.display()))?;
    Ok(text)
}

fn label_of(path: &Path, shared: &Path) -> String {
    let rel = path
        .strip_prefix(shared)
        .unwrap_or(path)
        .display()
        .to_string();
    let rel = rel.strip_suffix(".gz").unwrap_or(&rel);
    rel.strip_suffix(".json").unwrap_or(rel).to_string()
}

fn run_published(opts: &Opts, pages: &[Page], name: &str) -> Result<()> {
    let files = published_files(name, &opts.shared)?;
    let mut results = Vec::new();
    for path in &files {
        let text = read_prediction_file(path)?;
        let pred =
            parse_benchmark_json(&text).with_context(|| format!("parsing {}", path.display()))?;
        if pred.len() != pages.len() || pages.iter().any(|p| !pred.contains_key(&p.id)) {
            bail!(
                "{}: prediction ids do not match the ground truth",
                path.display()
            );
        }
        let scored: Vec<Scored> = pages
            .iter()
            .map(|p| {
                let body = &pred[&p.id].article_body;
                Scored {
                    id: &p.id,
                    url: &p.url,
                    score: page_score(body, &p.truth),
                    pred_tokens: copydesk::eval::score::tokens(body).len(),
                    truth_tokens: copydesk::eval::score::tokens(&p.truth).len(),
                    note: if body.trim().is_empty() { "empty" } else { "" },
                    leaks: leaks(body, &p.truth),
                }
            })
            .collect();
        let summary = summarize(&scored.iter().map(|s| s.score).collect::<Vec<_>>());
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("version").and_then(|v| v.as_str()).map(String::from));
        results.push((
            label_of(path, &opts.shared),
            version,
            summary,
            worst_json(&scored, opts.worst),
            scored.iter().filter(|s| !s.leaks.is_empty()).count(),
        ));
        if !opts.json && files.len() == 1 {
            print_summary(&results[0].0, &summary);
            print_leaks(&scored, opts.leaks);
            print_worst(&scored, opts.worst);
        }
    }
    if opts.json {
        let v: Vec<_> = results
            .iter()
            .map(|(name, version, s, w, leak_pages)| {
                serde_json::json!({"name": name, "version": version, "summary": summary_json(s),
                                   "leak_pages": leak_pages, "worst": w})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if files.len() > 1 {
        results.sort_by(|a, b| b.2.f1.total_cmp(&a.2.f1));
        for (name, version, s, _, leak_pages) in &results {
            let label = match version {
                Some(v) => format!("{name} ({v})"),
                None => name.clone(),
            };
            let label: String = label.chars().take(60).collect();
            println!(
                "{label:<60} F1 {:.3}  P {:.3}  R {:.3}  acc {:.3}  leak pages {leak_pages}",
                s.f1, s.precision, s.recall, s.accuracy
            );
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    let opts = parse_args()?;
    let progress = Progress {
        tty: std::io::stderr().is_terminal(),
    };
    let mut sets = Vec::with_capacity(opts.data.len());
    for dir in &opts.data {
        let pages = load_pages(dir)?;
        if pages.is_empty() {
            bail!("no pages in {}", dir.display());
        }
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        sets.push((name, pages));
    }
    if let Some(name) = opts.published.clone() {
        for (set, pages) in &sets {
            if sets.len() > 1 && !opts.json {
                println!("== {set}");
            }
            run_published(&opts, pages, &name)?;
        }
        return Ok(());
    }
    if let Some(prefix) = &opts.show {
        let page = sets
            .iter()
            .flat_map(|(_, pages)| pages)
            .find(|p| p.id.starts_with(prefix.as_str()))
            .with_context(|| format!("no page id starts with {prefix:?}"))?;
        return show(page);
    }
    let mut lines = Vec::new();
    let mut json = Vec::new();
    for (set, pages) in &sets {
        if sets.len() > 1 && !opts.json {
            println!("== {set} ({} pages)", pages.len());
        }
        let (line, v) = run_set(&opts, &progress, set, pages)?;
        lines.push(line);
        json.push(v);
    }
    if opts.json {
        let v = if json.len() == 1 {
            json.remove(0)
        } else {
            serde_json::Value::Array(json)
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if sets.len() > 1 {
        println!("\n== all sets");
        for l in lines {
            println!("{l}");
        }
    }
    Ok(())
}

/// Our body and the true body of one page, with its score.
fn show(page: &Page) -> Result<()> {
    let rules = OutletRules::default();
    let body = match run_extractor(page, &rules) {
        Outcome::Body(b) => b,
        Outcome::NoArticle => "(NoArticle)".into(),
        Outcome::Panicked(m) => format!("(panicked: {m})"),
    };
    let s = page_score(&body, &page.truth);
    println!("page {}\nurl  {}", page.id, page.url);
    println!(
        "F1 {:.3}  precision {}  recall {}  exact {}",
        s.f1(),
        fmt_opt(s.precision()),
        fmt_opt(s.recall()),
        s.exact
    );
    println!(
        "\n===== ours =====\n{body}\n\n===== truth =====\n{}",
        page.truth
    );
    Ok(())
}

/// Score and time one set; prints its report unless `--json`. Returns a
/// one-line summary and the JSON object.
fn run_set(
    opts: &Opts,
    progress: &Progress,
    set: &str,
    pages: &[Page],
) -> Result<(String, serde_json::Value)> {
    let rules = OutletRules::default();
    // Scoring pass (also warms up caches and lazy statics).
    let mut scored = Vec::with_capacity(pages.len());
    let mut bodies = serde_json::Map::new();
    for (i, p) in pages.iter().enumerate() {
        let (body, note) = match run_extractor(p, &rules) {
            Outcome::Body(b) => (b, ""),
            Outcome::NoArticle => (String::new(), "NoArticle"),
            Outcome::Panicked(m) => {
                eprintln!("\npage {} panicked: {m}", p.id);
                (String::new(), "PANIC")
            }
        };
        scored.push(Scored {
            id: &p.id,
            url: &p.url,
            score: page_score(&body, &p.truth),
            pred_tokens: copydesk::eval::score::tokens(&body).len(),
            truth_tokens: copydesk::eval::score::tokens(&p.truth).len(),
            note,
            leaks: leaks(&body, &p.truth),
        });
        if opts.bodies.is_some() {
            let url = Some(p.url.as_str()).filter(|u| !u.is_empty());
            let byline = extract(&p.html, url, &rules).ok().and_then(|a| a.byline);
            bodies.insert(
                p.id.clone(),
                serde_json::json!({"articleBody": body, "url": p.url, "byline": byline}),
            );
        }
        progress.update("scoring", i + 1, pages.len());
    }
    if let Some(dir) = &opts.bodies {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!("{set}.json"));
        let text = serde_json::to_string_pretty(&serde_json::Value::Object(bodies))?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let summary = summarize(&scored.iter().map(|s| s.score).collect::<Vec<_>>());
    let no_article = scored.iter().filter(|s| s.note == "NoArticle").count();
    let panicked = scored.iter().filter(|s| s.note == "PANIC").count();

    let passes = opts.passes.max(1);
    let extract_rate = time_passes(pages, passes, progress, "timing extract", |p| {
        let url = Some(p.url.as_str()).filter(|u| !u.is_empty());
        let _ = black_box(extract(black_box(&p.html), url, &rules));
    });
    let pipeline_rate = time_passes(
        pages,
        passes,
        progress,
        "timing extract+normalize+hash",
        |p| {
            let url = Some(p.url.as_str()).filter(|u| !u.is_empty());
            if let Ok(a) = extract(black_box(&p.html), url, &rules) {
                let n = normalize_article(&a);
                black_box(ContentHash::of(&n));
            }
        },
    );

    // normalize + hash alone, on the articles already extracted
    let articles: Vec<_> = pages
        .iter()
        .filter_map(|p| {
            extract(
                &p.html,
                Some(p.url.as_str()).filter(|u| !u.is_empty()),
                &rules,
            )
            .ok()
        })
        .collect();
    let mut times = Vec::with_capacity(passes);
    for pass in 0..passes {
        let start = Instant::now();
        for a in &articles {
            black_box(ContentHash::of(&normalize_article(black_box(a))));
        }
        times.push(start.elapsed());
        progress.update("timing normalize+hash", pass + 1, passes);
    }
    let normalize_rate = median_rate(&mut times, articles.len());

    let leak_pages = scored.iter().filter(|s| !s.leaks.is_empty()).count();
    let line = format!(
        "{set:<30} F1 {:.3}  P {:.3}  R {:.3}  leak pages {leak_pages}  extract+normalize+hash {:.1} pages/s",
        summary.f1, summary.precision, summary.recall, pipeline_rate.0
    );
    let rate = |(median, slowest, fastest): (f64, f64, f64)| {
        serde_json::json!({"pages_per_s_median": median, "pages_per_s_slowest_pass": slowest,
                           "pages_per_s_fastest_pass": fastest})
    };
    let v = serde_json::json!({
            "tool": "copydesk",
            "set": set,
            "summary": summary_json(&summary),
            "no_article": no_article,
            "panicked": panicked,
            "leak_pages": leak_pages,
            "passes": passes,
            "speed": {
                "extract": rate(extract_rate),
                "extract_normalize_hash": rate(pipeline_rate),
                "normalize_hash": rate(normalize_rate),
            },
            "worst": worst_json(&scored, opts.worst),
    });
    if !opts.json {
        print_summary("copydesk extract", &summary);
        println!("  NoArticle on {no_article} page(s), panics on {panicked}");
        print_leaks(&scored, opts.leaks);
        println!(
            "speed: single thread, HTML in memory, median of {passes} passes over {} pages",
            pages.len()
        );
        for (label, (median, slowest, fastest)) in [
            ("extract", extract_rate),
            ("extract+normalize+hash", pipeline_rate),
            ("normalize+hash alone", normalize_rate),
        ] {
            println!(
                "  {label:<24} {median:>7.1} pages/s  ({:.2} ms/page; passes {slowest:.1}..{fastest:.1} pages/s)",
                1000.0 / median
            );
        }
        print_worst(&scored, opts.worst);
    }
    Ok((line, v))
}
