//! The OpenAPI document against the live API: schemathesis (a property-based
//! API tester, from the Python package registry) generates requests from
//! `openapi.json` and sends them to a real `copydesk run` that holds watches,
//! versions, an edit and a republication; any 5xx, any response that breaks
//! its documented schema, status or content type, or any request the
//! document calls invalid that the API accepts, fails the test.
//!
//! schemathesis is found through `COPYDESK_SCHEMATHESIS` (the `st` program;
//! `.ci/run` installs it into a virtual environment), else `st` on `PATH`.
//! Without it the test says so and skips; in CI it fails.

use crate::common;

use common::daemon::{eventually, Daemon};
use common::{article_page, in_ci, story, Env, Furniture, Reply, Server};
use std::process::Command;
use std::time::Duration;

/// The seed of every run: the same requests each time.
const SEED: &str = "21";
/// Test cases per operation, and the time budget of the whole run.
const EXAMPLES: &str = "25";
const MAX_SECS: &str = "90";
/// Checks left out, and why: `positive_data_acceptance` sends values that
/// match the document's types but not grammars JSON Schema cannot state
/// (a crontab line, a URL that parses); `ignored_auth` needs a token, and
/// auth is tested through the real daemon elsewhere (tests/reliability).
const EXCLUDED_CHECKS: &str = "positive_data_acceptance,ignored_auth";

fn schemathesis() -> Option<String> {
    let candidates = std::env::var("COPYDESK_SCHEMATHESIS")
        .ok()
        .into_iter()
        .chain(["st".to_string()]);
    for st in candidates {
        let ok = Command::new(&st)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(st);
        }
    }
    None
}

fn page(title: &str, body: &[String]) -> Reply {
    Reply::html(article_page(title, body, &Furniture::default()))
}

/// The one operation left out of the fuzzing (see its use).
const NOT_FUZZED: &str = "/api/v1/compact";
#[test]
fn the_live_api_answers_as_its_openapi_document_says() {
    let Some(st) = schemathesis() else {
        assert!(
            !in_ci(),
            "schemathesis is required in CI: set COPYDESK_SCHEMATHESIS to its `st` program"
        );
        eprintln!(
            "skipped: schemathesis not found (set COPYDESK_SCHEMATHESIS or put `st` on PATH)"
        );
        return;
    };

    // two outlets (two loopback ports) carrying one story, a second story,
    // and a page that is gone
    let first = Server::start();
    let second = Server::start();
    first.set("/flood", page("Flood in the old town", &story()));
    first.set("/gone", Reply::status(404, "text/html", "gone"));
    second.set("/flood-copy", page("River bursts its banks", &story()));
    second.set("/other", page("Ferry timetable changes", &story()[2..]));
    let watches: String = [
        first.url("/flood"),
        first.url("/gone"),
        second.url("/flood-copy"),
        second.url("/other"),
    ]
    .iter()
    .map(|u| format!("[[watch]]\nurl = \"{u}\"\n\n"))
    .collect();
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"0 0 1 1 *\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n{watches}"
    ));
    env.ok(&["check", "--all"]);
    // an edit: version 2 of the first story
    let mut edited = story();
    edited.push("Correction: an earlier version gave the wrong date for the flood.".into());
    first.set("/flood", page("Flood in the old town", &edited));
    env.ok(&["check", "--all"]);

    let d = Daemon::start(&env);
    let base = format!("http://{}", d.addr);
    eventually(Duration::from_secs(20), "the API answers", || {
        d.get("/api/v1/events").0 == 200
    });
    let (_, events) = d.get("/api/v1/events");
    assert!(
        events.contains("\"edit\""),
        "no edit event stored: {events}"
    );
    assert!(
        events.contains("\"republication\""),
        "no republication stored: {events}"
    );

    let report = env.dir.path().join("schemathesis");
    let out = Command::new(&st)
        .args([
            "run",
            &format!("{base}/api/v1/openapi.json"),
            "--url",
            &base,
        ])
        .args(["--seed", SEED, "-n", EXAMPLES, "--max-time", MAX_SECS])
        .args(["--workers", "1", "--exclude-checks", EXCLUDED_CHECKS])
        // compaction pauses the daemon's checks and holds its store while it
        // copies: by design not something to fuzz (tests/it/maintenance.rs
        // and storage_upkeep.rs test it)
        .args(["--exclude-path", NOT_FUZZED])
        .arg("--report-dir")
        .arg(&report)
        .env("NO_COLOR", "1")
        .current_dir(env.dir.path())
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis found departures from openapi.json:\n{stdout}\n{stderr}"
    );
    // it tested every operation of the document
    let doc: serde_json::Value =
        serde_json::from_str(copydesk::web::api::OPENAPI).expect("openapi.json is JSON");
    let operations: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(path, _)| *path != NOT_FUZZED)
        .map(|(_, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|k| *k != "parameters")
                .count()
        })
        .sum();
    assert!(
        stdout.contains(&format!("Tested: {operations}")),
        "not every operation ({operations}) was tested:\n{stdout}"
    );
}
