//! The web UI's pages and the Atom feeds over a real listener with a real
//! store: untrusted titles, bodies and URLs are escaped everywhere, article
//! links are http(s) only, every page carries the CSP, the diff page marks
//! words with `<del>`/`<ins>` and hides unchanged paragraphs on request,
//! the cluster page marks shared paragraphs, and every feed (republication
//! entries included) parses as Atom (feed-rs).

use crate::webcommon;

use std::time::Duration;
use webcommon::{art, client, republish, seed, Site, STORY};

const XSS_TITLE: &str = "<script>window.__xss=1</script>\"><img src=x onerror=\"window.__xss=2\">";
const XSS_BODY: &str =
    "Body <b onmouseover='window.__xss=3'>bold</b> & \"quoted\" text that is long enough.";
const XSS_URL: &str = "javascript:window.__xss=4//\"><script>x</script>";
const P1: &str = "The minister resigned on Friday after a week of protests in the capital.";
const P2: &str = "Her deputy will lead the ministry until a successor is named.";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn page(site: &Site, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let r = client().get(site.url(path)).send().await.expect("GET");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.text().await.expect("body"), headers)
}

fn hostile(site: &Site) -> (u64, u64) {
    let s = site.store.as_ref();
    let a = seed(
        s,
        "https://evil.example/story?a=1&b=\"2\"",
        Some("<i>label</i>"),
        &[
            art(XSS_TITLE, &[P1, XSS_BODY]),
            art(&format!("{XSS_TITLE} updated"), &[P1, XSS_BODY, P2]),
        ],
    );
    let b = seed(
        s,
        XSS_URL,
        None,
        &[art("Plain", &[P1]), art("Plain", &[P2])],
    );
    (a.id, b.id)
}

#[test]
fn untrusted_text_is_escaped_and_every_page_has_the_csp() {
    let site = Site::start(None);
    let (a, b) = hostile(&site);
    rt().block_on(async {
        for path in [
            "/".to_string(),
            "/watches".into(),
            format!("/watches/{a}"),
            format!("/watches/{a}/diff"),
            format!("/watches/{a}/diff?from=1&to=2&changes=only"),
            format!("/watches/{b}"),
            format!("/watches/{b}/diff"),
            "/login?next=/%22%3E%3Cscript%3Ewindow.__xss=5%3C/script%3E".into(),
            "/no/such/page".into(),
        ] {
            let (status, body, h) = page(&site, &path).await;
            let want = if path == "/no/such/page" { 404 } else { 200 };
            assert_eq!(status, want, "{path}");
            let csp = h
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(
                csp.contains("default-src 'none'") && !csp.contains("unsafe"),
                "{path}: {csp}"
            );
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert!(h["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/html"));
            for raw in [
                "<script",
                "<img",
                "<b ",
                "onerror=\"",
                "href=\"javascript:",
                "<i>label",
            ] {
                assert!(!body.contains(raw), "{path}: unescaped {raw:?} in\n{body}");
            }
            assert!(body.contains("<meta name=\"viewport\""), "{path}");
        }
        let (_, body, _) = page(&site, &format!("/watches/{a}/diff")).await;
        assert!(
            body.contains("&lt;script&gt;window.__xss=1&lt;/script&gt;&quot;&gt;"),
            "{body}"
        );
        assert!(
            body.contains("&lt;b onmouseover='window.__xss=3'&gt;")
                || body.contains("&lt;b onmouseover=&#39;")
        );
        // the http(s) article URL is a link, attribute-escaped
        assert!(
            body.contains("href=\"https://evil.example/story?a=1&amp;b=%222%22\""),
            "{body}"
        );
        // the javascript: URL is text only
        let (_, body, _) = page(&site, &format!("/watches/{b}")).await;
        assert!(
            body.contains("javascript:window.__xss=4//&quot;&gt;&lt;script&gt;"),
            "{body}"
        );
        assert!(!body.contains("href=\"javascript"));
    });
}

