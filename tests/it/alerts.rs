//! The alert outbox with real receivers: retry with backoff, dead letters
//! and `copydesk alerts`, and exactly-once delivery across a SIGKILL.

use crate::common;

use common::daemon::{eventually, Daemon};
use common::{article_page, story, Env, Furniture, Reply, Server};
use std::time::Duration;

fn page(body: &[String]) -> Reply {
    Reply::html(article_page(
        "Council approves budget",
        body,
        &Furniture::default(),
    ))
}

fn edited() -> Vec<String> {
    let mut b = story();
    b[1] = b[1].replace("four hours", "six hours");
    b
}

fn env(server: &Server, extra: &str) -> Env {
    Env::new(&format!(
        "[alert]\n{extra}\n\n[[alert.webhook]]\nurl = \"{}\"\n\n[[watch]]\nurl = \"{}\"\n",
        server.url("/hook"),
        server.url("/story")
    ))
}

#[test]
fn a_receiver_that_fails_three_times_gets_the_event_once_with_backoff() {
    let server = Server::start();
    server.set("/story", page(&story()));
    let env = env(
        &server,
        "retry_backoff = \"300ms\"\nmax_attempts = 10\n\n[schedule]\ndefault = \"*/2 * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"",
    );
    let mut d = Daemon::start(&env);
    eventually(Duration::from_secs(5), "first version", || {
        server.hits("/story") >= 1
    });
    server.fail_hook_times(3);
    server.set("/story", page(&edited()));
    eventually(Duration::from_secs(15), "the event delivered", || {
        !server.hooks().is_empty()
    });
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(server.hooks().len(), 1, "delivered once");
    let times = server.hook_times();
    assert_eq!(times.len(), 4, "3 failures, then the delivery");
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    // 300 ms, then 600 ms, then 1.2 s (plus jitter and the loop's turn)
    assert!(gaps[0] >= Duration::from_millis(300), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(600), "{gaps:?}");
    assert!(gaps[2] >= Duration::from_millis(1_200), "{gaps:?}");
    assert!(gaps[2] > gaps[0], "backoff grows: {gaps:?}");
    d.signal("-TERM");
    assert_eq!(d.wait(Duration::from_secs(10)).0, Some(0));
}

#[test]
fn a_receiver_that_never_recovers_ends_in_dead_letter_until_retried() {
    let server = Server::start();
    server.set("/story", page(&story()));
    let env = env(&server, "max_attempts = 3");
    env.ok(&["check"]);
    server.set_hook_down(true);
    server.set("/story", page(&edited()));
    for _ in 0..3 {
        env.ok(&["check", "--all"]);
    }
    assert_eq!(server.hits("/hook"), 3);
    let failed = env.json(&["alerts", "--failed"]);
    let rows = failed.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{failed}");
    assert_eq!(rows[0]["state"], "failed");
    assert_eq!(rows[0]["attempts"], 3);
    assert!(rows[0]["last_error"].as_str().unwrap().contains("503"));
    assert_eq!(rows[0]["url"], server.url("/story"));
    let id = rows[0]["id"].as_str().unwrap().to_string();
    assert!(env
        .json(&["alerts", "--pending"])
        .as_array()
        .unwrap()
        .is_empty());
    let text = env.ok(&["alerts"]);
    assert!(text.contains(&id) && text.contains("given up"), "{text}");

    // a dead letter is not retried by later runs
    env.ok(&["check", "--all"]);
    assert_eq!(server.hits("/hook"), 3);

    server.set_hook_down(false);
    let out = env.ok(&["alerts", "retry", &id]);
    assert!(out.contains("1 deliveries due again"), "{out}");
    env.ok(&["check"]);
    let hooks = server.hooks();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["id"], id.as_str());
    assert!(env.json(&["alerts"]).as_array().unwrap().is_empty());
    assert!(env.ok(&["alerts"]).contains("the outbox is empty"));
    let out = env.run(&["alerts", "retry", "edit-nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("edit-nope"));
}

#[test]
fn sigkill_before_delivery_delivers_exactly_once_after_restart() {
    let server = Server::start();
    server.set("/story", page(&story()));
    let env = env(
        &server,
        "[schedule]\ndefault = \"*/2 * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"",
    );
    let mut d = Daemon::start(&env);
    eventually(Duration::from_secs(5), "first version", || {
        server.hits("/story") >= 1
    });
    server.set_hook_down(true);
    server.set("/story", page(&edited()));
    eventually(Duration::from_secs(6), "a failed delivery", || {
        server.hits("/hook") >= 1
    });
    // the event waits in the outbox; the CLI reads it through the daemon
    let pending = env.json(&["alerts", "--pending"]);
    let id = pending[0]["id"]
        .as_str()
        .expect("a pending event")
        .to_string();
    d.signal("-KILL");
    d.wait(Duration::from_secs(5));

    server.set_hook_down(false);
    let d2 = Daemon::start(&env);
    eventually(Duration::from_secs(5), "delivery after restart", || {
        !server.hooks().is_empty()
    });
    std::thread::sleep(Duration::from_secs(3));
    let hooks = server.hooks();
    assert_eq!(hooks.len(), 1, "exactly once: {hooks:?}");
    assert_eq!(hooks[0]["id"], id.as_str(), "with the same id");
    assert_eq!(hooks[0]["to_version"], 2);
    drop(d2);
    let history = env.json(&["history", &server.url("/story")]);
    assert_eq!(
        history.as_array().map(Vec::len),
        Some(2),
        "the version survived the kill"
    );
}

#[test]
fn signed_webhooks_verify_and_carry_custom_headers() {
    let server = Server::start();
    server.set("/story", page(&story()));
    let env = Env::new(&format!(
        "[[alert.webhook]]\nurl = \"{}\"\nsecret = \"s3cret-key\"\n\
         headers = {{ \"X-Team\" = \"politics desk\" }}\n\n[[watch]]\nurl = \"{}\"\n",
        server.url("/hook"),
        server.url("/story")
    ));
    env.ok(&["check"]);
    server.set("/story", page(&edited()));
    let out = env.run(&["check", "--all"]);
    assert!(out.status.success());
    let raw = server.hook_raw();
    assert_eq!(raw.len(), 1);
    let (headers, body) = &raw[0];
    assert_eq!(
        headers.get("x-team").map(String::as_str),
        Some("politics desk")
    );
    assert_eq!(
        headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
    let sig = headers
        .get("x-copydesk-signature")
        .expect("a signature header");
    let hex = sig.strip_prefix("sha256=").expect("sha256= prefix");
    let tag: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, b"s3cret-key");
    assert!(
        aws_lc_rs::hmac::verify(&key, body, &tag).is_ok(),
        "the signature verifies"
    );
    assert!(aws_lc_rs::hmac::verify(&key, b"tampered", &tag).is_err());
    // Standard Webhooks: v1,BASE64(HMAC(key, "ID.TIMESTAMP.BODY")), the
    // timestamp the time of sending
    let id = headers.get("webhook-id").expect("webhook-id");
    assert_eq!(Some(id), headers.get("x-copydesk-id"));
    let ts: i64 = headers
        .get("webhook-timestamp")
        .and_then(|t| t.parse().ok())
        .expect("a numeric webhook-timestamp");
    let now = chrono::Utc::now().timestamp();
    assert!((now - 300..=now).contains(&ts), "{ts} vs {now}");
    let v1 = headers.get("webhook-signature").expect("webhook-signature");
    let b64 = v1.strip_prefix("v1,").expect("v1, prefix");
    use base64::Engine;
    let tag = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let mut signed = format!("{id}.{ts}.").into_bytes();
    signed.extend_from_slice(body);
    assert!(aws_lc_rs::hmac::verify(&key, &signed, &tag).is_ok());
    let mut replayed = format!("{id}.{}.", ts - 3600).into_bytes();
    replayed.extend_from_slice(body);
    assert!(
        aws_lc_rs::hmac::verify(&key, &replayed, &tag).is_err(),
        "the timestamp is signed"
    );
    // the secret is not in logs or in `config check`
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("s3cret-key"));
    assert!(!env.ok(&["config", "check"]).contains("s3cret-key"));

    // a secret_env that is not set is a clear error
    let env2 = Env::new(&format!(
        "[[alert.webhook]]\nurl = \"{}\"\nsecret_env = \"COPYDESK_TEST_UNSET_SECRET_VAR\"\n",
        server.url("/hook")
    ));
    let out = env2.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("COPYDESK_TEST_UNSET_SECRET_VAR") && err.contains("not set"),
        "{err}"
    );
}

