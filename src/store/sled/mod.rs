//! The embedded [`Store`]: one sled database, one tree per kind of record.
//!
//! | tree         | key                          | value                 |
//! |--------------|------------------------------|-----------------------|
//! | `meta`       | `schema_version`             | u32 BE                |
//! | `meta`       | `store_id`                   | 32 hex digits         |
//! | `watches`    | watch id (u64 BE)            | [`Watch`] JSON        |
//! | `watch_urls` | URL bytes                    | watch id (u64 BE)     |
//! | `versions`   | watch id ++ number (u32 BE)  | [`VersionMeta`] JSON  |
//! | `texts`      | content hash (16 bytes)      | [`Article`]: zstd JSON, or a delta (`text_codec`) |
//! | `checks`     | watch id ++ ms ++ unique     | [`CheckRecord`] binary (`check_codec`) |
//! | `events`     | seq (u64 BE)                 | [`StoredEvent`] JSON  |
//! | `outbox`     | sink ++ 0 ++ seq             | [`Delivery`] JSON     |
//! | `sink_state` | sink name bytes              | the sink's own JSON   |
//! | `feeds`      | feed URL bytes               | [`FeedState`] JSON    |
//! | `gc_candidates` | content hash (16 bytes)   | marker (u64 BE)       |
//!
//! `watch_urls` holds every URL a watch is found under: its canonical URL,
//! the URL it was given as, its aliases (see `watch_urls`).
//!
//! The republication index's trees are described in `match_index`, the
//! learned outlet templates' in `template`.
//!
//! Identical texts are stored once (`texts` is keyed by content hash); a
//! version's text is a delta against its watch's previous one when that is
//! smaller (layout 6, see `texts`).

use self::codec::{be_u64, decode, encode};
use super::*;
use crate::core::url::UrlRules;
use ::sled; // the crate, for this module and its children (not this module)
use std::path::Path;

/// Key in `meta` of the next watch id (8 bytes, big-endian).
const NEXT_WATCH_ID: &[u8] = b"next_watch_id";

mod bin;
mod check_codec;
mod checks;
pub(super) use checks::put_events;
mod codec;
mod compact;
mod error;
pub(super) use error::tx_error;
mod feeds;
mod fp_codec;
mod gc;
mod guarded;
mod match_index;
mod outbox;
mod schema;
mod seen_codec;
mod sizes;
mod store_impl;
mod template;
mod text_codec;
mod texts;
mod watch_urls;

pub use compact::{compact, compact_open, dir_bytes, CompactReport};
pub use guarded::GuardedStore;
pub use schema::{read_store_id, STORE_ID_FILE};
pub use sizes::TreeSize;

/// A sled-backed store. Cheap to share behind an `Arc`.
pub struct SledStore {
    path: String,
    /// Random, made once (see [`read_store_id`]).
    store_id: String,
    db: sled::Db,
    meta: sled::Tree,
    watches: sled::Tree,
    watch_urls: sled::Tree,
    versions: sled::Tree,
    texts: sled::Tree,
    checks: sled::Tree,
    events: sled::Tree,
    outbox: sled::Tree,
    sink_state: sled::Tree,
    feeds: sled::Tree,
    /// Texts whose last version may be gone (content hash -> a marker
    /// that changes whenever the hash becomes a candidate again): the
    /// daemon's incremental collection verifies and removes them
    /// ([`gc`]).
    gc_candidates: sled::Tree,
    /// Which texts are deltas on which (see `texts`).
    text_bases: sled::Tree,
    matching: match_index::MatchTrees,
    template: template::TemplateTrees,
    /// How URLs are canonicalized (`[fetch] strip_params`).
    rules: UrlRules,
    /// Held while a watch's URLs change (a followed canonical URL, a
    /// merge, added aliases): two merges into one watch at once would
    /// each write the history they read.
    url_lock: std::sync::Mutex<()>,
}

impl SledStore {
    /// Open (or create) the database at `path` with a page cache of
    /// `cache_mb` MiB. Fails clearly when another process holds it or when
    /// its layout is newer than this build.
    pub fn open(path: &Path, cache_mb: u64) -> Result<SledStore, StoreError> {
        SledStore::open_with(path, cache_mb, UrlRules::default())
    }

