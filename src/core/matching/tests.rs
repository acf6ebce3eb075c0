//! Tests of the matching decision on hand-made articles.
use super::*;

fn body(n: usize, seed: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            (0..30)
                .map(|w| format!("{seed}{}", (i * 31 + w * 7) % 997))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn verbatim_copy_is_a_copy() {
    let t = Thresholds::default();
    let a = Doc::new(&body(8, "w"));
    let s = compare(&a, &a.clone(), &HashSet::new(), &t);
    assert_eq!(s.similarity, 1.0);
    assert_eq!(s.shared_paragraphs, 8);
    assert_eq!(classify(&s, &t), Some(MatchClass::Copy));
}

#[test]
fn three_lifted_paragraphs_are_a_partial_copy() {
    let t = Thresholds::default();
    let orig = body(12, "w");
    let mut host = body(10, "z");
    host.splice(4..4, orig[2..5].iter().cloned());
    let s = compare(&Doc::new(&orig), &Doc::new(&host), &HashSet::new(), &t);
    assert!(s.similarity < 0.3, "{s:?}");
    assert_eq!(s.shared_paragraphs, 3);
    assert_eq!(classify(&s, &t), Some(MatchClass::Partial));
    // and the index finds it
    let mut idx = memindex::MemIndex::new(t);
    idx.insert("a.example", &orig);
    idx.insert("b.example", &host);
    assert_eq!(idx.candidates_of(1), vec![0]);
}

#[test]
fn unrelated_and_one_shared_sentence_are_not_matches() {
    let t = Thresholds::default();
    let a = body(8, "w");
    let mut b = body(8, "z");
    b[3] = format!("{} {}", b[3], a[2]);
    let s = compare(&Doc::new(&a), &Doc::new(&b), &HashSet::new(), &t);
    assert_eq!(s.shared_paragraphs, 0);
    assert_eq!(classify(&s, &t), None, "{s:?}");
    let s = compare(&Doc::new(&a), &Doc::new(&body(8, "q")), &HashSet::new(), &t);
    assert_eq!(s.shared_shingles, 0);
}

#[test]
fn outlet_boilerplate_does_not_link_stories() {
    let t = Thresholds::default();
    let disclaimer = body(2, "disclaimer");
    let mut idx = memindex::MemIndex::new(t);
    for s in ["a", "b", "c"] {
        let mut b = body(6, s);
        b.extend(disclaimer.iter().cloned());
        idx.insert("one.example", &b);
    }
    let mut other = body(6, "d");
    other.extend(disclaimer.iter().cloned());
    idx.insert("two.example", &other);
    assert_eq!(idx.boilerplate_of(0).len(), 2);
    let reported: Vec<_> = idx
        .matches()
        .into_iter()
        .filter(|f| f.class.is_some())
        .collect();
    assert!(reported.is_empty(), "{reported:?}");
}

#[test]
fn scores_swap_roles() {
    let s = Scores {
        containment: 0.2,
        containment_rev: 0.9,
        ..Scores::default()
    };
    assert_eq!(s.swapped().containment, 0.9);
}
