//! Storage of watches, versions, check outcomes and events, behind the
//! narrow [`Store`] trait so that another backend (PostgreSQL) can follow.
//!
//! [`SledStore`] is the embedded implementation. Every method that an alert
//! or a reply depends on is flushed before it returns.

mod blocking;
mod codec;
pub mod export;
mod failure;
mod feeds;
mod guarded;
mod match_index;
mod sled_store;
mod template;
mod watch_urls;

pub use blocking::{blocking, run_blocking, TaskFailed};
pub use failure::Failure;
pub use feeds::{FeedOutcome, FeedPoll, FeedState, NewFeed};
pub use guarded::{is_disk_full, panic_text, GuardedStore};
pub use sled_store::{compact, dir_bytes, read_store_id, CompactReport, SledStore, STORE_ID_FILE};
pub use template::{OutletStats, OutletTemplate};
pub use watch_urls::{lookup_keys, Followed, Merge};

use crate::core::event::Event;
use crate::core::normalize::ContentHash;
use crate::core::template::{shape::LineKey, Rule, Verdict};
use crate::core::Article;
use crate::fetch::Validators;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The layout version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 4;
/// Check outcomes kept per watch (older ones are pruned).
pub const CHECKS_KEPT_PER_WATCH: usize = 200;

pub type WatchId = u64;

/// What to do about a damaged database (in error messages).
pub const RECOVERY: &str =
    "restore the last backup (see \"Recovery\" in docs/operations.md), or move the database \
     aside and `copydesk import` your last export into a new one";

/// Said when a write failed for lack of space.
pub const DISK_FULL_HINT: &str =
    " (the disk is full: free some space; `copydesk run` pauses its checks and resumes by itself)";

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("the database at {path} is in use by another copydesk process (is the daemon running? stop it or use its API)")]
    Locked { path: String },
    #[error("the database at {path} has layout version {found}, but this copydesk understands only up to {supported}: upgrade copydesk (or restore a backup made by this version)")]
    NewerSchema {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error(
        "the database at {path} is not a copydesk database (no schema version key but not empty)"
    )]
    Foreign { path: String },
    #[error("version {number} of {url} was written by someone else meanwhile")]
    Conflict { url: String, number: u32 },
    #[error("corrupt record in {tree}: {detail}")]
    Corrupt { tree: &'static str, detail: String },
    #[error("the database at {path} is damaged ({detail}); {RECOVERY}")]
    Damaged { path: String, detail: String },
    #[error("the database at {path} could not be read or written: {detail}{}", if *.disk_full { DISK_FULL_HINT } else { "" })]
    Io {
        path: String,
        detail: String,
        /// The file system is full (or over quota).
        disk_full: bool,
    },
    #[error("database error: {0}")]
    Db(#[from] sled::Error),
}

/// What a garbage collection found (and removed, unless it was a dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GcReport {
    /// Versions of every watch: what keeps a text.
    pub versions: u64,
    /// Stored texts (each distinct text once).
    pub texts: u64,
    /// Texts no version refers to.
    pub orphaned_texts: u64,
    /// Their size as stored (compressed), keys included.
    pub orphaned_bytes: u64,
    /// Whether they were removed (false: a dry run).
    pub removed: bool,
}

/// Where a watch came from: the config file, the CLI / API, or a feed's
/// entry (discovery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchSource {
    Config,
    Cli,
    Feed,
}

/// A watched URL and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watch {
    pub id: WatchId,
    pub url: String,
    pub label: Option<String>,
    /// Crontab line, or `adaptive`; `None` means the config's default.
    pub schedule: Option<String>,
    pub source: WatchSource,
    pub added_at: DateTime<Utc>,
    /// When the next check is due; `None` means now.
    pub next_due: Option<DateTime<Utc>>,
    pub validators: Validators,
    pub last_check: Option<CheckRecord>,
    /// Number of the latest version (0 before the first).
    pub latest_version: u32,
    pub consecutive_failures: u32,
    /// The article's own published time, from its latest version's page.
    #[serde(default)]
    pub published: Option<DateTime<Utc>>,
    /// When the latest version was stored.
    #[serde(default)]
    pub last_changed: Option<DateTime<Utc>>,
    /// An adaptive watch past its age limit: kept, no longer checked.
    #[serde(default)]
    pub retired: bool,
    /// The URL as it was given (config, CLI, API, feed, import), when it
    /// differs from `url`, its canonical form (see `core::url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_url: Option<String>,
    /// Other canonical URLs of the same article (AMP, mobile, print
    /// versions, the address watched before the page named its canonical
    /// one), oldest first; a lookup by any of them finds this watch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// A canonical URL (`<link rel=canonical>` / `og:url`) the page
    /// declares on another registrable domain: recorded, never merged (a
    /// syndication partner naming the original).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_canonical: Option<String>,
}