#[test]
fn the_diff_page_marks_words_aligns_paragraphs_and_can_hide_unchanged_ones() {
    let site = Site::start(None);
    let s = site.store.as_ref();
    let p3 = "Opposition leaders called for early elections this spring.";
    let w = seed(
        s,
        "https://news.example/minister",
        None,
        &[
            art("Minister resigns", &[P1, P2, p3]),
            art(
                "Minister quits",
                &[&P1.replace("Friday", "Saturday"), P2, p3],
            ),
            art("Minister quits", &[&P1.replace("Friday", "Saturday"), P2]),
        ],
    );
    let id = w.id;
    rt().block_on(async {
        let (_, body, _) = page(&site, &format!("/watches/{id}/diff?from=1&to=2")).await;
        assert!(body.contains("<del>Friday</del>"), "{body}");
        assert!(body.contains("<ins>Saturday</ins>"), "{body}");
        assert!(body.contains("<del>resigns</del>") && body.contains("<ins>quits</ins>"));
        assert_eq!(
            body.matches("<tr class=\"eq\">").count(),
            2,
            "two unchanged rows"
        );
        assert!(
            body.contains(&format!("href=\"/watches/{id}/diff?from=2&amp;to=3\"")),
            "next"
        );
        assert!(
            !body.contains("previous change"),
            "no previous pair before version 1"
        );

        let (_, only, _) = page(
            &site,
            &format!("/watches/{id}/diff?from=1&to=2&changes=only"),
        )
        .await;
        assert_eq!(only.matches("<tr class=\"eq\">").count(), 0);
        assert!(only.contains("2 unchanged paragraphs"), "{only}");
        assert!(only.contains("Show the whole article"));

        let (_, latest, _) = page(&site, &format!("/watches/{id}/diff")).await;
        assert!(
            latest.contains("Version 2 → 3"),
            "defaults to the latest change"
        );
        assert!(latest.contains("previous change"));
        assert!(
            latest.contains("<del>Opposition leaders"),
            "removed paragraph"
        );

        let (status, _, _) = page(&site, &format!("/watches/{id}/diff?from=1&to=8")).await;
        assert_eq!(status, 404);
        let (_, list, _) = page(&site, "/watches?status=failing").await;
        assert!(list.contains("No watch matches"));
        let (_, list, _) = page(&site, "/watches?outlet=news.example").await;
        assert!(list.contains(&format!("/watches/{id}\"")), "{list}");
        let (_, timeline, _) = page(&site, &format!("/watches/{id}")).await;
        assert!(
            timeline.contains("href=\"/outlets/news.example/feed.atom\""),
            "{timeline}"
        );
        assert!(timeline.contains(&format!("href=\"/watches/{id}/diff?from=1&amp;to=2\"")));
        let (_, dash, _) = page(&site, "/").await;
        assert!(dash.contains(&format!("/watches/{id}/diff?from=2&amp;to=3")));
    });
}

#[test]
fn feeds_parse_as_atom_all_per_watch_and_per_outlet() {
    let site = Site::start(None);
    let (a, _) = hostile(&site);
    seed(
        site.store.as_ref(),
        "https://news.example/m",
        None,
        &[art("M", &[P1]), art("M", &[P2])],
    );
    rt().block_on(async {
        for (path, entries) in [
            ("/feed.atom".to_string(), 3),
            (format!("/watches/{a}/feed.atom"), 1),
            ("/outlets/news.example/feed.atom".into(), 1),
            ("/outlets/nowhere.example/feed.atom".into(), 0),
        ] {
            let r = client().get(site.url(&path)).send().await.expect("GET");
            assert_eq!(r.status(), 200, "{path}");
            assert!(r.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("application/atom+xml"));
            let bytes = r.bytes().await.expect("body");
            let feed = feed_rs::parser::parse(&bytes[..])
                .unwrap_or_else(|e| panic!("{path} is not a feed: {e}"));
            assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom, "{path}");
            assert_eq!(feed.entries.len(), entries, "{path}");
            assert!(feed.updated.is_some(), "{path}");
            for e in &feed.entries {
                assert!(
                    e.id.starts_with("tag:copydesk,2026:event:edit-"),
                    "{}",
                    e.id
                );
                assert!(e.updated.is_some());
                assert!(!e.links.is_empty());
            }
        }
        let r = client()
            .get(site.url(&format!("/watches/{a}/feed.atom")))
            .send()
            .await
            .expect("GET");
        let feed = feed_rs::parser::parse(&r.bytes().await.expect("body")[..]).expect("feed");
        let title = &feed.entries[0].title.as_ref().expect("title").content;
        assert!(
            title.starts_with(XSS_TITLE),
            "the title comes back as the same text: {title}"
        );
        let r = client()
            .get(site.url("/watches/999/feed.atom"))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 404);
    });
}

