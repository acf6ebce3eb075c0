//! `copydesk check` end to end: the real binary against a real HTTP server on
//! loopback, with a real store in a temp dir and a webhook receiver.

use crate::common;
use common::*;
use serde_json::Value;

/// A server with one article page and a config watching it with a webhook.
fn setup() -> (Server, Env, String) {
    let server = Server::start();
    server.set(
        "/story",
        Reply::html(article_page(
            "Council approves budget",
            &story(),
            &Furniture::default(),
        )),
    );
    let url = server.url("/story");
    let env = Env::new(&format!(
        "[[watch]]\nurl = \"{url}\"\nlabel = \"budget\"\n\n[[alert.webhook]]\nurl = \"{}\"\n",
        server.url("/hook")
    ));
    (server, env, url)
}

fn versions(env: &Env, url: &str) -> Vec<Value> {
    env.json(&["history", url])
        .as_array()
        .cloned()
        .expect("history is an array")
}

fn last_check(env: &Env, url: &str) -> Value {
    let list = env.json(&["watch", "list"]);
    let w = list
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["url"] == url)
        .cloned()
        .expect("watch listed");
    w["last_check"].clone()
}

#[test]
fn first_check_stores_version_one_and_sends_no_edit() {
    let (server, env, url) = setup();
    let out = env.ok(&["check"]);
    assert!(out.contains("checked 1: 1 new version,"), "{out}");
    let v = versions(&env, &url);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["number"], 1);
    assert_eq!(v[0]["title"], "Council approves budget");
    assert_eq!(v[0]["hash"].as_str().map(str::len), Some(32));
    assert!(v[0]["fetched_at"].is_string());
    assert!(server.hooks().is_empty(), "no edit for a first version");
    assert_eq!(server.hits("/hook"), 0);
}

#[test]
fn furniture_churn_is_not_an_edit() {
    let (server, env, url) = setup();
    env.ok(&["check"]);
    let churned = Furniture::default().churned();
    server.set(
        "/story",
        Reply::html(article_page("Council approves budget", &story(), &churned)),
    );
    let out = env.ok(&["check", "--all"]);
    assert!(out.contains("0 new versions, 1 unchanged"), "{out}");
    assert_eq!(versions(&env, &url).len(), 1);
    assert!(server.hooks().is_empty());
    assert_eq!(last_check(&env, &url)["outcome"], "unchanged");
}

/// Apply one edit, check, and return the single webhook payload it caused.
fn edit_and_check(server: &Server, env: &Env, url: &str, title: &str, body: Vec<String>) -> Value {
    let before = server.hooks().len();
    server.set(
        "/story",
        Reply::html(article_page(title, &body, &Furniture::default().churned())),
    );
    env.ok(&["check", "--all"]);
    let hooks = server.hooks();
    assert_eq!(
        hooks.len(),
        before + 1,
        "exactly one webhook per edit: {hooks:#?}"
    );
    let _ = url;
    hooks[before].clone()
}

