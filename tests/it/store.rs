//! The sled store on real databases in temp dirs.

use crate::common;
use chrono::Utc;
use common::reopen::{open_store, try_open_store};
use copydesk::core::diff::{ChangeClass, ChangeSummary};
use copydesk::core::event::{ArticleRef, EditEvent, Event};
use copydesk::core::normalize::ContentHash;
use copydesk::core::Article;
use copydesk::store::*;

fn article(title: &str, body: &[&str]) -> Article {
    Article {
        title: title.into(),
        body: body.iter().map(|s| s.to_string()).collect(),
        ..Article::default()
    }
}

fn new_watch(url: &str) -> NewWatch {
    NewWatch {
        url: url.into(),
        label: None,
        schedule: None,
        source: WatchSource::Cli,
    }
}

fn record(outcome: Outcome, version: Option<u32>) -> CheckRecord {
    CheckRecord {
        at: Utc::now(),
        outcome,
        http_status: Some(200),
        failure: None,
        reason: None,
        version,
        duration_ms: 1,
        final_url: None,
        confirmation: None,
    }
}

fn edit(url: &str, from: u32, to: u32) -> Event {
    Event::Edit(EditEvent {
        id: copydesk::core::event::edit_event_id(url, from, to),
        detected_at: "2026-01-01T00:00:00Z".into(),
        article: ArticleRef {
            url: url.into(),
            outlet: "o".into(),
            title: "t".into(),
        },
        from_version: from,
        to_version: to,
        change: ChangeSummary {
            class: ChangeClass::Minor,
            title_changed: false,
            paragraphs_added: 0,
            paragraphs_removed: 0,
            paragraphs_changed: 1,
            words_added: 1,
            words_removed: 1,
            chars_changed: 3,
        },
        diff: String::new(),
    })
}

/// Append version `n` of `a` to watch `w` with the given events.
fn append(
    store: &SledStore,
    w: &mut Watch,
    n: u32,
    a: Article,
    hash: u128,
    events: Vec<(Event, Vec<String>)>,
) -> VersionMeta {
    w.latest_version = n;
    store
        .commit_check(CheckCommit {
            watch: w.clone(),
            record: record(Outcome::NewVersion, Some(n)),
            version: Some(NewVersion {
                number: n,
                article: a,
                hash: ContentHash(hash),
                final_url: w.url.clone(),
            }),
            events,
        })
        .unwrap()
        .expect("a version was written")
}

#[test]
fn watches_versions_and_texts_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    assert_eq!(store.watches().unwrap().len(), 1);

    let v1 = append(&store, &mut w, 1, article("T1", &["one", "two"]), 1, vec![]);
    let v2 = append(
        &store,
        &mut w,
        2,
        article("T2", &["one", "two!"]),
        2,
        vec![],
    );
    let v3 = append(&store, &mut w, 3, article("T1", &["one", "two"]), 1, vec![]);
    assert_eq!((v1.same_as, v2.same_as), (None, None));
    assert_eq!(v3.same_as, Some(1), "a revert is recorded as such");

    let versions = store.versions(w.id).unwrap();
    assert_eq!(
        versions.iter().map(|v| v.number).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    let (meta, a) = store.version(w.id, 2).unwrap();
    assert_eq!(meta.title, "T2");
    assert_eq!(a.body, vec!["one", "two!"]);
    assert_eq!(
        store.watch("https://a.example/1").unwrap().latest_version,
        3
    );
    assert!(matches!(
        store.version(w.id, 9),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.checks(w.id, 10).unwrap().len(), 3);
}

#[test]
fn a_version_number_cannot_be_written_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    append(&store, &mut w, 1, article("T", &["x"]), 1, vec![]);
    let again = store.commit_check(CheckCommit {
        watch: w.clone(),
        record: record(Outcome::NewVersion, Some(1)),
        version: Some(NewVersion {
            number: 1,
            article: article("T", &["y"]),
            hash: ContentHash(7),
            final_url: w.url.clone(),
        }),
        events: vec![],
    });
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
}

#[test]
fn outbox_keeps_failed_deliveries_until_they_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    append(&store, &mut w, 1, article("T", &["x"]), 1, vec![]);
    let sinks = vec!["webhook:a".to_string(), "webhook:b".to_string()];
    let e = edit(&w.url, 1, 2);
    append(&store, &mut w, 2, article("T", &["y"]), 2, vec![(e, sinks)]);

    let pending = store.pending_deliveries(None).unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[0].1.event.id(), pending[1].1.event.id());

    store
        .delivery_succeeded("webhook:a", pending[0].0.seq)
        .unwrap();
    let later = Utc::now() + chrono::Duration::hours(1);
    store
        .delivery_failed(
            "webhook:b",
            pending[0].0.seq,
            "receiver answered 500",
            Some(later),
        )
        .unwrap();
    assert!(
        store
            .pending_deliveries(Some(Utc::now()))
            .unwrap()
            .is_empty(),
        "backing off"
    );
    let left = store.pending_deliveries(None).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].0.sink, "webhook:b");
    assert_eq!(left[0].0.attempts, 1);
    assert_eq!(
        left[0].0.last_error.as_deref(),
        Some("receiver answered 500")
    );
    assert_eq!(store.events(10).unwrap().len(), 1);
}

