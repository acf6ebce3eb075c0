//! The republication index in sled: fingerprints, LSH band and paragraph
//! postings, and matched pairs.
//!
//! | tree        | key                                   | value                   |
//! |-------------|---------------------------------------|-------------------------|
//! | `fp_docs`   | watch id (u64 BE)                     | [`FingerprintRecord`] JSON |
//! | `fp_bands`  | band key (u64 BE) ++ watch id         | empty                   |
//! | `fp_paras`  | paragraph hash ++ outlet key ++ id    | empty                   |
//! | `matches`   | smaller id ++ larger id               | [`MatchPair`] JSON      |
//!
//! A new fingerprint of an article replaces its old postings in the same
//! transaction, together with its pairs and their events.

use super::codec::{self, be_u64, decode, encode};
use super::sled_store::put_events;
use super::*;
use crate::core::matching::cluster::MatchPair;
use sled::transaction::{ConflictableTransactionError, Transactional};

pub(super) fn band_key(band: u64, id: WatchId) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&band.to_be_bytes());
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

pub(super) fn para_key(para: u64, outlet: u64, id: WatchId) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..8].copy_from_slice(&para.to_be_bytes());
    k[8..16].copy_from_slice(&outlet.to_be_bytes());
    k[16..].copy_from_slice(&id.to_be_bytes());
    k
}

pub(super) fn pair_key(a: WatchId, b: WatchId) -> [u8; 16] {
    let (lo, hi) = (a.min(b), a.max(b));
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&lo.to_be_bytes());
    k[8..].copy_from_slice(&hi.to_be_bytes());
    k
}

/// The sled trees of the index.
pub(super) struct MatchTrees {
    pub docs: sled::Tree,
    pub bands: sled::Tree,
    pub paras: sled::Tree,
    pub pairs: sled::Tree,
}

impl MatchTrees {
    pub fn open(db: &sled::Db) -> Result<MatchTrees, StoreError> {
        Ok(MatchTrees {
            docs: db.open_tree("fp_docs")?,
            bands: db.open_tree("fp_bands")?,
            paras: db.open_tree("fp_paras")?,
            pairs: db.open_tree("matches")?,
        })
    }

    pub fn fingerprint(&self, id: WatchId) -> Result<Option<FingerprintRecord>, StoreError> {
        self.docs
            .get(codec::watch_key(id))?
            .map(|v| decode("fp_docs", &v))
            .transpose()
    }

    pub fn band_postings(&self, band: u64) -> Result<Vec<WatchId>, StoreError> {
        self.bands
            .scan_prefix(band.to_be_bytes())
            .keys()
            .map(|k| be_u64("fp_bands", &k?[8..]))
            .collect()
    }

    pub fn paragraph_postings(
        &self,
        para: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WatchId)>, StoreError> {
        self.paras
            .scan_prefix(para.to_be_bytes())
            .keys()
            .take(limit)
            .map(|k| {
                let k = k?;
                Ok((
                    be_u64("fp_paras", &k[8..16])?,
                    be_u64("fp_paras", &k[16..])?,
                ))
            })
            .collect()
    }

    pub fn pair(&self, a: WatchId, b: WatchId) -> Result<Option<MatchPair>, StoreError> {
        self.pairs
            .get(pair_key(a, b))?
            .map(|v| decode("matches", &v))
            .transpose()
    }

    pub fn pairs(&self) -> Result<Vec<MatchPair>, StoreError> {
        self.pairs
            .iter()
            .values()
            .map(|v| decode("matches", &v?))
            .collect()
    }

    /// Replace the article's postings, write its pairs and events.
    pub fn commit(
        &self,
        events_tree: &sled::Tree,
        outbox: &sled::Tree,
        seqs: &[u64],
        commit: &FingerprintCommit,
    ) -> Result<(), StoreError> {
        let rec = &commit.record;
        let outlet = crate::core::matching::memindex::outlet_key(&rec.outlet);
        let created_at = commit.at;
        (
            &self.docs,
            &self.bands,
            &self.paras,
            &self.pairs,
            events_tree,
            outbox,
        )
            .transaction(|(td, tb, tp, tm, te, to)| {
                let key = codec::watch_key(rec.id);
                if let Some(old) = td.get(key)? {
                    let old: FingerprintRecord = match decode("fp_docs", &old) {
                        Ok(o) => o,
                        Err(e) => return Err(ConflictableTransactionError::Abort(e)),
                    };
                    let old_outlet = crate::core::matching::memindex::outlet_key(&old.outlet);
                    for b in &old.bands {
                        tb.remove(&band_key(*b, rec.id))?;
                    }
                    for p in &old.paragraphs {
                        tp.remove(&para_key(*p, old_outlet, rec.id))?;
                    }
                }
                for b in &rec.bands {
                    tb.insert(&band_key(*b, rec.id), &[])?;
                }
                for p in &rec.paragraphs {
                    tp.insert(&para_key(*p, outlet, rec.id), &[])?;
                }
                td.insert(&key, encode(rec))?;
                for p in &commit.pairs {
                    tm.insert(&pair_key(p.original_id, p.copy_id), encode(p))?;
                }
                put_events(te, to, &commit.events, seqs, created_at)?;
                Ok(())
            })
            .map_err(super::sled_store::tx_error)
    }

    /// Forget an article: its fingerprint, postings and pairs.
    pub fn remove(&self, id: WatchId) -> Result<(), StoreError> {
        if let Some(old) = self.fingerprint(id)? {
            let outlet = crate::core::matching::memindex::outlet_key(&old.outlet);
            for b in &old.bands {
                self.bands.remove(band_key(*b, id))?;
            }
            for p in &old.paragraphs {
                self.paras.remove(para_key(*p, outlet, id))?;
            }
            self.docs.remove(codec::watch_key(id))?;
        }
        for kv in self.pairs.iter() {
            let (k, _) = kv?;
            if k.len() == 16
                && (be_u64("matches", &k[..8])? == id || be_u64("matches", &k[8..])? == id)
            {
                self.pairs.remove(k)?;
            }
        }
        Ok(())
    }
}
