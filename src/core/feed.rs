//! Feed bodies (RSS 0.9x/1.0/2.0, Atom, JSON Feed) to a list of article
//! links: one parser (`feed-rs`) for all three formats, relative links
//! resolved against the feed's URL, entries without an http(s) link
//! skipped, at most [`MAX_FEED_ENTRIES`] taken. Pure: bytes in, values out.

use chrono::{DateTime, Utc};
use url::Url;

/// Entries taken from one feed body; the rest are ignored (a feed that
/// lists more is a dump, not a list of new articles).
pub const MAX_FEED_ENTRIES: usize = 500;

/// One article a feed lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// Absolute http(s) URL of the article, without a fragment.
    pub url: Url,
    /// The entry's title as the feed gives it, when it has one.
    pub title: Option<String>,
    /// The entry's publication time (or its update time when the feed
    /// gives no publication time), when it has one.
    pub published: Option<DateTime<Utc>>,
    /// When the article last changed, as the listing says (a feed entry's
    /// `updated`, a sitemap's `<lastmod>`).
    pub modified: Option<DateTime<Utc>>,
}

/// What a feed body lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedFeed {
    /// The entries with an http(s) link, in feed order, without repeats,
    /// at most [`MAX_FEED_ENTRIES`].
    pub entries: Vec<FeedEntry>,
    /// Entries without a usable http(s) link.
    pub skipped: usize,
    /// Entries past [`MAX_FEED_ENTRIES`], not taken.
    pub truncated: usize,
}

/// A body that is not a feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// Broken XML or JSON, or neither RSS, Atom nor JSON Feed.
    #[error("not a readable feed: {0}")]
    Unreadable(String),
}

/// Parse a feed body fetched from `feed_url`.
pub fn parse_feed(body: &[u8], feed_url: &Url) -> Result<ParsedFeed, FeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        .build();
    let feed = parser
        .parse(body)
        .map_err(|e| FeedError::Unreadable(readable(&e)))?;
    let mut out = ParsedFeed::default();
    let mut seen = std::collections::HashSet::new();
    for entry in feed.entries {
        let Some(url) = entry_link(&entry.links, feed_url) else {
            out.skipped += 1;
            continue;
        };
        if !seen.insert(url.to_string()) {
            continue;
        }
        if out.entries.len() >= MAX_FEED_ENTRIES {
            out.truncated += 1;
            continue;
        }
        out.entries.push(FeedEntry {
            url,
            title: entry
                .title
                .map(|t| t.content.trim().to_string())
                .filter(|t| !t.is_empty()),
            published: entry.published.or(entry.updated),
            modified: entry.updated,
        });
    }
    Ok(out)
}

