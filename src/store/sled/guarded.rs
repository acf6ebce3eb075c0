//! The store the commands and the daemon use: a [`SledStore`] behind a
//! guard that turns a panic inside the storage engine (a damaged file) into
//! [`StoreError::Damaged`], and an I/O failure into an error that names the
//! database's path ([`StoreError::Io`]), instead of a crash.

use super::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// A [`SledStore`] that fails clearly instead of crashing.
pub struct GuardedStore {
    path: PathBuf,
    cache_mb: u64,
    rules: crate::core::url::UrlRules,
    store_id: String,
    /// `None` only while the handle is being replaced.
    inner: RwLock<Option<Arc<SledStore>>>,
    /// See [`GuardedStore::record_calls_on`].
    recorded: std::sync::OnceLock<(std::thread::ThreadId, std::sync::Mutex<Vec<String>>)>,
}

/// Free space [`GuardedStore`]'s recovery wants before it writes again:
/// a couple of the engine's log segments.
pub const PROBE_BYTES: usize = 2 * 1024 * 1024;
/// How long a reopen waits for calls in progress.
const REOPEN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl GuardedStore {
    /// Open the database at `path` (see [`SledStore::open`]); a panic of the
    /// storage engine while opening is [`StoreError::Damaged`].
    pub fn open(path: &Path, cache_mb: u64) -> Result<GuardedStore, StoreError> {
        GuardedStore::open_with(path, cache_mb, crate::core::url::UrlRules::default())
    }

    /// [`GuardedStore::open`] with URLs canonicalized by `rules`.
    pub fn open_with(
        path: &Path,
        cache_mb: u64,
        rules: crate::core::url::UrlRules,
    ) -> Result<GuardedStore, StoreError> {
        let store = open_guarded(path, cache_mb, &rules)?;
        Ok(GuardedStore {
            path: path.to_path_buf(),
            cache_mb,
            rules,
            store_id: store.store_id(),
            inner: RwLock::new(Some(Arc::new(store))),
            recorded: std::sync::OnceLock::new(),
        })
    }

    /// A test's guard against blocking calls on the async threads: from
    /// now on every call made on thread `id` is recorded with its
    /// backtrace (see [`GuardedStore::calls_recorded`]). A test runs the
    /// daemon on a current-thread runtime and names that thread: a store
    /// call there is one that blocks the scheduler and the listener instead
    /// of running in the blocking pool ([`crate::store::blocking`]). Set once;
    /// costs one check per call otherwise.
    pub fn record_calls_on(&self, id: std::thread::ThreadId) {
        let _ = self.recorded.set((id, std::sync::Mutex::new(Vec::new())));
    }

    /// The backtraces of the calls recorded (see
    /// [`GuardedStore::record_calls_on`]).
    pub fn calls_recorded(&self) -> Vec<String> {
        self.recorded
            .get()
            .map(|(_, calls)| calls.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default()
    }

    /// The database directory this store opened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// [`SledStore::tree_sizes`] of the current handle.
    pub fn tree_sizes(&self) -> Result<Vec<super::TreeSize>, StoreError> {
        self.call(|s| s.tree_sizes())
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn current(&self) -> Option<Arc<SledStore>> {
        match self.inner.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Run `f` on the store; a panic becomes [`StoreError::Damaged`] and an
    /// I/O error names the path.
    fn call<T>(
        &self,
        f: impl FnOnce(&SledStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if let Some((id, calls)) = self.recorded.get() {
            if std::thread::current().id() == *id {
                let trace = std::backtrace::Backtrace::force_capture().to_string();
                calls.lock().unwrap_or_else(|p| p.into_inner()).push(trace);
            }
        }
        let Some(store) = self.current() else {
            return Err(StoreError::Io {
                path: self.shown(),
                disk_full: false,
                detail: "the database is being opened again".into(),
            });
        };
        match catch_unwind(AssertUnwindSafe(|| f(&store))) {
            Ok(r) => r.map_err(|e| self.with_path(e)),
            Err(payload) => Err(StoreError::Damaged {
                path: self.shown(),
                detail: panic_text(payload.as_ref()),
            }),
        }
    }

    /// Is there room to write? A probe file of [`PROBE_BYTES`] next to
    /// the database, written, synced and removed.
    fn probe_room(&self) -> Result<(), StoreError> {
        use std::io::Write;
        let mut name = self.path.clone().into_os_string();
        name.push(".space-probe");
        let probe = PathBuf::from(name);
        let written = std::fs::File::create(&probe).and_then(|mut f| {
            f.write_all(&vec![0u8; PROBE_BYTES])?;
            f.sync_all()
        });
        let _ = std::fs::remove_file(&probe);
        written.map_err(|e| StoreError::Io {
            path: self.shown(),
            disk_full: is_disk_full(&e),
            detail: e.to_string(),
        })
    }

    /// Close the engine's handle and open the database again (the engine
    /// refuses every write after one failed). Waits briefly for calls in
    /// progress to let go of the old handle; if they do not, the old
    /// handle stays.
    fn reopen(&self) -> Result<(), StoreError> {
        self.closed_while(|store| {
            // closing flushes what it can; a failure here is the failure
            // that got us here
            let _ = catch_unwind(AssertUnwindSafe(move || drop(store)));
            Ok(())
        })
        .map(|_| ())
    }

    /// Close the database, hand it to `f` (which closes it for good), and
    /// open it again, whatever `f` returned (`None`: no database was open,
    /// `f` did not run). Other calls wait meanwhile; calls already in
    /// progress get [`REOPEN_WAIT`] to end.
    fn closed_while<T>(
        &self,
        f: impl FnOnce(SledStore) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut slot = match self.inner.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut result = None;
        if let Some(mut old) = slot.take() {
            let deadline = std::time::Instant::now() + REOPEN_WAIT;
            let store = loop {
                match Arc::try_unwrap(old) {
                    Ok(s) => break s,
                    Err(still_shared) if std::time::Instant::now() < deadline => {
                        old = still_shared;
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    Err(still_shared) => {
                        *slot = Some(still_shared);
                        return Err(StoreError::Io {
                            path: self.shown(),
                            disk_full: false,
                            detail: "the database is busy; try again later".into(),
                        });
                    }
                }
            };
            result = Some(match catch_unwind(AssertUnwindSafe(move || f(store))) {
                Ok(r) => r.map_err(|e| self.with_path(e)),
                Err(payload) => Err(StoreError::Damaged {
                    path: self.shown(),
                    detail: panic_text(payload.as_ref()),
                }),
            });
        }
        let store = open_guarded(&self.path, self.cache_mb, &self.rules)?;
        *slot = Some(Arc::new(store));
        result.transpose()
    }

    /// Name the path in an engine error.
    fn with_path(&self, e: StoreError) -> StoreError {
        with_path(&self.shown(), e)
    }
}

/// An engine error with the database's path named.
pub fn with_path(path: &str, e: StoreError) -> StoreError {
    e.at_path(path)
}

/// Open with the engine's panics caught.
pub fn open_guarded(
    path: &Path,
    cache_mb: u64,
    rules: &crate::core::url::UrlRules,
) -> Result<SledStore, StoreError> {
    match catch_unwind(|| SledStore::open_with(path, cache_mb, rules.clone())) {
        Ok(r) => r.map_err(|e| with_path(&path.display().to_string(), e)),
        Err(payload) => Err(StoreError::Damaged {
            path: path.display().to_string(),
            detail: panic_text(payload.as_ref()),
        }),
    }
}

/// Every call goes to the current handle, guarded.
impl Store for GuardedStore {
    fn upsert_watch(&self, new: NewWatch) -> Result<Watch, StoreError> {
        self.call(|s| s.upsert_watch(new))
    }

    fn remove_watch(&self, url: &str) -> Result<Watch, StoreError> {
        self.call(|s| s.remove_watch(url))
    }

    fn watch(&self, url: &str) -> Result<Watch, StoreError> {
        self.call(|s| s.watch(url))
    }

    fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.call(|s| s.watches())
    }

    fn follow_canonical(&self, id: WatchId, canonical: &str) -> Result<Followed, StoreError> {
        self.call(|s| s.follow_canonical(id, canonical))
    }

    fn add_watch_urls(
        &self,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError> {
        self.call(|s| s.add_watch_urls(id, urls, declared_canonical))
    }

    fn commit_check(&self, commit: CheckCommit) -> Result<Option<VersionMeta>, StoreError> {
        self.call(|s| s.commit_check(commit))
    }

    fn checks(&self, id: WatchId, limit: usize) -> Result<Vec<CheckRecord>, StoreError> {
        self.call(|s| s.checks(id, limit))
    }

    fn versions(&self, id: WatchId) -> Result<Vec<VersionMeta>, StoreError> {
        self.call(|s| s.versions(id))
    }

    fn version(&self, id: WatchId, number: u32) -> Result<(VersionMeta, Article), StoreError> {
        self.call(|s| s.version(id, number))
    }

    fn version_with_hash(&self, id: WatchId, hash: ContentHash) -> Result<Option<u32>, StoreError> {
        self.call(|s| s.version_with_hash(id, hash))
    }

    fn pending_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.call(|s| s.pending_deliveries(now))
    }

    fn delivery_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        self.call(|s| s.delivery_succeeded(sink, seq))
    }

    fn delivery_failed(
        &self,
        sink: &str,
        seq: u64,
        error: &str,
        next_attempt: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.call(|s| s.delivery_failed(sink, seq, error, next_attempt))
    }

    fn outbox(&self) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.call(|s| s.outbox())
    }

    fn retry_deliveries(&self, event_id: &str) -> Result<usize, StoreError> {
        self.call(|s| s.retry_deliveries(event_id))
    }

    fn sink_state(&self, sink: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.call(|s| s.sink_state(sink))
    }

    fn set_sink_state(&self, sink: &str, state: &[u8]) -> Result<(), StoreError> {
        self.call(|s| s.set_sink_state(sink, state))
    }

    fn events(&self, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.call(|s| s.events(limit))
    }

    fn events_before(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.call(|s| s.events_before(before, limit))
    }

    fn events_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.call(|s| s.events_after(after, limit))
    }

    fn watch_by_id(&self, id: WatchId) -> Result<Watch, StoreError> {
        self.call(|s| s.watch_by_id(id))
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.call(|s| s.flush())
    }

    fn collect_garbage(&self, dry_run: bool) -> Result<GcReport, StoreError> {
        self.call(|s| s.collect_garbage(dry_run))
    }

    fn gc_step(&self, cycle: &mut GcCycle, budget: usize) -> Result<GcStep, StoreError> {
        self.call(|s| s.gc_step(cycle, budget))
    }

    fn sweep_sightings(
        &self,
        sweep: &mut SightingSweep,
        budget: usize,
    ) -> Result<bool, StoreError> {
        self.call(|s| s.sweep_sightings(sweep, budget))
    }

    fn prune_events(&self, retention: EventRetention, budget: usize) -> Result<u64, StoreError> {
        self.call(|s| s.prune_events(retention, budget))
    }

    fn store_id(&self) -> String {
        self.store_id.clone()
    }

    fn add_discovered_watches(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError> {
        self.call(|s| s.add_discovered_watches(new))
    }

    fn add_discovered_watches_at(
        &self,
        new: Vec<NewWatch>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Watch>, StoreError> {
        self.call(|s| s.add_discovered_watches_at(new, at))
    }

    fn feeds(&self) -> Result<Vec<FeedState>, StoreError> {
        self.call(|s| s.feeds())
    }

    fn feed(&self, url: &str) -> Result<FeedState, StoreError> {
        self.call(|s| s.feed(url))
    }

    fn upsert_feed(&self, new: NewFeed) -> Result<FeedState, StoreError> {
        self.call(|s| s.upsert_feed(new))
    }

    fn remove_feed(&self, url: &str) -> Result<(), StoreError> {
        self.call(|s| s.remove_feed(url))
    }

    fn commit_feed_poll(&self, feed: FeedState) -> Result<(), StoreError> {
        self.call(|s| s.commit_feed_poll(feed))
    }

    fn make_due(&self, id: WatchId) -> Result<Watch, StoreError> {
        self.call(|s| s.make_due(id))
    }

    fn template_rules(&self, outlet: &str) -> Result<Vec<Rule>, StoreError> {
        self.call(|s| s.template_rules(outlet))
    }

    fn templates(&self) -> Result<Vec<OutletTemplate>, StoreError> {
        self.call(|s| s.templates())
    }

    fn observe_lines(
        &self,
        outlet: &str,
        article: WatchId,
        first: bool,
        lines: &[(LineKey, &str)],
        at: DateTime<Utc>,
    ) -> Result<Vec<Rule>, StoreError> {
        self.call(|s| s.observe_lines(outlet, article, first, lines, at))
    }

    fn learn_rules(&self, outlet: &str, rules: &[Rule]) -> Result<(), StoreError> {
        self.call(|s| s.learn_rules(outlet, rules))
    }

    fn set_rule_verdict(
        &self,
        outlet: &str,
        key: LineKey,
        verdict: Verdict,
    ) -> Result<Rule, StoreError> {
        self.call(|s| s.set_rule_verdict(outlet, key, verdict))
    }

    fn remove_rule(&self, outlet: &str, key: LineKey) -> Result<Rule, StoreError> {
        self.call(|s| s.remove_rule(outlet, key))
    }

    fn line_articles(&self, outlet: &str, key: LineKey) -> Result<Vec<WatchId>, StoreError> {
        self.call(|s| s.line_articles(outlet, key))
    }

    fn template(&self, outlet: &str) -> Result<OutletTemplate, StoreError> {
        self.call(|s| s.template(outlet))
    }

    fn add_person_rule(&self, outlet: &str, line: &str) -> Result<Rule, StoreError> {
        self.call(|s| s.add_person_rule(outlet, line))
    }

    fn fingerprint(&self, id: WatchId) -> Result<Option<FingerprintRecord>, StoreError> {
        self.call(|s| s.fingerprint(id))
    }

    fn band_postings(&self, band: u64) -> Result<Vec<WatchId>, StoreError> {
        self.call(|s| s.band_postings(band))
    }

    fn paragraph_postings(
        &self,
        para: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WatchId)>, StoreError> {
        self.call(|s| s.paragraph_postings(para, limit))
    }

    fn indexed_paragraphs(&self, id: WatchId) -> Result<Vec<u64>, StoreError> {
        self.call(|s| s.indexed_paragraphs(id))
    }

    fn commit_fingerprint(&self, commit: FingerprintCommit) -> Result<(), StoreError> {
        self.call(|s| s.commit_fingerprint(commit))
    }

    fn match_pair(
        &self,
        a: WatchId,
        b: WatchId,
    ) -> Result<Option<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.call(|s| s.match_pair(a, b))
    }

    fn match_pairs(&self) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.call(|s| s.match_pairs())
    }

    fn match_pairs_of(
        &self,
        id: WatchId,
    ) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.call(|s| s.match_pairs_of(id))
    }

    fn match_cluster_of(
        &self,
        id: WatchId,
    ) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.call(|s| s.match_cluster_of(id))
    }

    fn load_match_index(&self) -> Result<(), StoreError> {
        self.call(|s| s.load_match_index())
    }

    fn compact_in_place(&self) -> Result<CompactReport, StoreError> {
        let path = self.path.clone();
        self.closed_while(move |store| super::compact_open(store, &path))?
            .ok_or_else(|| StoreError::Io {
                path: self.shown(),
                disk_full: false,
                detail: "the database was being opened again; try again".into(),
            })
    }

    fn recover(&self) -> Result<(), StoreError> {
        self.probe_room()?;
        self.reopen()?;
        // and the reopened store takes a write
        self.call(|s| s.flush())
    }

    fn match_index_stats(&self) -> Option<MatchIndexStats> {
        self.current().and_then(|s| {
            catch_unwind(AssertUnwindSafe(|| s.match_index_stats()))
                .ok()
                .flatten()
        })
    }
}
