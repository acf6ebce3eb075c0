//! Garbage collection: the daemon's incremental cycle beside checks, and
//! the offline pass.

use super::*;

/// Run the daemon's incremental collection to its end, `budget` records
/// a step; the report and the number of steps.
fn gc_cycle(store: &dyn Store, budget: usize) -> (GcCycleReport, usize) {
    let mut cycle = GcCycle::default();
    for steps in 1..10_000 {
        if let GcStep::Done(r) = store.gc_step(&mut cycle, budget).unwrap() {
            return (r, steps);
        }
    }
    panic!("the cycle did not end");
}

/// The incremental collection takes the texts only removed watches had, in bounded steps, and agrees with the offline pass.
pub fn removed_watches_texts(backend: Backend) {
    let place = backend();
    let store = place.open();
    let mut gone = store
        .upsert_watch(new_watch("https://a.example/gone"))
        .unwrap();
    let mut kept = store
        .upsert_watch(new_watch("https://b.example/kept"))
        .unwrap();
    append(
        &*store,
        &mut gone,
        1,
        article("Own", &["only here"]),
        11,
        vec![],
    );
    append(
        &*store,
        &mut gone,
        2,
        article("Wire", &["shared"]),
        12,
        vec![],
    );
    append(
        &*store,
        &mut kept,
        1,
        article("Wire", &["shared"]),
        12,
        vec![],
    );
    for n in 2..=30 {
        let body = format!("kept version {n}");
        append(
            &*store,
            &mut kept,
            n,
            article("K", &[&body]),
            100 + n as u128,
            vec![],
        );
    }
    // nothing to do before a removal
    assert_eq!(gc_cycle(&*store, 5).0, GcCycleReport::default());

    store.remove_watch(&gone.url).unwrap();
    // small steps: the version scan takes several
    let (report, steps) = gc_cycle(&*store, 5);
    assert!(steps > 5, "bounded steps: {steps}");
    assert_eq!(report.candidates, 2);
    assert_eq!(report.removed, 1, "only the text no other watch has");
    assert!(report.removed_bytes > 0);
    let (_, a) = store.version(kept.id, 1).unwrap();
    assert_eq!(a.body, vec!["shared".to_string()]);
    // the offline pass agrees: nothing left, and the candidates settled
    let offline = store.collect_garbage(true).unwrap();
    assert_eq!(offline.orphaned_texts, 0);
    assert_eq!(gc_cycle(&*store, 5).0, GcCycleReport::default());
}

/// A check stores a version whose text a cycle under way had already found
/// unreferenced: the text stays (the check's transaction took the
/// candidate's marker away).
pub fn stored_again_kept(backend: Backend) {
    let place = backend();
    let store = place.open();
    let mut gone = store
        .upsert_watch(new_watch("https://a.example/gone"))
        .unwrap();
    append(
        &*store,
        &mut gone,
        1,
        article("Wire", &["the wire story"]),
        7,
        vec![],
    );
    store.remove_watch(&gone.url).unwrap();

    let mut cycle = GcCycle::default();
    assert_eq!(store.gc_step(&mut cycle, 1000).unwrap(), GcStep::More); // loaded
    assert_eq!(store.gc_step(&mut cycle, 1000).unwrap(), GcStep::More); // scanned: unreferenced
                                                                        // now another outlet's watch stores the same text
    let mut copy = store
        .upsert_watch(new_watch("https://c.example/copy"))
        .unwrap();
    append(
        &*store,
        &mut copy,
        1,
        article("Wire", &["the wire story"]),
        7,
        vec![],
    );
    let GcStep::Done(report) = store.gc_step(&mut cycle, 1000).unwrap() else {
        panic!("one step settles one candidate");
    };
    assert_eq!(report.removed, 0);
    let (_, a) = store.version(copy.id, 1).unwrap();
    assert_eq!(a.body, vec!["the wire story".to_string()]);
    assert_eq!(store.collect_garbage(true).unwrap().orphaned_texts, 0);
}
