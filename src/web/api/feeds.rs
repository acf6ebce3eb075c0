//! `GET /api/v1/feeds`: the discovery feeds (RSS, Atom, JSON Feed) the
//! daemon polls for new articles, with their state (the CLI's `feeds`).
//! Not the Atom output, which is [`crate::web::atom`].

use super::ApiResult;
use crate::store::run_blocking;
use crate::store::FeedState;
use crate::web::error::WebError;
use crate::web::AppState;
use axum::extract::State;
use axum::Json;

/// Every discovery feed's state.
pub async fn list(State(s): State<AppState>) -> ApiResult<Vec<FeedState>> {
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || Ok(store.feeds()?)).await?,
    ))
}