#[test]
fn a_dead_letter_is_kept_listed_and_retried_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    append(&store, &mut w, 1, article("T", &["x"]), 1, vec![]);
    let e = edit(&w.url, 1, 2);
    let id = e.id().to_string();
    append(
        &store,
        &mut w,
        2,
        article("T", &["y"]),
        2,
        vec![(e, vec!["webhook:a".into()])],
    );
    let seq = store.pending_deliveries(None).unwrap()[0].0.seq;

    store
        .delivery_failed("webhook:a", seq, "receiver answered 503", None)
        .unwrap();
    assert!(
        store.pending_deliveries(None).unwrap().is_empty(),
        "dead letters are not retried"
    );
    let all = store.outbox().unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].0.dead);
    assert_eq!(all[0].0.attempts, 1);
    assert_eq!(all[0].1.event.id(), id);

    assert!(matches!(
        store.retry_deliveries("edit-nope"),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.retry_deliveries(&id).unwrap(), 1);
    let pending = store.pending_deliveries(Some(Utc::now())).unwrap();
    assert_eq!(pending.len(), 1, "due again at once");
    assert!(!pending[0].0.dead);
    drop(store);
    // and it all survives a reopen
    let store = open_store(&dir.path().join("db"));
    assert_eq!(store.pending_deliveries(None).unwrap().len(), 1);
}

#[test]
fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let store = open_store(&path);
        let mut w = store
            .upsert_watch(new_watch("https://a.example/1"))
            .unwrap();
        let e = edit(&w.url, 0, 1);
        append(
            &store,
            &mut w,
            1,
            article("T", &["kept"]),
            1,
            vec![(e, vec!["webhook:a".into()])],
        );
    }
    let store = open_store(&path);
    let w = store.watch("https://a.example/1").unwrap();
    assert_eq!(store.version(w.id, 1).unwrap().1.body, vec!["kept"]);
    assert_eq!(store.pending_deliveries(None).unwrap().len(), 1);
}

#[test]
fn removing_a_watch_removes_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    append(&store, &mut w, 1, article("T", &["x"]), 1, vec![]);
    store.remove_watch(&w.url).unwrap();
    assert!(matches!(store.watch(&w.url), Err(StoreError::NotFound(_))));
    assert!(store.versions(w.id).unwrap().is_empty());
    assert!(matches!(
        store.remove_watch(&w.url),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn a_newer_layout_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    open_store(&path)
        .set_schema_version_for_tests(SCHEMA_VERSION + 1)
        .unwrap();
    let err = try_open_store(&path)
        .err()
        .expect("must refuse a newer layout");
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
    assert!(err.to_string().contains("upgrade copydesk"), "{err}");
}

#[test]
fn a_second_opener_is_told_the_database_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let _first = open_store(&path);
    let err = SledStore::open(&path, 16)
        .err()
        .expect("sled holds an exclusive lock");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("in use"), "{err}");
}

#[test]
fn check_log_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    for _ in 0..CHECKS_KEPT_PER_WATCH + 20 {
        store
            .commit_check(CheckCommit {
                watch: w.clone(),
                record: record(Outcome::Unchanged, None),
                version: None,
                events: vec![],
            })
            .unwrap();
    }
    assert_eq!(
        store.checks(w.id, usize::MAX).unwrap().len(),
        CHECKS_KEPT_PER_WATCH
    );
}

