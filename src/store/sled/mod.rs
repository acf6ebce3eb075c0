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
//! | `checks`     | watch id ++ ms ++ unique     | [`CheckRecord`] JSON  |
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
mod sizes;
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

impl Store for SledStore {
    fn template_rules(&self, outlet: &str) -> Result<Vec<Rule>, StoreError> {
        self.template.rules(outlet)
    }

    fn templates(&self) -> Result<Vec<OutletTemplate>, StoreError> {
        self.template.outlets()
    }

    fn observe_lines(
        &self,
        outlet: &str,
        article: WatchId,
        first: bool,
        lines: &[(LineKey, &str)],
        at: DateTime<Utc>,
    ) -> Result<Vec<Rule>, StoreError> {
        self.template.observe(outlet, article, first, lines, at)
    }

    fn learn_rules(&self, outlet: &str, rules: &[Rule]) -> Result<(), StoreError> {
        self.template.learn(outlet, rules)
    }

    fn line_articles(&self, outlet: &str, key: LineKey) -> Result<Vec<WatchId>, StoreError> {
        self.template.seen(outlet, key)
    }

    fn set_rule_verdict(
        &self,
        outlet: &str,
        key: LineKey,
        verdict: Verdict,
    ) -> Result<Rule, StoreError> {
        self.template.set_verdict(outlet, key, verdict, Utc::now())
    }

    fn remove_rule(&self, outlet: &str, key: LineKey) -> Result<Rule, StoreError> {
        self.template.remove(outlet, key)
    }

    fn add_discovered_watches(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError> {
        self.add_if_absent(new, Utc::now())
    }

    fn add_discovered_watches_at(
        &self,
        new: Vec<NewWatch>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Watch>, StoreError> {
        self.add_if_absent(new, at)
    }

    fn feeds(&self) -> Result<Vec<FeedState>, StoreError> {
        self.feeds_all()
    }

    fn feed(&self, url: &str) -> Result<FeedState, StoreError> {
        self.feed_get(url)
    }

    fn upsert_feed(&self, new: NewFeed) -> Result<FeedState, StoreError> {
        self.feed_upsert(new)
    }

    fn remove_feed(&self, url: &str) -> Result<(), StoreError> {
        self.feed_remove(url)
    }

    fn commit_feed_poll(&self, feed: FeedState) -> Result<(), StoreError> {
        self.feed_put(&feed)
    }

    fn make_due(&self, id: WatchId) -> Result<Watch, StoreError> {
        // read-modify-write in one step: a check committing meanwhile is
        // not overwritten with an older record
        let mut bad = None;
        let stored = self.watches.update_and_fetch(codec::watch_key(id), |old| {
            let old = old?;
            match decode::<Watch>("watches", old) {
                Ok(mut w) => {
                    w.next_due = None;
                    Some(encode(&w))
                }
                Err(e) => {
                    bad = Some(e);
                    Some(old.to_vec())
                }
            }
        })?;
        if let Some(e) = bad {
            return Err(e);
        }
        let Some(v) = stored else {
            return Err(StoreError::NotFound(format!("watch {id}")));
        };
        self.db.flush()?;
        decode("watches", &v)
    }

    fn upsert_watch(&self, new: NewWatch) -> Result<Watch, StoreError> {
        let watch = match self.watch(&new.url) {
            Ok(mut w) => {
                if w.schedule != new.schedule {
                    // a new schedule takes effect at once
                    w.next_due = None;
                    w.retired = false;
                }
                w.label = new.label;
                w.schedule = new.schedule;
                w.source = new.source;
                w
            }
            Err(StoreError::NotFound(_)) => self.canonical_watch(self.next_watch_id()?, new),
            Err(e) => return Err(e),
        };
        self.watches
            .insert(codec::watch_key(watch.id), encode(&watch))?;
        self.index_watch(&watch)?;
        self.db.flush()?;
        Ok(watch)
    }

    fn collect_garbage(&self, dry_run: bool) -> Result<GcReport, StoreError> {
        self.gc_texts(dry_run)
    }

    fn gc_step(&self, cycle: &mut GcCycle, budget: usize) -> Result<GcStep, StoreError> {
        self.gc_texts_step(cycle, budget)
    }

    fn prune_events(&self, retention: EventRetention, budget: usize) -> Result<u64, StoreError> {
        self.events_prune(retention, budget)
    }

    fn remove_watch(&self, url: &str) -> Result<Watch, StoreError> {
        let id = self.watch_id(url)?;
        let watch = self.load_watch(id)?;
        self.unindex_watch(&watch)?;
        self.watches.remove(codec::watch_key(id))?;
        let hashes: Vec<ContentHash> = self.versions(id)?.iter().map(|v| v.hash).collect();
        for tree in [&self.versions, &self.checks] {
            for k in tree.scan_prefix(codec::watch_key(id)).keys() {
                tree.remove(k?)?;
            }
        }
        // after the versions are gone: a collection that verifies these
        // candidates must not find them
        self.add_gc_candidates(&hashes)?;
        self.matching.remove(id)?;
        self.db.flush()?;
        Ok(watch)
    }

    fn watch(&self, url: &str) -> Result<Watch, StoreError> {
        let id = self.watch_id(url)?;
        self.load_watch(id)
    }

    fn follow_canonical(&self, id: WatchId, canonical: &str) -> Result<Followed, StoreError> {
        self.follow(id, canonical)
    }

    fn add_watch_urls(
        &self,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError> {
        self.add_urls(id, urls, declared_canonical)
    }

    fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.watches
            .iter()
            .values()
            .map(|v| decode("watches", &v?))
            .collect()
    }

    fn commit_check(&self, commit: CheckCommit) -> Result<Option<VersionMeta>, StoreError> {
        self.commit_check_record(commit)
    }

    fn checks(&self, id: WatchId, limit: usize) -> Result<Vec<CheckRecord>, StoreError> {
        self.checks
            .scan_prefix(codec::watch_key(id))
            .values()
            .rev()
            .take(limit)
            .map(|v| check_codec::decode_check(&v?))
            .collect()
    }

    fn versions(&self, id: WatchId) -> Result<Vec<VersionMeta>, StoreError> {
        self.versions
            .scan_prefix(codec::watch_key(id))
            .values()
            .map(|v| decode("versions", &v?))
            .collect()
    }

    fn version(&self, id: WatchId, number: u32) -> Result<(VersionMeta, Article), StoreError> {
        let meta: VersionMeta = match self.versions.get(codec::version_key(id, number))? {
            Some(v) => decode("versions", &v)?,
            None => return Err(StoreError::NotFound(format!("version {number}"))),
        };
        let article = self.load_text(meta.hash).map_err(|e| match e {
            StoreError::Corrupt { tree, detail } => StoreError::Corrupt {
                tree,
                detail: format!("version {number}: {detail}"),
            },
            e => e,
        })?;
        Ok((meta, article))
    }

    fn version_with_hash(&self, id: WatchId, hash: ContentHash) -> Result<Option<u32>, StoreError> {
        for v in self.versions.scan_prefix(codec::watch_key(id)).values() {
            let m: VersionMeta = decode("versions", &v?)?;
            if m.hash == hash {
                return Ok(Some(m.number));
            }
        }
        Ok(None)
    }

    fn pending_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.outbox_pending(now)
    }

    fn delivery_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        self.outbox_succeeded(sink, seq)
    }

