//! Feed discovery end to end with the real binary against loopback servers:
//! `copydesk check` polls `[[feed]]`s and checks what they list; broken,
//! missing and not-a-feed feeds are recorded with a reason and stop nothing;
//! an entry on another loopback host:port is refused as private, and so is a
//! discovered article that later redirects to one; the daemon
//! discovers an entry added while it runs, and a feed added by SIGHUP.

use crate::common;

use common::daemon::{eventually, Daemon};
use common::{article_page, story, Env, Furniture, Reply, Server};
use serde_json::Value;
use std::time::Duration;

/// Every second (6-field crontab, seconds first).
const EVERY_SECOND: &str = "* * * * * *";

fn page(title: &str) -> Reply {
    let mut body = story();
    body[0] = format!("{title}. {}", body[0]);
    Reply::html(article_page(title, &body, &Furniture::default()))
}

/// An RSS 2.0 feed listing `links` (relative or absolute).
fn rss(links: &[&str]) -> Reply {
    let items: String = links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "<item><title>Story {i}</title><link>{l}</link><pubDate>Wed, 25 Nov 2026 09:0{i}:00 GMT</pubDate></item>\n"
            )
        })
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Daily</title>\
         <link>http://example.invalid/</link><description>News</description>\n{items}</channel></rss>"
    );
    Reply::status(200, "application/rss+xml; charset=utf-8", xml)
}

fn by_url<'a>(list: &'a Value, url: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|w| w["url"] == url)
}

