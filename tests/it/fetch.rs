//! The fetcher against a real loopback server: charsets, compression,
//! conditional GET, redirects, User-Agent, Retry-After and the per-host
//! concurrency limit.

use crate::common;

use common::{Reply, Server};
use copydesk::fetch::{
    ExemptOrigins, FailureKind, FetchOptions, FetchOutcome, Fetcher, Page, Reach, Validators,
};
use std::io::Write;
use std::time::Duration;
use url::Url;

fn fetcher(opts: FetchOptions) -> Fetcher {
    Fetcher::new(FetchOptions {
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        retries: 0,
        ..opts
    })
    .expect("fetcher")
}

async fn page(f: &Fetcher, url: &str) -> Page {
    match f
        .fetch(&Url::parse(url).unwrap(), &Validators::default())
        .await
    {
        FetchOutcome::Page(p) => p,
        other => panic!("{url}: expected a page, got {other:?}"),
    }
}

fn raw(content_type: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    let mut hs = vec![("Content-Type".to_string(), content_type.to_string())];
    hs.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Reply::Page {
        status: 200,
        headers: hs,
        body,
    }
}

const RUSSIAN: &str = "Министр иностранных дел провёл встречу";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charset_from_header_meta_or_guess() {
    let server = Server::start();
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(RUSSIAN);
    let html = |head: &str| {
        let mut b = format!("<html><head>{head}</head><body><p>").into_bytes();
        b.extend_from_slice(&cp1251);
        b.extend_from_slice(b"</p></body></html>");
        b
    };
    server.set(
        "/header",
        raw("text/html; charset=windows-1251", &[], html("")),
    );
    server.set(
        "/meta",
        raw("text/html", &[], html(r#"<meta charset="windows-1251">"#)),
    );
    server.set(
        "/http-equiv",
        raw(
            "text/html",
            &[],
            html(r#"<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">"#),
        ),
    );
    let long: Vec<u8> = (0..20).flat_map(|_| html("")).collect();
    server.set("/guess", raw("text/html", &[], long));
    let f = fetcher(FetchOptions::default());
    for path in ["/header", "/meta", "/http-equiv", "/guess"] {
        let p = page(&f, &server.url(path)).await;
        assert!(
            p.text.contains(RUSSIAN),
            "{path}: decoded as {}: {}",
            p.encoding,
            p.text
        );
        assert_eq!(p.encoding, "windows-1251", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_and_brotli_bodies_are_decoded() {
    let server = Server::start();
    let html = "<html><body><p>compressed article text</p></body></html>";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(html.as_bytes()).unwrap();
    server.set(
        "/gzip",
        raw(
            "text/html",
            &[("Content-Encoding", "gzip")],
            gz.finish().unwrap(),
        ),
    );
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        w.write_all(html.as_bytes()).unwrap();
    }
    server.set("/br", raw("text/html", &[("Content-Encoding", "br")], br));
    let f = fetcher(FetchOptions::default());
    for path in ["/gzip", "/br"] {
        let p = page(&f, &server.url(path)).await;
        assert_eq!(p.text, html, "{path}");
    }
    let sent = &server.requests("/gzip")[0];
    let accept = sent.get("accept-encoding").cloned().unwrap_or_default();
    assert!(accept.contains("gzip") && accept.contains("br"), "{accept}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_get_with_etag_and_last_modified() {
    let server = Server::start();
    let stamp = "Wed, 25 Nov 2026 09:00:00 GMT";
    server.set(
        "/lm",
        raw(
            "text/html",
            &[("Last-Modified", stamp)],
            b"<p>text</p>".to_vec(),
        ),
    );
    server.set("/etag", Reply::html("<p>text</p>").with_etag("v1"));
    let f = fetcher(FetchOptions::default());
    for path in ["/lm", "/etag"] {
        let url = Url::parse(&server.url(path)).unwrap();
        let first = page(&f, url.as_str()).await;
        assert!(
            first.validators != Validators::default(),
            "{path}: no validators kept"
        );
        match f.fetch(&url, &first.validators).await {
            FetchOutcome::NotModified => {}
            other => panic!("{path}: expected 304, got {other:?}"),
        }
    }
    assert_eq!(
        server.requests("/lm")[1]
            .get("if-modified-since")
            .map(String::as_str),
        Some(stamp)
    );
    assert_eq!(
        server.requests("/etag")[1]
            .get("if-none-match")
            .map(String::as_str),
        Some("\"v1\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_agent_redirects_and_their_limit() {
    let server = Server::start();
    for i in 0..8 {
        server.set(&format!("/r{i}"), Reply::Redirect(format!("/r{}", i + 1)));
    }
    server.set("/r8", Reply::html("<p>the end</p>"));
    let f = fetcher(FetchOptions {
        max_redirects: 3,
        user_agent: "copydesk-test/1.0 (+https://example.invalid)".into(),
        ..FetchOptions::default()
    });
    let p = page(&f, &server.url("/r5")).await;
    assert_eq!(p.final_url.path(), "/r8");
    assert_eq!(p.redirects.len(), 3);
    assert_eq!(
        server.requests("/r8")[0]
            .get("user-agent")
            .map(String::as_str),
        Some("copydesk-test/1.0 (+https://example.invalid)")
    );
    match f
        .fetch(
            &Url::parse(&server.url("/r0")).unwrap(),
            &Validators::default(),
        )
        .await
    {
        FetchOutcome::Failed(e) => {
            assert_eq!(e.kind, FailureKind::TooManyRedirects, "{}", e.reason);
            assert!(e.reason.contains('3'), "{}", e.reason);
        }
        other => panic!("expected too many redirects, got {other:?}"),
    }
    // the default User-Agent names the program and its version
    let f = fetcher(FetchOptions::default());
    page(&f, &server.url("/r8")).await;
    let ua = server.requests("/r8")[1]
        .get("user-agent")
        .cloned()
        .unwrap_or_default();
    assert!(ua.starts_with("copydesk/"), "{ua}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_reported() {
    let server = Server::start();
    server.set(
        "/busy",
        Reply::Page {
            status: 503,
            headers: vec![
                ("Content-Type".into(), "text/html".into()),
                ("Retry-After".into(), "120".into()),
            ],
            body: b"busy".to_vec(),
        },
    );
    let f = fetcher(FetchOptions::default());
    match f
        .fetch(
            &Url::parse(&server.url("/busy")).unwrap(),
            &Validators::default(),
        )
        .await
    {
        FetchOutcome::Failed(e) => {
            assert_eq!(e.kind, FailureKind::HttpStatus);
            assert_eq!(e.http_status, Some(503));
            assert_eq!(e.retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_host_concurrency_is_kept() {
    let server = Server::start();
    server.set_delay(Duration::from_millis(150));
    for i in 0..12 {
        server.set(&format!("/p{i}"), Reply::html("<p>x</p>"));
    }
    let f = std::sync::Arc::new(fetcher(FetchOptions {
        per_host_concurrency: 3,
        ..FetchOptions::default()
    }));
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let f = f.clone();
            let url = Url::parse(&server.url(&format!("/p{i}"))).unwrap();
            tokio::spawn(async move { f.fetch(&url, &Validators::default()).await })
        })
        .collect();
    for t in tasks {
        assert!(matches!(t.await.unwrap(), FetchOutcome::Page(_)));
    }
    // all 12 were started at once; the gate let exactly 3 through at a time
    assert_eq!(server.max_in_flight(), 3);
}

/// Public-only fetches (articles found through a feed): a name resolving to
/// loopback is refused at connect time, a redirect to a loopback literal is
/// not followed, and the exempt host:port (a configured feed's) is fetched.
#[tokio::test]
async fn public_only_fetches_refuse_private_addresses_except_exempt_origins() {
    let server = Server::start();
    let other = Server::start();
    server.set("/page", Reply::html("<p>fine</p>"));
    server.set("/away", Reply::Redirect(other.url("/secret")));
    other.set("/secret", Reply::html("<p>secret</p>"));
    let port = server.addr.port();
    let by_name = Url::parse(&format!("http://localhost:{port}/page")).unwrap();
    let none = Validators::default();

    let f = fetcher(FetchOptions::default());
    match f.fetch_with(&by_name, &none, Reach::PublicOnly).await {
        FetchOutcome::Failed(e) => {
            assert_eq!(e.kind, FailureKind::PrivateAddress, "{}", e.reason);
            assert!(
                e.reason
                    .contains("localhost resolves only to non-public addresses")
                    && e.reason.contains("loopback"),
                "{}",
                e.reason
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(server.hits("/page"), 0, "nothing sent to a refused host");
    assert!(matches!(
        f.fetch_with(&by_name, &none, Reach::Any).await,
        FetchOutcome::Page(_)
    ));

    let exempt =
        ExemptOrigins::from_urls([&by_name, &Url::parse(&server.url("/feed.xml")).unwrap()]);
    let f = Fetcher::with_exempt(
        FetchOptions {
            retries: 0,
            ..FetchOptions::default()
        },
        exempt,
    )
    .expect("fetcher");
    assert!(matches!(
        f.fetch_with(&by_name, &none, Reach::PublicOnly).await,
        FetchOutcome::Page(_)
    ));
    let away = Url::parse(&server.url("/away")).unwrap();
    match f.fetch_with(&away, &none, Reach::PublicOnly).await {
        FetchOutcome::Failed(e) => {
            assert_eq!(e.kind, FailureKind::PrivateAddress, "{}", e.reason);
            assert!(
                e.reason.starts_with(&format!(
                    "refused the redirect to {}: 127.0.0.1 is a loopback address",
                    other.url("/secret")
                )),
                "{}",
                e.reason
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(other.hits("/secret"), 0);
    let page = page(&f, &server.url("/away")).await; // Reach::Any follows it
    assert!(page.text.contains("secret"));
}
