//! The republication index in a real sled database, what is sled's own:
//! the layouts of earlier versions upgraded on open, a damaged record
//! replaced, pairs indexed per article when an old store had no such tree.
//! The behaviour every backend shares is in `conformance::matching`.

use crate::common;
use crate::conformance::matching::{commit, pair, record, spread_bands};
use common::reopen::{open_raw, open_store};
use copydesk::core::matching::cluster::MatchPair;
use copydesk::store::{NewWatch, Store, WatchSource};

/// Write `(band, id)` postings the way schema 1 (`fp_bands`, a key per
/// posting) or schema 2 (`fp_band_buckets`, postings packed by the top 20
/// bits of the band key) kept them, and paragraph postings in `fp_paras`.
fn write_legacy_postings(
    db: &sled::Db,
    schema: u32,
    postings: &[(u64, u64)],
    paras: &[(u64, u64)],
) {
    if schema == 1 {
        let t = db.open_tree("fp_bands").unwrap();
        for (b, id) in postings {
            let mut k = b.to_be_bytes().to_vec();
            k.extend_from_slice(&id.to_be_bytes());
            t.insert(k, &[]).unwrap();
        }
    } else {
        let t = db.open_tree("fp_band_buckets").unwrap();
        let mut buckets: std::collections::BTreeMap<u32, Vec<u8>> = Default::default();
        let mut sorted = postings.to_vec();
        sorted.sort();
        for (b, id) in sorted {
            let v = buckets.entry((b >> 44) as u32).or_default();
            v.extend_from_slice(&b.to_be_bytes());
            v.extend_from_slice(&id.to_be_bytes());
        }
        for (k, v) in buckets {
            t.insert(k.to_be_bytes(), v).unwrap();
        }
    }
    let t = db.open_tree("fp_paras").unwrap();
    let outlet = copydesk::core::matching::memindex::outlet_key("a.example");
    for (p, id) in paras {
        let mut k = p.to_be_bytes().to_vec();
        k.extend_from_slice(&outlet.to_be_bytes());
        k.extend_from_slice(&id.to_be_bytes());
        t.insert(k, &[]).unwrap();
    }
    db.flush().unwrap();
}

/// A store written in an older layout (1 or 2), with its records and
/// postings, is opened by this build: postings come back from the records,
/// the old posting trees are gone, and the layout version is current.
fn upgrade_from(schema: u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let ids = 1..=30u64;
    {
        let s = open_store(&path);
        for id in ids.clone() {
            commit(&s, record(id, 1, spread_bands(id), vec![id]), vec![]);
        }
        s.set_schema_version_for_tests(schema).unwrap();
        s.flush().unwrap();
    }
    {
        let db = open_raw(&path);
        let bands: Vec<(u64, u64)> = ids
            .clone()
            .flat_map(|id| spread_bands(id).into_iter().map(move |b| (b, id)))
            .collect();
        let paras: Vec<(u64, u64)> = ids.clone().map(|id| (id, id)).collect();
        write_legacy_postings(&db, schema, &bands, &paras);
    }
    let s = open_store(&path);
    for id in ids.clone() {
        for b in spread_bands(id) {
            assert_eq!(s.band_postings(b).unwrap(), vec![id]);
        }
        assert_eq!(s.paragraph_postings(id, 10).unwrap().len(), 1);
    }
    // the upgraded store goes on indexing
    commit(&s, record(31, 1, spread_bands(3), vec![3]), vec![]);
    assert_eq!(s.band_postings(spread_bands(3)[1]).unwrap(), vec![3, 31]);
    drop(s);
    let db = open_raw(&path);
    for legacy in ["fp_bands", "fp_band_buckets", "fp_paras"] {
        assert!(
            !db.tree_names()
                .iter()
                .any(|n| n.as_ref() == legacy.as_bytes()),
            "the old tree {legacy} is dropped"
        );
    }
    let version = db.open_tree("meta").unwrap().get("schema_version").unwrap();
    assert_eq!(
        version.map(|v| u32::from_be_bytes(v.as_ref().try_into().unwrap())),
        Some(copydesk::store::SCHEMA_VERSION)
    );
}

#[test]
fn a_schema_1_store_with_one_key_per_band_posting_is_upgraded_on_open() {
    upgrade_from(1);
}

#[test]
fn a_schema_2_store_with_band_buckets_is_upgraded_on_open() {
    upgrade_from(2);
}

