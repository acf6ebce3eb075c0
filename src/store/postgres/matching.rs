//! The republication index in PostgreSQL: fingerprint records (`fp_docs`),
//! their postings as rows (`band_postings`, `para_postings`: every process
//! sees every commit, nothing is held in memory) and the matched pairs
//! (`match_pairs`, indexed both ways round). Option 1 of docs/postgres.md.
//! A lookup reads the postings of all its bands in one query and of all
//! its paragraphs in another (BENCHMARKS.md, issue 17: one query per key
//! was 50 round trips per lookup), each as one typed query: one round trip,
//! no named statement to prepare and close.

use super::*;
use crate::core::matching::memindex::outlet_key;
use postgres::types::Type;

/// Events looked at (newest first) to find a withdrawn pair's event, as
/// in sled.
const WITHDRAW_SCAN: i64 = 10_000;

/// Forget article `id` in the index: its record, postings and pairs.
pub(super) fn remove(tx: &mut postgres::Transaction<'_>, id: WatchId) -> Result<(), StoreError> {
    let id = db_id(id);
    tx.execute("DELETE FROM fp_docs WHERE watch_id = $1", &[&id])?;
    tx.execute("DELETE FROM band_postings WHERE watch_id = $1", &[&id])?;
    tx.execute("DELETE FROM para_postings WHERE watch_id = $1", &[&id])?;
    tx.execute("DELETE FROM match_pairs WHERE lo = $1 OR hi = $1", &[&id])?;
    Ok(())
}

/// The paragraph hashes article `id` is indexed with, from its postings
/// (a set: what the boilerplate test compares), one round trip.
pub(super) fn indexed_paragraphs(
    c: &mut impl postgres::GenericClient,
    id: WatchId,
) -> Result<Vec<u64>, StoreError> {
    let rows = c.query_typed(
        "SELECT para FROM para_postings WHERE watch_id = $1",
        &[(&db_id(id), Type::INT8)],
    )?;
    Ok(rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect())
}

/// The articles of every band of `bands`, one row per (band, article)
/// posting (a band given twice counts twice, as when asked one by one).
pub(super) fn bands_postings(
    c: &mut impl postgres::GenericClient,
    bands: &[u64],
) -> Result<Vec<WatchId>, StoreError> {
    let keys: Vec<i64> = bands.iter().map(|b| key64(*b)).collect();
    let rows = c.query_typed(
        "SELECT p.watch_id FROM unnest($1::bigint[]) b JOIN band_postings p ON p.band = b",
        &[(&keys, Type::INT8_ARRAY)],
    )?;
    Ok(rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect())
}

/// The `(outlet, article)` postings of each paragraph of `paras`, at most
/// `limit` each in article order, in the order of `paras`.
pub(super) fn paragraphs_postings(
    c: &mut impl postgres::GenericClient,
    paras: &[u64],
    limit: usize,
) -> Result<Vec<Vec<(u64, WatchId)>>, StoreError> {
    let keys: Vec<i64> = paras.iter().map(|p| key64(*p)).collect();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = c.query_typed(
        "SELECT u.i, x.outlet, x.watch_id FROM unnest($1::bigint[]) WITH ORDINALITY u(p, i) \
         CROSS JOIN LATERAL (SELECT outlet, watch_id FROM para_postings WHERE para = u.p \
           ORDER BY watch_id LIMIT $2) x ORDER BY u.i, x.watch_id",
        &[(&keys, Type::INT8_ARRAY), (&limit, Type::INT8)],
    )?;
    let mut out = vec![Vec::new(); paras.len()];
    for r in &rows {
        let i = r.get::<_, i64>(0) as usize;
        if let Some(list) = i.checked_sub(1).and_then(|i| out.get_mut(i)) {
            list.push((r.get::<_, i64>(1) as u64, r.get::<_, i64>(2) as u64));
        }
    }
    Ok(out)
}

impl PgStore {
    /// Replace the article's record and postings, write its pairs and
    /// events, remove withdrawn pairs (cancelling their pending
    /// deliveries), in one transaction.
    pub(super) fn fingerprint_commit(&self, commit: FingerprintCommit) -> Result<(), StoreError> {
        let rec = &commit.record;
        let id = db_id(rec.id);
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        tx.execute(
            "INSERT INTO fp_docs (watch_id, record) VALUES ($1, $2) \
             ON CONFLICT (watch_id) DO UPDATE SET record = EXCLUDED.record",
            &[&id, &Json(rec)],
        )?;
        tx.execute("DELETE FROM band_postings WHERE watch_id = $1", &[&id])?;
        tx.execute("DELETE FROM para_postings WHERE watch_id = $1", &[&id])?;
        let bands: Vec<i64> = rec.bands.iter().map(|b| key64(*b)).collect();
        tx.execute(
            "INSERT INTO band_postings (band, watch_id) \
             SELECT DISTINCT b, $2::bigint FROM unnest($1::bigint[]) b",
            &[&bands, &id],
        )?;
        let paras: Vec<i64> = rec.paragraphs.iter().map(|p| key64(*p)).collect();
        tx.execute(
            "INSERT INTO para_postings (para, watch_id, outlet) \
             SELECT DISTINCT p, $2::bigint, $3::bigint FROM unnest($1::bigint[]) p",
            &[&paras, &id, &key64(outlet_key(&rec.outlet))],
        )?;
        for p in &commit.pairs {
            let (a, b) = (p.original_id, p.copy_id);
            tx.execute(
                "INSERT INTO match_pairs (lo, hi, record) VALUES ($1, $2, $3) \
                 ON CONFLICT (lo, hi) DO UPDATE SET record = EXCLUDED.record",
                &[&db_id(a.min(b)), &db_id(a.max(b)), &Json(p)],
            )?;
        }
        checks::put_events(&mut tx, &commit.events, commit.at)?;
        for w in &commit.withdrawn {
            tx.execute(
                "DELETE FROM match_pairs WHERE lo = $1 AND hi = $2",
                &[&db_id(w.a.min(w.b)), &db_id(w.a.max(w.b))],
            )?;
            let Some(event_id) = &w.event_id else {
                continue;
            };
            let seq = tx.query_opt(
                "SELECT seq FROM (SELECT seq, event_id FROM events ORDER BY seq DESC LIMIT $2) r \
                 WHERE event_id = $1 ORDER BY seq DESC LIMIT 1",
                &[event_id, &WITHDRAW_SCAN],
            )?;
            let Some(seq) = seq.map(|r| r.get::<_, i64>(0)) else {
                continue;
            };
            let cancelled = tx.execute(
                "DELETE FROM outbox WHERE seq = $1 AND sink = ANY($2)",
                &[&seq, &w.sinks],
            )?;
            if cancelled as usize == w.sinks.len() {
                // delivered nowhere yet: as if never detected
                tx.execute("DELETE FROM events WHERE seq = $1", &[&seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
