//! One article, one watch, through the real binary: URL variants
//! (tracking parameters, case, default port, fragment, trailing slash,
//! scheme) are one watch; AMP, mobile and print addresses whose pages
//! declare the canonical URL merge into its watch; a syndication partner
//! declaring another outlet's URL is a republication with
//! `declared_original`; a store made by the release before this is
//! upgraded once, its duplicate watches merged.

use crate::common;
use common::daemon::{eventually, Daemon};
use common::*;
use serde_json::Value;
use std::time::Duration;

/// The article page with `<link rel=canonical>` (or `og:url`) in its head.
fn page_declaring(title: &str, body: &[String], canonical: Option<&str>, og: bool) -> Reply {
    let html = article_page(title, body, &Furniture::default());
    let tag = match (canonical, og) {
        (Some(c), false) => format!("<link rel=\"canonical\" href=\"{c}\">"),
        (Some(c), true) => format!("<meta property=\"og:url\" content=\"{c}\">"),
        (None, _) => String::new(),
    };
    Reply::html(html.replacen("<head>", &format!("<head>{tag}"), 1))
}

fn watches(env: &Env) -> Vec<Value> {
    env.json(&["watch", "list"])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn variants_of_one_address_are_one_watch() {
    let a = Server::start();
    a.set(
        "/news/story",
        page_declaring("Budget passes", &story(), None, false),
    );
    let env = Env::new("");
    let port = a.addr.port();
    let given = format!("http://127.0.0.1:{port}/news/story?utm_source=rss&utm_medium=feed");
    let out = env.ok(&["watch", "add", &given]);
    let canonical = a.url("/news/story");
    assert!(out.contains(&format!("watching {canonical} ")), "{out}");
    for variant in [
        format!("HTTP://127.0.0.1:{port}/news/story/#comments"),
        format!("http://127.0.0.1:{port}/news/%73tory?fbclid=abc&gclid=1"),
        format!("https://127.0.0.1:{port}/news/story"),
    ] {
        env.ok(&["watch", "add", &variant]);
    }
    let list = watches(&env);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["url"], canonical.as_str());
    assert_eq!(list[0]["given_url"], given.as_str());
    // the other scheme is told it is watched already
    let out = env.ok(&[
        "watch",
        "add",
        &format!("https://127.0.0.1:{port}/news/story/"),
    ]);
    assert!(
        out.contains(&format!("already watched as {canonical}")),
        "{out}"
    );

    let out = env.ok(&["check"]);
    assert!(out.contains("1 new version"), "{out}");
    // fetched at the canonical address only
    assert!(a.hits("/news/story") >= 1);
    assert_eq!(
        a.hits("/news/story?utm_source=rss&utm_medium=feed"),
        0,
        "tracking parameters are not fetched"
    );
    for lookup in [
        given.clone(),
        format!("HTTP://127.0.0.1:{port}/news/story/?utm_campaign=x#top"),
        format!("https://127.0.0.1:{port}/news/story"),
    ] {
        let h = env.json(&["history", &lookup]);
        assert_eq!(
            h["versions"]
                .as_array()
                .map(Vec::len)
                .or(h.as_array().map(Vec::len)),
            Some(1),
            "{lookup}: {h:#}"
        );
    }
    let out = env.run(&["history", &a.url("/news/other")]);
    assert!(!out.status.success());

    // [fetch] strip_params extends the default list
    let text = std::fs::read_to_string(&env.config).expect("config");
    let text = text.replacen("[fetch]\n", "[fetch]\nstrip_params = [\"share\"]\n", 1);
    std::fs::write(&env.config, text).expect("config");
    let out = env.ok(&["watch", "add", &format!("{canonical}?share=twitter")]);
    assert!(!out.contains("share"), "{out}");
    assert_eq!(watches(&env).len(), 1);
    // removing by a variant removes the one watch
    env.ok(&["watch", "remove", &format!("{canonical}?utm_source=x")]);
    assert!(watches(&env).is_empty());
}

