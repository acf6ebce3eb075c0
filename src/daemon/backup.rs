//! Scheduled backups (`[backup]`): every `every`, the daemon writes the
//! whole store as a sealed export ([`crate::store::export`]: an end record
//! with counts and a checksum) through a zstd encoder (with its own frame
//! checksum) into `path`, streaming watch by watch and version by version
//! (never the whole store in memory), to a temp file renamed when complete;
//! then only the newest `keep` are kept. `copydesk import FILE.jsonl.zst`
//! restores one.

use crate::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Backup files are named `copydesk-backup-<UTC time>.jsonl.zst`, so their
/// names sort by age.
pub const PREFIX: &str = "copydesk-backup-";
/// See [`PREFIX`]: an export, compressed with zstd.
pub const SUFFIX: &str = ".jsonl.zst";
/// zstd level: fast, and texts compress well at it.
const LEVEL: i32 = 3;
/// After a failed backup, the next try comes at most this much later.
const RETRY: Duration = Duration::from_secs(600);

/// A backup that could not be made (logged; tried again later).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup file at `path` could not be written (`detail` says why).
    #[error("cannot write the backup {path}: {detail}")]
    Write {
        /// The file being written.
        path: String,
        /// The I/O or export error.
        detail: String,
    },
}

/// The backups in `dir`, oldest first.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX))
        })
        .collect();
    found.sort();
    found
}

/// The newest backup in `dir`.
pub fn newest(dir: &Path) -> Option<PathBuf> {
    list(dir).pop()
}

/// Write one backup of `store` into `dir` and remove all but the newest
/// `keep`; the new file's path and its line count.
pub fn write(store: &dyn Store, dir: &Path, keep: usize) -> Result<(PathBuf, usize), BackupError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let path = dir.join(format!("{PREFIX}{stamp}{SUFFIX}"));
    let tmp = dir.join(format!(".{PREFIX}{stamp}{SUFFIX}.partial"));
    let fail = |detail: String| BackupError::Write {
        path: path.display().to_string(),
        detail,
    };
    let written = (|| -> Result<usize, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let file = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
        let mut enc = zstd::stream::write::Encoder::new(file, LEVEL).map_err(|e| e.to_string())?;
        enc.include_checksum(true).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::new(enc);
        let lines =
            crate::store::export::export(store, None, &mut out).map_err(|e| format!("{e:#}"))?;
        let enc = out.into_inner().map_err(|e| e.into_error().to_string())?;
        let file = enc.finish().map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &path).map_err(|e| e.to_string())?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(lines)
    })();
    let lines = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(e));
        }
    };
    let all = list(dir);
    for old in all.iter().take(all.len().saturating_sub(keep.max(1))) {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!(path = %old.display(), error = %e, "cannot remove an old backup");
        }
    }
    Ok((path, lines))
}

/// The daemon's backup timer: one backup at a time, in a blocking task.
pub struct Schedule {
    dir: PathBuf,
    every: Duration,
    keep: usize,
    next: tokio::time::Instant,
    running: Option<tokio::task::JoinHandle<Result<(PathBuf, usize), BackupError>>>,
}

impl Schedule {
    /// `None` when `[backup] every` is not set. The first backup is due
    /// `every` after the newest one found (at once when there is none).
    pub fn new(config: &crate::config::Config) -> Option<Schedule> {
        let every = config.backup.every?.0;
        let dir = config.backup_dir();
        let age = newest(&dir)
            .and_then(|p| std::fs::metadata(p).ok())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok());
        let wait = age.map_or(Duration::ZERO, |a| every.saturating_sub(a));
        Some(Schedule {
            dir,
            every,
            keep: config.backup_keep(),
            next: tokio::time::Instant::now() + wait,
            running: None,
        })
    }

    /// Start a backup when one is due, and collect one that finished; call
    /// at every turn of the daemon's loop (only when the store can be
    /// written: a backup reads, but a full disk has no room for it either).
    pub async fn turn(&mut self, store: &Arc<dyn Store>) {
        if let Some(h) = &self.running {
            if !h.is_finished() {
                return;
            }
            if let Some(h) = self.running.take() {
                match h.await {
                    Ok(Ok((path, lines))) => {
                        tracing::info!(path = %path.display(), lines, "backup written")
                    }
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "backup failed");
                        self.next = tokio::time::Instant::now() + self.every.min(RETRY);
                    }
                    Err(e) => tracing::error!(error = %e, "backup task failed"),
                }
            }
        }
        if tokio::time::Instant::now() < self.next {
            return;
        }
        self.next = tokio::time::Instant::now() + self.every;
        let (store, dir, keep) = (store.clone(), self.dir.clone(), self.keep);
        self.running = Some(tokio::task::spawn_blocking(move || {
            write(store.as_ref(), &dir, keep)
        }));
    }

    /// Wait for a backup in progress (at shutdown: its temp file is not
    /// left behind half-written).
    pub async fn finish(&mut self) {
        if let Some(h) = self.running.take() {
            let _ = h.await;
        }
    }
}
