//! Storage of watches, versions, check outcomes and events, behind the
//! narrow [`Store`] trait so that another backend (PostgreSQL) can follow.
//!
//! [`open`] opens the backend `[storage] backend` names. The trait, its
//! records, errors ([`StoreError`]) and helpers here are shared by every
//! backend; a backend's own code lives in its module: `sled`
//! ([`SledStore`], the embedded default, behind [`GuardedStore`]) and
//! `postgres` ([`PgStore`], a database several processes share). Every
//! method that an alert or a reply depends on is flushed before it
//! returns.

mod blocking;
mod collect;
mod error;
pub mod export;
mod failure;
mod feed_records;
mod import;
mod lease;
mod match_records;
mod open;
mod postgres;
mod records;
mod sled;
mod template_records;
mod urls;

pub use self::sled::GuardedStore;
pub use self::sled::{
    compact, compact_open, dir_bytes, read_store_id, CompactReport, SledStore, TreeSize,
    STORE_ID_FILE,
};
pub use blocking::{blocking, run_blocking, TaskFailed};
pub use collect::{
    sweep_all_sightings, EventRetention, GcCycle, GcCycleReport, GcStep, SightingSweep,
    GC_CYCLE_CANDIDATES, GC_STEP_BUDGET, PRUNE_BUDGET, SWEEP_BUDGET,
};
pub use error::{is_disk_full, panic_text, EngineFault, StoreError, DISK_FULL_HINT, RECOVERY};
pub use failure::Failure;
pub use feed_records::{FeedOutcome, FeedPoll, FeedState, NewFeed};
pub use import::{append_versions, import_each, imported_version, ImportTally, ImportWatch};
pub use lease::{instance_id, Claim, Instances, DEFAULT_LEASE};
pub use match_records::{
    FingerprintCommit, FingerprintRecord, IndexOf, MatchIndexStats, Withdrawn,
};
pub use open::{compact_offline, open};
pub use postgres::{connect_options, ConnectOptions, PgStore, PG_SCHEMA_VERSION};
pub use records::{
    CheckCommit, CheckRecord, ConfirmResult, Confirmation, Delivery, GcReport, NewVersion,
    NewWatch, Outcome, StoredEvent, VersionMeta, Watch, WatchSource,
};
pub use template_records::{OutletStats, OutletTemplate};
pub use urls::{lookup_keys, Followed, Merge};

use crate::core::event::Event;
use crate::core::normalize::ContentHash;
use crate::core::template::{shape::LineKey, Rule, Verdict};
use crate::core::Article;
use chrono::{DateTime, Utc};

/// The layout version of a sled store this build reads and writes.
pub const SCHEMA_VERSION: u32 = 7;
/// Check outcomes kept per watch (older ones are pruned).
pub const CHECKS_KEPT_PER_WATCH: usize = 200;

/// A watch's number: 0, 1, 2, … in the order watches were added.
pub type WatchId = u64;

