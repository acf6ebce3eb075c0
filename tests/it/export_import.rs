//! `copydesk export` / `copydesk import` with the real binary: a store with
//! two versions and an edit event goes out as JSON Lines and into a second,
//! empty store with the same history; importing twice adds nothing; a
//! damaged or malformed file is refused with the line named and changes
//! nothing.

use crate::common;
use common::*;
use serde_json::Value;

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Export lines (without an end record) with their end record appended:
/// the counts of each type and `xxh3:` + the XXH3-64 of every byte.
fn seal(body: &str) -> String {
    let count = |t: &str| lines(body).iter().filter(|v| v["type"] == t).count();
    let end = serde_json::json!({
        "type": "end",
        "lines": body.lines().count(),
        "watches": count("watch"),
        "versions": count("version"),
        "outlet_rules": count("outlet-rule"),
        "events": count("event"),
        "checksum": format!("xxh3:{:016x}", xxhash_rust::xxh3::xxh3_64(body.as_bytes())),
    });
    format!("{body}{end}\n")
}

/// A store with one watch at two versions (one edit event).
fn source() -> (Server, Env, String) {
    let server = Server::start();
    let url = server.url("/story");
    server.set(
        "/story",
        Reply::html(article_page(
            "Council approves budget",
            &story(),
            &Furniture::default(),
        )),
    );
    let env = Env::new(&format!("[[watch]]\nurl = \"{url}\"\nlabel = \"budget\"\n"));
    env.ok(&["check", "--all"]);
    let mut edited = story();
    edited[1] = "Council members debated the proposal for six hours before the final vote.".into();
    server.set(
        "/story",
        Reply::html(article_page(
            "Council approves budget",
            &edited,
            &Furniture::default(),
        )),
    );
    env.ok(&["check", "--all"]);
    (server, env, url)
}

#[test]
fn export_then_import_into_an_empty_store_keeps_the_history() {
    let (_server, env, url) = source();
    let dump = env.ok(&["export"]);
    let l = lines(&dump);
    assert_eq!(l[0]["type"], "copydesk-export");
    assert_eq!(l[0]["format"], 2);
    let kinds: Vec<&str> = l.iter().filter_map(|v| v["type"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "copydesk-export",
            "watch",
            "version",
            "version",
            "event",
            "end"
        ]
    );
    assert_eq!(l[1]["url"], url.as_str());
    assert_eq!(l[1]["label"], "budget");
    assert_eq!(l[3]["number"], 2);
    assert!(l[3]["article"]["body"][1]
        .as_str()
        .is_some_and(|p| p.contains("six hours")));
    assert_eq!(l[4]["event"]["event"], "edit");

    // Into a fresh store (another config, no watches), through a file.
    let target = Env::new("");
    let file = target.dir.path().join("dump.jsonl");
    std::fs::write(&file, &dump).unwrap();
    let out = target.ok(&["import", file.to_str().unwrap()]);
    assert!(
        out.contains("1 watch added, 2 versions added, 0 versions already present, 0 outlet rules added, 1 event not imported"),
        "{out}"
    );
    let (a, b) = (
        env.json(&["history", &url]),
        target.json(&["history", &url]),
    );
    assert_eq!(a, b, "same versions, times and hashes");
    assert_eq!(
        env.ok(&["diff", &url, "--format", "unified"]),
        target.ok(&["diff", &url, "--format", "unified"])
    );
    // The import itself sends nothing and queues nothing.
    assert_eq!(target.json(&["alerts"]), serde_json::json!([]));

    // A second import adds nothing.
    let again = target.ok(&["import", file.to_str().unwrap()]);
    assert!(
        again.contains("0 watches added, 0 versions added, 2 versions already present"),
        "{again}"
    );
    // Export of one URL only.
    let one = lines(&target.ok(&["export", &url]));
    assert_eq!(
        one.len(),
        5,
        "header, watch, two versions (events are not imported), end record"
    );
}

