//! TLS through the real binary, with certificates made by the test: HTTPS
//! article fetches trusted through `[fetch] extra_ca_file`; untrusted,
//! expired and wrong-host certificates failing the watch with a reason a
//! person can act on; an HTTPS webhook; SMTP with STARTTLS and AUTH.

use crate::common;
use crate::tlscommon;

use common::{article_page, story, Env, Furniture, Reply, Server};
use tlscommon::{Leaf, SmtpTls, TestCa, TlsFront};

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

/// An HTTPS front with `leaf` for a plain server that has the story.
fn https_story(leaf: &Leaf) -> (Server, TlsFront) {
    let server = Server::start();
    server.set("/story", page(&story()));
    let front = TlsFront::start(server.addr, leaf);
    (server, front)
}

/// The config's `[fetch]` table is open where `Env` puts the extra text:
/// this line lands in it. The path is relative to the config file.
const TRUST_TEST_CA: &str = "extra_ca_file = \"test-ca.pem\"\n";

fn watch(url: &str) -> String {
    format!("[[watch]]\nurl = \"{url}\"\n")
}

fn last_check(env: &Env, url: &str) -> serde_json::Value {
    let list = env.json(&["watch", "list"]);
    list.as_array()
        .expect("watch list is an array")
        .iter()
        .find(|w| w["url"] == url)
        .unwrap_or_else(|| panic!("{url} not in {list}"))["last_check"]
        .clone()
}

/// The failure on the watch: kind `tls`, and the reason, with no version
/// stored for it.
fn tls_failure(env: &Env, url: &str) -> String {
    let check = last_check(env, url);
    assert_eq!(check["outcome"], "failed", "{url}: {check}");
    assert_eq!(check["failure"], "tls", "{url}: {check}");
    let history = env.json(&["history", url]);
    assert_eq!(
        history.as_array().map(Vec::len),
        Some(0),
        "{url}: {history}"
    );
    check["reason"].as_str().unwrap_or("").to_string()
}

#[test]
fn https_articles_are_fetched_and_bad_certificates_fail_readably() {
    let ca = TestCa::new("copydesk test CA");
    let stranger = TestCa::new("some other CA");
    let (_s1, good) = https_story(&ca.leaf(&["127.0.0.1", "localhost"], false));
    let (_s2, untrusted) = https_story(&stranger.leaf(&["127.0.0.1"], false));
    let (_s3, expired) = https_story(&ca.leaf(&["127.0.0.1"], true));
    let (_s4, wrong_host) = https_story(&ca.leaf(&["other.example"], false));
    let urls = [&good, &untrusted, &expired, &wrong_host].map(|f| f.url("/story"));
    let watches: String = urls.iter().map(|u| watch(u)).collect();
    let env = Env::new(&format!("{TRUST_TEST_CA}\n{watches}"));
    ca.write_pem(env.dir.path());

    let out = env.run(&["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check exits 0 with failed watches: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 failed"), "{stdout}");

    // trusted through the extra CA: a version, over a real handshake
    assert_eq!(last_check(&env, &urls[0])["outcome"], "new_version");
    let history = env.json(&["history", &urls[0]]);
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
    assert!(good.stats().handshakes >= 1, "{:?}", good.stats());

    let reason = tls_failure(&env, &urls[1]);
    let endpoint = untrusted.addr.to_string();
    assert!(
        reason.contains(&format!("certificate of {endpoint}"))
            && reason.contains("not signed by a trusted certificate authority")
            && reason.contains("fetch.extra_ca_file"),
        "untrusted: {reason}"
    );
    assert!(untrusted.stats().failed_handshakes >= 1);

    let reason = tls_failure(&env, &urls[2]);
    assert!(
        reason.contains("has expired") && reason.contains("valid until 2001-01-01"),
        "expired: {reason}"
    );

    let reason = tls_failure(&env, &urls[3]);
    assert!(
        reason.contains("not valid for the name 127.0.0.1") && reason.contains("other.example"),
        "wrong host: {reason}"
    );
    // the check's own summary names each failure with its reason
    assert!(stdout.contains("has expired"), "{stdout}");
}

#[test]
fn without_extra_ca_file_the_test_ca_is_not_trusted() {
    let ca = TestCa::new("copydesk test CA");
    let (_server, front) = https_story(&ca.leaf(&["127.0.0.1"], false));
    let url = front.url("/story");
    let env = Env::new(&watch(&url));
    ca.write_pem(env.dir.path()); // present, but not configured
    env.ok(&["check"]);
    let reason = tls_failure(&env, &url);
    assert!(
        reason.contains("not signed by a trusted certificate authority"),
        "{reason}"
    );

    // trusting it makes the same server work, and edits are seen over TLS
    env.write_config(&format!("{TRUST_TEST_CA}\n{}", watch(&url)));
    env.ok(&["check", "--all"]);
    assert_eq!(last_check(&env, &url)["outcome"], "new_version");
    _server.set("/story", page(&edited()));
    env.ok(&["check", "--all"]);
    let history = env.json(&["history", &url]);
    assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
}

