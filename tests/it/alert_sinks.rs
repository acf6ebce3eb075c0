//! Every alert sink against a real receiver on loopback, through the real
//! binary: Slack, Discord and ntfy on an HTTP server, email on a small SMTP
//! server, a shell command, the log; rules by label; secrets kept out of
//! output. Digest periods and rate limits run the pipeline in this process
//! on a clock the test moves, so that their windows are asserted to the
//! millisecond.

use crate::common;

use common::{article_page, story, Env, Furniture, Reply, Server};
use copydesk::clock::ManualClock;
use copydesk::config::Config;
use copydesk::pipeline::Pipeline;
use copydesk::store::Store;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn page(title: &str, body: &[String]) -> Reply {
    Reply::html(article_page(title, body, &Furniture::default()))
}

/// The story with its second paragraph changed (`n` picks the wording).
fn edited(n: usize) -> Vec<String> {
    let mut b = story();
    b[1] = b[1].replace(
        "four hours",
        &format!("{} hours", ["six", "seven", "eight", "nine"][n % 4]),
    );
    b
}

fn config(server: &Server, sinks: &str, label: &str) -> String {
    format!(
        "{sinks}\n\n[[watch]]\nurl = \"{}\"\nlabel = \"{label}\"\n",
        server.url("/story")
    )
}

#[test]
fn slack_discord_and_ntfy_say_what_changed_and_labels_select_sinks() {
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let env = Env::new(&config(
        &server,
        &format!(
            "[[alert.slack]]\nurl = \"{}\"\nlabels = [\"politics\"]\n\n\
             [[alert.discord]]\nurl = \"{}\"\n\n\
             [[alert.discord]]\nurl = \"{}\"\nexclude_labels = [\"politics\"]\n\n\
             [[alert.ntfy]]\nurl = \"{}\"\ntopic = \"desk\"\ntoken_env = \"COPYDESK_TEST_NTFY_TOKEN\"\n\n\
             [[alert.log]]",
            server.url("/slack/T0/B0/secret"),
            server.url("/discord"),
            server.url("/discord-not-politics"),
            server.url("/"),
        ),
        "politics",
    ));
    let token = ("COPYDESK_TEST_NTFY_TOKEN", "tk_ntfy_token");
    assert!(env.run_env(&["check"], &[token]).status.success());
    server.set("/story", page("Council approves budget", &edited(0)));
    let out = env.run_env(&["check", "--all"], &[("RUST_LOG", "info"), token]);
    assert!(out.status.success());

    let slack = server.post_json("/slack/T0/B0/secret");
    assert_eq!(slack.len(), 1, "{slack:?}");
    let text = slack[0]["text"].as_str().unwrap();
    let url = server.url("/story");
    assert!(
        text.starts_with(&format!(
            "*<{url}|Edited (minor): Council approves budget>*\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("version 1 → 2 · 1 paragraph changed"),
        "{text}"
    );
    assert!(text.contains("[-four-]{+six+}"), "the diff excerpt: {text}");

    let discord = server.post_json("/discord");
    assert_eq!(discord.len(), 1);
    let content = discord[0]["content"].as_str().unwrap();
    assert!(content.starts_with(&format!(
        "**[Edited (minor): Council approves budget](<{url}>)**"
    )));
    assert!(content.contains("```diff\n~ ") && content.contains("[-four-]{+six+}"));
    assert_eq!(
        discord[0]["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    assert!(
        server.posts("/discord-not-politics").is_empty(),
        "exclude_labels drops the politics watch"
    );

    let ntfy = server.post_json("/");
    assert_eq!(ntfy.len(), 1);
    let (headers, _) = &server.posts("/")[0];
    assert_eq!(
        headers.get("authorization").map(String::as_str),
        Some("Bearer tk_ntfy_token"),
        "the ntfy token from token_env"
    );
    assert_eq!(ntfy[0]["topic"], "desk");
    assert_eq!(ntfy[0]["title"], "Edited (minor): Council approves budget");
    assert_eq!(ntfy[0]["click"], url.as_str());
    assert!(ntfy[0]["message"]
        .as_str()
        .unwrap()
        .contains("[-four-]{+six+}"));

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Edited (minor): Council approves budget") && stderr.contains("sink=log"),
        "the log sink: {stderr}"
    );
    assert!(
        !stderr.contains("/T0/B0/secret"),
        "chat webhook paths are secret"
    );
    assert!(env.json(&["alerts"]).as_array().unwrap().is_empty());
}

/// A minimal SMTP server: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
/// Returns its port and the messages (envelope and data) it accepted.
#[allow(clippy::type_complexity)]
fn smtp_server() -> (u16, Arc<Mutex<Vec<(String, Vec<String>, String)>>>) {
    smtp_server_failing(0)
}

/// [`smtp_server`] that answers the first `fail` messages with "451 try
/// again later" after reading them (they are still recorded).
#[allow(clippy::type_complexity)]
fn smtp_server_failing(fail: usize) -> (u16, Arc<Mutex<Vec<(String, Vec<String>, String)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let g = g.clone();
            std::thread::spawn(move || -> std::io::Result<()> {
                let mut out = conn.try_clone()?;
                let mut r = BufReader::new(conn);
                out.write_all(b"220 test.local ESMTP\r\n")?;
                let (mut from, mut to) = (String::new(), Vec::new());
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    let cmd = line.trim_end().to_string();
                    let upper = cmd.to_ascii_uppercase();
                    if upper.starts_with("EHLO") {
                        out.write_all(b"250-test.local\r\n250 8BITMIME\r\n")?;
                    } else if upper.starts_with("HELO")
                        || upper.starts_with("RSET")
                        || upper.starts_with("NOOP")
                    {
                        out.write_all(b"250 OK\r\n")?;
                    } else if upper.starts_with("MAIL FROM:") {
                        from = cmd[10..].trim().to_string();
                        to.clear();
                        out.write_all(b"250 OK\r\n")?;
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(cmd[8..].trim().to_string());
                        out.write_all(b"250 OK\r\n")?;
                    } else if upper == "DATA" {
                        out.write_all(b"354 go ahead\r\n")?;
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if r.read_line(&mut l)? == 0 {
                                return Ok(());
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(l.strip_prefix('.').unwrap_or(&l));
                        }
                        let n = {
                            let mut g = g.lock().unwrap();
                            g.push((from.clone(), to.clone(), data));
                            g.len()
                        };
                        if n <= fail {
                            out.write_all(b"451 try again later\r\n")?;
                        } else {
                            out.write_all(b"250 queued\r\n")?;
                        }
                    } else if upper == "QUIT" {
                        out.write_all(b"221 bye\r\n")?;
                        return Ok(());
                    } else {
                        out.write_all(b"502 not implemented\r\n")?;
                    }
                }
            });
        }
    });
    (port, got)
}

