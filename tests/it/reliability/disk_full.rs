//! A full disk: the daemon logs one clear error naming the database's
//! path, logs no version it did not store, stops taking checks but keeps
//! serving reads and /healthz (503, "degraded"), resumes by itself once
//! there is room, and removes its daemon file when it exits.
//!
//! Needs a small file system of its own: as root, a tmpfs mounted with
//! `size=`; otherwise the test is skipped with a notice (with `CI=true`
//! it must run, and fails instead).

use super::damaged_store::long_article;
use super::http::request;
use crate::common::daemon::eventually;
use crate::common::{binary, Env, Server};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A tmpfs of `mib` MiB, unmounted when dropped.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    fn mount(mib: u32) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().join("small");
        std::fs::create_dir(&path).ok()?;
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mib}m"),
                "copydesk-test",
            ])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { _dir: dir, path })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Write zeros to `path` until the file system is full.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
}

/// A long article whose words depend on `seed` (so that zstd cannot make
/// it small).
fn skip_or_fail(why: &str) {
    if crate::common::in_ci() {
        panic!("the full-disk test must run in CI: {why}");
    }
    eprintln!("notice: skipping the full-disk test: {why}");
}

#[test]
fn a_full_disk_pauses_checks_keeps_reads_and_resumes_by_itself() {
    let Some(fs) = Tmpfs::mount(24) else {
        skip_or_fail("cannot mount a tmpfs (needs root)");
        return;
    };
    let server = Server::start();
    let paths: Vec<String> = (0..4).map(|i| format!("/s{i}")).collect();
    for (i, p) in paths.iter().enumerate() {
        server.set(p, long_article(i as u64, 0));
    }
    let db = fs.path.join("db");
    let mut config = format!(
        "[storage]\npath = \"{}\"\ncache_mb = 16\nmin_free_mb = 0\n\n[schedule]\ndefault = \"* * * * * *\"\n\n\
         [check]\nconfirm_delay = \"100ms\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n",
        db.display()
    );
    for p in &paths {
        config.push_str(&format!("[[watch]]\nurl = \"{}\"\n", server.url(p)));
    }
    let env = Env::new("");
    std::fs::write(&env.config, config).unwrap();
    let mut child = Command::new(binary())
        .arg("--config")
        .arg(&env.config)
        .args(["run", "--grace", "5"])
        .env("RUST_LOG", "info")
        .env_remove("COPYDESK_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut l = sink.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("copydesk: listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    let mut d = crate::common::daemon::Daemon {
        child,
        addr: addr.clone(),
        // its stderr is read above, not written to a file
        log: std::path::PathBuf::new(),
    };
    let versions = |url: &str| -> usize {
        let enc: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
        let a = request(
            &addr,
            "GET",
            &format!("/api/v1/versions?url={enc}"),
            &[],
            b"",
        );
        if a.status != 200 {
            return 0;
        }
        a.json().as_array().map(Vec::len).unwrap_or(0)
    };
    eventually(Duration::from_secs(20), "first versions stored", || {
        paths.iter().all(|p| versions(&server.url(p)) >= 1)
    });

    // fill the disk, then change every page
    let filler = fs.path.join("filler");
    fill(&filler);
    for (i, p) in paths.iter().enumerate() {
        server.set(p, long_article(i as u64, 1));
    }
    eventually(Duration::from_secs(30), "/healthz reports degraded", || {
        let a = request(&d.addr, "GET", "/healthz", &[], b"");
        a.status == 503 && a.body.contains("degraded")
    });
    let h = request(&d.addr, "GET", "/healthz", &[], b"");
    assert!(h.body.contains(&db.display().to_string()), "{}", h.body);
    assert!(d.alive(), "the daemon keeps running on a full disk");
    // reads go on
    let w = request(&d.addr, "GET", "/api/v1/watches", &[], b"");
    assert_eq!(w.status, 200, "{}", w.body);
    let before: Vec<usize> = paths.iter().map(|p| versions(&server.url(p))).collect();
    std::thread::sleep(Duration::from_secs(3));
    let text = log.lock().unwrap().clone();
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("cannot write the database"))
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "one clear error, not one per check:\n{text}"
    );
    assert!(
        errors[0].contains(&db.display().to_string()),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("full"), "{}", errors[0]);

    // room again: it resumes by itself and stores the changes
    std::fs::remove_file(&filler).unwrap();
    eventually(Duration::from_secs(30), "/healthz ok again", || {
        request(&d.addr, "GET", "/healthz", &[], b"").status == 200
    });
    // Each page changed once while the disk was full: each ends with two
    // versions. (What the API showed during the full disk is no measure: a
    // check that wrote just as the disk filled is visible in sled's memory,
    // then not kept, and is checked again once there is room.)
    let t = std::time::Instant::now();
    let stored = || {
        paths
            .iter()
            .map(|p| versions(&server.url(p)))
            .collect::<Vec<_>>()
    };
    while stored().iter().any(|n| *n < 2) {
        if t.elapsed() > Duration::from_secs(30) {
            panic!(
                "the changes were not stored after the disk had room (versions during the full disk {before:?}, now {:?}); the daemon's log:\n{}",
                stored(),
                log.lock().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        stored(),
        vec![2; paths.len()],
        "one version per change, none twice"
    );
    // every "new version" logged is stored
    let text = log.lock().unwrap().clone();
    for line in text.lines().filter(|l| l.contains("new version")) {
        let field = |k: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .map(|v| v.trim_matches('"').to_string())
        };
        let (Some(url), Some(n)) = (field("url="), field("version=")) else {
            continue;
        };
        let n: usize = n.parse().unwrap();
        assert!(versions(&url) >= n, "logged but not stored: {line}");
    }

    // full again, then SIGTERM: a clean exit that removes the daemon file
    fill(&filler);
    for (i, p) in paths.iter().enumerate() {
        server.set(p, long_article(i as u64, 2));
    }
    eventually(Duration::from_secs(30), "degraded again", || {
        request(&d.addr, "GET", "/healthz", &[], b"").status == 503
    });
    d.signal("-TERM");
    let (code, _) = d.wait(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{}", log.lock().unwrap());
    assert!(
        !fs.path.join("db.daemon.json").exists(),
        "the daemon file is removed on exit"
    );
    let text = log.lock().unwrap().clone();
    assert!(!text.contains("panicked"), "{text}");
}
