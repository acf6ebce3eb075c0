//! Page metadata: title, byline, times, canonical URL and language, from
//! JSON-LD, OpenGraph / `<meta>` tags and plain markup, in that order.
//!
//! Nothing here fails: broken JSON-LD falls back to a lenient scan of the
//! script text, and a value that cannot be found is `None`.

use dom_query::{Document, Selection};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// Metadata read from one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMeta {
    pub title: String,
    pub byline: Option<String>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub canonical_url: Option<String>,
    pub language: Option<String>,
    /// `og:site_name` (or JSON-LD publisher), used to strip title suffixes.
    pub site_name: Option<String>,
}

/// The fields of interest found in the page's JSON-LD.
#[derive(Debug, Default)]
struct LdMeta {
    headline: Option<String>,
    authors: Vec<String>,
    published: Option<String>,
    modified: Option<String>,
    url: Option<String>,
    publisher: Option<String>,
}

/// Read the page's metadata. `url` is the page's own URL (for resolving a
/// relative canonical link).
pub fn page_meta(doc: &Document, url: Option<&str>) -> PageMeta {
    let ld = json_ld(doc);
    let site_name = meta_content(doc, &["og:site_name"]).or_else(|| ld.publisher.clone());

    let title = ld
        .headline
        .clone()
        .or_else(|| {
            meta_content(doc, &["og:title", "twitter:title"])
                .map(|t| strip_site_suffix(&t, site_name.as_deref()))
        })
        .or_else(|| {
            let t = collapse(&doc.select("head title").text());
            (!t.is_empty()).then(|| strip_site_suffix(&t, site_name.as_deref()))
        })
        .or_else(|| {
            let t = collapse(&first(&doc.select("h1")).text());
            (!t.is_empty()).then_some(t)
        })
        .unwrap_or_default();

    let byline = if ld.authors.is_empty() {
        byline_from_markup(doc)
    } else {
        Some(join_names(&ld.authors))
    };

    let published = ld
        .published
        .clone()
        .or_else(|| {
            meta_content(
                doc,
                &[
                    "article:published_time",
                    "datepublished",
                    "og:article:published_time",
                    "pubdate",
                    "publishdate",
                    "publish-date",
                    "parsely-pub-date",
                    "sailthru.date",
                    "dc.date.issued",
                    "dcterms.created",
                    "date",
                ],
            )
        })
        .or_else(|| time_datetime(doc))
        .map(|d| normalize_time(&d));

    let modified = ld
        .modified
        .clone()
        .or_else(|| {
            meta_content(
                doc,
                &[
                    "article:modified_time",
                    "datemodified",
                    "og:updated_time",
                    "og:article:modified_time",
                    "lastmod",
                    "last-modified",
                    "dcterms.modified",
                ],
            )
        })
        .map(|d| normalize_time(&d));

    let canonical_url = attr_of(doc, "link[rel~=canonical][href]", "href")
        .or_else(|| meta_content(doc, &["og:url"]))
        .or(ld.url.clone())
        .and_then(|u| resolve(&u, url));

    let language = attr_of(doc, "html[lang]", "lang")
        .or_else(|| {
            meta_content(
                doc,
                &["og:locale", "content-language", "language", "dc.language"],
            )
        })
        .map(|l| l.trim().replace('_', "-"))
        .filter(|l| !l.is_empty());

    PageMeta {
        title,
        byline,
        published,
        modified,
        canonical_url,
        language,
        site_name,
    }
}

fn first<'a>(sel: &Selection<'a>) -> Selection<'a> {
    sel.first()
}

/// Whitespace collapsed to single spaces, trimmed.
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn attr_of(doc: &Document, css: &str, attr: &str) -> Option<String> {
    doc.select(css)
        .nodes()
        .iter()
        .filter_map(|n| n.attr(attr))
        .map(|v| collapse(&v))
        .find(|v| !v.is_empty())
}

/// The first non-empty `content` of a `<meta>` whose `property`, `name`,
/// `itemprop` or `http-equiv` is one of `keys` (case-insensitive), trying
/// the keys in order. The attributes are token lists (`itemprop="datePublished
/// dateCreated"`), so any one token may match.
fn meta_content(doc: &Document, keys: &[&str]) -> Option<String> {
    let metas = doc.select("meta[content]");
    let nodes = metas.nodes();
    for key in keys {
        for node in nodes {
            let matches = ["property", "name", "itemprop", "http-equiv"]
                .iter()
                .any(|a| {
                    node.attr(a).is_some_and(|v| {
                        v.split_ascii_whitespace()
                            .any(|t| t.eq_ignore_ascii_case(key))
                    })
                });
            if !matches {
                continue;
            }
            if let Some(c) = node.attr("content") {
                let c = collapse(&c);
                if !c.is_empty() {
                    return Some(c);
                }
            }
        }
    }
    None
}

