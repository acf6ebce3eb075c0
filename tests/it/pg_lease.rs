//! The PostgreSQL store's leases, seen from one process (the three-daemon
//! test is `pg_daemons`): a claimed watch is this process's until its
//! check's commit; another process's live lease makes a claim busy, an
//! expired one is taken over; a watch no longer due is not claimed; outbox
//! rows another process holds are not handed out until their lease runs
//! out. "Another process" is written into the lease columns directly.
//! Skipped (with a notice) without `COPYDESK_TEST_PG`, failed in CI.

use crate::common::pg::{self, Schema};
use chrono::Utc;
use copydesk::store::{
    instance_id, CheckCommit, CheckRecord, Claim, NewWatch, Outcome, WatchSource,
};

fn unchanged() -> CheckRecord {
    CheckRecord {
        at: Utc::now(),
        outcome: Outcome::Unchanged,
        http_status: Some(200),
        failure: None,
        reason: None,
        version: None,
        duration_ms: 1,
        final_url: None,
        confirmation: None,
    }
}

fn lease_owner(db: &mut postgres::Client, id: u64) -> Option<String> {
    db.query_one(
        "SELECT lease_owner FROM watches WHERE id = $1",
        &[&(id as i64)],
    )
    .expect("watch row")
    .get(0)
}

#[test]
fn a_claim_is_granted_busy_taken_over_or_not_due() {
    let Some(cluster) = pg::cluster() else { return };
    let schema = Schema::new(cluster);
    let store = copydesk::store::open(&schema.storage(), Default::default()).expect("open");
    assert!(store.shared());
    let w = store
        .upsert_watch(NewWatch {
            url: "https://example.com/news/a".into(),
            label: None,
            schedule: None,
            source: WatchSource::Cli,
        })
        .expect("watch");
    let mut db = schema.client();

    let granted = store.claim_watch(&w.url, &|_| true).expect("claim");
    assert!(
        matches!(&granted, Claim::Granted(g) if g.id == w.id),
        "{granted:?}"
    );
    assert_eq!(lease_owner(&mut db, w.id).as_deref(), Some(instance_id()));

    // another process's live lease: busy, saying whose and until when
    db.execute(
        "UPDATE watches SET lease_owner = 'elsewhere:1', lease_until = now() + interval '1 hour'",
        &[],
    )
    .expect("lease elsewhere");
    match store.claim_watch(&w.url, &|_| true).expect("claim") {
        Claim::Busy { owner, until } => {
            assert_eq!(owner.as_deref(), Some("elsewhere:1"));
            assert!(
                until > Utc::now() + chrono::Duration::minutes(50),
                "{until}"
            );
        }
        other => panic!("expected busy, got {other:?}"),
    }
    // that lease ran out (its process died): taken over
    db.execute(
        "UPDATE watches SET lease_until = now() - interval '1 second'",
        &[],
    )
    .expect("expire");
    assert!(matches!(
        store.claim_watch(&w.url, &|_| true).expect("claim"),
        Claim::Granted(_)
    ));
    assert_eq!(lease_owner(&mut db, w.id).as_deref(), Some(instance_id()));

    // checked elsewhere meanwhile (no longer due): not claimed, and this
    // process's lease is given back
    assert!(matches!(
        store.claim_watch(&w.url, &|_| false).expect("claim"),
        Claim::NotDue(_)
    ));
    assert_eq!(lease_owner(&mut db, w.id), None);

    // a check's commit clears the lease
    let Claim::Granted(w) = store.claim_watch(&w.url, &|_| true).expect("claim") else {
        panic!("not granted")
    };
    store
        .commit_check(CheckCommit {
            watch: w.clone(),
            record: unchanged(),
            version: None,
            events: Vec::new(),
        })
        .expect("commit");
    assert_eq!(lease_owner(&mut db, w.id), None);

    // sign-off: this process's leases and heartbeat go
    assert!(matches!(
        store.claim_watch(&w.url, &|_| true).expect("claim"),
        Claim::Granted(_)
    ));
    assert_eq!(store.heartbeat().expect("heartbeat").live, 1);
    store.sign_off().expect("sign off");
    assert_eq!(lease_owner(&mut db, w.id), None);
    let beats: i64 = db
        .query_one("SELECT count(*) FROM instances", &[])
        .expect("instances")
        .get(0);
    assert_eq!(beats, 0);
}

#[test]
fn outbox_rows_leased_elsewhere_wait_for_their_lease() {
    let Some(cluster) = pg::cluster() else { return };
    let schema = Schema::new(cluster);
    let store = copydesk::store::open(&schema.storage(), Default::default()).expect("open");
    let w = store
        .upsert_watch(NewWatch {
            url: "https://example.com/news/b".into(),
            label: None,
            schedule: None,
            source: WatchSource::Cli,
        })
        .expect("watch");
    let events = (1..=2)
        .map(|n| {
            (
                crate::conformance::edit(&w.url, n, n + 1),
                vec!["webhook".to_string()],
            )
        })
        .collect();
    store
        .commit_check(CheckCommit {
            watch: w.clone(),
            record: unchanged(),
            version: None,
            events,
        })
        .expect("commit");
    let mut db = schema.client();
    // the first event's delivery is another process's for an hour
    db.execute(
        "UPDATE outbox SET lease_owner = 'elsewhere:1', lease_until = now() + interval '1 hour' \
         WHERE seq = (SELECT min(seq) FROM outbox)",
        &[],
    )
    .expect("lease elsewhere");
    let leased = store.lease_deliveries(None).expect("lease");
    assert_eq!(leased.len(), 1, "only the row no one else holds");
    let mine = leased[0].0.seq;
    // leased to this process: still handed to it, not to another
    let again = store.lease_deliveries(None).expect("lease");
    assert_eq!(again.iter().map(|(d, _)| d.seq).collect::<Vec<_>>(), [mine]);
    let owner: String = db
        .query_one(
            "SELECT lease_owner FROM outbox WHERE seq = $1",
            &[&(mine as i64)],
        )
        .expect("row")
        .get(0);
    assert_eq!(owner, instance_id());
    // a failure clears the lease; the other process's lease runs out
    store
        .delivery_failed("webhook", mine, "503", Some(Utc::now()))
        .expect("failed");
    db.execute(
        "UPDATE outbox SET lease_until = now() - interval '1 second' \
         WHERE lease_owner = 'elsewhere:1'",
        &[],
    )
    .expect("expire");
    let all = store.lease_deliveries(None).expect("lease");
    assert_eq!(all.len(), 2, "both rows, the expired lease taken over");
    // the plain listing sees every row whoever holds it
    assert_eq!(store.pending_deliveries(None).expect("pending").len(), 2);
}
