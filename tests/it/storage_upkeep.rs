//! The store's upkeep through `copydesk run` (the real binary): space on
//! its disk (the `copydesk_store_*` gauges, the `disk` object of
//! `/healthz`, and the low-space warning, logged and 503, while free space
//! is below `[storage] min_free_mb`, gone after a reload with a lower
//! threshold), and the daemon's incremental collection of the texts of a
//! watch removed while it runs.

use crate::common;

use common::daemon::{eventually, Daemon};
use common::{article_page, story, Env, Furniture, Reply, Server};
use std::time::Duration;

/// More MiB than any test machine has free: space is always "low".
const HUGE_MIN_FREE_MB: u64 = 1 << 40;

fn write_config(env: &Env, server: &Server, min_free_mb: u64) {
    let text = format!(
        "[storage]\npath = \"db\"\ncache_mb = 16\nmin_free_mb = {min_free_mb}\ngc_every = \"1s\"\n\n\
         [schedule]\ndefault = \"*/2 * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         [check]\nconfirm_delay = \"100ms\"\n\n[[watch]]\nurl = \"{}\"\n",
        server.url("/story")
    );
    std::fs::write(&env.config, text).expect("write config");
}

/// The value of the unlabelled series `name` in a metrics exposition.
fn gauge(text: &str, name: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (series, value) = l.rsplit_once(' ')?;
        (series == name).then(|| value.parse().ok()).flatten()
    })
}

fn health(d: &Daemon) -> (u16, serde_json::Value) {
    let (status, body) = d.get("/healthz");
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, v)
}

#[test]
fn low_free_space_is_logged_and_unhealthy_until_the_threshold_allows_it() {
    let server = Server::start();
    let page = article_page("A story", &story(), &Furniture::default());
    server.set("/story", Reply::html(page));
    let env = Env::new("");
    write_config(&env, &server, HUGE_MIN_FREE_MB);
    let d = Daemon::start(&env);

    // the first sample is taken at start-up
    let mut h = serde_json::Value::Null;
    eventually(
        Duration::from_secs(10),
        "/healthz reports low space",
        || {
            let (status, v) = health(&d);
            let low = status == 503 && v["disk"]["ok"] == false;
            h = v;
            low
        },
    );
    assert_eq!(h["status"], "unhealthy", "{h}");
    assert_eq!(h["scheduler"]["ok"], true, "{h}");
    assert_eq!(h["writes"]["ok"], true, "{h}");
    let disk = &h["disk"];
    assert_eq!(
        disk["min_free_bytes"],
        HUGE_MIN_FREE_MB * 1024 * 1024,
        "{h}"
    );
    assert!(disk["store_bytes"].as_u64().is_some_and(|b| b > 0), "{h}");
    assert!(disk["free_bytes"].as_u64().is_some_and(|b| b > 0), "{h}");
    let error = disk["error"].as_str().unwrap_or_default();
    assert!(error.contains("below [storage] min_free_mb"), "{h}");
    assert!(error.contains("copydesk gc"), "{h}");

    // checks go on: it is a warning, not a pause
    eventually(Duration::from_secs(10), "the watch checked", || {
        server.hits("/story") >= 1
    });
    let logs = d.logs();
    assert_eq!(
        logs.matches("below [storage] min_free_mb").count(),
        1,
        "warned once, not at every sample:\n{logs}"
    );

    let (_, metrics) = d.get("/metrics");
    let store = gauge(&metrics, "copydesk_store_bytes").unwrap_or_default();
    let free = gauge(&metrics, "copydesk_store_free_bytes").unwrap_or_default();
    assert!(store > 0.0 && free > 0.0, "{metrics}");
    assert_eq!(
        gauge(&metrics, "copydesk_store_growth_bytes_per_day"),
        Some(0.0),
        "no rate before an hour of samples"
    );

    // the operator turns the warning off: healthy at once, and logged
    write_config(&env, &server, 0);
    d.signal("-HUP");
    eventually(Duration::from_secs(10), "/healthz ok again", || {
        let (status, v) = health(&d);
        h = v;
        status == 200
    });
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(h["disk"]["ok"], true, "{h}");
    assert!(h["disk"].get("error").is_none(), "{h}");
    eventually(Duration::from_secs(5), "the recovery logged", || {
        d.logs().contains("above [storage] min_free_mb again")
    });
}

#[test]
fn the_daemon_collects_the_texts_of_a_watch_removed_while_it_runs() {
    let server = Server::start();
    let page = article_page("A story", &story(), &Furniture::default());
    server.set("/story", Reply::html(page));
    let own = article_page("Its own story", &story()[1..2], &Furniture::default());
    server.set("/own", Reply::html(own));
    let env = Env::new("");
    write_config(&env, &server, 0);
    let d = Daemon::start(&env);
    let own_url = server.url("/own");
    env.ok(&["watch", "add", &own_url]);
    eventually(
        Duration::from_secs(10),
        "both watches have a version",
        || {
            let v = env.json(&["watch", "list"]);
            v.as_array()
                .is_some_and(|ws| ws.len() == 2 && ws.iter().all(|w| w["latest_version"] == 1))
        },
    );
    env.ok(&["watch", "remove", &own_url]);
    let mut metrics = String::new();
    eventually(
        Duration::from_secs(15),
        "the removed watch's text collected",
        || {
            metrics = d.get("/metrics").1;
            gauge(&metrics, "copydesk_gc_texts_removed_total") == Some(1.0)
        },
    );
    assert!(gauge(&metrics, "copydesk_gc_bytes_removed_total").unwrap_or_default() > 0.0);
    assert!(d.logs().contains("collected the texts of removed watches"));
    drop(d);
    // the offline pass finds nothing left, and the kept watch reads whole
    let dry = env.json(&["gc", "--dry-run"]);
    assert_eq!(dry["orphaned_texts"], 0, "{dry}");
    assert_eq!(dry["texts"], 1, "{dry}");
    let url = server.url("/story");
    assert!(env.ok(&["history", &url]).contains("A story"));
}

#[test]
fn a_scheduled_compaction_pauses_checks_and_keeps_everything() {
    let server = Server::start();
    let page = article_page("A story", &story(), &Furniture::default());
    server.set("/story", Reply::html(page));
    let env = Env::new("");
    let text = format!(
        "[storage]\npath = \"db\"\ncache_mb = 16\nmin_free_mb = 0\ncompact_every = \"2s\"\n\n\
         [schedule]\ndefault = \"* * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         [check]\nconfirm_delay = \"100ms\"\n\n[[watch]]\nurl = \"{}\"\n",
        server.url("/story")
    );
    std::fs::write(&env.config, text).expect("write config");
    let d = Daemon::start(&env);
    let url = server.url("/story");
    eventually(Duration::from_secs(15), "two scheduled compactions", || {
        d.logs().matches("store compacted; checks resume").count() >= 2
    });
    // an edit after the compactions is stored in the swapped-in store
    let mut body = story();
    body.push("A correction was added to the story after publication.".into());
    let edited = article_page("A story", &body, &Furniture::default());
    server.set("/story", Reply::html(edited));
    eventually(Duration::from_secs(15), "the edit stored", || {
        env.json(&["history", &url]).as_array().map(Vec::len) == Some(2)
    });
    let (status, _) = d.get("/healthz");
    assert_eq!(status, 200);
    assert!(!d.logs().contains("compaction failed"), "{}", d.logs());
}
