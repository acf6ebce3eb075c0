//! A store that cannot be written (a full disk): the daemon stops starting
//! checks, feed polls and deliveries, keeps serving reads and `/healthz`
//! ("degraded"), logs the cause once, and every [`PROBE_INTERVAL`] asks the
//! store whether it can be written again ([`crate::store::Store::recover`]);
//! when it can, everything resumes by itself.

use crate::store::{Store, StoreError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How often a degraded daemon tries whether there is room again.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(3);

/// True for the errors that pause the daemon instead of stopping it: the
/// database could not be written (a full disk, a quota, an I/O error).
pub fn pauses(e: &StoreError) -> bool {
    matches!(e, StoreError::Io { .. })
}

/// The daemon's write state, shared with `/healthz`.
pub struct Degraded {
    why: Arc<Mutex<Option<String>>>,
    next_probe: Instant,
}

impl Degraded {
    /// Not paused; `why` is shared with `/healthz`.
    pub fn new(why: Arc<Mutex<Option<String>>>) -> Degraded {
        Degraded {
            why,
            next_probe: Instant::now(),
        }
    }

    /// True while writes are paused.
    pub fn is_set(&self) -> bool {
        self.why.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// A write failed with `e`: pause (logged once, not once per check).
    pub fn enter(&mut self, e: &StoreError) {
        let mut why = self.why.lock().unwrap_or_else(|p| p.into_inner());
        if why.is_none() {
            tracing::error!(
                error = %e,
                "cannot write the database; checks, feed polls and deliveries are paused until it can be written again (reads go on)"
            );
            *why = Some(e.to_string());
        }
        self.next_probe = Instant::now() + PROBE_INTERVAL;
    }

    /// When paused and a probe is due: try the store; true when it can be
    /// written again (and the pause is over).
    pub async fn probe(&mut self, store: &Arc<dyn Store>) -> bool {
        if !self.is_set() || Instant::now() < self.next_probe {
            return false;
        }
        self.next_probe = Instant::now() + PROBE_INTERVAL;
        let s = store.clone();
        match tokio::task::spawn_blocking(move || s.recover()).await {
            Ok(Ok(())) => {
                *self.why.lock().unwrap_or_else(|p| p.into_inner()) = None;
                tracing::info!("the database can be written again; checks resume");
                true
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "the database still cannot be written");
                false
            }
            Err(e) => {
                tracing::debug!(error = %e, "the write probe failed");
                false
            }
        }
    }
}
