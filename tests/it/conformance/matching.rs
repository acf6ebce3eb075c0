//! The republication index: fingerprint records, band and paragraph
//! postings, pairs and clusters.

use copydesk::core::matching::cluster::{MatchPair, MatchedArticle, Relation};
use copydesk::core::matching::MatchClass;
use copydesk::store::{FingerprintCommit, FingerprintRecord, NewWatch, Store, WatchSource};

use super::Backend;

pub fn record(id: u64, version: u32, bands: Vec<u64>, paragraphs: Vec<u64>) -> FingerprintRecord {
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

pub fn commit(store: &dyn Store, rec: FingerprintRecord, pairs: Vec<MatchPair>) {
    store
        .commit_fingerprint(FingerprintCommit {
            at: chrono::Utc::now(),
            record: rec,
            pairs,
            events: Vec::new(),
            withdrawn: Vec::new(),
        })
        .expect("commit");
}

pub fn pair(a: u64, b: u64) -> MatchPair {
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
        shared_text: Vec::new(),
        detected_at: "2026-11-25T00:00:00Z".into(),
        updated_at: "2026-11-25T00:00:00Z".into(),
        event_id: None,
        original_id: a,
        copy_id: b,
    }
}

/// Band keys spread over the whole u64 range and crowded into one shard
/// of the posting table (and one bucket of schema 2: the top bits equal).
pub fn spread_bands(seed: u64) -> Vec<u64> {
    (0..42u64)
        .map(|i| {
            if i % 3 == 0 {
                0x0000_0A00_0000_0000 | (seed * 100 + i) // one shared shard
            } else {
                (seed * 42 + i).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            }
        })
        .collect()
}

/// A new version replaces an article's postings; the index survives a reopen.
pub fn postings_replaced(backend: Backend) {
    let place = backend();
    {
        let s = place.open();
        commit(&*s, record(7, 1, vec![1, 2, 3], vec![10, 11]), vec![]);
        commit(&*s, record(8, 1, vec![3], vec![11]), vec![pair(7, 8)]);
        assert_eq!(s.band_postings(1).unwrap(), vec![7]);
        assert_eq!(s.band_postings(3).unwrap(), vec![7, 8]);
        assert_eq!(s.paragraph_postings(11, 10).unwrap().len(), 2);
        assert_eq!(s.paragraph_postings(11, 1).unwrap().len(), 1);
        // version 2 of article 7: its old bands and paragraphs go
        commit(&*s, record(7, 2, vec![4], vec![12]), vec![]);
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
    let s = place.open();
    assert_eq!(s.fingerprint(7).unwrap().map(|f| f.version), Some(2));
    assert_eq!(s.band_postings(4).unwrap(), vec![7]);
    assert_eq!(s.match_pairs().unwrap().len(), 1);
    assert!(s.match_pair(8, 7).unwrap().is_some());
    assert!(s.fingerprint(99).unwrap().is_none());
}

/// Removing a watch removes its fingerprint, postings and pairs.
pub fn removal(backend: Backend) {
    let place = backend();
    let s = place.open();
    let w = s
        .upsert_watch(NewWatch {
            url: "https://a.example/x".into(),
            label: None,
            schedule: None,
            source: WatchSource::Cli,
        })
        .unwrap();
    commit(&*s, record(w.id, 1, vec![5], vec![50]), vec![]);
    commit(
        &*s,
        record(w.id + 1000, 1, vec![5], vec![50]),
        vec![pair(w.id, w.id + 1000)],
    );
    s.remove_watch("https://a.example/x").unwrap();
    assert!(s.fingerprint(w.id).unwrap().is_none());
    assert_eq!(s.band_postings(5).unwrap(), vec![w.id + 1000]);
    assert_eq!(s.paragraph_postings(50, 10).unwrap().len(), 1);
    assert!(s.match_pairs().unwrap().is_empty());
}

/// Band postings crowded in one shard come back exactly, and go with a new version.
pub fn crowded_bands(backend: Backend) {
    let place = backend();
    let s = place.open();
    for id in 1..=50 {
        commit(&*s, record(id, 1, spread_bands(id), vec![]), vec![]);
    }
    // article 51 shares every band of article 3 and has its own
    let mut shared = spread_bands(3);
    shared.push(u64::MAX);
    commit(&*s, record(51, 1, shared, vec![]), vec![]);
    for id in 1..=50 {
        for b in spread_bands(id) {
            let want = if id == 3 { vec![3, 51] } else { vec![id] };
            assert_eq!(s.band_postings(b).unwrap(), want, "article {id} band {b:x}");
        }
    }
    assert_eq!(s.band_postings(u64::MAX).unwrap(), vec![51]);
    assert!(s
        .band_postings(0x0000_0A00_0000_0000 | 99_999)
        .unwrap()
        .is_empty());
    assert!(s.band_postings(12345).unwrap().is_empty());
    // a new version drops the old bands, even inside a shared bucket
    commit(&*s, record(51, 2, vec![u64::MAX - 1], vec![]), vec![]);
    for b in spread_bands(3) {
        assert_eq!(s.band_postings(b).unwrap(), vec![3]);
    }
    assert!(s.band_postings(u64::MAX).unwrap().is_empty());
    assert_eq!(s.band_postings(u64::MAX - 1).unwrap(), vec![51]);
}

/// An article's pairs and its cluster are read without the other pairs, after a reopen too; removing an article takes its pairs from both sides.
pub fn pairs_and_cluster(backend: Backend) {
    let place = backend();
    {
        let s = place.open();
        // 1 <- 2 <- 3 is one story; 10 <- 11 another
        commit(&*s, record(1, 1, vec![], vec![]), vec![]);
        commit(&*s, record(2, 1, vec![], vec![]), vec![pair(1, 2)]);
        commit(&*s, record(3, 1, vec![], vec![]), vec![pair(2, 3)]);
        commit(&*s, record(11, 1, vec![], vec![]), vec![pair(10, 11)]);
        let ids = |v: Vec<MatchPair>| {
            v.iter()
                .map(|p| (p.original_id, p.copy_id))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(s.match_pairs_of(2).unwrap()), vec![(1, 2), (2, 3)]);
        assert_eq!(ids(s.match_pairs_of(10).unwrap()), vec![(10, 11)]);
        assert!(s.match_pairs_of(4).unwrap().is_empty());
        assert_eq!(ids(s.match_cluster_of(3).unwrap()), vec![(1, 2), (2, 3)]);
        assert_eq!(ids(s.match_cluster_of(11).unwrap()), vec![(10, 11)]);
    }
    let s = place.open();
    assert_eq!(s.match_pairs_of(3).unwrap().len(), 1);
    assert_eq!(s.match_cluster_of(1).unwrap().len(), 2);
    // removing the middle article takes its pairs from both sides
    let w = s
        .upsert_watch(NewWatch {
            url: "https://a.example/mid".into(),
            label: None,
            schedule: None,
            source: WatchSource::Cli,
        })
        .unwrap();
    assert!(![1, 2, 3, 10, 11].contains(&w.id), "id {} taken", w.id);
    commit(&*s, record(w.id, 1, vec![], vec![]), vec![pair(3, w.id)]);
    assert_eq!(s.match_pairs_of(3).unwrap().len(), 2);
    s.remove_watch("https://a.example/mid").unwrap();
    assert_eq!(s.match_pairs_of(3).unwrap().len(), 1);
    assert!(s.match_pairs_of(w.id).unwrap().is_empty());
    assert_eq!(s.match_pairs().unwrap().len(), 3);
}
