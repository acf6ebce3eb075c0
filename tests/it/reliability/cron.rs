//! Cron lines: one that never fires (`0 0 31 2 *`) is refused where it is
//! written (config, `watch add`, import), and a value out of range is named
//! with its real range ("minute 61 is out of range 0-59").

use super::config_limits::{config_check, refused};
use crate::common::Env;

#[test]
fn a_cron_line_that_never_fires_is_refused() {
    refused(
        "[[watch]]\nurl = \"http://127.0.0.1:9/x\"\nschedule = \"0 0 31 2 *\"\n",
        &["watch.schedule", "never fires"],
    );
    refused("[schedule]\ndefault = \"0 0 30 2 *\"\n", &["never fires"]);
    // a leap day fires every four years: allowed
    let (code, err) = config_check("[schedule]\ndefault = \"0 0 29 2 *\"\n");
    assert_eq!(code, Some(0), "{err}");
    let env = Env::new("");
    let out = env.run(&[
        "watch",
        "add",
        "http://127.0.0.1:9/y",
        "--schedule",
        "0 0 31 4 *",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("never fires"), "{err}");
}

#[test]
fn cron_range_errors_name_the_real_range() {
    for (line, needle) in [
        ("61 * * * *", "minute 61 is out of range 0-59"),
        ("* 24 * * *", "hour 24 is out of range 0-23"),
        ("* * 32 * *", "day of month 32 is out of range 1-31"),
        ("* * 0 * *", "day of month 0 is out of range 1-31"),
        ("* * * 13 *", "month 13 is out of range 1-12"),
        ("60 * * * * *", "second 60 is out of range 0-59"),
        ("*/0 * * * *", "step 0"),
    ] {
        let (code, err) = config_check(&format!("[schedule]\ndefault = \"{line}\"\n"));
        assert_eq!(code, Some(2), "{line}: {err}");
        assert!(
            err.contains(needle),
            "{line}: expected {needle:?} in\n{err}"
        );
        assert!(!err.contains("less than"), "{line}: {err}");
    }
    for ok in [
        "59 23 31 12 *",
        "0-59/15 * * * *",
        "59 * * * * *",
        "0 0 * * 7",
    ] {
        let (code, err) = config_check(&format!("[schedule]\ndefault = \"{ok}\"\n"));
        assert_eq!(code, Some(0), "{ok}: {err}");
    }
}
