//! Republication detection in the daemon: a copy is alerted once while the
//! daemon keeps checking, and `copydesk matches` works through the daemon's
//! API with the same output as on the store itself.

use crate::common;

use common::daemon::{eventually, Daemon};
use common::{article_page, story, Env, Furniture, Reply, Server};
use std::time::Duration;

#[test]
fn daemon_alerts_a_copy_once_and_matches_goes_through_its_api() {
    let server = Server::start();
    // Both are first seen in the same pass (a tie: their checks run side
    // by side, in either order), so the pages' published times decide.
    let page = |t: &str, published: &str| {
        let html = article_page(t, &story(), &Furniture::default()).replacen(
            "</head>",
            &format!("<meta property=\"article:published_time\" content=\"{published}\"></head>"),
            1,
        );
        Reply::html(html)
    };
    server.set(
        "/a",
        page("Council approves budget", "2026-11-20T08:00:00Z"),
    );
    server.set("/b", page("City passes budget", "2026-11-20T09:30:00Z"));
    let a = server.url("/a");
    // localhost:PORT is another outlet than 127.0.0.1:PORT
    let b = format!("http://localhost:{}/b", server.addr.port());
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"*/2 * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         [[alert.webhook]]\nurl = \"{}\"\n\n[[watch]]\nurl = \"{a}\"\n\n[[watch]]\nurl = \"{b}\"\n",
        server.url("/hook")
    ));
    let mut d = Daemon::start(&env);
    let reps = || {
        server
            .hooks()
            .into_iter()
            .filter(|h| h["event"] == "republication")
            .collect::<Vec<_>>()
    };
    eventually(Duration::from_secs(10), "a republication event", || {
        !reps().is_empty()
    });
    // a few more periods: checked again, no new event
    eventually(Duration::from_secs(10), "more checks", || {
        server.hits("/b") >= 3
    });
    let hooks = reps();
    assert_eq!(hooks.len(), 1, "{hooks:#?}");
    // seen in the same pass: a tie, broken by the earlier published time
    assert_eq!(hooks[0]["original"]["url"], a.as_str());
    assert_eq!(hooks[0]["copy"]["url"], b.as_str());
    assert_eq!(hooks[0]["copy"]["outlet"], "localhost");

    let via_daemon = env.ok(&["matches", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&via_daemon).expect("json");
    assert_eq!(v[0]["first_publisher"]["url"], a.as_str());
    d.signal("-TERM");
    assert_eq!(d.wait(Duration::from_secs(10)).0, Some(0));
    assert_eq!(env.ok(&["matches", "--format", "json"]), via_daemon);
}
