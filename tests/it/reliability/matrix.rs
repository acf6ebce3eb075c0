//! The crash-and-fault matrix, with the real binary: `kill -9` at seeded
//! random points of check passes and of delivery rounds, each followed by
//! a normal pass that must find everything in place (no version lost or
//! stored twice, every event delivered at least once, no panic); then
//! stores cut short and bit-flipped at seeded random places (a clear error
//! naming the path, or a normal answer; never a panic). The full disk is
//! `disk_full`'s.
//!
//! `COPYDESK_MATRIX_SEED` picks another seed (the seed is printed).

use super::damaged_store::{copy_dir, long_article};
use crate::common::{binary, run_binary, Env, Server};
use std::collections::HashSet;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PAGES: u64 = 6;
/// Kill points per phase.
const KILLS: usize = 10;
const DEFAULT_SEED: u64 = 0x5eed_c0de_2026_1130;

/// xorshift64*: small, seeded, good enough to pick times and offsets.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("COPYDESK_MATRIX_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(DEFAULT_SEED);
        eprintln!("crash matrix seed {seed} (COPYDESK_MATRIX_SEED)");
        Rng(seed.max(1))
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

fn assert_calm(what: &str, out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!err.contains(bad), "{what}: {bad:?} in\n{err}");
    }
}

/// Start `args`, kill it with SIGKILL after `after`, and return what it
/// printed (it may have finished before).
fn kill_after(env: &Env, args: &[&str], after: Duration) -> Output {
    let mut child = Command::new(binary())
        .arg("--config")
        .arg(&env.config)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("COPYDESK_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start copydesk");
    std::thread::sleep(after);
    let _ = child.kill(); // SIGKILL
    child.wait_with_output().expect("wait")
}

fn versions(env: &Env, url: &str) -> usize {
    env.json(&["history", url]).as_array().map_or(0, Vec::len)
}

/// Every event id in the store (from an export).
fn stored_event_ids(env: &Env) -> HashSet<String> {
    env.ok(&["export"])
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "event")
        .filter_map(|v| v["event"]["id"].as_str().map(String::from))
        .collect()
}

#[test]
fn kill_9_during_checks_and_delivery_loses_nothing() {
    let started = Instant::now();
    let mut rng = Rng::new();
    let server = Server::start();
    let urls: Vec<String> = (0..PAGES)
        .map(|i| {
            let p = format!("/m{i}");
            server.set(&p, long_article(i, 0));
            server.url(&p)
        })
        .collect();
    let mut config = format!(
        "[alert]\nmax_attempts = 1000\nretry_backoff = \"1s\"\n\n\
         [[alert.webhook]]\nurl = \"{}\"\n\n",
        server.url("/hook")
    );
    for u in &urls {
        config.push_str(&format!("[[watch]]\nurl = \"{u}\"\n"));
    }
    let env = Env::new(&config);
    env.ok(&["check", "--all"]);
    server.set_delay(Duration::from_millis(40));
    server.set_hook_delay(Duration::from_millis(30));

    // phase 1: kill -9 somewhere in a check pass (fetches, confirmations,
    // commits, delivery), then a pass that must store what was missed
    let t = Instant::now();
    for i in 0..PAGES {
        server.set(&format!("/m{i}"), long_article(i, 1));
    }
    env.ok(&["check", "--all"]);
    let pass = t.elapsed();
    let mut round = 1;
    for k in 0..KILLS {
        round += 1;
        for i in 0..PAGES {
            server.set(&format!("/m{i}"), long_article(i, round));
        }
        let at = Duration::from_millis(rng.below(pass.as_millis() as u64 + 1));
        let killed = kill_after(&env, &["check", "--all"], at);
        assert_calm(&format!("kill {k} at {at:?}"), &killed);
        let out = env.run(&["check", "--all"]);
        assert_calm(&format!("pass after kill {k}"), &out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "pass after kill {k}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for u in &urls {
            assert_eq!(
                versions(&env, u),
                round as usize + 1,
                "{u} after kill {k} at {at:?}: a version lost or stored twice"
            );
        }
    }

    // phase 2: kill -9 in delivery rounds (the receiver is slow, so a
    // round takes a while): events wait in the outbox from a pass whose
    // deliveries failed, then `check` (nothing due: delivery only) is
    // killed at random points
    server.set_hook_down(true);
    round += 1;
    for i in 0..PAGES {
        server.set(&format!("/m{i}"), long_article(i, round));
    }
    env.ok(&["check", "--all"]);
    server.set_hook_down(false);
    for k in 0..KILLS {
        let at = Duration::from_millis(rng.below(400));
        let killed = kill_after(&env, &["check"], at);
        assert_calm(&format!("delivery kill {k} at {at:?}"), &killed);
    }
    server.set_hook_delay(Duration::ZERO);
    let out = env.run(&["check"]);
    assert_calm("the last delivery", &out);
    assert_eq!(out.status.code(), Some(0));

    let stored = stored_event_ids(&env);
    assert_eq!(
        stored.len(),
        PAGES as usize * (round as usize),
        "one edit event per page and round"
    );
    let delivered: Vec<String> = server
        .hooks()
        .iter()
        .filter_map(|h| h["id"].as_str().map(String::from))
        .collect();
    let unique: HashSet<&String> = delivered.iter().collect();
    let missing: Vec<&String> = stored.iter().filter(|id| !unique.contains(id)).collect();
    assert!(missing.is_empty(), "events never delivered: {missing:?}");
    let pending = env.json(&["alerts", "--pending"]);
    assert_eq!(pending, serde_json::json!([]), "nothing left in the outbox");
    eprintln!(
        "crash matrix: {} kills, {} events, {} deliveries ({} repeated), {:.1} s",
        2 * KILLS,
        stored.len(),
        delivered.len(),
        delivered.len() - unique.len(),
        started.elapsed().as_secs_f64()
    );

    // phase 3: the store cut short or bit-flipped at random places
    let db = env.dir.path().join("db");
    let size = std::fs::metadata(db.join("db")).unwrap().len();
    let mut clear = 0;
    for k in 0..KILLS {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("db");
        copy_dir(&db, &copy);
        let file = copy.join("db");
        if k % 2 == 0 {
            let cut = rng.below(size);
            let f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
            f.set_len(cut).unwrap();
        } else {
            let mut bytes = std::fs::read(&file).unwrap();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len() as u64) as usize;
                bytes[at] ^= 1 << rng.below(8);
            }
            std::fs::write(&file, bytes).unwrap();
        }
        let config = dir.path().join("copydesk.toml");
        std::fs::write(&config, "[storage]\npath = \"db\"\ncache_mb = 16\n").unwrap();
        for args in [
            vec!["watch", "list"],
            vec!["export"],
            vec!["history", &urls[0]],
        ] {
            let out = run_binary(&config, &args);
            let what = format!("damage {k} {args:?}");
            assert_calm(&what, &out);
            let code = out.status.code();
            assert!(code == Some(0) || code == Some(1), "{what}: exit {code:?}");
            if code == Some(1) {
                let err = String::from_utf8_lossy(&out.stderr);
                // a cut can also lose the watch itself: "no watch for URL"
                assert!(
                    err.contains(&copy.display().to_string()) || err.contains("no watch for"),
                    "{what}: the path is named\n{err}"
                );
                clear += 1;
            }
        }
    }
    eprintln!("crash matrix: {clear} clear errors from {KILLS} damaged stores");
}
