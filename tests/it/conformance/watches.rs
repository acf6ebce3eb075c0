//! Watches, versions, texts, check records and discovery feeds.

use super::*;

/// Watches, versions and texts written and read back; a revert is recorded as one.
pub fn round_trip(backend: Backend) {
    let place = backend();
    let store = place.open();
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    assert_eq!(store.watches().unwrap().len(), 1);

    let v1 = append(
        &*store,
        &mut w,
        1,
        article("T1", &["one", "two"]),
        1,
        vec![],
    );
    let v2 = append(
        &*store,
        &mut w,
        2,
        article("T2", &["one", "two!"]),
        2,
        vec![],
    );
    let v3 = append(
        &*store,
        &mut w,
        3,
        article("T1", &["one", "two"]),
        1,
        vec![],
    );
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

/// A version number is written once: a second commit of it is a conflict.
pub fn version_written_once(backend: Backend) {
    let place = backend();
    let store = place.open();
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    append(&*store, &mut w, 1, article("T", &["x"]), 1, vec![]);
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

/// Versions and pending deliveries survive a reopen.
pub fn survives_reopen(backend: Backend) {
    let place = backend();
    {
        let store = place.open();
        let mut w = store
            .upsert_watch(new_watch("https://a.example/1"))
            .unwrap();
        let e = edit(&w.url, 0, 1);
        append(
            &*store,
            &mut w,
            1,
            article("T", &["kept"]),
            1,
            vec![(e, vec!["webhook:a".into()])],
        );
    }
    let store = place.open();
    let w = store.watch("https://a.example/1").unwrap();
    assert_eq!(store.version(w.id, 1).unwrap().1.body, vec!["kept"]);
    assert_eq!(store.pending_deliveries(None).unwrap().len(), 1);
}

/// Removing a watch removes its versions; removing it again is `NotFound`.
pub fn removal(backend: Backend) {
    let place = backend();
    let store = place.open();
    let mut w = store
        .upsert_watch(new_watch("https://a.example/1"))
        .unwrap();
    append(&*store, &mut w, 1, article("T", &["x"]), 1, vec![]);
    store.remove_watch(&w.url).unwrap();
    assert!(matches!(store.watch(&w.url), Err(StoreError::NotFound(_))));
    assert!(store.versions(w.id).unwrap().is_empty());
    assert!(matches!(
        store.remove_watch(&w.url),
        Err(StoreError::NotFound(_))
    ));
}

/// At most `CHECKS_KEPT_PER_WATCH` check records per watch.
pub fn check_log_bounded(backend: Backend) {
    let place = backend();
    let store = place.open();
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

/// A discovered watch is added once and leaves an existing one alone; a feed's state survives a reopen.
pub fn discovery_and_feeds(backend: Backend) {
    let place = backend();
    {
        let s = place.open();
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
    let s = place.open();
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
