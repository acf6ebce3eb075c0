//! The republication index in sled: fingerprints, LSH band and paragraph
//! postings, and matched pairs.
//!
//! | tree        | key                                   | value                   |
//! |-------------|---------------------------------------|-------------------------|
//! | `fp_docs`   | watch id (u64 BE)                     | [`FingerprintRecord`] JSON |
//! | `fp_band_buckets` | top [`BUCKET_BITS`] bits of a band key (u32 BE) | sorted `band key ++ watch id` pairs (16 bytes each, u64 BE) |
//! | `fp_paras`  | paragraph hash ++ outlet key ++ id    | empty                   |
//! | `matches`   | smaller id ++ larger id               | [`MatchPair`] JSON      |
//!
//! A new fingerprint of an article replaces its old postings in the same
//! transaction, together with its pairs and their events.
//!
//! Band postings are packed into buckets rather than one sled key each:
//! an article has 42 band keys, almost all of them unique, and sled's
//! per-key overhead made one key per posting cost ~10 KB per article and a
//! prefix scan per band. A bucket holds every posting whose band key shares
//! its top bits, so a band lookup is one `get` and a binary search, and at
//! a million articles the bucket tree is small enough to stay cached.
//! Schema 1 kept one key per posting in `fp_bands`; [`MatchTrees::migrate`]
//! moves such a store to buckets when it is opened.

use super::codec::{self, be_u64, decode, encode};
use super::sled_store::put_events;
use super::*;
use crate::core::matching::cluster::MatchPair;
use sled::transaction::{ConflictableTransactionError, Transactional};

/// Bits of a band key that choose its bucket: 2^20 buckets, so that a
/// million articles (42 million band postings) make ~40 postings (~640
/// bytes) per bucket, and 10,000 articles well under one.
pub const BUCKET_BITS: u32 = 20;

/// A band posting: band key and article.
type Posting = (u64, WatchId);

/// Bytes of one packed posting: band key and watch id, both u64 BE.
const POSTING_LEN: usize = 16;

fn bucket_key(band: u64) -> [u8; 4] {
    ((band >> (64 - BUCKET_BITS)) as u32).to_be_bytes()
}

/// The postings of one bucket, `(band, id)` in order.
fn decode_bucket(v: &[u8]) -> Result<Vec<Posting>, StoreError> {
    if v.len() % POSTING_LEN != 0 {
        return Err(StoreError::Corrupt {
            tree: "fp_band_buckets",
            detail: format!("a bucket of {} bytes", v.len()),
        });
    }
    v.chunks_exact(POSTING_LEN)
        .map(|c| {
            Ok((
                be_u64("fp_band_buckets", &c[..8])?,
                be_u64("fp_band_buckets", &c[8..])?,
            ))
        })
        .collect()
}

fn encode_bucket(postings: &[Posting]) -> Vec<u8> {
    let mut v = Vec::with_capacity(postings.len() * POSTING_LEN);
    for (band, id) in postings {
        v.extend_from_slice(&band.to_be_bytes());
        v.extend_from_slice(&id.to_be_bytes());
    }
    v
}

/// A bucket after removing `remove` and adding `add`; `None` when empty.
fn edit_bucket(
    old: Option<&[u8]>,
    remove: &[Posting],
    add: &[Posting],
) -> Result<Option<Vec<u8>>, StoreError> {
    let mut postings = match old {
        Some(v) => decode_bucket(v)?,
        None => Vec::new(),
    };
    postings.retain(|p| !remove.contains(p));
    postings.extend_from_slice(add);
    postings.sort_unstable();
    postings.dedup();
    Ok((!postings.is_empty()).then(|| encode_bucket(&postings)))
}

/// Band postings to remove and add, grouped by bucket.
type BucketEdits = std::collections::BTreeMap<[u8; 4], (Vec<Posting>, Vec<Posting>)>;

fn bucket_edits(id: WatchId, old: &[u64], new: &[u64]) -> BucketEdits {
    let mut edits = BucketEdits::new();
    for &b in old {
        edits.entry(bucket_key(b)).or_default().0.push((b, id));
    }
    for &b in new {
        edits.entry(bucket_key(b)).or_default().1.push((b, id));
    }
    edits
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
    pub buckets: sled::Tree,
    pub paras: sled::Tree,
    pub pairs: sled::Tree,
}

