//! The republication index in sled: fingerprint records and matched
//! pairs; the band and paragraph postings live in memory.
//!
//! | tree        | key                                   | value                   |
//! |-------------|---------------------------------------|-------------------------|
//! | `fp_docs`   | watch id (u64 BE)                     | [`FingerprintRecord`], binary (`fp_codec`) |
//! | `matches`   | smaller id ++ larger id               | [`MatchPair`] JSON      |
//! | `match_ids` | id ++ other id (both ways round)      | empty: the pairs of an article |
//!
//! The postings (which articles have a band key or a paragraph) are a
//! [`PostingTable`] built from `fp_docs` on first use (the daemon builds it
//! while starting) and changed after each committed record, so a lookup never reads the disk. A new
//! fingerprint replaces the article's record, pairs and events in one
//! transaction; the table is changed under the same lock, after the
//! transaction, so readers see either the old postings or the new.
//!
//! Schemas 1 and 2 kept the postings in sled too (`fp_bands`: a key per
//! band posting; `fp_band_buckets`: postings packed by bucket; `fp_paras`:
//! a key per paragraph posting). At a million articles that cost 30 KB of
//! disk per article and missed the 1 ms lookup target (BENCHMARKS.md);
//! [`MatchTrees::migrate`] drops those trees, since `fp_docs` holds
//! everything needed to rebuild the postings, and fills `match_ids`, which
//! they did not have. Layouts 1-4 wrote `fp_docs` records as JSON;
//! [`MatchTrees::rewrite_binary`] turns them into the binary form of
//! layout 5 (both forms are read).

use super::codec::{self, decode, encode};
use super::fp_codec::{decode_fp, encode_fp, is_json};
use super::put_events;
use super::*;
use crate::core::matching::cluster::MatchPair;
use crate::core::matching::memindex::outlet_key;
use crate::core::matching::postings::{IndexedDoc, PostingTable, TableBuilder};
use sled::transaction::Transactional;
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Events looked at (newest first) to find a withdrawn pair's event.
pub const WITHDRAW_SCAN: usize = 10_000;

/// Trees of earlier layouts that held postings.
const LEGACY_TREES: [&str; 3] = ["fp_bands", "fp_band_buckets", "fp_paras"];

pub(super) fn pair_key(a: WatchId, b: WatchId) -> [u8; 16] {
    let (lo, hi) = (a.min(b), a.max(b));
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&lo.to_be_bytes());
    k[8..].copy_from_slice(&hi.to_be_bytes());
    k
}

/// `id ++ other` in `match_ids`.
fn pair_ids_key(id: WatchId, other: WatchId) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&id.to_be_bytes());
    k[8..].copy_from_slice(&other.to_be_bytes());
    k
}

/// The two ids of a key of `tree` (`matches` or `match_ids`).
fn split_pair_key(tree: &'static str, k: &[u8]) -> Result<(WatchId, WatchId), StoreError> {
    if k.len() != 16 {
        return Err(StoreError::Corrupt {
            tree,
            detail: format!("a key of {} bytes", k.len()),
        });
    }
    Ok((codec::be_u64(tree, &k[..8])?, codec::be_u64(tree, &k[8..])?))
}

/// The sled trees of the index and its in-memory postings.
pub(super) struct MatchTrees {
    pub docs: sled::Tree,
    pub pairs: sled::Tree,
    /// Which articles each article is paired with, so that one article's
    /// pairs (a timeline page, a cluster, a removal) are found without
    /// reading every pair.
    pair_ids: sled::Tree,
    /// Built on first use (a CLI command that never looks for matches does
    /// not pay for it), or by [`MatchTrees::load`] when the daemon starts.
    table: OnceLock<RwLock<PostingTable>>,
}

impl MatchTrees {
    pub fn open(db: &sled::Db) -> Result<MatchTrees, StoreError> {
        Ok(MatchTrees {
            docs: db.open_tree("fp_docs")?,
            pairs: db.open_tree("matches")?,
            pair_ids: db.open_tree("match_ids")?,
            table: OnceLock::new(),
        })
    }