/// The entry's article link: the first `rel="alternate"` (or rel-less)
/// link, else the first link; resolved against the feed URL; http(s) only.
fn entry_link(links: &[feed_rs::model::Link], base: &Url) -> Option<Url> {
    let alternate = links.iter().find(|l| {
        l.rel
            .as_deref()
            .is_none_or(|r| r.eq_ignore_ascii_case("alternate"))
    });
    let link = alternate.or_else(|| links.first())?;
    let mut url = base.join(link.href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// feed-rs's message, made shorter: the cause without the wrapper's prefix.
fn readable(e: &feed_rs::parser::ParseFeedError) -> String {
    use feed_rs::parser::ParseFeedError as E;
    match e {
        E::ParseError(kind) => match kind {
            feed_rs::parser::ParseErrorKind::NoFeedRoot => {
                "no RSS, Atom or JSON Feed root element".to_string()
            }
            other => other.to_string(),
        },
        E::XmlReader(x) => format!("broken XML: {x}"),
        E::JsonSerde(j) => format!("broken JSON: {j}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example.com/rss/world.xml").unwrap()
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Example News - World</title>
  <link>https://news.example.com/world</link>
  <description>World news</description>
  <atom:link href="https://news.example.com/rss/world.xml" rel="self" type="application/rss+xml"/>
  <item>
    <title>Council approves budget</title>
    <link>https://news.example.com/world/2026/11/25/council-budget</link>
    <guid isPermaLink="true">https://news.example.com/world/2026/11/25/council-budget</guid>
    <pubDate>Wed, 25 Nov 2026 09:00:00 GMT</pubDate>
    <description>The council voted &lt;b&gt;yes&lt;/b&gt;.</description>
  </item>
  <item>
    <title>Storm hits the coast</title>
    <link>/world/2026/11/25/storm#comments</link>
    <pubDate>Wed, 25 Nov 2026 08:00:00 +0100</pubDate>
  </item>
  <item>
    <title>A podcast without a link</title>
    <enclosure url="https://cdn.example.com/a.mp3" length="1" type="audio/mpeg"/>
  </item>
  <item>
    <title>Mail us</title>
    <link>mailto:desk@example.com</link>
  </item>
</channel>
</rss>"#;

    #[test]
    fn rss_entries_resolved_and_linkless_ones_skipped() {
        let f = parse_feed(RSS.as_bytes(), &base()).unwrap();
        let urls: Vec<_> = f.entries.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://news.example.com/world/2026/11/25/council-budget",
                "https://news.example.com/world/2026/11/25/storm",
            ]
        );
        assert_eq!(f.skipped, 2, "no link, and a mailto: link");
        assert_eq!(
            f.entries[0].title.as_deref(),
            Some("Council approves budget")
        );
        assert_eq!(
            f.entries[1].published.map(|p| p.to_rfc3339()).as_deref(),
            Some("2026-11-25T07:00:00+00:00")
        );
    }

    #[test]
    fn atom_prefers_the_alternate_link() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Daily</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2026-11-25T10:00:00Z</updated>
  <entry>
    <title>Bridge opens downtown</title>
    <id>urn:example:1</id>
    <link rel="edit" href="https://cms.example.org/edit/1"/>
    <link rel="alternate" type="text/html" href="../stories/bridge.html"/>
    <updated>2026-11-25T10:00:00Z</updated>
    <published>2026-11-25T09:30:00Z</published>
  </entry>
  <entry>
    <title>Only an edit link</title>
    <id>urn:example:2</id>
    <link rel="edit" href="https://cms.example.org/edit/2"/>
    <updated>2026-11-25T08:00:00Z</updated>
  </entry>
  <entry>
    <title>No links at all</title>
    <id>urn:example:3</id>
    <updated>2026-11-25T08:00:00Z</updated>
  </entry>
</feed>"#;
        let f = parse_feed(atom.as_bytes(), &base()).unwrap();
        let urls: Vec<_> = f.entries.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://news.example.com/stories/bridge.html",
                "https://cms.example.org/edit/2",
            ]
        );
        assert_eq!(f.skipped, 1);
        assert_eq!(
            f.entries[0].published.map(|p| p.to_rfc3339()).as_deref(),
            Some("2026-11-25T09:30:00+00:00")
        );
    }

    #[test]
    fn rss1_and_json_feed() {
        let rdf = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://a.example/"><title>A</title><link>https://a.example/</link><description>A</description></channel>
  <item rdf:about="https://a.example/1"><title>One</title><link>https://a.example/1</link></item>
</rdf:RDF>"#;
        let f = parse_feed(rdf.as_bytes(), &base()).unwrap();
        assert_eq!(f.entries.len(), 1);
        assert_eq!(f.entries[0].url.as_str(), "https://a.example/1");

        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
            "items": [{"id": "1", "url": "/j/1", "title": "First", "date_published": "2026-11-25T09:00:00Z"},
                      {"id": "2", "content_text": "no url"}]}"#;
        let f = parse_feed(json.as_bytes(), &base()).unwrap();
        assert_eq!(f.entries.len(), 1);
        assert_eq!(f.entries[0].url.as_str(), "https://news.example.com/j/1");
        assert_eq!(f.skipped, 1);
    }

    #[test]
    fn broken_xml_html_and_garbage_are_readable_errors() {
        let broken = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title><item><link>https://a.example/1</link></itm></channel></rss>";
        let e = parse_feed(broken.as_bytes(), &base()).unwrap_err();
        assert!(e.to_string().starts_with("not a readable feed:"), "{e}");
        for body in [
            "<!doctype html><html><body><p>hi</p></body></html>",
            "hello",
            "",
        ] {
            let e = parse_feed(body.as_bytes(), &base()).unwrap_err();
            assert!(
                e.to_string().starts_with("not a readable feed:"),
                "{body:?}: {e}"
            );
        }
    }

    #[test]
    fn empty_feed_has_no_entries() {
        let rss = r#"<rss version="2.0"><channel><title>Nothing yet</title><link>https://a.example/</link><description>d</description></channel></rss>"#;
        let f = parse_feed(rss.as_bytes(), &base()).unwrap();
        assert_eq!(f, ParsedFeed::default());
    }

    #[test]
    fn huge_feed_is_capped_and_repeats_count_once() {
        let mut rss = String::from(r#"<rss version="2.0"><channel><title>Big</title>"#);
        for i in 0..(MAX_FEED_ENTRIES + 250) {
            rss.push_str(&format!(
                "<item><title>Story {i}</title><link>https://a.example/s/{i}</link></item>"
            ));
        }
        rss.push_str("<item><title>Again</title><link>https://a.example/s/0</link></item>");
        rss.push_str("</channel></rss>");
        let f = parse_feed(rss.as_bytes(), &base()).unwrap();
        assert_eq!(f.entries.len(), MAX_FEED_ENTRIES);
        assert_eq!(f.truncated, 250);
        assert_eq!(f.entries[0].url.as_str(), "https://a.example/s/0");
    }
}
