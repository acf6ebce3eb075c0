//! Atom feeds of changes (RFC 4287): `/feed.atom` (all),
//! `/watches/{id}/feed.atom` (one article) and `/outlets/{outlet}/feed.atom`
//! (one outlet), the latest [`ENTRIES`] events each: edits and
//! republications (in an article's or outlet's feed when either the
//! original or the copy is that article or outlet). Entry ids are the
//! events' stable ids, so a reader shows an edit once whichever feed it came
//! through. Links are root-relative, or absolute on `[web] public_url`
//! when it is set (behind a reverse proxy, perhaps under a path).
//!
//! Ids are `tag:` URIs (RFC 4151) under [`TAG_PREFIX`]. Every feed carries
//! an `ETag` (a hash of the document) and a `Last-Modified` (its newest
//! entry), and answers a conditional GET whose validator still holds with
//! 304 and no body, so a reader polling often downloads a feed only when it
//! changed.

use super::api::events::{event_page, EventFilter};
use super::ui::PageError;
use crate::core::event::{rfc3339, Event, RepublicationEvent};
use crate::store::run_blocking;
use crate::store::{Store, StoredEvent};
use crate::web::error::WebError;
use crate::web::views::{article_of, safe_link};
use crate::web::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Timelike, Utc};
use std::fmt::Write;

/// Entries per feed.
pub const ENTRIES: usize = 50;

/// The start of every feed and entry id: a `tag:` URI (RFC 4151) of the
/// copydesk name with the year the scheme was minted. An entry's id is this
/// plus `event:` and the event's own id, the same in every feed and on
/// every copydesk.
pub const TAG_PREFIX: &str = "tag:copydesk,2026:";

/// The Atom feeds: `/feed.atom` (every event), `/watches/{id}/feed.atom`
/// and `/outlets/{outlet}/feed.atom`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feed.atom", get(all))
        .route("/watches/{id}/feed.atom", get(one_watch))
        .route("/outlets/{outlet}/feed.atom", get(one_outlet))
}

/// Text escaped for XML content and attribute values; characters XML 1.0
/// does not allow (most control characters) are dropped.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// What one feed is about.
struct FeedHead {
    id: String,
    title: String,
    self_href: String,
}

/// An event with the watch id its links need.
struct Item {
    event: StoredEvent,
    watch: Option<u64>,
}

fn load(store: &dyn Store, filter: &EventFilter) -> Result<Vec<Item>, WebError> {
    let (events, _) = event_page(store, filter, None, ENTRIES)?;
    Ok(events
        .into_iter()
        .map(|event| {
            let watch = crate::web::views::watch_of_event(store, &event.event);
            Item { event, watch }
        })
        .collect())
}

/// The Atom document.
/// The Atom document; `base` (`[web] public_url`, or empty) goes before
/// every link to this daemon.
fn render(head: &FeedHead, items: &[Item], base: &str) -> String {
    let updated = items
        .iter()
        .map(|i| i.event.created_at)
        .max()
        .unwrap_or_else(Utc::now);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(x, "  <id>{}</id>", xml_escape(&head.id));
    let _ = writeln!(x, "  <title>{}</title>", xml_escape(&head.title));
    let _ = writeln!(x, "  <updated>{}</updated>", rfc3339(updated));
    x.push_str("  <author><name>copydesk</name></author>\n");
    x.push_str("  <generator>copydesk</generator>\n");
    let _ = writeln!(
        x,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml_escape(&format!("{base}{}", head.self_href))
    );
    for i in items {
        entry(&mut x, i, base);
    }
    x.push_str("</feed>\n");
    x
}

