//! The records the store keeps about watches: the watch itself, its
//! checks, its versions, its events and their deliveries, and the commit
//! that writes a check's results at once.

use super::{Failure, WatchId};
use crate::core::event::Event;
use crate::core::normalize::ContentHash;
use crate::core::Article;
use crate::fetch::Validators;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    /// Learned-template line sightings that can no longer make a rule
    /// ([`crate::core::template::SeenLine::stale`]), removed with the
    /// texts (counted in a dry run); filled in by `copydesk gc`'s sweep.
    pub stale_sightings: u64,
}

/// Where a watch came from: the config file, the CLI / API, or a feed's
/// entry (discovery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchSource {
    /// A `[[watch]]` of the config file: it stops being checked when the
    /// config no longer lists it.
    Config,
    /// Added with `copydesk watch add` or the API; kept until removed.
    Cli,
    /// Found in a `[[feed]]`'s entries: fetched from public addresses only.
    Feed,
}

/// A watched URL and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watch {
    /// Stable for the watch's life, never reused; versions, checks and
    /// matches are keyed by it.
    pub id: WatchId,
    /// The canonical URL: the one fetched and shown (see `given_url` and
    /// `aliases` for the others it is found under).
    pub url: String,
    /// A free-form name for grouping and sink rules (`labels = [...]`).
    pub label: Option<String>,
    /// Crontab line, or `adaptive`; `None` means the config's default.
    pub schedule: Option<String>,
    /// Where it was added from, which decides when it is active and what it
    /// may reach.
    pub source: WatchSource,
    /// When it was first stored: where an adaptive schedule starts counting
    /// the article's age.
    pub added_at: DateTime<Utc>,
    /// When the next check is due; `None` means now.
    pub next_due: Option<DateTime<Utc>>,
    /// `ETag` / `Last-Modified` of the last page, sent back as a conditional
    /// GET.
    pub validators: Validators,
    /// The latest check, whatever its outcome; `None` before the first.
    pub last_check: Option<CheckRecord>,
    /// Number of the latest version (0 before the first).
    pub latest_version: u32,
    /// Failed checks since the last good one: the retry backoff grows with
    /// it, and a watch with any is `failing`.
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
    /// The run of checks that found the article gone (404/410, redirected
    /// away, a "not found" page, no article), while it lasts; `removed`
    /// once it made the `removed` event (see `core::liveness`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone: Option<crate::core::liveness::GoneState>,
    /// When a check last found the article live (its text, or 304).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_live: Option<DateTime<Utc>>,
}

impl Watch {
    /// This watch, as a check ends, over `stored`, the record the store
    /// holds now: a watch's URLs are the store's (a merge or a followed
    /// canonical URL during the check may have changed them). When another
    /// watch was merged into this one during the check (its aliases grew),
    /// the history moved on and this check's version `new_version`
    /// (compared with the history before) is dropped: `true`, stale. The
    /// next check compares with the merged history.
    pub fn settle_against(&mut self, stored: Watch, new_version: Option<u32>) -> bool {
        // a merge adds the merged watch's URLs as aliases
        let merged_meanwhile = stored.aliases.len() > self.aliases.len();
        self.url = stored.url;
        self.given_url = stored.given_url;
        self.aliases = stored.aliases;
        let stale = merged_meanwhile && new_version.is_some_and(|n| stored.latest_version >= n);
        if stale || new_version.is_none() {
            self.latest_version = stored.latest_version;
            self.last_changed = stored.last_changed;
        }
        stale
    }

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
            gone: None,
            last_live: None,
        }
    }

    /// Whether the article was found removed and is not back yet.
    pub fn is_removed(&self) -> bool {
        self.gone.as_ref().is_some_and(|g| g.removed)
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
    /// The URL as given; the store keeps its canonical form as `url` and this
    /// one as `given_url` when they differ.
    pub url: String,
    /// See [`Watch::label`].
    pub label: Option<String>,
    /// See [`Watch::schedule`].
    pub schedule: Option<String>,
    /// See [`Watch::source`]: an upsert updates it.
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
    /// When the check started.
    pub at: DateTime<Utc>,
    /// How it ended.
    pub outcome: Outcome,
    /// The status of the page's response; `None` when no response came
    /// (a timeout, a refused connection, a bad URL).
    pub http_status: Option<u16>,
    /// Failure kind (`timeout`, `too_large`, `no_article`, ...).
    pub failure: Option<Failure>,
    /// Readable reason for a failure.
    pub reason: Option<String>,
    /// The version stored or confirmed by this check.
    pub version: Option<u32>,
    /// Wall time of the check, fetches (and the confirmation wait) included.
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
    /// How the second fetch compared with the first.
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
    /// 1 for the first version, one more for each stored change.
    pub number: u32,
    /// When the check that stored it started.
    pub fetched_at: DateTime<Utc>,
    /// The normalized text's hash: the key of its text in `texts`, and how a
    /// revert to an earlier text is recognized.
    pub hash: ContentHash,
    /// The headline of this version.
    pub title: String,
    /// Words in its body, as [`crate::core::normalize::tokens`] counts them.
    pub words: usize,
    /// The URL the page was served from, after redirects.
    pub final_url: String,
    /// Set when this text equals an earlier version (revert, A/B rotation).
    pub same_as: Option<u32>,
}

/// A version to append.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// The watch's `latest_version` plus one; a number already stored is a
    /// [`super::StoreError::Conflict`].
    pub number: u32,
    /// The normalized text, stored once per hash.
    pub article: Article,
    /// `ContentHash::of(&article)`.
    pub hash: ContentHash,
    /// See [`VersionMeta::final_url`].
    pub final_url: String,
}

/// An event as stored, with its outbox position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Its place in the event log: increasing, the cursor of `events` pages
    /// and the key of its deliveries.
    pub seq: u64,
    /// When it was committed (with the check or match that made it).
    pub created_at: DateTime<Utc>,
    /// The event as sinks and the API receive it.
    pub event: Event,
}

/// An event waiting for delivery to one sink.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The sink's outbox name (`webhook:…`, `slack:0`, …).
    pub sink: String,
    /// The [`StoredEvent::seq`] of the event to deliver.
    pub seq: u64,
    /// Attempts made so far; at `[alert] max_attempts` the delivery is dead.
    pub attempts: u32,
    /// What the sink answered on the last failed attempt.
    pub last_error: Option<String>,
    /// Not tried again before this (backoff after a failure).
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
    /// The check's record, kept in the watch's recent checks.
    pub record: CheckRecord,
    /// The new version, when the check stored one.
    pub version: Option<NewVersion>,
    /// Events with the sinks each must reach.
    pub events: Vec<(Event, Vec<String>)>,
}
