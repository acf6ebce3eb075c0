//! The republication index on PostgreSQL (issue 17): lookup latency and
//! insert rate with N articles in the database, disk per article and the
//! process's memory, on the corpus of `bench_match` (its sled figures).
//!
//! ```sh
//! cargo build --release --locked --example bench_pg_match
//! export COPYDESK_TEST_PG=postgres://postgres@127.0.0.1:55433/DB
//! target/release/examples/bench_pg_match 100000 [ROUNDS] [INSERTS]
//! target/release/examples/bench_pg_match drop 100000
//! ```
//!
//! The index is kept in the schema `copydesk_bench_match_N` of that
//! database, so a later run with the same N queries it again without
//! loading it (`drop N` removes it). Loading is a bulk path: the articles
//! are fingerprinted as `bench_match` does and their records and postings
//! written with `COPY`, 10,000 articles a transaction, the posting
//! indexes built after the first load (the rows and indexes are those of
//! the store's schema). Then INSERTS (default 2,000) more articles go
//! through the store's own path (`commit_fingerprint`, one transaction
//! each, as in the daemon): the insert rate; they are removed again
//! afterwards. Then ROUNDS (default 2) rounds of 2,000 lookups (what a
//! new version costs the index: boilerplate check plus band and
//! paragraph postings, `memindex::lookup` through the store), half of
//! them edited copies of indexed articles (which must be found), half
//! new articles. With `PER_KEY=1` in the environment the rounds are run
//! first asking one key per query (as before the batched reads).

#[path = "support/corpus.rs"]
mod corpus;

use copydesk::core::matching::memindex::{lookup, outlet_key, IndexView};
use copydesk::core::matching::{fingerprint, Thresholds};
use copydesk::store::{FingerprintCommit, FingerprintRecord, IndexOf, Store};
use corpus::{article, pct, rss_kb};
use std::io::Write;
use std::time::Instant;

/// Ids of the articles inserted through the store's path (removed after).
const INSERTED_FROM: u64 = 1 << 40;
/// Articles per `COPY` transaction of the bulk load.
const CHUNK: u64 = 10_000;

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn cluster() -> String {
    std::env::var("COPYDESK_TEST_PG")
        .expect("COPYDESK_TEST_PG=postgres://USER@HOST:PORT/DB names the database")
}

fn schema_url(schema: &str) -> String {
    let c = cluster();
    let sep = if c.contains('?') { '&' } else { '?' };
    format!("{c}{sep}options=-c%20search_path%3D{schema}")
}

fn record(id: u64, now: chrono::DateTime<chrono::Utc>, t: &Thresholds) -> FingerprintRecord {
    let (_, fp) = fingerprint(&article(id), t);
    FingerprintRecord {
        id,
        version: 1,
        url: format!("https://outlet{}.example/a/{id}", id % 500),
        outlet: format!("outlet{}.example", id % 500),
        title: format!("Article {id}"),
        first_seen: now,
        published: None,
        bands: fp.bands,
        paragraphs: fp.paragraphs,
    }
}

/// `COPY ... FROM STDIN` of the text `rows` (tab-separated, one a line).
fn copy_in(tx: &mut postgres::Transaction<'_>, sql: &str, rows: &[u8]) {
    let mut w = tx.copy_in(sql).expect(sql);
    w.write_all(rows).expect("copy rows");
    w.finish().expect(sql);
}

