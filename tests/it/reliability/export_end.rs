//! Export and import keep a backup whole: an export ends with an end record
//! (counts and a checksum) and import refuses a file without it or with a
//! wrong one; `export -o FILE` never leaves a partial file.

use crate::common::reopen::open_raw;
use crate::common::Env;
use crate::common::{article_page, story, Furniture, Reply, Server};

/// A store with `n` watches (from the config; no versions).
fn many_watches(n: usize) -> Env {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "[[watch]]\nurl = \"http://127.0.0.1:9/story/{i}\"\nlabel = \"story {i}\"\n"
        ));
    }
    let env = Env::new(&text);
    env.ok(&["watch", "list"]); // syncs the config's watches into the store
    env
}

fn refused(env: &Env, file: &std::path::Path, needles: &[&str]) {
    let out = env.run(&["import", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}: {err}", file.display());
    for n in needles {
        assert!(
            err.contains(n),
            "{}: expected {n:?} in\n{err}",
            file.display()
        );
    }
    assert_eq!(
        env.json(&["watch", "list"]),
        serde_json::json!([]),
        "a refused import wrote nothing"
    );
}

#[test]
fn a_truncated_export_is_refused() {
    let source = many_watches(60);
    let dump = source.ok(&["export"]);
    let lines: Vec<&str> = dump.lines().collect();
    assert_eq!(lines.len(), 62, "header, 60 watches, end record");
    let end: serde_json::Value = serde_json::from_str(lines[61]).unwrap();
    assert_eq!(end["type"], "end");
    assert_eq!(end["watches"], 60);
    let target = Env::new("");
    let write = |name: &str, text: String| {
        let p = target.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // cut at a line boundary: the end record is missing
    let cut = write("cut.jsonl", lines[..40].join("\n") + "\n");
    refused(&target, &cut, &["end record", "truncated"]);
    // only the end record dropped
    let no_end = write("no-end.jsonl", lines[..61].join("\n") + "\n");
    refused(&target, &no_end, &["end record"]);
    // a watch line dropped in the middle: counts and checksum disagree
    let mut gap = lines.clone();
    gap.remove(30);
    refused(
        &target,
        &write("gap.jsonl", gap.join("\n") + "\n"),
        &["end record"],
    );
    // a line after the end record
    let extra = write("extra.jsonl", dump.clone() + lines[5] + "\n");
    refused(&target, &extra, &["after the end record"]);
    // a format-1 file (no end record) is refused unless asked for
    let old: Vec<String> = lines[..61]
        .iter()
        .map(|l| l.replacen("\"format\":2", "\"format\":1", 1))
        .collect();
    let old = write("format1.jsonl", old.join("\n") + "\n");
    refused(&target, &old, &["format 1", "--unverified"]);
    let out = target.ok(&["import", "--unverified", old.to_str().unwrap()]);
    assert!(out.contains("60 watches added"), "{out}");
    // the whole export imports
    let fresh = Env::new("");
    let whole = fresh.dir.path().join("whole.jsonl");
    std::fs::write(&whole, &dump).unwrap();
    let out = fresh.ok(&["import", whole.to_str().unwrap()]);
    assert!(out.contains("60 watches added"), "{out}");
}

#[test]
fn export_to_a_file_is_all_or_nothing() {
    let (_server, env, _urls) = store_with_history();
    let out_file = env.dir.path().join("backup.jsonl");
    // a good export first
    env.ok(&["export", "-o", out_file.to_str().unwrap()]);
    let good = std::fs::read_to_string(&out_file).unwrap();
    assert!(good.lines().count() > 5);
    // damage every stored text: the next export fails half-way
    {
        let db = open_raw(&env.dir.path().join("db"));
        let texts = db.open_tree("texts").unwrap();
        let keys: Vec<_> = texts.iter().keys().map(|k| k.unwrap()).collect();
        assert!(!keys.is_empty());
        for k in keys {
            texts.insert(k, &b"not zstd at all"[..]).unwrap();
        }
        db.flush().unwrap();
    }
    let out = env.run(&["export", "-o", out_file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        std::fs::read_to_string(&out_file).unwrap(),
        good,
        "a failed export leaves the earlier file as it was"
    );
    let fresh = env.dir.path().join("fresh.jsonl");
    let out = env.run(&["export", "-o", fresh.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!fresh.exists(), "a failed export leaves no partial file");
    let leftovers: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("jsonl") && n != "backup.jsonl")
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

/// A store with three watches, each at two versions (so with edit events).
pub fn store_with_history() -> (Server, Env, Vec<String>) {
    let server = Server::start();
    let paths = ["/one", "/two", "/three"];
    let mut watches = String::new();
    for (i, p) in paths.iter().enumerate() {
        let mut body = story();
        body.rotate_left(i);
        server.set(
            p,
            Reply::html(article_page(
                &format!("Story {i}"),
                &body,
                &Furniture::default(),
            )),
        );
        watches.push_str(&format!("[[watch]]\nurl = \"{}\"\n", server.url(p)));
    }
    let env = Env::new(&watches);
    env.ok(&["check", "--all"]);
    for (i, p) in paths.iter().enumerate() {
        let mut body = story();
        body.rotate_left(i);
        body[0] = format!("{} An update was added later.", body[0]);
        server.set(
            p,
            Reply::html(article_page(
                &format!("Story {i}"),
                &body,
                &Furniture::default(),
            )),
        );
    }
    env.ok(&["check", "--all"]);
    let urls = paths.iter().map(|p| server.url(p)).collect();
    (server, env, urls)
}