impl Watch {
    /// A watch as first stored: never checked, due at once.
    pub fn new(id: WatchId, new: NewWatch) -> Watch {
        Watch {
            id,
            url: new.url,
            label: new.label,
            schedule: new.schedule,
            source: new.source,
            added_at: Utc::now(),
            next_due: None,
            validators: Validators::default(),
            last_check: None,
            latest_version: 0,
            consecutive_failures: 0,
            published: None,
            last_changed: None,
            retired: false,
            given_url: None,
            aliases: Vec::new(),
            declared_canonical: None,
        }
    }

    /// Every URL under which this watch is found: its canonical URL, the
    /// URL it was given as, its aliases.
    pub fn known_urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.url.as_str())
            .chain(self.given_url.as_deref())
            .chain(self.aliases.iter().map(String::as_str))
    }
}

/// What a watch looks like before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWatch {
    pub url: String,
    pub label: Option<String>,
    pub schedule: Option<String>,
    pub source: WatchSource,
}

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new version was stored.
    NewVersion,
    /// Fetched and extracted; same text as the latest version.
    Unchanged,
    /// 304 Not Modified.
    NotModified,
    /// No usable page: see `reason`.
    Failed,
}

/// One check of one watch, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    pub http_status: Option<u16>,
    /// Failure kind (`timeout`, `too_large`, `no_article`, ...).
    pub failure: Option<Failure>,
    /// Readable reason for a failure.
    pub reason: Option<String>,
    /// The version stored or confirmed by this check.
    pub version: Option<u32>,
    pub duration_ms: u64,
    /// Final URL when redirected.
    pub final_url: Option<String>,
    /// The confirmation fetch, when this check found a change and made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<Confirmation>,
}

/// How the confirmation fetch of a check compared with its first fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmResult {
    /// Both fetches had the same text: the change was stored.
    Agreed,
    /// They disagreed on some lines (dropped as noise); the change that
    /// both have was stored.
    NoiseDropped,
    /// What changed was only noise: nothing was stored.
    OnlyNoise,
    /// The two fetches share too little text: nothing was stored.
    Unstable,
    /// The second fetch failed; the first fetch's text was used.
    Failed,
}

/// The second fetch a check made before storing a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub result: ConfirmResult,
    /// The wait before the second fetch.
    pub delay_ms: u64,
    /// Body lines on which the two fetches disagreed.
    pub noise_lines: usize,
    /// The two fetches had different headlines (an A/B test).
    pub headline_differed: bool,
    /// Why the second fetch failed.
    pub reason: Option<String>,
    /// Fetches the check made in all: 2, or 3 when the change was only
    /// short lines (which an ad from a small pool can fake twice).
    #[serde(default = "two_fetches")]
    pub fetches: u32,
}

fn two_fetches() -> u32 {
    2
}

/// A stored version's metadata (its text is in [`SledStore::version`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionMeta {
    pub number: u32,
    pub fetched_at: DateTime<Utc>,
    pub hash: ContentHash,
    pub title: String,
    pub words: usize,
    pub final_url: String,
    /// Set when this text equals an earlier version (revert, A/B rotation).
    pub same_as: Option<u32>,
}

/// A version to append.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub number: u32,
    pub article: Article,
    pub hash: ContentHash,
    pub final_url: String,
}

/// An event as stored, with its outbox position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub seq: u64,
    pub created_at: DateTime<Utc>,
    pub event: Event,
}

/// An event waiting for delivery to one sink.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub sink: String,
    pub seq: u64,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt: DateTime<Utc>,
    /// Given up after too many attempts (dead letter): kept, not retried
    /// until `copydesk alerts retry`.
    #[serde(default)]
    pub dead: bool,
}

/// Everything one check writes, committed atomically.
#[derive(Debug, Clone)]
pub struct CheckCommit {
    /// The watch with its new state (next due, validators, counters).
    pub watch: Watch,
    pub record: CheckRecord,
    pub version: Option<NewVersion>,
    /// Events with the sinks each must reach.
    pub events: Vec<(Event, Vec<String>)>,
}

/// An article's republication fingerprint as indexed: what its postings
/// are (to remove them when it changes) and how it is named in matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FingerprintRecord {
    pub id: WatchId,
    /// The version fingerprinted.
    pub version: u32,
    pub url: String,
    pub outlet: String,
    pub title: String,
    /// When its first version was stored.
    pub first_seen: DateTime<Utc>,
    /// Published time from the page (tie-breaker for the original).
    pub published: Option<DateTime<Utc>>,
    /// LSH band keys.
    pub bands: Vec<u64>,
    /// Hashes of its indexed paragraphs.
    pub paragraphs: Vec<u64>,
}

