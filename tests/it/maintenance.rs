//! `copydesk gc` and `copydesk compact` through the real binary: texts of
//! removed watches are found and removed, the rest of the history stays
//! readable, compaction keeps every record and the store id, an interrupted
//! compaction is undone on the next open; beside a daemon `gc` refuses (the
//! daemon collects by itself) and `compact` goes through the daemon.

use crate::common;

use common::daemon::{eventually, Daemon};
use common::{article_page, story, Env, Furniture, Reply, Server};
use serde_json::Value;
use std::time::Duration;

fn page(title: &str, body: &[String]) -> Reply {
    Reply::html(article_page(title, body, &Furniture::default()))
}

/// Three watches with two versions each, every text its own; then two of
/// the watches removed: 4 texts left that no version refers to.
fn store_with_removed_watches(extra: &str) -> (Server, Env) {
    let server = Server::start();
    let paths = ["/keep", "/drop-a", "/drop-b"];
    for (i, p) in paths.iter().enumerate() {
        let mut body = story();
        body.rotate_left(i);
        server.set(p, page(&format!("Story {i}"), &body));
    }
    let env = Env::new(extra);
    for p in paths {
        env.ok(&["watch", "add", &server.url(p)]);
    }
    env.ok(&["check", "--all"]);
    for (i, p) in paths.iter().enumerate() {
        let mut body = story();
        body.rotate_left(i);
        // a sentence of each story's own (one shared by all three would be
        // learned as the outlet's furniture)
        body.push(
            [
                "The mayor said the bridge repairs would start in the spring.",
                "Fishermen asked the port for a new breakwater before winter.",
                "The library will open on Sundays from next month, the city said.",
            ][i]
                .to_string(),
        );
        server.set(p, page(&format!("Story {i}"), &body));
    }
    env.ok(&["check", "--all"]);
    for p in paths {
        let h = env.json(&["history", &server.url(p)]);
        assert_eq!(h.as_array().map(Vec::len), Some(2), "{p}: {h}");
    }
    env.ok(&["watch", "remove", &server.url("/drop-a")]);
    env.ok(&["watch", "remove", &server.url("/drop-b")]);
    (server, env)
}