#[test]
fn rules_drop_a_typo_fix_and_keep_a_headline_change() {
    let server = Server::start();
    server.set("/story", page(&story()));
    let env = Env::new(&format!(
        "[[alert.webhook]]\nurl = \"{}\"\nmin_class = \"minor\"\n\n\
         [[alert.webhook]]\nurl = \"{}\"\nheadline_only = true\n\n\
         [[alert.webhook]]\nurl = \"{}\"\nexclude_outlets = [\"{}\"]\n\n\
         [[alert.slack]]\nurl = \"{}\"\nmin_class = \"minor\"\n\n[[watch]]\nurl = \"{}\"\n",
        server.url("/no-typos"),
        server.url("/headlines"),
        server.url("/not-this-outlet"),
        server.addr,
        server.url("/slack-no-typos"),
        server.url("/story")
    ));
    env.ok(&["check"]);
    let mut body = story();
    // a one-character fix
    body[1] = body[1].replace("four hours", "for hours");
    server.set("/story", page(&body));
    env.ok(&["check", "--all"]);
    let diff = env.json(&["diff", &server.url("/story")]);
    assert_eq!(diff["summary"]["class"], "typo");
    assert_eq!(server.hits("/no-typos"), 0, "typo dropped by min_class");
    assert_eq!(
        server.hits("/slack-no-typos"),
        0,
        "the same rule on a chat sink"
    );
    assert_eq!(server.hits("/headlines"), 0, "no headline change");

    // a headline change
    server.set(
        "/story",
        Reply::html(article_page(
            "Council rejects budget",
            &body,
            &Furniture::default(),
        )),
    );
    env.ok(&["check", "--all"]);
    assert_eq!(server.hits("/no-typos"), 1, "a headline change is kept");
    let slack = server.post_json("/slack-no-typos");
    assert_eq!(slack.len(), 1);
    let text = slack[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Edited (headline): Council rejects budget")
            && text.contains("headline changed"),
        "{text}"
    );
    assert_eq!(server.hits("/headlines"), 1);

    // a few words changed in the body: not a headline change
    body[2] = body[2].replace("reduce commuting times", "shorten commutes");
    server.set(
        "/story",
        Reply::html(article_page(
            "Council rejects budget",
            &body,
            &Furniture::default(),
        )),
    );
    env.ok(&["check", "--all"]);
    assert_eq!(server.hits("/no-typos"), 2);
    assert_eq!(server.hits("/headlines"), 1);
    assert_eq!(server.hits("/not-this-outlet"), 0, "excluded outlet");
    assert!(env.json(&["alerts"]).as_array().unwrap().is_empty());
}
