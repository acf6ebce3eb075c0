//! The daemon's incremental garbage collection: every `[storage]
//! gc_every` a cycle starts that settles the texts of removed watches
//! ([`crate::store::Store::gc_step`]), one bounded step per turn of the
//! loop and only while no check is waiting to start, so collecting never
//! delays a check. After each cycle the learned templates' stale line
//! sightings are swept ([`crate::store::Store::sweep_sightings`], bounded
//! steps too), then the event log is pruned to the `[retention]` limits,
//! if any ([`crate::store::Store::prune_events`], bounded too: what is
//! left goes at the next idle turns).

use super::metrics::Metrics;
use crate::config::RetentionConfig;
use crate::store::{
    blocking, EventRetention, GcCycle, GcStep, SightingSweep, Store, GC_STEP_BUDGET, PRUNE_BUDGET,
    SWEEP_BUDGET,
};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// The collector the scheduler turns.
pub struct Collector {
    every: chrono::Duration,
    next_at: Option<DateTime<Utc>>,
    cycle: Option<GcCycle>,
    /// The sweep of stale line sightings after a cycle, while under way.
    sweep: Option<SightingSweep>,
    retention: RetentionConfig,
    /// The event log is to be pruned at the next idle turn (a cycle just
    /// ended, or the last pruning hit its budget).
    prune: bool,
}

impl Collector {
    /// A collector starting a cycle every `every` (the first one at once).
    pub fn new(every: Duration) -> Collector {
        Collector {
            every: chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX),
            next_at: None,
            cycle: None,
            sweep: None,
            retention: RetentionConfig::default(),
            prune: false,
        }
    }

    /// The same, pruning events to `retention` after each cycle.
    pub fn retaining(mut self, retention: RetentionConfig) -> Collector {
        self.retention = retention;
        self
    }

    /// A reloaded config.
    pub fn set_every(&mut self, every: Duration) {
        self.every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
    }

    /// A reloaded `[retention]`.
    pub fn set_retention(&mut self, retention: RetentionConfig) {
        self.retention = retention;
    }

    /// When `idle` (no check waiting to start): one step of the cycle
    /// under way, or the pruning of the event log after it, or start a
    /// cycle when due at `now`.
    pub async fn turn(
        &mut self,
        store: &Arc<dyn Store>,
        now: DateTime<Utc>,
        idle: bool,
        metrics: &Metrics,
    ) {
        if !idle {
            return;
        }
        if let Some(sweep) = self.sweep.take() {
            self.sweep_step(store, sweep, metrics).await;
            return;
        }
        if self.prune {
            self.prune_events(store, now, metrics).await;
            return;
        }
        if self.cycle.is_none() && self.next_at.is_some_and(|t| now < t) {
            return;
        }
        let mut cycle = self.cycle.take().unwrap_or_default();
        let started = std::time::Instant::now();
        let stepped = blocking(store, move |s| {
            let step = s.gc_step(&mut cycle, GC_STEP_BUDGET);
            step.map(|st| (st, cycle))
        })
        .await;
        metrics.gc_seconds.inc_by(started.elapsed().as_secs_f64());
        match stepped {
            Ok((GcStep::More, cycle)) => self.cycle = Some(cycle),
            Ok((GcStep::Done(report), _)) => {
                self.next_at = Some(now.checked_add_signed(self.every).unwrap_or(now));
                self.sweep = Some(SightingSweep::default());
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

    /// One step of the sweep of stale line sightings; when it is over, the
    /// event log is pruned next (if `[retention]` sets limits).
    async fn sweep_step(
        &mut self,
        store: &Arc<dyn Store>,
        mut sweep: SightingSweep,
        metrics: &Metrics,
    ) {
        let started = std::time::Instant::now();
        let before = sweep.stale;
        let stepped = blocking(store, move |s| {
            let done = s.sweep_sightings(&mut sweep, SWEEP_BUDGET)?;
            Ok((done, sweep))
        })
        .await;
        metrics.gc_seconds.inc_by(started.elapsed().as_secs_f64());
        match stepped {
            Ok((done, sweep)) => {
                metrics.gc_sightings_removed.inc_by(sweep.stale - before);
                if !done {
                    self.sweep = Some(sweep);
                    return;
                }
                if sweep.stale > 0 {
                    tracing::info!(
                        read = sweep.read,
                        removed = sweep.stale,
                        "dropped learned-template line sightings that can no longer make a rule"
                    );
                }
            }
            // swept again after the next cycle; each removal stands alone
            Err(e) => tracing::warn!(error = %e, "sweeping the line sightings failed"),
        }
        self.prune = self.retention.is_set();
    }

    /// Drop events beyond the `[retention]` limits, at most
    /// [`PRUNE_BUDGET`] this turn.
    async fn prune_events(
        &mut self,
        store: &Arc<dyn Store>,
        now: DateTime<Utc>,
        metrics: &Metrics,
    ) {
        let limits = limits_at(&self.retention, now);
        let started = std::time::Instant::now();
        let pruned = blocking(store, move |s| s.prune_events(limits, PRUNE_BUDGET)).await;
        metrics.gc_seconds.inc_by(started.elapsed().as_secs_f64());
        match pruned {
            Ok(n) => {
                metrics.events_pruned.inc_by(n);
                // a full budget: more may be due, at the next idle turn
                self.prune = n >= PRUNE_BUDGET as u64;
                if n > 0 {
                    tracing::info!(events = n, "events beyond the [retention] limits dropped");
                }
            }
            Err(e) => {
                // tried again after the next cycle
                tracing::warn!(error = %e, "pruning the event log failed");
                self.prune = false;
            }
        }
    }
}

/// `[retention]` as of `now`, for [`Store::prune_events`].
fn limits_at(r: &RetentionConfig, now: DateTime<Utc>) -> EventRetention {
    EventRetention {
        before: r
            .events_max_age
            .and_then(|s| chrono::Duration::from_std(s.0).ok())
            .and_then(|d| now.checked_sub_signed(d)),
        keep: r
            .events_max
            .map(|k| usize::try_from(k.0).unwrap_or(usize::MAX)),
    }
}