#[test]
fn a_missing_or_non_pem_extra_ca_file_is_a_clear_config_error() {
    let env = Env::new("extra_ca_file = \"nowhere/ca.pem\"\n");
    let out = env.run(&["config", "check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("key `fetch.extra_ca_file`")
            && stderr.contains("cannot read")
            && stderr.contains("nowhere/ca.pem"),
        "missing file: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let not_pem = env.dir.path().join("ca.pem");
    std::fs::write(&not_pem, "just some text, no certificate\n").unwrap();
    env.write_config("extra_ca_file = \"ca.pem\"\n");
    let out = env.run(&["config", "check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("key `fetch.extra_ca_file`")
            && stderr.contains("holds no PEM certificate")
            && stderr.contains("BEGIN CERTIFICATE"),
        "not PEM: {stderr}"
    );

    // the same file with the CA in it passes
    std::fs::write(&not_pem, TestCa::new("ok CA").pem).unwrap();
    env.ok(&["config", "check"]);
}

#[test]
fn webhooks_are_delivered_over_https_and_an_untrusted_receiver_is_named() {
    let ca = TestCa::new("copydesk test CA");
    let stranger = TestCa::new("some other CA");
    let receiver = Server::start();
    let hook = TlsFront::start(receiver.addr, &ca.leaf(&["127.0.0.1"], false));
    let bad_hook = TlsFront::start(receiver.addr, &stranger.leaf(&["127.0.0.1"], false));
    let articles = Server::start();
    articles.set("/story", page(&story()));
    let env = Env::new(&format!(
        "{TRUST_TEST_CA}\n[[alert.webhook]]\nurl = \"{}\"\n\n[[alert.webhook]]\nurl = \"{}\"\n\n{}",
        hook.url("/hook"),
        bad_hook.url("/bad"),
        watch(&articles.url("/story"))
    ));
    ca.write_pem(env.dir.path());
    env.ok(&["check"]);
    articles.set("/story", page(&edited()));
    let out = env.ok(&["check", "--all"]);
    assert!(out.contains("1 delivered"), "{out}");

    let hooks = receiver.post_json("/hook");
    assert_eq!(hooks.len(), 1, "one webhook over HTTPS");
    assert_eq!(hooks[0]["event"], "edit", "{}", hooks[0]);
    assert!(receiver.post_json("/bad").is_empty());

    let pending = env.json(&["alerts"]);
    let pending = pending.as_array().expect("alerts is an array");
    assert_eq!(pending.len(), 1, "{pending:?}");
    let error = pending[0]["last_error"].as_str().unwrap_or("");
    assert!(
        error.contains(&format!("certificate of {}", bad_hook.addr))
            && error.contains("not signed by a trusted certificate authority"),
        "{error}"
    );
}

#[test]
fn email_goes_through_starttls_with_auth() {
    let ca = TestCa::new("copydesk test CA");
    let smtp = SmtpTls::start(&ca.leaf(&["127.0.0.1"], false), "desk", "s3cret-pass");
    let articles = Server::start();
    articles.set("/story", page(&story()));
    let env = Env::new(&format!(
        "{TRUST_TEST_CA}\n[[alert.email]]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\n\
         username = \"desk\"\npassword_env = \"TLS_TEST_SMTP_PASSWORD\"\n\
         from = \"alerts@example.org\"\nto = [\"desk@example.org\"]\n\n{}",
        smtp.port,
        watch(&articles.url("/story"))
    ));
    ca.write_pem(env.dir.path());
    let pass = [("TLS_TEST_SMTP_PASSWORD", "s3cret-pass")];
    let ok = |args: &[&str]| {
        let out = env.run_env(args, &pass);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    ok(&["check"]);
    articles.set("/story", page(&edited()));
    let out = ok(&["check", "--all"]);
    assert!(out.contains("1 delivered"), "{out}");

    let mails = smtp.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].tls, "sent inside TLS");
    assert_eq!(mails[0].user, "desk");
    assert_eq!(mails[0].from, "<alerts@example.org>");
    assert_eq!(mails[0].to, ["<desk@example.org>"]);
    assert!(
        mails[0].data.contains("Council approves budget"),
        "{}",
        mails[0].data
    );
    let commands = smtp.commands.lock().unwrap().clone();
    let at = |c: &str| {
        commands
            .iter()
            .position(|x| x.to_ascii_uppercase().starts_with(c))
    };
    assert!(
        at("STARTTLS") < at("AUTH") && at("AUTH") < at("MAIL FROM"),
        "STARTTLS, then AUTH, then the mail: {commands:?}"
    );
    assert!(at("STARTTLS").is_some());

    // a wrong password is a delivery failure with the server's word
    let wrong = [("TLS_TEST_SMTP_PASSWORD", "wrong")];
    articles.set("/story", page(&story()));
    let out = env.run_env(&["check", "--all"], &wrong);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("failed (kept for the next run)"),
        "{stdout}"
    );
    assert_eq!(smtp.mails.lock().unwrap().len(), 1);
    let pending: serde_json::Value =
        serde_json::from_str(&ok(&["alerts", "--format", "json"])).expect("alerts JSON");
    let error = pending[0]["last_error"].as_str().unwrap_or("");
    assert!(error.contains("535"), "{pending}");
}