#[test]
fn behind_a_proxy_feed_links_are_absolute_on_the_public_url() {
    let site = Site::start_at(None, Some("https://news.example.org/copydesk/"));
    let w = seed(
        site.store.as_ref(),
        "https://news.example/m",
        None,
        &[art("M", &[P1]), art("M", &[P2])],
    );
    rt().block_on(async {
        let r = client().get(site.url("/feed.atom")).send().await.expect("GET");
        assert_eq!(r.status(), 200);
        let body = r.text().await.expect("body");
        assert!(
            body.contains("rel=\"self\" type=\"application/atom+xml\" href=\"https://news.example.org/copydesk/feed.atom\""),
            "{body}"
        );
        let feed = feed_rs::parser::parse(body.as_bytes()).expect("feed");
        let links: Vec<&str> = feed.entries[0]
            .links
            .iter()
            .map(|l| l.href.as_str())
            .collect();
        let diff = format!(
            "https://news.example.org/copydesk/watches/{}/diff?from=1&to=2",
            w.id
        );
        assert!(links.contains(&diff.as_str()), "{links:?}");
        assert!(!body.contains("href=\"/"), "a root-relative link is left: {body}");
    });
}

#[test]
fn a_feed_reader_polling_with_validators_gets_304_until_the_feed_changes() {
    let site = Site::start(None);
    seed(
        site.store.as_ref(),
        "https://news.example/m",
        None,
        &[art("M", &[P1]), art("M", &[P2])],
    );
    let old_etag = rt().block_on(async {
        let url = site.url("/feed.atom");
        let r = client().get(&url).send().await.expect("GET");
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().expect("etag").to_string();
        let modified = r.headers()["last-modified"]
            .to_str()
            .expect("last-modified")
            .to_string();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        assert!(modified.ends_with(" GMT"), "{modified}");
        let body = r.text().await.expect("body");
        // a Last-Modified holds once its second is over (an entry may still
        // come in that second): wait for the next one
        let next = chrono::Utc::now().timestamp() + 1;
        while chrono::Utc::now().timestamp() < next {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // the same validators: 304, no body, the validators again
        for (name, value) in [
            ("if-none-match", etag.as_str()),
            ("if-modified-since", &modified),
        ] {
            let r = client()
                .get(&url)
                .header(name, value)
                .send()
                .await
                .expect("GET");
            assert_eq!(r.status(), 304, "{name}: {value}");
            assert_eq!(r.headers()["etag"].to_str().expect("etag"), etag);
            assert_eq!(r.text().await.expect("body"), "", "{name}");
        }
        // another ETag, or an older date: the whole feed
        let r = client()
            .get(&url)
            .header("if-none-match", "\"0123\"")
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.expect("body"), body);
        let r = client()
            .get(&url)
            .header("if-modified-since", "Sat, 01 Jan 2000 00:00:00 GMT")
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 200);
        etag
    });

    // a new event: the old ETag no longer holds
    seed(
        site.store.as_ref(),
        "https://news.example/n",
        None,
        &[art("N", &[P1]), art("N", &[P2])],
    );
    rt().block_on(async {
        let url = site.url("/feed.atom");
        let first = client().get(&url).send().await.expect("GET");
        let etag = first.headers()["etag"].to_str().expect("etag").to_string();
        assert_ne!(etag, old_etag);
        let feed = feed_rs::parser::parse(&first.bytes().await.expect("body")[..]).expect("feed");
        assert_eq!(feed.entries.len(), 2);
        let r = client()
            .get(&url)
            .header("if-none-match", &old_etag)
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 200, "the reader's copy is out of date");
        let r = client()
            .get(&url)
            .header("if-none-match", format!("W/\"x\", {etag}"))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 304, "a list of ETags holding the current one");
    });
}

/// A republication whose copy has a hostile title, a hostile paragraph of
/// its own and four paragraphs of the original.
fn hostile_cluster(site: &Site) -> (u64, u64) {
    let copy_body = [STORY[0], STORY[1], XSS_BODY, STORY[2], STORY[3]];
    let (o, c) = republish(
        site.store.as_ref(),
        ("https://first.example/flood", "Flood in the old town"),
        &STORY,
        ("https://second.example.net/flood", XSS_TITLE),
        &copy_body,
    );
    (o.id, c.id)
}