/// Decode a quoted-printable body.
fn qp_decode(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 3 <= b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}

/// The decoded body of the MIME part with this content type.
fn part(message: &str, content_type: &str) -> String {
    let b = message.find("boundary=\"").expect("a multipart boundary") + 10;
    let boundary = &message[b..b + message[b..].find('"').unwrap()];
    let part = message
        .split(&format!("--{boundary}"))
        .find(|p| p.contains(&format!("Content-Type: {content_type}")))
        .unwrap_or_else(|| panic!("no {content_type} part in:\n{message}"));
    let (head, body) = part.split_once("\r\n\r\n").unwrap();
    assert!(
        head.contains("Content-Transfer-Encoding: quoted-printable"),
        "{head}"
    );
    qp_decode(body)
}

#[test]
fn email_arrives_over_smtp_with_text_and_escaped_html_parts() {
    let (port, got) = smtp_server();
    let server = Server::start();
    let title = "Council approves budget &amp; taxes";
    server.set("/story", page(title, &story()));
    let env = Env::new(&config(
        &server,
        &format!(
            "[[alert.email]]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"copydesk <alerts@example.org>\"\nto = [\"desk@example.org\", \"editor@example.org\"]\n\n\
             [[alert.email]]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"starttls\"\n\
             from = \"alerts@example.org\"\nto = [\"tls-only@example.org\"]"
        ),
        "politics",
    ));
    env.ok(&["check"]);
    let mut body = story();
    body[1] = body[1].replace("four hours", "four &lt;b&gt;long&lt;/b&gt; hours");
    server.set("/story", page(title, &body));
    env.ok(&["check", "--all"]);

    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "one message");
    let (from, to, data) = &got[0];
    assert_eq!(from, "<alerts@example.org>");
    assert_eq!(to, &["<desk@example.org>", "<editor@example.org>"]);
    assert!(
        data.contains("Subject: [copydesk] Edited (minor): Council approves budget & taxes\r\n"),
        "{data}"
    );
    assert!(
        data.contains("From: copydesk <alerts@example.org>\r\n"),
        "{data}"
    );
    assert!(
        data.contains("To: desk@example.org, editor@example.org\r\n"),
        "{data}"
    );
    assert!(
        data.contains("Content-Type: multipart/alternative;"),
        "{data}"
    );

    let text = part(data, "text/plain; charset=utf-8");
    assert!(
        text.starts_with("Edited (minor): Council approves budget & taxes\n"),
        "{text}"
    );
    assert!(text.contains(&server.url("/story")));
    assert!(
        text.contains("{+ <b>long</b> +}"),
        "the diff as text: {text}"
    );

    let html = part(data, "text/html; charset=utf-8");
    assert!(
        html.contains(&format!(
            "<a href=\"{}\">Edited (minor): Council approves budget &amp; taxes</a>",
            server.url("/story")
        )),
        "{html}"
    );
    assert!(
        html.contains("<ins style=\"background:#dfd\"> &lt;b&gt;long&lt;/b&gt; </ins>"),
        "article text escaped, the insertion marked: {html}"
    );
    assert!(!html.contains("<b>long"), "{html}");
    // STARTTLS is required: a server that does not offer it gets nothing
    let pending = env.json(&["alerts", "--pending"]);
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["sink"], "email tls-only@example.org");
    let err = pending[0]["last_error"].as_str().unwrap();
    assert!(err.starts_with("SMTP:"), "{err}");
}

