//! The daemon (in this process, on a clock the test moves) through a whole
//! host failing with 503 for a while, then a takedown of one story and its
//! return: the outage is never a removal, the takedown is one `removed`
//! after `[check] removed_after` checks, the return one `restored`.

use crate::common;
#[allow(dead_code)]
use crate::inproc;

use common::{article_page, story, Env, Furniture, Reply, Server};
use copydesk::clock::ManualClock;
use inproc::InProc;
use std::time::Duration;

fn page(title: &str, body: &[String]) -> Reply {
    Reply::html(article_page(title, body, &Furniture::default()))
}

/// Move the clock to when both watches are due and wait for both checks.
async fn round(d: &InProc, urls: &[&str], checks: &mut f64) {
    let mut due = None;
    for u in urls {
        let (w, _) = d.watch(u).await;
        let next = w.next_due.expect("scheduled");
        due = Some(due.map_or(next, |d: chrono::DateTime<chrono::Utc>| d.max(next)));
    }
    d.set_clock(due.expect("a due time")).await;
    *checks += urls.len() as f64;
    d.until_checks(*checks).await;
}

fn kinds(server: &Server) -> Vec<String> {
    server
        .post_json("/hook")
        .iter()
        .filter_map(|h| h["event"].as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn a_host_outage_is_not_a_removal_and_a_takedown_is_one() {
    let server = Server::start();
    server.set("/a", page("Council approves budget", &story()));
    server.set("/b", page("Council approves budget", &story()));
    let (a, b) = (server.url("/a"), server.url("/b"));
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"*/2 * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         [[alert.webhook]]\nurl = \"{}\"\n\n[[watch]]\nurl = \"{a}\"\n\n[[watch]]\nurl = \"{b}\"\n\n\
         [check]\nconfirm_delay = \"50ms\"\n",
        server.url("/hook")
    ));
    let clock = ManualClock::new(inproc::start_time());
    let d = InProc::start_clocked(&env, &clock, Duration::from_secs(15)).await;
    let mut checks = 2.0;
    d.until_checks(checks).await;
    let urls = [a.as_str(), b.as_str()];

    // the whole host answers 503 for four rounds of checks
    for p in ["/a", "/b"] {
        server.set(p, Reply::status(503, "text/html", "<h1>Maintenance</h1>"));
    }
    for _ in 0..4 {
        round(&d, &urls, &mut checks).await;
    }
    for u in urls {
        let (w, c) = d.watch(u).await;
        assert!(w.gone.is_none(), "{w:?}");
        assert_eq!(c[0].http_status, Some(503));
    }

    // back, then /a taken down (404) while /b stays
    server.set("/b", page("Council approves budget", &story()));
    server.set("/a", Reply::status(404, "text/html", "<h1>Not found</h1>"));
    round(&d, &urls, &mut checks).await;
    assert!(d
        .watch(&a)
        .await
        .0
        .gone
        .is_some_and(|g| !g.removed && g.checks == 1));
    round(&d, &urls, &mut checks).await;
    inproc::until("the removal webhook", || {
        !server.post_json("/hook").is_empty()
    })
    .await;
    round(&d, &urls, &mut checks).await;
    assert_eq!(kinds(&server), ["removed"]);
    let removed = &server.post_json("/hook")[0];
    assert_eq!(removed["article"]["url"], a.as_str());
    assert_eq!(removed["answer"]["status"], 404);
    assert_eq!(removed["checks"], 2);
    assert!(d.watch(&a).await.0.is_removed());

    // back: one `restored`, no edit (same text)
    server.set("/a", page("Council approves budget", &story()));
    round(&d, &urls, &mut checks).await;
    inproc::until("the restored webhook", || {
        server.post_json("/hook").len() == 2
    })
    .await;
    round(&d, &urls, &mut checks).await;
    assert_eq!(kinds(&server), ["removed", "restored"]);
    assert!(d.watch(&a).await.0.gone.is_none());
    let (r, _) = d.stop().await;
    r.expect("a clean stop");
}
