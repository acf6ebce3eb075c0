//! Garbage collection of version texts: `texts` is keyed by content hash
//! and shared by every version with that text, so removing a watch (or its
//! versions) leaves texts that no version refers to. [`SledStore::collect_garbage`]
//! finds them by one pass over `versions` and one over `texts`.

use super::SledStore;
use crate::core::normalize::ContentHash;
use crate::store::codec::decode;
use crate::store::{GcReport, StoreError, VersionMeta};
use std::collections::HashSet;

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
        let mut report = GcReport {
            versions,
            texts: 0,
            orphaned_texts: 0,
            orphaned_bytes: 0,
            removed: !dry_run,
        };
        for kv in self.texts.iter() {
            let (k, v) = kv?;
            report.texts += 1;
            if !referenced.contains(&k[..]) {
                report.orphaned_texts += 1;
                report.orphaned_bytes += (k.len() + v.len()) as u64;
                if !dry_run {
                    self.texts.remove(k)?;
                }
            }
        }
        if !dry_run {
            self.db.flush()?;
        }
        Ok(report)
    }
}
