//! Feed discovery's stored state: one record per `[[feed]]` in the sled
//! tree `feeds` (key: the feed URL's bytes, value: [`FeedState`] JSON), and
//! the "add only if not watched yet" insert of discovered watches.

use super::codec::{self, decode, encode};
use super::tx_error;
use super::{NewWatch, SledStore, StoreError, Watch};
use crate::fetch::Validators;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::Transactional;

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

impl SledStore {
    pub(super) fn feeds_all(&self) -> Result<Vec<FeedState>, StoreError> {
        self.feeds_tree()
            .iter()
            .values()
            .map(|v| decode("feeds", &v?))
            .collect()
    }

    pub(super) fn feed_get(&self, url: &str) -> Result<FeedState, StoreError> {
        match self.feeds_tree().get(url.as_bytes())? {
            Some(v) => decode("feeds", &v),
            None => Err(StoreError::NotFound(format!(
                "no feed {url} (feeds come from [[feed]] in the config)"
            ))),
        }
    }

    pub(super) fn feed_upsert(&self, new: NewFeed) -> Result<FeedState, StoreError> {
        let feed = match self.feed_get(&new.url) {
            Ok(mut f) => {
                if f.schedule != new.schedule {
                    f.next_due = None;
                }
                f.label = new.label;
                f.schedule = new.schedule;
                f
            }
            Err(StoreError::NotFound(_)) => FeedState {
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
            Err(e) => return Err(e),
        };
        self.feed_put(&feed)?;
        Ok(feed)
    }

    pub(super) fn feed_remove(&self, url: &str) -> Result<(), StoreError> {
        self.feeds_tree().remove(url.as_bytes())?;
        self.db().flush()?;
        Ok(())
    }

    pub(super) fn feed_put(&self, feed: &FeedState) -> Result<(), StoreError> {
        self.feeds_tree()
            .insert(feed.url.as_bytes(), encode(feed))?;
        self.db().flush()?;
        Ok(())
    }

    pub(super) fn add_if_absent(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError> {
        let mut added = Vec::new();
        let (watches, urls) = self.watch_trees();
        for n in new {
            // any variant of a watched URL (tracking parameters, scheme,
            // an alias) is watched already
            if self.find_watch_id(&n.url)?.is_some() {
                continue; // no id spent on a URL already watched
            }
            let watch = self.canonical_watch(self.next_watch_id()?, n);
            let inserted = (watches, urls)
                .transaction(|(w, u)| {
                    if u.get(watch.url.as_bytes())?.is_some() {
                        return Ok(false);
                    }
                    w.insert(&codec::watch_key(watch.id), encode(&watch))?;
                    for url in watch.known_urls() {
                        u.insert(url.as_bytes(), &codec::watch_key(watch.id))?;
                    }
                    Ok(true)
                })
                .map_err(tx_error)?;
            if inserted {
                added.push(watch);
            }
        }
        if !added.is_empty() {
            self.db().flush()?;
        }
        Ok(added)
    }
}
