//! Sitemap bodies (sitemaps.org 0.9, with the Google News extension) to
//! article links or child sitemaps: a `<urlset>` gives each `<loc>` with its
//! `<lastmod>`, `<news:publication_date>` and `<news:title>`; a
//! `<sitemapindex>` gives its child sitemaps. gzip bodies are inflated
//! under a cap. Hostile input (not XML, malformed, too deep, too large, a
//! gzip bomb) is a [`SitemapError`], never a stall: the parser streams
//! (quick-xml), keeps no tree and stops at the caps. Pure: bytes in, values
//! out.

use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::events::Event;
use url::Url;

use super::feed::FeedEntry;

/// Largest sitemap read, uncompressed (the protocol's 50 MB limit).
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;
/// URLs read from one sitemap (the protocol's limit); the rest are counted
/// as truncated.
pub const MAX_SITEMAP_URLS: usize = 50_000;
/// Elements nested deeper than this make the body unreadable (a sitemap
/// needs four levels: `urlset/url/news:news/news:title`).
pub const MAX_DEPTH: usize = 16;

/// What a sitemap body lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sitemap {
    /// `<urlset>`: articles.
    Urls(SitemapUrls),
    /// `<sitemapindex>`: child sitemaps, with their `<lastmod>`.
    Index(Vec<(Url, Option<DateTime<Utc>>)>),
}

/// The articles of a `<urlset>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SitemapUrls {
    /// In document order, without repeats, at most [`MAX_SITEMAP_URLS`].
    pub entries: Vec<FeedEntry>,
    /// `<url>`s without a usable http(s) `<loc>`.
    pub skipped: usize,
    /// `<url>`s past [`MAX_SITEMAP_URLS`].
    pub truncated: usize,
}

/// A body that is not a readable sitemap.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SitemapError {
    /// gzip that does not inflate, or inflates past the cap.
    #[error("bad gzip sitemap: {0}")]
    Gzip(String),
    /// Broken XML, or XML that is not a sitemap.
    #[error("not a readable sitemap: {0}")]
    Unreadable(String),
}

/// Whether `body` starts like gzip.
pub fn is_gzip(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b])
}

/// `body` inflated when it is gzip (an `.xml.gz` sitemap served as bytes),
/// at most `cap` bytes; else `body` as it is.
pub fn gunzip(body: Vec<u8>, cap: u64) -> Result<Vec<u8>, SitemapError> {
    if !is_gzip(&body) {
        return Ok(body);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body.as_slice())
        .take(cap + 1)
        .read_to_end(&mut out)
        .map_err(|e| SitemapError::Gzip(e.to_string()))?;
    if out.len() as u64 > cap {
        return Err(SitemapError::Gzip(format!(
            "it inflates to more than {} MiB (the sitemap limit)",
            cap / (1024 * 1024)
        )));
    }
    Ok(out)
}

/// Whether an (inflated) body's root element is a sitemap's (`urlset` or
/// `sitemapindex`), judged from its first few KiB.
pub fn looks_like_sitemap(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let mut reader = quick_xml::Reader::from_str(&head);
    for _ in 0..64 {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return matches!(e.local_name().as_ref(), "urlset" | "sitemapindex")
            }
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
    false
}

/// Where the parser is inside a `<url>` or `<sitemap>`.
#[derive(Default)]
struct Item {
    loc: String,
    lastmod: String,
    published: String,
    title: String,
}

