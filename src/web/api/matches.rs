//! `GET /api/v1/matches`: every stored republication pair (the CLI's
//! `matches`; the review API groups them as [`super::clusters`]).

use super::ApiResult;
use crate::core::matching::cluster::MatchPair;
use crate::store::run_blocking;
use crate::web::error::WebError;
use crate::web::AppState;
use axum::extract::State;
use axum::Json;

/// Every stored pair.
pub async fn list(State(s): State<AppState>) -> ApiResult<Vec<MatchPair>> {
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || Ok(store.match_pairs()?)).await?,
    ))
}