fn entry(x: &mut String, i: &Item, base: &str) {
    let e = &i.event.event;
    if let Event::Republication(r) = e {
        return republication_entry(x, i, r, base);
    }
    if e.is_lifecycle() {
        return lifecycle_entry(x, i, e, base);
    }
    let Some(article) = article_of(e) else {
        return;
    };
    let Event::Edit(edit) = e else {
        return;
    };
    let c = &edit.change;
    let class = format!("{:?}", c.class).to_lowercase();
    let _ = writeln!(x, "  <entry>");
    let _ = writeln!(x, "    <id>{TAG_PREFIX}event:{}</id>", xml_escape(e.id()));
    let _ = writeln!(
        x,
        "    <title type=\"text\">{} ({class}, version {} → {})</title>",
        xml_escape(&article.title),
        edit.from_version,
        edit.to_version
    );
    let _ = writeln!(x, "    <updated>{}</updated>", rfc3339(i.event.created_at));
    if let Some(id) = i.watch {
        let _ = writeln!(
            x,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}/watches/{id}/diff?from={}&amp;to={}\"/>",
            xml_escape(base),
            edit.from_version, edit.to_version
        );
    }
    if let Some(href) = safe_link(&article.url) {
        let _ = writeln!(
            x,
            "    <link rel=\"related\" href=\"{}\"/>",
            xml_escape(&href)
        );
    }
    let _ = writeln!(x, "    <category term=\"{class}\"/>");
    let _ = writeln!(
        x,
        "    <summary type=\"text\">{}: {class}, +{} / -{} words, {} paragraphs added, {} removed, {} changed{}</summary>",
        xml_escape(&article.outlet),
        c.words_added,
        c.words_removed,
        c.paragraphs_added,
        c.paragraphs_removed,
        c.paragraphs_changed,
        if c.title_changed { ", headline changed" } else { "" }
    );
    let _ = writeln!(
        x,
        "    <content type=\"text\">{}</content>",
        xml_escape(&edit.diff)
    );
    let _ = writeln!(x, "  </entry>");
}

/// A `removed`, `restored` or `moved` event: what happened to the article,
/// linked to its timeline and to the article.
fn lifecycle_entry(x: &mut String, i: &Item, e: &Event, base: &str) {
    let s = crate::alert::format::summarize(e);
    let _ = writeln!(x, "  <entry>");
    let _ = writeln!(x, "    <id>{TAG_PREFIX}event:{}</id>", xml_escape(e.id()));
    let _ = writeln!(
        x,
        "    <title type=\"text\">{}</title>",
        xml_escape(&s.headline)
    );
    let _ = writeln!(x, "    <updated>{}</updated>", rfc3339(i.event.created_at));
    if let Some(id) = i.watch {
        let _ = writeln!(
            x,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}/watches/{id}\"/>",
            xml_escape(base)
        );
    }
    if let Some(href) = safe_link(&s.url) {
        let _ = writeln!(
            x,
            "    <link rel=\"related\" href=\"{}\"/>",
            xml_escape(&href)
        );
    }
    let _ = writeln!(x, "    <category term=\"{}\"/>", e.kind());
    let _ = writeln!(
        x,
        "    <summary type=\"text\">{}: {}</summary>",
        xml_escape(&s.outlet),
        xml_escape(&s.facts)
    );
    if !s.excerpt.is_empty() {
        let _ = writeln!(
            x,
            "    <content type=\"text\">{}</content>",
            xml_escape(&s.excerpt.join("\n"))
        );
    }
    let _ = writeln!(x, "  </entry>");
}

/// A republication: the copy named with its outlet and similarity, linked
/// to its cluster page (found by the copy's watch id) and to both articles.
fn republication_entry(x: &mut String, i: &Item, r: &RepublicationEvent, base: &str) {
    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    let _ = writeln!(x, "  <entry>");
    let _ = writeln!(x, "    <id>{TAG_PREFIX}event:{}</id>", xml_escape(&r.id));
    let _ = writeln!(
        x,
        "    <title type=\"text\">Copied: {} at {} (similarity {})</title>",
        xml_escape(&r.original.title),
        xml_escape(&r.copy.outlet),
        pct(r.similarity)
    );
    let _ = writeln!(x, "    <updated>{}</updated>", rfc3339(i.event.created_at));
    if let Some(id) = i.watch {
        let _ = writeln!(
            x,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}/clusters/{id}\"/>",
            xml_escape(base)
        );
    }
    for a in [&r.copy, &r.original] {
        if let Some(href) = safe_link(&a.url) {
            let _ = writeln!(
                x,
                "    <link rel=\"related\" href=\"{}\"/>",
                xml_escape(&href)
            );
        }
    }
    let _ = writeln!(x, "    <category term=\"republication\"/>");
    let _ = writeln!(
        x,
        "    <summary type=\"text\">{} ({}) copied {} ({}): {}, similarity {}, containment {}, {} shared paragraphs</summary>",
        xml_escape(&r.copy.outlet),
        xml_escape(&r.copy.url),
        xml_escape(&r.original.outlet),
        xml_escape(&r.original.url),
        r.class.as_str(),
        pct(r.similarity),
        pct(r.containment),
        r.shared_paragraphs
    );
    let _ = writeln!(x, "  </entry>");
}

