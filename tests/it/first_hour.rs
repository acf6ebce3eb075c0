//! What a newcomer meets in the first hour after the demo (issue 15): the
//! hints and messages of `check`, `watch list`, `diff`, `alerts`,
//! `history`, `run` and `extract`, and the daemon's log of a failing
//! watch. The real binary against loopback servers and real stores.

use crate::common;

use common::daemon::{eventually, Daemon};
use common::{article_page, story, Env, Furniture, Reply, Server};
use std::process::Command;
use std::time::Duration;

fn page(title: &str, body: &[String]) -> Reply {
    Reply::html(article_page(title, body, &Furniture::default()))
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn check_names_the_next_due_watch_and_suggests_all() {
    let server = Server::start();
    server.set("/a", page("Council approves budget", &story()));
    let env = Env::new("");
    let out = env.run(&["check"]);
    assert!(
        stderr(&out).contains("no watches yet: add one with `copydesk watch add URL`"),
        "{}",
        stderr(&out)
    );
    let url = server.url("/a");
    env.write_config(&format!(
        "[schedule]\ndefault = \"0 3 * * *\"\n\n[[watch]]\nurl = \"{url}\"\n"
    ));
    env.ok(&["check"]);
    let out = env.run(&["check"]);
    let hint = stderr(&out);
    assert!(out.status.success(), "{hint}");
    assert!(
        hint.contains(&format!("no watches are due: the next is {url} at "))
            && hint.contains(" UTC (in ")
            && hint.contains("`copydesk check --all` checks every watch now"),
        "{hint}"
    );
    assert!(stdout(&out).contains("checked 0: 0 new versions"));
}

#[test]
fn watch_list_says_when_a_failed_watch_is_tried_again() {
    let server = Server::start();
    server.set("/gone", Reply::status(404, "text/html", "not here"));
    let env = Env::new(&format!("[[watch]]\nurl = \"{}\"\n", server.url("/gone")));
    env.ok(&["check"]);
    let list = env.ok(&["watch", "list"]);
    assert!(list.contains("failed, retry in "), "{list}");
    assert!(list.contains("(failures back off): "), "{list}");
    assert!(list.contains("404"), "{list}");
}

#[test]
fn diff_of_identical_versions_says_no_difference() {
    let server = Server::start();
    let url = server.url("/a");
    let env = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
    let a = story();
    let mut b = story();
    b[2] = "The mayor said the plan would cut commuting times by a third, and make streets safer for cyclists.".into();
    server.set("/a", page("Council approves budget", &a));
    let first = env.ok(&["check", "--all"]);
    assert!(first.contains("checked 1: 1 new version, "), "{first}");
    let one = env.ok(&["diff", &url]);
    assert!(
        one.contains("no difference: version 1 compared with itself"),
        "{one}"
    );
    assert!(!one.contains("Typo change"), "{one}");
    server.set("/a", page("Council approves budget", &b));
    env.ok(&["check", "--all"]);
    server.set("/a", page("Council approves budget", &a));
    env.ok(&["check", "--all"]);
    let history = env.ok(&["history", &url]);
    assert!(history.contains("3 versions"), "{history}");
    let revert = env.ok(&["diff", &url, "--from", "1", "--to", "3"]);
    assert!(
        revert.contains(
            "no difference: versions 1 and 3 are the same text (version 3 returned to the text of version 1)"
        ),
        "{revert}"
    );
    let unified = env.ok(&[
        "diff", &url, "--from", "3", "--to", "1", "--format", "unified",
    ]);
    assert!(
        unified.contains("no difference: versions 1 and 3"),
        "{unified}"
    );
    // a real change still prints its summary
    let real = env.ok(&["diff", &url, "--from", "1", "--to", "2"]);
    assert!(real.contains(" change: "), "{real}");
}

#[test]
fn with_no_sink_check_and_alerts_say_where_events_are() {
    let server = Server::start();
    let url = server.url("/a");
    server.set("/a", page("Council approves budget", &story()));
    let env = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
    env.ok(&["check"]);
    let mut edited = story();
    edited.push(
        "The council will meet again next week to discuss the school budget and the new library."
            .into(),
    );
    server.set("/a", page("Council approves budget", &edited));
    let check = env.ok(&["check", "--all"]);
    assert!(
        check.contains("1 event, none sent: no alert sink is configured"),
        "{check}"
    );
    let alerts = env.ok(&["alerts"]);
    assert!(alerts.contains("no alert sink is configured"), "{alerts}");
    assert!(
        alerts.contains("/feed.atom") && alerts.contains("web UI"),
        "{alerts}"
    );
    assert!(!alerts.contains("every alert was delivered"), "{alerts}");
}

#[test]
fn connection_errors_name_the_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/story");
    let env = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
    let out = env.ok(&["check"]);
    assert!(
        out.contains(&format!("cannot connect to 127.0.0.1:{port}: ")),
        "{out}"
    );
}