/// 128 random bits as hex (the time and pid when the system's random
/// source fails, which is unique enough for telling stores apart).
pub(crate) fn new_store_id() -> String {
    let mut bytes = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        bytes = xxhash_rust::xxh3::xxh3_128(seed.as_bytes()).to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The domain-level storage interface.
pub trait Store: Send + Sync {
    /// Add a watch, or update label/schedule/source of an existing one.
    fn upsert_watch(&self, new: NewWatch) -> Result<Watch, StoreError>;
    /// Remove a watch and its history.
    fn remove_watch(&self, url: &str) -> Result<Watch, StoreError>;
    /// Remove what no watch or version refers to any more (texts of removed
    /// watches); only count it with `dry_run`. Needs the store to itself.
    fn collect_garbage(&self, dry_run: bool) -> Result<GcReport, StoreError>;
    /// One bounded step of an incremental collection that may run beside
    /// checks (the daemon's): texts whose last version was removed are
    /// verified and removed, at most `budget` records read or settled.
    /// A backend without it finishes at once.
    fn gc_step(&self, cycle: &mut GcCycle, budget: usize) -> Result<GcStep, StoreError> {
        let _ = (cycle, budget);
        Ok(GcStep::Done(GcCycleReport::default()))
    }
    /// One step of a sweep of the learned templates' line sightings: at
    /// most `budget` read from where `sweep` stopped, the stale ones
    /// ([`crate::core::template::SeenLine::stale`]) removed (only counted
    /// when `sweep` is counting); true when the sweep has read them all.
    /// A sighting seen again meanwhile is kept. A backend without it keeps
    /// every sighting.
    fn sweep_sightings(
        &self,
        sweep: &mut SightingSweep,
        budget: usize,
    ) -> Result<bool, StoreError> {
        let _ = (sweep, budget);
        Ok(true)
    }
    /// Remove the oldest events beyond `retention`'s limits, at most
    /// `budget` of them (the oldest first); how many were removed. An
    /// event with a delivery still in the outbox is kept. A backend without
    /// it keeps every event.
    fn prune_events(&self, retention: EventRetention, budget: usize) -> Result<u64, StoreError> {
        let _ = (retention, budget);
        Ok(0)
    }
    /// The watch of a URL, found by any variant of it: as given, its
    /// canonical form (either web scheme), an alias.
    fn watch(&self, url: &str) -> Result<Watch, StoreError>;
    /// Every watch, in id order.
    fn watches(&self) -> Result<Vec<Watch>, StoreError>;
    /// The page of watch `id` names `canonical` as its own URL (same
    /// outlet): the watch takes that URL (its old one an alias), or, when
    /// another watch has it, is merged into that one. Flushed.
    fn follow_canonical(&self, id: WatchId, canonical: &str) -> Result<Followed, StoreError>;
    /// Record more URLs of watch `id` as aliases (those no other watch
    /// has), and the canonical URL its page declares on another outlet
    /// when given (import). Flushed.
    fn add_watch_urls(
        &self,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError>;
    /// Add a batch of imported watches with the versions the store lacks
    /// (`copydesk import`; the batch is checked already). An existing
    /// watch is left as it is and its versions up to its latest skipped,
    /// so a batch written twice adds nothing. Record by record by
    /// default; a backend may write the batch at once (PostgreSQL: one
    /// transaction, so a failed batch adds nothing). Flushed.
    fn import_watches(&self, batch: Vec<ImportWatch>) -> Result<ImportTally, StoreError> {
        import_each(self, batch)
    }
    /// Write a check's outcome, the watch's new state and, if any, a new
    /// version with its events, in one batch; flushed before returning.
    fn commit_check(&self, commit: CheckCommit) -> Result<Option<VersionMeta>, StoreError>;
    /// Latest check records of a watch, newest first.
    fn checks(&self, id: WatchId, limit: usize) -> Result<Vec<CheckRecord>, StoreError>;
    /// A watch's versions' metadata, oldest first.
    fn versions(&self, id: WatchId) -> Result<Vec<VersionMeta>, StoreError>;
    /// One version with its text; `NotFound` when the watch has no such
    /// version.
    fn version(&self, id: WatchId, number: u32) -> Result<(VersionMeta, Article), StoreError>;
    /// The earliest version of this watch with the given text, if any.
    fn version_with_hash(&self, id: WatchId, hash: ContentHash) -> Result<Option<u32>, StoreError>;
    /// Deliveries due at `now` (all, when `now` is `None`); never dead ones.
    fn pending_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError>;
    /// The sink took the event: its outbox entry is removed (not flushed:
    /// delivery is at least once).
    fn delivery_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError>;
    /// The sink refused or could not be reached: the attempt and its error
    /// are kept, with the next attempt's time; `None` makes it dead.
    fn delivery_failed(
        &self,
        sink: &str,
        seq: u64,
        error: &str,
        next_attempt: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;
    /// Every outbox entry, dead ones included, oldest event first.
    fn outbox(&self) -> Result<Vec<(Delivery, StoredEvent)>, StoreError>;
    /// Make every delivery of the event with this id due now (dead ones
    /// too); how many there were. `NotFound` when none.
    fn retry_deliveries(&self, event_id: &str) -> Result<usize, StoreError>;
    /// A sink's own small state (a rate-limited sink's send times), if any.
    fn sink_state(&self, sink: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Replace a sink's state (not flushed: losing it in a crash only loosens
    /// one rate-limit window).
    fn set_sink_state(&self, sink: &str, state: &[u8]) -> Result<(), StoreError>;
    /// Newest events first.
    fn events(&self, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;
    /// Newest events first, only those with `seq` below `before` (all when
    /// `None`): a page of the event log for the review API. The default
    /// reads every event; backends override it with a range scan.
    fn events_before(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self
            .events(usize::MAX)?
            .into_iter()
            .filter(|e| before.is_none_or(|b| e.seq < b))
            .take(limit)
            .collect())
    }
    /// Oldest events first, only those with `seq` above `after` (all when
    /// `None`), at most `limit`: the event log read forwards in pages. The
    /// default reads every event; backends override it with a range scan.
    fn events_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut all = self.events(usize::MAX)?;
        all.reverse();
        Ok(all
            .into_iter()
            .filter(|e| after.is_none_or(|a| e.seq > a))
            .take(limit)
            .collect())
    }
    /// The watch with this id. The default scans every watch; backends
    /// override it with a key lookup.
    fn watch_by_id(&self, id: WatchId) -> Result<Watch, StoreError> {
        self.watches()?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("watch {id}")))
    }
    /// Write everything to disk before returning.
    fn flush(&self) -> Result<(), StoreError>;
    /// A random id made when the store was created: tells one store from
    /// another (a CLI checks that a daemon holds its store, not another).
    fn store_id(&self) -> String;

    // -- feed discovery (see `feeds`) --
    /// Add each watch whose URL is not watched yet (an existing watch is
    /// left exactly as it is); the watches added. Flushed before returning.
    fn add_discovered_watches(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError>;
    /// The same, the watches added at `at` (the daemon's clock, which a
    /// test or a soak moves) instead of the system's time. A backend
    /// without it takes the system's time.
    fn add_discovered_watches_at(
        &self,
        new: Vec<NewWatch>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Watch>, StoreError> {
        let _ = at;
        self.add_discovered_watches(new)
    }
    /// Every discovery feed's state.
    fn feeds(&self) -> Result<Vec<FeedState>, StoreError>;
    /// One discovery feed's state; `NotFound` when it is not stored.
    fn feed(&self, url: &str) -> Result<FeedState, StoreError>;
    /// Add a feed, or update the label and schedule of a known one (a new
    /// schedule makes it due at once).
    fn upsert_feed(&self, new: NewFeed) -> Result<FeedState, StoreError>;
    /// Forget a feed's state (the watches it found stay).
    fn remove_feed(&self, url: &str) -> Result<(), StoreError>;
    /// Write a feed's state after a poll; flushed before returning.
    fn commit_feed_poll(&self, feed: FeedState) -> Result<(), StoreError>;
    /// Make a watch due now (a listing says it changed); the watch as
    /// stored after. Flushed before returning.
    fn make_due(&self, id: WatchId) -> Result<Watch, StoreError>;

    // -- learned outlet templates (see `crate::core::template`) --
    /// Every rule of an outlet (inactive and overruled ones included),
    /// newest first.
    fn template_rules(&self, outlet: &str) -> Result<Vec<Rule>, StoreError>;
    /// Every outlet with observed articles or rules, by name.
    fn templates(&self) -> Result<Vec<OutletTemplate>, StoreError>;
    /// Count an article's lines as seen on it (`first`: its first
    /// observation, which counts the outlet's articles); the rules made of
    /// lines that are now recurring.
    fn observe_lines(
        &self,
        outlet: &str,
        article: WatchId,
        first: bool,
        lines: &[(LineKey, &str)],
        at: DateTime<Utc>,
    ) -> Result<Vec<Rule>, StoreError>;
    /// The articles (watch ids, at most a few) a line was seen on in this
    /// outlet's pages.
    fn line_articles(&self, outlet: &str, key: LineKey) -> Result<Vec<WatchId>, StoreError>;
    /// Add rules, each merged with the rule already under its key.
    fn learn_rules(&self, outlet: &str, rules: &[Rule]) -> Result<(), StoreError>;
    /// A person's verdict on a rule; flushed. `NotFound` when there is none.
    fn set_rule_verdict(
        &self,
        outlet: &str,
        key: LineKey,
        verdict: Verdict,
    ) -> Result<Rule, StoreError>;
    /// Delete a rule (and its sightings); flushed. `NotFound` when none.
    fn remove_rule(&self, outlet: &str, key: LineKey) -> Result<Rule, StoreError>;
    /// One outlet's template; `NotFound` when copydesk knows nothing of
    /// the outlet. The default filters [`Store::templates`].
    fn template(&self, outlet: &str) -> Result<OutletTemplate, StoreError> {
        self.templates()?
            .into_iter()
            .find(|t| t.outlet == outlet)
            .ok_or_else(|| {
                StoreError::NotFound(format!(
                    "no outlet {outlet} (see `copydesk outlets` for the outlets copydesk knows)"
                ))
            })
    }
    /// A person's rule: `line` is furniture of `outlet` ("not an edit");
    /// flushed. The line is normalized as article text is.
    fn add_person_rule(&self, outlet: &str, line: &str) -> Result<Rule, StoreError> {
        let line = crate::core::normalize::normalize_text(line);
        let rule = Rule::new(crate::core::template::Origin::Person, &line, Utc::now());
        self.learn_rules(outlet, std::slice::from_ref(&rule))?;
        self.flush()?;
        Ok(self
            .template_rules(outlet)?
            .into_iter()
            .find(|r| r.key == rule.key)
            .unwrap_or(rule))
    }

    // -- republication index (see `match_index`) --
    /// A watch's indexed fingerprint, if it has one.
    fn fingerprint(&self, id: WatchId) -> Result<Option<FingerprintRecord>, StoreError>;
    /// Articles indexed under an LSH band key.
    fn band_postings(&self, band: u64) -> Result<Vec<WatchId>, StoreError>;
    /// `(outlet key, article)` of at most `limit` articles with a paragraph.
    fn paragraph_postings(
        &self,
        para: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WatchId)>, StoreError>;
    /// The paragraph hashes an article is indexed with (empty when it is
    /// not indexed). The default reads its fingerprint record.
    fn indexed_paragraphs(&self, id: WatchId) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .fingerprint(id)?
            .map(|f| f.paragraphs)
            .unwrap_or_default())
    }
    /// The articles of every band of `bands`, one per (band, article)
    /// posting ([`Store::band_postings`] of each; a database answers in
    /// one query).
    fn band_postings_many(&self, bands: &[u64]) -> Result<Vec<WatchId>, StoreError> {
        let mut out = Vec::new();
        for &b in bands {
            out.extend(self.band_postings(b)?);
        }
        Ok(out)
    }
    /// [`Store::paragraph_postings`] of each of `paras`, in order.
    fn paragraph_postings_many(
        &self,
        paras: &[u64],
        limit: usize,
    ) -> Result<Vec<Vec<(u64, WatchId)>>, StoreError> {
        paras
            .iter()
            .map(|&p| self.paragraph_postings(p, limit))
            .collect()
    }
    /// Replace an article's fingerprint and postings, write its pairs and
    /// queue its events; flushed before returning.
    fn commit_fingerprint(&self, commit: FingerprintCommit) -> Result<(), StoreError>;
    /// The stored pair of two watches, if they were matched.
    fn match_pair(
        &self,
        a: WatchId,
        b: WatchId,
    ) -> Result<Option<crate::core::matching::cluster::MatchPair>, StoreError>;
    /// Every stored republication pair.
    fn match_pairs(&self) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError>;
    /// The pairs article `id` is in. The default filters every pair;
    /// backends override it with a per-article index.
    fn match_pairs_of(
        &self,
        id: WatchId,
    ) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        Ok(self
            .match_pairs()?
            .into_iter()
            .filter(|p| p.original_id == id || p.copy_id == id)
            .collect())
    }
    /// The pairs of the story cluster article `id` is in (every article
    /// linked to it through pairs), read article by article.
    fn match_cluster_of(
        &self,
        id: WatchId,
    ) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        let mut seen = std::collections::HashSet::from([id]);
        let mut todo = vec![id];
        let mut pairs = std::collections::BTreeMap::new();
        while let Some(a) = todo.pop() {
            for p in self.match_pairs_of(a)? {
                for b in [p.original_id, p.copy_id] {
                    if seen.insert(b) {
                        todo.push(b);
                    }
                }
                pairs.insert(
                    (p.original_id.min(p.copy_id), p.original_id.max(p.copy_id)),
                    p,
                );
            }
        }
        Ok(pairs.into_values().collect())
    }
    /// Get the republication index ready now rather than at its first use
    /// (a backend that holds postings in memory builds them here).
    fn load_match_index(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Size of the republication postings held in memory, for a backend
    /// that holds them there.
    fn match_index_stats(&self) -> Option<MatchIndexStats> {
        None
    }
    /// Rewrite the store into a new one and swap them while it stays open
    /// (the daemon's compaction; the caller starts no writes meanwhile).
    /// Crash-safe as the offline `compact`. A backend that cannot says so
    /// ([`StoreError::Unsupported`], naming the offline `copydesk compact`).
    fn compact_in_place(&self) -> Result<CompactReport, StoreError> {
        Err(StoreError::Unsupported {
            operation: "be compacted while open",
            instead: "stop the daemon and run `copydesk compact`",
        })
    }
    // -- several processes on one store (see `lease`) --
    /// Whether several processes may share this store (each due check is
    /// then claimed with [`Store::claim_watch`]). A store held by one
    /// process says no.
    fn shared(&self) -> bool {
        false
    }
    /// Take the watch of `url` for a check by this process when
    /// `still_due` says the watch as stored now is due and no other
    /// process holds it; the lease lasts until the check's commit (or
    /// `[storage] lease`). The default (one process) grants every claim
    /// with the watch as stored, without asking `still_due`.
    fn claim_watch(
        &self,
        url: &str,
        still_due: &(dyn Fn(&Watch) -> bool + Sync),
    ) -> Result<Claim, StoreError> {
        let _ = still_due;
        self.watch(url).map(Claim::Granted)
    }
    /// [`Store::pending_deliveries`], each leased to this process until it
    /// is settled (or the lease runs out): another process sharing the
    /// store does not send them meanwhile. The default (one process) is
    /// `pending_deliveries`.
    fn lease_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.pending_deliveries(now)
    }
    /// Say that this process is alive; how many processes share the
    /// store. The default (one process): one.
    fn heartbeat(&self) -> Result<Instances, StoreError> {
        Ok(Instances { live: 1 })
    }
    /// This process leaves the store: its heartbeat is removed and its
    /// leases are released. The default does nothing.
    fn sign_off(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// After a write failed (a full disk): `Ok` once the store can be
    /// written again, reopening the database if the engine needs it; an
    /// error while there is still no room.
    fn recover(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
