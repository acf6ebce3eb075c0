//! Layout 6 of the sled store: version texts as deltas on the watch's
//! previous text and check records in binary. Every version reads back
//! exactly; collecting texts never breaks a delta still read; a store of
//! layout 5 is upgraded on open, also when an earlier upgrade was
//! interrupted; damaged text records are clear errors.

use crate::common;
use chrono::Utc;
use common::reopen::{open_raw, open_store};
use copydesk::core::normalize::ContentHash;
use copydesk::core::Article;
use copydesk::store::{
    CheckCommit, CheckRecord, GcCycle, GcStep, NewVersion, NewWatch, Outcome, SledStore, Store,
    StoreError, Watch, WatchSource,
};
use std::path::Path;

/// A long article (60 paragraphs of words drawn from a small generator,
/// so that it compresses about as well as prose) after `edits` small
/// edits: one sentence appended to one paragraph per edit.
fn long_article(seed: usize, edits: usize) -> Article {
    const WORDS: [&str; 16] = [
        "harbour", "council", "lantern", "orchard", "meadow", "quarry", "summit", "timber",
        "violet", "walnut", "bracken", "cobalt", "ember", "falcon", "granite", "heron",
    ];
    let mut x = seed as u64 + 1;
    let mut body: Vec<String> = (0..60)
        .map(|p| {
            let words: Vec<&str> = (0..25)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    WORDS[(x >> 33) as usize % WORDS.len()]
                })
                .collect();
            format!("{p}: {}.", words.join(" "))
        })
        .collect();
    for e in 0..edits {
        body[(e * 7) % 60].push_str(&format!(" Update {e}: officials confirmed the figures."));
    }
    Article {
        title: format!("Story {seed}"),
        body,
        ..Article::default()
    }
}

fn add(store: &SledStore, url: &str) -> Watch {
    store
        .upsert_watch(NewWatch {
            url: url.into(),
            label: None,
            schedule: None,
            source: WatchSource::Cli,
        })
        .unwrap()
}

fn append(store: &SledStore, w: &mut Watch, a: &Article) {
    let n = w.latest_version + 1;
    w.latest_version = n;
    store
        .commit_check(CheckCommit {
            watch: w.clone(),
            record: CheckRecord {
                at: Utc::now(),
                outcome: Outcome::NewVersion,
                http_status: Some(200),
                failure: None,
                reason: None,
                version: Some(n),
                duration_ms: 5,
                final_url: None,
                confirmation: None,
            },
            version: Some(NewVersion {
                number: n,
                article: a.clone(),
                hash: ContentHash::of(a),
                final_url: w.url.clone(),
            }),
            events: Vec::new(),
        })
        .unwrap()
        .expect("a version was stored");
}

