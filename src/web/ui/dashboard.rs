//! `/`: the dashboard, recent edits and republications first (each
//! republication linked to its cluster), then how the watches stand.

use super::{layout, when, PageResult};
use crate::core::event::{Event, RepublicationEvent};
use crate::store::run_blocking;
use crate::store::StoredEvent;
use crate::web::api::events::{event_page, EventFilter};
use crate::web::error::WebError;
use crate::web::views::{article_of, Status, WatchSummary};
use crate::web::AppState;
use axum::extract::State;
use maud::{html, Markup};

/// Edits shown on the dashboard.
const RECENT: usize = 30;

/// A recent event with the watch id its links need (none once removed).
struct Recent {
    event: StoredEvent,
    watch: Option<u64>,
}

/// `GET /`: the dashboard (recent events, watch counts, failing watches).
pub async fn page(State(s): State<AppState>) -> PageResult {
    let (store, daemon) = (s.store.clone(), s.daemon.clone());
    let (recent, counts, failing) = run_blocking::<_, WebError>(move || {
        let (events, _) = event_page(store.as_ref(), &EventFilter::default(), None, RECENT)?;
        let recent: Vec<Recent> = events
            .into_iter()
            .map(|event| {
                let watch = crate::web::views::watch_of_event(store.as_ref(), &event.event);
                Recent { event, watch }
            })
            .collect();
        let mut counts = [0usize; 6];
        let mut failing = Vec::new();
        for w in store.watches()? {
            let inactive = daemon.inactive(&w);
            let w = WatchSummary::of(w, inactive);
            counts[w.status as usize] += 1;
            if w.status == Status::Failing && failing.len() < 10 {
                failing.push(w);
            }
        }
        Ok((recent, counts, failing))
    })
    .await?;
    Ok(layout(
        "Dashboard",
        None,
        html! {
            h1 { "Recent edits, republications and removals" }
            @if recent.is_empty() {
                p.muted { "No edits yet. Each new version after an article's first shows up here." }
            } @else {
                table.list {
                    thead { tr { th { "Article" } th { "Change" } th.wide { "Detected" } } }
                    tbody { @for r in &recent { (edit_row(r)) } }
                }
            }
            h2 { "Watches" }
            p {
                @for (st, label) in [(Status::Ok, "ok"), (Status::Failing, "failing"), (Status::New, "new"), (Status::Retired, "retired"), (Status::Inactive, "inactive"), (Status::Removed, "removed")] {
                    a href={ "/watches?status=" (label) } {
                        span class={ "badge " (label) } { (counts[st as usize]) " " (label) }
                    }
                    " "
                }
            }
            @if !failing.is_empty() {
                h2 { "Failing" }
                ul {
                    @for w in &failing {
                        li {
                            a href={ "/watches/" (w.watch.id) } { (w.watch.label.as_deref().unwrap_or(&w.watch.url)) }
                            @if let Some(reason) = w.last_outcome().and_then(|c| c.reason.as_deref()) {
                                " " span.muted { (reason) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

fn edit_row(r: &Recent) -> Markup {
    let e = &r.event.event;
    if let Event::Republication(x) = e {
        return republication_row(r, x);
    }
    if e.is_lifecycle() {
        return lifecycle_row(r, e);
    }
    let Some(article) = article_of(e) else {
        return html! {};
    };
    let (from, to, change) = match e {
        Event::Edit(x) => (x.from_version, x.to_version, &x.change),
        _ => return html! {},
    };
    let class = format!("{:?}", change.class).to_lowercase();
    html! {
        tr {
            td {
                @match r.watch {
                    Some(id) => a.article href={ "/watches/" (id) "/diff?from=" (from) "&to=" (to) } { (article.title) },
                    None => span { (article.title) },
                }
                br;
                span.meta { (article.outlet) " · version " (from) " → " (to) }
            }
            td {
                span class={ "badge " (class) } { (class) }
                " "
                span.meta {
                    "+" (change.words_added) " / −" (change.words_removed) " words"
                    @if change.title_changed { ", headline" }
                }
            }
            td.wide.meta { (when(&r.event.created_at)) }
        }
    }
}

/// A `removed`, `restored` or `moved` event: the article, linked to its
/// timeline, with what happened.
fn lifecycle_row(r: &Recent, e: &Event) -> Markup {
    let s = crate::alert::format::summarize(e);
    let kind = e.kind();
    html! {
        tr class=(kind) {
            td {
                @match r.watch {
                    Some(id) => a.article href={ "/watches/" (id) } { (s.headline) },
                    None => span { (s.headline) },
                }
                br;
                span.meta { (s.outlet) }
            }
            td {
                span class={ "badge " (kind) } { (kind) }
                " "
                span.meta { (s.facts) }
            }
            td.wide.meta { (when(&r.event.created_at)) }
        }
    }
}

/// A republication: the copy, the original, how much; linked to the
/// cluster (found by the copy's watch id).
fn republication_row(r: &Recent, x: &RepublicationEvent) -> Markup {
    let class = x.class.as_str();
    html! {
        tr.republication {
            td {
                "Copied: "
                @match r.watch {
                    Some(id) => a.article href={ "/clusters/" (id) } { (x.copy.title) },
                    None => span { (x.copy.title) },
                }
                br;
                span.meta { (x.copy.outlet) " copied " (x.original.outlet) ": " (x.original.title) }
            }
            td {
                span class={ "badge republication" } { "republication" }
                " "
                span.meta {
                    (class) ", similarity " (format!("{:.0}%", x.similarity * 100.0))
                    ", " (crate::alert::format::plural(x.shared_paragraphs, "shared paragraph", "shared paragraphs"))
                }
            }
            td.wide.meta { (when(&r.event.created_at)) }
        }
    }
}