/// Load articles `first..=n` with `COPY`; the posting indexes are dropped
/// first and built after when the tables start empty.
fn bulk_load(db: &mut postgres::Client, first: u64, n: u64, t: &Thresholds) {
    let empty = first == 1;
    if empty {
        db.batch_execute(
            "ALTER TABLE band_postings DROP CONSTRAINT band_postings_pkey; \
             DROP INDEX band_postings_watch; \
             ALTER TABLE para_postings DROP CONSTRAINT para_postings_pkey; \
             DROP INDEX para_postings_watch",
        )
        .expect("drop the posting indexes");
    }
    let now = chrono::Utc::now();
    let started = Instant::now();
    let mut fp_secs = 0.0;
    let mut id = first;
    while id <= n {
        let end = (id + CHUNK - 1).min(n);
        let (mut docs, mut bands, mut paras) = (Vec::new(), Vec::new(), Vec::new());
        let t0 = Instant::now();
        for i in id..=end {
            let r = record(i, now, t);
            let json = serde_json::to_string(&r)
                .expect("json")
                .replace('\\', "\\\\");
            writeln!(docs, "{i}\t{json}").expect("write");
            let mut b: Vec<i64> = r.bands.iter().map(|&k| k as i64).collect();
            b.sort_unstable();
            b.dedup();
            for k in b {
                writeln!(bands, "{k}\t{i}").expect("write");
            }
            let outlet = outlet_key(&r.outlet) as i64;
            let mut p: Vec<i64> = r.paragraphs.iter().map(|&k| k as i64).collect();
            p.sort_unstable();
            p.dedup();
            for k in p {
                writeln!(paras, "{k}\t{i}\t{outlet}").expect("write");
            }
        }
        fp_secs += t0.elapsed().as_secs_f64();
        let mut tx = db.transaction().expect("transaction");
        copy_in(&mut tx, "COPY fp_docs (watch_id, record) FROM STDIN", &docs);
        copy_in(
            &mut tx,
            "COPY band_postings (band, watch_id) FROM STDIN",
            &bands,
        );
        copy_in(
            &mut tx,
            "COPY para_postings (para, watch_id, outlet) FROM STDIN",
            &paras,
        );
        tx.commit().expect("commit");
        if end % 100_000 == 0 || end == n {
            println!(
                "  {end} loaded, {:.0} articles/s so far",
                (end + 1 - first) as f64 / started.elapsed().as_secs_f64()
            );
        }
        id = end + 1;
    }
    let loaded = started.elapsed().as_secs_f64();
    let t0 = Instant::now();
    if empty {
        db.batch_execute(
            "SET maintenance_work_mem = '512MB'; \
             ALTER TABLE band_postings ADD PRIMARY KEY (band, watch_id); \
             CREATE INDEX band_postings_watch ON band_postings (watch_id); \
             ALTER TABLE para_postings ADD PRIMARY KEY (para, watch_id); \
             CREATE INDEX para_postings_watch ON para_postings (watch_id)",
        )
        .expect("build the posting indexes");
    }
    let indexed = t0.elapsed().as_secs_f64();
    db.batch_execute("VACUUM ANALYZE fp_docs, band_postings, para_postings")
        .expect("vacuum");
    println!(
        "bulk load: {} articles in {loaded:.1} s ({:.0}/s; {fp_secs:.1} s of it fingerprinting), \
         indexes built in {indexed:.1} s, vacuum analyze {:.1} s",
        n + 1 - first,
        (n + 1 - first) as f64 / loaded,
        t0.elapsed().as_secs_f64() - indexed
    );
}

