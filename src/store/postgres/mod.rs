//! The PostgreSQL [`Store`]: several processes may share one database.
//!
//! Tables, one per kind of record, are made and upgraded by the versioned
//! migrations in `schema`; records are the shared Rust types as `json`,
//! with the columns that queries filter or order on beside them. Version
//! texts are stored once per content hash, zstd-compressed JSON as in sled.
//! The `Store` trait is synchronous and called from tokio's blocking pool,
//! so this backend uses the blocking `postgres` client with an `r2d2` pool.
//! What is left for later is listed in docs/postgres.md.

use super::*;
use crate::core::url::UrlRules;
use ::postgres; // the crate, for this module and its children (not this module)
use postgres::types::Json;
use postgres::Row;
use r2d2_postgres::{r2d2, PostgresConnectionManager};
use serde::de::DeserializeOwned;

mod checks;
mod connect;
mod error;
mod events;
mod import;
mod lease;
mod matching;
mod schema;
mod template;
mod watches;

pub use connect::{connect_options, ConnectOptions};
pub use schema::PG_SCHEMA_VERSION;

/// A pooled connection.
type Conn = r2d2::PooledConnection<PostgresConnectionManager<postgres::NoTls>>;

/// A store in a PostgreSQL database. Cheap to share behind an `Arc`.
pub struct PgStore {
    /// The server and database, without a password (in errors and logs).
    shown: String,
    store_id: String,
    /// `None` only while the store is dropped (see its `Drop`).
    pool: Option<r2d2::Pool<PostgresConnectionManager<postgres::NoTls>>>,
    rules: UrlRules,
    /// How long a lease and a heartbeat last (`[storage] lease`).
    lease: std::time::Duration,
    /// This process among those sharing the database
    /// ([`crate::store::instance_id`]): the owner of its leases.
    me: String,
}

impl PgStore {
    /// Connect to the database `options` name, make or upgrade its tables
    /// (refusing a schema newer than this build), and keep a pool of
    /// connections.
    pub fn open(options: ConnectOptions, rules: UrlRules) -> Result<PgStore, StoreError> {
        off_runtime(|| Self::connect_and_migrate(options, rules))
    }

    /// [`PgStore::open`]'s work, outside any async runtime's context.
    fn connect_and_migrate(
        options: ConnectOptions,
        rules: UrlRules,
    ) -> Result<PgStore, StoreError> {
        let shown = options.shown.clone();
        let lease = options.lease;
        let mut first = options
            .config
            .connect(postgres::NoTls)
            .map_err(|e| StoreError::Io {
                path: shown.clone(),
                disk_full: false,
                detail: format!("cannot connect: {}", error::describe(&e)),
            })?;
        let store_id = schema::migrate(&mut first, &shown)?;
        drop(first);
        let manager = PostgresConnectionManager::new(options.config, postgres::NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size)
            .min_idle(Some(0))
            .connection_timeout(std::time::Duration::from_secs(10))
            .build_unchecked(manager);
        tracing::debug!(database = %shown, pool_size = options.pool_size, "PostgreSQL store opened");
        Ok(PgStore {
            shown,
            store_id,
            pool: Some(pool),
            rules,
            lease,
            me: crate::store::instance_id().to_string(),
        })
    }

    /// A connection from the pool.
    fn conn(&self) -> Result<Conn, StoreError> {
        let pool = self.pool.as_ref().ok_or_else(|| StoreError::Io {
            path: self.shown.clone(),
            disk_full: false,
            detail: "the store is being closed".into(),
        })?;
        pool.get().map_err(|e| StoreError::Io {
            path: self.shown.clone(),
            disk_full: false,
            detail: format!("no connection: {e}"),
        })
    }

