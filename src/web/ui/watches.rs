//! `/watches` (the watch list with status, outlet and text filters, paged)
//! and `/watches/{id}` (an article's timeline of versions).

use super::{article_link, layout, when, PageError, PageResult};
use crate::store::run_blocking;
use crate::store::{CheckRecord, Outcome, VersionMeta};
use crate::web::error::WebError;
use crate::web::views::{self, WatchFilter, WatchSummary};
use crate::web::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use maud::{html, Markup};
use serde::Deserialize;

/// Watches per page of the list.
const PER_PAGE: usize = 100;
/// Checks shown on a timeline.
const CHECKS_SHOWN: usize = 10;
/// Events of a watch looked at for its removals, returns and moves.
const LIFECYCLE_SHOWN: usize = 50;

/// `?status=&outlet=&q=&cursor=` of the watch list page (as the API's).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    outlet: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

fn outcome(c: &CheckRecord) -> &'static str {
    match c.outcome {
        Outcome::NewVersion => "new version",
        Outcome::Unchanged => "unchanged",
        Outcome::NotModified => "not modified",
        Outcome::Failed => "failed",
    }
}

/// A check's confirmation fetch as people read it.
pub fn confirmation(c: &crate::store::Confirmation) -> String {
    use crate::store::ConfirmResult;
    let noise = match c.noise_lines {
        0 => String::new(),
        1 => ", 1 line differed and was set aside".into(),
        n => format!(", {n} lines differed and were set aside"),
    };
    let headline = if c.headline_differed {
        ", the headline differed (A/B)"
    } else {
        ""
    };
    match c.result {
        ConfirmResult::Agreed => "confirmed by a second fetch".into(),
        ConfirmResult::NoiseDropped => format!("confirmed by a second fetch{noise}{headline}"),
        ConfirmResult::OnlyNoise => {
            format!("a second fetch showed the change was load-to-load noise{noise}{headline}")
        }
        ConfirmResult::Unstable => "two fetches shared too little text".into(),
        ConfirmResult::Failed => format!(
            "the second fetch failed ({}), the first was kept",
            c.reason.as_deref().unwrap_or("no reason")
        ),
    }
}

/// `GET /watches`: the watch list, 100 a page.
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> PageResult {
    let Query(q) = q.map_err(WebError::from)?;
    let filter = WatchFilter {
        status: q.status.clone(),
        outlet: q.outlet.clone(),
        q: q.q.clone(),
    };
    let after = views::cursor(q.cursor.as_deref())?;
    let (store, daemon) = (s.store.clone(), s.daemon.clone());
    let f = filter.clone();
    let (items, next) = run_blocking::<_, WebError>(move || {
        views::watch_page(store.as_ref(), &f, after, PER_PAGE, &|w| daemon.inactive(w))
    })
    .await?;
    let next_link = next.map(|n| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("status", q.status.as_deref().unwrap_or(""))
            .append_pair("outlet", q.outlet.as_deref().unwrap_or(""))
            .append_pair("q", q.q.as_deref().unwrap_or(""))
            .append_pair("cursor", &n.to_string())
            .finish()
    });
    let status = q.status.as_deref().unwrap_or("");
    Ok(layout(
        "Watches",
        None,
        html! {
            h1 { "Watches" }
            form.filters method="get" action="/watches" {
                label { "Status"
                    select name="status" {
                        @for s in ["", "ok", "failing", "new", "retired", "removed"] {
                            option value=(s) selected[s == status] { @if s.is_empty() { "any" } @else { (s) } }
                        }
                    }
                }
                label { "Outlet" input type="text" name="outlet" value=(q.outlet.as_deref().unwrap_or("")) placeholder="example.com"; }
                label { "URL or label" input type="search" name="q" value=(q.q.as_deref().unwrap_or("")); }
                button type="submit" { "Filter" }
            }
            @if items.is_empty() {
                p.muted { "No watch matches." }
            } @else {
                table.list {
                    thead { tr { th { "Watch" } th { "Status" } th.wide { "Last check" } th { "Versions" } th.wide { "Next due" } } }
                    tbody { @for w in &items { (row(w)) } }
                }
            }
            @if let Some(link) = next_link {
                nav.pager { a rel="next" href={ "/watches?" (link) } { "Next page →" } }
            }
        },
    ))
}

fn row(w: &WatchSummary) -> Markup {
    let st = w.status.as_str();
    html! {
        tr {
            td {
                a href={ "/watches/" (w.watch.id) } { (w.watch.label.as_deref().unwrap_or(&w.watch.url)) }
                br;
                span.meta { (w.outlet) }
            }
            td { span class={ "badge " (st) } { (st) } }
            td.wide.meta {
                @if let Some(c) = w.last_outcome() {
                    (when(&c.at)) ": " (outcome(c))
                    @if let Some(r) = &c.reason { " — " (r) }
                } @else { "never" }
            }
            td { (w.watch.latest_version) }
            td.wide.meta {
                @if w.watch.retired { "—" }
                @else if let Some(t) = &w.watch.next_due { (when(t)) }
                @else { "now" }
            }
        }
    }
}

