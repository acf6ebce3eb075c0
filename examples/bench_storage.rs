//! Disk per stored version (issue 22): N watches of real article bodies
//! (the ground-truth bodies of the two extraction sets in tests/data, each
//! made unique by its own first line) with their republication
//! fingerprints, then K small edits of each (one word changed in one
//! paragraph, the article re-fingerprinted as the pipeline does). The
//! store's size is read after each phase, before and after a compaction;
//! the difference per edit is what a small-edit version costs on disk,
//! index records included.
//!
//! `cargo run --release --locked --example bench_storage -- [N] [K]`
//! (defaults 2000 watches, 5 edits each).

use chrono::Utc;
use copydesk::core::matching::{fingerprint, Thresholds};
use copydesk::core::normalize::{normalize_article, ContentHash};
use copydesk::core::Article;
use copydesk::store::{
    compact_open, dir_bytes, CheckCommit, CheckRecord, FingerprintCommit, FingerprintRecord,
    NewVersion, NewWatch, Outcome, SledStore, Store, Watch, WatchSource,
};
use std::path::Path;
use std::time::Instant;

/// The article bodies of both sets, split into paragraphs.
fn bodies() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for set in ["article-extraction-benchmark", "wcxb-dev-articles"] {
        let path = Path::new("tests/data").join(set).join("ground-truth.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run from the repository)", path.display()));
        let v: serde_json::Value = serde_json::from_str(&text).expect("ground truth JSON");
        for page in v.as_object().expect("an object of pages").values() {
            let body = page["articleBody"].as_str().unwrap_or_default();
            let paras: Vec<String> = body
                .split('\n')
                .map(str::trim)
                .filter(|p| p.split_whitespace().count() >= 3)
                .map(String::from)
                .collect();
            if paras.len() >= 2 {
                out.push(paras);
            }
        }
    }
    out
}

fn record(n: u32) -> CheckRecord {
    CheckRecord {
        at: Utc::now(),
        outcome: Outcome::NewVersion,
        http_status: Some(200),
        failure: None,
        reason: None,
        version: Some(n),
        duration_ms: 1,
        final_url: None,
        confirmation: None,
    }
}

/// Store version `n` of `body` for `w`, and its fingerprint.
fn commit(store: &SledStore, w: &mut Watch, n: u32, body: &[String], t: &Thresholds) {
    let article = normalize_article(&Article {
        title: format!("Story {}", w.id),
        body: body.to_vec(),
        ..Article::default()
    });
    let hash = ContentHash::of(&article);
    w.latest_version = n;
    store
        .commit_check(CheckCommit {
            watch: w.clone(),
            record: record(n),
            version: Some(NewVersion {
                number: n,
                article: article.clone(),
                hash,
                final_url: w.url.clone(),
            }),
            events: Vec::new(),
        })
        .expect("commit a version");
    let (_, fp) = fingerprint(&article.body, t);
    let record = FingerprintRecord {
        id: w.id,
        version: n,
        url: w.url.clone(),
        outlet: format!("outlet{}.example", w.id % 300),
        title: article.title.clone(),
        first_seen: Utc::now(),
        published: None,
        bands: fp.bands,
        paragraphs: fp.paragraphs,
    };
    store
        .commit_fingerprint(FingerprintCommit {
            at: Utc::now(),
            record,
            pairs: Vec::new(),
            events: Vec::new(),
            withdrawn: Vec::new(),
        })
        .expect("commit a fingerprint");
}

/// Change one word of one paragraph (a different one each edit).
fn edit(body: &mut [String], k: usize) {
    let p = k % body.len();
    let mut words: Vec<&str> = body[p].split(' ').collect();
    let i = (k * 7) % words.len();
    let new = format!("edited{k}");
    words[i] = &new;
    body[p] = words.join(" ");
}

/// Compact the store at `path` (closing it) and open it again; print what
/// each tree holds.
fn compacted(store: SledStore, path: &Path) -> (SledStore, u64, u64) {
    let r = compact_open(store, path).expect("compact");
    let store = SledStore::open(path, 64).expect("reopen");
    let mut total = 0;
    for t in store.tree_sizes().expect("tree sizes") {
        if t.records > 0 {
            println!(
                "  tree {:<14} {:>7} records {:>11} bytes ({:.0} per record)",
                t.tree,
                t.records,
                t.key_bytes + t.value_bytes,
                (t.key_bytes + t.value_bytes) as f64 / t.records as f64
            );
        }
        total += t.key_bytes + t.value_bytes;
    }
    println!("  records in all: {total} bytes; on disk {}", r.bytes_after);
    (store, r.bytes_before, r.bytes_after)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let k: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let t = Thresholds::default();
    let pool = bodies();
    let words: usize = pool.iter().flatten().map(|p| p.split(' ').count()).sum();
    println!(
        "{} real article bodies, {:.0} words each on average",
        pool.len(),
        words as f64 / pool.len() as f64
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("db");
    let store = SledStore::open(&path, 64).expect("open");

    let started = Instant::now();
    let mut watches = Vec::with_capacity(n);
    let mut texts = Vec::with_capacity(n);
    for i in 0..n {
        let mut w = store
            .upsert_watch(NewWatch {
                url: format!("https://outlet{}.example/story/{i}", i % 300),
                label: None,
                schedule: None,
                source: WatchSource::Cli,
            })
            .expect("add a watch");
        let mut body = pool[i % pool.len()].clone();
        body.insert(0, format!("Story number {i} of this benchmark."));
        commit(&store, &mut w, 1, &body, &t);
        watches.push(w);
        texts.push(body);
    }
    let (store, before1, after1) = compacted(store, &path);
    println!(
        "phase 1: {n} watches, one version each, in {:.1} s: {before1} bytes, {after1} after compaction = {:.0} bytes per article",
        started.elapsed().as_secs_f64(),
        after1 as f64 / n as f64
    );

    let started = Instant::now();
    for round in 0..k {
        for (w, body) in watches.iter_mut().zip(texts.iter_mut()) {
            edit(body, round);
            let next = w.latest_version + 1;
            commit(&store, w, next, body, &t);
        }
    }
    let grown = dir_bytes(&path);
    let (store, before2, after2) = compacted(store, &path);
    let edits = (n * k) as f64;
    println!(
        "phase 2: {} small edits in {:.1} s: {before2} bytes ({grown} before the final flush), {after2} after compaction",
        n * k,
        started.elapsed().as_secs_f64()
    );
    println!(
        "per small-edit version: {:.0} bytes after compaction ({:.0} before)",
        (after2 as f64 - after1 as f64) / edits,
        (before2 as f64 - after1 as f64) / edits
    );
    let versions: usize = watches
        .iter()
        .map(|w| store.versions(w.id).map(|v| v.len()).unwrap_or(0))
        .sum();
    assert_eq!(versions, n * (k + 1), "every version kept");
}
