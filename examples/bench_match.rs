//! Republication matching performance (issue 5): text → signature
//! throughput on one thread for ~4 KB articles, then a sled index of N
//! articles: insert rate, time to build the in-memory postings when the
//! store is opened, query latency (candidate lookup: boilerplate check +
//! band and paragraph postings), verification cost per candidate, and size
//! on disk / in memory per article.
//!
//! `cargo run --release --example bench_match -- [N] [CACHE_MB] [DB_DIR] [ROUNDS]`
//! (defaults 100000 articles, a 64 MiB sled cache as `[storage] cache_mb`,
//! a temporary database). With `DB_DIR` the index is kept there, and a
//! later run with the same N reuses it instead of building it again, so
//! one large index can be queried with several cache sizes. A fourth
//! argument sets the number of query rounds (default 2; each round is
//! 2,000 other articles, so later rounds show a warmer cache).

use copydesk::core::matching::memindex::{lookup, outlet_key};
use copydesk::core::matching::{compare, fingerprint, Doc, Thresholds};
use copydesk::store::{FingerprintCommit, FingerprintRecord, IndexOf};
use std::collections::HashSet;
use std::time::Instant;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{article, pct, rss_kb};

/// Nanoseconds this thread has spent waiting for a core, from
/// `/proc/thread-self/schedstat` (on-CPU ns, run-queue ns, slices). A
/// query's wall time minus this wait is its latency had a core been free:
/// meaningful on a shared machine, and it still counts time blocked on
/// the disk.
fn runqueue_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().nth(1)?.parse().ok()
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let cache_mb: u64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(64);
    let t = Thresholds::default();

    // 1. text -> signature, one thread
    let sample: Vec<Vec<String>> = (0..2_000).map(article).collect();
    let bytes: usize = sample.iter().flatten().map(|p| p.len() + 1).sum();
    let started = Instant::now();
    let mut rounds = 0;
    let mut sink = 0u64;
    while started.elapsed().as_secs_f64() < 3.0 {
        for a in &sample {
            let (_, fp) = fingerprint(a, &t);
            sink ^= fp.bands[0];
        }
        rounds += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "signature: {:.0} articles/s on one thread (avg {:.0} bytes/article; fingerprint = shingles + MinHash + bands + paragraph hashes) [{sink:x}]",
        (rounds * sample.len()) as f64 / secs,
        bytes as f64 / sample.len() as f64
    );

    // 2. sled index of n articles
    let kept = std::env::args().nth(3).map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = kept.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let opened = Instant::now();
    let storage = copydesk::config::StorageConfig {
        path: dir.join("db"),
        cache_mb,
        ..Default::default()
    };
    let store = copydesk::store::open(&storage, Default::default()).expect("open the store");
    println!(
        "opened the store in {:.2} s (an older layout is upgraded here)",
        opened.elapsed().as_secs_f64()
    );
    let rss_before_load = rss_kb();
    let loading = Instant::now();
    store.load_match_index().expect("load the postings");
    println!(
        "built the postings of {} articles from their records in {:.2} s (what the daemon does when it starts); resident memory grew {:.1} MiB",
        store.match_index_stats().map_or(0, |s| s.articles),
        loading.elapsed().as_secs_f64(),
        rss_kb().saturating_sub(rss_before_load) as f64 / 1024.0
    );
    let rss0 = rss_kb();
    let started = Instant::now();
    let now = chrono::Utc::now();
    let mut fp_time = 0.0;
    // Resume a kept index where it stopped (all ids below the first
    // missing one are in: they are committed in order, each flushed).
    let mut first = 1;
    if kept.is_some() {
        let (mut lo, mut hi) = (1u64, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if store.fingerprint(mid).expect("read").is_some() {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        first = lo;
        if first > 1 {
            println!(
                "reusing the {} articles already indexed in {}",
                first - 1,
                dir.display()
            );
        }
    }
    let built = n + 1 - first;
    for id in first..=n {
        let t0 = Instant::now();
        let (_, fp) = fingerprint(&article(id), &t);
        fp_time += t0.elapsed().as_secs_f64();
        let record = FingerprintRecord {
            id,
            version: 1,
            url: format!("https://outlet{}.example/a/{id}", id % 500),
            outlet: format!("outlet{}.example", id % 500),
            title: format!("Article {id}"),
            first_seen: now,
            published: None,
            bands: fp.bands,
            paragraphs: fp.paragraphs,
        };
        store
            .commit_fingerprint(FingerprintCommit {
                at: now,
                record,
                pairs: Vec::new(),
                events: Vec::new(),
                withdrawn: Vec::new(),
            })
            .expect("commit");
        if id % 50_000 == 0 {
            println!(
                "  {id} indexed, {:.0}/s so far",
                (id + 1 - first) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    if built > 0 {
        println!(
            "insert: {built} articles in {secs:.1} s = {:.0} articles/s (each flushed; {:.1} s of it fingerprinting)",
            built as f64 / secs,
            fp_time
        );
    }
    store.flush().expect("flush");
    let rss1 = rss_kb();

    // 3. queries: edited copies of indexed articles (must find them) and
    // fresh articles (nothing to find); rounds of different articles,
    // the first right after the build (or the open), the second with
    // whatever the first left in the caches
    let view = IndexOf(&*store);
    let q = 2_000u64;
    let rounds: u64 = std::env::args()
        .nth(4)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2);
    for round in 0..rounds {
        let mut lat = Vec::new();
        let mut own = Vec::new();
        let mut found = 0;
        for i in round * q..(round + 1) * q {
            let target = 1 + (i * 7919) % n;
            let mut body = article(if i % 2 == 0 { target } else { n + 1 + i });
            body[3] = format!("{} and a few more words", body[3]);
            let (_, fp) = fingerprint(&body, &t);
            let w0 = runqueue_ns();
            let t0 = Instant::now();
            let (_, c) =
                lookup(&view, u64::MAX, outlet_key("query.example"), &fp, &t).expect("lookup");
            let wall = t0.elapsed().as_secs_f64() * 1e6;
            lat.push(wall);
            if let (Some(a), Some(b)) = (w0, runqueue_ns()) {
                own.push((wall - b.saturating_sub(a) as f64 / 1e3).max(0.0));
            }
            if i % 2 == 0 && c.contains(&target) {
                found += 1;
            }
        }
        println!(
            "query round {} (index lookup) over {n}: p50 {:.0} µs, p99 {:.0} µs; edited copies found {found}/{}",
            round + 1,
            pct(&mut lat, 0.5),
            pct(&mut lat, 0.99),
            q / 2
        );
        if own.len() == lat.len() {
            println!(
                "  without run-queue waits: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs (wall time minus the time the thread waited for a core)",
                pct(&mut own, 0.5),
                pct(&mut own, 0.99),
                pct(&mut own, 1.0)
            );
        }
    }

    // 4. verification of one candidate (exact shingle sets)
    let (a, b) = (Doc::new(&article(1)), Doc::new(&article(2)));
    let started = Instant::now();
    let mut k = 0;
    while started.elapsed().as_secs_f64() < 1.0 {
        let s = compare(&a, &b, &HashSet::new(), &t);
        k += 1;
        sink ^= s.shared_shingles as u64;
    }
    println!(
        "verify: {:.1} µs per candidate pair (two prepared 4 KB articles) [{sink:x}]",
        1e6 * started.elapsed().as_secs_f64() / k as f64
    );

    let rss_end = rss_kb();
    let stats = store
        .match_index_stats()
        .expect("sled keeps postings in memory");
    println!(
        "postings in memory: {} articles, {} band + {} paragraph postings, {:.1} MiB heap = {:.0} bytes/article",
        stats.articles,
        stats.band_postings,
        stats.paragraph_postings,
        stats.heap_bytes as f64 / 1048576.0,
        stats.heap_bytes as f64 / stats.articles.max(1) as f64
    );
    drop(store);
    let disk = dir_size(&dir);
    println!(
        "size: {:.1} MiB on disk = {:.0} bytes/article; resident memory grew {:.1} MiB while building ({built} built) and was {:.1} MiB after the queries (sled cache capped at {cache_mb} MiB)",
        disk as f64 / 1048576.0,
        disk as f64 / n as f64,
        (rss1.saturating_sub(rss0)) as f64 / 1024.0,
        rss_end as f64 / 1024.0,
    );
}
