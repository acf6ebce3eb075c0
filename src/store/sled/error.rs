//! sled's errors mapped into the backend-neutral [`StoreError`] at the
//! boundary: every `?` on a sled result in this backend goes through here.

use crate::store::{EngineFault, StoreError};
use sled::transaction::TransactionError;

impl From<sled::Error> for StoreError {
    /// [`StoreError::Engine`] in sled's words; an I/O error and sled's own
    /// damage reports keep their kind, so that the guarded store names the
    /// database's path in them ([`StoreError::at_path`]).
    fn from(e: sled::Error) -> StoreError {
        let detail = e.to_string();
        let fault = match e {
            sled::Error::Io(io) => EngineFault::Io(io),
            sled::Error::Corruption { at, .. } => {
                EngineFault::Damaged(format!("corrupt data at {at:?}"))
            }
            sled::Error::ReportableBug(b) => EngineFault::Damaged(b),
            _ => EngineFault::Other,
        };
        StoreError::Engine { detail, fault }
    }
}

/// A failed sled transaction: the error it aborted with, or sled's own.
pub(crate) fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => e.into(),
    }
}
