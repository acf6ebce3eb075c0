//! The republication index in a real sled database: postings replaced when
//! an article changes, everything kept across a reopen, removed with the
//! watch.

use copydesk::core::matching::cluster::{MatchPair, MatchedArticle, Relation};
use copydesk::core::matching::MatchClass;
use copydesk::store::{
    FingerprintCommit, FingerprintRecord, NewWatch, SledStore, Store, WatchSource,
};

fn record(id: u64, version: u32, bands: Vec<u64>, paragraphs: Vec<u64>) -> FingerprintRecord {
    FingerprintRecord {
        id,
        version,
        url: format!("https://a.example/{id}"),
        outlet: "a.example".into(),
        title: "T".into(),
        first_seen: chrono::Utc::now(),
        published: None,
        bands,
        paragraphs,
    }
}

fn commit(store: &SledStore, rec: FingerprintRecord, pairs: Vec<MatchPair>) {
    store
        .commit_fingerprint(FingerprintCommit {
            at: chrono::Utc::now(),
            record: rec,
            pairs,
            events: Vec::new(),
        })
        .expect("commit");
}

fn pair(a: u64, b: u64) -> MatchPair {
    let art = |id: u64| MatchedArticle {
        url: format!("https://a.example/{id}"),
        outlet: "a.example".into(),
        title: "T".into(),
        first_seen: "2026-11-25T00:00:00Z".into(),
    };
    MatchPair {
        relation: Relation::Alias,
        class: MatchClass::Copy,
        original: art(a),
        copy: art(b),
        similarity: 1.0,
        containment: 1.0,
        shared_paragraphs: 2,
        detected_at: "2026-11-25T00:00:00Z".into(),
        updated_at: "2026-11-25T00:00:00Z".into(),
        event_id: None,
        original_id: a,
        copy_id: b,
    }
}

#[test]
fn new_version_replaces_postings_and_index_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let s = SledStore::open(&path, 16).unwrap();
        commit(&s, record(7, 1, vec![1, 2, 3], vec![10, 11]), vec![]);
        commit(&s, record(8, 1, vec![3], vec![11]), vec![pair(7, 8)]);
        assert_eq!(s.band_postings(1).unwrap(), vec![7]);
        assert_eq!(s.band_postings(3).unwrap(), vec![7, 8]);
        assert_eq!(s.paragraph_postings(11, 10).unwrap().len(), 2);
        assert_eq!(s.paragraph_postings(11, 1).unwrap().len(), 1);
        // version 2 of article 7: its old bands and paragraphs go
        commit(&s, record(7, 2, vec![4], vec![12]), vec![]);
        assert!(s.band_postings(1).unwrap().is_empty());
        assert_eq!(s.band_postings(3).unwrap(), vec![8]);
        assert_eq!(s.band_postings(4).unwrap(), vec![7]);
        assert!(s.paragraph_postings(10, 10).unwrap().is_empty());
        let (outlet, id) = s.paragraph_postings(12, 10).unwrap()[0];
        assert_eq!(id, 7);
        assert_eq!(
            outlet,
            copydesk::core::matching::memindex::outlet_key("a.example")
        );
    }
    let s = SledStore::open(&path, 16).unwrap();
    assert_eq!(s.fingerprint(7).unwrap().map(|f| f.version), Some(2));
    assert_eq!(s.band_postings(4).unwrap(), vec![7]);
    assert_eq!(s.match_pairs().unwrap().len(), 1);
    assert!(s.match_pair(8, 7).unwrap().is_some());
    assert!(s.fingerprint(99).unwrap().is_none());
}

#[test]
fn removing_a_watch_removes_its_fingerprint_postings_and_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let s = SledStore::open(&dir.path().join("db"), 16).unwrap();
    let w = s
        .upsert_watch(NewWatch {
            url: "https://a.example/x".into(),
            label: None,
            schedule: None,
            source: WatchSource::Cli,
        })
        .unwrap();
    commit(&s, record(w.id, 1, vec![5], vec![50]), vec![]);
    commit(
        &s,
        record(w.id + 1000, 1, vec![5], vec![50]),
        vec![pair(w.id, w.id + 1000)],
    );
    s.remove_watch("https://a.example/x").unwrap();
    assert!(s.fingerprint(w.id).unwrap().is_none());
    assert_eq!(s.band_postings(5).unwrap(), vec![w.id + 1000]);
    assert_eq!(s.paragraph_postings(50, 10).unwrap().len(), 1);
    assert!(s.match_pairs().unwrap().is_empty());
}