/// Size of the in-memory republication postings (see `match_index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MatchIndexStats {
    pub articles: usize,
    pub band_postings: usize,
    pub paragraph_postings: usize,
    /// Approximate heap use of the postings table.
    pub heap_bytes: usize,
}

/// A new fingerprint with the pairs and events it made, committed at once.
#[derive(Debug, Clone)]
pub struct FingerprintCommit {
    pub at: DateTime<Utc>,
    pub record: FingerprintRecord,
    pub pairs: Vec<crate::core::matching::cluster::MatchPair>,
    pub events: Vec<(Event, Vec<String>)>,
    /// Stored pairs of other articles withdrawn in the same commit: their
    /// shared text turned out to be template text once this article was
    /// indexed.
    pub withdrawn: Vec<Withdrawn>,
}

/// A stored pair to remove, and what to cancel of its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    pub a: WatchId,
    pub b: WatchId,
    /// The pair's last `republication` event and the sinks it was queued
    /// for: deliveries still pending are cancelled, and the event leaves
    /// the log when none had been made.
    pub event_id: Option<String>,
    pub sinks: Vec<String>,
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
    /// The watch of a URL, found by any variant of it: as given, its
    /// canonical form (either web scheme), an alias.
    fn watch(&self, url: &str) -> Result<Watch, StoreError>;
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
    /// Write a check's outcome, the watch's new state and, if any, a new
    /// version with its events, in one batch; flushed before returning.
    fn commit_check(&self, commit: CheckCommit) -> Result<Option<VersionMeta>, StoreError>;
    /// Latest check records of a watch, newest first.
    fn checks(&self, id: WatchId, limit: usize) -> Result<Vec<CheckRecord>, StoreError>;
    fn versions(&self, id: WatchId) -> Result<Vec<VersionMeta>, StoreError>;
    fn version(&self, id: WatchId, number: u32) -> Result<(VersionMeta, Article), StoreError>;
    /// The earliest version of this watch with the given text, if any.
    fn version_with_hash(&self, id: WatchId, hash: ContentHash) -> Result<Option<u32>, StoreError>;
    /// Deliveries due at `now` (all, when `now` is `None`); never dead ones.
    fn pending_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError>;
    fn delivery_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError>;
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
    fn flush(&self) -> Result<(), StoreError>;
    /// A random id made when the store was created: tells one store from
    /// another (a CLI checks that a daemon holds its store, not another).
    fn store_id(&self) -> String;

    // -- feed discovery (see `feeds`) --
    /// Add each watch whose URL is not watched yet (an existing watch is
    /// left exactly as it is); the watches added. Flushed before returning.
    fn add_discovered_watches(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError>;
    fn feeds(&self) -> Result<Vec<FeedState>, StoreError>;
    fn feed(&self, url: &str) -> Result<FeedState, StoreError>;
    /// Add a feed, or update the label and schedule of a known one (a new
    /// schedule makes it due at once).
    fn upsert_feed(&self, new: NewFeed) -> Result<FeedState, StoreError>;
    /// Forget a feed's state (the watches it found stay).
    fn remove_feed(&self, url: &str) -> Result<(), StoreError>;
    /// Write a feed's state after a poll; flushed before returning.
    fn commit_feed_poll(&self, feed: FeedState) -> Result<(), StoreError>;

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
    /// Replace an article's fingerprint and postings, write its pairs and
    /// queue its events; flushed before returning.
    fn commit_fingerprint(&self, commit: FingerprintCommit) -> Result<(), StoreError>;
    fn match_pair(
        &self,
        a: WatchId,
        b: WatchId,
    ) -> Result<Option<crate::core::matching::cluster::MatchPair>, StoreError>;
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
    /// After a write failed (a full disk): `Ok` once the store can be
    /// written again, reopening the database if the engine needs it; an
    /// error while there is still no room.
    fn recover(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A [`Store`] seen as the matcher's index.
pub struct IndexOf<'a>(pub &'a dyn Store);

impl crate::core::matching::memindex::IndexView for IndexOf<'_> {
    type Error = StoreError;
    fn band_postings(&self, band: u64) -> Result<Vec<u64>, StoreError> {
        self.0.band_postings(band)
    }
    fn paragraph_postings(&self, para: u64, limit: usize) -> Result<Vec<(u64, u64)>, StoreError> {
        self.0.paragraph_postings(para, limit)
    }
    fn paragraphs_of(&self, id: u64) -> Result<Vec<u64>, StoreError> {
        self.0.indexed_paragraphs(id)
    }
}