#[test]
fn each_edit_makes_one_version_and_one_webhook_with_the_changed_words() {
    let (server, env, url) = setup();
    env.ok(&["check"]);

    // body edit
    let mut body = story();
    body[1] = body[1].replace("seven votes to four", "eight votes to three");
    let e = edit_and_check(&server, &env, &url, "Council approves budget", body.clone());
    assert_eq!(e["event"], "edit");
    assert_eq!(
        (e["from_version"].as_u64(), e["to_version"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(e["article"]["url"], url.as_str());
    assert_eq!(e["article"]["outlet"], server.addr.to_string());
    assert_eq!(e["article"]["title"], "Council approves budget");
    let diff = e["diff"].as_str().unwrap();
    assert!(diff.contains("seven") && diff.contains("eight"), "{diff}");
    assert!(e["id"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(chrono::DateTime::parse_from_rfc3339(e["detected_at"].as_str().unwrap()).is_ok());
    assert_eq!(e["change"]["paragraphs_changed"], 1);

    // headline edit
    let e = edit_and_check(
        &server,
        &env,
        &url,
        "Council narrowly approves disputed budget",
        body.clone(),
    );
    assert_eq!(e["to_version"], 3);
    assert_eq!(e["change"]["title_changed"], true);
    assert_eq!(e["change"]["class"], "headline");
    let diff = e["diff"].as_str().unwrap();
    assert!(
        diff.contains("narrowly") && diff.contains("disputed"),
        "{diff}"
    );

    // added paragraph
    let mut added = body.clone();
    added.insert(3, "A spokesperson for the transport authority welcomed the decision and promised new tram lines by spring.".into());
    let e = edit_and_check(
        &server,
        &env,
        &url,
        "Council narrowly approves disputed budget",
        added.clone(),
    );
    assert_eq!(e["to_version"], 4);
    assert_eq!(e["change"]["paragraphs_added"], 1);
    assert!(e["diff"].as_str().unwrap().contains("tram lines"));

    // removed paragraph
    let mut removed = added.clone();
    let gone = removed.remove(4);
    let e = edit_and_check(
        &server,
        &env,
        &url,
        "Council narrowly approves disputed budget",
        removed,
    );
    assert_eq!(e["to_version"], 5);
    assert_eq!(e["change"]["paragraphs_removed"], 1);
    assert!(
        e["diff"].as_str().unwrap().contains(&gone[..40]),
        "removed text is shown"
    );

    // the history has all five, and ids are distinct
    let v = versions(&env, &url);
    assert_eq!(
        v.iter()
            .map(|v| v["number"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    let ids: std::collections::HashSet<_> =
        server.hooks().iter().map(|h| h["id"].to_string()).collect();
    assert_eq!(ids.len(), 4);

    // diff between any two versions
    let d = env.json(&["diff", &url, "--from", "1", "--to", "4"]);
    assert_eq!(d["from"]["number"], 1);
    assert_eq!(d["to"]["number"], 4);
    assert_eq!(d["summary"]["title_changed"], true);
    assert!(d["unified"].as_str().unwrap().contains("tram lines"));
    let text = env.ok(&[
        "diff", &url, "--from", "2", "--to", "1", "--format", "unified",
    ]);
    assert!(text.contains("seven") && text.contains("eight"), "{text}");
    for args in [["--from", "9"], ["--to", "99"]] {
        let bad = env.run(&["diff", &url, args[0], args[1]]);
        assert_eq!(
            bad.status.code(),
            Some(1),
            "no such version is a runtime error, like an unknown watch"
        );
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(
            err.contains("has versions 1 to") && err.contains("there is no version"),
            "{err}"
        );
    }
}

#[test]
fn not_modified_makes_no_new_version() {
    let (server, env, url) = setup();
    server.set(
        "/story",
        Reply::html(article_page(
            "Council approves budget",
            &story(),
            &Furniture::default(),
        ))
        .with_etag("v1"),
    );
    env.ok(&["check"]);
    // same ETag, different (edited!) content: a 304 must win
    let mut body = story();
    body[0] = "Completely different text that would be an edit if it were fetched in full.".into();
    server.set(
        "/story",
        Reply::html(article_page("Other", &body, &Furniture::default())).with_etag("v1"),
    );
    let out = env.ok(&["check", "--all"]);
    assert!(out.contains("0 new versions, 1 unchanged"), "{out}");
    assert_eq!(versions(&env, &url).len(), 1);
    assert_eq!(last_check(&env, &url)["outcome"], "not_modified");
    assert_eq!(last_check(&env, &url)["http_status"], 304);
}

#[test]
fn webhook_down_delivers_on_the_next_check_once() {
    let (server, env, url) = setup();
    env.ok(&["check"]);
    server.set_hook_down(true);
    let mut body = story();
    body[2] = body[2].replace("safer", "much safer");
    server.set(
        "/story",
        Reply::html(article_page(
            "Council approves budget",
            &body,
            &Furniture::default(),
        )),
    );
    let out = env.ok(&["check", "--all"]);
    assert!(out.contains("1 delivery failed"), "{out}");
    assert!(server.hooks().is_empty());
    assert!(server.hits("/hook") >= 1, "delivery was attempted");

    server.set_hook_down(false);
    env.ok(&["check", "--all"]); // page unchanged: only the retry
    let hooks = server.hooks();
    assert_eq!(hooks.len(), 1, "{hooks:#?}");
    assert_eq!(hooks[0]["to_version"], 2);
    env.ok(&["check", "--all"]);
    assert_eq!(server.hooks().len(), 1, "delivered once, not again");
    assert_eq!(versions(&env, &url).len(), 2);
}

#[test]
fn due_watches_only_unless_all() {
    let (server, env, _url) = setup();
    env.ok(&["check"]);
    // the first version is confirmed by a second fetch
    assert_eq!(server.hits("/story"), 2);
    // default schedule is every 30 minutes: nothing is due right after a check
    let out = env.ok(&["check"]);
    assert!(out.contains("checked 0"), "{out}");
    assert_eq!(server.hits("/story"), 2);
    // unchanged: one fetch, no confirmation
    env.ok(&["check", "--all"]);
    assert_eq!(server.hits("/story"), 3);
}

#[test]
fn watch_add_list_remove() {
    let server = Server::start();
    server.set(
        "/a",
        Reply::html(article_page("A story", &story(), &Furniture::default())),
    );
    let env = Env::new("");
    let url = server.url("/a");
    env.ok(&[
        "watch",
        "add",
        &url,
        "--label",
        "mine",
        "--schedule",
        "*/5 * * * *",
    ]);
    let list = env.json(&["watch", "list"]);
    assert_eq!(list[0]["url"], url.as_str());
    assert_eq!(list[0]["label"], "mine");
    assert_eq!(list[0]["schedule"], "*/5 * * * *");
    env.ok(&["check"]);
    assert_eq!(versions(&env, &url).len(), 1);
    let bad = env.run(&["watch", "add", "ftp://x.example/"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = env.run(&["watch", "add", &url, "--schedule", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("crontab"));
    env.ok(&["watch", "remove", &url]);
    assert_eq!(env.json(&["watch", "list"]).as_array().unwrap().len(), 0);
    let gone = env.run(&["history", &url]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("no watch"));
}

#[test]
fn bad_configs_exit_2_naming_line_and_key() {
    let env = Env::new("");
    for (extra, line, key) in [
        (
            "[[watch]]\nurl = \"http://127.0.0.1:1/a\"\nlabel = \"x\"\nfrequency = 5\n",
            13,
            "watch.frequency",
        ),
        (
            "[[watch]]\nurl = \"http://127.0.0.1:1/a\"\nschedule = \"*/61 * * * *\"\n",
            12,
            "watch.schedule",
        ),
        ("[[watch]]\nurl = \"not a url\"\n", 11, "watch.url"),
    ] {
        env.write_config(extra);
        for args in [&["config", "check"][..], &["check"][..]] {
            let out = env.run(args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{extra}: {err}");
            assert!(
                err.contains(&format!("copydesk.toml:{line}:")),
                "line {line} in: {err}"
            );
            assert!(err.contains(key), "key {key} in: {err}");
        }
    }
    env.write_config("");
    let out = env.ok(&["config", "check"]);
    assert!(out.contains("ok"), "{out}");
    let missing = run_binary(
        std::path::Path::new("/nonexistent/copydesk.toml"),
        &["config", "check"],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read config file"));
}

/// JSON logs spell values as the API does (`new_version`, an RFC 3339
/// time), never Rust's debug formatting (`NewVersion`, `Some(...)`).
#[test]
fn json_logs_use_the_api_spellings() {
    let (server, env, _url) = setup();
    server.set("/gone", Reply::status(404, "text/html", "not here"));
    env.ok(&["watch", "add", &server.url("/gone")]);
    let out = env.run_env(
        &["--log-format", "json", "check", "--all"],
        &[("RUST_LOG", "copydesk=debug")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let checked: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "checked")
        .collect();
    assert_eq!(checked.len(), 2, "{stderr}");
    let outcomes: Vec<&str> = checked
        .iter()
        .filter_map(|l| l["fields"]["outcome"].as_str())
        .collect();
    assert!(outcomes.contains(&"new_version"), "{outcomes:?}");
    assert!(outcomes.contains(&"failed"), "{outcomes:?}");
    for l in &checked {
        let due = l["fields"]["next_due"].as_str().expect("next_due");
        assert!(
            chrono::DateTime::parse_from_rfc3339(due).is_ok(),
            "next_due {due:?}"
        );
    }
    let failed: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "fetch failed")
        .collect();
    assert!(
        failed.iter().all(|l| l["fields"]["kind"] == "http_status"),
        "{failed:?}"
    );
    for debug in ["Some(", "NewVersion", "NotModified", "HttpStatus"] {
        assert!(
            !stderr.contains(debug),
            "{debug} in the JSON logs:\n{stderr}"
        );
    }
}

/// `diff` on a real terminal (a pty from util-linux's `script`): coloured by
/// default, plain under `NO_COLOR`, `TERM=dumb` or `--color never`, and
/// coloured into a pipe with `--color always`.
#[test]
fn diff_colour_follows_no_color_term_and_the_flag() {
    let (server, env, url) = setup();
    env.ok(&["check"]);
    let mut body = story();
    body[1] = body[1].replace("seven", "eight");
    server.set(
        "/story",
        Reply::html(article_page(
            "Council approves budget",
            &body,
            &Furniture::default(),
        )),
    );
    env.ok(&["check", "--all"]);
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(!common::in_ci(), "CI needs util-linux's script");
        eprintln!("notice: skipping the terminal colour test: no `script`");
        return;
    }
    let on_tty = |extra: &str, envs: &[(&str, &str)]| -> String {
        let cmd = format!(
            "{} --config {} {extra} diff {url}",
            common::binary(),
            env.config.display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("RUST_LOG", "warn")
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .envs(envs.iter().copied())
            .output()
            .expect("run under script");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(text.contains("eight"), "{text}");
        text
    };
    const ESC: &str = "\u{1b}[";
    assert!(on_tty("", &[]).contains(ESC), "colour on a terminal");
    assert!(!on_tty("", &[("NO_COLOR", "1")]).contains(ESC), "NO_COLOR");
    assert!(!on_tty("", &[("TERM", "dumb")]).contains(ESC), "TERM=dumb");
    assert!(!on_tty("--color never", &[]).contains(ESC));
    assert!(on_tty("--color always", &[("NO_COLOR", "1")]).contains(ESC));
    let piped = env.ok(&["--color", "always", "diff", &url]);
    assert!(piped.contains(ESC), "--color always into a pipe");
    assert!(!env.ok(&["diff", &url]).contains(ESC), "a pipe is plain");
}

/// A page in a legacy charset, through `copydesk check` and the stored
/// versions: declared in the Content-Type header (ISO-8859-1, which means
/// windows-1252 on the web: the curly apostrophe is 0x92), or only in a
/// `<meta charset>`. Both versions' text reads right in `history` and
/// `diff`, with no mojibake.
#[test]
fn legacy_charset_pages_are_checked_and_stored_as_text() {
    let title = "Zürich’s café owners win their case";
    let mut body = story();
    body[0] = "The café owners of Zürich’s old town said on Tuesday that the court’s ruling was a relief after a naïve first appeal failed.".into();
    let page = |body: &[String], charset_in_header: bool| {
        let html = article_page(title, body, &Furniture::default());
        let (html, declared) = if charset_in_header {
            (html, "text/html; charset=iso-8859-1")
        } else {
            (
                html.replace(
                    "<meta charset=\"utf-8\">",
                    "<meta charset=\"windows-1252\">",
                ),
                "text/html",
            )
        };
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&html);
        assert!(!unmappable);
        Reply::status(200, declared, bytes.into_owned())
    };
    for in_header in [true, false] {
        let server = Server::start();
        server.set("/story", page(&body, in_header));
        let url = server.url("/story");
        let env = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
        env.ok(&["check"]);
        let mut edited = body.clone();
        edited[0] = edited[0].replace(
            "naïve first appeal",
            "naïve first appeal and a façade dispute",
        );
        server.set("/story", page(&edited, in_header));
        env.ok(&["check", "--all"]);

        // (normalization folds the typographic apostrophe into ')
        let history = versions(&env, &url);
        assert_eq!(history.len(), 2, "header {in_header}: {history:?}");
        let stored_title = title.replace('’', "'");
        assert!(
            history.iter().all(|v| v["title"] == stored_title.as_str()),
            "header {in_header}: {history:?}"
        );
        let diff = env.ok(&["diff", &url, "--format", "unified"]);
        assert!(
            diff.contains("and a façade dispute") && diff.contains("Zürich's old town"),
            "header {in_header}: {diff}"
        );
        assert!(!diff.contains('Ã') && !diff.contains('\u{FFFD}'), "{diff}");
    }
}
