//! The daemon's HTTP listener: `/healthz`, Prometheus `/metrics`, the
//! local API ([`super::api`]) and the review surface ([`crate::web`]). The router lives here, in one place; each
//! resource has its own handler module.

use super::metrics::Metrics;
use crate::store::Store;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

/// The scheduler loop turns at least every second; this much silence means
/// it is stuck.
pub const HEALTHY_TICK_SECS: i64 = 30;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub metrics: Arc<Metrics>,
    pub store: Arc<dyn Store>,
    /// `[web] token`: required on API calls when set.
    pub token: Option<String>,
    /// Watch-list changes made through the API, for the scheduler loop.
    pub control: tokio::sync::mpsc::UnboundedSender<super::api::Control>,
    /// How URLs map to outlet names (the config's `[[outlet]]` groups, else
    /// registrable domains), as the checks name them.
    pub outlets: Arc<crate::core::outlet::OutletMap>,
    /// `[web] public`: what answers without the token when one is set.
    pub public: Vec<crate::config::PublicPath>,
    /// Failed `/login` attempts ([`crate::web::auth::LoginLimiter`]).
    pub logins: Arc<crate::web::auth::LoginLimiter>,
    /// Why the store cannot be written (a full disk), while it cannot:
    /// checks are paused, reads go on, `/healthz` says "degraded".
    pub degraded: Arc<std::sync::Mutex<Option<String>>>,
}

impl AppState {
    /// With a token, `what` answers only with it unless `[web] public`
    /// names it.
    fn open_to(&self, what: crate::config::PublicPath, headers: &HeaderMap) -> bool {
        self.public.contains(&what)
            || crate::web::auth::allowed(self.token.as_deref(), headers, false)
    }
}

/// Every route the daemon serves: health and metrics, the CLI's local API,
/// and the review API, UI and feeds ([`crate::web`]). Without a token only
/// loopback host names are served ([`crate::web::auth::loopback_host`]);
/// requests that change something come from this origin or from no
/// browser at all ([`crate::web::auth::same_origin_posts`]).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(super::api::routes())
        .merge(crate::web::routes(&state))
        .fallback(crate::web::ui::fallback)
        // API errors are JSON, whoever made them (axum's own rejections)
        .layer(axum::middleware::from_fn(crate::web::api::json_errors))
        // every route that changes something, the API's included
        .layer(axum::middleware::from_fn(
            crate::web::auth::same_origin_posts,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::auth::loopback_host,
        ))
        .with_state(state)
}

/// 200 when the scheduler loop is turning and the store answers, else 503;
/// the body says which ("degraded" while the store cannot be written:
/// reads go on, checks wait for room).
async fn healthz(State(s): State<AppState>, h: HeaderMap) -> Response {
    if !s.open_to(crate::config::PublicPath::Healthz, &h) {
        return crate::web::auth::unauthorized();
    }
    let degraded = s.degraded.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let since_tick = s.metrics.since_tick();
    let scheduler_ok = since_tick <= HEALTHY_TICK_SECS;
    let store = s.store.clone();
    let store_result = tokio::task::spawn_blocking(move || store.watches().map(|w| w.len()))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let healthy = scheduler_ok && store_result.is_ok() && degraded.is_none();
    let status = match (&degraded, healthy) {
        (_, true) => "ok",
        (Some(_), false) if scheduler_ok => "degraded",
        _ => "unhealthy",
    };
    let body = serde_json::json!({
        "status": status,
        "scheduler": {
            "ok": scheduler_ok,
            "seconds_since_last_turn": since_tick,
        },
        "store": match &store_result {
            Ok(n) => serde_json::json!({"ok": true, "watches": n}),
            Err(e) => serde_json::json!({"ok": false, "error": e}),
        },
        "writes": match &degraded {
            None => serde_json::json!({"ok": true}),
            Some(why) => serde_json::json!({"ok": false, "error": why}),
        },
    });
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn metrics(State(s): State<AppState>, h: HeaderMap) -> Response {
    if !s.open_to(crate::config::PublicPath::Metrics, &h) {
        return crate::web::auth::unauthorized();
    }
    // sizes of in-memory state are read when scraped
    if let Some(stats) = s.store.match_index_stats() {
        s.metrics.index_articles.set(stats.articles as i64);
        s.metrics.index_bytes.set(stats.heap_bytes as i64);
    }
    let accept = h.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let (content_type, body) = s.metrics.render_for(accept);
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}
