//! A layout-6 sled store, whose learned templates' line sightings
//! (`tmpl_seen`) are JSON, is upgraded on open: every sighting rewritten
//! in the binary form, none lost, an unreadable one left as it was, and
//! learning goes on from the rewritten counts.

use crate::common;
use common::reopen::{open_raw, open_store};
use copydesk::core::template::shape::{line_key, LineKey};
use copydesk::store::Store;

const OUTLET: &str = "news.example";

fn key(line: LineKey) -> Vec<u8> {
    [OUTLET.as_bytes(), &[0], &line.to_be_bytes()].concat()
}

fn schema_version(db: &sled::Db) -> Option<u32> {
    let v = db.open_tree("meta").unwrap().get("schema_version").unwrap();
    v.map(|v| u32::from_be_bytes(v.as_ref().try_into().unwrap()))
}

#[test]
fn a_layout_6_store_with_json_line_sightings_is_upgraded_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let s = open_store(&path);
        s.set_schema_version_for_tests(6).unwrap();
        s.flush().unwrap();
    }
    // 300 lines, each seen on the article of its number (and the next two
    // for every tenth), as layout 6 wrote them; and one damaged record
    let lines: Vec<(String, Vec<u64>)> = (0..300u64)
        .map(|i| {
            let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
            let text = format!(
                "A line of {} {} {} {} seen here.",
                words[(i % 6) as usize],
                words[(i / 6 % 6) as usize],
                words[(i / 36 % 6) as usize],
                words[(i / 216 % 6) as usize]
            );
            let seen = if i % 10 == 0 {
                vec![i + 1, i + 2, i + 3]
            } else {
                vec![i + 1]
            };
            (text, seen)
        })
        .collect();
    let broken = line_key("This record was damaged on disk.");
    let json_bytes: usize;
    {
        let db = open_raw(&path);
        let seen = db.open_tree("tmpl_seen").unwrap();
        for (text, articles) in &lines {
            let json = format!(
                "{{\"articles\":{articles:?},\"outlet_articles_at_first\":{}}}",
                articles[0]
            );
            assert!(seen
                .insert(key(line_key(text)), json.as_bytes())
                .unwrap()
                .is_none());
        }
        seen.insert(key(broken), &b"{\"articles\":[1,"[..]).unwrap();
        db.open_tree("tmpl_outlets")
            .unwrap()
            .insert(OUTLET, &b"{\"articles\":303}"[..])
            .unwrap();
        json_bytes = seen.iter().values().map(|v| v.unwrap().len()).sum();
        db.flush().unwrap();
    }
    {
        let s = open_store(&path);
        for (text, articles) in &lines {
            assert_eq!(&s.line_articles(OUTLET, line_key(text)).unwrap(), articles);
        }
        // the damaged record is still an error where it is read, as before
        assert!(s.line_articles(OUTLET, broken).is_err());
        // learning goes on from the rewritten counts
        let (text, _) = &lines[20];
        let k = line_key(text);
        s.observe_lines(OUTLET, 304, true, &[(k, text.as_str())], chrono::Utc::now())
            .unwrap();
        assert_eq!(s.line_articles(OUTLET, k).unwrap(), vec![21, 22, 23, 304]);
        s.flush().unwrap();
    }
    let db = open_raw(&path);
    assert_eq!(schema_version(&db), Some(copydesk::store::SCHEMA_VERSION));
    let seen = db.open_tree("tmpl_seen").unwrap();
    assert_eq!(seen.len(), lines.len() + 1);
    let mut binary_bytes = 0;
    for kv in seen.iter() {
        let (k, v) = kv.unwrap();
        if k.as_ref() == key(broken).as_slice() {
            assert_eq!(v.as_ref(), b"{\"articles\":[1,", "left as it was");
        } else {
            assert_eq!(v[0], 0x01, "binary");
            binary_bytes += v.len();
        }
    }
    assert!(
        binary_bytes * 5 < json_bytes,
        "binary {binary_bytes} bytes, JSON {json_bytes}"
    );
}
