//! The JSON API under `/api/v1/`: one module per resource ([`watches`],
//! [`versions`], [`events`], [`clusters`], [`outlets`], [`alerts`],
//! [`matches`], [`feeds`], [`identity`]). The documented review API
//! (`openapi.json`) is routed in [`routes`], the CLI's calls by URL in
//! [`local::routes`]; both sit behind the bearer check
//! ([`crate::web::auth::require_bearer`]). Lists are pages
//! (`?limit=&cursor=`, answered with `{"items": [...], "next_cursor": ...}`);
//! errors are `{"error": "..."}` with a fitting status, bad query strings
//! and bodies included ([`ApiError`], [`json_errors`]).

pub mod alerts;
pub mod clusters;
pub mod events;
pub mod feeds;
pub mod identity;
pub mod local;
pub mod maintenance;
pub mod matches;
pub mod outlets;
pub mod versions;
pub mod watches;

use crate::web::error::WebError;
use crate::web::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

/// The review routes of the JSON API, `/api/v1/...` (the CLI's are in
/// [`local`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/watches", get(watches::list))
        .route(
            "/api/v1/watches/{id}",
            get(watches::one).delete(watches::remove),
        )
        .route("/api/v1/watches/{id}/versions", get(versions::list))
        .route("/api/v1/watches/{id}/versions/{n}", get(versions::one))
        .route("/api/v1/watches/{id}/diff", get(versions::diff))
        .route("/api/v1/events", get(events::list))
        .route("/api/v1/clusters", get(clusters::list))
        .route("/api/v1/clusters/{id}", get(clusters::one))
        .route("/api/v1/outlets", get(outlets::list))
        .route("/api/v1/outlets/{outlet}", get(outlets::one))
        .route(
            "/api/v1/outlets/{outlet}/rules",
            axum::routing::post(outlets::add_rule),
        )
        .route(
            "/api/v1/outlets/{outlet}/rules/{key}",
            axum::routing::patch(outlets::set_verdict).delete(outlets::remove_rule),
        )
        .route("/api/v1/openapi.json", get(openapi))
}

/// The OpenAPI description of these routes (`tests/it/web_api.rs` calls every
/// path it names, and checks it names every route).
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// A [`WebError`] rendered as `{"error": ...}`.
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if status.is_server_error() {
            tracing::error!(error = %self.0, "API request failed");
        }
        (
            status,
            Json(serde_json::json!({ "error": self.0.to_string() })),
        )
            .into_response()
    }
}

impl From<QueryRejection> for WebError {
    fn from(e: QueryRejection) -> Self {
        WebError::BadRequest(e.body_text())
    }
}

impl From<PathRejection> for WebError {
    fn from(e: PathRejection) -> Self {
        WebError::BadRequest(e.body_text())
    }
}

impl From<JsonRejection> for WebError {
    fn from(e: JsonRejection) -> Self {
        WebError::Rejected(e.status(), e.body_text())
    }
}

/// What an API handler answers: JSON, or an error as `{"error": ...}`.
pub type ApiResult<T> = Result<Json<T>, ApiError>;

/// An error answer for a request to `path`: `{"error": message}` under
/// `/api/`, plain text elsewhere.
pub fn error_for(path: &str, status: axum::http::StatusCode, message: &str) -> Response {
    if path.starts_with("/api/") {
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    } else {
        (status, format!("{message}\n")).into_response()
    }
}

/// Every error answer under `/api/` is `{"error": ...}`, axum's own
/// rejections (400, 405, 413, 415, 422) and unknown paths included; every
/// answer carries `X-Content-Type-Options: nosniff` (feeds included).
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::{header, HeaderValue};
    let api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let is_json = content_type.starts_with("application/json");
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, ERROR_BODY_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    // a plain-text message is kept; anything else (HTML) is not a message
    let plain = content_type.is_empty() || content_type.starts_with("text/plain");
    let message = if text.is_empty() || !plain {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string()
    } else {
        text
    };
    let mut json = (status, Json(serde_json::json!({ "error": message }))).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}

/// The most of a plain-text error body [`json_errors`] reads.
const ERROR_BODY_LIMIT: usize = 16 * 1024;

/// One page of a list.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// This page's items, in the list's order.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page whose next one starts after the item with key `next`
    /// (`None`: the last page).
    pub fn new(items: Vec<T>, next: Option<u64>) -> Page<T> {
        Page {
            items,
            next_cursor: next.map(|n| n.to_string()),
        }
    }
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    /// Items per page (default 50, at most 500).
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page (empty or absent: the first).
    pub cursor: Option<String>,
}
