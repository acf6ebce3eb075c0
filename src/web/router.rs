//! The one router of the daemon's HTTP listener: health and metrics
//! ([`super::health`]), the JSON API ([`super::api`]: the review API and
//! the CLI's calls), the UI ([`super::ui`]) and the Atom output
//! ([`super::atom`]), each behind its auth layer ([`super::auth`]). The
//! daemon passes its bound listener and serves what [`router`] returns.

use super::state::AppState;
use super::{api, atom, auth, health, ui};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;

/// Every route the daemon serves. Without a token only loopback host names
/// are served ([`auth::loopback_host`]); requests that change something come
/// from this origin or from no browser at all ([`auth::same_origin_posts`]).
pub fn router(state: AppState) -> Router {
    let api = api::routes()
        .merge(api::local::routes())
        .layer(from_fn_with_state(state.clone(), auth::require_bearer));
    let ui = ui::routes().layer(from_fn_with_state(state.clone(), auth::require_ui));
    let feeds = atom::routes().layer(from_fn_with_state(state.clone(), auth::require_feed));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .merge(api)
        .merge(ui)
        .merge(feeds)
        .merge(ui::public_routes())
        .fallback(ui::fallback)
        // API errors are JSON, whoever made them (axum's own rejections)
        .layer(from_fn(api::json_errors))
        // every route that changes something, the API's included
        .layer(from_fn(auth::same_origin_posts))
        .layer(from_fn_with_state(state.clone(), auth::loopback_host))
        .with_state(state)
}
