//! `/api/v1/watches`: the watch list (with status, last outcome and next
//! due), one watch with its latest checks, and removal by id. Adding is
//! `POST /api/v1/watches`, shared with the CLI (`daemon::api`).

use super::{ApiResult, Page};
use crate::daemon::api::Control;
use crate::daemon::http::AppState;
use crate::store::CheckRecord;
use crate::web::data::{self, blocking, WatchFilter, WatchSummary, WebError};
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
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    pub status: Option<String>,
    pub outlet: Option<String>,
    pub q: Option<String>,
}

/// `GET /api/v1/watches?limit=&cursor=&status=&outlet=&q=`, in id order.
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Page<WatchSummary>> {
    let Query(q) = q.map_err(WebError::from)?;
    let limit = data::limit(q.limit)?;
    let after = data::cursor(q.cursor.as_deref())?;
    let filter = WatchFilter {
        status: q.status,
        outlet: q.outlet,
        q: q.q,
    };
    let store = s.store.clone();
    let (items, next) =
        blocking(move || data::watch_page(store.as_ref(), &filter, after, limit)).await?;
    Ok(Json(Page::new(items, next)))
}

#[derive(Debug, Serialize)]
pub struct WatchDetail {
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
    let store = s.store.clone();
    let detail = blocking(move || {
        let w = store.watch_by_id(id)?;
        let checks = store.checks(w.id, CHECKS_SHOWN)?;
        Ok(WatchDetail {
            summary: WatchSummary::of(w),
            checks,
        })
    })
    .await?;
    Ok(Json(detail))
}

/// `DELETE /api/v1/watches/{id}`: the removed watch.
pub async fn remove(
    State(s): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> ApiResult<WatchSummary> {
    let Path(id) = id.map_err(WebError::from)?;
    let store = s.store.clone();
    let w = blocking(move || {
        let w = store.watch_by_id(id)?;
        let w = store.remove_watch(&w.url)?;
        store.flush()?;
        Ok(w)
    })
    .await?;
    tracing::info!(watch = id, url = %w.url, "watch removed through the API");
    let _ = s.control.send(Control::Removed(w.url.clone()));
    Ok(Json(WatchSummary::of(w)))
}