#[test]
fn check_discovers_articles_refuses_private_entries_and_records_broken_feeds() {
    let server = Server::start();
    let other = Server::start(); // another host:port on loopback
    server.set("/a1", page("Council approves budget"));
    server.set("/a2", page("Storm hits the coast"));
    server.set("/a3", page("Bridge opens downtown"));
    server.set("/w", page("A watched story"));
    other.set("/inside", page("Something on the internal network"));
    let inside = other.url("/inside");
    server.set("/feed.xml", rss(&["/a1", &server.url("/a2"), &inside]));
    server.set(
        "/broken.xml",
        Reply::status(
            200,
            "application/rss+xml",
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><link>/a1</link></itm></channel></rss>",
        ),
    );
    server.set("/page.html", page("Front page"));
    // /missing.xml is not set: 404
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"0 0 1 1 *\"\n\n\
         [[feed]]\nurl = \"{}\"\nlabel = \"Daily\"\nschedule = \"{EVERY_SECOND}\"\n\n\
         [[feed]]\nurl = \"{}\"\n\n[[feed]]\nurl = \"{}\"\n\n[[feed]]\nurl = \"{}\"\n\n\
         [[watch]]\nurl = \"{}\"\n",
        server.url("/feed.xml"),
        server.url("/broken.xml"),
        server.url("/missing.xml"),
        server.url("/page.html"),
        server.url("/w"),
    ));

    let s = env.json(&["check"]);
    assert_eq!(s["feeds_polled"], 4, "{s}");
    assert_eq!(s["feeds_failed"], 3, "{s}");
    assert_eq!(s["discovered"], 2, "{s}");
    assert_eq!(
        s["checked"], 3,
        "the watch and both discovered articles: {s}"
    );
    assert_eq!(s["new_versions"], 3, "{s}");
    assert_eq!(other.hits("/inside"), 0, "a refused entry is never fetched");

    let list = env.json(&["watch", "list"]);
    for p in ["/a1", "/a2"] {
        let w = by_url(&list, &server.url(p)).unwrap_or_else(|| panic!("{p} watched: {list}"));
        assert_eq!(w["source"], "feed");
        assert_eq!(w["schedule"], "adaptive");
        assert_eq!(w["label"], "Daily");
        assert_eq!(w["latest_version"], 1, "first version stored: {w}");
        assert_eq!(w["active"], true);
    }
    assert!(by_url(&list, &inside).is_none(), "private entry refused");
    assert_eq!(
        by_url(&list, &server.url("/w")).unwrap()["source"],
        "config"
    );
    let text = env.ok(&["watch", "list"]);
    assert!(text.contains("(from a feed)"), "{text}");

    let feeds = env.json(&["feeds"]);
    let f = by_url(&feeds, &server.url("/feed.xml")).expect("feed listed");
    assert_eq!(f["last_poll"]["outcome"], "ok", "{f}");
    assert_eq!(f["last_poll"]["entries"], 3);
    assert_eq!(f["last_poll"]["added"], 2);
    assert_eq!(f["last_poll"]["rejected"], 1);
    assert_eq!(f["entries_added"], 2);
    assert_eq!(f["entries_rejected"], 1);
    assert!(f["next_due"].is_string());
    let reason = |path: &str| {
        let f = by_url(&feeds, &server.url(path)).unwrap_or_else(|| panic!("{path} listed"));
        assert_eq!(f["last_poll"]["outcome"], "failed", "{f}");
        assert_eq!(f["consecutive_failures"], 1, "{f}");
        (
            f["last_poll"]["failure"].as_str().unwrap_or("").to_string(),
            f["last_poll"]["reason"].as_str().unwrap_or("").to_string(),
        )
    };
    let (kind, why) = reason("/broken.xml");
    assert_eq!(kind, "bad_feed");
    assert!(why.contains("not a readable feed"), "{why}");
    let (kind, why) = reason("/missing.xml");
    assert_eq!(kind, "http_status");
    assert!(why.contains("404"), "{why}");
    let (kind, why) = reason("/page.html");
    assert_eq!(kind, "not_feed");
    assert!(
        why.contains("text/html") && why.contains("not a feed"),
        "{why}"
    );
    let text = env.ok(&["feeds"]);
    assert!(text.contains("failed: not a readable feed"), "{text}");

    // The user takes /a1 over by hand; the feed gains /a3.
    env.ok(&[
        "watch",
        "add",
        &server.url("/a1"),
        "--label",
        "Mine",
        "--schedule",
        "adaptive",
    ]);
    server.set(
        "/feed.xml",
        rss(&["/a3", "/a1", "/a2", &inside]).with_etag("v2"),
    );
    std::thread::sleep(Duration::from_millis(1_300)); // the feed polls every second
    let s = env.json(&["check"]);
    assert_eq!(s["discovered"], 1, "only the new entry: {s}");
    assert_eq!(s["checked"], 1, "only /a3 is due: {s}");
    let list = env.json(&["watch", "list"]);
    let a3 = by_url(&list, &server.url("/a3")).expect("/a3 added");
    assert_eq!(a3["source"], "feed");
    assert_eq!(a3["latest_version"], 1);
    let a1 = by_url(&list, &server.url("/a1")).unwrap();
    assert_eq!(a1["source"], "cli", "an existing watch is left as it is");
    assert_eq!(a1["label"], "Mine");
    assert_eq!(list.as_array().unwrap().len(), 4);
    let feeds = env.json(&["feeds"]);
    let f = by_url(&feeds, &server.url("/feed.xml")).unwrap();
    assert_eq!(f["entries_added"], 3);
    assert_eq!(f["entries_rejected"], 2);
    assert_eq!(other.hits("/inside"), 0);

    // Unchanged since its ETag: 304, nothing parsed, nothing added.
    std::thread::sleep(Duration::from_millis(1_300));
    let s = env.json(&["check"]);
    assert_eq!(s["feeds_polled"], 1, "{s}");
    assert_eq!(s["discovered"], 0, "{s}");
    let feeds = env.json(&["feeds"]);
    let f = by_url(&feeds, &server.url("/feed.xml")).unwrap();
    assert_eq!(f["last_poll"]["outcome"], "not_modified", "{f}");
    assert_eq!(f["entries_seen"], 4);
    let sent = server.requests("/feed.xml");
    let last = sent.last().expect("requests recorded");
    assert_eq!(
        last.get("if-none-match").map(String::as_str),
        Some("\"v2\"")
    );
    let accept = last.get("accept").cloned().unwrap_or_default();
    assert!(accept.starts_with("application/rss+xml"), "{accept}");
}

