//! Garbage collection of version texts: `texts` is keyed by content hash
//! and shared by every version with that text, so removing a watch (or its
//! versions) leaves texts that no version refers to.
//!
//! Two ways to collect them:
//! - the whole store at once (`copydesk gc`, the store held alone): one
//!   pass over `versions` and one over `texts` ([`SledStore::gc_texts`]);
//! - incrementally beside running checks (the daemon): removing a watch
//!   records the hashes of its versions in `gc_candidates`, each under a
//!   fresh marker; a cycle loads the candidates, reads every version in
//!   bounded steps, and settles each candidate in a transaction that
//!   removes the text only if no version referred to it and its marker is
//!   unchanged. A check that stores a version removes its hash from
//!   `gc_candidates` in the same transaction, and a merge does before it
//!   moves versions, so a version written while a cycle reads can never
//!   lose its text: the marker the cycle holds is gone.
//!
//! A text that other texts are deltas on (`text_bases`, see `texts`) is
//! kept while they are: the whole pass keeps the bases of every kept text,
//! and a cycle keeps a candidate with dependents, and makes a removed
//! delta's base a candidate again (so a removed watch's chain of k texts
//! goes over at most k cycles). A check writing a delta on a base removes
//! the base from the candidates in its transaction, as for its own text.

use super::codec::decode;
use super::SledStore;
use crate::core::normalize::ContentHash;
use crate::store::collect::Candidate;
use crate::store::{GcCycle, GcReport, GcStep, StoreError, VersionMeta, GC_CYCLE_CANDIDATES};
use sled::transaction::{ConflictableTransactionError, Transactional};
use std::collections::HashSet;

/// A text a collection removed: its stored bytes, and its base when it
/// was a delta.
type Removed = (u64, Option<[u8; 16]>);

impl SledStore {
    /// Remove the texts no version refers to (only count them with
    /// `dry_run`). The caller must hold the store alone while it runs (the
    /// CLI does: sled's lock keeps a daemon out), since a check committing
    /// between the two passes would have its new text taken for garbage.
    pub(super) fn gc_texts(&self, dry_run: bool) -> Result<GcReport, StoreError> {
        let mut referenced: HashSet<[u8; 16]> = HashSet::new();
        let mut versions = 0u64;
        for v in self.versions.iter().values() {
            let meta: VersionMeta = decode("versions", &v?)?;
            referenced.insert(ContentHash::to_bytes(meta.hash));
            versions += 1;
        }
        // the bases of kept texts are kept, down their chains
        let mut todo: Vec<[u8; 16]> = referenced.iter().copied().collect();
        while let Some(h) = todo.pop() {
            if let Some(bytes) = self.texts.get(h)? {
                if let Some(base) = SledStore::base_of(&bytes) {
                    if referenced.insert(base) {
                        todo.push(base);
                    }
                }
            }
        }
        let mut report = GcReport {
            versions,
            texts: 0,
            orphaned_texts: 0,
            orphaned_bytes: 0,
            removed: !dry_run,
            stale_sightings: 0,
        };
        for kv in self.texts.iter() {
            let (k, v) = kv?;
            report.texts += 1;
            if !referenced.contains(&k[..]) {
                report.orphaned_texts += 1;
                report.orphaned_bytes += (k.len() + v.len()) as u64;
                if !dry_run {
                    self.texts.remove(&k)?;
                    if let (Some(base), Ok(dependent)) =
                        (SledStore::base_of(&v), <[u8; 16]>::try_from(&k[..]))
                    {
                        self.text_bases
                            .remove(super::texts::base_key(&base, &dependent))?;
                    }
                }
            }
        }
        if !dry_run {
            // every candidate is settled by this pass
            self.gc_candidates.clear()?;
            self.db.flush()?;
        }
        Ok(report)
    }

    /// Record `hashes` (of versions just removed) as candidates, each
    /// under a fresh marker.
    pub(in crate::store) fn add_gc_candidates(
        &self,
        hashes: &[ContentHash],
    ) -> Result<(), StoreError> {
        for h in hashes {
            let marker = self.db.generate_id()?;
            self.gc_candidates
                .insert(h.to_bytes(), &marker.to_be_bytes())?;
        }
        Ok(())
    }

