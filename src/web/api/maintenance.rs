//! `POST /api/v1/compact`: the running daemon compacts its store (checks
//! pause until the rewritten store is swapped in); what `copydesk compact`
//! asks for while a daemon holds the store.

use super::ApiResult;
use crate::store::CompactReport;
use crate::web::error::WebError;
use crate::web::AppState;
use axum::extract::State;
use axum::Json;

/// Compact the store and answer with the sizes before and after.
pub async fn compact(State(s): State<AppState>) -> ApiResult<CompactReport> {
    let Some(done) = s.daemon.compact() else {
        return Err(WebError::BadRequest(
            "this server cannot compact its store: stop it and run `copydesk compact`".into(),
        )
        .into());
    };
    match done.await {
        Ok(Ok(report)) => Ok(Json(report)),
        Ok(Err(e)) => Err(WebError::Internal(format!(
            "compaction failed; the store is as it was: {e}"
        ))
        .into()),
        Err(_) => Err(WebError::Internal("the daemon stopped before compacting".into()).into()),
    }
}