fn time_datetime(doc: &Document) -> Option<String> {
    // Prefer a time marked as the publication time.
    attr_of(doc, "time[itemprop~=datePublished][datetime]", "datetime")
        .or_else(|| attr_of(doc, "time[pubdate][datetime]", "datetime"))
        .or_else(|| attr_of(doc, "time[datetime]", "datetime"))
}

fn resolve(href: &str, base: Option<&str>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    if let Ok(u) = url::Url::parse(href) {
        return matches!(u.scheme(), "http" | "https").then(|| u.to_string());
    }
    let base = url::Url::parse(base?).ok()?;
    base.join(href).ok().map(|u| u.to_string())
}

/// "Title | Site", "Title - Site", "Title — Site" -> "Title".
pub fn strip_site_suffix(title: &str, site_name: Option<&str>) -> String {
    const SEPS: &[&str] = &[" | ", " - ", " — ", " – ", " :: ", " · ", " » "];
    let mut t = collapse(title);
    for _ in 0..2 {
        let Some((idx, sep)) = SEPS
            .iter()
            .filter_map(|s| t.rfind(s).map(|i| (i, *s)))
            .max_by_key(|(i, _)| *i)
        else {
            break;
        };
        let (head, tail) = (&t[..idx], &t[idx + sep.len()..]);
        let tail_words = tail.split_whitespace().count();
        let head_words = head.split_whitespace().count();
        let is_site = site_name.is_some_and(|s| {
            let (s, tl) = (s.to_lowercase(), tail.to_lowercase());
            !s.is_empty() && (tl.contains(&s) || s.contains(&tl))
        });
        if head_words >= 2 && (is_site || tail_words <= 4) {
            t = head.trim().to_string();
        } else {
            break;
        }
    }
    t
}

/// "A", "A and B", "A, B and C".
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

fn byline_from_markup(doc: &Document) -> Option<String> {
    let clean = |s: &str| -> Option<String> {
        let s = collapse(s);
        let s = BY_PREFIX.replace(&s, "").trim().to_string();
        let looks_like_url = s.starts_with("http://") || s.starts_with("https://");
        (!s.is_empty() && !looks_like_url && s.chars().count() <= 200).then_some(s)
    };
    if let Some(s) = meta_content(
        doc,
        &[
            "author",
            "article:author",
            "dc.creator",
            "byl",
            "parsely-author",
        ],
    )
    .and_then(|s| clean(&s))
    {
        return Some(s);
    }
    for css in [
        "[rel~=author]",
        "[itemprop~=author] [itemprop~=name]",
        "[itemprop~=author]",
        ".byline",
        ".author",
    ] {
        for node in doc.select(css).nodes() {
            if let Some(s) = clean(&node.text()) {
                return Some(s);
            }
        }
    }
    None
}

static BY_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(by|von|par|por|di|door)\s+").expect("valid regex"));

/// RFC 3339 when chrono can parse the page's value with a time and a zone,
/// otherwise the page's text (trimmed).
pub fn normalize_time(s: &str) -> String {
    use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return d.to_rfc3339();
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return d.to_rfc3339();
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
    ] {
        if let Ok(d) = DateTime::<FixedOffset>::parse_from_str(s, fmt) {
            return d.to_rfc3339();
        }
    }
    // A trailing "Z" with a format chrono's RFC 3339 parser rejects
    // (e.g. "2019-11-19T10:00Z").
    if let Some(naive) = s.strip_suffix('Z') {
        for fmt in [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
        ] {
            if let Ok(d) = NaiveDateTime::parse_from_str(naive, fmt) {
                return Utc.from_utc_datetime(&d).to_rfc3339();
            }
        }
    }
    s.to_string()
}

// ---------------------------------------------------------------- JSON-LD

