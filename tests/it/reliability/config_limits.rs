//! Config values that used to pass `config check` and fail later: a
//! duration so long that a date plus it overflows.

use crate::common::Env;

/// `config check` on `extra`: its exit code and stderr.
pub fn config_check(extra: &str) -> (Option<i32>, String) {
    let env = Env::new(extra);
    let out = env.run(&["config", "check"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn refused(extra: &str, needles: &[&str]) {
    let (code, err) = config_check(extra);
    assert_eq!(code, Some(2), "{extra}: {err}");
    for n in needles {
        assert!(err.contains(n), "{extra}: expected {n:?} in\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn durations_that_overflow_a_date_are_refused_at_config_time() {
    refused(
        "[schedule.adaptive]\nsteps = [[\"3h\", \"99999999999d\"]]\n",
        &["schedule.adaptive.steps", "too long"],
    );
    refused(
        "[schedule.adaptive]\nstop_after = \"99999999999d\"\n",
        &["stop_after", "too long"],
    );
    refused(
        "[[alert.webhook]]\nurl = \"http://127.0.0.1:9/h\"\ndigest = \"99999999999d\"\n",
        &["digest", "too long"],
    );
    // a long but sane cadence still passes, and a check runs with it
    let env = Env::new(
        "[schedule]\ndefault = \"adaptive\"\n\n[schedule.adaptive]\nsteps = [[\"3h\", \"3650d\"]]\nthen = \"3650d\"\nstop_after = \"36500d\"\n\n\
         [[watch]]\nurl = \"http://127.0.0.1:9/x\"\n",
    );
    let out = env.run(&["check", "--all"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
}