    /// The postings, built from every record if not yet built (a record
    /// that cannot be read is logged and left out: its article is indexed
    /// again at its next check).
    ///
    /// Two first users may both build; one table is kept. No record is
    /// committed before a table is kept (commits go through here), so the
    /// kept one is complete.
    pub fn load(&self) -> Result<&RwLock<PostingTable>, StoreError> {
        if let Some(t) = self.table.get() {
            return Ok(t);
        }
        let started = std::time::Instant::now();
        let mut builder = TableBuilder::default();
        for kv in self.docs.iter() {
            let (k, v) = kv?;
            match decode_fp(&v) {
                Ok(r) => builder.push(IndexedDoc {
                    id: r.id,
                    outlet: outlet_key(&r.outlet),
                    bands: &r.bands,
                    paragraphs: &r.paragraphs,
                }),
                Err(e) => {
                    tracing::warn!(key = ?k.as_ref(), error = %e, "fingerprint record left out of the index")
                }
            }
        }
        let table = builder.finish();
        tracing::debug!(
            articles = table.len(),
            ms = started.elapsed().as_millis() as u64,
            "republication postings loaded"
        );
        Ok(self.table.get_or_init(|| RwLock::new(table)))
    }

    /// The postings, for reading. (A panic elsewhere while the lock was
    /// held leaves the table as consistent as after any single edit.)
    pub fn table(&self) -> Result<RwLockReadGuard<'_, PostingTable>, StoreError> {
        Ok(self.load()?.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn table_mut(&self) -> Result<RwLockWriteGuard<'_, PostingTable>, StoreError> {
        Ok(self.load()?.write().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn fingerprint(&self, id: WatchId) -> Result<Option<FingerprintRecord>, StoreError> {
        self.docs
            .get(codec::watch_key(id))?
            .map(|v| decode_fp(&v))
            .transpose()
    }

    /// Upgrade from schema 1 or 2: fill `match_ids` from the pairs and drop
    /// the old posting trees; how many keys those held. Safe to repeat
    /// after a crash.
    pub fn migrate(&self, db: &sled::Db) -> Result<usize, StoreError> {
        for k in self.pairs.iter().keys() {
            let (a, b) = split_pair_key("matches", &k?)?;
            for (x, y) in [(a, b), (b, a)] {
                self.pair_ids.insert(pair_ids_key(x, y), &[])?;
            }
        }
        let mut dropped = 0;
        for name in LEGACY_TREES {
            if db
                .tree_names()
                .iter()
                .any(|n| n.as_ref() == name.as_bytes())
            {
                dropped += db.open_tree(name)?.len();
                db.drop_tree(name)?;
            }
        }
        db.flush()?;
        Ok(dropped)
    }

    /// Upgrade from schema 4 or older: rewrite the JSON records of
    /// `fp_docs` in the binary form; how many were rewritten. A record
    /// that cannot be read is left as it is (it is left out of the
    /// postings and replaced at its article's next check). Safe to repeat
    /// after a crash: a binary record is not touched again.
    pub fn rewrite_binary(&self) -> Result<usize, StoreError> {
        let rewritten = codec::rewrite_records(&self.docs, is_json, |v| {
            Ok(match decode_fp(v) {
                Ok(r) => Some(encode_fp(&r)),
                Err(e) => {
                    tracing::warn!(error = %e, "fingerprint record left in its old form");
                    None
                }
            })
        })?;
        Ok(rewritten as usize)
    }

    pub fn pair(&self, a: WatchId, b: WatchId) -> Result<Option<MatchPair>, StoreError> {
        self.pairs
            .get(pair_key(a, b))?
            .map(|v| decode("matches", &v))
            .transpose()
    }

    /// The pairs article `id` is in.
    pub fn pairs_of(&self, id: WatchId) -> Result<Vec<MatchPair>, StoreError> {
        let mut out = Vec::new();
        for k in self.pair_ids.scan_prefix(id.to_be_bytes()).keys() {
            let (_, other) = split_pair_key("match_ids", &k?)?;
            if let Some(p) = self.pair(id, other)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    pub fn pairs(&self) -> Result<Vec<MatchPair>, StoreError> {
        self.pairs
            .iter()
            .values()
            .map(|v| decode("matches", &v?))
            .collect()
    }

    /// The sequence number of a recent event (the newest
    /// [`WITHDRAW_SCAN`] events are looked at).
    fn recent_event_seq(events: &sled::Tree, id: &str) -> Result<Option<u64>, StoreError> {
        for kv in events.iter().rev().take(WITHDRAW_SCAN) {
            let (k, v) = kv?;
            if let Ok(e) = decode::<StoredEvent>("events", &v) {
                if e.event.id() == id {
                    return Ok(Some(codec::be_u64("events", &k)?));
                }
            }
        }
        Ok(None)
    }

    /// Replace the article's record, write its pairs and events, remove
    /// withdrawn pairs (cancelling their pending deliveries), then change
    /// the postings.
    pub fn commit(
        &self,
        events_tree: &sled::Tree,
        outbox: &sled::Tree,
        seqs: &[u64],
        commit: &FingerprintCommit,
    ) -> Result<(), StoreError> {
        let rec = &commit.record;
        let mut withdrawn_seqs = Vec::new();
        for w in &commit.withdrawn {
            let seq = match &w.event_id {
                Some(id) => Self::recent_event_seq(events_tree, id)?,
                None => None,
            };
            withdrawn_seqs.push(seq);
        }
        let mut table = self.table_mut()?;
        let old_bands = (&self.docs, &self.pairs, &self.pair_ids, events_tree, outbox)
            .transaction(|(td, tm, ti, te, to)| {
                let key = codec::watch_key(rec.id);
                // an unreadable old record was left out of the postings
                let old_bands = td
                    .insert(&key, encode_fp(rec))?
                    .and_then(|v| decode_fp(&v).ok())
                    .map(|old| old.bands)
                    .unwrap_or_default();
                for p in &commit.pairs {
                    let (a, b) = (p.original_id, p.copy_id);
                    tm.insert(&pair_key(a, b), encode(p))?;
                    ti.insert(&pair_ids_key(a, b), &[])?;
                    ti.insert(&pair_ids_key(b, a), &[])?;
                }
                put_events(te, to, &commit.events, seqs, commit.at)?;
                for (w, seq) in commit.withdrawn.iter().zip(&withdrawn_seqs) {
                    tm.remove(&pair_key(w.a, w.b))?;
                    ti.remove(&pair_ids_key(w.a, w.b))?;
                    ti.remove(&pair_ids_key(w.b, w.a))?;
                    let Some(seq) = seq else { continue };
                    let mut cancelled = 0;
                    for sink in &w.sinks {
                        cancelled +=
                            usize::from(to.remove(codec::outbox_key(sink, *seq))?.is_some());
                    }
                    if cancelled == w.sinks.len() {
                        // delivered nowhere yet: as if never detected
                        te.remove(&seq.to_be_bytes())?;
                    }
                }
                Ok(old_bands)
            })
            .map_err(super::tx_error)?;
        table.replace(
            &old_bands,
            IndexedDoc {
                id: rec.id,
                outlet: outlet_key(&rec.outlet),
                bands: &rec.bands,
                paragraphs: &rec.paragraphs,
            },
        );
        Ok(())
    }

    /// Forget an article: its record, postings and pairs.
    pub fn remove(&self, id: WatchId) -> Result<(), StoreError> {
        // Postings not built yet (a CLI `watch remove`) are not built for
        // this: they will be built from records that no longer hold it.
        let mut table = self
            .table
            .get()
            .map(|t| t.write().unwrap_or_else(|e| e.into_inner()));
        if let Some(old) = self.docs.remove(codec::watch_key(id))? {
            if let Some(table) = table.as_mut() {
                let bands = decode_fp(&old).map(|o| o.bands).unwrap_or_default();
                table.remove(id, &bands);
            }
        }
        drop(table);
        let others: Vec<WatchId> = self
            .pair_ids
            .scan_prefix(id.to_be_bytes())
            .keys()
            .map(|k| split_pair_key("match_ids", &k?).map(|(_, other)| other))
            .collect::<Result<_, _>>()?;
        for other in others {
            self.pairs.remove(pair_key(id, other))?;
            self.pair_ids.remove(pair_ids_key(id, other))?;
            self.pair_ids.remove(pair_ids_key(other, id))?;
        }
        Ok(())
    }
}
