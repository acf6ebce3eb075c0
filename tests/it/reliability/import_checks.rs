//! Import checks every field with the rules the config and the API use, and
//! bounds the length of a line, so a tampered export cannot plant a watch
//! that runs on another schedule than it shows, a version that claims the
//! text of one that does not exist, a `javascript:` link, or a 200 MB label.

use super::export_end::store_with_history;
use crate::common::{binary, Env};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

/// `lines` (without an end record) with a correct end record appended.
pub fn seal(lines: &[String]) -> String {
    let mut body = String::new();
    for l in lines {
        body.push_str(l);
        body.push('\n');
    }
    let count = |t: &str| {
        lines
            .iter()
            .filter(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| v["type"] == t))
            .count()
    };
    let end = serde_json::json!({
        "type": "end",
        "lines": lines.len(),
        "watches": count("watch"),
        "versions": count("version"),
        "outlet_rules": count("outlet-rule"),
        "events": count("event"),
        "checksum": format!("xxh3:{:016x}", xxhash_rust::xxh3::xxh3_64(body.as_bytes())),
    });
    body + &end.to_string() + "\n"
}

/// The export of a store with history, as lines without the end record.
fn export_lines(env: &Env) -> Vec<String> {
    let dump = env.ok(&["export"]);
    let mut lines: Vec<String> = dump.lines().map(String::from).collect();
    assert!(lines.pop().is_some_and(|l| l.contains("\"type\":\"end\"")));
    lines
}

fn edit(lines: &[String], kind: &str, f: impl Fn(&mut Value)) -> Vec<String> {
    let mut done = false;
    lines
        .iter()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if !done && v["type"] == kind {
                f(&mut v);
                done = true;
            }
            v.to_string()
        })
        .collect()
}

#[test]
fn import_validates_every_field() {
    let (_server, env, _urls) = store_with_history();
    let lines = export_lines(&env);
    // the untouched export, sealed by the test, imports: the seal is right
    let target = Env::new("");
    let ok = target.dir.path().join("ok.jsonl");
    std::fs::write(&ok, seal(&lines)).unwrap();
    let out = target.ok(&["import", ok.to_str().unwrap()]);
    assert!(out.contains("3 watches added, 6 versions added"), "{out}");

    let long = "x".repeat(10_000);
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "bad cron",
            edit(&lines, "watch", |v| v["schedule"] = "61 * * * *".into()),
            "minute 61 is out of range",
        ),
        (
            "never fires",
            edit(&lines, "watch", |v| v["schedule"] = "0 0 31 2 *".into()),
            "never fires",
        ),
        (
            "same_as missing",
            edit(&lines, "version", |v| v["same_as"] = 7.into()),
            "same_as",
        ),
        (
            "javascript final_url",
            edit(&lines, "version", |v| {
                v["final_url"] = "javascript:alert(1)".into()
            }),
            "final_url",
        ),
        (
            "long label",
            edit(&lines, "watch", |v| v["label"] = long.clone().into()),
            "label",
        ),
        (
            "long URL",
            edit(&lines, "watch", |v| {
                v["url"] = format!("http://127.0.0.1:9/{long}").into()
            }),
            "URL",
        ),
    ];
    for (what, case, needle) in cases {
        let fresh = Env::new("");
        let file = fresh.dir.path().join("case.jsonl");
        std::fs::write(&file, seal(&case)).unwrap();
        let out = fresh.run(&["import", file.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains(needle),
            "{what}: expected {needle:?} in\n{err}"
        );
        assert!(err.contains("line "), "{what}: the line is named\n{err}");
        assert_eq!(
            fresh.json(&["watch", "list"]),
            serde_json::json!([]),
            "{what}"
        );
    }
}

/// The largest resident set of a running process seen while `until` runs.
fn peak_rss_kib(pid: u32, done: &std::sync::atomic::AtomicBool) -> u64 {
    let mut peak = 0;
    while !done.load(std::sync::atomic::Ordering::Relaxed) {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    peak
}

#[test]
fn a_200_mb_line_is_refused_without_reading_it_into_memory() {
    let env = Env::new("");
    let mut child = Command::new(binary())
        .arg("--config")
        .arg(&env.config)
        .args(["import", "-"])
        .env("RUST_LOG", "warn")
        .env_remove("COPYDESK_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let watcher = std::thread::spawn(move || peak_rss_kib(pid, &flag));
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let head = "{\"type\":\"copydesk-export\",\"format\":2,\"exported_at\":\"2026-11-30T00:00:00Z\"}\n\
                    {\"type\":\"watch\",\"url\":\"http://127.0.0.1:9/x\",\"schedule\":null,\"added_at\":\"2026-11-30T00:00:00Z\",\"label\":\"";
        if stdin.write_all(head.as_bytes()).is_err() {
            return 0usize;
        }
        let chunk = vec![b'a'; 1 << 20];
        let mut sent = 0;
        for _ in 0..200 {
            if stdin.write_all(&chunk).is_err() {
                break; // the importer stopped reading
            }
            sent += 1;
        }
        let _ = stdin.write_all(b"\"}\n");
        sent
    });
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = watcher.join().unwrap();
    let sent = writer.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("line 2") && err.contains("longer than"),
        "{err}"
    );
    assert!(sent < 200, "the importer read all 200 MB before refusing");
    assert!(
        peak < 150 * 1024,
        "peak RSS {peak} KiB while refusing the line"
    );
}
