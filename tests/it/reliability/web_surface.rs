//! The small web defects: every API error is JSON, Atom has `nosniff`,
//! failed logins are rate-limited, the CLI's API calls use the same
//! token check as the rest, and the operator chooses whether /healthz and
//! /metrics need the token.

use super::http::request;
use crate::common::daemon::Daemon;
use crate::common::Env;

const TOKEN: &str = "correct-horse-battery-staple";

fn daemon(extra: &str) -> (Env, Daemon) {
    let env = Env::new(&format!("[web]\nlisten = \"127.0.0.1:0\"\n{extra}\n"));
    let d = Daemon::start(&env);
    (env, d)
}

/// The statuses in the documented table of JSON API errors (rows `| NNN |`
/// between "### JSON API" and the next heading of docs/web.md).
fn readme_api_statuses() -> Vec<u16> {
    let doc = include_str!("../../../docs/web.md");
    let section = doc
        .split("### JSON API")
        .nth(1)
        .and_then(|s| s.split("\n#").next())
        .expect("a JSON API section in docs/web.md");
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| ")?.split(' ').next()?.parse().ok())
        .collect()
}

#[test]
fn every_api_error_is_json() {
    let (_env, d) = daemon("");
    let json = [("Content-Type", "application/json")];
    let big = [
        ("Content-Type", "application/json"),
        ("Content-Length", "3145728"),
    ];
    for (method, path, headers, body, status) in [
        (
            "POST",
            "/api/v1/watches",
            &[("Content-Type", "text/plain")][..],
            &b"{}"[..],
            415,
        ),
        ("POST", "/api/v1/watches", &json[..], &b"{not json"[..], 400),
        (
            "POST",
            "/api/v1/watches",
            &json[..],
            &br#"{"label": "no url"}"#[..],
            422,
        ),
        ("POST", "/api/v1/watches", &json[..], &b"{}"[..], 422),
        ("POST", "/api/v1/watches", &big[..], &b""[..], 413),
        ("PUT", "/api/v1/watches", &json[..], &b"{}"[..], 405),
        ("DELETE", "/api/v1/identity", &[][..], &b""[..], 405),
        ("POST", "/api/v1/watches/1/diff", &json[..], &b"{}"[..], 405),
        (
            "GET",
            "/api/v1/version?url=http://x/&n=notanumber",
            &[][..],
            &b""[..],
            400,
        ),
        (
            "POST",
            "/api/v1/outlets/x/rules",
            &[("Content-Type", "text/plain")][..],
            &b"{}"[..],
            415,
        ),
        ("GET", "/api/v1/nothing-here", &[][..], &b""[..], 404),
        ("DELETE", "/api/v2/watches", &[][..], &b""[..], 404),
    ] {
        let a = request(&d.addr, method, path, headers, body);
        assert_eq!(a.status, status, "{method} {path}: {}", a.body);
        // the status is one the table of API errors in docs/web.md documents
        assert!(
            readme_api_statuses().contains(&status),
            "{method} {path}: {status} is not in the table of docs/web.md"
        );
        if status == 405 {
            assert!(a.headers.contains_key("allow"), "{:?}", a.headers);
        }
        assert!(
            a.headers
                .get("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{method} {path}: {:?}",
            a.headers
        );
        assert!(a.json()["error"].is_string(), "{method} {path}: {}", a.body);
    }
}

#[test]
fn atom_feeds_are_not_sniffed() {
    let (_env, d) = daemon("");
    let a = request(&d.addr, "GET", "/feed.atom", &[], b"");
    assert_eq!(a.status, 200);
    assert_eq!(
        a.headers.get("x-content-type-options").map(String::as_str),
        Some("nosniff"),
        "{:?}",
        a.headers
    );
}

#[test]
fn failed_logins_are_rate_limited() {
    let (_env, d) = daemon(&format!("token = \"{TOKEN}\""));
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let mut limited = None;
    for i in 0..30 {
        let a = request(
            &d.addr,
            "POST",
            "/login",
            &form,
            format!("token=guess{i}").as_bytes(),
        );
        if a.status == 429 {
            assert!(a.headers.contains_key("retry-after"), "{:?}", a.headers);
            limited = Some(i);
            break;
        }
        assert_eq!(a.status, 401, "guess {i}");
    }
    let n = limited.expect("30 wrong guesses in a row were all answered");
    assert!(n <= 10, "limited only after {n} guesses");
    // while limited, even the right token waits (no guessing through it)
    let right = format!("token={TOKEN}");
    let a = request(&d.addr, "POST", "/login", &form, right.as_bytes());
    assert_eq!(a.status, 429);
    // the API's bearer token is checked the same way everywhere
    let a = request(
        &d.addr,
        "GET",
        "/api/v1/watch?url=http://x/",
        &[("Authorization", "Bearer wrong")],
        b"",
    );
    assert_eq!(a.status, 401);
    assert_eq!(
        a.headers.get("www-authenticate").map(String::as_str),
        Some("Bearer")
    );
    let bearer = format!("Bearer {TOKEN}");
    let a = request(
        &d.addr,
        "GET",
        "/api/v1/watch?url=http://x/",
        &[("Authorization", &bearer)],
        b"",
    );
    assert_eq!(a.status, 404, "{}", a.body);
}

#[test]
fn health_and_metrics_are_public_only_when_configured() {
    let bearer = format!("Bearer {TOKEN}");
    // default with a token: both public
    let (_env, d) = daemon(&format!("token = \"{TOKEN}\""));
    assert_eq!(request(&d.addr, "GET", "/healthz", &[], b"").status, 200);
    assert_eq!(request(&d.addr, "GET", "/metrics", &[], b"").status, 200);
    drop(d);
    // public = []: both want the token
    let (_env, d) = daemon(&format!("token = \"{TOKEN}\"\npublic = []"));
    for path in ["/healthz", "/metrics"] {
        let a = request(&d.addr, "GET", path, &[], b"");
        assert_eq!(a.status, 401, "{path}");
        let a = request(&d.addr, "GET", path, &[("Authorization", &bearer)], b"");
        assert_eq!(a.status, 200, "{path}");
    }
    drop(d);
    let (_env, d) = daemon(&format!("token = \"{TOKEN}\"\npublic = [\"healthz\"]"));
    assert_eq!(request(&d.addr, "GET", "/healthz", &[], b"").status, 200);
    assert_eq!(request(&d.addr, "GET", "/metrics", &[], b"").status, 401);
}

#[test]
fn a_short_token_is_refused() {
    super::config_limits::refused("[web]\ntoken = \"x\"\n", &["web.token", "at least 16"]);
    super::config_limits::refused(
        "[web]\nlisten = \"0.0.0.0:0\"\ntoken = \"short-token\"\n",
        &["at least 16"],
    );
    let (code, err) = super::config_limits::config_check("[web]\ntoken = \"0123456789abcdef\"\n");
    assert_eq!(code, Some(0), "{err}");
}
