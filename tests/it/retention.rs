//! `[retention]`: the event log pruned to its limits, by the store
//! (oldest first, never an event with a delivery still in the outbox) and
//! by the daemon after each collection cycle, on its clock.

use crate::common::reopen::open_store;
use crate::common::Env;
use crate::conformance::matching::record;
use crate::inproc::{self, InProc};
use chrono::{DateTime, Duration as Days, Utc};
use copydesk::clock::ManualClock;
use copydesk::core::diff::{ChangeClass, ChangeSummary};
use copydesk::core::event::{ArticleRef, EditEvent, Event};
use copydesk::store::{EventRetention, FingerprintCommit, Store};
use std::time::Duration;

/// An event about article `n`.
fn event(n: u32) -> Event {
    let url = format!("https://a.example/{n}");
    Event::Edit(EditEvent {
        id: copydesk::core::event::edit_event_id(&url, n, n + 1),
        detected_at: "2026-01-01T00:00:00Z".into(),
        article: ArticleRef {
            url,
            outlet: "a.example".into(),
            title: "t".into(),
        },
        from_version: n,
        to_version: n + 1,
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

/// Commit event `n` at `at`, queued for `sinks`.
fn put_event(store: &dyn Store, n: u32, at: DateTime<Utc>, sinks: &[&str]) {
    store
        .commit_fingerprint(FingerprintCommit {
            at,
            record: record(u64::from(n), 1, vec![], vec![]),
            pairs: vec![],
            events: vec![(event(n), sinks.iter().map(|s| s.to_string()).collect())],
            withdrawn: vec![],
        })
        .expect("commit an event");
}

/// The `from_version` of the stored events, oldest first.
fn stored(store: &dyn Store) -> Vec<u32> {
    let mut out: Vec<u32> = store
        .events(1000)
        .unwrap()
        .iter()
        .map(|e| match &e.event {
            Event::Edit(e) => e.from_version,
            other => panic!("{other:?}"),
        })
        .collect();
    out.reverse();
    out
}

#[test]
fn the_store_prunes_the_oldest_events_but_none_still_to_deliver() {
    let dir = tempfile::tempdir().unwrap();
    let s = open_store(&dir.path().join("db"));
    let t0 = inproc::start_time();
    // events 0..10, event i committed 10 - i days ago; event 1 is still
    // waiting for its delivery
    for i in 0..10u32 {
        let sinks: &[&str] = if i == 1 { &["webhook:0"] } else { &[] };
        put_event(&s, i, t0 - Days::days(10 - i64::from(i)), sinks);
    }
    let none = EventRetention::default();
    assert_eq!(
        s.prune_events(none, 100).unwrap(),
        0,
        "no limits, nothing goes"
    );

    let by_age = EventRetention {
        before: Some(t0 - Days::days(5)),
        keep: None,
    };
    assert_eq!(s.prune_events(by_age, 100).unwrap(), 4);
    assert_eq!(stored(&s), vec![1, 5, 6, 7, 8, 9]);
    assert_eq!(s.prune_events(by_age, 100).unwrap(), 0, "done at once");

    let by_count = EventRetention {
        before: None,
        keep: Some(3),
    };
    assert_eq!(s.prune_events(by_count, 100).unwrap(), 2);
    assert_eq!(stored(&s), vec![1, 7, 8, 9], "the undelivered one stays");
    assert_eq!(s.outbox().unwrap().len(), 1);

    // a budget bounds one call; the rest goes at the next
    let one = EventRetention {
        before: None,
        keep: Some(1),
    };
    assert_eq!(s.prune_events(one, 1).unwrap(), 1);
    assert_eq!(stored(&s), vec![1, 8, 9]);
    assert_eq!(s.prune_events(one, 10).unwrap(), 1);
    assert_eq!(stored(&s), vec![1, 9]);
    // once delivered, it may go too
    s.delivery_succeeded("webhook:0", s.outbox().unwrap()[0].0.seq)
        .unwrap();
    assert_eq!(s.prune_events(one, 10).unwrap(), 1);
    assert_eq!(stored(&s), vec![9]);
}

/// The daemon prunes after each collection cycle, reading the age on its
/// own clock: an event that is young at the start goes once the clock has
/// moved past the limit, and `copydesk_events_pruned_total` counts them.
#[tokio::test]
async fn the_daemon_prunes_events_older_than_the_limit_on_its_clock() {
    let env = Env::new("[retention]\nevents_max_age = \"2d\"\n");
    let text = std::fs::read_to_string(&env.config).unwrap();
    std::fs::write(
        &env.config,
        text.replace("cache_mb = 16\n", "cache_mb = 16\ngc_every = \"1h\"\n"),
    )
    .unwrap();
    let t0 = inproc::start_time();
    {
        let s = open_store(&env.dir.path().join("db"));
        for (n, days) in [(1, 5), (2, 3), (3, 1)] {
            put_event(&s, n, t0 - Days::days(days), &[]);
        }
        s.flush().unwrap();
    }
    let clock = ManualClock::new(t0);
    let d = InProc::start_clocked(&env, &clock, Duration::from_secs(5)).await;
    d.until_metric("copydesk_events_pruned_total", "", 2.0)
        .await;
    let store = d.store.clone();
    let left = tokio::task::spawn_blocking(move || stored(store.as_ref()))
        .await
        .unwrap();
    assert_eq!(left, vec![3], "the event of a day ago stays");
    let (_, text) = d.get("/metrics").await;
    assert!(text.contains("copydesk_gc_seconds_total"), "{text}");

    // two days later (and past the next cycle) it is older than the limit
    d.set_clock(t0 + Days::days(2) + Days::minutes(1)).await;
    d.until_metric("copydesk_events_pruned_total", "", 3.0)
        .await;
    let store = d.store.clone();
    let left = tokio::task::spawn_blocking(move || stored(store.as_ref()))
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(d.metric("copydesk_events_pruned_total", "").await, 3.0);
    let (r, _) = d.stop().await;
    r.expect("a clean stop");
}
