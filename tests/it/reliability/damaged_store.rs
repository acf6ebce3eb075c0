//! A damaged store (a `db` file cut short, as a full disk or a bad copy
//! leaves it) is a clear error naming the path and what to do, exit 1:
//! never a panic, a backtrace or exit 101.

use crate::common::{article_page, run_binary, Env, Furniture, Reply, Server};
use std::path::Path;

/// Copy a directory tree (a closed sled database).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A long article whose words depend on `seed` and `round` (so that zstd
/// cannot make it small).
pub fn long_article(seed: u64, round: u64) -> Reply {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(round);
    let words = [
        "council", "budget", "harbour", "storm", "minister", "vote", "road", "school", "river",
        "bridge", "market", "court", "report", "police", "hospital", "station",
    ];
    let paragraphs: Vec<String> = (0..60)
        .map(|_| {
            (0..40)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    format!("{}{}", words[(x >> 60) as usize], (x >> 40) % 1000)
                })
                .collect::<Vec<_>>()
                .join(" ")
                + "."
        })
        .collect();
    Reply::html(article_page(
        &format!("Story {seed} update {round}"),
        &paragraphs,
        &Furniture::default(),
    ))
}

#[test]
fn a_truncated_store_is_a_clear_error_never_a_panic() {
    // big enough for several of sled's log segments and blobs (a store of
    // three short articles recovers from any cut silently)
    let server = Server::start();
    let mut watches = String::new();
    let mut urls = Vec::new();
    for i in 0..20 {
        let p = format!("/p{i}");
        server.set(&p, long_article(i, 0));
        watches.push_str(&format!("[[watch]]\nurl = \"{}\"\n", server.url(&p)));
        urls.push(server.url(&p));
    }
    let env = Env::new(&watches);
    env.ok(&["check", "--all"]);
    for i in 0..20 {
        server.set(&format!("/p{i}"), long_article(i, 1));
    }
    env.ok(&["check", "--all"]);
    let db = env.dir.path().join("db");
    let size = std::fs::metadata(db.join("db")).unwrap().len();
    assert!(size > 0);
    let mut clear_errors = 0;
    for pct in [10u64, 25, 50, 75, 90] {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("db");
        copy_dir(&db, &copy);
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(copy.join("db"))
            .unwrap();
        f.set_len(size * pct / 100).unwrap();
        drop(f);
        let config = dir.path().join("copydesk.toml");
        std::fs::write(&config, "[storage]\npath = \"db\"\ncache_mb = 16\n").unwrap();
        for args in [
            vec!["watch", "list"],
            vec!["history", urls[0].as_str()],
            vec!["export"],
            vec!["check", "--all"],
        ] {
            let out = run_binary(&config, &args);
            let err = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code();
            assert!(
                code == Some(0) || code == Some(1),
                "{pct}% {args:?}: exit {code:?}\n{err}"
            );
            for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
                assert!(!err.contains(bad), "{pct}% {args:?}: {bad:?} in\n{err}");
            }
            if code == Some(1) {
                assert!(
                    err.contains(&copy.display().to_string()),
                    "{pct}% {args:?}: the path is named\n{err}"
                );
                assert!(
                    err.contains("backup") && err.contains("copydesk import"),
                    "{pct}% {args:?}: says what to do\n{err}"
                );
                clear_errors += 1;
            }
        }
    }
    assert!(clear_errors > 0, "no cut point damaged the store");
}
