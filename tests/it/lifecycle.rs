//! `removed`, `restored` and `moved` end to end: the real binary's
//! `copydesk check` against a loopback site that takes a story down (404,
//! 410, a redirect to the front page, a "page not found" page served with
//! 200), brings it back changed, moves it (301 to a new slug with a light
//! edit), and fails for a while as a whole host (503). Each event reaches
//! the webhook exactly once, with its fields; `history` shows them.

use crate::common;
use common::*;
use serde_json::Value;

fn page(title: &str, body: &[String]) -> Reply {
    Reply::html(article_page(title, body, &Furniture::default()))
}

/// A permanent (or other) redirect to `to`.
fn redirect(status: u16, to: &str) -> Reply {
    Reply::Page {
        status,
        headers: vec![("Location".into(), to.into())],
        body: Vec::new(),
    }
}

/// A site's front page: teasers of other stories, not this article.
fn front_page() -> Reply {
    let teasers: Vec<String> = [
        "Storm hits the coast as thousands lose power overnight and ferries stay in port until the wind drops.",
        "Markets rally again after the central bank signals a pause in rate rises for the rest of the year.",
        "A new bridge opens downtown after three years of work, linking the old harbour to the business district.",
        "The local team wins the cup in extra time and fans celebrate in the streets until the early morning.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    page("The Daily Example", &teasers)
}

/// A "page not found" page served with 200.
fn soft_404() -> Reply {
    page(
        "Page not found",
        &["Sorry, the page you were looking for could not be found. It may have been moved or deleted.".to_string()],
    )
}

/// The server with `paths` serving the story, and a config watching each
/// with a webhook; `extra` is added to the config.
fn setup(paths: &[&str], extra: &str) -> (Server, Env) {
    let server = Server::start();
    let mut cfg = String::new();
    for p in paths {
        server.set(p, page("Council approves budget", &story()));
        cfg.push_str(&format!("[[watch]]\nurl = \"{}\"\n\n", server.url(p)));
    }
    cfg.push_str(&format!(
        "[[alert.webhook]]\nurl = \"{}\"\n\n{extra}",
        server.url("/hook")
    ));
    let env = Env::new(&cfg);
    (server, env)
}

/// The webhook payloads of one kind.
fn of_kind(server: &Server, kind: &str) -> Vec<Value> {
    server
        .hooks()
        .into_iter()
        .filter(|h| h["event"] == kind)
        .collect()
}

fn history(env: &Env, url: &str) -> Vec<Value> {
    env.json(&["history", url])
        .as_array()
        .cloned()
        .expect("history is an array")
}

#[test]
fn a_404_is_removed_after_two_checks_once_and_restored_with_its_edit() {
    let (server, env) = setup(&["/story"], "");
    let url = server.url("/story");
    env.ok(&["check"]);
    let v1 = history(&env, &url);
    assert_eq!(v1.len(), 1);

    server.set(
        "/story",
        Reply::status(404, "text/html", "<h1>Not found</h1>"),
    );
    env.ok(&["check", "--all"]);
    assert!(
        of_kind(&server, "removed").is_empty(),
        "one check is not enough (removed_after = 2)"
    );
    env.ok(&["check", "--all"]);
    let removed = of_kind(&server, "removed");
    assert_eq!(removed.len(), 1, "{:#?}", server.hooks());
    let r = &removed[0];
    assert!(r["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("removed-")));
    assert_eq!(r["article"]["url"], url.as_str());
    assert_eq!(r["article"]["title"], "Council approves budget");
    assert_eq!(r["last_version"]["number"], 1);
    assert_eq!(r["last_version"]["title"], "Council approves budget");
    assert_eq!(r["last_version"]["hash"], v1[0]["hash"]);
    assert!(r["last_version"]["last_seen_live"].is_string(), "{r}");
    assert_eq!(r["answer"]["status"], 404);
    assert_eq!(r["answer"]["kind"], "not_found");
    assert_eq!(r["final_url"], url.as_str());
    assert_eq!(r["checks"], 2);
    assert!(chrono::DateTime::parse_from_rfc3339(r["gone_since"].as_str().unwrap()).is_ok());
    // each gone check was confirmed by a second fetch
    let hits = server.hits("/story");

    // still gone: nothing more
    env.ok(&["check", "--all"]);
    assert_eq!(
        server.hits("/story"),
        hits + 2,
        "a gone check fetches twice"
    );
    assert_eq!(of_kind(&server, "removed").len(), 1);
    let list = env.json(&["watch", "list"]);
    assert_eq!(list[0]["gone"]["removed"], true, "{list}");

    // back, changed
    let mut body = story();
    body[1] = body[1].replace("seven votes to four", "eight votes to three");
    server.set("/story", page("Council approves budget", &body));
    env.ok(&["check", "--all"]);
    let hooks = server.hooks();
    let kinds: Vec<&str> = hooks.iter().filter_map(|h| h["event"].as_str()).collect();
    assert_eq!(kinds, ["removed", "restored", "edit"], "{hooks:#?}");
    let restored = &hooks[1];
    assert!(restored["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("restored-")));
    assert_eq!(restored["changed"], true);
    assert_eq!(restored["last_version"]["number"], 1);
    assert_eq!(restored["gone_since"], r["gone_since"]);
    let edit = &hooks[2];
    assert_eq!(
        (edit["from_version"].as_u64(), edit["to_version"].as_u64()),
        (Some(1), Some(2))
    );
    let diff = edit["diff"].as_str().unwrap_or_default();
    assert!(diff.contains("seven") && diff.contains("eight"), "{diff}");

    // once only
    env.ok(&["check", "--all"]);
    assert_eq!(server.hooks().len(), 3);
    let list = env.json(&["watch", "list"]);
    assert!(list[0]["gone"].is_null(), "{list}");

    // history: the removal and the return under version 1, text and JSON
    let h = history(&env, &url);
    assert_eq!(h.len(), 2);
    let under_1: Vec<&str> = h[0]["events"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["event"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(under_1, ["removed", "restored"], "{h:#?}");
    let text = env.ok(&["history", &url]);
    assert!(
        text.contains("removed") && text.contains("restored"),
        "{text}"
    );
}

#[test]
fn a_story_back_unchanged_is_restored_without_an_edit() {
    let (server, env) = setup(
        &["/story"],
        "[check]\nconfirm_delay = \"100ms\"\nremoved_after = 1\n",
    );
    let url = server.url("/story");
    env.ok(&["check"]);
    server.set("/story", Reply::status(410, "text/html", "<h1>Gone</h1>"));
    env.ok(&["check", "--all"]);
    let removed = of_kind(&server, "removed");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["answer"]["kind"], "gone");
    assert_eq!(removed[0]["answer"]["status"], 410);
    assert_eq!(removed[0]["checks"], 1);
    server.set("/story", page("Council approves budget", &story()));
    env.ok(&["check", "--all"]);
    let kinds: Vec<String> = server
        .hooks()
        .iter()
        .filter_map(|h| h["event"].as_str().map(String::from))
        .collect();
    assert_eq!(kinds, ["removed", "restored"]);
    assert_eq!(of_kind(&server, "restored")[0]["changed"], false);
    assert_eq!(history(&env, &url).len(), 1, "no new version");
}

#[test]
fn a_redirect_to_the_front_page_and_a_soft_404_are_removals() {
    let (server, env) = setup(
        &["/news/front", "/news/soft"],
        "[check]\nconfirm_delay = \"100ms\"\nremoved_after = 1\n",
    );
    env.ok(&["check"]);
    server.set("/", front_page());
    server.set("/news/front", Reply::Redirect("/".into()));
    server.set("/news/soft", soft_404());
    env.ok(&["check", "--all"]);
    let removed = of_kind(&server, "removed");
    assert_eq!(removed.len(), 2, "{removed:#?}");
    let by_url = |u: &str| {
        removed
            .iter()
            .find(|r| r["article"]["url"] == server.url(u).as_str())
            .cloned()
            .unwrap_or_else(|| panic!("no removal of {u}: {removed:#?}"))
    };
    let front = by_url("/news/front");
    assert_eq!(front["answer"]["kind"], "redirected_away");
    assert_eq!(front["final_url"], server.url("/").as_str());
    let soft = by_url("/news/soft");
    assert_eq!(soft["answer"]["kind"], "soft_not_found");
    assert_eq!(soft["answer"]["status"], 200);
    // no edit was made of the front page or the error page
    assert!(of_kind(&server, "edit").is_empty(), "{:#?}", server.hooks());
    env.ok(&["check", "--all"]);
    assert_eq!(of_kind(&server, "removed").len(), 2, "once each");
    // the removed filter of the API's watch list (through the store)
    let list = env.json(&["watch", "list"]);
    let removed_watches = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["gone"]["removed"] == true)
        .count();
    assert_eq!(removed_watches, 2);
}

#[test]
fn a_whole_host_failing_with_503_is_never_a_removal() {
    let (server, env) = setup(
        &["/a", "/b"],
        "[check]\nconfirm_delay = \"100ms\"\nremoved_after = 1\n",
    );
    env.ok(&["check"]);
    for p in ["/a", "/b"] {
        server.set(
            p,
            Reply::status(503, "text/html", "<h1>Down for maintenance</h1>"),
        );
    }
    for _ in 0..3 {
        env.ok(&["check", "--all"]);
    }
    // a connection that breaks is no better an answer
    server.set("/a", Reply::Reset);
    env.ok(&["check", "--all"]);
    for p in ["/a", "/b"] {
        server.set(p, page("Council approves budget", &story()));
    }
    env.ok(&["check", "--all"]);
    assert!(server.hooks().is_empty(), "{:#?}", server.hooks());
    let list = env.json(&["watch", "list"]);
    for w in list.as_array().unwrap() {
        assert!(w["gone"].is_null(), "{w}");
        assert_eq!(w["last_check"]["outcome"], "unchanged");
    }
}

#[test]
fn a_permanent_redirect_to_a_new_slug_is_one_move_and_one_watch() {
    let (server, env) = setup(&["/old-slug"], "");
    let old = server.url("/old-slug");
    let new = server.url("/new-slug");
    env.ok(&["check"]);
    let mut body = story();
    body[5] = body[5].replace("six months", "three months");
    server.set("/new-slug", page("Council approves budget", &body));
    server.set("/old-slug", redirect(301, "/new-slug"));
    env.ok(&["check", "--all"]);
    let hooks = server.hooks();
    let kinds: Vec<&str> = hooks.iter().filter_map(|h| h["event"].as_str()).collect();
    assert_eq!(kinds, ["edit", "moved"], "{hooks:#?}");
    let m = &hooks[1];
    assert!(m["id"].as_str().is_some_and(|id| id.starts_with("moved-")));
    assert_eq!(m["from_url"], old.as_str());
    assert_eq!(m["to_url"], new.as_str());
    assert_eq!(m["article"]["url"], new.as_str());
    assert_eq!(m["via"], "redirect");
    assert_eq!(m["status"], 301);
    assert_eq!(m["version"], 2);
    assert!(of_kind(&server, "removed").is_empty());

    // one watch, under the new URL, the old one an alias; its history goes on
    let list = env.json(&["watch", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["url"], new.as_str());
    assert!(
        list[0]["aliases"]
            .as_array()
            .is_some_and(|a| a.iter().any(|u| u == old.as_str())),
        "{list:#?}"
    );
    assert_eq!(history(&env, &new).len(), 2);
    assert_eq!(history(&env, &old).len(), 2, "found under its old URL too");

    // watching the new URL again is refused: it is this watch's
    let out = env.run(&["watch", "add", &new]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already watched"), "{err}");
    assert_eq!(env.json(&["watch", "list"]).as_array().unwrap().len(), 1);
    // later checks say nothing more
    env.ok(&["check", "--all"]);
    env.ok(&["check", "--all"]);
    assert_eq!(server.hooks().len(), 2, "{:#?}", server.hooks());
    let text = env.ok(&["history", &new]);
    assert!(text.contains("moved"), "{text}");
}

#[test]
fn a_temporary_redirect_to_the_same_text_is_no_move() {
    let (server, env) = setup(&["/story"], "");
    env.ok(&["check"]);
    server.set("/elsewhere", page("Council approves budget", &story()));
    server.set("/story", Reply::Redirect("/elsewhere".into()));
    env.ok(&["check", "--all"]);
    env.ok(&["check", "--all"]);
    assert!(server.hooks().is_empty(), "{:#?}", server.hooks());
}

#[test]
fn alert_rules_select_the_new_kinds() {
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let env = Env::new(&format!(
        "[[watch]]\nurl = \"{}\"\n\n[[alert.webhook]]\nurl = \"{}\"\nevents = [\"removed\"]\n\n[[alert.webhook]]\nurl = \"{}\"\nevents = [\"edit\"]\n\n[check]\nconfirm_delay = \"100ms\"\nremoved_after = 1\n",
        server.url("/story"),
        server.url("/hook"),
        server.url("/edits")
    ));
    env.ok(&["check"]);
    server.set("/story", Reply::status(404, "text/html", "gone"));
    env.ok(&["check", "--all"]);
    let kinds: Vec<String> = server
        .post_json("/hook")
        .iter()
        .filter_map(|h| h["event"].as_str().map(String::from))
        .collect();
    assert_eq!(kinds, ["removed"]);
    assert!(server.post_json("/edits").is_empty());
    // an unknown kind is a config error naming the key
    let bad = Env::new("[[alert.log]]\nevents = [\"deleted\"]\n");
    let out = bad.run(&["config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("removed") && err.contains("moved"), "{err}");
}

#[test]
fn the_contact_reaches_the_site_in_the_user_agent() {
    let (server, env) = setup(&["/story"], "");
    // the harness's config ends in its `[fetch]` table: this key joins it
    env.write_config(&format!(
        "contact = \"desk@example.org\"\n\n[[watch]]\nurl = \"{}\"\n",
        server.url("/story")
    ));
    env.ok(&["check"]);
    let ua = server.requests("/story")[0]
        .get("user-agent")
        .cloned()
        .unwrap_or_default();
    assert!(ua.starts_with("copydesk/"), "{ua}");
    assert!(ua.contains("contact: desk@example.org"), "{ua}");
}

#[test]
fn an_address_that_always_redirected_takes_its_target_without_a_move() {
    let (server, env) = setup(&["/s/123"], "");
    let short = server.url("/s/123");
    let long = server.url("/news/council-approves-budget");
    server.set(
        "/news/council-approves-budget",
        page("Council approves budget", &story()),
    );
    server.set("/s/123", redirect(308, "/news/council-approves-budget"));
    env.ok(&["check"]);
    env.ok(&["check", "--all"]);
    env.ok(&["check", "--all"]);
    assert!(server.hooks().is_empty(), "{:#?}", server.hooks());
    let list = env.json(&["watch", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["url"], long.as_str(), "{list:#?}");
    assert_eq!(history(&env, &short).len(), 1);
}
