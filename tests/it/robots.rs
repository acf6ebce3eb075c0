//! robots.txt end to end with the real binary against loopback servers:
//! a discovered article that robots.txt disallows is refused with its
//! reason (never fetched), an explicit watch follows `[fetch] robots`
//! (`discovered` by default: checked) and its per-watch override, the
//! host's `Crawl-delay` spaces the requests, a 404 robots.txt allows all
//! and an unreachable (503) one refuses discovered URLs for now.

use crate::common;

use common::{article_page, story, Env, Furniture, Reply, Server};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn page(title: &str) -> Reply {
    let mut body = story();
    body[0] = format!("{title}. {}", body[0]);
    Reply::html(article_page(title, &body, &Furniture::default()))
}

/// `page(title)`, noting when each request for it arrived.
fn timed_page(title: &str, times: &Arc<Mutex<Vec<Instant>>>) -> Reply {
    let reply = page(title);
    let times = Arc::clone(times);
    Reply::dynamic(move |_| {
        times.lock().expect("times").push(Instant::now());
        reply.clone()
    })
}

fn rss(links: &[String]) -> Reply {
    let items: String = links
        .iter()
        .map(|l| format!("<item><title>Story</title><link>{l}</link></item>\n"))
        .collect();
    Reply::status(
        200,
        "application/rss+xml",
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Daily</title>{items}</channel></rss>"),
    )
}

fn robots(txt: &str) -> Reply {
    Reply::status(200, "text/plain", txt.to_string())
}

fn by_url<'a>(list: &'a Value, url: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|w| w["url"] == url))
        .unwrap_or_else(|| panic!("{url} not watched: {list:#}"))
}

#[test]
fn disallowed_discovered_urls_are_refused_explicit_ones_checked_and_crawl_delay_spaces_requests() {
    let server = Server::start();
    let times = Arc::new(Mutex::new(Vec::new()));
    server.set(
        "/robots.txt",
        robots("User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\nCrawl-delay: 1\n"),
    );
    server.set("/news/a1", timed_page("Council approves budget", &times));
    server.set("/news/a2", timed_page("Storm hits the coast", &times));
    server.set("/private/p1", page("Members only story"));
    server.set("/private/mine", page("A story somebody asked for"));
    server.set(
        "/feed.xml",
        rss(&[
            server.url("/news/a1"),
            server.url("/news/a2"),
            server.url("/private/p1"),
        ]),
    );
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"0 0 1 1 *\"\n\n[[feed]]\nurl = \"{}\"\n\n[[watch]]\nurl = \"{}\"\n",
        server.url("/feed.xml"),
        server.url("/private/mine"),
    ));
    let s = env.json(&["check"]);
    assert_eq!(s["discovered"], 3, "{s}");

    let list = env.json(&["watch", "list"]);
    let refused = by_url(&list, &server.url("/private/p1"));
    assert_eq!(refused["last_check"]["outcome"], "failed", "{refused}");
    assert_eq!(
        refused["last_check"]["failure"], "robots_disallowed",
        "{refused}"
    );
    let why = refused["last_check"]["reason"].as_str().unwrap_or("");
    assert!(why.contains("robots.txt disallows"), "{why}");
    assert_eq!(
        server.hits("/private/p1"),
        0,
        "a disallowed URL is never fetched"
    );

    // an explicit watch: robots.txt does not bind it by default
    let mine = by_url(&list, &server.url("/private/mine"));
    assert_eq!(mine["latest_version"], 1, "{mine}");
    for p in ["/news/a1", "/news/a2"] {
        assert_eq!(by_url(&list, &server.url(p))["latest_version"], 1);
    }
    assert_eq!(server.hits("/robots.txt"), 1, "one robots.txt read, cached");

    // Crawl-delay: 1 spaces every request to the host once it is known
    let mut t = times.lock().expect("times").clone();
    t.sort();
    assert!(t.len() >= 2, "{t:?}");
    for pair in t.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(950), "requests {gap:?} apart");
    }
}

#[test]
fn the_policy_binds_explicit_watches_overrides_win_and_missing_or_unreachable_robots_differ() {
    let server = Server::start();
    server.set(
        "/robots.txt",
        robots("User-agent: copydesk\nDisallow: /private/\n"),
    );
    server.set("/private/x", page("One story"));
    server.set("/private/y", page("Another story"));
    let missing = Server::start(); // no robots.txt: 404
    missing.set("/news/m", page("Harbour reopens"));
    missing.set("/feed.xml", rss(&[missing.url("/news/m")]));
    let down = Server::start();
    down.set("/robots.txt", Reply::status(503, "text/plain", "busy"));
    down.set("/news/d", page("Mayor resigns"));
    down.set("/feed.xml", rss(&[down.url("/news/d")]));
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"0 0 1 1 *\"\n\n\
         [[feed]]\nurl = \"{}\"\n\n[[feed]]\nurl = \"{}\"\n\n\
         [[watch]]\nurl = \"{}\"\n\n[[watch]]\nurl = \"{}\"\nrobots = false\n",
        missing.url("/feed.xml"),
        down.url("/feed.xml"),
        server.url("/private/x"),
        server.url("/private/y"),
    ));
    // `[fetch] robots = "all"`: the common config has a [fetch] table
    let text = std::fs::read_to_string(&env.config).expect("config");
    std::fs::write(
        &env.config,
        text.replacen("[fetch]\n", "[fetch]\nrobots = \"all\"\n", 1),
    )
    .expect("config");

    env.json(&["check"]);
    let list = env.json(&["watch", "list"]);
    let x = by_url(&list, &server.url("/private/x"));
    assert_eq!(x["last_check"]["failure"], "robots_disallowed", "{x}");
    assert_eq!(server.hits("/private/x"), 0);
    let y = by_url(&list, &server.url("/private/y"));
    assert_eq!(y["latest_version"], 1, "robots = false on the watch: {y}");

    let m = by_url(&list, &missing.url("/news/m"));
    assert_eq!(m["latest_version"], 1, "a 404 robots.txt allows all: {m}");
    let d = by_url(&list, &down.url("/news/d"));
    assert_eq!(d["last_check"]["failure"], "robots_disallowed", "{d}");
    let why = d["last_check"]["reason"].as_str().unwrap_or("");
    assert!(why.contains("could not be read"), "{why}");
    assert_eq!(down.hits("/news/d"), 0);
}
