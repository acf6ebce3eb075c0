//! Without a token, another site's page must not be able to change anything
//! through the browser of someone on this machine: cross-origin POST,
//! DELETE and PATCH are refused on every route, the API's included, and
//! `POST /api/v1/alerts/retry` takes its id only from a JSON body.

use super::http::request;
use crate::common::daemon::Daemon;
use crate::common::{article_page, story, Env, Furniture, Reply, Server};

fn page(body: &[String]) -> Reply {
    Reply::html(article_page(
        "Council approves budget",
        body,
        &Furniture::default(),
    ))
}

/// A store with one dead letter (the receiver was down), and its event id.
fn dead_letter() -> (Server, Env, String) {
    let server = Server::start();
    server.set("/story", page(&story()));
    let env = Env::new(&format!(
        "[alert]\nmax_attempts = 1\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         [[alert.webhook]]\nurl = \"{}\"\n\n[[watch]]\nurl = \"{}\"\n",
        server.url("/hook"),
        server.url("/story")
    ));
    env.ok(&["check"]);
    server.set_hook_down(true);
    let mut edited = story();
    edited[1] = edited[1].replace("four hours", "six hours");
    server.set("/story", page(&edited));
    env.ok(&["check", "--all"]);
    let failed = env.json(&["alerts", "--failed"]);
    let id = failed[0]["id"].as_str().expect("a dead letter").to_string();
    (server, env, id)
}

fn dead_count(env: &Env) -> usize {
    env.json(&["alerts", "--failed"]).as_array().unwrap().len()
}

#[test]
fn cross_origin_requests_change_nothing() {
    let (server, env, id) = dead_letter();
    let d = Daemon::start(&env);
    let form = format!("id={id}");
    let retry_path = format!("/api/v1/alerts/retry?id={id}");
    // the hostile run's request: a form post from another site
    for headers in [
        vec![
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        vec![
            ("Sec-Fetch-Site", "cross-site"),
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        vec![("Origin", "null"), ("Content-Type", "text/plain")],
    ] {
        let a = request(&d.addr, "POST", &retry_path, &headers, form.as_bytes());
        assert_eq!(a.status, 403, "{headers:?}: {}", a.body);
        assert!(a.json()["error"].is_string(), "{}", a.body);
    }
    assert_eq!(dead_count(&env), 1, "the dead letter stayed dead");

    // the id only from a JSON body: a query string is refused even from
    // a client that sends no browser headers
    let a = request(&d.addr, "POST", &retry_path, &[], b"");
    assert!(
        a.status == 400 || a.status == 415,
        "{} {}",
        a.status,
        a.body
    );
    assert!(
        a.json()["error"].as_str().unwrap().contains("JSON"),
        "{}",
        a.body
    );
    assert_eq!(dead_count(&env), 1);

    // every state-changing route refuses another site
    let watch = env.json(&["watch", "list"]);
    let wid = watch[0]["id"].as_u64().unwrap().to_string();
    let story_url = server.url("/story");
    let enc: String = url::form_urlencoded::byte_serialize(story_url.as_bytes()).collect();
    let cross = [
        ("Sec-Fetch-Site", "cross-site"),
        ("Content-Type", "application/json"),
    ];
    for (method, path, body) in [
        (
            "POST",
            "/api/v1/watches".to_string(),
            r#"{"url":"http://127.0.0.1:9/new"}"#,
        ),
        ("DELETE", format!("/api/v1/watches?url={enc}"), ""),
        ("DELETE", format!("/api/v1/watches/{wid}"), ""),
        (
            "POST",
            "/api/v1/outlets/example.com/rules".to_string(),
            r#"{"text":"Share this"}"#,
        ),
        (
            "PATCH",
            "/api/v1/outlets/example.com/rules/0123456789abcdef".to_string(),
            r#"{"verdict":"confirmed"}"#,
        ),
        (
            "DELETE",
            "/api/v1/outlets/example.com/rules/0123456789abcdef".to_string(),
            "",
        ),
        ("POST", "/api/v1/alerts/retry".to_string(), r#"{"id":"x"}"#),
        (
            "POST",
            "/outlets/example.com/rules".to_string(),
            "text=Share",
        ),
        ("POST", "/login".to_string(), "token=x"),
        ("POST", "/logout".to_string(), ""),
    ] {
        let a = request(&d.addr, method, &path, &cross, body.as_bytes());
        assert_eq!(a.status, 403, "{method} {path}: {} {}", a.status, a.body);
        if path.starts_with("/api/") {
            assert!(a.json()["error"].is_string(), "{method} {path}: {}", a.body);
        }
    }
    let after = env.json(&["watch", "list"]);
    assert_eq!(after.as_array().map(Vec::len), Some(1), "{after}");
    assert_eq!(dead_count(&env), 1);

    // this origin's own requests and the CLI still work
    let body = serde_json::json!({ "id": id }).to_string();
    let a = request(
        &d.addr,
        "POST",
        "/api/v1/alerts/retry",
        &[
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json(), serde_json::json!(1));
    let out = env.ok(&["alerts", "retry", &id]);
    assert!(out.contains("1 deliveries due again"), "{out}");
    drop(d);
}
