//! `/healthz` and Prometheus `/metrics`: what the daemon reports through
//! its [`super::DaemonHandle`], open without the token when `[web] public`
//! says so.

use super::auth::{open_to, unauthorized};
use super::state::AppState;
use crate::config::PublicPath;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The scheduler loop turns at least every second; this much silence means
/// it is stuck.
pub const HEALTHY_TICK_SECS: i64 = 30;

/// 200 when the scheduler loop is turning, the store answers and its file
/// system has `[storage] min_free_mb` free, else 503; the body says which
/// ("degraded" while the store cannot be written: reads go on, checks wait
/// for room; "unhealthy" with `disk.ok: false` while space is low: checks
/// go on, someone must make room before writes fail).
pub async fn healthz(State(s): State<AppState>, h: HeaderMap) -> Response {
    if !open_to(&s, PublicPath::Healthz, &h) {
        return unauthorized();
    }
    let degraded = s.daemon.degraded();
    let since_tick = s.daemon.seconds_since_tick();
    let scheduler_ok = since_tick <= HEALTHY_TICK_SECS;
    let store = s.store.clone();
    let store_result = tokio::task::spawn_blocking(move || store.watches().map(|w| w.len()))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let space = s.daemon.space();
    let space_ok = !space.as_ref().is_some_and(|r| r.low());
    let healthy = scheduler_ok && store_result.is_ok() && degraded.is_none() && space_ok;
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
        "disk": disk_detail(space.as_ref()),
    });
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

/// The `disk` object of `/healthz`: `{"ok": true}` before the first
/// sample, else the sample (`store_bytes`, `free_bytes`, `min_free_bytes`,
/// `growth_bytes_per_day`) with `ok`, and the warning as `error` while
/// space is low.
fn disk_detail(space: Option<&crate::core::space::SpaceReport>) -> serde_json::Value {
    let Some(r) = space else {
        return serde_json::json!({"ok": true});
    };
    let mut v = serde_json::json!(r);
    if let Some(o) = v.as_object_mut() {
        o.insert("ok".into(), (!r.low()).into());
        if let Some(w) = r.warning() {
            o.insert("error".into(), w.into());
        }
    }
    v
}

/// The daemon's metrics, in the format the `Accept` header asks for.
pub async fn metrics(State(s): State<AppState>, h: HeaderMap) -> Response {
    if !open_to(&s, PublicPath::Metrics, &h) {
        return unauthorized();
    }
    let accept = h.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let (content_type, body) = s.daemon.metrics(accept);
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}
