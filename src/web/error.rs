//! The one error type of the web layer: what a request failed on, before
//! it is rendered as JSON ([`super::api::ApiError`]) or as a page
//! ([`super::ui::PageError`]).

use crate::store::{StoreError, TaskFailed};

/// A failure of a review request, before it is rendered as JSON or HTML.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
    /// A request axum's extractors refused, with their status (415 for a
    /// body that is not JSON, 413 for one too large, 422 for a JSON body
    /// of the wrong shape).
    #[error("{1}")]
    Rejected(axum::http::StatusCode, String),
}

impl WebError {
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Rejected(status, _) => *status,
            WebError::NotFound(_) | WebError::Store(StoreError::NotFound(_)) => {
                StatusCode::NOT_FOUND
            }
            WebError::Store(StoreError::Conflict { .. }) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl TaskFailed for WebError {
    /// [`WebError::Internal`]: a 500 that says the request's task failed.
    fn task_failed(detail: String) -> WebError {
        WebError::Internal(detail)
    }
}
