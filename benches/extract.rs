//! Extraction throughput over the 181 real news pages of the
//! article-extraction-benchmark (`tests/data/article-extraction-benchmark/`).
//!
//! ```sh
//! cargo bench --bench extract
//! ```
//!
//! One iteration is one pass over all 181 pages, single-threaded, with the
//! HTML already decoded in memory; the throughput is reported in pages
//! ("elements") per second. Two benchmarks:
//! - `extract/pipeline`: `extract` + `normalize_article` + `ContentHash::of`,
//!   what a check does with each page after the fetch;
//! - `extract/extract`: `extract` alone.
//!
//! Under `cargo test --all-targets` criterion runs in test mode: each
//! benchmark runs once (two passes over the pages in all), so CI only checks
//! that it works. Quality figures come from `examples/score_extraction.rs`.

use copydesk::core::extract::{extract, OutletRules};
use copydesk::core::normalize::{normalize_article, ContentHash};
use copydesk::eval::score::parse_benchmark_json;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use std::hint::black_box;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/article-extraction-benchmark"
);

/// (url, html) of every page, in page-id order.
fn load_pages() -> Vec<(String, String)> {
    let data = Path::new(DATA);
    let gt = std::fs::read_to_string(data.join("ground-truth.json"))
        .expect("read tests/data/article-extraction-benchmark/ground-truth.json");
    let gt = parse_benchmark_json(&gt).expect("parse ground-truth.json");
    gt.into_iter()
        .map(|(id, entry)| {
            let path = data.join("html").join(format!("{id}.html.gz"));
            let gz =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            let mut html = String::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_string(&mut html)
                .unwrap_or_else(|e| panic!("gunzip {}: {e}", path.display()));
            (entry.url.unwrap_or_default(), html)
        })
        .collect()
}

fn bench_extract(c: &mut Criterion) {
    let pages = load_pages();
    assert_eq!(pages.len(), 181, "the benchmark has 181 pages");
    let rules = OutletRules::default();
    let mut group = c.benchmark_group("extract");
    // An iteration takes about a second: a few flat samples are plenty.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(12))
        .throughput(Throughput::Elements(pages.len() as u64));

    group.bench_function("pipeline", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                if let Ok(a) = extract(black_box(html), Some(url), &rules) {
                    black_box(ContentHash::of(&normalize_article(&a)));
                }
            }
        })
    });
    group.bench_function("extract", |b| {
        b.iter(|| {
            for (url, html) in &pages {
                let _ = black_box(extract(black_box(html), Some(url), &rules));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_extract);
criterion_main!(benches);
