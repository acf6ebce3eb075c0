//! The review surface the daemon serves: the JSON API ([`api`]), the
//! server-rendered web UI ([`ui`]) and Atom feeds ([`feed`]), behind the
//! checks of [`auth`]. The daemon's router (`daemon::http`) mounts
//! [`routes`]; everything here reads the store through [`crate::store::Store`]
//! and diffs with [`crate::core::diff`].
//!
//! One module per resource on each side: `api/{watches,versions,events,
//! clusters,outlets}.rs` and `ui/{dashboard,watches,diff,clusters,outlets}.rs`,
//! routed in [`api::routes`] / [`ui::routes`].

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