#[test]
fn the_cluster_page_marks_shared_paragraphs_and_escapes_member_titles() {
    let site = Site::start(None);
    let (o, c) = hostile_cluster(&site);
    rt().block_on(async {
        for path in [
            "/clusters".to_string(),
            format!("/clusters/{o}"),
            format!("/clusters/{c}"),
            "/".into(),
            format!("/watches/{c}"),
        ] {
            let (st, body, h) = page(&site, &path).await;
            assert_eq!(st, 200, "{path}");
            assert!(h.contains_key("content-security-policy"), "{path}");
            assert!(!body.contains("<script>"), "{path}: raw script");
            assert!(!body.contains("<img src=x"), "{path}: raw img");
            assert!(!body.contains("<b onmouseover"), "{path}: raw b");
        }
        let (_, body, _) = page(&site, &format!("/clusters/{o}")).await;
        assert!(body.contains("&lt;script&gt;window.__xss=1&lt;/script&gt;"));
        assert!(body.contains("id=\"first-publisher\""));
        assert!(body.contains("Flood in the old town"));
        assert!(body.contains("first.example"));
        // the four shared paragraphs are marked, the copy's own one is not
        for p in &STORY[..4] {
            assert!(
                body.contains(&format!("<mark>{p}</mark>")),
                "{p} not marked"
            );
        }
        assert!(!body.contains(&format!("<mark>{}", &XSS_BODY[..4])));
        assert!(body.contains("4 shared paragraphs"));
        assert!(body.contains("similarity "));
        assert!(body.contains("containment "));
        // the dashboard's republication row and the timeline link to it
        let (_, dash, _) = page(&site, "/").await;
        assert!(dash.contains(&format!("href=\"/clusters/{c}\"")), "{dash}");
        let (_, tl, _) = page(&site, &format!("/watches/{o}")).await;
        assert!(tl.contains(&format!("href=\"/clusters/{o}\"")));
        let (st, _, _) = page(&site, "/clusters/424242").await;
        assert_eq!(st, 404);
    });
}

#[test]
fn a_republication_is_a_feed_entry_in_either_outlets_feed() {
    let site = Site::start(None);
    let (_, c) = hostile_cluster(&site);
    rt().block_on(async {
        for (path, entries) in [
            ("/feed.atom".to_string(), 1),
            ("/outlets/first.example/feed.atom".into(), 1),
            ("/outlets/example.net/feed.atom".into(), 1),
            (format!("/watches/{c}/feed.atom"), 1),
            ("/outlets/nowhere.example/feed.atom".into(), 0),
        ] {
            let r = client().get(site.url(&path)).send().await.expect("GET");
            assert_eq!(r.status(), 200, "{path}");
            let bytes = r.bytes().await.expect("body");
            let feed = feed_rs::parser::parse(&bytes[..])
                .unwrap_or_else(|e| panic!("{path} is not a feed: {e}"));
            assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom, "{path}");
            assert_eq!(feed.entries.len(), entries, "{path}");
            for e in &feed.entries {
                assert!(
                    e.id.starts_with("tag:copydesk,2026:event:republication-"),
                    "{}",
                    e.id
                );
                let title = &e.title.as_ref().expect("title").content;
                assert!(
                    title.starts_with("Copied: Flood in the old town at example.net (similarity "),
                    "{title}"
                );
                assert!(e.updated.is_some());
                assert!(e
                    .links
                    .iter()
                    .any(|l| l.href.ends_with(&format!("/clusters/{c}"))));
                assert_eq!(e.categories[0].term, "republication");
            }
        }
    });
}

#[test]
fn an_alias_is_listed_once_as_an_alias_and_not_counted_as_a_copy() {
    let site = Site::start(None);
    let s = site.store.as_ref();
    let (o, c) = republish(
        s,
        ("https://first.example/flood", "Flood in the old town"),
        &STORY,
        ("https://second.example.net/flood", "Old town flooded"),
        &STORY,
    );
    // the same outlet's article at a second URL, which the copy matches too
    let alias = seed(
        s,
        "https://first.example/flood/amp",
        None,
        &[art("Flood in the old town", &STORY)],
    );
    webcommon::run_matcher(s, "https://first.example/flood/amp");
    webcommon::run_matcher(s, "https://second.example.net/flood");
    let pairs = s.match_pairs().expect("pairs");
    assert!(pairs.len() >= 2, "{pairs:#?}");
    rt().block_on(async {
        let (st, body, _) = page(&site, &format!("/clusters/{}", o.id)).await;
        assert_eq!(st, 200);
        assert!(body.contains("Copies (1)"), "{body}");
        assert!(body.contains("Aliases (1)"), "{body}");
        assert!(
            body.contains("<span class=\"badge alias\">alias</span>"),
            "{body}"
        );
        // each article once
        assert_eq!(
            body.matches("<section class=\"copy\">").count(),
            2,
            "{body}"
        );
        assert_eq!(
            body.matches(&format!("href=\"/watches/{}\">Old town flooded", c.id))
                .count(),
            1,
            "{body}"
        );
        assert_eq!(
            body.matches(&format!("href=\"/watches/{}\"", alias.id))
                .count(),
            1,
            "{body}"
        );
        let (_, list, _) = page(&site, "/clusters").await;
        assert!(
            list.contains("1 alias (the same article at another URL)"),
            "{list}"
        );
        assert!(list.contains("first.example (alias)"), "{list}");
    });
}
