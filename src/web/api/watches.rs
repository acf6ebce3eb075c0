//! `/api/v1/watches`: the watch list (with status, last outcome and next
//! due), one watch with its latest checks, adding one and removing one.
//! The CLI names a watch by its URL (`GET /api/v1/watch?url=`,
//! `DELETE /api/v1/watches?url=`), the review API by its id; both remove
//! through [`remove_watch`].

use super::{ApiResult, Page};
use crate::store::run_blocking;
use crate::store::{CheckRecord, NewWatch, Store, Watch, WatchSource};
use crate::web::error::WebError;
use crate::web::views::{self, WatchFilter, WatchSummary};
use crate::web::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

/// Checks listed with one watch.
const CHECKS_SHOWN: usize = 20;

/// Flat, not `#[serde(flatten)]`: query strings carry numbers as text,
/// which flattening cannot parse.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Watches per page (default 50, at most 500).
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `new`, `ok`, `failing`, `retired`, `inactive` or `removed`.
    pub status: Option<String>,
    /// The outlet, by the default rule (registrable domain).
    pub outlet: Option<String>,
    /// A substring of the URL or the label.
    pub q: Option<String>,
}

/// `?url=` of the CLI's calls.
#[derive(Debug, Deserialize)]
pub struct UrlQuery {
    /// The watch's URL (any of its addresses).
    pub url: String,
}

/// `GET /api/v1/watches?limit=&cursor=&status=&outlet=&q=`, in id order.
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Page<WatchSummary>> {
    let Query(q) = q.map_err(WebError::from)?;
    let limit = views::limit(q.limit)?;
    let after = views::cursor(q.cursor.as_deref())?;
    let filter = WatchFilter {
        status: q.status,
        outlet: q.outlet,
        q: q.q,
    };
    let (store, daemon) = (s.store.clone(), s.daemon.clone());
    let (items, next) = run_blocking::<_, WebError>(move || {
        views::watch_page(store.as_ref(), &filter, after, limit, &|w| {
            daemon.inactive(w)
        })
    })
    .await?;
    Ok(Json(Page::new(items, next)))
}

/// What `GET /api/v1/watches/{id}` answers.
#[derive(Debug, Serialize)]
pub struct WatchDetail {
    /// Every field of the list's entry (flattened).
    #[serde(flatten)]
    pub summary: WatchSummary,
    /// The latest checks, newest first.
    pub checks: Vec<CheckRecord>,
}

/// `GET /api/v1/watches/{id}`
pub async fn one(
    State(s): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> ApiResult<WatchDetail> {
    let Path(id) = id.map_err(WebError::from)?;
    let (store, daemon) = (s.store.clone(), s.daemon.clone());
    let detail = run_blocking::<_, WebError>(move || {
        let w = store.watch_by_id(id)?;
        let checks = store.checks(w.id, CHECKS_SHOWN)?;
        let inactive = daemon.inactive(&w);
        Ok(WatchDetail {
            summary: WatchSummary::of(w, inactive),
            checks,
        })
    })
    .await?;
    Ok(Json(detail))
}

/// `GET /api/v1/watch?url=`: the stored watch (the CLI's call).
pub async fn by_url(State(s): State<AppState>, Query(q): Query<UrlQuery>) -> ApiResult<Watch> {
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || Ok(store.watch(&q.url)?)).await?,
    ))
}

/// The body of `POST /api/v1/watches`.
#[derive(Debug, Deserialize)]
pub struct AddWatch {
    /// The article's http(s) URL.
    pub url: String,
    /// A label to filter alerts and lists on.
    pub label: Option<String>,
    /// A crontab line or `adaptive` (default: the config's `[schedule]
    /// default`).
    pub schedule: Option<String>,
}

/// `POST /api/v1/watches` `{"url", "label"?, "schedule"?}`: the stored
/// watch, due as the scheduler is told. Deeper validation (config-owned
/// watches) is the CLI's, which shares the daemon's config; the API stores
/// what it is given as a CLI watch.
pub async fn add(State(s): State<AppState>, Json(body): Json<AddWatch>) -> ApiResult<Watch> {
    crate::config::parse_http_url(&body.url).map_err(WebError::BadRequest)?;
    if let Some(label) = body.label.as_deref() {
        crate::config::check_label(label).map_err(WebError::BadRequest)?;
    }
    if let Some(sched) = &body.schedule {
        crate::core::cadence::ScheduleSpec::parse(sched)
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
    }
    let store = s.store.clone();
    let w = run_blocking::<_, WebError>(move || {
        let w = store.upsert_watch(NewWatch {
            url: body.url,
            label: body.label,
            schedule: body.schedule,
            source: WatchSource::Cli,
        })?;
        store.flush()?;
        Ok(w)
    })
    .await?;
    s.daemon.watch_upserted(w.url.clone(), w.next_due);
    Ok(Json(w))
}

/// `DELETE /api/v1/watches/{id}`: the removed watch.
pub async fn remove(
    State(s): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> ApiResult<WatchSummary> {
    let Path(id) = id.map_err(WebError::from)?;
    let w = remove_watch(&s, move |store| Ok(store.watch_by_id(id)?.url)).await?;
    // no longer in any config once removed
    Ok(Json(WatchSummary::of(w, false)))
}

/// `DELETE /api/v1/watches?url=`: the removed watch (the CLI's call).
pub async fn remove_by_url(
    State(s): State<AppState>,
    Query(q): Query<UrlQuery>,
) -> ApiResult<Watch> {
    Ok(Json(remove_watch(&s, move |_| Ok(q.url)).await?))
}

/// Remove the watch whose URL `find` names, flush, and take it off the
/// scheduler's queue.
async fn remove_watch(
    s: &AppState,
    find: impl FnOnce(&dyn Store) -> Result<String, WebError> + Send + 'static,
) -> Result<Watch, WebError> {
    let store = s.store.clone();
    let w = run_blocking::<_, WebError>(move || {
        let url = find(store.as_ref())?;
        let w = store.remove_watch(&url)?;
        store.flush()?;
        Ok(w)
    })
    .await?;
    tracing::info!(watch = w.id, url = %w.url, "watch removed through the API");
    s.daemon.watch_removed(w.url.clone());
    Ok(w)
}