/// RFC 5322 through a real parser: a `Message-ID` derived from the event,
/// the same on a redelivery (the first attempt is refused with 451), a
/// `Date`, and an HTML part whose `<pre>` holds only phrasing content.
#[test]
fn email_redelivery_carries_the_same_message_id() {
    let (port, got) = smtp_server_failing(1);
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let env = Env::new(&config(
        &server,
        &format!(
            "[[alert.email]]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\
             from = \"alerts@example.org\"\nto = [\"desk@example.org\"]"
        ),
        "politics",
    ));
    env.ok(&["check"]);
    let mut body = story();
    body[1] = body[1].replace("four hours", "six hours");
    server.set("/story", page("Council approves budget", &body));
    env.ok(&["check", "--all"]);
    let pending = env.json(&["alerts", "--pending"]);
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "{pending}");
    let event_id = pending[0]["id"].as_str().expect("an event id").to_string();
    env.ok(&["check", "--all"]); // retries the pending delivery at once
    assert!(env
        .json(&["alerts", "--pending"])
        .as_array()
        .unwrap()
        .is_empty());

    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "refused once, then delivered");
    let parsed: Vec<mail_parser::Message> = got
        .iter()
        .map(|(_, _, data)| {
            mail_parser::MessageParser::default()
                .parse(data.as_bytes())
                .expect("a parsable message")
        })
        .collect();
    let ids: Vec<&str> = parsed
        .iter()
        .map(|m| m.message_id().expect("a Message-ID"))
        .collect();
    assert_eq!(ids[0], ids[1], "a redelivery carries the same Message-ID");
    assert_eq!(ids[0], format!("{event_id}.copydesk@example.org"));
    for m in &parsed {
        assert!(m.date().is_some(), "a Date header");
        assert_eq!(
            m.subject(),
            Some("[copydesk] Edited (minor): Council approves budget")
        );
        let html = m.body_html(0).expect("an HTML part");
        let pre = &html[html.find("<pre").expect("a <pre>")..html.find("</pre>").expect("</pre>")];
        for block in ["<div", "<p>", "<p ", "<ul", "<h2", "<table"] {
            assert!(!pre.contains(block), "{block} inside <pre>: {pre}");
        }
        assert!(pre.contains("<ins"), "{pre}");
        assert!(m.body_text(0).is_some_and(|t| t.contains("{+six+}")));
    }
}