#[test]
fn discovered_watches_are_added_once_and_feed_state_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let s = open_store(&path);
        let mut mine = new_watch("https://a.example/1");
        mine.label = Some("mine".into());
        s.upsert_watch(mine).unwrap();
        let found = |url: &str| NewWatch {
            url: url.into(),
            label: Some("Daily".into()),
            schedule: Some("adaptive".into()),
            source: WatchSource::Feed,
        };
        let added = s
            .add_discovered_watches(vec![
                found("https://a.example/1"),
                found("https://a.example/2"),
            ])
            .unwrap();
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].url, "https://a.example/2");
        let kept = s.watch("https://a.example/1").unwrap();
        assert_eq!(
            kept.label.as_deref(),
            Some("mine"),
            "existing watch untouched"
        );
        assert_eq!(kept.source, WatchSource::Cli);
        assert!(s
            .add_discovered_watches(vec![found("https://a.example/2")])
            .unwrap()
            .is_empty());

        let f = s
            .upsert_feed(NewFeed {
                url: "https://a.example/rss".into(),
                label: Some("Daily".into()),
                schedule: None,
            })
            .unwrap();
        let mut polled = f.clone();
        polled.entries_added = 1;
        polled.next_due = Some(Utc::now());
        s.commit_feed_poll(polled).unwrap();
        // a new schedule makes the feed due at once; counters stay
        let f = s
            .upsert_feed(NewFeed {
                url: "https://a.example/rss".into(),
                label: Some("Daily".into()),
                schedule: Some("*/5 * * * *".into()),
            })
            .unwrap();
        assert_eq!(f.next_due, None);
        assert_eq!(f.entries_added, 1);
    }
    let s = open_store(&path);
    let feeds = s.feeds().unwrap();
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].schedule.as_deref(), Some("*/5 * * * *"));
    assert_eq!(
        s.watch("https://a.example/2").unwrap().source,
        WatchSource::Feed
    );
    s.remove_feed("https://a.example/rss").unwrap();
    assert!(matches!(
        s.feed("https://a.example/rss"),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn the_event_log_reads_forwards_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let mut w = store
        .upsert_watch(new_watch("https://a.example/log"))
        .unwrap();
    for n in 1..=7u32 {
        let a = article(&format!("v{n}"), &["text"]);
        let e = edit(&w.url, n.saturating_sub(1), n);
        append(&store, &mut w, n, a, n as u128, vec![(e, vec![])]);
    }
    let newest_first: Vec<u64> = store.events(100).unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(newest_first.len(), 7);
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.events_after(after, 3).unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        pages.push(page.iter().map(|e| e.seq).collect::<Vec<_>>());
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    let forwards: Vec<u64> = pages.concat();
    let mut expected = newest_first.clone();
    expected.reverse();
    assert_eq!(forwards, expected, "oldest first, each event once");
    assert!(store.events_after(Some(u64::MAX), 3).unwrap().is_empty());
}

/// Run the daemon's incremental collection to its end, `budget` records
/// a step; the report and the number of steps.
fn gc_cycle(store: &SledStore, budget: usize) -> (GcCycleReport, usize) {
    let mut cycle = GcCycle::default();
    for steps in 1..10_000 {
        if let GcStep::Done(r) = store.gc_step(&mut cycle, budget).unwrap() {
            return (r, steps);
        }
    }
    panic!("the cycle did not end");
}

#[test]
fn the_incremental_collection_takes_the_texts_only_removed_watches_had() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let mut gone = store
        .upsert_watch(new_watch("https://a.example/gone"))
        .unwrap();
    let mut kept = store
        .upsert_watch(new_watch("https://b.example/kept"))
        .unwrap();
    append(
        &store,
        &mut gone,
        1,
        article("Own", &["only here"]),
        11,
        vec![],
    );
    append(
        &store,
        &mut gone,
        2,
        article("Wire", &["shared"]),
        12,
        vec![],
    );
    append(
        &store,
        &mut kept,
        1,
        article("Wire", &["shared"]),
        12,
        vec![],
    );
    for n in 2..=30 {
        let body = format!("kept version {n}");
        append(
            &store,
            &mut kept,
            n,
            article("K", &[&body]),
            100 + n as u128,
            vec![],
        );
    }
    // nothing to do before a removal
    assert_eq!(gc_cycle(&store, 5).0, GcCycleReport::default());

    store.remove_watch(&gone.url).unwrap();
    // small steps: the version scan takes several
    let (report, steps) = gc_cycle(&store, 5);
    assert!(steps > 5, "bounded steps: {steps}");
    assert_eq!(report.candidates, 2);
    assert_eq!(report.removed, 1, "only the text no other watch has");
    assert!(report.removed_bytes > 0);
    let (_, a) = store.version(kept.id, 1).unwrap();
    assert_eq!(a.body, vec!["shared".to_string()]);
    // the offline pass agrees: nothing left, and the candidates settled
    let offline = store.collect_garbage(true).unwrap();
    assert_eq!(offline.orphaned_texts, 0);
    assert_eq!(gc_cycle(&store, 5).0, GcCycleReport::default());
}

/// A check stores a version whose text a cycle under way had already found
/// unreferenced: the text stays (the check's transaction took the
/// candidate's marker away).
#[test]
fn a_text_stored_again_while_a_cycle_runs_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(&dir.path().join("db"));
    let mut gone = store
        .upsert_watch(new_watch("https://a.example/gone"))
        .unwrap();
    append(
        &store,
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
        &store,
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
