//! The noise corpus benchmark: every layout of `tests/it/noise/` served from
//! loopback with furniture re-rolled on every load, real edits scheduled in
//! between, the real check pipeline and a sled store; prints false versions
//! and missed edits per layout.
//!
//! ```sh
//! cargo run --release --example noise_bench -- [--seed N] [--loads N] [--diffs] [--only NAME,...]
//! cargo run --release --example noise_bench -- --show semantic-html5   # what the extractor reads
//! ```

// the test helpers, of which this example uses a part
#[path = "../tests/it/noise/mod.rs"]
#[allow(dead_code, unused_imports)]
mod noise;

use anyhow::{bail, Context};

fn main() -> anyhow::Result<()> {
    let mut opts = noise::Options::default();
    let mut diffs = false;
    let mut show: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => opts.seed = args.next().context("--seed N")?.parse()?,
            "--loads" => opts.loads = args.next().context("--loads N")?.parse()?,
            "--diffs" => diffs = true,
            "--show" => show = Some(args.next().context("--show NAME")?),
            "--only" => {
                let names = args.next().context("--only NAME,...")?;
                opts.layouts = noise::Layout::ALL
                    .into_iter()
                    .filter(|l| names.split(',').any(|n| n == l.name()))
                    .collect();
            }
            "--extra-toml" => {
                let path = args.next().context("--extra-toml FILE")?;
                opts.extra_toml = std::fs::read_to_string(&path).with_context(|| path.clone())?;
            }
            other => bail!("unknown argument {other}: --seed N --loads N --diffs --only NAME,... --extra-toml FILE --show NAME"),
        }
    }
    if let Some(name) = show {
        return show_layout(&name, opts.seed);
    }
    let report = noise::run(&opts).map_err(anyhow::Error::msg)?;
    println!("{report}");
    if diffs {
        println!("{}", report.examples());
    }
    Ok(())
}

/// Print what copydesk's extractor makes of two loads of each article of
/// one layout (no store, no pipeline): for the extractor engineers.
fn show_layout(name: &str, seed: u64) -> anyhow::Result<()> {
    let (index, layout) = noise::Layout::ALL
        .into_iter()
        .enumerate()
        .find(|(_, l)| l.name() == name)
        .with_context(|| format!("no layout {name}"))?;
    let outlet = noise::Outlet::start(layout, index, seed, noise::stories_for(index))?;
    let rules = copydesk::core::extract::OutletRules::default();
    for k in 0..outlet.articles() {
        for load in 0..2 {
            let html = outlet.render(k, load).concat();
            println!(
                "=== {name} article {k}, load {load} ({} bytes of HTML)",
                html.len()
            );
            match copydesk::core::extract::extract(&html, Some(&outlet.url(k)), &rules) {
                Ok(a) => {
                    let a = copydesk::core::normalize::normalize_article(&a);
                    println!("title: {}", a.title);
                    for p in &a.body {
                        println!("  | {p}");
                    }
                }
                Err(e) => println!("no article: {e}"),
            }
        }
    }
    Ok(())
}
