//! Diffing worst cases, 10,000 words a side (the cases of the test
//! `huge_inputs_diff_correctly`, whose speed is measured here instead of
//! asserted there).
//!
//! ```sh
//! cargo bench --bench diff
//! ```
//!
//! - `diff/edited`: 200 paragraphs, every third edited, some inserted and
//!   dropped;
//! - `diff/unrelated`: two unrelated texts;
//! - `diff/one_paragraph`: one 10,000-word paragraph each side, all words
//!   different (the word diff's worst case).

use copydesk::core::diff::diff_articles;
use copydesk::core::Article;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// `n` pseudo-words from a seed (a small LCG: the same words every run).
fn words(n: usize, seed: u64) -> Vec<String> {
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            format!("w{}", (x >> 33) % 5_000)
        })
        .collect()
}

fn article(paragraphs: Vec<String>) -> Article {
    Article {
        title: "T".into(),
        body: paragraphs,
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let old = article(words(10_000, 1).chunks(50).map(|w| w.join(" ")).collect());
    let mut edited = old.clone();
    for (i, p) in edited.body.iter_mut().enumerate() {
        if i % 3 == 0 {
            *p = p.replacen('w', "x", 5);
        }
    }
    edited.body.retain(|p| !p.starts_with("w1"));
    for i in (0..edited.body.len()).step_by(17) {
        edited.body.insert(i, words(50, i as u64 + 100).join(" "));
    }
    let unrelated = article(words(10_000, 2).chunks(50).map(|w| w.join(" ")).collect());
    let one_a = article(vec![words(10_000, 3).join(" ")]);
    let one_b = article(vec![words(10_000, 4).join(" ")]);

    let mut g = c.benchmark_group("diff");
    g.sample_size(10);
    g.bench_function("edited", |b| {
        b.iter(|| diff_articles(black_box(&old), black_box(&edited)))
    });
    g.bench_function("unrelated", |b| {
        b.iter(|| diff_articles(black_box(&old), black_box(&unrelated)))
    });
    g.bench_function("one_paragraph", |b| {
        b.iter(|| diff_articles(black_box(&one_a), black_box(&one_b)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
