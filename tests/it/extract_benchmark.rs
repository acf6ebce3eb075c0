//! Extraction quality regression test on two public benchmarks with
//! human-annotated article bodies, both shipped in `tests/data`:
//! - the article-extraction-benchmark (AEB: 181 news pages, Scrapinghub,
//!   MIT; `tests/data/article-extraction-benchmark/README.md`);
//! - wcxb-dev-articles (309 article pages of 2025-26 from the WCXB dev
//!   split, CC-BY-4.0; `tests/data/wcxb-dev-articles/README.md`).
//!
//! Scores our extractor with the benchmarks' metric
//! ([`copydesk::eval::score`]) and fails if a set's F1 drops below a floor
//! set a little under the last measured figure (see `BENCHMARKS.md`), or
//! too many pages leak a date, time or byline into the body. The page bytes
//! are decoded as the fetcher decodes them ([`copydesk::fetch::decode_html`]).
//! Run with `--nocapture` to see the figures. For the worst pages and
//! timings: `cargo run --release --example score_extraction -- --set all --worst 20`.

use copydesk::core::extract::{extract, ExtractError, OutletRules, GUARD_STACK_SIZE};
use copydesk::eval::score::{
    leaks, page_score, parse_benchmark_json, summarize, PageScore, Summary,
};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// One benchmark and what it must keep.
struct Set {
    dir: &'static str,
    pages: usize,
    /// F1 must stay at or above this.
    f1_floor: f64,
    /// At most this many pages may have a date, time or byline in the body
    /// that the ground truth lacks.
    leak_pages_ceiling: usize,
    /// Pages where extraction may legitimately find no article.
    no_article_allowed: &'static [&'static str],
}

/// AEB: measured F1 0.975 and 3 leak pages on 2026-11-30 (a caption
/// without a credit, a radio promo, a fact-check's claim attribution);
/// 0.977 after round 7 (2026-12-02).
const AEB: Set = Set {
    dir: "article-extraction-benchmark",
    pages: 181,
    f1_floor: 0.970,
    leak_pages_ceiling: 3,
    no_article_allowed: &[],
};

/// wcxb-dev-articles: measured F1 0.948 and 13 leak pages on 2026-11-30
/// (0.931 at b1e29b0); 0.9525 after round 7 (2026-12-02), so the floor
/// keeps the gain of rounds 4-7.
const WCXB: Set = Set {
    dir: "wcxb-dev-articles",
    pages: 309,
    f1_floor: 0.950,
    leak_pages_ceiling: 15,
    no_article_allowed: &[],
};

struct PageResult {
    id: String,
    url: String,
    outcome: Result<Result<String, ExtractError>, String>,
    score: PageScore,
    leaks: Vec<(&'static str, String)>,
}

/// Extract and score every page of a set once (shared by the tests), on a
/// thread with the stack production extraction gets; a panic is caught per
/// page.
fn results(set: &Set) -> &'static [PageResult] {
    static AEB_RESULTS: OnceLock<Vec<PageResult>> = OnceLock::new();
    static WCXB_RESULTS: OnceLock<Vec<PageResult>> = OnceLock::new();
    let cell = if set.dir == AEB.dir {
        &AEB_RESULTS
    } else {
        &WCXB_RESULTS
    };
    let dir = set.dir;
    cell.get_or_init(|| {
        std::thread::Builder::new()
            .stack_size(GUARD_STACK_SIZE)
            .spawn(move || run_all(dir))
            .expect("spawn the extraction thread")
            .join()
            .expect("the extraction thread itself did not panic")
    })
}