fn num(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

#[test]
fn gc_removes_the_texts_of_removed_watches_and_nothing_else() {
    let (server, env) = store_with_removed_watches("");
    let keep = server.url("/keep");
    let diff_before = env.ok(&["diff", &keep, "--format", "unified"]);

    let dry = env.json(&["gc", "--dry-run"]);
    assert_eq!(num(&dry, "versions"), 2, "{dry}");
    assert_eq!(num(&dry, "texts"), 6, "{dry}");
    assert_eq!(num(&dry, "orphaned_texts"), 4, "{dry}");
    assert!(num(&dry, "orphaned_bytes") > 0, "{dry}");
    assert_eq!(dry["removed"], false);
    // a dry run removes nothing
    assert_eq!(env.json(&["gc", "--dry-run"]), dry);

    let text = env.ok(&["gc"]);
    assert!(
        text.contains("removed 4 texts no version refers to"),
        "{text}"
    );
    let after = env.json(&["gc", "--dry-run"]);
    assert_eq!(num(&after, "texts"), 2, "{after}");
    assert_eq!(num(&after, "orphaned_texts"), 0, "{after}");
    // the kept watch's versions read as before
    assert_eq!(env.ok(&["diff", &keep, "--format", "unified"]), diff_before);
}

#[test]
fn compaction_keeps_every_record_and_gives_space_back() {
    let (server, env) = store_with_removed_watches("");
    env.ok(&["gc"]);
    let db = env.dir.path().join("db");
    let id_before = copydesk::store::read_store_id(&db).expect("a store id");
    let keep = server.url("/keep");
    let history = env.json(&["history", &keep]);
    let events = env.ok(&["export"]);

    let out = env.ok(&["compact"]);
    assert!(out.starts_with("compacted "), "{out}");
    assert!(out.contains(" → "), "{out}");
    let siblings: Vec<String> = std::fs::read_dir(env.dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("db."))
        .collect();
    assert!(siblings.is_empty(), "leftovers: {siblings:?}");

    assert_eq!(copydesk::store::read_store_id(&db), Some(id_before));
    assert_eq!(env.json(&["history", &keep]), history);
    // the export (every watch, version text, rule and event) is the same,
    // but for its header's time and the end record's checksum over it
    let body = |e: &str| {
        let lines: Vec<String> = e.lines().map(str::to_string).collect();
        lines[1..lines.len() - 1].to_vec()
    };
    let (now, before) = (body(&env.ok(&["export"])), body(&events));
    assert!(before.len() > 5, "too little to compare: {}", before.len());
    assert!(now == before, "the export changed with compaction");
    // and the store still takes new versions
    env.ok(&["check", "--all"]);
}

#[test]
fn an_interrupted_compaction_is_undone_on_the_next_open() {
    let (server, env) = store_with_removed_watches("");
    let keep = server.url("/keep");
    let history = env.json(&["history", &keep]);
    let db = env.dir.path().join("db");
    // the state a crash between the two renames leaves: the database under
    // its temporary name, the new copy (perhaps incomplete) beside it
    std::fs::rename(&db, env.dir.path().join("db.before-compaction")).expect("rename");
    std::fs::create_dir(env.dir.path().join("db.compacting")).expect("mkdir");
    std::fs::write(env.dir.path().join("db.compacting/half"), b"x").expect("write");

    assert_eq!(env.json(&["history", &keep]), history);
    assert!(db.is_dir());
    assert!(!env.dir.path().join("db.before-compaction").exists());
    assert!(!env.dir.path().join("db.compacting").exists());
}

/// Beside a running daemon, `gc` refuses (the daemon collects by itself:
/// here the four texts of the watches removed before it started), and
/// `compact` asks the daemon, which pauses its checks, compacts, and goes
/// on checking.
#[test]
fn gc_refuses_beside_a_daemon_which_collects_and_compacts_by_itself() {
    let (server, env) = store_with_removed_watches("[web]\nlisten = \"127.0.0.1:0\"\n");
    let keep = server.url("/keep");
    let history = env.json(&["history", &keep]);
    let d = Daemon::start(&env);
    let out = env.run(&["gc"]);
    assert!(!out.status.success(), "gc ran beside the daemon");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stop the daemon"), "{err}");
    assert!(err.contains("collects"), "{err}");
    eventually(
        Duration::from_secs(15),
        "the daemon collected the texts",
        || {
            d.get("/metrics")
                .1
                .contains("copydesk_gc_texts_removed_total 4")
        },
    );

    let out = env.run(&["compact"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("the daemon holds the store"), "{stderr}");
    assert!(
        stdout.contains("compacted") && stdout.contains(" → "),
        "{stdout}"
    );
    assert!(d.logs().contains("store compacted; checks resume"));
    // the daemon reads and writes the swapped-in store: the history is
    // whole, and its next checks are stored
    assert_eq!(env.json(&["history", &keep]), history);
    let added = server.url("/added");
    server.set("/added", page("Added after", &story()));
    env.ok(&["watch", "add", &added]);
    eventually(Duration::from_secs(15), "the added watch stored", || {
        env.run(&["history", &added])
            .status
            .success()
            .then(|| env.json(&["history", &added]))
            .and_then(|h| h.as_array().map(Vec::len))
            == Some(1)
    });
    drop(d);
    let dry = env.json(&["gc", "--dry-run"]);
    assert_eq!(num(&dry, "orphaned_texts"), 0, "{dry}");
    assert_eq!(env.json(&["history", &keep]), history);
}

/// A backend that does not offer compaction while open (it keeps the
/// trait's default) says so, with what to do instead, and leaves the store
/// as it was.
#[test]
fn a_store_without_in_place_compaction_says_so() {
    use copydesk::store::{NewWatch, Store, StoreError, WatchSource};
    let dir = tempfile::tempdir().unwrap();
    let store = crate::plain_store::Plain(common::reopen::open_store(&dir.path().join("db")));
    store
        .upsert_watch(NewWatch {
            url: "https://a.example/story".into(),
            label: None,
            schedule: None,
            source: WatchSource::Cli,
        })
        .unwrap();
    let err = store.compact_in_place().unwrap_err();
    assert!(
        matches!(err, StoreError::Unsupported { .. }),
        "not Unsupported: {err:?}"
    );
    let said = err.to_string();
    assert!(said.contains("compacted while open"), "{said}");
    assert!(
        said.contains("stop the daemon and run `copydesk compact`"),
        "{said}"
    );
    assert_eq!(store.watches().unwrap().len(), 1);
}

/// Thirty-six articles of one outlet, each with paragraphs of its own,
/// checked in two passes (six, then thirty): the learned template's
/// sightings of the first pass's lines go stale (no other article shows
/// them, and too many articles came since for them ever to be template
/// lines); `gc --dry-run` counts them, `gc` removes them, and the recent
/// sightings, the outlet's rules and the articles' histories stay.
#[test]
fn gc_drops_the_line_sightings_that_can_no_longer_make_a_rule() {
    let nouns = [
        "bridge",
        "harbour",
        "library",
        "school",
        "market",
        "stadium",
        "museum",
        "tram",
        "airport",
        "hospital",
        "theatre",
        "river",
        "park",
        "tunnel",
        "castle",
        "canal",
        "station",
        "orchard",
        "forest",
        "lighthouse",
        "cathedral",
        "factory",
        "pier",
        "reservoir",
        "observatory",
        "vineyard",
        "quarry",
        "monastery",
        "windmill",
        "zoo",
        "ferry",
        "dam",
        "aqueduct",
        "gallery",
        "arena",
        "chapel",
    ];
    let para = |noun: &str| {
        format!("Engineers said the {noun} needed urgent work before the winter storms, which could cost more than planned.")
    };
    let server = Server::start();
    let env = Env::new("");
    for (i, noun) in nouns.iter().enumerate() {
        let body = vec![
            format!("The council debated the future of the {noun} for most of the evening, and residents filled the hall to hear it."),
            para(noun),
            format!("A decision on the {noun} is expected next month, after a consultation with the people who live near it."),
        ];
        let path = format!("/{noun}");
        server.set(&path, page(&format!("The {noun} question"), &body));
        env.ok(&["watch", "add", &server.url(&path)]);
        if i == 5 || i == nouns.len() - 1 {
            env.ok(&["check", "--all"]);
        }
    }
    let outlets = env.ok(&["outlets", "--format", "json"]);
    let outlet = server.url("/");
    let outlet = outlet.trim_start_matches("http://").trim_end_matches('/');
    let sightings = |noun: &str| {
        let store = common::reopen::open_dyn(&env.dir.path().join("db"));
        let key = copydesk::core::template::shape::line_key(&para(noun));
        store.line_articles(outlet, key).expect("sightings")
    };
    assert_eq!(sightings(nouns[0]).len(), 1);

    let dry = env.json(&["gc", "--dry-run"]);
    let stale = num(&dry, "stale_sightings");
    // the first pass's three lines each, at least
    assert!(stale >= 18, "{dry}");
    assert_eq!(
        env.json(&["gc", "--dry-run"]),
        dry,
        "a dry run removes nothing"
    );
    let text = env.ok(&["gc"]);
    assert!(
        text.contains(&format!("{stale} line sightings of the learned templates")),
        "{text}"
    );
    assert_eq!(num(&env.json(&["gc", "--dry-run"]), "stale_sightings"), 0);
    for noun in &nouns[..6] {
        assert!(sightings(noun).is_empty(), "{noun}");
    }
    assert_eq!(sightings(nouns[nouns.len() - 1]).len(), 1);
    assert_eq!(env.ok(&["outlets", "--format", "json"]), outlets);
    for noun in nouns {
        let h = env.json(&["history", &server.url(&format!("/{noun}"))]);
        assert_eq!(h.as_array().map(Vec::len), Some(1), "{noun}: {h}");
    }
}
