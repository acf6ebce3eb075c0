//! `/api/v1/alerts`: the alert outbox (each delivery with its event) and
//! `POST /api/v1/alerts/retry`, which makes an event's failed deliveries
//! due again (the CLI's `alerts` and `alerts retry`).

use super::ApiResult;
use crate::store::run_blocking;
use crate::store::{Delivery, StoredEvent};
use crate::web::error::WebError;
use crate::web::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Deserialize;

/// `GET /api/v1/alerts`: every delivery in the outbox with its event.
pub async fn list(State(s): State<AppState>) -> ApiResult<Vec<(Delivery, StoredEvent)>> {
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || Ok(store.outbox()?)).await?,
    ))
}

/// The body of `POST /api/v1/alerts/retry`: `{"id": EVENT_ID}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryBody {
    id: String,
}

/// `POST /api/v1/alerts/retry` `{"id": "..."}`: how many deliveries were
/// made due again. The id only from a JSON body (which a form on another
/// site cannot send), never from the query string.
pub async fn retry(
    State(s): State<AppState>,
    RawQuery(query): RawQuery,
    body: Result<Json<RetryBody>, JsonRejection>,
) -> ApiResult<usize> {
    if query.is_some_and(|q| !q.is_empty()) {
        return Err(WebError::BadRequest(
            "send the event id in a JSON body {\"id\": \"...\"}, not in the query string".into(),
        )
        .into());
    }
    let Json(body) = body.map_err(|e| {
        WebError::Rejected(
            e.status(),
            format!("{} (send a JSON body {{\"id\": \"...\"}})", e.body_text()),
        )
    })?;
    let store = s.store.clone();
    let n = run_blocking::<_, WebError>(move || Ok(store.retry_deliveries(&body.id)?)).await?;
    s.daemon.deliver_now();
    Ok(Json(n))
}