fn run_all(dir: &str) -> Vec<PageResult> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir);
    let gt = std::fs::read_to_string(data.join("ground-truth.json")).expect("read ground truth");
    let gt = parse_benchmark_json(&gt).expect("parse ground truth");
    let rules = OutletRules::default();
    gt.into_iter()
        .map(|(id, entry)| {
            let path = data.join("html").join(format!("{id}.html.gz"));
            let gz =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            let mut bytes = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut bytes)
                .unwrap_or_else(|e| panic!("gunzip {}: {e}", path.display()));
            let url = entry.url.unwrap_or_default();
            let page_url = url::Url::parse(&url).ok();
            let (html, _) = copydesk::fetch::decode_html(&bytes, page_url.as_ref());
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                extract(&html, Some(&url), &rules).map(|a| a.body.join("\n"))
            }))
            .map_err(|p| {
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into())
            });
            let pred = match &outcome {
                Ok(Ok(body)) => body.as_str(),
                _ => "",
            };
            let score = page_score(pred, &entry.article_body);
            let leaks = leaks(pred, &entry.article_body);
            PageResult {
                id,
                url,
                outcome,
                score,
                leaks,
            }
        })
        .collect()
}

fn summary(set: &Set) -> Summary {
    summarize(&results(set).iter().map(|r| r.score).collect::<Vec<_>>())
}

fn every_page_extracts(set: &Set) {
    let mut problems = Vec::new();
    for r in results(set) {
        match &r.outcome {
            Ok(Ok(body)) if !body.trim().is_empty() => {}
            Ok(Ok(_)) => problems.push(format!("{} ({}): empty body", r.id, r.url)),
            Ok(Err(ExtractError::NoArticle)) if set.no_article_allowed.contains(&r.id.as_str()) => {
            }
            Ok(Err(e)) => problems.push(format!("{} ({}): {e}", r.id, r.url)),
            Err(panic) => problems.push(format!("{} ({}): panicked: {panic}", r.id, r.url)),
        }
    }
    assert!(
        problems.is_empty(),
        "{}: {} page(s) failed:\n{}",
        set.dir,
        problems.len(),
        problems.join("\n")
    );
}

fn f1_above_floor(set: &Set) {
    let s = summary(set);
    println!(
        "{}: F1 {:.4}  precision {:.4}  recall {:.4}  accuracy {:.4}  ({} pages; floor {})",
        set.dir, s.f1, s.precision, s.recall, s.accuracy, s.pages, set.f1_floor
    );
    let mut worst: Vec<&PageResult> = results(set).iter().collect();
    worst.sort_by(|a, b| a.score.f1().total_cmp(&b.score.f1()));
    for r in worst.iter().take(5) {
        let fmt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
        println!(
            "  worst: F1 {:.3}  P {}  R {}  {}",
            r.score.f1(),
            fmt(r.score.precision()),
            fmt(r.score.recall()),
            r.url
        );
    }
    assert_eq!(s.pages, set.pages);
    assert!(
        s.f1 >= set.f1_floor,
        "{}: extraction F1 {:.4} fell below the floor {} (precision {:.4}, recall {:.4}); \
         see `cargo run --release --example score_extraction -- --set all --worst 20`",
        set.dir,
        s.f1,
        set.f1_floor,
        s.precision,
        s.recall
    );
}

fn few_leaks(set: &Set) {
    let leaky: Vec<String> = results(set)
        .iter()
        .filter(|r| !r.leaks.is_empty())
        .map(|r| format!("{} ({}): {:?}", r.id, r.url, r.leaks))
        .collect();
    println!(
        "{}: pages with a date/time/byline the truth lacks: {}",
        set.dir,
        leaky.len()
    );
    for l in &leaky {
        println!("  {l}");
    }
    assert!(
        leaky.len() <= set.leak_pages_ceiling,
        "{}: {} pages leak dates, times or bylines into the body (ceiling {}):\n{}",
        set.dir,
        leaky.len(),
        set.leak_pages_ceiling,
        leaky.join("\n")
    );
}

#[test]
fn aeb_every_page_extracts_without_panicking() {
    every_page_extracts(&AEB);
}

#[test]
fn aeb_f1_stays_above_the_floor() {
    f1_above_floor(&AEB);
}

#[test]
fn aeb_dates_and_bylines_stay_out_of_the_body() {
    few_leaks(&AEB);
}

#[test]
fn wcxb_every_page_extracts_without_panicking() {
    every_page_extracts(&WCXB);
}

#[test]
fn wcxb_f1_stays_above_the_floor() {
    f1_above_floor(&WCXB);
}

#[test]
fn wcxb_dates_and_bylines_stay_out_of_the_body() {
    few_leaks(&WCXB);
}