#[test]
fn a_discovered_article_that_later_redirects_to_a_private_address_is_refused() {
    let server = Server::start(); // the feed's own host:port: exempt
    let other = Server::start(); // another host:port on loopback
    server.set("/story", page("Council approves budget"));
    server.set("/mine", Reply::Redirect(other.url("/moved")));
    server.set("/feed.xml", rss(&["/story"]));
    other.set("/secret", page("SECRET-MARKER internal admin page"));
    other.set("/moved", page("Storm hits the coast"));
    let env = Env::new(&format!(
        "[[feed]]\nurl = \"{}\"\nlabel = \"Daily\"\n",
        server.url("/feed.xml")
    ));

    let s = env.json(&["check"]);
    assert_eq!(s["discovered"], 1, "{s}");
    assert_eq!(s["new_versions"], 1, "{s}");
    let story = server.url("/story");
    let list = env.json(&["watch", "list"]);
    assert_eq!(by_url(&list, &story).unwrap()["latest_version"], 1);

    // The article now sends its readers into the internal network; a watch
    // the user added by hand redirects there too.
    server.set("/story", Reply::Redirect(other.url("/secret")));
    env.ok(&["watch", "add", &server.url("/mine")]);
    let s = env.json(&["check", "--all"]);
    assert_eq!(s["checked"], 2, "{s}");
    assert_eq!(s["failed"], 1, "{s}");
    assert_eq!(s["new_versions"], 1, "only the hand-added watch: {s}");
    assert_eq!(
        other.hits("/secret"),
        0,
        "the private address got no request"
    );
    assert_eq!(
        other.hits("/moved"),
        2,
        "a CLI watch's redirect is followed (its first version confirmed by a second fetch)"
    );

    let list = env.json(&["watch", "list"]);
    let w = by_url(&list, &story).unwrap();
    assert_eq!(w["source"], "feed");
    assert_eq!(w["latest_version"], 1, "no new version: {w}");
    assert_eq!(w["consecutive_failures"], 1, "{w}");
    assert_eq!(w["last_check"]["outcome"], "failed", "{w}");
    assert_eq!(w["last_check"]["failure"], "private_address", "{w}");
    let why = w["last_check"]["reason"].as_str().unwrap_or("");
    assert!(
        why.contains(&other.url("/secret")) && why.contains("127.0.0.1 is a loopback address"),
        "{why}"
    );
    let mine = by_url(&list, &server.url("/mine")).unwrap();
    assert_eq!(mine["source"], "cli");
    assert_eq!(mine["latest_version"], 1, "{mine}");
    let history = env.ok(&["history", &story]);
    assert!(!history.contains("SECRET-MARKER"), "{history}");
}

