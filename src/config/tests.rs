//! Config parsing and validation tests.
use super::*;
use std::time::Duration;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("test.toml"))
}

fn err(text: &str) -> (usize, Option<String>, String) {
    match parse(text) {
        Err(ConfigError::Invalid {
            line, key, message, ..
        }) => (line, key, message),
        other => panic!("expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn empty_file_gives_defaults() {
    let c = parse("").unwrap();
    assert_eq!(c.schedule.default.0.to_string(), DEFAULT_SCHEDULE);
    assert_eq!(c.storage.cache_mb, DEFAULT_CACHE_MB);
    assert!(c.web.listen.ip().is_loopback());
}

#[test]
fn full_file_parses() {
    let c = parse(
        r#"
[storage]
path = "/var/lib/copydesk/db"
cache_mb = 128

[schedule]
default = "*/10 * * * *"

[fetch]
timeout_secs = 20
per_host_concurrency = 1

[[watch]]
url = "https://example.com/news/1"
schedule = "*/5 * * * *"
label = "one"

[[feed]]
url = "https://example.com/rss"

[[outlet]]
name = "Example"
hosts = ["example.com", "example.org"]
body = ["article .content"]
remove = [".photo-credit"]
ignore = ["^Photo: "]

[[alert.webhook]]
url = "http://127.0.0.1:9000/hook"
events = ["edit"]

[web]
listen = "127.0.0.1:8080"
"#,
    )
    .unwrap();
    assert_eq!(c.watches.len(), 1);
    assert_eq!(c.watches[0].label.as_deref(), Some("one"));
    assert_eq!(
        SinkSpec::Webhook(&c.alert.webhook[0]).name(),
        "webhook:http://127.0.0.1:9000/hook"
    );
    assert!(c.alert.webhook[0].wants("edit"));
    assert!(!c.alert.webhook[0].wants("republication"));
    assert_eq!(c.storage_path(), PathBuf::from("/var/lib/copydesk/db"));
    assert_eq!(c.fetch_options().per_host_concurrency, 1);
    assert_eq!(c.outlet_rules()[0].ignore.len(), 1);
}

#[test]
fn unknown_key_names_line_and_key() {
    let (line, key, msg) = err("[storage]\npath = \"x\"\ncolour = \"red\"\n");
    assert_eq!(line, 3);
    assert_eq!(key.as_deref(), Some("storage.colour"));
    assert!(msg.contains("unknown field"), "{msg}");
}

#[test]
fn bad_cron_names_line_and_key() {
    let (line, key, msg) =
        err("[[watch]]\nurl = \"https://a.example/x\"\nschedule = \"every hour\"\n");
    assert_eq!(line, 3);
    assert_eq!(key.as_deref(), Some("watch.schedule"));
    assert!(msg.contains("crontab"), "{msg}");
}

#[test]
fn bad_url_names_line_and_key() {
    let (line, key, msg) = err("\n\n[[watch]]\nurl = \"ftp://a.example/x\"\n");
    assert_eq!(line, 4);
    assert_eq!(key.as_deref(), Some("watch.url"));
    assert!(msg.contains("http"), "{msg}");
    let (_, _, msg) = err("[[watch]]\nurl = \"not a url\"\n");
    assert!(msg.contains("invalid URL"), "{msg}");
}

#[test]
fn check_section_defaults_and_errors() {
    let c = parse("").unwrap();
    assert_eq!(c.check.confirm_delay(), Some(DEFAULT_CONFIRM_DELAY));
    assert!(c.check.learn());
    let c = parse("[check]\nconfirm = false\nlearn = false\n").unwrap();
    assert_eq!(c.check.confirm_delay(), None);
    assert!(!c.check.learn());
    let c = parse("[check]\nconfirm_delay = \"250ms\"\n").unwrap();
    assert_eq!(
        c.check.confirm_delay(),
        Some(std::time::Duration::from_millis(250))
    );
    let (line, key, msg) = err("[check]\nconfirm_delay = \"soon\"\n");
    assert_eq!((line, key.as_deref()), (2, Some("check.confirm_delay")));
    assert!(msg.contains("duration"), "{msg}");
    let (_, key, _) = err("[check]\nconfirm = \"yes\"\n");
    assert_eq!(key.as_deref(), Some("check.confirm"));
    let (_, key, _) = err("[check]\nconfirm_twice = true\n");
    assert_eq!(key.as_deref(), Some("check.confirm_twice"));
    assert_eq!(
        parse("").unwrap().check.removed_after(),
        crate::core::liveness::DEFAULT_REMOVED_AFTER
    );
    assert_eq!(
        parse("[check]\nremoved_after = 3\n")
            .unwrap()
            .check
            .removed_after(),
        3
    );
    let (line, key, _) = err("[check]\nremoved_after = 0\n");
    assert_eq!((line, key.as_deref()), (2, Some("check.removed_after")));
}

#[test]
fn a_contact_goes_into_the_user_agent() {
    let ua = |extra: &str| parse(extra).unwrap().fetch_options().user_agent;
    assert_eq!(ua(""), crate::fetch::DEFAULT_USER_AGENT);
    let with = ua("[fetch]\ncontact = \"desk@example.org\"\n");
    assert!(with.starts_with("copydesk/"), "{with}");
    assert!(with.ends_with("; contact: desk@example.org)"), "{with}");
    let with =
        ua("[fetch]\nuser_agent = \"newsroom-bot/2\"\ncontact = \"https://example.org/bot\"\n");
    assert_eq!(with, "newsroom-bot/2 (contact: https://example.org/bot)");
    for bad in [
        "\"not a contact\"",
        "\"ftp://example.org\"",
        "\"a@b\"",
        "\"x (y)@example.org\"",
    ] {
        let (line, key, msg) = err(&format!("[fetch]\ncontact = {bad}\n"));
        assert_eq!(
            (line, key.as_deref()),
            (2, Some("fetch.contact")),
            "{bad}: {msg}"
        );
    }
}

#[test]
fn bad_values_are_named() {
    assert_eq!(
        err("[fetch]\ntimeout_secs = 0\n").1.as_deref(),
        Some("fetch.timeout_secs")
    );
    assert_eq!(
        err("[[outlet]]\nname = \"x\"\nignore = [\"(\"]\n")
            .1
            .as_deref(),
        Some("outlet.ignore")
    );
    assert_eq!(
        err("[[outlet]]\nname = \"x\"\nbody = [\"<<<\"]\n")
            .1
            .as_deref(),
        Some("outlet.body")
    );
    assert_eq!(
        err("[[alert.webhook]]\nurl = \"http://127.0.0.1:1/\"\nevents = [\"edits\"]\n")
            .1
            .as_deref(),
        Some("alert.webhook.events")
    );
}

#[test]
fn public_listener_needs_token() {
    let (line, key, msg) = err("[web]\nlisten = \"0.0.0.0:8080\"\n");
    assert_eq!((line, key.as_deref()), (2, Some("web.listen")));
    assert!(msg.contains("token"), "{msg}");
    assert!(parse("[web]\nlisten = \"0.0.0.0:8080\"\ntoken = \"s3cret-s3cret-s3cret\"\n").is_ok());
}

#[test]
fn duplicate_watch_is_an_error() {
    let (line, _, msg) =
        err("[[watch]]\nurl = \"https://a.example/x\"\n[[watch]]\nurl = \"https://a.example/x\"\n");
    assert_eq!(line, 4, "points at the second entry");
    assert!(msg.contains("twice"));
}

#[test]
fn relative_storage_path_is_relative_to_the_file() {
    let c = Config::parse(
        "[storage]\npath = \"data/db\"\n",
        Path::new("/etc/copydesk/copydesk.toml"),
    )
    .unwrap();
    assert_eq!(c.storage_path(), PathBuf::from("/etc/copydesk/data/db"));
}

#[test]
fn syntax_error_has_a_line() {
    let (line, _, _) = err("[storage]\npath = \n");
    assert_eq!(line, 2);
}

#[test]
fn adaptive_schedule_and_its_durations() {
    let c = parse(
        "[schedule]\ndefault = \"adaptive\"\n\n[schedule.adaptive]\n\
         steps = [[\"2h\", \"5m\"], [\"1d\", \"30m\"]]\nthen = \"12h\"\nstop_after = \"14d\"\n\n\
         [[watch]]\nurl = \"https://a.example/x\"\nschedule = \"adaptive\"\n",
    )
    .unwrap();
    assert_eq!(c.schedule.default.0.to_string(), "adaptive");
    let a = c.schedule.adaptive.adaptive();
    assert_eq!(
        a.steps[0],
        (chrono::Duration::hours(2), chrono::Duration::minutes(5))
    );
    assert_eq!(a.then, chrono::Duration::hours(12));
    assert_eq!(a.stop_after, chrono::Duration::days(14));
    // unset parameters keep their defaults
    let c = parse("[schedule.adaptive]\nthen = \"2d\"\n").unwrap();
    assert_eq!(
        c.schedule.adaptive.adaptive().stop_after,
        Adaptive::default().stop_after
    );

    let (line, key, msg) = err("[schedule]\n\n[schedule.adaptive]\nthen = \"soon\"\n");
    assert_eq!((line, key.as_deref()), (4, Some("schedule.adaptive.then")));
    assert!(msg.contains("10m"), "{msg}");
    let (line, key, _) = err("[schedule.adaptive]\nstop_after = \"0s\"\n");
    assert_eq!(
        (line, key.as_deref()),
        (2, Some("schedule.adaptive.stop_after"))
    );
}

#[test]
fn webhook_rules_parse_and_bad_ones_are_located() {
    let c = parse(
        "[[alert.webhook]]\nurl = \"https://h.example/x\"\nmin_class = \"headline\"\n\
         headline_only = true\noutlets = [\"a.example\"]\n",
    )
    .unwrap();
    let w = &c.alert.webhook[0];
    assert_eq!(w.min_class, Some(crate::core::diff::ChangeClass::Headline));
    assert!(w.headline_only);
    let (line, key, msg) =
        err("[[alert.webhook]]\nurl = \"https://h.example/x\"\nmin_class = \"huge\"\n");
    assert_eq!((line, key.as_deref()), (3, Some("alert.webhook.min_class")));
    assert!(msg.contains("typo"), "{msg}");
    let (line, key, _) = err(
        "[[alert.webhook]]\nurl = \"https://h.example/x\"\nheaders = { \"X-A\" = \"line\\nbreak\" }\n",
    );
    assert_eq!((line, key.as_deref()), (3, Some("alert.webhook.headers")));
}

#[test]
fn every_alert_sink_parses_with_common_rules() {
    let c = parse(
        r#"
[[alert.slack]]
url = "https://hooks.slack.com/services/T/B/X"
min_class = "minor"
labels = ["politics"]
digest = "15m"

[[alert.discord]]
url = "https://discord.com/api/webhooks/1/x"
exclude_watches = ["https://news.example/a"]

[[alert.ntfy]]
url = "https://ntfy.sh"
topic = "desk"
token_env = "NTFY_TOKEN"
rate_limit = "30/min"

[[alert.email]]
host = "smtp.example.org"
tls = "tls"
from = "a@example.org"
to = ["b@example.org"]

[[alert.command]]
program = "notify"
args = ["--x"]
timeout = "5s"
events = ["edit"]

[[alert.log]]
"#,
    )
    .unwrap();
    let a = &c.alert;
    let slack = a.slack[0].common();
    assert_eq!(
        slack.rules.min_class,
        Some(crate::core::diff::ChangeClass::Minor)
    );
    assert_eq!(slack.rules.labels, Some(vec!["politics".to_string()]));
    assert_eq!(slack.digest, Some(Duration::from_secs(900)));
    assert_eq!(a.ntfy[0].common().rate_limit.map(|r| r.count), Some(30));
    assert_eq!(a.email[0].tls, SmtpTls::Tls);
    assert_eq!(
        a.command[0].timeout.map(|t| t.0),
        Some(Duration::from_secs(5))
    );
    assert_eq!(
        a.sink_names(),
        vec![
            "slack:https://hooks.slack.com/services/T/B/X",
            "discord:https://discord.com/api/webhooks/1/x",
            "ntfy:https://ntfy.sh/#desk",
            "email:smtp.example.org:b@example.org",
            "command:notify --x",
            "log",
        ]
    );
}

#[test]
fn alert_sink_errors_name_line_and_key() {
    let (line, key, msg) =
        err("[[alert.ntfy]]\nurl = \"https://ntfy.sh\"\ntopic = \"t\"\nrate_limit = \"lots\"\n");
    assert_eq!((line, key.as_deref()), (4, Some("alert.ntfy.rate_limit")));
    assert!(msg.contains("invalid rate limit"), "{msg}");
    let (line, key, _) =
        err("[[alert.email]]\nhost = \"h\"\nfrom = \"a@b\"\nto = []\ntls = \"ssl\"\n");
    assert_eq!((line, key.as_deref()), (5, Some("alert.email.tls")));
    let (_, _, msg) = err("[[alert.slack]]\nurl = \"https://h/x\"\ncolour = \"red\"\n");
    assert!(msg.contains("colour"), "{msg}");
    let (line, _, msg) = err(
        "[[alert.discord]]\nurl = \"https://h/x\"\n\n[[alert.discord]]\nurl = \"https://h/x\"\n",
    );
    assert_eq!(line, 4);
    assert!(msg.contains("same target"), "{msg}");
}

#[test]
fn match_section_sets_thresholds() {
    let c = parse("[match]\nsimilarity = 0.6\nmin_shared_paragraphs = 3\n").unwrap();
    let t = c.matching.thresholds();
    assert_eq!(t.similarity, 0.6);
    assert_eq!(t.min_shared_paragraphs, 3);
    assert_eq!(
        t.containment,
        crate::core::matching::Thresholds::default().containment
    );
    assert!(c.matching.enabled());
    assert!(!parse("[match]\nenabled = false\n")
        .unwrap()
        .matching
        .enabled());
}

#[test]
fn match_section_errors_name_line_and_key() {
    let (line, key, msg) = err("[match]\ncontainment = 0.2\nsimilarity = 1.5\n");
    assert_eq!(line, 3);
    assert_eq!(key.as_deref(), Some("match.similarity"));
    assert!(msg.contains("between 0 and 1"), "{msg}");
    let (line, key, _) = err("[match]\nthreshold = 0.5\n");
    assert_eq!(line, 2);
    assert!(key.is_some_and(|k| k.contains("threshold")));
}

#[test]
fn strip_params_extend_the_url_rules() {
    let c = parse("[fetch]\nstrip_params = [\"share\", \"cmp_*\"]\n").unwrap();
    let rules = c.url_rules();
    assert!(rules.strips("share") && rules.strips("CMP_x") && rules.strips("utm_source"));
    assert!(!rules.strips("id"));
    assert!(!parse("").unwrap().url_rules().strips("share"));
    for bad in ["\"*\"", "\"\"", "\"a=b\"", "\"a b\"", "\"a*b\""] {
        let (line, key, message) = err(&format!("[fetch]\nstrip_params = [{bad}]\n"));
        assert_eq!(
            (line, key.as_deref()),
            (2, Some("fetch.strip_params")),
            "{bad}: {message}"
        );
    }
}

#[test]
fn a_watch_listed_twice_under_two_variants_is_an_error() {
    let (line, _, message) = err(
        "[[watch]]\nurl = \"https://a.example/s?id=1\"\n\n[[watch]]\nurl = \"https://a.example/s/?id=1&utm_source=rss#top\"\n",
    );
    assert_eq!(line, 5);
    assert!(
        message.contains("listed twice") && message.contains("https://a.example/s?id=1"),
        "{message}"
    );
}

#[test]
fn public_url_is_an_absolute_web_address() {
    let cfg =
        parse("[web]\npublic_url = \"https://news.example.org/copydesk/\"\n").expect("parses");
    assert_eq!(
        cfg.web.public_url.map(|u| u.0.to_string()).as_deref(),
        Some("https://news.example.org/copydesk/")
    );
    let (line, key, msg) = err("[web]\npublic_url = \"/copydesk\"\n");
    assert_eq!(line, 2);
    assert_eq!(key.as_deref(), Some("web.public_url"));
    assert!(msg.contains("URL"), "{msg}");
}