    /// [`SledStore::open`] with URLs canonicalized by `rules` (the layout
    /// upgrade to canonical URLs uses them too).
    pub fn open_with(path: &Path, cache_mb: u64, rules: UrlRules) -> Result<SledStore, StoreError> {
        compact::recover_interrupted_compaction(path)?;
        let shown = path.display().to_string();
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(cache_mb.saturating_mul(1024 * 1024))
            .flush_every_ms(Some(500))
            .open()
            .map_err(|e| match &e {
                sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                    StoreError::Locked {
                        path: shown.clone(),
                    }
                }
                _ => e.into(),
            })?;
        let mut store = SledStore {
            path: shown,
            store_id: String::new(),
            meta: db.open_tree("meta")?,
            watches: db.open_tree("watches")?,
            watch_urls: db.open_tree("watch_urls")?,
            versions: db.open_tree("versions")?,
            texts: db.open_tree("texts")?,
            checks: db.open_tree("checks")?,
            events: db.open_tree("events")?,
            outbox: db.open_tree("outbox")?,
            sink_state: db.open_tree("sink_state")?,
            feeds: db.open_tree("feeds")?,
            gc_candidates: db.open_tree("gc_candidates")?,
            text_bases: db.open_tree("text_bases")?,
            matching: match_index::MatchTrees::open(&db)?,
            template: template::TemplateTrees::open(&db)?,
            db,
            rules,
            url_lock: std::sync::Mutex::new(()),
        };
        store.check_schema()?;
        store.store_id = store.ensure_store_id(path)?;
        Ok(store)
    }

    /// See `url_lock`.
    pub(super) fn lock_urls(&self) -> std::sync::MutexGuard<'_, ()> {
        self.url_lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn url_rules(&self) -> &UrlRules {
        &self.rules
    }

    pub(super) fn versions_tree(&self) -> &sled::Tree {
        &self.versions
    }

    pub(super) fn checks_tree(&self) -> &sled::Tree {
        &self.checks
    }

    pub(super) fn remove_from_matching(&self, id: WatchId) -> Result<(), StoreError> {
        self.matching.remove(id)
    }

    pub(super) fn load_watch_record(&self, id: WatchId) -> Result<Watch, StoreError> {
        self.load_watch(id)
    }

    pub(super) fn prune_checks_of(&self, id: WatchId) -> Result<(), StoreError> {
        self.prune_checks(id)
    }

    pub(super) fn feeds_tree(&self) -> &sled::Tree {
        &self.feeds
    }

    pub(super) fn db(&self) -> &sled::Db {
        &self.db
    }

    /// A new watch id: one more than the last one handed out (watch ids
    /// are 0, 1, 2, ... in the order watches are added; a removed watch's
    /// id is not reused). The counter lives in `meta`; a database from
    /// before it continues after its highest watch id.
    pub(super) fn next_watch_id(&self) -> Result<WatchId, StoreError> {
        let highest = || -> Result<u64, StoreError> {
            match self.watches.last()? {
                Some((k, _)) => Ok(be_u64("watches", &k)? + 1),
                None => Ok(0),
            }
        };
        let first = highest()?;
        let prev = self.meta.fetch_and_update(NEXT_WATCH_ID, |old| {
            let next = old
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .unwrap_or(first);
            Some((next + 1).to_be_bytes().to_vec())
        })?;
        Ok(prev
            .and_then(|b| <[u8; 8]>::try_from(&b[..]).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(first))
    }

    /// The `watches` and `watch_urls` trees.
    pub(super) fn watch_trees(&self) -> (&sled::Tree, &sled::Tree) {
        (&self.watches, &self.watch_urls)
    }

    fn watch_id(&self, url: &str) -> Result<WatchId, StoreError> {
        match self.find_watch_id(url)? {
            Some(id) => Ok(id),
            None => Err(StoreError::NotFound(format!(
                "no watch for {url} (see `copydesk watch list`)"
            ))),
        }
    }

    fn load_watch(&self, id: WatchId) -> Result<Watch, StoreError> {
        match self.watches.get(codec::watch_key(id))? {
            Some(v) => decode("watches", &v),
            None => Err(StoreError::NotFound(format!("watch #{id}"))),
        }
    }

    fn prune_checks(&self, id: WatchId) -> Result<(), StoreError> {
        let prefix = codec::watch_key(id);
        let n = self.checks.scan_prefix(prefix).count();
        if n > CHECKS_KEPT_PER_WATCH {
            let old: Vec<_> = self
                .checks
                .scan_prefix(prefix)
                .keys()
                .take(n - CHECKS_KEPT_PER_WATCH)
                .collect();
            for k in old {
                self.checks.remove(k?)?;
            }
        }
        Ok(())
    }
}
