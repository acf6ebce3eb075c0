//! The daemon's incremental garbage collection: every `[storage]
//! gc_every` a cycle starts that settles the texts of removed watches
//! ([`crate::store::Store::gc_step`]), one bounded step per turn of the
//! loop and only while no check is waiting to start, so collecting never
//! delays a check.

use super::metrics::Metrics;
use crate::store::{blocking, GcCycle, GcStep, Store, GC_STEP_BUDGET};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// The collector the scheduler turns.
pub struct Collector {
    every: chrono::Duration,
    next_at: Option<DateTime<Utc>>,
    cycle: Option<GcCycle>,
}

impl Collector {
    /// A collector starting a cycle every `every` (the first one at once).
    pub fn new(every: Duration) -> Collector {
        Collector {
            every: chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX),
            next_at: None,
            cycle: None,
        }
    }

    /// A reloaded config.
    pub fn set_every(&mut self, every: Duration) {
        self.every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
    }

    /// When `idle` (no check waiting to start): one step of the cycle
    /// under way, or start one when due at `now`.
    pub async fn turn(
        &mut self,
        store: &Arc<dyn Store>,
        now: DateTime<Utc>,
        idle: bool,
        metrics: &Metrics,
    ) {
        if !idle || (self.cycle.is_none() && self.next_at.is_some_and(|t| now < t)) {
            return;
        }
        let mut cycle = self.cycle.take().unwrap_or_default();
        let stepped = blocking(store, move |s| {
            let step = s.gc_step(&mut cycle, GC_STEP_BUDGET);
            step.map(|st| (st, cycle))
        })
        .await;
        match stepped {
            Ok((GcStep::More, cycle)) => self.cycle = Some(cycle),
            Ok((GcStep::Done(report), _)) => {
                self.next_at = Some(now.checked_add_signed(self.every).unwrap_or(now));
                metrics.gc_texts_removed.inc_by(report.removed);
                metrics.gc_bytes_removed.inc_by(report.removed_bytes);
                if report.removed > 0 {
                    tracing::info!(
                        candidates = report.candidates,
                        removed = report.removed,
                        bytes = report.removed_bytes,
                        "collected the texts of removed watches"
                    );
                }
            }
            Err(e) => {
                // tried again at the next cycle; nothing was half-removed
                // (each text is settled in its own transaction)
                tracing::warn!(error = %e, "garbage collection step failed");
                self.next_at = Some(now.checked_add_signed(self.every).unwrap_or(now));
            }
        }
    }
}