/// A store of layout 4 (fingerprint records in JSON) is opened by this
/// build: every record is rewritten in the binary form, reads back equal,
/// the postings come back from it, and the layout version is current.
#[test]
fn a_schema_4_store_with_json_fingerprint_records_is_upgraded_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let ids = 1..=40u64;
    let mut records = Vec::new();
    {
        let s = open_store(&path);
        for id in ids.clone() {
            let mut r = record(id, 2, spread_bands(id), vec![id, id << 20]);
            r.published = Some(chrono::Utc::now() - chrono::Duration::hours(id as i64));
            commit(&s, r.clone(), vec![]);
            records.push(r);
        }
        s.set_schema_version_for_tests(4).unwrap();
        s.flush().unwrap();
    }
    let json_bytes: usize;
    {
        // write the records as layout 4 did
        let db = open_raw(&path);
        let docs = db.open_tree("fp_docs").unwrap();
        for r in &records {
            docs.insert(r.id.to_be_bytes(), serde_json::to_vec(r).unwrap())
                .unwrap();
        }
        json_bytes = docs.iter().values().map(|v| v.unwrap().len()).sum();
        assert!(docs.iter().values().all(|v| v.unwrap()[0] == b'{'));
        db.flush().unwrap();
    }
    {
        let s = open_store(&path);
        for r in &records {
            assert_eq!(s.fingerprint(r.id).unwrap().as_ref(), Some(r));
            assert_eq!(s.band_postings(r.bands[1]).unwrap(), vec![r.id]);
            assert_eq!(s.paragraph_postings(r.id << 20, 10).unwrap().len(), 1);
        }
        // and goes on indexing
        commit(&s, record(41, 1, spread_bands(3), vec![3]), vec![]);
        assert_eq!(s.band_postings(spread_bands(3)[1]).unwrap(), vec![3, 41]);
    }
    let db = open_raw(&path);
    let docs = db.open_tree("fp_docs").unwrap();
    let binary_bytes: usize = docs
        .iter()
        .filter(|kv| kv.as_ref().unwrap().0.as_ref() != 41u64.to_be_bytes())
        .map(|kv| kv.unwrap().1.len())
        .sum();
    assert!(docs.iter().values().all(|v| v.unwrap()[0] != b'{'));
    assert!(
        binary_bytes * 2 < json_bytes,
        "binary {binary_bytes} bytes, JSON {json_bytes}"
    );
    let version = db.open_tree("meta").unwrap().get("schema_version").unwrap();
    assert_eq!(
        version.map(|v| u32::from_be_bytes(v.as_ref().try_into().unwrap())),
        Some(copydesk::store::SCHEMA_VERSION)
    );
}

#[test]
fn an_unreadable_fingerprint_record_is_left_out_and_replaced_by_the_next_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let s = open_store(&path);
        commit(&s, record(1, 1, vec![11], vec![]), vec![]);
        commit(&s, record(2, 1, vec![22], vec![]), vec![]);
    }
    {
        let db = open_raw(&path);
        let docs = db.open_tree("fp_docs").unwrap();
        docs.insert(2u64.to_be_bytes(), &b"{not json"[..]).unwrap();
        db.flush().unwrap();
    }
    let s = open_store(&path);
    assert_eq!(s.band_postings(11).unwrap(), vec![1]);
    assert!(s.band_postings(22).unwrap().is_empty());
    assert!(
        s.fingerprint(2).is_err(),
        "the bad record is reported when read"
    );
    commit(&s, record(2, 2, vec![23], vec![]), vec![]);
    assert_eq!(s.band_postings(23).unwrap(), vec![2]);
    assert_eq!(s.fingerprint(2).unwrap().map(|f| f.version), Some(2));
}

#[test]
fn an_articles_pairs_and_its_cluster_are_read_without_the_other_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let s = open_store(&path);
        // 1 <- 2 <- 3 is one story; 10 <- 11 another
        commit(&s, record(1, 1, vec![], vec![]), vec![]);
        commit(&s, record(2, 1, vec![], vec![]), vec![pair(1, 2)]);
        commit(&s, record(3, 1, vec![], vec![]), vec![pair(2, 3)]);
        commit(&s, record(11, 1, vec![], vec![]), vec![pair(10, 11)]);
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
    {
        // a store whose pairs were written without `match_ids` (schema 2,
        // before the tree existed) gets it when it is upgraded
        let db = open_raw(&path);
        db.drop_tree("match_ids").unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", &2u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let s = open_store(&path);
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
    commit(&s, record(w.id, 1, vec![], vec![]), vec![pair(3, w.id)]);
    assert_eq!(s.match_pairs_of(3).unwrap().len(), 2);
    s.remove_watch("https://a.example/mid").unwrap();
    assert_eq!(s.match_pairs_of(3).unwrap().len(), 1);
    assert!(s.match_pairs_of(w.id).unwrap().is_empty());
    assert_eq!(s.match_pairs().unwrap().len(), 3);
}
