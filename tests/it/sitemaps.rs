//! News sitemaps end to end with the real binary against a loopback
//! server: a `[[sitemap]]` index with two gzip sitemaps (one a `.xml.gz`
//! file, one sent with `Content-Encoding: gzip`) discovers their articles
//! as adaptive watches; a newer `<lastmod>` for a watched URL makes it due
//! at once; hostile sitemaps (a gzip bomb, deep nesting, broken XML, not
//! XML, an index inside an index) fail with a clear reason and stop nothing.

use crate::common;

use common::{article_page, story, Env, Furniture, Reply, Server};
use serde_json::Value;
use std::io::Write;

fn page(title: &str) -> Reply {
    let mut body = story();
    body[0] = format!("{title}. {}", body[0]);
    Reply::html(article_page(title, &body, &Furniture::default()))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

fn urlset(urls: &[(String, &str, &str)]) -> String {
    let items: String = urls
        .iter()
        .map(|(loc, title, lastmod)| {
            format!(
                "<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod><news:news>\
                 <news:publication><news:name>Daily</news:name><news:language>en</news:language></news:publication>\
                 <news:publication_date>{lastmod}</news:publication_date><news:title>{title}</news:title>\
                 </news:news></url>\n"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n{items}</urlset>"
    )
}

/// A `.xml.gz` file: gzip bytes, no Content-Encoding.
fn gz_file(xml: &str) -> Reply {
    Reply::status(200, "application/x-gzip", gzip(xml.as_bytes()))
}

/// XML sent compressed with `Content-Encoding: gzip`.
fn gz_encoded(xml: &str) -> Reply {
    Reply::Page {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "application/xml".into()),
            ("Content-Encoding".into(), "gzip".into()),
        ],
        body: gzip(xml.as_bytes()),
    }
}

fn xml(body: impl Into<Vec<u8>>) -> Reply {
    Reply::status(200, "application/xml", body)
}

fn by_url<'a>(list: &'a Value, url: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|w| w["url"] == url))
        .unwrap_or_else(|| panic!("{url} not listed: {list:#}"))
}

#[test]
fn a_news_sitemap_index_with_two_gzip_sitemaps_discovers_articles_and_lastmod_hints() {
    let server = Server::start();
    for (p, t) in [
        ("/a1", "Council approves budget"),
        ("/a2", "Storm hits the coast"),
        ("/a3", "Bridge opens"),
    ] {
        server.set(p, page(t));
    }
    server.set(
        "/news-1.xml.gz",
        gz_file(&urlset(&[
            (
                server.url("/a1"),
                "Council approves budget",
                "2026-11-30T08:00:00Z",
            ),
            (
                server.url("/a2"),
                "Storm hits the coast",
                "2026-11-30T09:00:00+01:00",
            ),
        ])),
    );
    let s2 = |lastmod: &str| gz_encoded(&urlset(&[(server.url("/a3"), "Bridge opens", lastmod)]));
    server.set("/news-2.xml", s2("2026-11-29"));
    server.set(
        "/index.xml",
        xml(format!(
            "<?xml version=\"1.0\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <sitemap><loc>{}</loc><lastmod>2026-11-30</lastmod></sitemap>\
             <sitemap><loc>{}</loc></sitemap></sitemapindex>",
            server.url("/news-1.xml.gz"),
            server.url("/news-2.xml"),
        )),
    );
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"0 0 1 1 *\"\n\n[[sitemap]]\nurl = \"{}\"\nlabel = \"Daily\"\nschedule = \"* * * * * *\"\n",
        server.url("/index.xml"),
    ));
    let s = env.json(&["check"]);
    assert_eq!(s["feeds_polled"], 1, "{s}");
    assert_eq!(s["discovered"], 3, "{s}");
    let list = env.json(&["watch", "list"]);
    for p in ["/a1", "/a2", "/a3"] {
        let w = by_url(&list, &server.url(p));
        assert_eq!(w["source"], "feed", "{w}");
        assert_eq!(w["schedule"], "adaptive", "{w}");
        assert_eq!(w["label"], "Daily", "{w}");
        assert_eq!(w["latest_version"], 1, "{w}");
    }
    let feeds = env.json(&["feeds"]);
    let f = by_url(&feeds, &server.url("/index.xml"));
    assert_eq!(f["last_poll"]["outcome"], "ok", "{f}");
    assert_eq!(f["last_poll"]["entries"], 3, "{f}");

    // nothing changed: the young watches are not due again yet
    let (a1, a3) = (server.hits("/a1"), server.hits("/a3"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.json(&["check"]);
    assert_eq!(server.hits("/a1"), a1, "not due, no hint");
    assert_eq!(server.hits("/a3"), a3, "an old lastmod is no hint");

    // a newer lastmod for /a3 makes it due at once
    server.set("/news-2.xml", s2("2099-01-01T00:00:00Z"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.json(&["check"]);
    assert!(server.hits("/a3") > a3, "the lastmod hint checks it now");
    assert_eq!(server.hits("/a1"), a1, "the others wait");
}

#[test]
fn hostile_sitemaps_fail_with_a_reason_and_stop_nothing() {
    let server = Server::start();
    server.set("/ok", page("A story still checked"));
    // 60 MiB of spaces: about 60 KiB of gzip, past the 50 MiB cap
    server.set("/bomb.xml.gz", gz_file(&" ".repeat(60 * 1024 * 1024)));
    server.set(
        "/deep.xml",
        xml(format!("<urlset>{}", "<a>".repeat(100_000))),
    );
    server.set(
        "/broken.xml",
        xml("<urlset><url><loc>http://x.example/</loc></urlset>"),
    );
    server.set("/text.xml", xml("this is not XML at all, just words"));
    server.set(
        "/nested.xml",
        xml(format!(
            "<sitemapindex><sitemap><loc>{}</loc></sitemap></sitemapindex>",
            server.url("/inner.xml")
        )),
    );
    server.set(
        "/inner.xml",
        xml("<sitemapindex><sitemap><loc>http://x.example/s.xml</loc></sitemap></sitemapindex>"),
    );
    let paths = [
        "/bomb.xml.gz",
        "/deep.xml",
        "/broken.xml",
        "/text.xml",
        "/nested.xml",
    ];
    let mut config = "[schedule]\ndefault = \"0 0 1 1 *\"\n\n".to_string();
    for p in paths {
        config.push_str(&format!("[[sitemap]]\nurl = \"{}\"\n\n", server.url(p)));
    }
    config.push_str(&format!("[[watch]]\nurl = \"{}\"\n", server.url("/ok")));
    let env = Env::new(&config);
    let s = env.json(&["check"]);
    assert_eq!(s["feeds_polled"], 5, "{s}");
    assert_eq!(s["feeds_failed"], 5, "{s}");
    assert_eq!(s["checked"], 1, "the watch is checked all the same: {s}");
    let feeds = env.json(&["feeds"]);
    for (p, words) in [
        ("/bomb.xml.gz", "inflates to more than 50 MiB"),
        ("/deep.xml", "deeper than"),
        ("/broken.xml", "broken XML"),
        ("/text.xml", "not a readable feed"),
        ("/nested.xml", "index inside an index"),
    ] {
        let f = by_url(&feeds, &server.url(p));
        assert_eq!(f["last_poll"]["outcome"], "failed", "{f}");
        let why = f["last_poll"]["reason"].as_str().unwrap_or("");
        assert!(why.contains(words), "{p}: {why}");
    }
}
