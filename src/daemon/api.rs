//! The daemon's local JSON API for the CLI (`watch add|list|remove`,
//! `history`, `diff`, `matches`, `feeds` while the daemon holds the store):
//! watches, versions, alerts, republication pairs and feeds. Errors are JSON `{"error": ...}`
//! with a fitting status. The paged watch list (`GET /api/v1/watches`) is the
//! review API's ([`crate::web::api`]); the CLI reads it page by page.

use super::http::AppState;
use crate::store::{NewWatch, StoreError, Watch, WatchSource};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

/// A change to the watch list, for the scheduler loop that owns the queue.
#[derive(Debug)]
pub enum Control {
    Upserted {
        url: String,
        next_due: Option<chrono::DateTime<chrono::Utc>>,
    },
    Removed(String),
    /// Run a delivery round now (an alert was made due again).
    DeliverNow,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/watches",
            // GET (the paged list) is the review API's: crate::web::api::watches
            axum::routing::post(add_watch).delete(remove_watch),
        )
        .route("/api/v1/watch", get(one_watch))
        .route("/api/v1/versions", get(versions))
        .route("/api/v1/version", get(version))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/matches", get(matches))
        .route("/api/v1/feeds", get(feeds))
        .route("/api/v1/alerts/retry", axum::routing::post(retry_alert))
        .route("/api/v1/identity", get(identity))
}

pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.0 == StatusCode::UNAUTHORIZED {
            return crate::web::auth::unauthorized();
        }
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Conflict { .. } => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(code, e.to_string())
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// With `[web] token` set, every API call needs `Authorization: Bearer
/// TOKEN` (compared in constant time, as everywhere:
/// [`crate::web::auth::allowed`]).
fn authorize(s: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if crate::web::auth::allowed(s.token.as_deref(), headers, false) {
        Ok(())
    } else {
        Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token ([web] token)".into(),
        ))
    }
}

/// Run a store call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(ApiError::from)
}

#[derive(Deserialize)]
struct UrlQuery {
    url: String,
}

#[derive(Deserialize)]
struct VersionQuery {
    url: String,
    n: u32,
}

#[derive(Deserialize)]
struct AddWatch {
    url: String,
    label: Option<String>,
    schedule: Option<String>,
}

async fn one_watch(
    State(s): State<AppState>,
    h: HeaderMap,
    Query(q): Query<UrlQuery>,
) -> ApiResult<Watch> {
    authorize(&s, &h)?;
    let store = s.store.clone();
    Ok(Json(blocking(move || store.watch(&q.url)).await?))
}

/// Validation (URL, schedule, config-owned watches) is the CLI's, which
/// shares the daemon's config; the API stores what it is given as a CLI
/// watch.
async fn add_watch(
    State(s): State<AppState>,
    h: HeaderMap,
    Json(body): Json<AddWatch>,
) -> ApiResult<Watch> {
    authorize(&s, &h)?;
    if let Err(e) = crate::config::parse_http_url(&body.url) {
        return Err(ApiError(StatusCode::BAD_REQUEST, e));
    }
    if let Some(Err(e)) = body.label.as_deref().map(crate::config::check_label) {
        return Err(ApiError(StatusCode::BAD_REQUEST, e));
    }
    if let Some(sched) = &body.schedule {
        if let Err(e) = crate::core::cadence::ScheduleSpec::parse(sched) {
            return Err(ApiError(StatusCode::BAD_REQUEST, e.to_string()));
        }
    }
    let store = s.store.clone();
    let w = blocking(move || {
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
    let _ = s.control.send(Control::Upserted {
        url: w.url.clone(),
        next_due: w.next_due,
    });
    Ok(Json(w))
}

async fn remove_watch(
    State(s): State<AppState>,
    h: HeaderMap,
    Query(q): Query<UrlQuery>,
) -> ApiResult<Watch> {
    authorize(&s, &h)?;
    let store = s.store.clone();
    let url = q.url.clone();
    let w = blocking(move || {
        let w = store.remove_watch(&url)?;
        store.flush()?;
        Ok(w)
    })
    .await?;
    let _ = s.control.send(Control::Removed(w.url.clone()));
    Ok(Json(w))
}

async fn versions(
    State(s): State<AppState>,
    h: HeaderMap,
    Query(q): Query<UrlQuery>,
) -> ApiResult<Vec<crate::store::VersionMeta>> {
    authorize(&s, &h)?;
    let store = s.store.clone();
    Ok(Json(
        blocking(move || {
            let w = store.watch(&q.url)?;
            store.versions(w.id)
        })
        .await?,
    ))
}

async fn version(
    State(s): State<AppState>,
    h: HeaderMap,
    Query(q): Query<VersionQuery>,
) -> ApiResult<(crate::store::VersionMeta, crate::core::Article)> {
    authorize(&s, &h)?;
    let store = s.store.clone();
    Ok(Json(
        blocking(move || {
            let w = store.watch(&q.url)?;
            store.version(w.id, q.n)
        })
        .await?,
    ))
}

async fn alerts(
    State(s): State<AppState>,
    h: HeaderMap,
) -> ApiResult<Vec<(crate::store::Delivery, crate::store::StoredEvent)>> {
    authorize(&s, &h)?;
    let store = s.store.clone();
    Ok(Json(blocking(move || store.outbox()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryBody {
    id: String,
}

/// `POST /api/v1/alerts/retry` `{"id": "..."}`: the id only from a JSON
/// body (which a form on another site cannot send), never from the query
/// string.
async fn retry_alert(
    State(s): State<AppState>,
    h: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Json<RetryBody>, JsonRejection>,
) -> ApiResult<usize> {
    authorize(&s, &h)?;
    if query.is_some_and(|q| !q.is_empty()) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "send the event id in a JSON body {\"id\": \"...\"}, not in the query string".into(),
        ));
    }
    let Json(body) = body.map_err(|e| {
        ApiError(
            e.status(),
            format!("{} (send a JSON body {{\"id\": \"...\"}})", e.body_text()),
        )
    })?;
    let store = s.store.clone();
    let n = blocking(move || store.retry_deliveries(&body.id)).await?;
    let _ = s.control.send(Control::DeliverNow);
    Ok(Json(n))
}

/// Which store this daemon holds: a CLI compares the id with its store's
/// before it sends anything (see [`super::file`]).
async fn identity(State(s): State<AppState>, h: HeaderMap) -> ApiResult<super::file::Identity> {
    authorize(&s, &h)?;
    Ok(Json(super::file::Identity {
        store_id: s.store.store_id(),
        pid: std::process::id(),
    }))
}

async fn matches(
    State(s): State<AppState>,
    h: HeaderMap,
) -> ApiResult<Vec<crate::core::matching::cluster::MatchPair>> {
    authorize(&s, &h)?;
    let store = s.store.clone();
    Ok(Json(blocking(move || store.match_pairs()).await?))
}

async fn feeds(State(s): State<AppState>, h: HeaderMap) -> ApiResult<Vec<crate::store::FeedState>> {
    authorize(&s, &h)?;
    let store = s.store.clone();
    Ok(Json(blocking(move || store.feeds()).await?))
}
