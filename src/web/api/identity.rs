//! `GET /api/v1/identity`: which store this daemon holds. A CLI compares
//! the id with its store's before it sends anything (the daemon file,
//! `daemon::file`, says where to ask).

use super::ApiResult;
use crate::web::AppState;
use axum::extract::State;
use axum::Json;

/// What `GET /api/v1/identity` answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// The store's id (made when the store was created): the CLI checks
    /// that a daemon holds the store its config names.
    pub store_id: String,
    /// The daemon's process id.
    pub pid: u32,
}

/// This process and the store it holds.
pub async fn get(State(s): State<AppState>) -> ApiResult<Identity> {
    Ok(Json(Identity {
        store_id: s.store.store_id(),
        pid: std::process::id(),
    }))
}
