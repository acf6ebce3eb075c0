//! Incremental garbage collection as the daemon runs it: a [`GcCycle`] of
//! bounded steps ([`crate::store::Store::gc_step`]), each doing at most a
//! budget of work, so that collecting never holds up checks. The offline
//! `copydesk gc` ([`crate::store::Store::collect_garbage`]) is the whole
//! pass at once.

use std::collections::HashMap;

/// Version records read, or candidate texts settled, per step.
pub const GC_STEP_BUDGET: usize = 5_000;
/// Candidate texts verified in one cycle (the rest wait for the next).
pub const GC_CYCLE_CANDIDATES: usize = 100_000;

/// A candidate text: its marker when the cycle loaded it, and whether a
/// version was seen referring to it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub(crate) marker: u64,
    pub(crate) referenced: bool,
}

/// Where a cycle is; start one with [`GcCycle::default`].
#[derive(Debug, Default)]
pub struct GcCycle {
    /// `None` until loaded.
    pub(crate) candidates: Option<HashMap<[u8; 16], Candidate>>,
    /// The next version key to read.
    pub(crate) cursor: Vec<u8>,
    /// Every version was read: the candidates are being settled.
    pub(crate) scanned: bool,
    pub(crate) report: GcCycleReport,
}

impl GcCycle {
    /// The cycle's first step: take the candidate texts a backend read
    /// (hash, marker). `Done` when there are none, else `More`.
    pub(crate) fn load(
        &mut self,
        read: impl IntoIterator<Item = ([u8; 16], u64)>,
    ) -> super::GcStep {
        let loaded: HashMap<_, _> = read
            .into_iter()
            .map(|(hash, marker)| {
                let referenced = false;
                (hash, Candidate { marker, referenced })
            })
            .collect();
        if loaded.is_empty() {
            return super::GcStep::Done(self.report);
        }
        self.report.candidates = loaded.len() as u64;
        self.candidates = Some(loaded);
        super::GcStep::More
    }
}

/// What a finished cycle did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GcCycleReport {
    /// Candidate texts verified.
    pub candidates: u64,
    /// Texts removed (no version referred to them).
    pub removed: u64,
    /// Their stored size, keys included.
    pub removed_bytes: u64,
}

/// The result of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcStep {
    /// More steps are needed.
    More,
    /// The cycle is over.
    Done(GcCycleReport),
}

/// A sweep of the learned templates' line sightings that drops the stale
/// ones ([`crate::core::template::SeenLine::stale`]:
/// [`crate::store::Store::sweep_sightings`]), in bounded steps; start one
/// with [`SightingSweep::default`] (or [`SightingSweep::counting`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SightingSweep {
    /// The last sighting read (outlet, line key): the next step reads on
    /// from there.
    pub(crate) after: Option<(String, u64)>,
    /// Only count the stale sightings (`copydesk gc --dry-run`).
    pub(crate) dry_run: bool,
    /// Sightings read so far.
    pub read: u64,
    /// Stale sightings removed (or, counting, found) so far.
    pub stale: u64,
}

impl SightingSweep {
    /// A sweep that counts the stale sightings and removes none.
    pub fn counting() -> SightingSweep {
        SightingSweep {
            dry_run: true,
            ..SightingSweep::default()
        }
    }
}

/// Line sightings read per step of a [`SightingSweep`].
pub const SWEEP_BUDGET: usize = 5_000;

/// A whole sweep at once (`copydesk gc`): the stale sightings removed, or
/// only counted with `dry_run`.
pub fn sweep_all_sightings(
    store: &dyn super::Store,
    dry_run: bool,
) -> Result<SightingSweep, super::StoreError> {
    let mut sweep = if dry_run {
        SightingSweep::counting()
    } else {
        SightingSweep::default()
    };
    while !store.sweep_sightings(&mut sweep, SWEEP_BUDGET)? {}
    Ok(sweep)
}

/// How much of the event log may go ([`crate::store::Store::prune_events`];
/// `[retention]` in the config). Events that still have a delivery in the
/// outbox (pending or dead) are kept whatever the limits.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EventRetention {
    /// Events committed before this time may go.
    pub before: Option<chrono::DateTime<chrono::Utc>>,
    /// At most this many events are kept: the oldest beyond may go.
    pub keep: Option<usize>,
}

impl EventRetention {
    /// Whether any limit is set.
    pub fn is_set(&self) -> bool {
        self.before.is_some() || self.keep.is_some()
    }
}

/// Events removed by one call of [`crate::store::Store::prune_events`] at
/// most (the rest go at the next call).
pub const PRUNE_BUDGET: usize = 10_000;
