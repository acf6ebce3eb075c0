//! The CLI's calls (`watch add|list|remove`, `history`, `diff`, `alerts`,
//! `matches`, `feeds`, `compact` while the daemon holds the store). They name a watch
//! by its URL and are not part of the documented review API
//! (`openapi.json`, routed in [`super::routes`]); their handlers live in
//! the resource modules. The CLI reads the watch list through the review
//! API's paged `GET /api/v1/watches`.

use super::{alerts, feeds, identity, maintenance, matches, versions, watches};
use crate::web::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The routes the CLI calls when a daemon holds the store (by URL rather
/// than by watch id).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/watches",
            post(watches::add).delete(watches::remove_by_url),
        )
        .route("/api/v1/watch", get(watches::by_url))
        .route("/api/v1/versions", get(versions::by_url))
        .route("/api/v1/version", get(versions::one_by_url))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/retry", post(alerts::retry))
        .route("/api/v1/matches", get(matches::list))
        .route("/api/v1/feeds", get(feeds::list))
        .route("/api/v1/identity", get(identity::get))
        .route("/api/v1/compact", post(maintenance::compact))
}
