//! Compaction: sled does not give back the space of deleted records, so
//! [`compact`] (offline) and [`compact_open`] (a store already open: the
//! daemon's, see [`crate::store::GuardedStore`]) copy every tree into a new
//! database beside the old one and swap the two directories. Crash-safe at every step: until
//! the swap the old database is untouched; an interrupted swap is undone by
//! [`recover_interrupted_compaction`], which [`SledStore::open`] runs first.

use super::SledStore;
use crate::store::StoreError;
use std::path::{Path, PathBuf};

/// The page cache of the copy, MiB: it is written once, in key order.
const COPY_CACHE_MB: u64 = 16;

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompactReport {
    /// The database directory's size before.
    pub bytes_before: u64,
    /// Its size after.
    pub bytes_after: u64,
    /// Trees copied.
    pub trees: usize,
    /// Records copied, in all trees.
    pub records: u64,
}

/// `<db>.compacting`: the new copy while it is written.
fn new_path(path: &Path) -> PathBuf {
    sibling(path, "compacting")
}

/// `<db>.before-compaction`: the old database during the swap.
fn old_path(path: &Path) -> PathBuf {
    sibling(path, "before-compaction")
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn io(path: &Path, what: &str, e: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        detail: format!("compaction: {what}: {e}"),
        disk_full: crate::store::is_disk_full(&e),
    }
}

/// Bytes of the files under `dir`.
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Undo a swap that a crash interrupted: the database directory is missing
/// while the old one waits under its temporary name. The old one comes back
/// (the copy may be incomplete); a leftover copy is removed.
pub fn recover_interrupted_compaction(path: &Path) -> Result<(), StoreError> {
    let old = old_path(path);
    if !path.exists() && old.exists() {
        tracing::warn!(path = %path.display(), "an interrupted compaction is undone: the database before it is restored");
        std::fs::rename(&old, path).map_err(|e| io(&old, "cannot restore", e))?;
    }
    let new = new_path(path);
    if path.exists() && new.exists() {
        std::fs::remove_dir_all(&new).map_err(|e| io(&new, "cannot remove", e))?;
    }
    Ok(())
}

/// Rewrite the database at `path` into a new one and swap them. Needs the
/// store to itself (a running daemon holds its lock: stop it first) and
/// free space for a second copy of the live records.
pub fn compact(
    path: &Path,
    cache_mb: u64,
    rules: crate::core::url::UrlRules,
) -> Result<CompactReport, StoreError> {
    // open through the store: the lock, the layout upgrade and the
    // recovery of an earlier interrupted compaction
    let store = SledStore::open_with(path, cache_mb, rules)?;
    compact_open(store, path)
}

/// Compact `store`, open at `path`, which it consumes: when this returns,
/// the database at `path` (compacted, or as it was on an error before the
/// swap) is closed and can be opened again.
pub fn compact_open(store: SledStore, path: &Path) -> Result<CompactReport, StoreError> {
    store.db.flush()?;
    let bytes_before = dir_bytes(path);
    let new = new_path(path);
    if new.exists() {
        std::fs::remove_dir_all(&new).map_err(|e| io(&new, "cannot remove", e))?;
    }
    // sled's own default cache is 1 GiB: the copy, written once and read
    // once to count it, would fill it with the whole store, and the
    // allocator keeps most of that resident after it is dropped
    let copy = sled::Config::new()
        .path(&new)
        .cache_capacity(COPY_CACHE_MB * 1024 * 1024)
        .open()?;
    copy.import(store.db.export());
    // the copy holds every record of every tree, or nothing is swapped
    let mut trees = 0;
    let mut records = 0u64;
    for name in store.db.tree_names() {
        let (a, b) = (store.db.open_tree(&name)?, copy.open_tree(&name)?);
        if a.len() != b.len() {
            return Err(StoreError::Io {
                path: new.display().to_string(),
                detail: format!(
                    "the compacted copy of tree {:?} has {} records, not {}: nothing was changed",
                    String::from_utf8_lossy(&name),
                    b.len(),
                    a.len()
                ),
                disk_full: false,
            });
        }
        trees += 1;
        records += a.len() as u64;
    }
    copy.flush()?;
    // the store id file beside sled's own files, for readers
    let id_file = path.join(super::STORE_ID_FILE);
    if id_file.exists() {
        std::fs::copy(&id_file, new.join(super::STORE_ID_FILE))
            .map_err(|e| io(&id_file, "cannot copy", e))?;
    }
    drop(copy);
    drop(store);
    let old = old_path(path);
    std::fs::rename(path, &old).map_err(|e| io(path, "cannot move", e))?;
    std::fs::rename(&new, path).map_err(|e| io(&new, "cannot move", e))?;
    std::fs::remove_dir_all(&old).map_err(|e| io(&old, "cannot remove", e))?;
    Ok(CompactReport {
        bytes_before,
        bytes_after: dir_bytes(path),
        trees,
        records,
    })
}