/// Parse an (inflated) sitemap body fetched from `base` (relative `<loc>`s
/// are resolved against it, though the protocol asks for absolute ones).
pub fn parse_sitemap(body: &[u8], base: &Url) -> Result<Sitemap, SitemapError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|e| {
        SitemapError::Unreadable(format!("not UTF-8 (the protocol requires it): {e}"))
    })?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut root: Option<bool> = None; // Some(true): an index
    let mut item: Option<Item> = None;
    let mut urls = SitemapUrls::default();
    let mut children = Vec::new();
    let mut seen = std::collections::HashSet::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            SitemapError::Unreadable(format!(
                "broken XML at byte {}: {e}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if path.len() >= MAX_DEPTH {
                    return Err(SitemapError::Unreadable(format!(
                        "elements nested deeper than {MAX_DEPTH} levels"
                    )));
                }
                if path.is_empty() {
                    root = Some(match name.as_str() {
                        "urlset" => false,
                        "sitemapindex" => true,
                        other => {
                            return Err(SitemapError::Unreadable(format!(
                                "the root element is <{other}>, not <urlset> or <sitemapindex>"
                            )))
                        }
                    });
                }
                if path.len() == 1 && matches!(name.as_str(), "url" | "sitemap") {
                    item = Some(Item::default());
                }
                path.push(name);
            }
            Event::End(_) => {
                let Some(name) = path.pop() else { continue };
                if path.len() != 1 || !matches!(name.as_str(), "url" | "sitemap") {
                    continue;
                }
                let Some(it) = item.take() else { continue };
                let Some(url) = absolute(&it.loc, base) else {
                    urls.skipped += 1;
                    continue;
                };
                let lastmod = w3c_date(&it.lastmod);
                if root == Some(true) {
                    if seen.insert(url.to_string()) && children.len() < MAX_SITEMAP_URLS {
                        children.push((url, lastmod));
                    }
                    continue;
                }
                if !seen.insert(url.to_string()) {
                    continue;
                }
                if urls.entries.len() >= MAX_SITEMAP_URLS {
                    urls.truncated += 1;
                    continue;
                }
                let title = it.title.trim();
                urls.entries.push(FeedEntry {
                    url,
                    title: (!title.is_empty()).then(|| title.to_string()),
                    published: w3c_date(&it.published).or(lastmod),
                    modified: lastmod,
                });
            }
            Event::Text(t) => push_text(&mut item, &path, &t.xml10_content()),
            Event::CData(t) => push_text(&mut item, &path, &t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Some(c) = entity(&r.xml10_content()) {
                    push_text(&mut item, &path, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Empty(e) if path.is_empty() => {
                let name = e.local_name();
                return match name.as_ref() {
                    "urlset" => Ok(Sitemap::Urls(SitemapUrls::default())),
                    "sitemapindex" => Ok(Sitemap::Index(Vec::new())),
                    _ => Err(SitemapError::Unreadable(
                        "the root element is not <urlset> or <sitemapindex>".to_string(),
                    )),
                };
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match root {
        None => Err(SitemapError::Unreadable(
            "no XML element at all".to_string(),
        )),
        Some(_) if !path.is_empty() => Err(SitemapError::Unreadable(format!(
            "the document ends inside <{}>",
            path.join("><")
        ))),
        Some(true) => Ok(Sitemap::Index(children)),
        Some(false) => Ok(Sitemap::Urls(urls)),
    }
}

/// Text inside a `<url>`/`<sitemap>` goes to the field its element names
/// (`loc`, `lastmod`, `news:publication_date`, `news:title`).
fn push_text(item: &mut Option<Item>, path: &[String], text: &str) {
    let Some(it) = item.as_mut() else { return };
    let field = match (path.len(), path.last().map(String::as_str)) {
        (3, Some("loc")) => &mut it.loc,
        (3, Some("lastmod")) => &mut it.lastmod,
        (_, Some("publication_date")) => &mut it.published,
        (_, Some("title")) if path.len() >= 4 => &mut it.title,
        _ => return,
    };
    // a loc longer than any real URL is not one
    if field.len() + text.len() <= 4096 {
        field.push_str(text);
    }
}

/// The five predefined entities and character references.
fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix('x').or_else(|| n.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

fn absolute(loc: &str, base: &Url) -> Option<Url> {
    let mut url = base.join(loc.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// A W3C datetime (`2026-12-01`, `2026-12-01T10:00:00+01:00`,
/// `2026-12-01T10:00Z`), in UTC.
pub fn w3c_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    // minutes without seconds
    for fmt in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%#z"] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    if let Some(z) = s.strip_suffix('Z') {
        if let Ok(d) = DateTime::parse_from_str(&format!("{z}+00:00"), "%Y-%m-%dT%H:%M%:z") {
            return Some(d.with_timezone(&Utc));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn base() -> Url {
        Url::parse("https://news.example/sitemap.xml").expect("url")
    }

    const NEWS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example/2026/12/01/budget</loc>
    <lastmod>2026-12-01T10:30:00+01:00</lastmod>
    <news:news>
      <news:publication><news:name>Example</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2026-12-01T08:00:00Z</news:publication_date>
      <news:title>Council &amp; mayor agree budget</news:title>
    </news:news>
  </url>
  <url><loc><![CDATA[https://news.example/storm?a=1&b=2]]></loc><lastmod>2026-11-30</lastmod></url>
  <url><loc>mailto:desk@news.example</loc></url>
  <url><loc>https://news.example/storm?a=1&amp;b=2</loc></url>
</urlset>"#;

    #[test]
    fn a_news_urlset_gives_links_titles_and_dates() {
        let Ok(Sitemap::Urls(u)) = parse_sitemap(NEWS.as_bytes(), &base()) else {
            panic!("a urlset");
        };
        assert_eq!(u.entries.len(), 2, "{u:?}");
        assert_eq!(u.skipped, 1);
        let a = &u.entries[0];
        assert_eq!(a.url.as_str(), "https://news.example/2026/12/01/budget");
        assert_eq!(a.title.as_deref(), Some("Council & mayor agree budget"));
        assert_eq!(a.published, w3c_date("2026-12-01T08:00:00Z"));
        assert_eq!(a.modified, w3c_date("2026-12-01T09:30:00Z"));
        let b = &u.entries[1];
        assert_eq!(b.url.as_str(), "https://news.example/storm?a=1&b=2");
        assert_eq!(b.published, b.modified, "lastmod stands in");
    }

    #[test]
    fn an_index_lists_its_children() {
        let xml = r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>https://news.example/a.xml.gz</loc><lastmod>2026-12-01</lastmod></sitemap>
            <sitemap><loc>/b.xml</loc></sitemap></sitemapindex>"#;
        let Ok(Sitemap::Index(c)) = parse_sitemap(xml.as_bytes(), &base()) else {
            panic!("an index");
        };
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].0.as_str(), "https://news.example/b.xml");
        assert!(c[0].1.is_some() && c[1].1.is_none());
        assert!(looks_like_sitemap(xml.as_bytes()));
        assert!(!looks_like_sitemap(
            b"<rss version=\"2.0\"><channel/></rss>"
        ));
    }

    #[test]
    fn hostile_bodies_are_clear_errors() {
        let bad = |b: &[u8]| {
            parse_sitemap(b, &base())
                .expect_err("must fail")
                .to_string()
        };
        assert!(bad(b"<html><body>hi</body></html>").contains("<html>"));
        assert!(bad(b"just text").contains("no XML element"));
        assert!(bad(b"<urlset><url><loc>x</url></urlset>").contains("broken XML"));
        assert!(bad(b"<urlset><url>").contains("ends inside"));
        let deep = format!("<urlset>{}", "<a>".repeat(10_000));
        assert!(bad(deep.as_bytes()).contains("deeper"));
        assert!(bad(b"<urlset>\xff\xfe</urlset>").contains("UTF-8"));
    }

    #[test]
    fn gzip_is_inflated_under_the_cap() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b' '; 200_000]).expect("gzip");
        let bomb = gz.finish().expect("gzip");
        assert!(bomb.len() < 2_000);
        assert_eq!(gunzip(bomb.clone(), 300_000).expect("fits").len(), 200_000);
        let err = gunzip(bomb, 100_000).expect_err("too big");
        assert!(err.to_string().contains("inflates to more than"), "{err}");
        assert!(
            gunzip(vec![0x1f, 0x8b, 1, 2, 3], 100).is_err(),
            "truncated gzip"
        );
        assert_eq!(
            gunzip(b"<urlset/>".to_vec(), 100).expect("plain"),
            b"<urlset/>"
        );
    }

    #[test]
    fn w3c_dates_in_their_forms() {
        let at = |s| w3c_date(s).map(|d| d.to_rfc3339());
        assert_eq!(
            at("2026-12-01").as_deref(),
            Some("2026-12-01T00:00:00+00:00")
        );
        assert_eq!(
            at("2026-12-01T10:00+01:00").as_deref(),
            Some("2026-12-01T09:00:00+00:00")
        );
        assert_eq!(
            at("2026-12-01T10:00Z").as_deref(),
            Some("2026-12-01T10:00:00+00:00")
        );
        assert_eq!(at("yesterday"), None);
    }
}
