//! Property-based fuzzing of every parser of outside input, on stable Rust
//! with proptest and a fixed budget (`CASES` per target, so CI stays fast;
//! `PROPTEST_CASES=20000 cargo test --test it reliability::fuzz` runs longer):
//! HTML extraction, feed parsing, charset decoding, the config, import
//! lines, and API bodies and query strings. Each input must end without a
//! panic, within a time bound, with an error where it is not valid.

use copydesk::core::extract::{extract, OutletRules};
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// Cases per target in CI (overridden by `PROPTEST_CASES`).
const CASES: u32 = 256;
/// No single input may take longer than this (generous: a debug build on
/// a busy 2-core machine).
const PER_INPUT: Duration = Duration::from_secs(10);

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn bounded<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    assert!(t.elapsed() < PER_INPUT, "{what} took {:?}", t.elapsed());
    r
}

/// Pieces of HTML, hostile ones included, glued at random.
fn html() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<p>".to_string()),
        Just("</p>".to_string()),
        Just("<div class=\"article-body\">".to_string()),
        Just("</div>".to_string()),
        Just("<article><h1>Title</h1>".to_string()),
        Just("<script>var x = '</p>';</script>".to_string()),
        Just("<table><tr><td>".to_string()),
        Just("<meta charset=\"shift_jis\">".to_string()),
        Just("<meta property=\"og:title\" content=\"&amp;&#0;&#x110000;\">".to_string()),
        Just("<![CDATA[".to_string()),
        Just("<!--".to_string()),
        Just("<svg><foreignObject><p>".to_string()),
        Just("&nbsp;&#xD800;&lt;".to_string()),
        "[a-zA-Z ,.]{0,80}".prop_map(String::from),
        "\\PC{0,40}".prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

fn url() -> url::Url {
    url::Url::parse("http://127.0.0.1:9/news/story").unwrap()
}

/// Pieces of RSS, Atom and JSON Feed.
fn feed() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just("<?xml version=\"1.0\"?>".to_string()),
        Just("<rss version=\"2.0\"><channel>".to_string()),
        Just("<item><link>".to_string()),
        Just("</link><pubDate>Mon, 99 Foo 2026</pubDate></item>".to_string()),
        Just("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><link href=\"".to_string()),
        Just("javascript:alert(1)".to_string()),
        Just("http://10.0.0.1/x".to_string()),
        Just("\"/></entry></feed>".to_string()),
        Just("{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[{\"url\":".to_string()),
        Just("<!DOCTYPE x [<!ENTITY a \"&a;&a;\">]>&a;".to_string()),
        "\\PC{0,30}".prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat().into_bytes())
}

/// Pieces of TOML near copydesk's config.
fn toml() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[schedule]\n".to_string()),
        Just("default = \"".to_string()),
        Just("0 0 31 2 *".to_string()),
        Just("*/0 * * * *".to_string()),
        Just("\"\n".to_string()),
        Just("[schedule.adaptive]\nsteps = [[\"3h\", \"".to_string()),
        Just("99999999999d".to_string()),
        Just("\"]]\n".to_string()),
        Just("[[watch]]\nurl = \"http://127.0.0.1:9/x\"\n".to_string()),
        Just("[web]\ntoken = \"".to_string()),
        Just("[backup]\nevery = \"".to_string()),
        Just("keep = -1\n".to_string()),
        Just("[[alert.webhook]]\nurl = \"http://127.0.0.1:9/h\"\ndigest = \"".to_string()),
        Just("1s".to_string()),
        "[a-z0-9_ =\"\\[\\]\n.-]{0,40}".prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..20).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn extraction_never_panics(page in html()) {
        let rules = OutletRules::default();
        let _ = bounded("extract", || extract(&page, Some("http://127.0.0.1:9/a"), &rules));
    }

    #[test]
    fn feeds_never_panic(body in feed()) {
        let _ = bounded("parse_feed", || copydesk::core::feed::parse_feed(&body, &url()));
    }

    #[test]
    fn charset_decoding_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        head in prop::sample::select(vec![
            "", "\u{feff}", "<meta charset=\"utf-16\">", "<meta charset=\"x-nonsense\">",
            "<meta http-equiv=\"content-type\" content=\"text/html; charset=iso-2022-jp\">",
        ]),
    ) {
        let mut all = head.as_bytes().to_vec();
        all.extend(bytes);
        let (text, _) = bounded("decode_html", || copydesk::fetch::decode_html(&all, Some(&url())));
        prop_assert!(text.len() <= all.len() * 4 + 16);
    }

    #[test]
    fn config_text_never_panics(text in toml()) {
        let path = std::path::Path::new("/nonexistent/copydesk.toml");
        if let Ok(cfg) = bounded("Config::parse", || copydesk::config::Config::parse(&text, path)) {
            // a config that passes can be used: the default schedule and
            // every watch's next due time compute without overflow
            let store = copydesk::store::open(
                &crate::common::reopen::sled_storage(&tempfile::tempdir().unwrap().path().join("db"), 4),
                Default::default(),
            ).unwrap();
            if let Ok(p) = copydesk::pipeline::Pipeline::new(&cfg, store.clone()) {
                for w in store.watches().unwrap() {
                    let _ = p.next_due(&w, chrono::Utc::now(), None);
                }
            }
        }
    }
}

