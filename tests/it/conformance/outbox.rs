//! Events and the outbox: at-least-once delivery, dead letters, the event
//! log in pages.

use super::*;

/// A failed delivery is kept, backing off, with its error, until it succeeds.
pub fn failed_kept(backend: Backend) {
    let place = backend();
    let store = place.open();
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    append(&*store, &mut w, 1, article("T", &["x"]), 1, vec![]);
    let sinks = vec!["webhook:a".to_string(), "webhook:b".to_string()];
    let e = edit(&w.url, 1, 2);
    append(
        &*store,
        &mut w,
        2,
        article("T", &["y"]),
        2,
        vec![(e, sinks)],
    );

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

/// A dead letter is kept and listed, never retried unless asked; all of it survives a reopen.
pub fn dead_letter(backend: Backend) {
    let place = backend();
    let store = place.open();
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    append(&*store, &mut w, 1, article("T", &["x"]), 1, vec![]);
    let e = edit(&w.url, 1, 2);
    let id = e.id().to_string();
    append(
        &*store,
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
    let store = place.open();
    assert_eq!(store.pending_deliveries(None).unwrap().len(), 1);
}

/// The event log read forwards in pages: oldest first, each event once.
pub fn event_pages(backend: Backend) {
    let place = backend();
    let store = place.open();
    let mut w = store
        .upsert_watch(new_watch("https://a.example/log"))
        .unwrap();
    for n in 1..=7u32 {
        let a = article(&format!("v{n}"), &["text"]);
        let e = edit(&w.url, n.saturating_sub(1), n);
        append(&*store, &mut w, n, a, n as u128, vec![(e, vec![])]);
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