fn size_of(db: &mut postgres::Client, schema: &str) -> i64 {
    db.query_one(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c \
         JOIN pg_namespace s ON s.oid = c.relnamespace \
         WHERE s.nspname = $1 AND c.relkind = 'r'",
        &[&schema],
    )
    .expect("size")
    .get(0)
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("drop") {
        let n = arg(2, 100_000);
        let mut db = postgres::Client::connect(&cluster(), postgres::NoTls).expect("connect");
        db.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS copydesk_bench_match_{n} CASCADE"
        ))
        .expect("drop");
        return;
    }
    let n = arg(1, 100_000);
    let rounds = arg(2, 2);
    let inserts = arg(3, 2_000);
    let t = Thresholds::default();
    let schema = format!("copydesk_bench_match_{n}");
    let mut db = postgres::Client::connect(&cluster(), postgres::NoTls).expect("connect");
    db.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .expect("schema");
    let rss0 = rss_kb();
    let storage = copydesk::config::StorageConfig {
        backend: copydesk::config::StorageBackend::Postgres,
        url: Some(schema_url(&schema)),
        ..Default::default()
    };
    let store = copydesk::store::open(&storage, Default::default()).expect("open the store");
    let mut db = postgres::Client::connect(&schema_url(&schema), postgres::NoTls).expect("connect");
    db.execute(
        "DELETE FROM fp_docs WHERE watch_id >= $1",
        &[&(INSERTED_FROM as i64)],
    )
    .expect("clean");
    let have: i64 = db
        .query_one("SELECT coalesce(max(watch_id), 0) FROM fp_docs", &[])
        .expect("count")
        .get(0);
    if (have as u64) < n {
        bulk_load(&mut db, have as u64 + 1, n, &t);
    } else {
        println!("reusing the {n} articles in schema {schema}");
    }
    let size = size_of(&mut db, &schema);
    println!(
        "size on the server: {:.1} MiB = {:.0} bytes/article (tables and indexes)",
        size as f64 / 1048576.0,
        size as f64 / n as f64
    );

    // inserts through the store's path, one transaction each
    let now = chrono::Utc::now();
    let mut fp_secs = 0.0;
    let started = Instant::now();
    for i in 0..inserts {
        let t0 = Instant::now();
        let mut r = record(n + 1 + i, now, &t);
        r.id = INSERTED_FROM + i;
        fp_secs += t0.elapsed().as_secs_f64();
        store
            .commit_fingerprint(FingerprintCommit {
                at: now,
                record: r,
                pairs: Vec::new(),
                events: Vec::new(),
                withdrawn: Vec::new(),
            })
            .expect("commit");
    }
    if inserts > 0 {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "insert (commit_fingerprint, one transaction each) at {n}: {inserts} in {secs:.1} s = {:.0} articles/s ({fp_secs:.1} s of it fingerprinting)",
            inserts as f64 / secs
        );
    }
    for sql in [
        "DELETE FROM fp_docs WHERE watch_id >= $1",
        "DELETE FROM band_postings WHERE watch_id >= $1",
        "DELETE FROM para_postings WHERE watch_id >= $1",
    ] {
        db.execute(sql, &[&(INSERTED_FROM as i64)]).expect(sql);
    }

    if std::env::var_os("PER_KEY").is_some() {
        lookups(&PerKey(&*store), "one query per key", n, rounds, &t);
    }
    lookups(&IndexOf(&*store), "batched", n, rounds, &t);
    println!(
        "resident memory of this process: {:.1} MiB ({:.1} MiB at start, before opening the store)",
        rss_kb() as f64 / 1024.0,
        rss0 as f64 / 1024.0
    );
}

/// The store asked one key at a time (the trait's defaults for the
/// `_many` reads): one query per band and per paragraph, as before the
/// batched reads, for comparison.
struct PerKey<'a>(&'a dyn Store);

impl IndexView for PerKey<'_> {
    type Error = copydesk::store::StoreError;
    fn band_postings(&self, band: u64) -> Result<Vec<u64>, Self::Error> {
        self.0.band_postings(band)
    }
    fn paragraph_postings(&self, para: u64, limit: usize) -> Result<Vec<(u64, u64)>, Self::Error> {
        self.0.paragraph_postings(para, limit)
    }
    fn paragraphs_of(&self, id: u64) -> Result<Vec<u64>, Self::Error> {
        self.0.indexed_paragraphs(id)
    }
}

/// Rounds of 2,000 lookups: edited copies of indexed articles (to be
/// found) and new articles, as `bench_match` does.
fn lookups<V: IndexView<Error = copydesk::store::StoreError>>(
    view: &V,
    what: &str,
    n: u64,
    rounds: u64,
    t: &Thresholds,
) {
    let q = 2_000u64;
    for round in 0..rounds {
        let (mut copies, mut fresh) = (Vec::new(), Vec::new());
        let mut found = 0;
        for i in round * q..(round + 1) * q {
            let target = 1 + (i * 7919) % n;
            let mut body = article(if i % 2 == 0 { target } else { n + 1 + i });
            body[3] = format!("{} and a few more words", body[3]);
            let (_, fp) = fingerprint(&body, t);
            let t0 = Instant::now();
            let (_, c) =
                lookup(view, u64::MAX, outlet_key("query.example"), &fp, t).expect("lookup");
            let us = t0.elapsed().as_secs_f64() * 1e6;
            if i % 2 == 0 {
                copies.push(us);
                found += usize::from(c.contains(&target));
            } else {
                fresh.push(us);
            }
        }
        let mut all: Vec<f64> = copies.iter().chain(&fresh).copied().collect();
        println!(
            "lookup ({what}) round {} over {n}: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs; copies p50/p99 {:.0}/{:.0} µs, new {:.0}/{:.0} µs; edited copies found {found}/{}",
            round + 1,
            pct(&mut all, 0.5),
            pct(&mut all, 0.99),
            pct(&mut all, 1.0),
            pct(&mut copies, 0.5),
            pct(&mut copies, 0.99),
            pct(&mut fresh, 0.5),
            pct(&mut fresh, 0.99),
            q / 2
        );
    }
}
