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
fn furniture_scattered_through_one_story_is_not_a_partial_copy() {
    // a host's review lines sit between its products; a page planted into
    // its template carries them together after another story
    let t = Thresholds::default();
    let lines: Vec<String> = (0..3)
        .map(|i| {
            format!("Clients review: five of five stars from verified buyers number {i} this year")
        })
        .collect();
    let mut host = body(12, "h");
    for (k, l) in lines.iter().enumerate() {
        host.insert(2 + 4 * k, l.clone());
    }
    let mut other = body(10, "o");
    other.extend(lines.iter().cloned());
    let s = compare(&Doc::new(&host), &Doc::new(&other), &HashSet::new(), &t);
    assert_eq!(s.shared_paragraphs, 3, "{s:?}");
    assert!(s.scattered && !s.edge_only, "{s:?}");
    assert_eq!(classify(&s, &t), None);
    // the same three paragraphs as one block in both: a lifted passage
    let mut lifted = body(12, "h");
    lifted.splice(5..5, lines.iter().cloned());
    let s = compare(&Doc::new(&lifted), &Doc::new(&other), &HashSet::new(), &t);
    assert!(!s.scattered, "{s:?}");
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

#[test]
fn cjk_copy_is_found_and_a_different_cjk_story_is_not() {
    let t = Thresholds::default();
    let orig: Vec<String> = [
        "东京都议会周二投票通过了新的预算案，大幅增加了公共交通和道路维修的资金。",
        "议员们在最终投票前就该提案辩论了四个多小时，最终以七票对四票获得通过。",
        "市长表示，这项计划将缩短通勤时间，并使城市街道对骑自行车的人和行人更加安全。",
        "反对派议员认为，该预算依赖于过于乐观的收入预测，明年可能被迫削减其他服务。",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let other: Vec<String> = [
        "周一晚上的暴雨淹没了老城区的几条街道，消防队不得不从数十个地下室抽水。",
        "气象学家表示，这场风暴在三个小时内的降雨量超过了该地区通常一个月的降雨量。",
        "河边步行街的店主们周二早上开始清理，估计每家损失达数千欧元。",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut idx = memindex::MemIndex::new(t);
    idx.insert("a.example", &orig);
    let mut copy = orig.clone();
    copy[0] = format!("（新华社）{}", copy[0]);
    idx.insert("b.example", &copy);
    idx.insert("c.example", &other);
    let found = idx.matches();
    let reported: Vec<_> = found.iter().filter(|f| f.class.is_some()).collect();
    assert_eq!(reported.len(), 1, "{found:?}");
    assert_eq!((reported[0].a, reported[0].b), (0, 1));
    assert_eq!(reported[0].class, Some(MatchClass::Copy));
}
