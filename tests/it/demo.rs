//! `copydesk demo` as a newcomer runs it: the real binary, no config, for
//! the length of its story. Its stdout must tell the whole story right:
//! the web UI address (reachable while it runs), a stealth edit with its
//! diff, a correction, a republication naming the right first publisher, a
//! partial lift, and no alert from the furniture that changes on every load.

use crate::common;

use common::daemon::http_get;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Long enough for the whole story (the demo says it takes about 32 s).
const SECONDS: &str = "34";

#[test]
fn the_demo_tells_the_whole_story_with_the_right_original() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(["demo", "--seconds", SECONDS])
        .current_dir(dir.path())
        .env_remove("COPYDESK_CONFIG")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the demo");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // the UI address comes before the story starts; the UI answers
    let mut text = String::new();
    let started = Instant::now();
    let ui = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no web UI line; so far:\n{text}"));
        text.push_str(&line);
        text.push('\n');
        if let Some(rest) = line.strip_prefix("web UI: http://") {
            break rest.split('/').next().unwrap_or_default().to_string();
        }
    };
    let (status, body) = http_get(&ui, "/");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("copydesk"), "{body}");
    for line in rx.iter() {
        text.push_str(&line);
        text.push('\n');
    }
    let out = child.wait_with_output().expect("wait for the demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}\n{stderr}");
    assert!(started.elapsed() < Duration::from_secs(60), "{text}");
    // quiet: no routine daemon log lines on the terminal
    assert!(!stderr.contains(" INFO "), "{stderr}");

    // the promised times are within --seconds: nothing is left out
    assert!(!text.contains("stops the demo before"), "{text}");
    let alerts: Vec<&str> = text.lines().filter(|l| l.contains("] alert: ")).collect();
    assert_eq!(
        alerts.len(),
        4,
        "one alert per step, none from furniture:\n{text}"
    );
    let edits: Vec<&&str> = alerts
        .iter()
        .filter(|l| l.contains("alert: edit ("))
        .collect();
    assert_eq!(edits.len(), 2, "{text}");
    assert!(
        edits[0].contains("stealth edit") && edits[0].contains("Daily Harbour"),
        "{text}"
    );
    assert!(edits[1].contains("alert: edit (correction)"), "{text}");
    // the stealth edit's diff is printed under it
    assert!(text.contains("{+a full year of +}"), "{text}");
    // furniture: the promotion that changes on every load was learned
    assert!(text.contains("Furniture learned"), "{text}");
    assert!(!text.contains("A/B test"), "{text}");
    assert!(
        text.contains("    + Correction: An earlier version"),
        "{text}"
    );
    let copy = alerts
        .iter()
        .find(|l| l.contains("alert: republication (copy)"))
        .unwrap_or_else(|| panic!("no whole-copy alert:\n{text}"));
    assert!(
        copy.contains("Coastal Courier copied Daily Harbour's story whole")
            && copy.ends_with("first published by Daily Harbour"),
        "{copy}"
    );
    let lift = alerts
        .iter()
        .find(|l| l.contains("alert: republication (partial)"))
        .unwrap_or_else(|| panic!("no partial-lift alert:\n{text}"));
    assert!(
        lift.contains("Bay Weekly took 2 paragraphs of Daily Harbour's story")
            && lift.ends_with("first published by Daily Harbour"),
        "{lift}"
    );
    // in that order, as the timeline said
    let pos = |needle: &str| text.find(needle).unwrap_or(usize::MAX);
    assert!(pos("stealth edit:") < pos("(correction)"), "{text}");
    assert!(pos("(correction)") < pos("republication (copy)"), "{text}");
    assert!(
        pos("republication (copy)") < pos("republication (partial)"),
        "{text}"
    );
    // the summary: the original has three versions, the story one first
    // publisher, and no "cannot read" payload
    assert!(
        text.contains("/bridge [Daily Harbour]") && text.contains(", 3 versions"),
        "{text}"
    );
    assert!(
        text.contains("first published by Daily Harbour ("),
        "{text}"
    );
    assert!(!text.contains("cannot read"), "{text}");
}

#[test]
fn a_short_demo_says_which_steps_it_leaves_out() {
    let out = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(["demo", "--seconds", "4"])
        .env_remove("COPYDESK_CONFIG")
        .output()
        .expect("run the demo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // no step is promised after the end
    for at in ["6 s", "12 s", "18 s", "24 s"] {
        assert!(
            !text.contains(&format!("  {at}  ")),
            "{at} promised:\n{text}"
        );
    }
    assert!(
        text.contains("--seconds 4 stops the demo before the steps at 6, 12, 18, 24 s"),
        "{text}"
    );
    assert!(text.contains("web UI: http://127.0.0.1:"), "{text}");
    assert!(!text.contains("] alert: "), "{text}");
}

#[test]
fn the_demo_help_does_not_offer_config_and_says_it_runs_until_ctrl_c() {
    let out = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(["demo", "--help"])
        .output()
        .expect("run demo --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{help}");
    assert!(!help.contains("--config"), "{help}");
    assert!(help.contains("Ctrl-C"), "{help}");
    // other commands still offer it
    let out = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(["check", "--help"])
        .output()
        .expect("run check --help");
    assert!(String::from_utf8_lossy(&out.stdout).contains("--config"));
}