#[test]
fn amp_mobile_and_print_addresses_merge_into_the_canonical_watch() {
    let a = Server::start(); // the outlet: 127.0.0.1:A and localhost (its "mobile host")
    let b = Server::start(); // a syndication partner
    let body = story();
    let canonical = a.url("/story");
    let mobile = format!("http://localhost:{}/m/story", a.addr.port());
    a.set(
        "/story",
        page_declaring("Council approves budget", &body, Some(&canonical), false),
    );
    a.set(
        "/amp/story",
        page_declaring("Council approves budget", &body, Some(&canonical), false),
    );
    a.set(
        "/m/story",
        page_declaring("Council approves budget", &body, Some(&canonical), true),
    );
    // a print version of another article, whose canonical URL nobody watches
    let other = vec![
        "Heavy rain flooded several streets in the old town on Monday evening, forcing the fire brigade to pump water out of dozens of basements.".to_string(),
        "Meteorologists said the storm dropped more rain in three hours than the region usually sees in a month.".to_string(),
        "Shop owners along the river promenade began cleaning up on Tuesday morning and estimated the damage at several thousand euros each.".to_string(),
        "The regional government promised emergency aid for affected households and businesses within the next two weeks.".to_string(),
    ];
    let other_canonical = a.url("/storm");
    a.set(
        "/print/storm",
        page_declaring(
            "Storm floods old town",
            &other,
            Some(&other_canonical),
            false,
        ),
    );
    a.set(
        "/storm",
        page_declaring(
            "Storm floods old town",
            &other,
            Some(&other_canonical),
            false,
        ),
    );
    b.set(
        "/wire/budget",
        page_declaring("City passes budget", &body, Some(&canonical), false),
    );

    let env = Env::new(&format!(
        "[[watch]]\nurl = \"{canonical}?utm_source=newsletter\"\n\n[[outlet]]\nname = \"herald\"\nhosts = [\"127.0.0.1:{}\", \"localhost\"]\n\n[[alert.webhook]]\nurl = \"{}\"\n",
        a.addr.port(),
        b.url("/hook")
    ));
    env.ok(&["check"]);
    let amp = a.url("/amp/story");
    let print = a.url("/print/storm");
    let partner = b.url("/wire/budget");
    for u in [&amp, &mobile, &print, &partner] {
        env.ok(&["watch", "add", u]);
    }
    env.ok(&["check", "--all"]);

    let list = watches(&env);
    let urls: Vec<&str> = list.iter().filter_map(|w| w["url"].as_str()).collect();
    assert_eq!(urls.len(), 3, "one watch per article: {list:#?}");
    let main = list
        .iter()
        .find(|w| w["url"] == canonical.as_str())
        .expect("the canonical watch");
    let mut aliases = strs(&main["aliases"]);
    aliases.sort();
    let mut want = vec![amp.clone(), mobile.clone()];
    want.sort();
    assert_eq!(aliases, want, "{main:#}");
    assert_eq!(
        main["latest_version"], 1,
        "one history, same text: {main:#}"
    );
    // the print version followed its canonical URL
    let storm = list
        .iter()
        .find(|w| w["url"] == other_canonical.as_str())
        .expect("the storm watch");
    assert_eq!(strs(&storm["aliases"]), vec![print.clone()]);
    // the partner declares another outlet's URL: recorded, not merged
    let wire = list
        .iter()
        .find(|w| w["url"] == partner.as_str())
        .expect("the partner watch");
    assert_eq!(wire["declared_canonical"], canonical.as_str());

    // no alias pairs: the outlet does not copy itself
    let clusters = env.json(&["matches"]);
    let pairs: Vec<Value> = clusters
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["pairs"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(pairs.iter().all(|p| p["relation"] != "alias"), "{pairs:#?}");
    let reps: Vec<Value> = b
        .hooks()
        .into_iter()
        .filter(|h| h["event"] == "republication")
        .collect();
    assert_eq!(reps.len(), 1, "{reps:#?}");
    assert_eq!(reps[0]["copy"]["url"], partner.as_str());
    assert_eq!(reps[0]["original"]["url"], canonical.as_str());
    assert_eq!(reps[0]["declared_original"], canonical.as_str());

    // adding an alias again: already watched, nothing added
    let out = env.ok(&["watch", "add", &amp]);
    assert!(
        out.contains(&format!("already watched as {canonical}")),
        "{out}"
    );
    assert_eq!(watches(&env).len(), 3);
    // lookups by an alias find the one history
    let text = env.ok(&["history", &mobile]);
    assert!(text.contains("Council approves budget"), "{text}");
    // the next pass fetches the canonical URLs, not the aliases
    let (amp_hits, print_hits) = (a.hits("/amp/story"), a.hits("/print/storm"));
    env.ok(&["check", "--all"]);
    assert_eq!(a.hits("/amp/story"), amp_hits);
    assert_eq!(a.hits("/print/storm"), print_hits);
    assert!(a.hits("/storm") > 0);
    assert_eq!(watches(&env).len(), 3);

    // export and import keep the aliases
    let export = env.dir.path().join("out.jsonl");
    env.ok(&["export", "--output", export.to_str().expect("utf-8 path")]);
    let env2 = Env::new("");
    env2.ok(&["import", export.to_str().expect("utf-8 path")]);
    let list2 = watches(&env2);
    let main2 = list2
        .iter()
        .find(|w| w["url"] == canonical.as_str())
        .expect("imported");
    let mut aliases2 = strs(&main2["aliases"]);
    aliases2.sort();
    assert_eq!(aliases2, want);
    let wire2 = list2
        .iter()
        .find(|w| w["url"] == partner.as_str())
        .expect("imported partner");
    assert_eq!(wire2["declared_canonical"], canonical.as_str());
}

/// An RSS 2.0 feed listing `links`.
fn rss(links: &[&str]) -> Reply {
    let items: String = links
        .iter()
        .enumerate()
        .map(|(i, l)| format!("<item><title>Story {i}</title><link>{l}</link><pubDate>Wed, 25 Nov 2026 09:0{i}:00 GMT</pubDate></item>\n"))
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Daily</title>\
         <link>http://example.invalid/</link><description>News</description>\n{items}</channel></rss>"
    );
    Reply::status(200, "application/rss+xml; charset=utf-8", xml)
}