#[test]
fn daemon_discovers_entries_while_running_and_feeds_added_by_reload() {
    let server = Server::start();
    server.set("/a1", page("Council approves budget"));
    server.set("/a2", page("Storm hits the coast"));
    server.set("/b1", page("Bridge opens downtown"));
    server.set("/feed.xml", rss(&["/a1"]));
    server.set("/other.atom", {
        let atom = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
             <title>Other</title><id>urn:x</id><updated>2026-11-25T10:00:00Z</updated>\
             <entry><title>B1</title><id>urn:b1</id><link rel=\"alternate\" href=\"{}\"/>\
             <updated>2026-11-25T10:00:00Z</updated></entry></feed>",
            server.url("/b1")
        );
        Reply::status(200, "application/atom+xml", atom)
    });
    let base = format!(
        "[web]\nlisten = \"127.0.0.1:0\"\n\n[[feed]]\nurl = \"{}\"\nschedule = \"{EVERY_SECOND}\"\n",
        server.url("/feed.xml")
    );
    let env = Env::new(&base);
    let mut d = Daemon::start(&env);

    // (the daemon writes its API address just after it starts listening:
    // a listing may find the store locked for a moment)
    let version_of = |url: &str| {
        let out = env.run(&["watch", "list", "--format", "json"]);
        let list: Value = serde_json::from_slice(&out.stdout).ok()?;
        by_url(&list, url).map(|w| w["latest_version"].as_u64().unwrap_or(0))
    };
    eventually(
        Duration::from_secs(20),
        "/a1 discovered and checked",
        || version_of(&server.url("/a1")) == Some(1),
    );
    server.set("/feed.xml", rss(&["/a2", "/a1"]));
    eventually(
        Duration::from_secs(20),
        "/a2 discovered and checked without a restart",
        || version_of(&server.url("/a2")) == Some(1),
    );
    let feeds = env.json(&["feeds"]); // through the daemon's API
    let f = by_url(&feeds, &server.url("/feed.xml")).expect("feed listed");
    assert_eq!(f["entries_added"], 2, "{f}");
    let (_, metrics) = d.get("/metrics");
    assert!(
        metrics.contains("copydesk_articles_discovered_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("copydesk_feed_polls_total{outcome=\"ok\"}")
            && !metrics.contains("copydesk_feed_polls_total{outcome=\"ok\"} 0\n"),
        "{metrics}"
    );

    // SIGHUP picks up a new feed.
    env.write_config(&format!(
        "{base}\n[[feed]]\nurl = \"{}\"\nlabel = \"Other\"\n",
        server.url("/other.atom")
    ));
    d.signal("-HUP");
    eventually(
        Duration::from_secs(20),
        "/b1 from the feed added by reload",
        || version_of(&server.url("/b1")) == Some(1),
    );
    let list = env.json(&["watch", "list"]);
    assert_eq!(by_url(&list, &server.url("/b1")).unwrap()["label"], "Other");

    // ... and forgets a removed one; the watches it found stay.
    env.write_config(&base);
    d.signal("-HUP");
    eventually(
        Duration::from_secs(20),
        "the removed feed forgotten",
        || env.json(&["feeds"]).as_array().map(Vec::len) == Some(1),
    );
    let list = env.json(&["watch", "list"]);
    assert_eq!(by_url(&list, &server.url("/b1")).unwrap()["active"], true);
    assert!(d.alive(), "the daemon keeps running");
    d.signal("-TERM");
    let (code, _) = d.wait(Duration::from_secs(20));
    assert_eq!(code, Some(0));
}

/// A watch found in a feed by the daemon is added at the daemon's clock,
/// not the system's time: its age (and so its adaptive cadence and its
/// retirement) runs on the same clock as its checks.
#[tokio::test]
async fn a_discovered_watch_is_added_at_the_daemons_clock() {
    use copydesk::clock::ManualClock;
    let server = Server::start();
    server.set("/a1", page("Council approves budget"));
    server.set("/feed.xml", rss(&["/a1"]));
    let env = Env::new(&format!(
        "[[feed]]\nurl = \"{}\"\nschedule = \"*/30 * * * *\"\n",
        server.url("/feed.xml")
    ));
    // a month before the real time
    let t0 = crate::inproc::start_time() - chrono::Duration::days(30);
    let clock = ManualClock::new(t0);
    let d = crate::inproc::InProc::start_clocked(&env, &clock, Duration::from_secs(5)).await;
    let url = server.url("/a1");
    let t = std::time::Instant::now();
    let watch = loop {
        let (store, u) = (d.store.clone(), url.clone());
        let found = tokio::task::spawn_blocking(move || store.watch(&u).ok())
            .await
            .unwrap();
        if let Some(w) = found {
            break w;
        }
        assert!(
            t.elapsed() < crate::inproc::PATIENCE,
            "/a1 never discovered"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(watch.added_at, t0);
    let (r, _) = d.stop().await;
    r.expect("a clean stop");
}