#[test]
fn a_command_reads_the_event_on_stdin_and_is_killed_on_timeout() {
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let env = Env::new("");
    let out = env.dir.path().join("event.json");
    let marker = env.dir.path().join("not-killed");
    let pid_file = env.dir.path().join("slow.pid");
    env.write_config(&config(
        &server,
        &format!(
            "[[alert.command]]\nprogram = \"sh\"\nargs = [\"-c\", \"cat > '{}'\"]\n\n\
             [[alert.command]]\nprogram = \"sh\"\nargs = [\"-c\", \"echo $$ > '{}'; sleep 30; touch '{}'\"]\ntimeout = \"300ms\"\n\n\
             [[alert.command]]\nprogram = \"sh\"\nargs = [\"-c\", \"echo broken >&2; exit 3\"]",
            out.display(),
            pid_file.display(),
            marker.display()
        ),
        "politics",
    ));
    env.ok(&["check"]);
    server.set("/story", page("Council approves budget", &edited(0)));
    // the slow command sleeps 30 s: `check` ends long before unless it
    // was killed at its timeout
    env.ok(&["check", "--all"]);

    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the command wrote stdin"))
            .unwrap();
    assert_eq!(v["event"], "edit");
    assert_eq!(v["to_version"], 2);
    assert_eq!(v["article"]["url"], server.url("/story").as_str());

    let pending = env.json(&["alerts", "--pending"]);
    let rows = pending.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{pending}");
    let errors: Vec<&str> = rows
        .iter()
        .map(|r| r["last_error"].as_str().unwrap())
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("timed out after 300ms")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("exit status: 3") && e.contains("broken")),
        "{errors:?}"
    );
    assert!(
        rows.iter().all(|r| r["sink"] == "command sh"),
        "arguments are not shown"
    );
    // the shell that ran it is gone (or a zombie nobody waits for)
    let pid = std::fs::read_to_string(&pid_file).expect("the slow command started");
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let state = stat.rsplit_once(") ").map(|(_, rest)| &rest[..1]);
    assert!(
        matches!(state, None | Some("Z") | Some("X")),
        "the timed-out command was killed: {stat}"
    );
    assert!(!marker.exists());
}

/// The pipeline of `env`'s config on its store, reading the time from
/// `clock` (what `copydesk check` runs, in this process).
fn clocked_pipeline(env: &Env, clock: &Arc<ManualClock>) -> (Arc<dyn Store>, Pipeline) {
    let cfg = Config::load(&env.config).expect("config");
    let store: Arc<dyn Store> =
        copydesk::store::open(&cfg.storage_resolved(), cfg.url_rules()).expect("store");
    let p = Pipeline::with_clock(&cfg, store.clone(), clock.clone()).expect("pipeline");
    (store, p)
}

/// One `check --all` pass (checks, then a forced delivery round).
async fn check_all(p: &Pipeline) {
    let watches = p.due_watches(true).expect("watches");
    p.check(watches, &|_, _| {}).await.expect("check");
}

/// A whole second near the real time (the store stamps a new watch with
/// the real time).
fn start_time() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(0)
}

/// Three edits a second apart, for a webhook and a Slack sink with an
/// 8-second digest: nothing until the oldest event is 8 s old (not at
/// 8 s less a millisecond), then one message per sink listing all three.
#[tokio::test]
async fn digest_mode_sends_one_message_listing_every_event() {
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let env = Env::new(&config(
        &server,
        &format!(
            "[[alert.webhook]]\nurl = \"{}\"\ndigest = \"8s\"\n\n\
             [[alert.slack]]\nurl = \"{}\"\ndigest = \"8s\"",
            server.url("/digest"),
            server.url("/slack-digest"),
        ),
        "politics",
    ));
    let t0 = start_time();
    let clock = ManualClock::new(t0);
    let (store, p) = clocked_pipeline(&env, &clock);
    check_all(&p).await;
    for n in 0..3 {
        clock.advance(chrono::Duration::seconds(1));
        server.set("/story", page("Council approves budget", &edited(n)));
        check_all(&p).await;
    }
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 6, "3 events for 2 sinks");
    let first_event = outbox.iter().map(|(_, e)| e.created_at).min().unwrap();
    assert_eq!(first_event, t0 + chrono::Duration::seconds(1));
    let mut want: Vec<_> = outbox
        .iter()
        .map(|(_, e)| e.event.id().to_string())
        .collect();
    want.sort();
    want.dedup();
    assert_eq!(want.len(), 3);

    clock.set(first_event + chrono::Duration::milliseconds(7_999));
    let r = p.deliver(false).await.unwrap();
    assert_eq!((r.delivered, r.deferred), (0, 6), "{r:?}");
    assert!(
        server.posts("/digest").is_empty(),
        "nothing before the period"
    );
    clock.set(first_event + chrono::Duration::seconds(8));
    let r = p.deliver(false).await.unwrap();
    assert_eq!((r.delivered, r.deferred), (6, 0), "{r:?}");

    let digests = server.post_json("/digest");
    assert_eq!(digests.len(), 1, "one message");
    assert_eq!(digests[0]["event"], "digest");
    let events = digests[0]["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    let mut got: Vec<_> = events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, want);
    let slack = server.post_json("/slack-digest");
    assert_eq!(slack.len(), 1);
    let text = slack[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("*copydesk digest: 3 article changes*"),
        "{text}"
    );
    assert_eq!(text.matches("\n• <").count(), 3, "{text}");
    assert!(store.outbox().unwrap().is_empty());
}