#[test]
fn history_and_diff_find_a_url_typed_with_other_case_or_a_trailing_slash() {
    let server = Server::start();
    server.set("/news/a", page("Council approves budget", &story()));
    let url = server.url("/news/a");
    let env = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
    env.ok(&["check"]);
    let shouted = url.replacen("http://", "HTTP://", 1);
    for typed in [shouted.clone(), format!("{url}/"), format!("{shouted}/")] {
        let h = env.ok(&["history", &typed]);
        assert!(h.contains(&format!("{url} — 1 version")), "{typed}: {h}");
        let d = env.ok(&["diff", &typed]);
        assert!(d.contains("no difference"), "{typed}: {d}");
    }
    // a URL that is not watched is still "not found", named as typed
    let out = env.run(&["history", &server.url("/news/b")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/news/b"), "{}", stderr(&out));
}

#[test]
fn watch_ids_are_sequential_also_through_the_daemon() {
    let server = Server::start();
    for p in ["/a", "/b", "/c"] {
        server.set(p, page("Council approves budget", &story()));
    }
    let env = Env::new("[web]\nlisten = \"127.0.0.1:0\"\n");
    env.ok(&["watch", "add", &server.url("/a")]);
    env.ok(&["watch", "add", &server.url("/b")]);
    {
        let d = Daemon::start(&env);
        let file = env.dir.path().join("db.daemon.json");
        eventually(Duration::from_secs(10), "the daemon file", || file.exists());
        let added = env.ok(&["watch", "add", &server.url("/c")]);
        assert!(added.contains("the daemon checks it now"), "{added}");
        drop(d);
    }
    let list = env.json(&["watch", "list"]);
    let mut ids: Vec<(String, u64)> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|w| {
            (
                w["url"].as_str().unwrap_or_default().to_string(),
                w["id"].as_u64().expect("id"),
            )
        })
        .collect();
    ids.sort();
    let want: Vec<(String, u64)> = ["/a", "/b", "/c"]
        .iter()
        .enumerate()
        .map(|(i, p)| (server.url(p), i as u64))
        .collect();
    assert_eq!(ids, want);
}

#[test]
fn run_on_a_busy_address_creates_no_database() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = busy.local_addr().expect("addr");
    let env = Env::new(&format!("[web]\nlisten = \"{addr}\"\n"));
    // the store in a directory of its own
    let text = std::fs::read_to_string(&env.config).unwrap();
    std::fs::write(
        &env.config,
        text.replace("path = \"db\"", "path = \"state/db\""),
    )
    .unwrap();
    let out = env.run(&["run"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("cannot listen on {addr}")),
        "{}",
        stderr(&out)
    );
    assert!(!env.dir.path().join("state").exists());
}

#[test]
fn help_explains_each_argument_and_lists_global_options_last() {
    let help = |args: &[&str]| {
        let out = Command::new(common::binary())
            .args(args)
            .arg("--help")
            .output()
            .expect("help");
        stdout(&out)
    };
    for (args, text) in [
        (&["history"][..], "A watched URL"),
        (&["diff"][..], "A watched URL"),
        (&["watch", "add"][..], "The article's http(s) URL"),
        (&["watch", "remove"][..], "A watched URL"),
        (&["alerts", "retry"][..], "The event's id"),
        (&["outlets", "confirm"][..], "The rule's id"),
        (
            &["matches"][..],
            "Only the story this watched URL belongs to",
        ),
    ] {
        let h = help(args);
        assert!(h.contains(text), "{args:?}: {h}");
    }
    let h = help(&["diff"]);
    let pos = |s: &str| h.find(s).unwrap_or_else(|| panic!("{s} not in {h}"));
    assert!(
        pos("--from") < pos("--to") && pos("--to") < pos("--log-format"),
        "{h}"
    );
    assert!(pos("--format") < pos("--config"), "{h}");
}

#[test]
fn extract_works_without_a_config_file_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("page.html");
    std::fs::write(
        &file,
        article_page("Council approves budget", &story(), &Furniture::default()),
    )
    .unwrap();
    let out = Command::new(common::binary())
        .args(["extract", file.to_str().unwrap()])
        .current_dir(dir.path())
        .env_remove("COPYDESK_CONFIG")
        .output()
        .expect("extract");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("title:     Council approves budget"));
    assert!(
        stderr(&out).contains(
            "no config file at config/copydesk.toml: extracting with the default settings"
        ),
        "{}",
        stderr(&out)
    );
    // a config named on the command line must exist
    let out = Command::new(common::binary())
        .args(["--config", "/nonexistent/c.toml", "extract"])
        .arg(&file)
        .env_remove("COPYDESK_CONFIG")
        .output()
        .expect("extract");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn the_daemon_logs_a_failing_watch_once_and_its_recovery_once() {
    let server = Server::start();
    server.set("/flaky", Reply::status(404, "text/html", "not here"));
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"* * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         [[watch]]\nurl = \"{}\"\n",
        server.url("/flaky")
    ));
    let d = Daemon::start(&env);
    eventually(Duration::from_secs(30), "three failed checks", || {
        server.hits("/flaky") >= 3
    });
    server.set("/flaky", page("Council approves budget", &story()));
    eventually(Duration::from_secs(30), "the recovery logged", || {
        d.logs().contains("watch recovered")
    });
    let logs = d.logs();
    let failing: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("watch failing"))
        .collect();
    assert_eq!(failing.len(), 1, "{logs}");
    assert!(
        failing[0].contains("404") && failing[0].contains("/flaky"),
        "{}",
        failing[0]
    );
    assert!(failing[0].contains("retry_at="), "{}", failing[0]);
    let recovered: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("watch recovered"))
        .collect();
    assert_eq!(recovered.len(), 1, "{logs}");
    assert!(recovered[0].contains("failed_checks="), "{}", recovered[0]);
}
