//! `/api/v1/events`: the event log, newest first, filtered by kind, watch
//! URL or outlet; the cursor is the last `seq` seen.

use super::{ApiResult, Page};
use crate::store::run_blocking;
use crate::store::{Store, StoredEvent};
use crate::web::error::WebError;
use crate::web::views;
use crate::web::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

/// Events read per store call while filtering.
const SCAN_BATCH: usize = 500;
/// A filtered page looks at no more than this many events, so that a rare
/// filter cannot make one request read the whole log; `next_cursor` then
/// says where to go on.
pub const SCAN_LIMIT: usize = 20_000;

/// Which events a list or feed wants.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventFilter {
    /// `edit` or `republication`.
    pub kind: Option<String>,
    /// The article URL.
    pub url: Option<String>,
    /// The outlet (a republication passes when its original's or its
    /// copy's does).
    pub outlet: Option<String>,
    /// The other addresses of the article at `url` (its watch's given URL
    /// and aliases, and the URL events made before canonical URLs carry):
    /// they match too.
    #[serde(skip)]
    pub also: Vec<String>,
}

impl EventFilter {
    /// Events of the watch `w`, under any of its addresses.
    pub fn of_watch(w: &crate::store::Watch) -> EventFilter {
        EventFilter {
            url: Some(w.url.clone()),
            also: w.known_urls().map(String::from).collect(),
            ..EventFilter::default()
        }
    }

    /// With `url` set, the other addresses of its watch, when it has one.
    pub fn widen(mut self, store: &dyn Store) -> EventFilter {
        if let Some(w) = self.url.as_deref().and_then(|u| store.watch(u).ok()) {
            self.also = w.known_urls().map(String::from).collect();
        }
        self
    }
}

impl EventFilter {
    /// A republication passes the URL or outlet filter when either its
    /// original or its copy does.
    pub fn matches(&self, e: &StoredEvent) -> bool {
        let articles = views::articles_of(&e.event);
        self.kind
            .as_deref()
            .filter(|k| !k.is_empty())
            .is_none_or(|k| k == e.event.kind())
            && self
                .url
                .as_deref()
                .filter(|u| !u.is_empty())
                .is_none_or(|u| {
                    articles
                        .iter()
                        .any(|(url, _)| *url == u || self.also.iter().any(|a| a == url))
                })
            && self
                .outlet
                .as_deref()
                .filter(|o| !o.is_empty())
                .is_none_or(|o| articles.iter().any(|(_, out)| out.eq_ignore_ascii_case(o)))
    }
}

/// Up to `limit` events with `seq < before` passing `filter`, newest first,
/// and the cursor to go on from (when more may follow).
pub fn event_page(
    store: &dyn Store,
    filter: &EventFilter,
    before: Option<u64>,
    limit: usize,
) -> Result<(Vec<StoredEvent>, Option<u64>), WebError> {
    let mut items = Vec::new();
    let mut cursor = before;
    let mut scanned = 0;
    loop {
        let batch = store.events_before(cursor, SCAN_BATCH)?;
        let done = batch.len() < SCAN_BATCH;
        for e in batch {
            scanned += 1;
            cursor = Some(e.seq);
            if filter.matches(&e) {
                items.push(e);
                if items.len() == limit {
                    let more = cursor.is_some_and(|c| c > 0);
                    return Ok((items, more.then_some(cursor).flatten()));
                }
            }
        }
        if done {
            return Ok((items, None));
        }
        if scanned >= SCAN_LIMIT {
            return Ok((items, cursor));
        }
    }
}

/// Flat, not `#[serde(flatten)]` (numbers in query strings).
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Events per page (default 50, at most 500).
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// See [`EventFilter::kind`].
    pub kind: Option<String>,
    /// See [`EventFilter::url`].
    pub url: Option<String>,
    /// See [`EventFilter::outlet`].
    pub outlet: Option<String>,
}

/// `GET /api/v1/events?limit=&cursor=&kind=&url=&outlet=`
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Page<StoredEvent>> {
    let Query(q) = q.map_err(WebError::from)?;
    let limit = views::limit(q.limit)?;
    let before = views::cursor(q.cursor.as_deref())?;
    let filter = EventFilter {
        kind: q.kind,
        url: q.url,
        outlet: q.outlet,
        also: Vec::new(),
    };
    let store = s.store.clone();
    let (items, next) = run_blocking::<_, WebError>(move || {
        let filter = filter.widen(store.as_ref());
        event_page(store.as_ref(), &filter, before, limit)
    })
    .await?;
    Ok(Json(Page::new(items, next)))
}