fn json_ld(doc: &Document) -> LdMeta {
    let mut objects: Vec<Value> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    for node in doc.select("script[type]").nodes() {
        let is_ld = node
            .attr("type")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
        if !is_ld {
            continue;
        }
        let text = node.text();
        let cleaned = clean_json_text(&text);
        match serde_json::from_str::<Value>(cleaned) {
            Ok(v) => flatten(v, &mut objects, 0),
            Err(_) => broken.push(cleaned.to_string()),
        }
    }
    let mut best: Option<&Value> = None;
    let mut best_rank = 0;
    for obj in &objects {
        let rank = type_rank(obj);
        if rank > best_rank {
            best_rank = rank;
            best = Some(obj);
        }
    }
    let mut ld = LdMeta::default();
    if let Some(o) = best {
        ld.headline = str_field(o, "headline").or_else(|| {
            // `name` of an article-typed object is its headline.
            (best_rank >= 3).then(|| str_field(o, "name")).flatten()
        });
        ld.authors = authors(o.get("author").or_else(|| o.get("creator")));
        ld.published = str_field(o, "datePublished").or_else(|| str_field(o, "dateCreated"));
        ld.modified = str_field(o, "dateModified");
        ld.url = str_field(o, "url").or_else(|| {
            o.get("mainEntityOfPage")
                .and_then(|m| m.get("@id").or(Some(m)))
                .and_then(|v| v.as_str().map(str::to_string))
        });
        ld.publisher = o.get("publisher").and_then(|p| str_field(p, "name"));
    }
    if best_rank < 3 {
        // No parsable article object: scan broken scripts leniently.
        for text in &broken {
            let grab = |key: &str| -> Option<String> {
                let re = Regex::new(&format!(r#""{key}"\s*:\s*"((?:[^"\\]|\\.)*)""#)).ok()?;
                let raw = re.captures(text)?.get(1)?.as_str();
                let unescaped: String =
                    serde_json::from_str(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_string());
                let v = decode_entities(&collapse(&unescaped));
                (!v.is_empty()).then_some(v)
            };
            ld.headline = ld.headline.take().or_else(|| grab("headline"));
            ld.published = ld.published.take().or_else(|| grab("datePublished"));
            ld.modified = ld.modified.take().or_else(|| grab("dateModified"));
            if ld.authors.is_empty() {
                if let Some(re) = AUTHOR_NAME.captures(text) {
                    let name = decode_entities(&collapse(&re[1]));
                    if !name.is_empty() {
                        ld.authors.push(name);
                    }
                }
            }
        }
    }
    if ld.publisher.is_none() {
        ld.publisher = objects
            .iter()
            .find(|o| {
                type_names(o)
                    .iter()
                    .any(|t| t == "Organization" || t == "NewsMediaOrganization")
            })
            .and_then(|o| str_field(o, "name"));
    }
    ld
}

static AUTHOR_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""author"\s*:\s*(?:\[\s*)?\{[^{}]*?"name"\s*:\s*"((?:[^"\\]|\\.)*)""#)
        .expect("valid regex")
});

/// Strip what pages wrap JSON-LD in (`<!-- -->`, CDATA) and a BOM.
fn clean_json_text(s: &str) -> &str {
    let mut t = s.trim().trim_start_matches('\u{feff}').trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("<![CDATA[", "]]>"),
        ("//<![CDATA[", "//]]>"),
    ] {
        if let Some(rest) = t.strip_prefix(open) {
            t = rest.trim();
            if let Some(rest) = t.strip_suffix(close) {
                t = rest.trim();
            }
        }
    }
    t.trim_end_matches(';').trim()
}

/// Collect every object of a JSON-LD value: arrays, `@graph`, and one level
/// of `mainEntity`.
fn flatten(v: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items {
                flatten(item, out, depth + 1);
            }
        }
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten(graph, out, depth + 1);
            }
            if let Some(main) = map.get("mainEntity").cloned() {
                if main.is_object() {
                    flatten(main, out, depth + 1);
                }
            }
            out.push(Value::Object(map));
        }
        _ => {}
    }
}

fn type_names(o: &Value) -> Vec<String> {
    match o.get("@type") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// How likely an object is to describe the article itself.
fn type_rank(o: &Value) -> u8 {
    let types = type_names(o);
    let is = |f: &dyn Fn(&str) -> bool| types.iter().any(|t| f(t));
    if is(&|t| t.ends_with("Article") || t.ends_with("BlogPosting") || t == "Report") {
        4
    } else if is(&|t| t == "WebPage" || t == "ItemPage") && o.get("headline").is_some() {
        2
    } else if o.get("headline").is_some() {
        1
    } else {
        0
    }
}

fn str_field(o: &Value, key: &str) -> Option<String> {
    let v = o.get(key)?;
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().find_map(|x| x.as_str())?.to_string(),
        Value::Object(m) => m.get("@value").or(m.get("name"))?.as_str()?.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let s = decode_entities(&collapse(&s));
    (!s.is_empty()).then_some(s)
}

fn authors(v: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = decode_entities(&collapse(s));
        let s = BY_PREFIX.replace(&s, "").to_string();
        if !s.is_empty() && !s.starts_with("http") && !names.contains(&s) {
            names.push(s);
        }
    };
    match v {
        Some(Value::String(s)) => push(s),
        Some(Value::Object(_)) => {
            if let Some(n) = v.and_then(|o| str_field(o, "name")) {
                push(&n)
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => push(s),
                    Value::Object(_) => {
                        if let Some(n) = str_field(item, "name") {
                            push(&n)
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    names
}

/// Decode the HTML entities pages leave in JSON-LD strings.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    static ENTITY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});").expect("valid regex")
    });
    ENTITY
        .replace_all(s, |c: &regex::Captures| {
            let e = &c[1];
            let ch = if let Some(hex) = e.strip_prefix("#x").or_else(|| e.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = e.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match e {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    "rsquo" => Some('’'),
                    "lsquo" => Some('‘'),
                    "rdquo" => Some('”'),
                    "ldquo" => Some('“'),
                    "mdash" => Some('—'),
                    "ndash" => Some('–'),
                    "hellip" => Some('…'),
                    _ => None,
                }
            };
            ch.map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
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
}