/// `GET /watches/{id}`: one watch: its versions, latest checks,
/// republication matches and removals, returns and moves.
pub async fn timeline(
    State(s): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> PageResult {
    let Path(id) = id.map_err(WebError::from)?;
    let (store, daemon) = (s.store.clone(), s.daemon.clone());
    let outlets = s.outlets.clone();
    let (w, versions, checks, matched, marks, lifecycle) = run_blocking::<_, WebError>(move || {
        let w = store.watch_by_id(id)?;
        // its removals, returns and moves, newest first
        let (events, _) = crate::web::api::events::event_page(
            store.as_ref(),
            &crate::web::api::events::EventFilter::of_watch(&w),
            None,
            LIFECYCLE_SHOWN,
        )?;
        let lifecycle: Vec<crate::store::StoredEvent> = events
            .into_iter()
            .filter(|e| e.event.is_lifecycle())
            .collect();
        let versions = store.versions(w.id)?;
        let checks = store.checks(w.id, CHECKS_SHOWN)?;
        // in a republication cluster (as the original or a copy)?
        let matched = !store.match_pairs_of(w.id)?.is_empty();
        let marks = views::furniture_marks(store.as_ref(), &outlets, &w, &versions)?;
        let inactive = daemon.inactive(&w);
        Ok((
            WatchSummary::of(w, inactive),
            versions,
            checks,
            matched,
            marks,
            lifecycle,
        ))
    })
    .await
    .map_err(PageError)?;
    let title = versions
        .last()
        .map(|v| v.title.clone())
        .unwrap_or_else(|| w.watch.url.clone());
    let feed = format!("/watches/{id}/feed.atom");
    let st = w.status.as_str();
    Ok(layout(
        &title,
        Some(&feed),
        html! {
            h1 { (title) }
            p.meta {
                (article_link(&w.watch.url)) " · "
                a href={ "/watches?outlet=" (enc(&w.outlet)) } { (w.outlet) }
                " (" a href={ "/outlets/" (enc(&w.outlet)) "/feed.atom" } { "feed" } ") · "
                span class={ "badge " (st) } { (st) }
                @if let Some(l) = &w.watch.label { " · " (l) }
            }
            @if !w.watch.aliases.is_empty() {
                p.meta.aliases { "Also at: " @for (i, a) in w.watch.aliases.iter().enumerate() { @if i > 0 { ", " } (article_link(a)) } }
            }
            @if let Some(d) = &w.watch.declared_canonical {
                p.meta { "Its page names another outlet's URL as its own: " (article_link(d)) }
            }
            @if matched {
                p.cluster { a href={ "/clusters/" (id) } { "Republication cluster" } " (first publisher and copies of this story)" }
            }
            @if versions.len() > 1 {
                p { a href={ "/watches/" (id) "/diff" } { "Latest change" } " · " a href=(feed) { "Atom feed of this article" } }
            }
            h2 { "Versions" }
            @if versions.is_empty() { p.muted { "No version stored yet." } }
            @else {
                table.list.versions {
                    thead { tr { th { "#" } th { "Title" } th.wide { "Stored" } th { "Words" } th { "Change" } } }
                    tbody { @for (v, m) in versions.iter().zip(&marks).rev() { (version_row(id, v, *m)) } }
                }
            }
            @if let Some(g) = w.watch.gone.as_ref() {
                p.gone {
                    @if g.removed { strong { "Removed" } } @else { strong { "Not found" } }
                    " since " (when(&g.since)) " (" (g.checks) " checks): " (g.answer.reason)
                }
            }
            @if !lifecycle.is_empty() {
                h2 { "Removals, returns and moves" }
                ul.meta.lifecycle {
                    @for e in &lifecycle {
                        li {
                            (when(&e.created_at)) ": "
                            span class={ "badge " (e.event.kind()) } { (e.event.kind()) }
                            " " (crate::alert::format::summarize(&e.event).facts)
                        }
                    }
                }
            }
            h2 { "Latest checks" }
            @if checks.is_empty() { p.muted { "Not checked yet." } }
            @else {
                ul.meta {
                    @for c in &checks {
                        li {
                            (when(&c.at)) ": " (outcome(c))
                            @if let Some(code) = c.http_status { " (HTTP " (code) ")" }
                            @if let Some(cf) = &c.confirmation { " · " (confirmation(cf)) }
                            @if let Some(r) = &c.reason { " — " (r) }
                        }
                    }
                }
            }
        },
    ))
}

/// A path segment or query value, percent-encoded.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn version_row(id: u64, v: &VersionMeta, furniture_only: bool) -> Markup {
    html! {
        tr.furniture-only[furniture_only] {
            td { (v.number) }
            td {
                (v.title)
                @if let Some(n) = v.same_as { br; span.meta { "same text as version " (n) } }
                @if furniture_only { br; span.meta.marked { "not an edit: only lines now set aside as furniture changed" } }
            }
            td.wide.meta { (when(&v.fetched_at)) }
            td { (v.words) }
            td {
                @if v.number > 1 {
                    a href={ "/watches/" (id) "/diff?from=" (v.number - 1) "&to=" (v.number) } { "diff" }
                } @else { span.muted { "first" } }
            }
        }
    }
}
