//! Tests of [`super`].
use super::*;

fn meta(html: &str) -> PageMeta {
    page_meta(
        &Document::from(html),
        Some("https://example.com/news/a.html"),
    )
}

#[test]
fn site_suffix_is_stripped() {
    assert_eq!(
        strip_site_suffix("Big news today | The Site", None),
        "Big news today"
    );
    assert_eq!(
        strip_site_suffix("Big news today - Site", None),
        "Big news today"
    );
    assert_eq!(
        strip_site_suffix("Big news today — Site", None),
        "Big news today"
    );
    assert_eq!(
        strip_site_suffix(
            "Big news today - World - The Daily Planet",
            Some("The Daily Planet")
        ),
        "Big news today"
    );
    assert_eq!(
        strip_site_suffix("Self-driving cars", None),
        "Self-driving cars"
    );
}

#[test]
fn json_ld_graph_and_authors() {
    let m = meta(
        r#"<html lang="en-GB"><head><script type="application/ld+json">
        {"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Site"},
        {"@type":"NewsArticle","headline":"Tom &amp; Jerry","datePublished":"2024-01-05T10:00:00Z",
         "dateModified":"2024-01-05T12:30:00+01:00",
         "author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Person","name":"John Roe"}]}]}
        </script><link rel="canonical" href="/news/a"></head><body></body></html>"#,
    );
    assert_eq!(m.title, "Tom & Jerry");
    assert_eq!(m.byline.as_deref(), Some("Jane Doe and John Roe"));
    assert_eq!(m.published.as_deref(), Some("2024-01-05T10:00:00+00:00"));
    assert_eq!(m.modified.as_deref(), Some("2024-01-05T12:30:00+01:00"));
    assert_eq!(
        m.canonical_url.as_deref(),
        Some("https://example.com/news/a")
    );
    assert_eq!(m.language.as_deref(), Some("en-GB"));
}

#[test]
fn broken_json_ld_falls_back() {
    let m = meta(
        r#"<head><script type="application/ld+json">{"@type":"NewsArticle","headline":"Half a headline",
        "datePublished":"2024-01-05T10:00:00Z", "author": {"name": "Ann Lee"},, </script>
        <title>Other | Site</title></head>"#,
    );
    assert_eq!(m.title, "Half a headline");
    assert_eq!(m.byline.as_deref(), Some("Ann Lee"));
    assert_eq!(m.published.as_deref(), Some("2024-01-05T10:00:00+00:00"));
}

#[test]
fn meta_tags_and_markup() {
    let m = meta(
        r#"<head><meta property="og:title" content="A headline here | Site">
        <meta property="og:site_name" content="Site">
        <meta name="author" content="By Ann Lee">
        <meta property="og:locale" content="fr_FR">
        <meta property="og:url" content="https://example.com/canon">
        </head><body><time datetime="2024-01-05">Jan 5</time></body>"#,
    );
    assert_eq!(m.title, "A headline here");
    assert_eq!(m.byline.as_deref(), Some("Ann Lee"));
    assert_eq!(m.published.as_deref(), Some("2024-01-05"));
    assert_eq!(
        m.canonical_url.as_deref(),
        Some("https://example.com/canon")
    );
    assert_eq!(m.language.as_deref(), Some("fr-FR"));
    let m = meta("<body><h1> Only  an h1 </h1><p class=byline>By  Jo Bloggs</p></body>");
    assert_eq!(m.title, "Only an h1");
    assert_eq!(m.byline.as_deref(), Some("Jo Bloggs"));
}

#[test]
fn times_normalize() {
    assert_eq!(
        normalize_time("2019-11-19T10:00:00-0500"),
        "2019-11-19T10:00:00-05:00"
    );
    assert_eq!(
        normalize_time("Tue, 19 Nov 2019 10:00:00 GMT"),
        "2019-11-19T10:00:00+00:00"
    );
    assert_eq!(
        normalize_time("2019-11-19T10:00Z"),
        "2019-11-19T10:00:00+00:00"
    );
    assert_eq!(normalize_time(" November 19, 2019 "), "November 19, 2019");
}

/// The one walk of [`Found::of`] finds, in document order, what the
/// selectors it replaced find (`attr_in` filters `links`, `htmls` and
/// `times` with the selectors themselves).
#[test]
fn found_matches_the_selectors() {
    let html = r#"<html lang="en"><head>
        <script type="application/ld+json">{}</script><script>x()</script><script type="module"></script>
        <meta name="a" content="1"><meta charset="utf-8"><meta property="b" content="">
        <link rel="stylesheet" href="/s.css"><link rel="Canonical" href="/c"><link rel="canonical alternate" href="/d"><link rel="canonical">
        </head><body>
        <time datetime="2020">x</time><time pubdate datetime="2021">y</time><time itemprop="dateModified datePublished" datetime="2022">z</time><time>w</time>
        <svg><script type="text/x"></script><meta content="2"/></svg>
        </body></html>"#;
    let doc = Document::from(html);
    let f = Found::of(&doc);
    let ids = |nodes: &[NodeRef<'_>], m: Option<&Matcher>| -> Vec<_> {
        nodes
            .iter()
            .filter(|n| m.is_none_or(|m| n.is_match(m)))
            .map(|n| n.id)
            .collect()
    };
    let want = |css: &str| -> Vec<_> { doc.select(css).nodes().iter().map(|n| n.id).collect() };
    for (got, css) in [
        (ids(&f.scripts, None), "script[type]"),
        (ids(&f.metas, None), "meta[content]"),
        (
            ids(&f.links, Some(&CANONICAL)),
            "link[rel~=canonical][href]",
        ),
        (ids(&f.htmls, Some(&HTML_LANG)), "html[lang]"),
        (
            ids(&f.times, Some(&TIME_PUBLISHED)),
            "time[itemprop~=datePublished][datetime]",
        ),
        (
            ids(&f.times, Some(&TIME_PUBDATE)),
            "time[pubdate][datetime]",
        ),
        (ids(&f.times, Some(&TIME_ANY)), "time[datetime]"),
    ] {
        assert!(!want(css).is_empty(), "{css} matches nothing");
        assert_eq!(got, want(css), "{css}");
    }
}
