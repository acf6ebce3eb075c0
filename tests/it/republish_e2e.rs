//! Republication detection end to end: the real binary, three outlets on
//! loopback (127.0.0.1:P1, 127.0.0.1:P2 and localhost:P1 are three outlets:
//! an IP host keeps its port), a webhook receiver, a real store.

use crate::common;
use common::*;
use copydesk::store::Store;
use serde_json::Value;

fn other_story() -> Vec<String> {
    [
        "Heavy rain flooded several streets in the old town on Monday evening, forcing the fire brigade to pump water out of dozens of basements.",
        "Meteorologists said the storm dropped more rain in three hours than the region usually sees in a month.",
        "Shop owners along the river promenade began cleaning up on Tuesday morning and estimated the damage at several thousand euros each.",
        "The regional government promised emergency aid for affected households and businesses within the next two weeks.",
        "Schools in the lower districts will stay closed until the cellars have been inspected by structural engineers.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn unrelated_story() -> Vec<String> {
    [
        "The national football team announced its squad for the spring qualifiers, including three uncapped players from the second division.",
        "The coach told reporters that the young players had earned their places with consistent performances throughout the autumn.",
        "Two veterans were left out after long injury spells, a decision the coach called difficult but necessary for the team's future.",
        "The first qualifier will be played at home in March against a side the team has not beaten in a decade.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn page(title: &str, body: &[String]) -> Reply {
    Reply::html(article_page(title, body, &Furniture::default()))
}

fn republications(server: &Server) -> Vec<Value> {
    server
        .hooks()
        .into_iter()
        .filter(|h| h["event"] == "republication")
        .collect()
}

#[test]
fn copies_alert_once_naming_the_original_and_aliases_do_not() {
    let a = Server::start();
    let b = Server::start();
    let original = story();
    a.set("/story", page("Council approves budget", &original));
    a.set("/story-amp", page("Council approves budget", &original));
    b.set("/copy", page("City passes transport budget", &original));
    let mut edited = original.clone();
    edited[0] = format!("MILTON (Agency) — {}", edited[0]);
    edited[2] = edited[2].replace("safer", "much safer");
    edited.remove(5);
    let localhost = |p: &str| format!("http://localhost:{}{p}", a.addr.port());
    a.set("/edited", page("Budget vote: council says yes", &edited));
    let mut partial = other_story();
    partial.splice(2..2, original[1..4].iter().cloned());
    b.set("/partial", page("Storm floods old town", &partial));
    a.set(
        "/unrelated",
        page("Squad named for qualifiers", &unrelated_story()),
    );

    let orig_url = a.url("/story");
    let env = Env::new(&format!(
        "[[watch]]\nurl = \"{orig_url}\"\n\n[[alert.webhook]]\nurl = \"{}\"\n",
        a.url("/hook")
    ));
    // the original is seen first
    env.ok(&["check"]);
    assert!(republications(&a).is_empty());
    let copy_url = b.url("/copy");
    let edited_url = localhost("/edited");
    let partial_url = b.url("/partial");
    let amp_url = a.url("/story-amp");
    let unrelated_url = localhost("/unrelated");
    for u in [
        &amp_url,
        &copy_url,
        &edited_url,
        &partial_url,
        &unrelated_url,
    ] {
        env.ok(&["watch", "add", u]);
    }
    let out = env.ok(&["check", "--all"]);
    assert!(out.contains("5 new versions"), "{out}");

    let hooks = republications(&a);
    assert_eq!(hooks.len(), 3, "{hooks:#?}");
    let mut copies: Vec<&str> = hooks
        .iter()
        .filter_map(|h| h["copy"]["url"].as_str())
        .collect();
    copies.sort();
    let mut want = vec![copy_url.as_str(), edited_url.as_str(), partial_url.as_str()];
    want.sort();
    assert_eq!(copies, want);
    for h in &hooks {
        assert_eq!(h["original"]["url"], orig_url.as_str(), "{h:#}");
        assert_eq!(
            h["original"]["outlet"],
            format!("127.0.0.1:{}", a.addr.port())
        );
        assert_eq!(h["original"]["title"], "Council approves budget");
        for k in ["url", "outlet", "title", "first_seen"] {
            assert!(
                h["original"][k].is_string() && h["copy"][k].is_string(),
                "{k}: {h:#}"
            );
        }
        assert!(h["id"]
            .as_str()
            .is_some_and(|i| i.starts_with("republication-")));
        assert!(h["detected_at"].is_string());
        for k in ["similarity", "containment"] {
            let x = h[k].as_f64().unwrap_or(-1.0);
            assert!((0.0..=1.0).contains(&x), "{k}: {h:#}");
        }
        assert!(h["shared_paragraphs"].as_u64().is_some());
    }
    let by_copy = |u: &str| {
        hooks
            .iter()
            .find(|h| h["copy"]["url"] == u)
            .cloned()
            .unwrap_or_default()
    };
    let verbatim = by_copy(&copy_url);
    assert_eq!(verbatim["similarity"], 1.0);
    assert_eq!(verbatim["containment"], 1.0);
    assert_eq!(verbatim["shared_paragraphs"], 6);
    assert_eq!(verbatim["class"], "copy");
    assert_eq!(
        verbatim["copy"]["outlet"],
        format!("127.0.0.1:{}", b.addr.port())
    );
    assert_eq!(by_copy(&edited_url)["class"], "copy");
    assert_eq!(by_copy(&edited_url)["copy"]["outlet"], "localhost");
    let lift = by_copy(&partial_url);
    assert_eq!(lift["class"], "partial");
    assert_eq!(lift["shared_paragraphs"], 3);
    assert!(lift["similarity"].as_f64().unwrap_or(1.0) < 0.5, "{lift:#}");

    // one story cluster, first publisher the original; the alias is in it
    let clusters = env.json(&["matches"]);
    let clusters = clusters.as_array().cloned().unwrap_or_default();
    assert_eq!(clusters.len(), 1, "{clusters:#?}");
    let c = &clusters[0];
    assert_eq!(c["first_publisher"]["url"], orig_url.as_str());
    let urls: Vec<&str> = c["articles"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["url"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(urls.len(), 5, "{urls:?}");
    assert!(!urls.contains(&unrelated_url.as_str()));
    let alias = c["pairs"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["relation"] == "alias").cloned())
        .expect("an alias pair");
    assert_eq!(alias["original"]["url"], orig_url.as_str());
    assert_eq!(alias["copy"]["url"], amp_url.as_str());
    assert_eq!(
        env.json(&["matches", &unrelated_url]),
        serde_json::json!([])
    );
    let text = env.ok(&["matches", &copy_url]);
    assert!(text.contains("first published by 127.0.0.1"), "{text}");

    // another pass (a new process: a restart) re-alerts nothing
    env.ok(&["check", "--all"]);
    assert_eq!(republications(&a).len(), 3);
}

#[test]
fn a_copy_that_grows_into_a_full_copy_alerts_again_once() {
    let a = Server::start();
    let b = Server::start();
    let original = story();
    a.set("/story", page("Council approves budget", &original));
    let mut partial = other_story();
    partial.splice(1..1, original[1..4].iter().cloned());
    b.set("/x", page("Storm floods old town", &partial));
    let env = Env::new(&format!(
        "[[watch]]\nurl = \"{}\"\n\n[[alert.webhook]]\nurl = \"{}\"\n",
        a.url("/story"),
        a.url("/hook")
    ));
    env.ok(&["check"]);
    env.ok(&["watch", "add", &b.url("/x")]);
    env.ok(&["check", "--all"]);
    let hooks = republications(&a);
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["class"], "partial");
    // a slightly longer lift: same class, pair updated, no alert
    let mut more = other_story();
    more.splice(1..1, original[1..5].iter().cloned());
    b.set("/x", page("Storm floods old town", &more));
    env.ok(&["check", "--all"]);
    assert_eq!(republications(&a).len(), 1);
    let pairs = env.json(&["matches"]);
    assert_eq!(pairs[0]["pairs"][0]["shared_paragraphs"], 4);
    // now the whole story: crosses into `copy`, one more alert
    b.set("/x", page("Council approves budget", &original));
    env.ok(&["check", "--all"]);
    let hooks = republications(&a);
    assert_eq!(hooks.len(), 2, "{hooks:#?}");
    assert_eq!(hooks[1]["class"], "copy");
    assert_eq!(hooks[1]["original"]["url"], a.url("/story").as_str());
    env.ok(&["check", "--all"]);
    assert_eq!(republications(&a).len(), 2);
}

#[test]
fn an_unreadable_fingerprint_record_is_replaced_at_the_next_check() {
    let server = Server::start();
    server.set("/a", page("Flood in the old town", &other_story()));
    let url = server.url("/a");
    let env = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
    env.ok(&["check", "--all"]);
    let db = env.dir.path().join("db");
    let id = {
        let s = common::reopen::open_store(&db);
        let w = s.watch(&url).unwrap();
        assert_eq!(s.fingerprint(w.id).unwrap().map(|f| f.version), Some(1));
        w.id
    };
    {
        let raw = common::reopen::open_raw(&db);
        let docs = raw.open_tree("fp_docs").unwrap();
        docs.insert(id.to_be_bytes(), &b"\x00garbage"[..]).unwrap();
        raw.flush().unwrap();
    }
    // the page did not change: the check itself has nothing new, and the
    // bad record is replaced instead of failing every check
    env.ok(&["check", "--all"]);
    let s = common::reopen::open_store(&db);
    let f = s.fingerprint(id).expect("readable again").expect("indexed");
    assert_eq!(f.version, 1);
    assert_eq!(f.url, url);
    assert!(!f.bands.is_empty());
}
