//! The one way async code reaches the store: the call runs in tokio's
//! blocking pool, so that the async threads (the scheduler, the listener,
//! checks waiting on the network) never wait on the database: a flush or a
//! cold read blocks. The daemon, the pipeline, the deliverer and the web
//! layer all go through here.

use super::{Store, StoreError};
use std::sync::Arc;

/// An error that can also say that the blocking task itself failed (it
/// panicked or was cancelled), so that [`run_blocking`] returns the
/// caller's own error type.
pub trait TaskFailed {
    /// The error for a blocking task that ended without a result;
    /// `detail` is tokio's account of it.
    fn task_failed(detail: String) -> Self;
}

impl TaskFailed for StoreError {
    /// [`StoreError::Corrupt`] of the tree `blocking task`.
    fn task_failed(detail: String) -> StoreError {
        StoreError::Corrupt {
            tree: "blocking task",
            detail,
        }
    }
}

/// Run `f` in tokio's blocking pool and return what it returns; a task
/// that panicked is `E::task_failed`.
pub async fn run_blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: TaskFailed + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| E::task_failed(e.to_string()))?
}

/// Run `f` on the store in tokio's blocking pool. A blocking task that
/// panicked is [`StoreError::Corrupt`].
pub async fn blocking<T: Send + 'static>(
    store: &Arc<dyn Store>,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let s = store.clone();
    run_blocking(move || f(s.as_ref())).await
}