    fn delivery_failed(
        &self,
        sink: &str,
        seq: u64,
        error: &str,
        next_attempt: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.outbox_failed(sink, seq, error, next_attempt)
    }

    fn outbox(&self) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.outbox_all()
    }

    fn retry_deliveries(&self, event_id: &str) -> Result<usize, StoreError> {
        self.outbox_retry(event_id)
    }

    fn sink_state(&self, sink: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.sink_state.get(sink.as_bytes())?.map(|v| v.to_vec()))
    }

    fn set_sink_state(&self, sink: &str, state: &[u8]) -> Result<(), StoreError> {
        self.sink_state.insert(sink.as_bytes(), state)?;
        Ok(())
    }

    fn events(&self, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.events_latest(limit)
    }

    fn events_before(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.events_older(before, limit)
    }

    fn events_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.events_newer(after, limit)
    }

    fn watch_by_id(&self, id: WatchId) -> Result<Watch, StoreError> {
        match self.watches.get(codec::watch_key(id))? {
            Some(v) => decode("watches", &v),
            None => Err(StoreError::NotFound(format!("watch {id}"))),
        }
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    fn store_id(&self) -> String {
        self.store_id.clone()
    }

    fn fingerprint(&self, id: WatchId) -> Result<Option<FingerprintRecord>, StoreError> {
        self.matching.fingerprint(id)
    }

    fn band_postings(&self, band: u64) -> Result<Vec<WatchId>, StoreError> {
        Ok(self.matching.table()?.band_postings(band))
    }

    fn paragraph_postings(
        &self,
        para: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WatchId)>, StoreError> {
        Ok(self.matching.table()?.paragraph_postings(para, limit))
    }

    fn indexed_paragraphs(&self, id: WatchId) -> Result<Vec<u64>, StoreError> {
        Ok(self.matching.table()?.paragraphs_of(id))
    }

    fn commit_fingerprint(&self, commit: FingerprintCommit) -> Result<(), StoreError> {
        let seqs = commit
            .events
            .iter()
            .map(|_| self.db.generate_id())
            .collect::<Result<Vec<_>, _>>()?;
        self.matching
            .commit(&self.events, &self.outbox, &seqs, &commit)?;
        self.db.flush()?;
        Ok(())
    }

    fn match_pair(
        &self,
        a: WatchId,
        b: WatchId,
    ) -> Result<Option<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.matching.pair(a, b)
    }

    fn match_pairs(&self) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.matching.pairs()
    }

    fn match_pairs_of(
        &self,
        id: WatchId,
    ) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.matching.pairs_of(id)
    }

    /// The republication index in memory: articles, band postings,
    /// paragraph postings, and approximate heap bytes.
    fn load_match_index(&self) -> Result<(), StoreError> {
        self.matching.load().map(|_| ())
    }

    fn match_index_stats(&self) -> Option<MatchIndexStats> {
        let t = self.matching.table().ok()?;
        let (bands, paragraphs) = t.postings();
        Some(MatchIndexStats {
            articles: t.len(),
            band_postings: bands,
            paragraph_postings: paragraphs,
            heap_bytes: t.heap_bytes(),
        })
    }
}