/// `%`-escape a URL for a query string.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_feed_listing_every_variant_makes_one_watch_and_the_daemon_api_finds_it() {
    let s = Server::start();
    let canonical = s.url("/story");
    let amp = s.url("/amp/story");
    s.set(
        "/story",
        page_declaring("Council approves budget", &story(), Some(&canonical), false),
    );
    s.set(
        "/amp/story",
        page_declaring("Council approves budget", &story(), Some(&canonical), false),
    );
    s.set(
        "/feed.xml",
        rss(&[
            "/story?utm_source=rss&amp;utm_medium=feed",
            "/story#comments",
            &canonical,
            "/amp/story?utm_campaign=amp",
        ]),
    );
    let env = Env::new(&format!(
        "[[feed]]\nurl = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n",
        s.url("/feed.xml")
    ));
    env.ok(&["check"]);
    let list = watches(&env);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["url"], canonical.as_str());
    assert_eq!(strs(&list[0]["aliases"]), vec![amp.clone()]);
    assert_eq!(list[0]["source"], "feed");

    // the daemon's API finds it by any variant; adding an alias through it
    // adds nothing
    let d = Daemon::start(&env);
    for variant in [
        format!("{canonical}?utm_source=rss"),
        canonical.to_uppercase().replace("/STORY", "/story"),
        format!("{amp}#top"),
    ] {
        let (status, body) = d.get(&format!("/api/v1/watch?url={}", enc(&variant)));
        assert_eq!(status, 200, "{variant}: {body}");
        let w: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(w["url"], canonical.as_str(), "{variant}");
    }
    let (status, body) = d.get(&format!("/api/v1/versions?url={}", enc(&amp)));
    assert_eq!(status, 200, "{body}");
    let out = env.ok(&["watch", "add", &format!("{amp}?fbclid=1")]);
    assert!(
        out.contains(&format!("already watched as {canonical}")),
        "{out}"
    );
    eventually(
        Duration::from_secs(5),
        "the list through the daemon",
        || watches(&env).len() == 1,
    );
}