#[test]
fn a_bad_export_is_refused_whole_with_its_line_named() {
    let (server, env, url) = source();
    let dump = env.ok(&["export"]);
    let target = Env::new("");
    let write = |name: &str, text: &str| {
        let p = target.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let refuse = |path: &str, needle: &str| {
        let out = target.run(&["import", path]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
        // Nothing was written: the watch is unknown to the target store.
        let list = target.json(&["watch", "list"]);
        assert_eq!(list, serde_json::json!([]), "a refused import wrote {list}");
    };
    // A version whose text was edited by hand no longer matches its hash.
    let tampered = dump.replacen("six hours", "seven hours", 1);
    refuse(&write("tampered.jsonl", &tampered), "line 4: the text of");
    // A truncated line.
    let mut cut: Vec<&str> = dump.lines().collect();
    let half = &cut[3][..cut[3].len() / 2].to_string();
    cut[3] = half;
    refuse(
        &write("cut.jsonl", &cut.join("\n")),
        "line 4: not a copydesk export line",
    );
    // Versions out of order.
    let mut swapped: Vec<&str> = dump.lines().collect();
    swapped.swap(2, 3);
    refuse(
        &write("swapped.jsonl", &swapped.join("\n")),
        "version 1 was expected",
    );
    // Not an export at all.
    refuse(
        &write("html.jsonl", "<html><body>hello</body></html>\n"),
        "line 1",
    );
    refuse(&write("empty.jsonl", ""), "empty input");

    // A store that already has a different version 1 of the URL refuses the
    // import and keeps its own text.
    server.set(
        "/story",
        Reply::html(article_page(
            "Harbour plan delayed",
            &story()[3..],
            &Furniture::default(),
        )),
    );
    let other = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
    other.ok(&["check", "--all"]);
    let out = other.run(&["import", &write("ok.jsonl", &dump)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("already has a different version 1"), "{err}");
    let h = other.json(&["history", &url]);
    assert_eq!(h.as_array().map(Vec::len), Some(1));
    assert_eq!(h[0]["title"], "Harbour plan delayed");
}

#[test]
fn a_watch_keeps_its_source_through_export_and_import() {
    let (_server, env, url) = source();
    let dump = env.ok(&["export"]);
    let l = lines(&dump);
    assert_eq!(l[1]["source"], "config");
    // where the config lists it, `watch add` leaves it to the config
    let out = env.run(&["watch", "add", &url]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("change it there"));

    // Feed-discovered and CLI watches come back as such (a feed watch keeps
    // the private-address rule); a line without `source` (an export from
    // before it was written) comes back as a CLI watch.
    let mut watch = l[1].clone();
    let mut extra = String::new();
    for (path, source) in [
        ("/found", Some("feed")),
        ("/added", Some("cli")),
        ("/old", None),
    ] {
        watch["url"] = Value::from(format!("https://news.example{path}"));
        match source {
            Some(s) => watch["source"] = Value::from(s),
            None => {
                watch.as_object_mut().unwrap().remove("source");
            }
        }
        extra.push_str(&format!("{watch}\n"));
    }
    let target = Env::new("");
    let file = target.dir.path().join("dump.jsonl");
    let body: Vec<&str> = dump.lines().collect();
    let (end, body) = body.split_last().unwrap();
    assert!(end.contains("\"type\":\"end\""), "{end}");
    std::fs::write(&file, seal(&format!("{}\n{extra}", body.join("\n")))).unwrap();
    target.ok(&["import", file.to_str().unwrap()]);
    let list = target.json(&["watch", "list"]);
    let get = |u: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|w| w["url"] == u)
            .unwrap_or_else(|| panic!("{u} not in {list}"))
            .clone()
    };
    assert_eq!(get("https://news.example/found")["source"], "feed");
    assert_eq!(get("https://news.example/added")["source"], "cli");
    assert_eq!(get("https://news.example/old")["source"], "cli");
    // The config watch is the target config's to check, and that config
    // does not list it: it is kept, not checked, until `watch add` takes it.
    let w = get(&url);
    assert_eq!(w["source"], "config");
    assert_eq!(w["active"], false, "{w}");
    target.ok(&["watch", "add", &url]);
    let list = target.json(&["watch", "list"]);
    let w = list
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["url"] == url.as_str())
        .unwrap();
    assert_eq!(
        (w["source"].as_str(), w["active"].as_bool()),
        (Some("cli"), Some(true))
    );
    // its history came along
    assert_eq!(
        target.json(&["history", &url]).as_array().map(Vec::len),
        Some(2)
    );
}
