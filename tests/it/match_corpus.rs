//! Republication matching on the labelled corpus made from the real article
//! bodies of the extraction benchmark: precision and recall targets (issue
//! 5) hold at the default thresholds.

use copydesk::core::matching::Thresholds;
use copydesk::eval::match_corpus::{generate, score, split_body};

fn bodies() -> Vec<Vec<String>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/article-extraction-benchmark/ground-truth.json"
    );
    let text = std::fs::read_to_string(path).expect("ground truth");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut out: Vec<(String, Vec<String>)> = v
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, a)| {
            (
                k.clone(),
                split_body(a["articleBody"].as_str().unwrap_or("")),
            )
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, b)| b).collect()
}

#[test]
fn corpus_meets_precision_and_recall_targets() {
    let t = Thresholds::default();
    let scored = score(generate(&bodies(), 5), t);
    let r = scored.report(&t);
    for (kind, s) in &r.per_kind {
        eprintln!(
            "{kind:20} pairs {:4} reported {:4} candidates {:4}",
            s.pairs, s.reported, s.candidates
        );
    }
    eprintln!(
        "tp {} fp {} fn {} unlabelled fp {}",
        r.true_positives, r.false_positives, r.false_negatives, r.unlabelled_false
    );
    for (a, b, s) in &r.unlabelled_examples {
        let (da, db) = (&scored.corpus.docs[*a], &scored.corpus.docs[*b]);
        eprintln!(
            "unlabelled fp {a} {} {:?} / {b} {} {:?}: {s:?}",
            da.outlet, da.sources, db.outlet, db.sources
        );
        let pa: std::collections::HashSet<&String> = da.body.iter().collect();
        for p in db.body.iter().filter(|p| pa.contains(p)) {
            eprintln!("   shared: {p}");
        }
    }
    assert!(r.true_positives >= 100, "corpus too small: {r:?}");
    for kind in ["neg_quote", "neg_disclaimer", "neg_unrelated"] {
        assert!(r.per_kind[kind].pairs >= 10, "{kind}: {r:?}");
    }
    assert!(r.precision() >= 0.99, "precision {}", r.precision());
    assert!(r.recall() >= 0.95, "recall {}", r.recall());
    // the decision alone, every labelled pair verified directly
    let d = scored.curve_point(&t);
    assert!(d.precision() >= 0.99 && d.recall() >= 0.95, "{d:?}");
    let partial = r.per_kind["partial_lift"];
    assert!(
        partial.reported as f64 >= 0.95 * partial.pairs as f64,
        "partial lifts: {partial:?}"
    );
}
