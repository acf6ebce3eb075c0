//! The plan on made-up pages: every kind is built, truth follows the
//! bodies placed, and the judge counts what it should.
use super::judge::{direct, judge, Reported, ReportedPair};
use super::*;

fn source(i: usize) -> Source {
    // paragraphs of four ten-word sentences
    let paras: Vec<String> = (0..8)
        .map(|p| {
            (0..40)
                .map(|w| {
                    let word = format!("s{i}w{}", (p * 41 + w * 7) % 301);
                    if w % 10 == 9 {
                        word + "."
                    } else {
                        word
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let html = format!(
        "<html><body><nav><p>Menu of site number {i} with links</p></nav><div class=\"a\">{}\
         <p>Share this story with your friends and family now</p></div></body></html>",
        paras
            .iter()
            .map(|p| format!("<p>{p}</p>"))
            .collect::<String>()
    );
    Source {
        id: format!("{i:03}"),
        url: format!("https://www.site{}.example/story/{i}", i % 40),
        html,
        annotated: paras.join("\n"),
    }
}

fn params() -> Params {
    Params {
        wire: 4,
        copies_per_wire: 3,
        networks: 2,
        network_sites: 2,
        pair_networks: 1,
        quotes: 2,
        seed: 7,
    }
}

#[test]
fn every_kind_is_built_and_truth_follows_the_placed_bodies() {
    let sources: Vec<Source> = (0..60).map(source).collect();
    let plan = build(&sources, params());
    let count = |k: Kind| plan.pages.iter().filter(|p| p.kind == k).count();
    assert_eq!(
        count(Kind::Whole) + count(Kind::Half) + count(Kind::Edited) + count(Kind::EditedHalf),
        12
    );
    assert_eq!(count(Kind::NetworkHome), 2);
    assert_eq!(count(Kind::Sister), 6);
    assert_eq!(count(Kind::Quote), 2);
    // a copy and its original carry one story; sisters do not
    let orig_of = |p: &Page| {
        plan.pages
            .iter()
            .find(|o| o.kind == Kind::Own && o.carries[0].0 == p.carries[0].0)
            .expect("original served")
    };
    for p in plan.pages.iter().filter(|p| p.kind.is_copy()) {
        assert!(direct(&plan, p, orig_of(p)), "{}", p.path);
        assert!(p.html.contains("Share this story"), "furniture kept");
        assert!(p.html.contains("Associated Press"));
    }
    let sisters: Vec<&Page> = plan.pages.iter().filter(|p| p.network == Some(0)).collect();
    assert_eq!(sisters.len(), 3);
    assert!(!direct(&plan, sisters[0], sisters[1]));
    assert_eq!(judge::cause(sisters[0], sisters[1]), "sister");
    // one address per outlet name, pages of one domain on one
    let mut names = plan.outlets.clone();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), plan.outlets.len());
    // the same plan again
    let again = build(&sources, params());
    assert_eq!(again.pages.len(), plan.pages.len());
    assert!(again
        .pages
        .iter()
        .zip(&plan.pages)
        .all(|(a, b)| a.html == b.html && a.outlet == b.outlet));
}

#[test]
fn the_judge_counts_clusters_pairs_and_causes() {
    let sources: Vec<Source> = (0..60).map(source).collect();
    let plan = build(&sources, params());
    let idx = |f: &dyn Fn(&Page) -> bool| plan.pages.iter().position(f).expect("page");
    let copy = idx(&|p| p.kind == Kind::Whole);
    let wire = plan.pages[copy].carries[0].0;
    let orig = idx(&|p| p.kind == Kind::Own && p.carries[0].0 == wire);
    let s0 = idx(&|p| p.kind == Kind::Sister && p.network == Some(0));
    let s1 = plan
        .pages
        .iter()
        .enumerate()
        .position(|(i, p)| i != s0 && p.kind == Kind::Sister && p.network == Some(0))
        .expect("second sister");
    let pair = |a, b| ReportedPair {
        a,
        b,
        class: "partial".into(),
        similarity: 0.1,
        containment: 0.3,
        shared_paragraphs: 2,
    };
    let reported = Reported {
        clusters: vec![vec![orig, copy], vec![s0, s1]],
        pairs: vec![pair(orig, copy), pair(s0, s1)],
        events: vec![(orig, copy), (s0, s1)],
    };
    let r = judge(&plan, &reported);
    assert_eq!(r.reported_clusters, 2);
    assert_eq!(r.reported_pure, 1);
    assert_eq!(r.co_fp, 1);
    assert_eq!(r.co_tp, 1);
    assert!(r.co_fn > 0 && r.recall() < 1.0);
    assert_eq!(r.false_pairs.get("sister"), Some(&1));
    assert_eq!((r.pair_tp, r.pair_fp), (1, 1));
    assert_eq!((r.events, r.false_events), (2, 1));
    assert_eq!(r.precision(), 0.5);
}

#[test]
fn a_story_held_twice_once_as_one_paragraph_is_one_story() {
    let mut sources: Vec<Source> = (0..60).map(source).collect();
    let plan = build(&sources, params());
    let own = plan
        .pages
        .iter()
        .find(|p| p.kind == Kind::Own && p.carries[0].1.len() >= 2)
        .expect("a page served as it is");
    let s = own.carries[0].0;
    // the same article under another URL, annotated without paragraph
    // breaks (one paragraph: served as it is, never planted)
    let mut dup = sources[s].clone();
    dup.id = "999".into();
    dup.url = "https://dup.example/same-story".into();
    dup.annotated = dup.annotated.replace('\n', " ");
    sources.push(dup);
    let plan = build(&sources, params());
    let at = |src: usize| {
        plan.pages
            .iter()
            .find(|p| p.kind == Kind::Own && p.carries[0].0 == src)
            .expect("served")
    };
    let (a, b) = (at(s), at(60));
    assert!(direct(&plan, a, b));
    assert!(direct(&plan, b, b));
    let (i, j) = (
        plan.pages
            .iter()
            .position(|p| std::ptr::eq(p, a))
            .expect("a"),
        plan.pages
            .iter()
            .position(|p| std::ptr::eq(p, b))
            .expect("b"),
    );
    let r = judge(
        &plan,
        &Reported {
            clusters: vec![vec![i, j]],
            pairs: vec![],
            events: vec![],
        },
    );
    assert_eq!((r.co_tp, r.co_fp), (1, 0));
    // a one-paragraph source alone is no story shared with another page
    let other = plan
        .pages
        .iter()
        .find(|p| p.kind == Kind::Own && p.carries[0].0 != s && p.carries[0].0 != 60)
        .expect("another page");
    assert!(!direct(&plan, b, other));
}