/// The validators of one rendering of a feed.
struct Validators {
    /// A strong ETag: the document's hash, quoted.
    etag: String,
    /// The newest entry's time, to the second (an HTTP-date compares no
    /// finer).
    modified: DateTime<Utc>,
}

impl Validators {
    fn of(body: &str, items: &[Item]) -> Validators {
        let hash = xxhash_rust::xxh3::xxh3_128(body.as_bytes());
        let newest = items.iter().map(|i| i.event.created_at).max();
        let modified = newest.unwrap_or(DateTime::UNIX_EPOCH);
        Validators {
            etag: format!("\"{hash:032x}\""),
            modified: modified.with_nanosecond(0).unwrap_or(modified),
        }
    }

    /// Whether the client's copy is current (RFC 9110 13.2.2: with
    /// `If-None-Match`, `If-Modified-Since` is ignored).
    fn fresh(&self, request: &HeaderMap) -> bool {
        if let Some(inm) = request.get(header::IF_NONE_MATCH) {
            let Ok(inm) = inm.to_str() else {
                return false;
            };
            return inm.trim() == "*"
                || inm
                    .split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == self.etag);
        }
        // a date holds only for a second that is over: an entry may still
        // come in the current one
        let now = Utc::now();
        let this_second = now.with_nanosecond(0).unwrap_or(now);
        self.modified < this_second
            && request
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
                .is_some_and(|since| self.modified <= since.with_timezone(&Utc))
    }

    fn http_date(&self) -> String {
        self.modified
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    }
}

/// The feed, or 304 when the request's validators say the reader has it.
fn atom(request: &HeaderMap, body: String, items: &[Item]) -> Response {
    let v = Validators::of(&body, items);
    let headers = [
        (header::ETAG, v.etag.clone()),
        (header::LAST_MODIFIED, v.http_date()),
        (header::CACHE_CONTROL, "no-cache".to_string()),
    ];
    if v.fresh(request) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (
        headers,
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn serve(
    s: AppState,
    request: HeaderMap,
    head: FeedHead,
    filter: EventFilter,
) -> Result<Response, PageError> {
    let store = s.store.clone();
    let items = run_blocking::<_, WebError>(move || load(store.as_ref(), &filter)).await?;
    let base = s.public_url.clone().unwrap_or_default();
    let body = render(&head, &items, &base);
    Ok(atom(&request, body, &items))
}

async fn all(State(s): State<AppState>, request: HeaderMap) -> Result<Response, PageError> {
    let head = FeedHead {
        id: format!("{TAG_PREFIX}feed:all"),
        title: "copydesk: all changes".into(),
        self_href: "/feed.atom".into(),
    };
    serve(s, request, head, EventFilter::default()).await
}

async fn one_watch(
    State(s): State<AppState>,
    request: HeaderMap,
    id: Result<Path<u64>, PathRejection>,
) -> Result<Response, PageError> {
    let Path(id) = id.map_err(WebError::from)?;
    let store = s.store.clone();
    let w = run_blocking::<_, WebError>(move || Ok(store.watch_by_id(id)?)).await?;
    let head = FeedHead {
        id: format!("{TAG_PREFIX}feed:watch:{id}"),
        title: format!("copydesk: changes of {}", w.url),
        self_href: format!("/watches/{id}/feed.atom"),
    };
    let filter = EventFilter::of_watch(&w);
    serve(s, request, head, filter).await
}

async fn one_outlet(
    State(s): State<AppState>,
    request: HeaderMap,
    outlet: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    let Path(outlet) = outlet.map_err(WebError::from)?;
    let enc: String = url::form_urlencoded::byte_serialize(outlet.as_bytes()).collect();
    let head = FeedHead {
        id: format!("{TAG_PREFIX}feed:outlet:{enc}"),
        title: format!("copydesk: changes at {outlet}"),
        self_href: format!("/outlets/{enc}/feed.atom"),
    };
    let filter = EventFilter {
        outlet: Some(outlet),
        ..EventFilter::default()
    };
    serve(s, request, head, filter).await
}

#[cfg(test)]
mod tests {
    use super::xml_escape;

    #[test]
    fn escapes_markup_and_drops_invalid_chars() {
        assert_eq!(
            xml_escape("<a href=\"x\">&'\u{1}\u{FFFF}ok\n"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;ok\n"
        );
    }
}