/// `rate_limit = "2/10s"`: two of three edits sent at once, the third
/// waits (not a failed attempt), also for a new pipeline on the same store
/// (a new process), and goes exactly when the first send leaves the
/// window: not at 10 s less a millisecond.
#[tokio::test]
async fn a_rate_limit_holds_the_rest_in_the_outbox_across_runs() {
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let env = Env::new(&config(
        &server,
        &format!(
            "[[alert.webhook]]\nurl = \"{}\"\nrate_limit = \"2/10s\"",
            server.url("/hook")
        ),
        "politics",
    ));
    let t0 = start_time();
    let clock = ManualClock::new(t0);
    let (store, p) = clocked_pipeline(&env, &clock);
    check_all(&p).await;
    for n in 0..3 {
        server.set("/story", page("Council approves budget", &edited(n)));
        check_all(&p).await;
    }
    assert_eq!(server.hooks().len(), 2, "two within the limit");
    let pending = store.outbox().unwrap();
    assert_eq!(pending.len(), 1, "the third waits");
    assert_eq!(pending[0].0.attempts, 0, "waiting is not a failed attempt");
    drop(p);
    // a new pipeline (as a new process would build) still knows the window
    let cfg = Config::load(&env.config).unwrap();
    let p = Pipeline::with_clock(&cfg, store.clone(), clock.clone()).unwrap();
    clock.set(t0 + chrono::Duration::milliseconds(9_999));
    let r = p.deliver(true).await.unwrap();
    assert_eq!((r.delivered, r.deferred), (0, 1), "{r:?}");
    assert_eq!(server.hooks().len(), 2);
    clock.set(t0 + chrono::Duration::seconds(10));
    let r = p.deliver(true).await.unwrap();
    assert_eq!((r.delivered, r.deferred), (1, 0), "{r:?}");
    let hooks = server.hooks();
    assert_eq!(hooks.len(), 3, "sent once the window moved on");
    assert_eq!(hooks[2]["to_version"], 4);
}

#[test]
fn secrets_stay_out_of_config_check_and_failure_logs() {
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let secrets = [
        "whsec-SECRET-1",
        "slackpathSECRET2",
        "ntfytopicSECRET3",
        "webtoken-SECRET4",
        "smtp-pass-SECRET5",
        "cmdarg-SECRET6",
    ];
    let env = Env::new(&format!(
        "[web]\nlisten = \"127.0.0.1:0\"\ntoken = \"{}\"\n\n\
         [[alert.webhook]]\nurl = \"{}\"\nsecret = \"{}\"\n\n\
         [[alert.webhook]]\nurl = \"http://127.0.0.1:9/hook?key={}\"\n\n\
         [[alert.slack]]\nurl = \"{}\"\n\n\
         [[alert.ntfy]]\nurl = \"{}\"\ntopic = \"{}\"\n\n\
         [[alert.email]]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nusername = \"u\"\npassword_env = \"COPYDESK_TEST_SMTP_PASSWORD\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n\n\
         [[alert.command]]\nprogram = \"sh\"\nargs = [\"-c\", \"exit 1\", \"{}\"]\n\n\
         [[watch]]\nurl = \"{}\"\n",
        secrets[3],
        server.url("/hook"),
        secrets[0],
        secrets[1],
        server.url(&format!("/services/{}", secrets[1])),
        server.url("/"),
        secrets[2],
        secrets[5],
        server.url("/story"),
    ));
    let envs = [
        ("COPYDESK_TEST_SMTP_PASSWORD", secrets[4]),
        ("RUST_LOG", "debug"),
    ];
    let check = env.run_env(&["config", "check"], &envs);
    assert!(check.status.success());
    let mut seen = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(
        seen.contains("alerts:") && seen.contains("slack http://127.0.0.1:"),
        "{seen}"
    );
    seen.push_str(&String::from_utf8_lossy(&check.stderr));

    env.run_env(&["check"], &envs);
    server.set_hook_down(true);
    server.set("/story", page("Council approves budget", &edited(0)));
    let run = env.run_env(&["check", "--all"], &envs);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(
        stderr.contains("alert delivery failed") && stderr.contains("503"),
        "failures are logged: {stderr}"
    );
    seen.push_str(&String::from_utf8_lossy(&run.stdout));
    seen.push_str(&stderr);
    seen.push_str(&env.ok(&["alerts"]));
    seen.push_str(&env.ok(&["alerts", "--format", "json"]));
    for s in secrets {
        assert!(!seen.contains(s), "{s} leaked:\n{seen}");
    }
}

