//! Republication matching on the labelled corpus (issue 5): precision and
//! recall per kind at the default thresholds, and threshold curves.
//!
//! `cargo run --release --example match_eval`

use copydesk::core::matching::minhash::{candidate_probability, BANDS, ROWS};
use copydesk::core::matching::Thresholds;
use copydesk::eval::match_corpus::{generate, score, split_body, Report};

fn bodies() -> Vec<Vec<String>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/article-extraction-benchmark/ground-truth.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let mut out: Vec<(String, Vec<String>)> = v
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, a)| {
                    (
                        k.clone(),
                        split_body(a["articleBody"].as_str().unwrap_or("")),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.into_iter().map(|(_, b)| b).collect()
}

fn line(label: &str, r: &Report) {
    println!(
        "| {label} | {:.4} | {:.4} | {} | {} | {} |",
        r.precision(),
        r.recall(),
        r.true_positives,
        r.false_positives,
        r.false_negatives
    );
}

fn main() {
    let t = Thresholds::default();
    let bodies = bodies();
    let scored = score(generate(&bodies, 5), t);
    println!(
        "corpus: {} source bodies, {} docs, {} labelled pairs, {} verified candidate pairs\n",
        bodies.len(),
        scored.corpus.docs.len(),
        scored.corpus.pairs.len(),
        scored.found.len()
    );
    let r = scored.report(&t);
    println!("| kind | pairs | reported | rate | index candidates |");
    println!("|---|---|---|---|---|");
    for (kind, s) in &r.per_kind {
        println!(
            "| {kind} | {} | {} | {:.3} | {} |",
            s.pairs,
            s.reported,
            s.reported as f64 / s.pairs.max(1) as f64,
            s.candidates
        );
    }
    println!(
        "\nunlabelled false positives across the corpus: {}",
        r.unlabelled_false
    );
    println!("\nThreshold curve: every labelled pair verified directly (candidate or not),");
    println!("one threshold varied at a time, the others at their defaults.");
    println!("\n| thresholds | precision | recall | tp | fp | fn |");
    println!("|---|---|---|---|---|---|");
    line("defaults (via the index)", &r);
    line("defaults (direct)", &scored.curve_point(&t));
    for c in [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5] {
        let tt = Thresholds {
            containment: c,
            ..t
        };
        line(&format!("containment {c}"), &scored.curve_point(&tt));
    }
    for m in [10, 20, 40, 60, 100] {
        let tt = Thresholds {
            min_shared_shingles: m,
            ..t
        };
        line(
            &format!("min_shared_shingles {m}"),
            &scored.curve_point(&tt),
        );
    }
    for p in [1, 2, 3, 4] {
        let tt = Thresholds {
            min_shared_paragraphs: p,
            ..t
        };
        line(
            &format!("min_shared_paragraphs {p}"),
            &scored.curve_point(&tt),
        );
    }
    for s in [0.3, 0.5, 0.7, 0.9] {
        let tt = Thresholds { similarity: s, ..t };
        line(&format!("similarity {s}"), &scored.curve_point(&tt));
    }
    println!("\nEach rule alone (the other two switched off):\n");
    println!("| rule | precision | recall | tp | fp | fn |");
    println!("|---|---|---|---|---|---|");
    let off = Thresholds {
        similarity: 2.0,
        containment: 2.0,
        min_shared_paragraphs: usize::MAX,
        ..t
    };
    for s in [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
        line(
            &format!("similarity >= {s}"),
            &scored.curve_point(&Thresholds {
                similarity: s,
                ..off
            }),
        );
    }
    for c in [0.02, 0.05, 0.1, 0.2, 0.3, 0.4] {
        for m in [0, 40] {
            let tt = Thresholds {
                containment: c,
                min_shared_shingles: m,
                ..off
            };
            line(
                &format!("containment >= {c}, shared shingles >= {m}"),
                &scored.curve_point(&tt),
            );
        }
    }
    for p in [1, 2, 3] {
        let tt = Thresholds {
            min_shared_paragraphs: p,
            ..off
        };
        line(
            &format!("shared paragraphs >= {p}"),
            &scored.curve_point(&tt),
        );
    }
    println!("\nboilerplate_stories (the index counts stories again for each value):\n");
    println!("| thresholds | precision | recall | tp | fp | fn |");
    println!("|---|---|---|---|---|---|");
    for n in [2, 3, 4, 6] {
        let tt = Thresholds {
            boilerplate_stories: n,
            ..t
        };
        let s = score(generate(&bodies, 5), tt);
        line(&format!("boilerplate_stories {n}"), &s.report(&tt));
    }
    println!("\nLSH S-curve ({BANDS} bands x {ROWS} rows): P(candidate | Jaccard s)");
    for s in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8] {
        println!("  s = {s:.1}: {:.4}", candidate_probability(s, BANDS, ROWS));
    }
}
