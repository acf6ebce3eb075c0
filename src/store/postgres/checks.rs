//! A check's commit in PostgreSQL: the check record, the new version (its
//! text stored once per content hash), the watch and the events with their
//! outbox entries, in one transaction; versions and their texts; and the
//! collection of texts no version refers to any more.
//!
//! A text is removed only by `DELETE ... WHERE NOT EXISTS (a version)`:
//! a version inserted concurrently holds a key-share lock on its text
//! (the foreign key), so the delete waits and then leaves the text. The
//! `gc_candidates` markers (as in sled) keep a cycle from even trying a
//! text stored again while it ran.

use super::*;
use crate::store::collect::Candidate;
use postgres::GenericClient;

/// zstd level for version texts, as sled's.
const ZSTD_LEVEL: i32 = 3;

/// The earliest version of watch `id` with text `hash`.
pub(super) fn first_with_hash(
    c: &mut impl GenericClient,
    id: WatchId,
    hash: ContentHash,
) -> Result<Option<u32>, StoreError> {
    let row = c.query_one(
        "SELECT min(number) FROM versions WHERE watch_id = $1 AND hash = $2",
        &[&db_id(id), &&hash.to_bytes()[..]],
    )?;
    Ok(row.get::<_, Option<i32>>(0).map(|n| n as u32))
}

/// Keep the newest [`CHECKS_KEPT_PER_WATCH`] check records of watch `id`.
pub(super) fn prune(c: &mut impl GenericClient, id: WatchId) -> Result<(), StoreError> {
    c.execute(
        "DELETE FROM checks WHERE watch_id = $1 AND (at, n) < ( \
           SELECT at, n FROM checks WHERE watch_id = $1 \
           ORDER BY at DESC, n DESC OFFSET $2 LIMIT 1)",
        &[&db_id(id), &(CHECKS_KEPT_PER_WATCH as i64 - 1)],
    )?;
    Ok(())
}

/// Queue events with their deliveries: each event takes the next number
/// of the one-row counter `event_seq`, whose row lock is held to commit,
/// so that numbers become visible in order (a reader paging forwards
/// never skips one).
pub(super) fn put_events(
    tx: &mut postgres::Transaction<'_>,
    events: &[(Event, Vec<String>)],
    created_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for (event, sinks) in events {
        let seq: i64 = tx
            .query_one("UPDATE event_seq SET last = last + 1 RETURNING last", &[])?
            .get(0);
        let stored = StoredEvent {
            seq: seq as u64,
            created_at,
            event: event.clone(),
        };
        tx.execute(
            "INSERT INTO events (seq, event_id, created_at, record) VALUES ($1, $2, $3, $4)",
            &[&seq, &event.id(), &created_at, &Json(&stored)],
        )?;
        for sink in sinks {
            let d = Delivery {
                sink: sink.clone(),
                seq: seq as u64,
                attempts: 0,
                last_error: None,
                next_attempt: created_at,
                dead: false,
            };
            events::put_delivery(tx, &d)?;
        }
    }
    Ok(())
}

