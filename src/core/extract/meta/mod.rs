//! Page metadata: title, byline, times, canonical URL and language, from
//! JSON-LD, OpenGraph / `<meta>` tags and plain markup, in that order.
//!
//! Nothing here fails: broken JSON-LD falls back to a lenient scan of the
//! script text, and a value that cannot be found is `None`.

use dom_query::{Document, Matcher, NodeRef, Selection};
use json_ld::json_ld;
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

mod json_ld;
mod title;

/// Metadata read from one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMeta {
    /// The headline: JSON-LD's, else `og:title` / `twitter:title`, else
    /// `<title>` (without the site's suffix), else the first `<h1>`; empty
    /// when the page has none.
    pub title: String,
    /// The authors' names joined ("A, B and C"), from JSON-LD or the markup.
    pub byline: Option<String>,
    /// When the article was published, RFC 3339 when it parses (see
    /// [`normalize_time`]), else the page's text.
    pub published: Option<String>,
    /// When the article was last modified, in the same form as `published`.
    pub modified: Option<String>,
    /// The page's canonical URL (`<link rel=canonical>`, `og:url` or
    /// JSON-LD), made absolute against the page's URL.
    pub canonical_url: Option<String>,
    /// The language tag (`<html lang>` or a meta tag), with `_` as `-`.
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
    let found = Found::of(doc);
    let ld = json_ld(&found.scripts);
    // The page's `<meta content>` elements, found once for every lookup.
    let metas = &found.metas[..];
    let site_name = meta_content(metas, &["og:site_name"]).or_else(|| ld.publisher.clone());

    let title = ld
        .headline
        .clone()
        .or_else(|| {
            meta_content(metas, &["og:title", "twitter:title"]).map(|t| {
                title::heading_part(&t, doc)
                    .unwrap_or_else(|| strip_site_suffix(&t, site_name.as_deref()))
            })
        })
        .or_else(|| {
            let t = collapse(&doc.select("head title").text());
            (!t.is_empty()).then(|| {
                title::heading_part(&t, doc)
                    .unwrap_or_else(|| strip_site_suffix(&t, site_name.as_deref()))
            })
        })
        .or_else(|| {
            let t = collapse(&first(&doc.select("h1")).text());
            (!t.is_empty()).then_some(t)
        })
        .unwrap_or_default();

    let byline = if ld.authors.is_empty() {
        byline_from_markup(doc, metas)
    } else {
        Some(join_names(&ld.authors))
    };

    let published = ld
        .published
        .clone()
        .or_else(|| {
            meta_content(
                metas,
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
        .or_else(|| time_datetime(&found.times))
        .map(|d| normalize_time(&d));

    let modified = ld
        .modified
        .clone()
        .or_else(|| {
            meta_content(
                metas,
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

    let canonical_url = attr_in(&found.links, &CANONICAL, "href")
        .or_else(|| meta_content(metas, &["og:url"]))
        .or(ld.url.clone())
        .and_then(|u| resolve(&u, url));

    let language = attr_in(&found.htmls, &HTML_LANG, "lang")
        .or_else(|| {
            meta_content(
                metas,
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

/// The elements [`page_meta`] reads, found in one walk of the page instead
/// of one selector walk each. Each list holds, in document order, what its
/// selector matches; `links`, `htmls` and `times` hold every element of
/// that name, for the selectors that are tried on them.
struct Found<'a> {
    /// `script[type]`.
    scripts: Vec<NodeRef<'a>>,
    /// `meta[content]`.
    metas: Vec<NodeRef<'a>>,
    /// `link`.
    links: Vec<NodeRef<'a>>,
    /// `html`.
    htmls: Vec<NodeRef<'a>>,
    /// `time`.
    times: Vec<NodeRef<'a>>,
}

static SCRIPT_TYPE: LazyLock<Matcher> = LazyLock::new(|| matcher("script[type]"));
static META_CONTENT: LazyLock<Matcher> = LazyLock::new(|| matcher("meta[content]"));
static CANONICAL: LazyLock<Matcher> = LazyLock::new(|| matcher("link[rel~=canonical][href]"));
static HTML_LANG: LazyLock<Matcher> = LazyLock::new(|| matcher("html[lang]"));
static TIME_PUBLISHED: LazyLock<Matcher> =
    LazyLock::new(|| matcher("time[itemprop~=datePublished][datetime]"));
static TIME_PUBDATE: LazyLock<Matcher> = LazyLock::new(|| matcher("time[pubdate][datetime]"));
static TIME_ANY: LazyLock<Matcher> = LazyLock::new(|| matcher("time[datetime]"));

fn matcher(css: &str) -> Matcher {
    Matcher::new(css).expect("static selector")
}

impl<'a> Found<'a> {
    fn of(doc: &'a Document) -> Self {
        let mut f = Found {
            scripts: Vec::new(),
            metas: Vec::new(),
            links: Vec::new(),
            htmls: Vec::new(),
            times: Vec::new(),
        };
        for node in doc.root().descendants_it() {
            // The list by name (any case), and the selector its elements
            // must match to be kept, if any.
            let (list, sel): (&mut Vec<NodeRef<'a>>, Option<&Matcher>) = {
                let Some(el) = node.element_ref() else {
                    continue;
                };
                let name: &str = &el.name.local;
                if name.eq_ignore_ascii_case("script") {
                    (&mut f.scripts, Some(&SCRIPT_TYPE))
                } else if name.eq_ignore_ascii_case("meta") {
                    (&mut f.metas, Some(&META_CONTENT))
                } else if name.eq_ignore_ascii_case("link") {
                    (&mut f.links, None)
                } else if name.eq_ignore_ascii_case("html") {
                    (&mut f.htmls, None)
                } else if name.eq_ignore_ascii_case("time") {
                    (&mut f.times, None)
                } else {
                    continue;
                }
            };
            if sel.is_none_or(|s| node.is_match(s)) {
                list.push(node);
            }
        }
        f
    }
}

/// The first non-empty value (whitespace collapsed) of `attr` among the
/// `nodes` that `sel` matches.
fn attr_in(nodes: &[NodeRef<'_>], sel: &Matcher, attr: &str) -> Option<String> {
    nodes
        .iter()
        .filter(|n| n.is_match(sel))
        .filter_map(|n| n.attr(attr))
        .map(|v| collapse(&v))
        .find(|v| !v.is_empty())
}

/// The first non-empty `content` of a `<meta>` whose `property`, `name`,
/// `itemprop` or `http-equiv` is one of `keys` (case-insensitive), trying
/// the keys in order. The attributes are token lists (`itemprop="datePublished
/// dateCreated"`), so any one token may match.
fn meta_content(nodes: &[NodeRef<'_>], keys: &[&str]) -> Option<String> {
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

/// `times`: the page's `time` elements.
fn time_datetime(times: &[NodeRef<'_>]) -> Option<String> {
    // Prefer a time marked as the publication time.
    attr_in(times, &TIME_PUBLISHED, "datetime")
        .or_else(|| attr_in(times, &TIME_PUBDATE, "datetime"))
        .or_else(|| attr_in(times, &TIME_ANY, "datetime"))
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

fn byline_from_markup(doc: &Document, metas: &[NodeRef<'_>]) -> Option<String> {
    let clean = |s: &str| -> Option<String> {
        let s = collapse(s);
        let s = BY_PREFIX.replace(&s, "").trim().to_string();
        let looks_like_url = s.starts_with("http://") || s.starts_with("https://");
        (!s.is_empty() && !looks_like_url && s.chars().count() <= 200).then_some(s)
    };
    if let Some(s) = meta_content(
        metas,
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
mod tests;