/// A valid export header, a watch, then random lines: import refuses or
/// takes them, never panics, and refuses leaves the store empty.
fn import_lines() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("{\"type\":\"watch\",\"url\":\"http://127.0.0.1:9/x\",\"label\":null,\"schedule\":null,\"added_at\":\"2026-11-30T00:00:00Z\"}".to_string()),
        Just("{\"type\":\"watch\",\"url\":\"javascript:alert(1)\",\"label\":null,\"schedule\":\"61 * * * *\",\"added_at\":\"2026-11-30T00:00:00Z\"}".to_string()),
        Just("{\"type\":\"version\",\"url\":\"http://127.0.0.1:9/x\",\"number\":1}".to_string()),
        Just("{\"type\":\"end\",\"lines\":2,\"watches\":1,\"versions\":0,\"outlet_rules\":0,\"events\":0,\"checksum\":\"xxh3:0000000000000000\"}".to_string()),
        Just("{\"type\":\"outlet-rule\",\"outlet\":\"\",\"rule\":{}}".to_string()),
        Just("{\"type\":\"event\",\"seq\":1,\"created_at\":\"x\",\"event\":{}}".to_string()),
        "\\PC{0,60}".prop_map(String::from),
    ];
    prop::collection::vec(line, 0..12).prop_map(|v| {
        let mut s = "{\"type\":\"copydesk-export\",\"format\":2,\"exported_at\":\"2026-11-30T00:00:00Z\"}\n".to_string();
        for l in v {
            s.push_str(&l);
            s.push('\n');
        }
        s
    })
}

#[test]
fn import_lines_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let store = copydesk::store::open(
        &crate::common::reopen::sled_storage(&dir.path().join("db"), 4),
        Default::default(),
    )
    .unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&import_lines(), |text| {
            let mut input = std::io::Cursor::new(text.into_bytes());
            let r = bounded("import", || {
                copydesk::cli::import::import(store.as_ref(), &mut input, false)
            });
            if r.is_err() {
                prop_assert!(
                    store.watches().unwrap().is_empty(),
                    "a refused import wrote"
                );
            }
            Ok(())
        })
        .unwrap();
}

/// Random methods, paths, query strings and bodies against the daemon's
/// router: never a panic or a 500, and every `/api/` answer is JSON.
#[test]
fn api_requests_never_panic() {
    use axum::body::Body;
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let store = copydesk::store::open(
        &crate::common::reopen::sled_storage(&dir.path().join("db"), 4),
        Default::default(),
    )
    .unwrap();
    let (handle, _rx) = copydesk::daemon::handle::Handle::new(
        std::sync::Arc::new(copydesk::daemon::metrics::Metrics::new()),
        store.clone(),
        Default::default(),
    );
    let app = copydesk::web::router(copydesk::web::AppState {
        store,
        token: None,
        outlets: Default::default(),
        public: copydesk::config::WebConfig::default().public,
        logins: Default::default(),
        daemon: std::sync::Arc::new(handle),
        public_url: None,
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let path = prop_oneof![
        Just("/api/v1/watches"),
        Just("/api/v1/watch"),
        Just("/api/v1/versions"),
        Just("/api/v1/version"),
        Just("/api/v1/alerts/retry"),
        Just("/api/v1/events"),
        Just("/api/v1/watches/1/diff"),
        Just("/api/v1/outlets/x/rules"),
        Just("/api/v1/clusters/zz"),
        Just("/watches/1"),
        Just("/login"),
    ];
    let query = "[a-z=&%0-9?]{0,30}|url=http%3A%2F%2F127.0.0.1%3A9%2Fx&n=[0-9]{1,12}|limit=[0-9]{1,25}&cursor=[a-z0-9-]{0,10}";
    let body = prop_oneof![
        Just(String::new()),
        Just("{\"url\":\"http://127.0.0.1:9/x\",\"schedule\":\"0 0 31 2 *\"}".to_string()),
        Just("{\"id\":".to_string()),
        Just("{\"text\":\"\\u0000\"}".to_string()),
        "\\PC{0,80}".prop_map(String::from),
    ];
    let method = prop::sample::select(vec!["GET", "POST", "DELETE", "PATCH", "PUT"]);
    let case = (method, path, query, body, any::<bool>());
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&case, |(method, path, query, body, json)| {
            let uri = format!("{path}?{query}");
            let Ok(mut req) = axum::http::Request::builder()
                .method(method)
                .uri(&uri)
                .header("host", "127.0.0.1")
                .body(Body::from(body))
            else {
                return Ok(()); // not a request a client could send
            };
            if json {
                req.headers_mut().insert(
                    "content-type",
                    axum::http::HeaderValue::from_static("application/json"),
                );
            }
            let res = bounded("API request", || rt.block_on(app.clone().oneshot(req)))
                .expect("the router answers");
            prop_assert!(
                res.status().as_u16() < 500,
                "{method} {uri}: {}",
                res.status()
            );
            if path.starts_with("/api/") && !res.status().is_success() {
                let ct = res
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                prop_assert!(ct.starts_with("application/json"), "{method} {uri}: {ct}");
            }
            Ok(())
        })
        .unwrap();
}