/// Copy the release-made store fixture (see tests/data/store-v3/README.md)
/// into `dir`.
fn unpack_v3_store(dir: &std::path::Path) {
    use std::io::Read;
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/store-v3");
    std::fs::create_dir_all(dir.join("blobs")).expect("mkdir");
    for e in std::fs::read_dir(&src).expect("fixture dir") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "db.gz" {
            let mut gz = flate2::read::GzDecoder::new(std::fs::File::open(e.path()).expect("open"));
            let mut bytes = Vec::new();
            gz.read_to_end(&mut bytes).expect("gunzip");
            std::fs::write(dir.join("db"), bytes).expect("write db");
        } else if name == "conf" || name.starts_with("snap.") || name == "copydesk-store-id" {
            std::fs::copy(e.path(), dir.join(&name)).expect("copy");
        }
    }
}

#[test]
fn a_store_made_before_canonical_urls_is_upgraded_and_its_duplicates_merged() {
    let env = Env::new("");
    unpack_v3_store(&env.dir.path().join("db"));
    let story = "http://127.0.0.1:47311/story";
    let tracked = "http://127.0.0.1:47311/story?utm_source=rss&utm_medium=feed";
    let other = "http://127.0.0.1:47311/other";
    let out = env.run_env(
        &["watch", "list", "--format", "json"],
        &[("RUST_LOG", "info")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("two watches of one article merged into one"),
        "{log}"
    );
    assert!(log.contains("store layout upgraded"), "{log}");
    let list: Value = serde_json::from_slice(&out.stdout).expect("json");
    let list = list.as_array().cloned().unwrap_or_default();
    let urls: Vec<&str> = list.iter().filter_map(|w| w["url"].as_str()).collect();
    assert_eq!(urls, vec![story, other], "{list:#?}");
    assert_eq!(strs(&list[0]["aliases"]), Vec::<String>::new());
    // every version of both, ordered by time; the last two had one text
    let h = env.json(&["history", tracked]);
    let versions = h["versions"]
        .as_array()
        .cloned()
        .or(h.as_array().cloned())
        .unwrap_or_default();
    let words: Vec<u64> = versions
        .iter()
        .filter_map(|v| v["words"].as_u64())
        .collect();
    assert_eq!(words.len(), 3, "{h:#}");
    assert!(
        words.windows(2).all(|w| w[0] < w[1]),
        "texts A, B, C in order: {words:?}"
    );
    let times: Vec<&str> = versions
        .iter()
        .filter_map(|v| v["fetched_at"].as_str())
        .collect();
    assert!(times.windows(2).all(|t| t[0] < t[1]), "{times:?}");
    let numbers: Vec<u64> = versions
        .iter()
        .filter_map(|v| v["number"].as_u64())
        .collect();
    assert_eq!(numbers, vec![1, 2, 3]);
    // the old alias pair went with the merged watch
    let clusters = env.json(&["matches"]);
    assert_eq!(clusters, serde_json::json!([]), "{clusters:#}");
    // diffs across the merged history work
    let d = env.ok(&["diff", story, "--from", "1", "--to", "3"]);
    assert!(d.contains("mayor"), "{d}");
    // opened again: nothing more to do
    let out = env.run_env(&["watch", "list"], &[("RUST_LOG", "info")]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("upgraded"));
    assert_eq!(watches(&env).len(), 2);
}

/// Under `copydesk run`: an AMP address added through the daemon follows
/// its page's canonical URL when the daemon checks it, a print address of
/// the same article added later is merged into that watch at its first
/// check, and no republication is reported between them.
#[test]
fn a_watch_added_by_its_amp_address_stores_the_canonical_pages_text() {
    // the AMP page is the same article, but its extracted text differs
    // from the article page's (a line only AMP pages carry, the last
    // paragraph cut): storing it as version 1 and checking the canonical
    // page next would report an edit nobody made
    let s = Server::start();
    let canonical = s.url("/story");
    let amp = s.url("/amp/story");
    let body = story();
    let mut amp_body = body[..body.len() - 1].to_vec();
    amp_body.push(
        "You are reading the fast mobile edition of this article; tap here for the full version with photos and comments.".into(),
    );
    s.set(
        "/story",
        page_declaring("Council approves budget", &body, Some(&canonical), false),
    );
    s.set(
        "/amp/story",
        page_declaring(
            "Council approves budget",
            &amp_body,
            Some(&canonical),
            false,
        ),
    );
    let env = Env::new(&format!(
        "[[alert.webhook]]\nurl = \"{}\"\n",
        s.url("/hook")
    ));
    env.ok(&["watch", "add", &amp]);
    env.ok(&["check", "--all"]);
    let list = watches(&env);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["url"], canonical.as_str(), "{list:#?}");
    assert_eq!(strs(&list[0]["aliases"]), vec![amp.clone()], "{list:#?}");
    assert!(
        s.hits("/story") >= 1,
        "the canonical page fetched in the same check"
    );
    // the confirmation fetch re-reads the canonical page, not the alias
    assert_eq!(s.hits("/amp/story"), 1);
    let export = env.ok(&["export"]);
    let last = body.last().map(String::as_str).unwrap_or_default();
    assert!(
        export.contains(last),
        "version 1 is the canonical page's text"
    );
    assert!(
        !export.contains("fast mobile edition"),
        "the AMP-only line is not stored"
    );

    // the next checks fetch the canonical page: nothing changed
    env.ok(&["check", "--all"]);
    env.ok(&["check", "--all"]);
    assert_eq!(s.hits("/amp/story"), 1, "the alias is not fetched again");
    let list = watches(&env);
    assert_eq!(list[0]["latest_version"], 1, "a false edit: {list:#?}");
    let edits = s
        .hooks()
        .into_iter()
        .filter(|e| e["event"] == "edit")
        .count();
    assert_eq!(edits, 0, "an edit alert for an article nobody edited");

    // the canonical page unreachable: the AMP watch keeps its address
    // and its own text until the canonical page can be read
    let other = s.url("/amp/other");
    let gone = s.url("/other");
    s.set(
        "/amp/other",
        page_declaring("Council approves budget", &amp_body, Some(&gone), false),
    );
    env.ok(&["watch", "add", &other]);
    env.ok(&["check", "--all"]);
    let list = watches(&env);
    assert!(
        list.iter().any(|w| w["url"] == other.as_str()),
        "a watch whose canonical page is missing keeps its URL: {list:#?}"
    );
}

