//! The daemon's compaction: asked for through the API (`POST
//! /api/v1/compact`) or scheduled by `[storage] compact_every`, it runs
//! once no check or feed poll is in flight; until it has run, the
//! scheduler starts nothing that writes.

use super::{backup, handle};
use crate::config::{Config, Span};
use crate::store::{blocking, Store};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The compactions asked for and the timer of the scheduled ones; the
/// scheduler turns it ([`Compactor::run`]) when the store is quiet.
pub(super) struct Compactor {
    /// Compactions asked for: nothing new starts until the checks and
    /// polls in flight end; then the store is compacted and they answered.
    asked: Vec<handle::CompactReply>,
    /// `[storage] compact_every`, as the timer was last set from.
    every: Option<Span>,
    /// When the next scheduled compaction is due (the first one a period
    /// after the start).
    at: Option<DateTime<Utc>>,
}

impl Compactor {
    /// The compactions `config` schedules, the first one a period after
    /// `now`.
    pub(super) fn new(config: &Config, now: DateTime<Utc>) -> Compactor {
        let every = config.storage.compact_every;
        Compactor {
            asked: Vec::new(),
            every,
            at: next_compaction(every, now),
        }
    }

    /// A reloaded config: a changed `compact_every` restarts the timer
    /// from `now`; an unchanged one keeps it.
    pub(super) fn reload(&mut self, config: &Config, now: DateTime<Utc>) {
        let every = config.storage.compact_every;
        if every != self.every {
            self.every = every;
            self.at = next_compaction(every, now);
        }
    }

    /// A compaction asked for through the API; `reply` gets its report.
    pub(super) fn ask(&mut self, reply: handle::CompactReply) {
        self.asked.push(reply);
    }

    /// A compaction is asked for through the API and not yet run: the
    /// scheduler starts nothing that writes until it has run.
    pub(super) fn is_asked(&self) -> bool {
        !self.asked.is_empty()
    }

    /// The scheduled compaction is due at `now` (nothing that writes
    /// starts in that turn either).
    pub(super) fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.at.is_some_and(|t| now >= t)
    }

    /// Compact the store if a compaction is asked for or due at `now`;
    /// call only when no check or poll is in flight and the store can be
    /// written. A backup in progress ends first, the store is rewritten
    /// and swapped ([`Store::compact_in_place`]), and every asker gets the
    /// report.
    pub(super) async fn run(
        &mut self,
        store: &Arc<dyn Store>,
        now: DateTime<Utc>,
        backups: Option<&mut backup::Schedule>,
    ) {
        if !self.is_asked() && !self.is_due(now) {
            return;
        }
        self.at = next_compaction(self.every, now);
        if let Some(b) = backups {
            b.finish().await;
        }
        let started = std::time::Instant::now();
        let result = blocking(store, |s| s.compact_in_place())
            .await
            .map_err(|e| e.to_string());
        // the old store's pages and the copy's are free now: give them back
        super::memory::trim();
        let seconds = started.elapsed().as_secs_f64();
        match &result {
            Ok(r) => tracing::info!(
                bytes_before = r.bytes_before,
                bytes_after = r.bytes_after,
                records = r.records,
                seconds,
                "store compacted; checks resume"
            ),
            Err(e) => {
                tracing::error!(error = %e, seconds, "compaction failed; the store is as it was, checks resume")
            }
        }
        for reply in self.asked.drain(..) {
            let _ = reply.send(result.clone());
        }
    }
}

/// The next scheduled compaction after `now`, if `[storage]
/// compact_every` asks for them.
fn next_compaction(every: Option<Span>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let every = chrono::Duration::from_std(every?.0).ok()?;
    now.checked_add_signed(every)
}