    /// The server and database (no password), as errors name it.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// Column `idx` of `row`, a JSON record of `tree`.
fn rec<T: DeserializeOwned>(row: &Row, idx: usize, tree: &'static str) -> Result<T, StoreError> {
    row.try_get::<_, Json<T>>(idx)
        .map(|j| j.0)
        .map_err(|e| StoreError::Corrupt {
            tree,
            detail: error::describe(&e),
        })
}

/// Every row's column 0 as a record of `tree`.
fn recs<T: DeserializeOwned>(rows: &[Row], tree: &'static str) -> Result<Vec<T>, StoreError> {
    rows.iter().map(|r| rec(r, 0, tree)).collect()
}

/// A watch id as PostgreSQL's `bigint` (ids are far below 2^63).
fn db_id(id: WatchId) -> i64 {
    id as i64
}

/// A 64-bit key (band, paragraph hash) as `bigint`, bit for bit.
fn key64(k: u64) -> i64 {
    k as i64
}

/// Closing a connection blocks on the client's own runtime, which panics
/// inside an async runtime's context (the CLI drops its store there): the
/// pool is dropped outside it.
impl Drop for PgStore {
    fn drop(&mut self) {
        let pool = self.pool.take();
        off_runtime(move || drop(pool));
    }
}

impl Store for PgStore {
    fn upsert_watch(&self, new: NewWatch) -> Result<Watch, StoreError> {
        off_runtime(|| self.watch_upsert(new))
    }
    fn remove_watch(&self, url: &str) -> Result<Watch, StoreError> {
        off_runtime(|| self.watch_remove(url))
    }
    fn collect_garbage(&self, dry_run: bool) -> Result<GcReport, StoreError> {
        off_runtime(|| self.gc_all(dry_run))
    }
    fn gc_step(&self, cycle: &mut GcCycle, budget: usize) -> Result<GcStep, StoreError> {
        off_runtime(|| self.gc_cycle_step(cycle, budget))
    }
    fn watch(&self, url: &str) -> Result<Watch, StoreError> {
        off_runtime(|| self.watch_by_url(url))
    }
    fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        off_runtime(|| {
            let rows = self
                .conn()?
                .query("SELECT record FROM watches ORDER BY id", &[])?;
            recs(&rows, "watches")
        })
    }
    fn watch_by_id(&self, id: WatchId) -> Result<Watch, StoreError> {
        off_runtime(|| self.load_watch(&mut *self.conn()?, id))
    }
    fn follow_canonical(&self, id: WatchId, canonical: &str) -> Result<Followed, StoreError> {
        off_runtime(|| self.follow(id, canonical))
    }
    fn add_watch_urls(
        &self,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError> {
        off_runtime(|| self.add_urls(id, urls, declared_canonical))
    }
    fn commit_check(&self, commit: CheckCommit) -> Result<Option<VersionMeta>, StoreError> {
        off_runtime(|| self.check_commit(commit))
    }
    fn checks(&self, id: WatchId, limit: usize) -> Result<Vec<CheckRecord>, StoreError> {
        off_runtime(|| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = self.conn()?.query(
                "SELECT record FROM checks WHERE watch_id = $1 ORDER BY at DESC, n DESC LIMIT $2",
                &[&db_id(id), &limit],
            )?;
            recs(&rows, "checks")
        })
    }
    fn versions(&self, id: WatchId) -> Result<Vec<VersionMeta>, StoreError> {
        off_runtime(|| {
            let rows = self.conn()?.query(
                "SELECT record FROM versions WHERE watch_id = $1 ORDER BY number",
                &[&db_id(id)],
            )?;
            recs(&rows, "versions")
        })
    }
    fn version(&self, id: WatchId, number: u32) -> Result<(VersionMeta, Article), StoreError> {
        off_runtime(|| self.version_text(id, number))
    }
    fn version_with_hash(&self, id: WatchId, hash: ContentHash) -> Result<Option<u32>, StoreError> {
        off_runtime(|| checks::first_with_hash(&mut *self.conn()?, id, hash))
    }
    fn pending_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        off_runtime(|| self.outbox_rows(false, now))
    }
    fn delivery_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        off_runtime(|| self.outbox_succeeded(sink, seq))
    }
    fn delivery_failed(
        &self,
        sink: &str,
        seq: u64,
        error: &str,
        next_attempt: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        off_runtime(|| self.outbox_failed(sink, seq, error, next_attempt))
    }
    fn outbox(&self) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        off_runtime(|| self.outbox_rows(true, None))
    }
    fn retry_deliveries(&self, event_id: &str) -> Result<usize, StoreError> {
        off_runtime(|| self.outbox_retry(event_id))
    }
    fn sink_state(&self, sink: &str) -> Result<Option<Vec<u8>>, StoreError> {
        off_runtime(|| {
            let row = self
                .conn()?
                .query_opt("SELECT state FROM sink_state WHERE sink = $1", &[&sink])?;
            Ok(row.map(|r| r.get(0)))
        })
    }
    fn set_sink_state(&self, sink: &str, state: &[u8]) -> Result<(), StoreError> {
        off_runtime(|| {
            self.conn()?.execute(
                "INSERT INTO sink_state (sink, state) VALUES ($1, $2) \
             ON CONFLICT (sink) DO UPDATE SET state = EXCLUDED.state",
                &[&sink, &state],
            )?;
            Ok(())
        })
    }
    fn events(&self, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        off_runtime(|| self.events_before(None, limit))
    }
    fn events_before(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        off_runtime(|| self.events_page(before, limit, true))
    }
    fn events_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        off_runtime(|| self.events_page(after, limit, false))
    }
    /// Every write is committed before it returns: nothing to flush.
    fn flush(&self) -> Result<(), StoreError> {
        off_runtime(|| Ok(()))
    }
    fn store_id(&self) -> String {
        off_runtime(|| self.store_id.clone())
    }
    fn add_discovered_watches(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError> {
        off_runtime(|| self.add_if_absent(new))
    }
    fn feeds(&self) -> Result<Vec<FeedState>, StoreError> {
        off_runtime(|| {
            let rows = self
                .conn()?
                .query("SELECT record FROM feeds ORDER BY url", &[])?;
            recs(&rows, "feeds")
        })
    }
    fn feed(&self, url: &str) -> Result<FeedState, StoreError> {
        off_runtime(|| self.feed_get(&mut *self.conn()?, url))
    }
    fn upsert_feed(&self, new: NewFeed) -> Result<FeedState, StoreError> {
        off_runtime(|| self.feed_upsert(new))
    }
    fn remove_feed(&self, url: &str) -> Result<(), StoreError> {
        off_runtime(|| {
            self.conn()?
                .execute("DELETE FROM feeds WHERE url = $1", &[&url])?;
            Ok(())
        })
    }
    fn commit_feed_poll(&self, feed: FeedState) -> Result<(), StoreError> {
        off_runtime(|| events::feed_put(&mut *self.conn()?, &feed))
    }
    fn make_due(&self, id: WatchId) -> Result<Watch, StoreError> {
        off_runtime(|| self.watch_make_due(id))
    }
    fn template_rules(&self, outlet: &str) -> Result<Vec<Rule>, StoreError> {
        off_runtime(|| template::rules(&mut *self.conn()?, outlet))
    }
    fn templates(&self) -> Result<Vec<OutletTemplate>, StoreError> {
        off_runtime(|| template::outlets(&mut *self.conn()?))
    }
    fn observe_lines(
        &self,
        outlet: &str,
        article: WatchId,
        first: bool,
        lines: &[(LineKey, &str)],
        at: DateTime<Utc>,
    ) -> Result<Vec<Rule>, StoreError> {
        off_runtime(|| template::observe(&mut *self.conn()?, outlet, article, first, lines, at))
    }
    fn line_articles(&self, outlet: &str, key: LineKey) -> Result<Vec<WatchId>, StoreError> {
        off_runtime(|| template::seen(&mut *self.conn()?, outlet, key))
    }
    fn sweep_sightings(
        &self,
        sweep: &mut SightingSweep,
        budget: usize,
    ) -> Result<bool, StoreError> {
        off_runtime(|| template::sweep(&mut *self.conn()?, sweep, budget))
    }
    fn learn_rules(&self, outlet: &str, rules: &[Rule]) -> Result<(), StoreError> {
        off_runtime(|| template::learn(&mut *self.conn()?, outlet, rules))
    }
    fn set_rule_verdict(
        &self,
        outlet: &str,
        key: LineKey,
        verdict: Verdict,
    ) -> Result<Rule, StoreError> {
        off_runtime(|| template::set_verdict(&mut *self.conn()?, outlet, key, verdict, Utc::now()))
    }
    fn remove_rule(&self, outlet: &str, key: LineKey) -> Result<Rule, StoreError> {
        off_runtime(|| template::remove(&mut *self.conn()?, outlet, key))
    }
    fn fingerprint(&self, id: WatchId) -> Result<Option<FingerprintRecord>, StoreError> {
        off_runtime(|| {
            let row = self.conn()?.query_opt(
                "SELECT record FROM fp_docs WHERE watch_id = $1",
                &[&db_id(id)],
            )?;
            row.map(|r| rec(&r, 0, "fp_docs")).transpose()
        })
    }
    fn band_postings(&self, band: u64) -> Result<Vec<WatchId>, StoreError> {
        off_runtime(|| {
            let rows = self.conn()?.query(
                "SELECT watch_id FROM band_postings WHERE band = $1 ORDER BY watch_id",
                &[&key64(band)],
            )?;
            Ok(rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect())
        })
    }
    fn paragraph_postings(
        &self,
        para: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WatchId)>, StoreError> {
        off_runtime(|| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = self.conn()?.query(
                "SELECT outlet, watch_id FROM para_postings WHERE para = $1 \
             ORDER BY watch_id LIMIT $2",
                &[&key64(para), &limit],
            )?;
            Ok(rows
                .iter()
                .map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64))
                .collect())
        })
    }
    fn indexed_paragraphs(&self, id: WatchId) -> Result<Vec<u64>, StoreError> {
        off_runtime(|| matching::indexed_paragraphs(&mut *self.conn()?, id))
    }
    fn band_postings_many(&self, bands: &[u64]) -> Result<Vec<WatchId>, StoreError> {
        off_runtime(|| matching::bands_postings(&mut *self.conn()?, bands))
    }
    fn paragraph_postings_many(
        &self,
        paras: &[u64],
        limit: usize,
    ) -> Result<Vec<Vec<(u64, WatchId)>>, StoreError> {
        off_runtime(|| matching::paragraphs_postings(&mut *self.conn()?, paras, limit))
    }
    fn commit_fingerprint(&self, commit: FingerprintCommit) -> Result<(), StoreError> {
        off_runtime(|| self.fingerprint_commit(commit))
    }
    fn import_watches(
        &self,
        batch: Vec<crate::store::ImportWatch>,
    ) -> Result<crate::store::ImportTally, StoreError> {
        off_runtime(|| self.import_batch(batch))
    }
    fn match_pair(
        &self,
        a: WatchId,
        b: WatchId,
    ) -> Result<Option<crate::core::matching::cluster::MatchPair>, StoreError> {
        off_runtime(|| {
            let row = self.conn()?.query_opt(
                "SELECT record FROM match_pairs WHERE lo = $1 AND hi = $2",
                &[&db_id(a.min(b)), &db_id(a.max(b))],
            )?;
            row.map(|r| rec(&r, 0, "match_pairs")).transpose()
        })
    }
    fn match_pairs(&self) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        off_runtime(|| {
            let rows = self
                .conn()?
                .query("SELECT record FROM match_pairs ORDER BY lo, hi", &[])?;
            recs(&rows, "match_pairs")
        })
    }
    fn match_pairs_of(
        &self,
        id: WatchId,
    ) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        off_runtime(|| {
            let rows = self.conn()?.query(
                "SELECT record FROM match_pairs WHERE lo = $1 OR hi = $1 ORDER BY lo, hi",
                &[&db_id(id)],
            )?;
            recs(&rows, "match_pairs")
        })
    }
    fn shared(&self) -> bool {
        true
    }
    fn claim_watch(
        &self,
        url: &str,
        still_due: &(dyn Fn(&Watch) -> bool + Sync),
    ) -> Result<Claim, StoreError> {
        off_runtime(|| self.claim(url, still_due))
    }
    fn lease_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        off_runtime(|| self.outbox_lease(now))
    }
    fn heartbeat(&self) -> Result<Instances, StoreError> {
        off_runtime(|| self.beat())
    }
    fn sign_off(&self) -> Result<(), StoreError> {
        off_runtime(|| self.leave())
    }
    fn compact_in_place(&self) -> Result<CompactReport, StoreError> {
        off_runtime(|| {
            Err(StoreError::Unsupported {
                operation: "be compacted (it is a PostgreSQL store)",
                instead:
                    "PostgreSQL reclaims space itself (autovacuum; VACUUM FULL for a full rewrite)",
            })
        })
    }
}

/// Run `f`, a call into the blocking PostgreSQL client, where that client
/// may block: on a worker thread of a multi-threaded tokio runtime (the
/// CLI's) through `block_in_place`, which leaves the runtime's context so
/// the client's own runtime can run; anywhere else (the blocking pool, a
/// plain thread) directly.
fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