#[test]
fn the_daemon_follows_and_merges_addresses_of_one_article() {
    let s = Server::start();
    let canonical = s.url("/story");
    let amp = s.url("/amp/story");
    let print = s.url("/print/story");
    for path in ["/story", "/amp/story", "/print/story"] {
        s.set(
            path,
            page_declaring("Council approves budget", &story(), Some(&canonical), false),
        );
    }
    let env = Env::new(&format!(
        "[web]\nlisten = \"127.0.0.1:0\"\n\n[[alert.webhook]]\nurl = \"{}\"\n",
        s.url("/hook")
    ));
    let d = Daemon::start(&env);
    // through the daemon's API (the CLI finds the running daemon)
    env.ok(&["watch", "add", &amp]);
    eventually(
        Duration::from_secs(20),
        "the AMP watch follows its canonical URL",
        || {
            let list = watches(&env);
            list.len() == 1 && list[0]["url"] == canonical.as_str()
        },
    );
    let list = watches(&env);
    assert_eq!(strs(&list[0]["aliases"]), vec![amp.clone()], "{list:#?}");

    // the AMP address, now an alias, is the same watch; so is the
    // canonical one (adding it again only updates the watch)
    let out = env.ok(&["watch", "add", &format!("{amp}?utm_source=x")]);
    assert!(out.contains("already watched as"), "{out}");
    env.ok(&["watch", "add", &canonical]);
    assert_eq!(watches(&env).len(), 1);

    // the print address is a second watch until its first check merges it
    env.ok(&["watch", "add", &print]);
    eventually(Duration::from_secs(20), "the print watch merged", || {
        let list = watches(&env);
        list.len() == 1 && strs(&list[0]["aliases"]).len() == 2
    });
    let list = watches(&env);
    let mut aliases = strs(&list[0]["aliases"]);
    aliases.sort();
    let mut want = vec![amp.clone(), print.clone()];
    want.sort();
    assert_eq!(aliases, want, "{list:#?}");
    // one history, found by any of the three addresses
    for url in [&canonical, &amp, &print] {
        let h = env.json(&["history", url]);
        assert_eq!(h.as_array().map(Vec::len), Some(1), "{url}: {h}");
    }
    drop(d);
    let republications = s
        .hooks()
        .into_iter()
        .filter(|e| e["event"] == "republication")
        .count();
    assert_eq!(republications, 0, "an outlet reported as copying itself");
}
