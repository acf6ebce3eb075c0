//! The one error type of the web layer: what a request failed on, before
//! it is rendered as JSON ([`super::api::ApiError`]) or as a page
//! ([`super::ui::PageError`]).

use crate::store::{StoreError, TaskFailed};

/// A failure of a review request, before it is rendered as JSON or HTML.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// 400: a bad parameter or body; the text says which.
    #[error("{0}")]
    BadRequest(String),
    /// 404: no such watch, version, cluster or outlet.
    #[error("{0}")]
    NotFound(String),
    /// The store's error: 404 for not found, 409 for a conflict, else 500.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// 500: the request's task failed.
    #[error("internal error: {0}")]
    Internal(String),
    /// A request axum's extractors refused, with their status (415 for a
    /// body that is not JSON, 413 for one too large, 422 for a JSON body
    /// of the wrong shape).
    #[error("{1}")]
    Rejected(axum::http::StatusCode, String),
}

impl WebError {
    /// The HTTP status it is answered with.
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