    /// Versions with `hashes` are about to be written outside a check's
    /// transaction (a merge): no cycle under way may take their texts.
    pub(in crate::store) fn keep_texts(&self, hashes: &[ContentHash]) -> Result<(), StoreError> {
        for h in hashes {
            self.gc_candidates.remove(h.to_bytes())?;
        }
        Ok(())
    }

    /// One step of the daemon's cycle (see the module doc).
    pub(super) fn gc_texts_step(
        &self,
        cycle: &mut GcCycle,
        budget: usize,
    ) -> Result<GcStep, StoreError> {
        let budget = budget.max(1);
        let Some(candidates) = cycle.candidates.as_mut() else {
            let mut read = Vec::new();
            for kv in self.gc_candidates.iter().take(GC_CYCLE_CANDIDATES) {
                let (k, v) = kv?;
                if let (Ok(hash), Ok(marker)) =
                    (<[u8; 16]>::try_from(&k[..]), <[u8; 8]>::try_from(&v[..]))
                {
                    read.push((hash, u64::from_be_bytes(marker)));
                }
            }
            return Ok(cycle.load(read));
        };
        if !cycle.scanned {
            let mut next = None;
            for (read, kv) in self.versions.range(cycle.cursor.clone()..).enumerate() {
                let (k, v) = kv?;
                if read == budget {
                    next = Some(k.to_vec());
                    break;
                }
                let meta: VersionMeta = decode("versions", &v)?;
                if let Some(c) = candidates.get_mut(&meta.hash.to_bytes()) {
                    c.referenced = true;
                }
            }
            match next {
                Some(k) => cycle.cursor = k,
                None => cycle.scanned = true,
            }
            return Ok(GcStep::More);
        }
        let settle: Vec<([u8; 16], Candidate)> = candidates
            .iter()
            .take(budget)
            .map(|(h, c)| (*h, *c))
            .collect();
        for (hash, c) in settle {
            candidates.remove(&hash);
            if let Some((bytes, base)) = self.settle(hash, c)? {
                cycle.report.removed += 1;
                cycle.report.removed_bytes += bytes;
                // its base may be garbage now: settled later in this cycle
                // if it is still to come, else in the next
                if let Some(base) = base.filter(|b| !candidates.contains_key(b)) {
                    self.add_gc_candidate_bytes(&base)?;
                }
            }
        }
        if candidates.is_empty() {
            self.db.flush()?;
            return Ok(GcStep::Done(cycle.report));
        }
        Ok(GcStep::More)
    }

    /// One more candidate, under a fresh marker.
    fn add_gc_candidate_bytes(&self, hash: &[u8; 16]) -> Result<(), StoreError> {
        let marker = self.db.generate_id()?;
        self.gc_candidates.insert(hash, &marker.to_be_bytes())?;
        Ok(())
    }

    /// Settle one candidate: when its marker is still the one the cycle
    /// loaded, drop the candidate and, if no version referred to it and no
    /// text is a delta on it, its text: the stored bytes removed and the
    /// text's base when it was a delta.
    fn settle(&self, hash: [u8; 16], c: Candidate) -> Result<Option<Removed>, StoreError> {
        let marker = c.marker.to_be_bytes();
        // a delta written on it from now on takes its marker (see `checks`)
        let referenced = c.referenced || self.has_dependents(&hash)?;
        (&self.gc_candidates, &self.texts, &self.text_bases)
            .transaction(
                |(tg, tt, tb)| -> Result<_, ConflictableTransactionError<StoreError>> {
                    if tg.get(hash)?.as_deref() != Some(&marker[..]) {
                        return Ok(None); // a version came or went meanwhile
                    }
                    tg.remove(&hash)?;
                    if referenced {
                        return Ok(None);
                    }
                    let Some(v) = tt.remove(&hash)? else {
                        return Ok(None);
                    };
                    let base = SledStore::base_of(&v);
                    if let Some(b) = &base {
                        tb.remove(&super::texts::base_key(b, &hash))?;
                    }
                    Ok(Some(((hash.len() + v.len()) as u64, base)))
                },
            )
            .map_err(super::tx_error)
    }
}