impl MatchTrees {
    pub fn open(db: &sled::Db) -> Result<MatchTrees, StoreError> {
        Ok(MatchTrees {
            docs: db.open_tree("fp_docs")?,
            buckets: db.open_tree("fp_band_buckets")?,
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
        let Some(v) = self.buckets.get(bucket_key(band))? else {
            return Ok(Vec::new());
        };
        let postings = decode_bucket(&v)?;
        let start = postings.partition_point(|p| p.0 < band);
        Ok(postings[start..]
            .iter()
            .take_while(|p| p.0 == band)
            .map(|p| p.1)
            .collect())
    }

    /// Move a schema-1 store's band postings (`fp_bands`: one key per
    /// posting) into buckets, then drop the old tree. Safe to repeat after
    /// a crash: the buckets are rebuilt from the old tree while it exists.
    pub fn migrate(db: &sled::Db, trees: &MatchTrees) -> Result<usize, StoreError> {
        const LEGACY: &str = "fp_bands";
        if !db
            .tree_names()
            .iter()
            .any(|n| n.as_ref() == LEGACY.as_bytes())
        {
            return Ok(0);
        }
        let legacy = db.open_tree(LEGACY)?;
        trees.buckets.clear()?;
        let mut moved = 0;
        let mut current: Option<([u8; 4], Vec<Posting>)> = None;
        for k in legacy.iter().keys() {
            let k = k?;
            if k.len() != 16 {
                return Err(StoreError::Corrupt {
                    tree: LEGACY,
                    detail: format!("a key of {} bytes", k.len()),
                });
            }
            let posting = (be_u64(LEGACY, &k[..8])?, be_u64(LEGACY, &k[8..])?);
            let bucket = bucket_key(posting.0);
            match &mut current {
                Some((b, list)) if *b == bucket => list.push(posting),
                _ => {
                    if let Some((b, list)) = current.take() {
                        trees.buckets.insert(b, encode_bucket(&list))?;
                    }
                    current = Some((bucket, vec![posting]));
                }
            }
            moved += 1;
        }
        if let Some((b, list)) = current {
            trees.buckets.insert(b, encode_bucket(&list))?;
        }
        trees.buckets.flush()?;
        db.drop_tree(LEGACY)?;
        db.flush()?;
        Ok(moved)
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
            &self.buckets,
            &self.paras,
            &self.pairs,
            events_tree,
            outbox,
        )
            .transaction(|(td, tb, tp, tm, te, to)| {
                let key = codec::watch_key(rec.id);
                let abort = ConflictableTransactionError::Abort;
                let mut old_bands: &[u64] = &[];
                let old = match td.get(key)? {
                    Some(v) => Some(decode::<FingerprintRecord>("fp_docs", &v).map_err(abort)?),
                    None => None,
                };
                if let Some(old) = &old {
                    let old_outlet = crate::core::matching::memindex::outlet_key(&old.outlet);
                    for p in &old.paragraphs {
                        tp.remove(&para_key(*p, old_outlet, rec.id))?;
                    }
                    old_bands = &old.bands;
                }
                for (bucket, (remove, add)) in bucket_edits(rec.id, old_bands, &rec.bands) {
                    let before = tb.get(bucket)?;
                    match edit_bucket(before.as_deref(), &remove, &add).map_err(abort)? {
                        Some(v) => tb.insert(&bucket, v)?,
                        None => tb.remove(&bucket)?,
                    };
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
            let edits = bucket_edits(id, &old.bands, &[]);
            self.buckets
                .transaction(|tb| {
                    for (bucket, (remove, _)) in &edits {
                        let before = tb.get(bucket)?;
                        match edit_bucket(before.as_deref(), remove, &[])
                            .map_err(ConflictableTransactionError::Abort)?
                        {
                            Some(v) => tb.insert(bucket, v)?,
                            None => tb.remove(bucket)?,
                        };
                    }
                    Ok(())
                })
                .map_err(super::sled_store::tx_error)?;
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
