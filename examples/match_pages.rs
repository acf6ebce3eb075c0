//! Republication detection on real pages (issue 21): annotated article
//! bodies planted into other real pages' HTML (whole, half, lightly
//! edited; sister sites sharing one template and footer; a shared quote),
//! every other page kept as a negative, served from loopback (one address
//! per outlet) and checked by the real binary with a real store. Prints
//! precision and recall by cluster and the false pairs by cause.
//!
//! ```sh
//! cargo build --release --locked --bin copydesk
//! cargo run --release --locked --example match_pages                      # AEB, seed 21
//! cargo run --release --locked --example match_pages -- --seed 5 \
//!     --data tests/data/wcxb-dev-articles                                   # another set
//! cargo run --release --locked --example match_pages -- --match 'boilerplate_stories = 2'
//! cargo run --release --locked --example match_pages -- --dump /tmp/pages  # write the pages
//! cargo run --release --locked --example match_pages -- --bin /tmp/copydesk-before
//! MATCH_PAGES_LOG=info cargo run --release --locked --example match_pages -- --log /tmp/check.log
//! ```

// the test helpers, of which this example uses a part
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use common::match_pages::{run, sources};
use copydesk::eval::match_pages::judge::{judge, PageReport};
use copydesk::eval::match_pages::{build, Kind, Params};
use std::path::PathBuf;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn print(r: &PageReport) {
    println!(
        "pages {}, outlets {}, true clusters {}, reported clusters {}\n",
        r.pages, r.outlets, r.true_clusters, r.reported_clusters
    );
    println!("| by cluster | precision | recall | page pairs together: right / wrong / missed |");
    println!("|---|---|---|---|");
    println!(
        "| pairs of pages in one story | {:.4} | {:.4} | {} / {} / {} |",
        r.precision(),
        r.recall(),
        r.co_tp,
        r.co_fp,
        r.co_fn
    );
    println!(
        "| stored pairs | {:.4} | {:.4} | {} / {} / {} |",
        r.pair_precision(),
        r.pair_recall(),
        r.pair_tp,
        r.pair_fp,
        r.pair_fn
    );
    println!(
        "\nclusters found exactly: {} of {}; reported clusters that are one story: {} of {}",
        r.clusters_exact, r.true_clusters, r.reported_pure, r.reported_clusters
    );
    println!("\n| copy kind | copies | linked to the original |");
    println!("|---|---|---|");
    for (k, (n, linked)) in &r.copies {
        println!("| {k} | {n} | {linked} |");
    }
    println!("\n| negative pairs | pairs | falsely reported |");
    println!("|---|---|---|");
    for c in ["sister", "quote", "same_template"] {
        let bad = r.false_pairs.get(c).copied().unwrap_or(0);
        let n = r.negatives.get(c).copied().unwrap_or(0);
        println!("| {c} | {n} | {bad} |");
    }
    if let Some(n) = r.false_pairs.get("other") {
        println!("| other | — | {n} |");
    }
    println!(
        "\nrepublication events: {} ({} false)",
        r.events, r.false_events
    );
    for e in &r.false_examples {
        println!("  false: {e}");
    }
    for e in &r.missed_examples {
        println!("  missed: {e}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = arg(&args, "--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);
    let dirs: Vec<PathBuf> = {
        let given: Vec<PathBuf> = args
            .windows(2)
            .filter(|w| w[0] == "--data")
            .map(|w| PathBuf::from(&w[1]))
            .collect();
        if given.is_empty() {
            vec![PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/article-extraction-benchmark"
            ))]
        } else {
            given
        }
    };
    let match_config = arg(&args, "--match").unwrap_or_default().replace(';', "\n");
    // `--bin PATH`: another build of copydesk (a before/after comparison
    // on one plan)
    let bin = arg(&args, "--bin")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|p| Some(p.parent()?.parent()?.join("copydesk")))
        })
        .filter(|p| p.exists())
        .expect("build the binary first: cargo build --release --bin copydesk");
    let mut all = Vec::new();
    for d in &dirs {
        all.extend(sources(d));
    }
    let scale = (all.len() as f64 / 181.0).max(0.3);
    let n = |x: f64| (x * scale).round() as usize;
    let params = Params {
        wire: n(18.0),
        copies_per_wire: 3,
        networks: n(8.0),
        network_sites: 2,
        pair_networks: n(4.0),
        quotes: n(10.0),
        seed,
    };
    let plan = build(&all, params);
    let count = |k: Kind| plan.pages.iter().filter(|p| p.kind == k).count();
    println!(
        "sources {} from {:?}, seed {seed}, {params:?}",
        all.len(),
        dirs
    );
    println!(
        "pages: own {}, whole {}, half {}, edited {}, edited half {}, network homes {}, sisters {}, quotes {}",
        count(Kind::Own),
        count(Kind::Whole),
        count(Kind::Half),
        count(Kind::Edited),
        count(Kind::EditedHalf),
        count(Kind::NetworkHome),
        count(Kind::Sister),
        count(Kind::Quote)
    );
    println!(
        "left out: {} planted pages or wire originals (extraction lost the body or kept the host's), {} hosts whose extraction is mostly not their article",
        plan.lost_to_extraction, plan.noisy_hosts
    );
    if !match_config.is_empty() {
        println!("[match] {}", match_config.replace('\n', "; "));
    }
    if let Some(dir) = arg(&args, "--dump") {
        // the planted pages, to look at with `copydesk extract FILE`
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("dump dir");
        for p in &plan.pages {
            let name = format!(
                "{}{}.html",
                plan.outlets[p.outlet],
                p.path.replace('/', "_")
            );
            std::fs::write(dir.join(name), &p.html).expect("write page");
        }
    }
    let r = run(&plan, &bin, seed, &match_config);
    if let Some(path) = arg(&args, "--log") {
        // the check's output (MATCH_PAGES_LOG=info for its pairs and
        // withdrawals) after each page's URL, outlet and path
        let mut text = String::new();
        for (u, p) in r.urls.iter().zip(&plan.pages) {
            text.push_str(&format!(
                "page {u} {}{} {}\n",
                plan.outlets[p.outlet],
                p.path,
                p.kind.as_str()
            ));
        }
        text.push_str(&r.check_output);
        std::fs::write(&path, text).expect("write log");
    }
    println!(
        "check: {:.1} s; {}\n",
        r.seconds,
        r.check_output.lines().last().unwrap_or("")
    );
    print(&judge(&plan, &r.reported));
}
