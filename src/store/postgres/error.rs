//! PostgreSQL's errors mapped into the backend-neutral [`StoreError`] at
//! the boundary: every `?` on a `postgres` result in this backend goes
//! through here.

use crate::store::{EngineFault, StoreError};

/// SQLSTATE of a full disk.
const DISK_FULL: &str = "53100";

impl From<postgres::Error> for StoreError {
    /// [`StoreError::Engine`] in PostgreSQL's words; a lost connection or
    /// a full disk is an I/O fault.
    fn from(e: postgres::Error) -> StoreError {
        let detail = describe(&e);
        let fault = match e.code() {
            Some(c) if c.code() == DISK_FULL => EngineFault::Io(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                detail.clone(),
            )),
            Some(_) => EngineFault::Other,
            None if e.is_closed() => EngineFault::Io(std::io::Error::other(detail.clone())),
            None => EngineFault::Other,
        };
        StoreError::Engine { detail, fault }
    }
}

/// The error with the server's message and SQLSTATE when it has them.
pub(super) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "PostgreSQL: {} (SQLSTATE {})",
            db.message(),
            db.code().code()
        ),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}
