//! Feed discovery's records, shared by every backend: a feed before it
//! is stored ([`NewFeed`]), its stored state ([`FeedState`]) and its polls.

use crate::fetch::Validators;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A feed to discover articles from, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeed {
    /// The feed's URL as configured (RSS, Atom or JSON Feed).
    pub url: String,
    /// Given to every watch the feed adds.
    pub label: Option<String>,
    /// Crontab line; `None` means the default feed interval.
    pub schedule: Option<String>,
}

/// How one poll of a feed ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedOutcome {
    /// Fetched and parsed (whether or not it listed anything new).
    Ok,
    /// 304 Not Modified.
    NotModified,
    /// No usable feed: see `reason`.
    Failed,
}

/// One poll of one feed, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedPoll {
    /// When the poll started.
    pub at: DateTime<Utc>,
    /// How it ended.
    pub outcome: FeedOutcome,
    /// The status of the feed's response; `None` when no response came.
    pub http_status: Option<u16>,
    /// Failure kind (`http_status`, `not_feed`, `bad_feed`, `timeout`, ...).
    pub failure: Option<super::Failure>,
    /// Readable reason for a failure.
    pub reason: Option<String>,
    /// Entries with an article link in the feed body.
    pub entries: usize,
    /// Watches this poll added.
    pub added: usize,
    /// Entries refused (private addresses) in this poll.
    pub rejected: usize,
    /// Wall time of the poll, fetch and the added watches' insert included.
    pub duration_ms: u64,
}

/// A feed and what polling it has done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedState {
    /// See [`NewFeed::url`]: the key of its record.
    pub url: String,
    /// See [`NewFeed::label`].
    pub label: Option<String>,
    /// See [`NewFeed::schedule`].
    pub schedule: Option<String>,
    /// When it was first stored.
    pub added_at: DateTime<Utc>,
    /// When the next poll is due; `None` means now.
    pub next_due: Option<DateTime<Utc>>,
    /// `ETag` / `Last-Modified` of the last feed body, sent back as a
    /// conditional GET.
    pub validators: Validators,
    /// The latest poll; `None` before the first.
    pub last_poll: Option<FeedPoll>,
    /// Failed polls since the last good one: the backoff grows with it.
    pub consecutive_failures: u32,
    /// Entries the last good poll listed.
    pub entries_seen: usize,
    /// Watches added from this feed, in total.
    pub entries_added: u64,
    /// Entries refused as private addresses, in total.
    pub entries_rejected: u64,
}

impl FeedState {
    /// `new` (a `[[feed]]` of the config) over the feed stored at its URL,
    /// if any: the label and schedule are the config's, a changed schedule
    /// makes it due at once, and everything polled is kept.
    pub fn upsert(stored: Option<FeedState>, new: NewFeed) -> FeedState {
        match stored {
            Some(mut f) => {
                if f.schedule != new.schedule {
                    f.next_due = None;
                }
                f.label = new.label;
                f.schedule = new.schedule;
                f
            }
            None => FeedState {
                url: new.url,
                label: new.label,
                schedule: new.schedule,
                added_at: Utc::now(),
                next_due: None,
                validators: Validators::default(),
                last_poll: None,
                consecutive_failures: 0,
                entries_seen: 0,
                entries_added: 0,
                entries_rejected: 0,
            },
        }
    }
}