fn texts_of(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let db = open_raw(path);
    let t = db.open_tree("texts").unwrap();
    t.iter()
        .map(|kv| {
            let (k, v) = kv.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// 40 versions of one long article, one small edit each: every version
/// reads back exactly; past the first, texts are deltas a small fraction
/// of a whole text, with a whole text again before the chain gets deep.
#[test]
fn small_edits_are_stored_as_small_deltas_and_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let versions: Vec<Article> = (0..40).map(|e| long_article(1, e)).collect();
    {
        let s = open_store(&path);
        let mut w = add(&s, "https://a.example/story");
        for a in &versions {
            append(&s, &mut w, a);
        }
        for (i, a) in versions.iter().enumerate() {
            assert_eq!(
                &s.version(w.id, i as u32 + 1).unwrap().1,
                a,
                "version {}",
                i + 1
            );
        }
    }
    let texts = texts_of(&path);
    assert_eq!(texts.len(), 40);
    let whole: Vec<usize> = texts
        .iter()
        .filter(|(_, v)| v.starts_with(&ZSTD_MAGIC))
        .map(|(_, v)| v.len())
        .collect();
    let deltas: Vec<usize> = texts
        .iter()
        .filter(|(_, v)| v[0] == 0x02)
        .map(|(_, v)| v.len())
        .collect();
    assert_eq!(whole.len() + deltas.len(), 40);
    // the first, then one after each 15 deltas
    assert_eq!(whole.len(), 3, "whole texts: {whole:?}");
    let avg_delta = deltas.iter().sum::<usize>() / deltas.len();
    let min_whole = *whole.iter().min().unwrap();
    assert!(
        avg_delta * 10 < min_whole,
        "a delta {avg_delta} bytes on average, a whole text {min_whole}"
    );
    let db = open_raw(&path);
    assert_eq!(db.open_tree("text_bases").unwrap().len(), deltas.len());
}

/// Run the daemon's incremental collection until a cycle removes nothing.
fn collect_all(store: &SledStore) -> u64 {
    let mut removed = 0;
    for _ in 0..100 {
        let mut cycle = GcCycle::default();
        let report = loop {
            if let GcStep::Done(r) = store.gc_step(&mut cycle, 3).unwrap() {
                break r;
            }
        };
        if report.candidates == 0 {
            return removed;
        }
        removed += report.removed;
    }
    panic!("collection did not settle");
}

/// A text another watch also has (a copy of the edited story) is a delta
/// on a text only the removed watch had: collection keeps that base, and
/// removes the whole chain once nothing reads it.
#[test]
fn collection_keeps_the_bases_of_texts_still_read_and_removes_whole_chains() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let s = open_store(&path);
    let mut gone = add(&s, "https://a.example/gone");
    let mut copy = add(&s, "https://b.example/copy");
    let mut other = add(&s, "https://c.example/other");
    for e in 0..5 {
        append(&s, &mut gone, &long_article(1, e));
    }
    // the copy has the edited text of gone's last version, stored as a delta
    append(&s, &mut copy, &long_article(1, 4));
    for e in 0..8 {
        append(&s, &mut other, &long_article(2, e));
    }
    s.remove_watch(&gone.url).unwrap();
    collect_all(&s);
    assert_eq!(s.version(copy.id, 1).unwrap().1, long_article(1, 4));
    // the offline pass agrees nothing more can go
    assert_eq!(s.collect_garbage(true).unwrap().orphaned_texts, 0);

    s.remove_watch(&copy.url).unwrap();
    let removed = collect_all(&s);
    assert_eq!(removed, 5, "the whole chain of five texts");
    s.remove_watch(&other.url).unwrap();
    // the offline pass takes a chain at once, bases and all
    let report = s.collect_garbage(false).unwrap();
    assert_eq!(report.orphaned_texts, 8);
    drop(s);
    assert!(texts_of(&path).is_empty());
    assert_eq!(open_raw(&path).open_tree("text_bases").unwrap().len(), 0);
}

/// Write every text of the store whole and every check as JSON, drop
/// `text_bases` and set layout 5: the store as layout 5 wrote it. With
/// `leave_deltas`, the texts of the first watch stay as they are (the
/// upgrade goes watch by watch): an upgrade a crash interrupted.
fn as_layout_5(path: &Path, leave_deltas: bool) {
    let s = open_store(path);
    let mut articles = Vec::new();
    let first = s.watches().unwrap().iter().map(|w| w.id).min().unwrap();
    for w in s.watches().unwrap() {
        if leave_deltas && w.id == first {
            continue;
        }
        for v in s.versions(w.id).unwrap() {
            let a = s.version(w.id, v.number).unwrap().1;
            articles.push((v.hash, a));
        }
    }
    let checks: Vec<CheckRecord> = s
        .watches()
        .unwrap()
        .iter()
        .flat_map(|w| s.checks(w.id, 1000).unwrap())
        .collect();
    assert!(!checks.is_empty());
    s.set_schema_version_for_tests(5).unwrap();
    drop(s);
    let db = open_raw(path);
    let texts = db.open_tree("texts").unwrap();
    let bases = db.open_tree("text_bases").unwrap();
    for (hash, a) in &articles {
        let json = serde_json::to_vec(a).unwrap();
        texts
            .insert(hash.to_bytes(), zstd::bulk::compress(&json, 3).unwrap())
            .unwrap();
        for k in bases.iter().keys() {
            let k = k.unwrap();
            if k[16..] == hash.to_bytes() {
                bases.remove(k).unwrap();
            }
        }
    }
    let tree = db.open_tree("checks").unwrap();
    for kv in tree.iter() {
        let (k, v) = kv.unwrap();
        tree.insert(k, checks_json_of(&v, &checks)).unwrap();
    }
    db.flush().unwrap();
}

/// The JSON of the check stored as `bin` (matched on its time and version).
fn checks_json_of(bin: &[u8], checks: &[CheckRecord]) -> Vec<u8> {
    let secs = i64::from_be_bytes(bin[1..9].try_into().unwrap());
    let nanos = u32::from_be_bytes(bin[9..13].try_into().unwrap());
    let c = checks
        .iter()
        .find(|c| c.at.timestamp() == secs && c.at.timestamp_subsec_nanos() == nanos)
        .expect("the check record");
    serde_json::to_vec(c).unwrap()
}

fn upgrade(leave_deltas: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let mut expected = Vec::new();
    {
        let s = open_store(&path);
        for seed in 0..4 {
            let mut w = add(&s, &format!("https://a.example/{seed}"));
            for e in 0..6 {
                let a = long_article(seed, e);
                append(&s, &mut w, &a);
                expected.push((w.id, e as u32 + 1, a));
            }
        }
        // a text that is the base of another (T under U) and, in a later
        // watch, the next version of a third text (X then T): the upgrade
        // must leave T whole, or U's depth would no longer hold
        let (t, u, x) = (
            long_article(10, 0),
            long_article(10, 1),
            long_article(11, 0),
        );
        let mut a = add(&s, "https://b.example/a");
        append(&s, &mut a, &t);
        append(&s, &mut a, &u);
        let mut b = add(&s, "https://b.example/b");
        append(&s, &mut b, &x);
        append(&s, &mut b, &t);
        expected.extend([
            (a.id, 1, t.clone()),
            (a.id, 2, u),
            (b.id, 1, x),
            (b.id, 2, t),
        ]);
    }
    let checks_before: Vec<Vec<CheckRecord>> = {
        let s = open_store(&path);
        s.watches()
            .unwrap()
            .iter()
            .map(|w| s.checks(w.id, 1000).unwrap())
            .collect()
    };
    as_layout_5(&path, leave_deltas);
    let whole_bytes: usize = texts_of(&path).iter().map(|(_, v)| v.len()).sum();
    {
        let db = open_raw(&path);
        let json = db.open_tree("checks").unwrap();
        assert!(json.iter().values().all(|v| v.unwrap()[0] == b'{'));
    }
    let s = open_store(&path);
    for (id, n, a) in &expected {
        assert_eq!(&s.version(*id, *n).unwrap().1, a);
    }
    let checks_after: Vec<Vec<CheckRecord>> = s
        .watches()
        .unwrap()
        .iter()
        .map(|w| s.checks(w.id, 1000).unwrap())
        .collect();
    assert_eq!(checks_after, checks_before);
    drop(s);
    let texts = texts_of(&path);
    let deltas = texts.iter().filter(|(_, v)| v[0] == 0x02).count();
    assert_eq!(deltas, 4 * 5 + 1, "every version after the first, but T");
    let delta_bytes: usize = texts.iter().map(|(_, v)| v.len()).sum();
    assert!(delta_bytes < whole_bytes, "{delta_bytes} vs {whole_bytes}");
    let db = open_raw(&path);
    assert_eq!(db.open_tree("text_bases").unwrap().len(), 21);
    let checks = db.open_tree("checks").unwrap();
    assert!(checks.iter().values().all(|v| v.unwrap()[0] == 0x01));
    let version = db.open_tree("meta").unwrap().get("schema_version").unwrap();
    assert_eq!(
        version.map(|v| u32::from_be_bytes(v.as_ref().try_into().unwrap())),
        Some(copydesk::store::SCHEMA_VERSION)
    );
}

#[test]
fn a_layout_5_store_with_whole_texts_and_json_checks_is_upgraded_on_open() {
    upgrade(false);
}

#[test]
fn an_interrupted_upgrade_to_layout_6_finishes_at_the_next_open() {
    upgrade(true);
}

/// A way to damage the `texts` tree.
type Damage<'a> = Box<dyn Fn(&sled::Tree) + 'a>;

/// Damaged text records: a version read is a clear `Corrupt` error naming
/// the tree and the version, never a panic or a wrong text.
#[test]
fn damaged_text_records_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let ids: Vec<u64> = {
        let s = open_store(&path);
        let mut w = add(&s, "https://a.example/story");
        for e in 0..3 {
            append(&s, &mut w, &long_article(3, e));
        }
        vec![w.id]
    };
    let hashes: Vec<Vec<u8>> = texts_of(&path).into_iter().map(|(k, _)| k).collect();
    let cases: Vec<(&str, Damage)> = vec![
        (
            "garbage",
            Box::new(|t: &sled::Tree| {
                for h in &hashes {
                    t.insert(h, &b"\x07not a text"[..]).unwrap();
                }
            }),
        ),
        (
            "a delta whose base is missing",
            Box::new(|t: &sled::Tree| {
                for h in &hashes {
                    let mut v = t.get(h).unwrap().unwrap().to_vec();
                    if v[0] == 0x02 {
                        v[1..17].copy_from_slice(&[0xAB; 16]);
                        t.insert(h, v).unwrap();
                    }
                }
            }),
        ),
        (
            "a loop of deltas",
            Box::new(|t: &sled::Tree| {
                // every text a delta of depth 1 on the next one, round
                for (i, h) in hashes.iter().enumerate() {
                    let next = &hashes[(i + 1) % hashes.len()];
                    let mut v = vec![0x02];
                    v.extend_from_slice(next);
                    v.push(1);
                    v.extend_from_slice(&ZSTD_MAGIC);
                    v.extend_from_slice(b"frame");
                    t.insert(h, v).unwrap();
                }
            }),
        ),
        (
            "a truncated frame",
            Box::new(|t: &sled::Tree| {
                for h in &hashes {
                    let v = t.get(h).unwrap().unwrap().to_vec();
                    t.insert(h, &v[..v.len() / 2]).unwrap();
                }
            }),
        ),
    ];
    let pristine = texts_of(&path);
    for (what, damage) in cases {
        {
            let db = open_raw(&path);
            let t = db.open_tree("texts").unwrap();
            for (k, v) in &pristine {
                t.insert(k, v.as_slice()).unwrap();
            }
            damage(&t);
            db.flush().unwrap();
        }
        let s = open_store(&path);
        for n in 1..=3 {
            match s.version(ids[0], n) {
                Err(StoreError::Corrupt { tree, detail }) => {
                    assert_eq!(tree, "texts", "{what}");
                    assert!(detail.contains(&format!("version {n}")), "{what}: {detail}");
                }
                Ok(_) if what == "a delta whose base is missing" && n == 1 => {} // whole
                other => panic!("{what}, version {n}: {other:?}"),
            }
        }
    }
}
