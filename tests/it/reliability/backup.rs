//! `[backup]`: the daemon writes compressed, sealed exports on schedule and
//! keeps the newest `keep`; one restores into a new database with
//! `copydesk import` (the README's recovery steps), and a damaged store's
//! error names the newest backup.

use super::damaged_store::long_article;
use crate::common::daemon::{eventually, Daemon};
use crate::common::{run_binary, Env, Server};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn backups(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(".jsonl.zst"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn backups_are_written_kept_and_restore_the_store() {
    let server = Server::start();
    let mut watches = String::new();
    for i in 0..6 {
        let p = format!("/b{i}");
        server.set(&p, long_article(i, 0));
        watches.push_str(&format!("[[watch]]\nurl = \"{}\"\n", server.url(&p)));
    }
    let env = Env::new(&format!(
        "[backup]\nevery = \"1s\"\nkeep = 2\npath = \"saved\"\n\n\
         [web]\nlisten = \"127.0.0.1:0\"\n\n{watches}"
    ));
    env.ok(&["check", "--all"]);
    for i in 0..6 {
        server.set(&format!("/b{i}"), long_article(i, 1));
    }
    env.ok(&["check", "--all"]);
    let dir = env.dir.path().join("saved");
    let mut d = Daemon::start(&env);
    eventually(Duration::from_secs(20), "two backups written", || {
        // at most `keep` are left however many were written
        let b = backups(&dir);
        assert!(b.len() <= 2, "{b:?}");
        std::fs::read_dir(&dir).map(|r| r.count()).unwrap_or(0) >= 2
    });
    std::thread::sleep(Duration::from_millis(2_500));
    let kept = backups(&dir);
    assert_eq!(kept.len(), 2, "{kept:?}");
    d.signal("-TERM");
    assert_eq!(d.wait(Duration::from_secs(20)).0, Some(0));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // compressed: smaller than the export it holds
    let newest = kept.last().unwrap().clone();
    let plain = env.ok(&["export"]);
    let packed = std::fs::metadata(&newest).unwrap().len() as usize;
    assert!(packed < plain.len() / 2, "{packed} vs {}", plain.len());

    // restore as the README says: import into a new database
    let fresh = Env::new("");
    let out = fresh.ok(&["import", newest.to_str().unwrap()]);
    assert!(out.contains("6 watches added, 12 versions added"), "{out}");
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.contains("\"type\":\"version\""))
            .map(String::from)
            .collect()
    };
    assert_eq!(strip(&fresh.ok(&["export"])), strip(&plain));

    // a damaged backup (a flipped byte) is refused, not half imported
    let mut bytes = std::fs::read(&newest).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let bad = fresh.dir.path().join("bad.jsonl.zst");
    std::fs::write(&bad, &bytes).unwrap();
    let other = Env::new("");
    let out = other.run(&["import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(other.json(&["watch", "list"]), serde_json::json!([]));

    // a damaged store points at the newest backup
    let db = env.dir.path().join("db").join("db");
    let size = std::fs::metadata(&db).unwrap().len();
    let mut named = false;
    'cuts: for pct in [90u64, 75, 50, 25, 10] {
        let f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        f.set_len(size * pct / 100).unwrap();
        drop(f);
        for args in [vec!["watch", "list"], vec!["export"]] {
            let out = run_binary(&env.config, &args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("panicked"), "{err}");
            if out.status.code() == Some(1) && err.contains("damaged") {
                assert!(
                    err.contains(&newest.display().to_string()),
                    "{args:?}: the newest backup is named\n{err}"
                );
                named = true;
                break 'cuts;
            }
        }
    }
    assert!(named, "cutting the db in half damaged nothing");
}