impl PgStore {
    pub(super) fn check_commit(
        &self,
        commit: CheckCommit,
    ) -> Result<Option<VersionMeta>, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let meta = self.check_commit_in(&mut tx, commit)?;
        tx.commit()?;
        Ok(meta)
    }

    /// [`PgStore::check_commit`]'s writes, in the caller's transaction
    /// (an import writes many checks in one).
    pub(super) fn check_commit_in(
        &self,
        tx: &mut postgres::Transaction<'_>,
        commit: CheckCommit,
    ) -> Result<Option<VersionMeta>, StoreError> {
        let CheckCommit {
            watch,
            record,
            version,
            events,
        } = commit;
        let text = version.as_ref().map(|v| {
            let json = serde_json::to_vec(&v.article).unwrap_or_default();
            zstd::bulk::compress(&json, ZSTD_LEVEL).unwrap_or(json)
        });
        let Some(row) = tx.query_opt(
            "SELECT record FROM watches WHERE id = $1 FOR UPDATE",
            &[&db_id(watch.id)],
        )?
        else {
            return Err(StoreError::NotFound(format!(
                "watch {} was removed during the check",
                watch.url
            )));
        };
        let stored: Watch = rec(&row, 0, "watches")?;
        let meta = match &version {
            Some(v) => Some(VersionMeta {
                number: v.number,
                fetched_at: record.at,
                hash: v.hash,
                title: v.article.title.clone(),
                words: v.article.word_count(),
                final_url: v.final_url.clone(),
                same_as: first_with_hash(tx, watch.id, v.hash)?,
            }),
            None => None,
        };
        let mut watch = watch;
        let stale = watch.settle_against(stored, meta.as_ref().map(|m| m.number));
        tx.execute(
            "INSERT INTO checks (watch_id, at, record) VALUES ($1, $2, $3)",
            &[&db_id(watch.id), &record.at, &Json(&record)],
        )?;
        Self::put_watch(tx, &watch)?;
        // the check is done: another process may take the watch again
        tx.execute(
            "UPDATE watches SET lease_owner = NULL, lease_until = NULL \
             WHERE id = $1 AND lease_owner = $2",
            &[&db_id(watch.id), &self.me],
        )?;
        if stale {
            prune(tx, watch.id)?;
            return Ok(None);
        }
        if let (Some(m), Some(text)) = (&meta, &text) {
            let hash = m.hash.to_bytes();
            tx.execute(
                "INSERT INTO texts (hash, body) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING",
                &[&&hash[..], &text.as_slice()],
            )?;
            let written = tx.execute(
                "INSERT INTO versions (watch_id, number, hash, record) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (watch_id, number) DO NOTHING",
                &[&db_id(watch.id), &(m.number as i32), &&hash[..], &Json(m)],
            )?;
            if written == 0 {
                return Err(StoreError::Conflict {
                    url: watch.url.clone(),
                    number: m.number,
                });
            }
            // a collection under way must not take this text
            tx.execute("DELETE FROM gc_candidates WHERE hash = $1", &[&&hash[..]])?;
        }
        put_events(tx, &events, record.at)?;
        prune(tx, watch.id)?;
        Ok(meta)
    }

    pub(super) fn version_text(
        &self,
        id: WatchId,
        number: u32,
    ) -> Result<(VersionMeta, Article), StoreError> {
        let row = self.conn()?.query_opt(
            "SELECT v.record, t.body FROM versions v LEFT JOIN texts t ON t.hash = v.hash \
             WHERE v.watch_id = $1 AND v.number = $2",
            &[&db_id(id), &(number as i32)],
        )?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(format!("version {number}")));
        };
        let meta: VersionMeta = rec(&row, 0, "versions")?;
        let Some(body) = row.get::<_, Option<Vec<u8>>>(1) else {
            return Err(StoreError::Corrupt {
                tree: "texts",
                detail: format!("text {} of version {number} is missing", meta.hash),
            });
        };
        // Cap decompression at 64 MiB: version texts are far smaller.
        let json = zstd::bulk::decompress(&body, 64 << 20).map_err(|e| StoreError::Corrupt {
            tree: "texts",
            detail: format!("zstd: {e}"),
        })?;
        let article = serde_json::from_slice(&json).map_err(|e| StoreError::Corrupt {
            tree: "texts",
            detail: e.to_string(),
        })?;
        Ok((meta, article))
    }

    /// `copydesk gc`: every text no version refers to (counted, or removed).
    pub(super) fn gc_all(&self, dry_run: bool) -> Result<GcReport, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let versions: i64 = tx.query_one("SELECT count(*) FROM versions", &[])?.get(0);
        let texts: i64 = tx.query_one("SELECT count(*) FROM texts", &[])?.get(0);
        let orphans =
            "FROM texts t WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.hash = t.hash)";
        let row = tx.query_one(
            &format!("SELECT count(*), coalesce(sum(16 + length(t.body)), 0)::bigint {orphans}"),
            &[],
        )?;
        let (orphaned, bytes): (i64, i64) = (row.get(0), row.get(1));
        if !dry_run {
            tx.execute(&format!("DELETE {orphans}"), &[])?;
            tx.execute("DELETE FROM gc_candidates", &[])?;
        }
        tx.commit()?;
        Ok(GcReport {
            versions: versions as u64,
            texts: texts as u64,
            orphaned_texts: orphaned as u64,
            orphaned_bytes: bytes as u64,
            removed: !dry_run,
            stale_sightings: 0,
        })
    }

    /// One bounded step of the incremental collection, as sled's: load the
    /// candidates, read the versions `budget` at a time, then settle
    /// `budget` candidates at a time.
    pub(super) fn gc_cycle_step(
        &self,
        cycle: &mut GcCycle,
        budget: usize,
    ) -> Result<GcStep, StoreError> {
        let budget = budget.max(1);
        let mut c = self.conn()?;
        let Some(candidates) = cycle.candidates.as_mut() else {
            let rows = c.query(
                "SELECT hash, marker FROM gc_candidates ORDER BY hash LIMIT $1",
                &[&(crate::store::GC_CYCLE_CANDIDATES as i64)],
            )?;
            let read = rows.iter().filter_map(|row| {
                let hash: Vec<u8> = row.get(0);
                let hash = <[u8; 16]>::try_from(hash.as_slice()).ok()?;
                Some((hash, row.get::<_, i64>(1) as u64))
            });
            return Ok(cycle.load(read));
        };
        if !cycle.scanned {
            // the cursor: the last (watch id, number) read, 12 bytes
            let (after_id, after_n) = match cycle.cursor.as_slice() {
                [id @ .., n0, n1, n2, n3] if id.len() == 8 => (
                    i64::from_be_bytes(id.try_into().unwrap_or_default()),
                    i32::from_be_bytes([*n0, *n1, *n2, *n3]),
                ),
                _ => (i64::MIN, i32::MIN),
            };
            let rows = c.query(
                "SELECT watch_id, number, hash FROM versions WHERE (watch_id, number) > ($1, $2) \
                 ORDER BY watch_id, number LIMIT $3",
                &[&after_id, &after_n, &(budget as i64)],
            )?;
            for row in &rows {
                let hash: Vec<u8> = row.get(2);
                if let Some(c) = <[u8; 16]>::try_from(hash.as_slice())
                    .ok()
                    .and_then(|h| candidates.get_mut(&h))
                {
                    c.referenced = true;
                }
            }
            match rows.last() {
                Some(last) if rows.len() == budget => {
                    let mut k = last.get::<_, i64>(0).to_be_bytes().to_vec();
                    k.extend_from_slice(&last.get::<_, i32>(1).to_be_bytes());
                    cycle.cursor = k;
                }
                _ => cycle.scanned = true,
            }
            return Ok(GcStep::More);
        }
        let settle: Vec<([u8; 16], Candidate)> = candidates
            .iter()
            .take(budget)
            .map(|(h, c)| (*h, *c))
            .collect();
        for (hash, cand) in settle {
            candidates.remove(&hash);
            let mut tx = c.transaction()?;
            // a version came or went meanwhile when the marker changed
            let ours = tx.execute(
                "DELETE FROM gc_candidates WHERE hash = $1 AND marker = $2",
                &[&&hash[..], &(cand.marker as i64)],
            )? == 1;
            if ours && !cand.referenced {
                let removed = tx.query_opt(
                    "DELETE FROM texts t WHERE t.hash = $1 \
                     AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.hash = t.hash) \
                     RETURNING 16 + length(t.body)",
                    &[&&hash[..]],
                )?;
                if let Some(row) = removed {
                    cycle.report.removed += 1;
                    cycle.report.removed_bytes += row.get::<_, i32>(0) as u64;
                }
            }
            tx.commit()?;
        }
        if candidates.is_empty() {
            return Ok(GcStep::Done(cycle.report));
        }
        Ok(GcStep::More)
    }
}
