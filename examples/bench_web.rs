//! Benchmark of the review surface: (1) an article with 50 versions, its
//! timeline page, its latest diff page and its diff from the API, served by
//! the daemon's router on loopback from a real sled store; (2) the diff of
//! two 10,000-word versions (core diff alone, then the side-by-side page and
//! the API answer for them). Prints median and p95 per request.
//!
//! ```sh
//! cargo run --release --locked --example bench_web -- [REQUESTS]
//! ```

// the test helpers, of which this example uses a part
#[path = "../tests/it/webcommon/mod.rs"]
#[allow(dead_code, unused_imports)]
mod webcommon;

use copydesk::core::diff::diff_articles;
use copydesk::core::Article;
use std::time::{Duration, Instant};
use webcommon::{art, client, seed, Site};

/// A paragraph of `words` words, varied by `seed`.
fn paragraph(seed: usize, words: usize) -> String {
    const W: [&str; 16] = [
        "council", "budget", "harbour", "minister", "river", "school", "market", "bridge",
        "report", "police", "station", "weather", "election", "court", "hospital", "museum",
    ];
    (0..words)
        .map(|i| {
            W[(seed * 7 + i * 13 + i / 5) % W.len()].to_string()
                + if i % 12 == 11 { "." } else { "" }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn article(title: &str, paragraphs: usize, words: usize) -> Article {
    let body: Vec<String> = (0..paragraphs).map(|p| paragraph(p, words)).collect();
    let refs: Vec<&str> = body.iter().map(String::as_str).collect();
    art(title, &refs)
}

/// Version `v`: a word changed in two paragraphs, a paragraph added every
/// fifth version.
fn edited(base: &Article, v: usize) -> Article {
    let mut a = base.clone();
    a.title = format!("{} (update {v})", base.title);
    let n = a.body.len();
    a.body[v % n] = a.body[v % n].replacen("council", &format!("assembly{v}"), 1);
    a.body[(v * 7) % n] = format!("{} Added sentence {v}.", a.body[(v * 7) % n]);
    for k in 0..v / 5 {
        a.body
            .push(format!("Late addition {k}: {}", paragraph(1000 + k, 30)));
    }
    a
}

fn stats(mut t: Vec<Duration>) -> String {
    t.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:.2} ms, p95 {:.2} ms ({} runs)",
        ms(t[t.len() / 2]),
        ms(t[(t.len() * 95 / 100).min(t.len() - 1)]),
        t.len()
    )
}

async fn time_get(site: &Site, path: &str, n: usize) -> (String, usize) {
    let c = client();
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let t = Instant::now();
        let r = c.get(site.url(path)).send().await.expect("GET");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        size = r.bytes().await.expect("body").len();
        times.push(t.elapsed());
    }
    (stats(times), size)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let site = Site::start(None);

    // (1) 50 versions of a 20-paragraph, ~800-word article
    let base = article("Harbour expansion approved", 20, 40);
    let versions: Vec<Article> = (0..50).map(|v| edited(&base, v)).collect();
    let w = seed(
        site.store.as_ref(),
        "https://news.example/harbour",
        None,
        &versions,
    );
    // (2) two 10,000-word versions: 100 paragraphs of 100 words; 10
    // paragraphs with a changed word, 2 removed, 2 added
    let big_old = article("Long report", 100, 100);
    let mut big_new = big_old.clone();
    for p in (0..100).step_by(10) {
        big_new.body[p] = big_new.body[p].replacen("budget", "spending", 1);
    }
    big_new.body.remove(55);
    big_new.body.remove(33);
    big_new.body.insert(20, paragraph(5000, 100));
    big_new.body.push(paragraph(5001, 100));
    let words: usize = big_old.word_count();
    let big = seed(
        site.store.as_ref(),
        "https://news.example/report",
        None,
        &[big_old.clone(), big_new.clone()],
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!(
            "article with {} versions ({} words each):",
            versions.len(),
            base.word_count()
        );
        for (what, path) in [
            ("timeline page", format!("/watches/{}", w.id)),
            ("diff page 49 -> 50", format!("/watches/{}/diff", w.id)),
            (
                "diff page 1 -> 50",
                format!("/watches/{}/diff?from=1&to=50", w.id),
            ),
            (
                "API diff 1 -> 50",
                format!("/api/v1/watches/{}/diff?from=1&to=50", w.id),
            ),
            ("API versions", format!("/api/v1/watches/{}/versions", w.id)),
        ] {
            let (s, size) = time_get(&site, &path, n).await;
            println!("  {what:<22} {s}, {size} bytes");
        }
    });

    // the worst case for word diffs: every paragraph edited in two places
    let mut every = big_old.clone();
    for (i, p) in every.body.iter_mut().enumerate() {
        *p = p
            .replacen("river", "stream", 1)
            .replacen("court", &format!("tribunal{i}"), 1);
    }
    for (what, new) in [
        ("14 paragraphs touched", &big_new),
        ("all 100 paragraphs edited", &every),
    ] {
        let mut times = Vec::new();
        let mut d = None;
        for _ in 0..20 {
            let t = Instant::now();
            d = Some(diff_articles(&big_old, new));
            times.push(t.elapsed());
        }
        let s = d.map(|d| d.summary).expect("a diff");
        println!(
            "diff of two {words}-word versions, {what} (core::diff: {} changed, {} added, {} removed paragraphs, +{} -{} words): {}",
            s.paragraphs_changed,
            s.paragraphs_added,
            s.paragraphs_removed,
            s.words_added,
            s.words_removed,
            stats(times)
        );
    }
    let every_w = seed(
        site.store.as_ref(),
        "https://news.example/every",
        None,
        &[big_old.clone(), every],
    );
    rt.block_on(async {
        for (what, path) in [
            (
                "diff page (14 touched)",
                format!("/watches/{}/diff", big.id),
            ),
            (
                "API diff (14 touched)",
                format!("/api/v1/watches/{}/diff", big.id),
            ),
            (
                "diff page (all edited)",
                format!("/watches/{}/diff", every_w.id),
            ),
            (
                "API diff (all edited)",
                format!("/api/v1/watches/{}/diff", every_w.id),
            ),
        ] {
            let (s, size) = time_get(&site, &path, n.min(50)).await;
            println!("  {what} of the 10,000-word versions: {s}, {size} bytes");
        }
    });
}
