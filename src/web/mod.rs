//! The review surface the daemon serves: the JSON API ([`api`]), the
//! server-rendered web UI ([`ui`]) and Atom feeds ([`feed`]), behind the
//! checks of [`auth`]. The daemon's router (`daemon::http`) mounts
//! [`routes`]; everything here reads the store through [`crate::store::Store`]
//! and diffs with [`crate::core::diff`].
//!
//! Republication clusters (issue 5) get their API module next to
//! `api/events.rs`, their UI page next to `ui/diff.rs` and their routes in
//! [`api::routes`] / [`ui::routes`].

pub mod api;
pub mod auth;
pub mod data;
pub mod feed;
pub mod ui;

use crate::daemon::http::AppState;
use axum::middleware::from_fn_with_state;
use axum::Router;

/// The API, the UI and the feeds, each behind its own auth layer.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(api::routes().layer(from_fn_with_state(state.clone(), auth::require_bearer)))
        .merge(ui::routes().layer(from_fn_with_state(state.clone(), auth::require_ui)))
        .merge(feed::routes().layer(from_fn_with_state(state.clone(), auth::require_feed)))
        .merge(ui::public_routes())
}
