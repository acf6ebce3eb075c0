//! Feed discovery's stored state: one record per `[[feed]]` in the sled
//! tree `feeds` (key: the feed URL's bytes, value: [`FeedState`] JSON), and
//! the "add only if not watched yet" insert of discovered watches.

use super::codec::{self, decode, encode};
use super::tx_error;
use super::{FeedState, NewFeed, NewWatch, SledStore, StoreError, Watch};
use chrono::{DateTime, Utc};
use sled::transaction::Transactional;

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
        let stored = match self.feed_get(&new.url) {
            Ok(f) => Some(f),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let feed = FeedState::upsert(stored, new);
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

    pub(super) fn add_if_absent(
        &self,
        new: Vec<NewWatch>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Watch>, StoreError> {
        let mut added = Vec::new();
        let (watches, urls) = self.watch_trees();
        for n in new {
            // any variant of a watched URL (tracking parameters, scheme,
            // an alias) is watched already
            if self.find_watch_id(&n.url)?.is_some() {
                continue; // no id spent on a URL already watched
            }
            let mut watch = self.canonical_watch(self.next_watch_id()?, n);
            watch.added_at = at;
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
