//! Republication detection on real pages (issue 21), the small version of
//! `examples/match_pages.rs` that CI runs: annotated bodies of the
//! extraction benchmark planted into other real pages' templates (copies
//! whole, half and edited; sister sites sharing a template and a footer;
//! a shared quote), the rest of the pages as negatives, served from
//! loopback outlets and checked by the real binary. Asserts floors on
//! precision and recall by cluster, and no false pair between sister
//! sites or on a shared quote.

use crate::common;

use common::match_pages::{run, sources};
use copydesk::eval::match_pages::judge::judge;
use copydesk::eval::match_pages::{build, Params};
use std::path::Path;

#[test]
fn real_pages_meet_the_precision_and_recall_floors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/article-extraction-benchmark");
    let all = sources(&dir);
    assert!(all.len() >= 150, "benchmark pages: {}", all.len());
    // half of the pages keeps the debug binary's run short
    let subset: Vec<_> = all.into_iter().step_by(2).collect();
    let params = Params {
        wire: 5,
        copies_per_wire: 3,
        networks: 2,
        network_sites: 2,
        pair_networks: 1,
        quotes: 4,
        seed: 21,
    };
    let plan = build(&subset, params);
    let kinds: Vec<&str> = plan.pages.iter().map(|p| p.kind.as_str()).collect();
    eprintln!("pages {kinds:?}");
    let copies = plan.pages.iter().filter(|p| p.kind.is_copy()).count();
    assert!(copies >= 12, "copies planted: {copies}");
    let r = judge(
        &plan,
        &run(&plan, Path::new(common::binary()), 21, "").reported,
    );
    eprintln!(
        "pages {} precision {:.4} recall {:.4} ({} / {} / {}), copies {:?}, false {:?}",
        r.pages,
        r.precision(),
        r.recall(),
        r.co_tp,
        r.co_fp,
        r.co_fn,
        r.copies,
        r.false_pairs
    );
    for e in &r.false_examples {
        eprintln!("false: {e}");
    }
    assert!(r.precision() >= 0.98, "precision {}", r.precision());
    assert!(r.recall() >= 0.95, "recall {}", r.recall());
    assert_eq!(r.false_pairs.get("sister"), None);
    assert_eq!(r.false_pairs.get("quote"), None);
    assert!(r.negatives.get("sister").is_some_and(|&n| n >= 3));
    assert!(r.negatives.get("quote").is_some_and(|&n| n >= 3));
    let (halves, linked) = r.copies.get("half").copied().unwrap_or_default();
    assert!(halves >= 3 && linked == halves, "{:?}", r.copies);
}