#[test]
fn a_daemons_digest_survives_sigkill_and_loses_nothing() {
    use common::daemon::{eventually, Daemon};
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let env = Env::new(&format!(
        "[alert]\nretry_backoff = \"300ms\"\n\n\
         [[alert.webhook]]\nurl = \"{}\"\ndigest = \"6s\"\n\n\
         [schedule]\ndefault = \"*/1 * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         [[watch]]\nurl = \"{}\"\n",
        server.url("/digest"),
        server.url("/story")
    ));
    let mut d = Daemon::start(&env);
    eventually(Duration::from_secs(5), "first version", || {
        server.hits("/story") >= 1
    });
    server.set("/story", page("Council approves budget", &edited(0)));
    eventually(Duration::from_secs(5), "the first event queued", || {
        env.json(&["alerts", "--pending"])
            .as_array()
            .is_some_and(|a| a.len() == 1)
    });
    let first = env.json(&["alerts", "--pending"])[0]["id"].clone();
    d.signal("-KILL");
    d.wait(Duration::from_secs(5));
    assert!(
        server.posts("/digest").is_empty(),
        "killed within the period"
    );

    server.set("/story", page("Council approves budget", &edited(1)));
    let mut d2 = Daemon::start(&env);
    eventually(Duration::from_secs(15), "every event delivered", || {
        server
            .post_json("/digest")
            .iter()
            .map(|p| p["events"].as_array().map_or(0, Vec::len))
            .sum::<usize>()
            >= 2
    });
    // stopped: whatever it sent is at the server now
    d2.signal("-TERM");
    d2.wait(Duration::from_secs(10));
    let digests = server.post_json("/digest");
    let ids: Vec<_> = digests
        .iter()
        .flat_map(|p| p["events"].as_array().cloned().unwrap_or_default())
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(ids.len(), 2, "each event once: {digests:?}");
    assert_ne!(ids[0], ids[1]);
    assert_eq!(ids[0], first, "the event from before the kill, first");
    assert!(digests.iter().all(|p| p["event"] == "digest"));
}

#[test]
fn a_slow_sink_does_not_hold_up_the_others() {
    let server = Server::start();
    server.set("/story", page("Council approves budget", &story()));
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release");
    let env = Env::new(&config(
        &server,
        &format!(
            "[[alert.command]]\nprogram = \"sh\"\nargs = [\"-c\", \"until [ -e '{}' ]; do sleep 0.05; done\"]\n\n\
             [[alert.webhook]]\nurl = \"{}\"",
            release.display(),
            server.url("/hook")
        ),
        "politics",
    ));
    env.ok(&["check"]);
    server.set("/story", page("Council approves budget", &edited(0)));
    let config = env.config.clone();
    let run = std::thread::spawn(move || common::run_binary(&config, &["check", "--all"]));
    // the command ("command:…" sorts first) waits for the release file,
    // which is written only once the webhook has its message
    common::daemon::eventually(
        Duration::from_secs(20),
        "the webhook while the command waits",
        || !server.hooks().is_empty(),
    );
    assert!(!run.is_finished(), "the command still holds its delivery");
    std::fs::write(&release, "").unwrap();
    assert!(run.join().unwrap().status.success());
    assert_eq!(server.hooks().len(), 1);
}
