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
