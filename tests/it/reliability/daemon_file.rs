//! The CLI talks only to the daemon that owns its store: a stale or foreign
//! `<store>.daemon.json` never sends a command to another daemon's store,
//! and the CLI says what holds the store instead.

use crate::common::daemon::{eventually, Daemon};
use crate::common::{article_page, binary, story, Env, Furniture, Reply, Server};
use std::process::{Command, Stdio};
use std::time::Duration;

fn page(title: &str) -> Reply {
    Reply::html(article_page(title, &story(), &Furniture::default()))
}

/// A `check --all` that holds the store of `env` while a slow page loads.
struct Holder(std::process::Child);

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hold_store(env: &Env, slow: &Server) -> Holder {
    let child = Command::new(binary())
        .arg("--config")
        .arg(&env.config)
        .args(["check", "--all"])
        .env("RUST_LOG", "warn")
        .env_remove("COPYDESK_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start copydesk check");
    eventually(Duration::from_secs(10), "the slow page requested", || {
        slow.hits("/slow") >= 1
    });
    Holder(child)
}

#[test]
fn a_stale_daemon_file_never_sends_the_cli_to_another_store() {
    // daemon B owns its own store, with a watch and its first version
    let pages = Server::start();
    pages.set("/b", page("Council approves budget"));
    let b_url = pages.url("/b");
    let env_b = Env::new(&format!(
        "[web]\nlisten = \"127.0.0.1:0\"\n\n[[alert.log]]\n\n[[watch]]\nurl = \"{b_url}\"\n"
    ));
    env_b.ok(&["check", "--all"]);
    env_b.ok(&["watch", "add", &pages.url("/b2")]);
    let b = Daemon::start(&env_b);

    // store A is held by a `check --all` waiting on a slow page
    let slow = Server::start();
    slow.set("/slow", page("A slow story"));
    slow.set_delay(Duration::from_secs(20));
    let env_a = Env::new("");
    std::fs::write(
        &env_a.config,
        format!(
            "[storage]\npath = \"db\"\ncache_mb = 16\n\n[fetch]\ntimeout_secs = 60\n\n\
             [[watch]]\nurl = \"{}\"\n",
            slow.url("/slow")
        ),
    )
    .unwrap();
    let _holder = hold_store(&env_a, &slow);
    let file = env_a.dir.path().join("db.daemon.json");
    let b_base = format!("http://{}", b.addr);
    let refused = |args: &[&str], needles: &[&str]| {
        let out = env_a.run(args);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: expected {n:?} in:\n{err}");
        }
        assert!(!err.contains("panicked"), "{err}");
    };

    // a file left by a daemon that is gone (its pid is not running), now
    // pointing at B's port
    std::fs::write(
        &file,
        serde_json::json!({"url": b_base, "pid": 999_999}).to_string(),
    )
    .unwrap();
    refused(
        &["watch", "remove", &pages.url("/b2")],
        &["in use by another", "999999", "not running"],
    );
    refused(&["watch", "list"], &["in use by another"]);

    // a file naming a live pid (B's) but not this store
    std::fs::write(
        &file,
        serde_json::json!({"url": b_base, "pid": b.child.id(),
            "store_id": "00000000000000000000000000000000"})
        .to_string(),
    )
    .unwrap();
    refused(
        &["watch", "remove", &pages.url("/b2")],
        &["in use by another", "another database"],
    );
    refused(&["history", &b_url], &["another database"]);

    // B's store was never touched
    let list = env_b.json(&["watch", "list"]);
    let urls: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["url"].as_str())
        .collect();
    assert!(urls.contains(&pages.url("/b2").as_str()), "{list}");
    assert_eq!(
        env_b.json(&["history", &b_url]).as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn a_daemon_file_left_by_kill_9_is_harmless_and_cleared() {
    let pages = Server::start();
    pages.set("/k", page("Storm hits the coast"));
    let env = Env::new(&format!(
        "[web]\nlisten = \"127.0.0.1:0\"\n\n[[watch]]\nurl = \"{}\"\n",
        pages.url("/k")
    ));
    let mut d = Daemon::start(&env);
    let file = env.dir.path().join("db.daemon.json");
    eventually(Duration::from_secs(10), "the daemon file written", || {
        file.exists()
    });
    d.signal("-KILL");
    d.wait(Duration::from_secs(10));
    assert!(file.exists(), "kill -9 leaves the file behind");
    // the store is free: the CLI uses it and clears the stale file
    let list = env.json(&["watch", "list"]);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert!(
        !file.exists(),
        "a stale daemon file is removed by the next open"
    );
}
