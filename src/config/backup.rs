//! `[backup]`: the daemon's scheduled backups (compressed, sealed exports;
//! written by `daemon::backup`).

use super::{Positive, Span};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Backups kept when `keep` is not given.
pub const DEFAULT_BACKUP_KEEP: u64 = 7;

/// `[backup]`: how often, how many and where (no backups without `every`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// How often the daemon writes a backup; no backups without it.
    pub every: Option<Span>,
    /// How many backups to keep (the oldest beyond are removed).
    pub keep: Option<Positive>,
    /// Directory of the backups; relative to the config file. Default: the
    /// database's path with `.backups` appended.
    pub path: Option<PathBuf>,
}

impl super::Config {
    /// Where backups go (whether or not they are scheduled: a damaged
    /// store's message points at the newest one found there).
    pub fn backup_dir(&self) -> PathBuf {
        match &self.backup.path {
            Some(p) if p.is_absolute() => p.clone(),
            Some(p) => self
                .source
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .join(p),
            None => {
                let mut name = self.storage_path().into_os_string();
                name.push(".backups");
                PathBuf::from(name)
            }
        }
    }

    /// How many backups to keep.
    pub fn backup_keep(&self) -> usize {
        self.backup
            .keep
            .map_or(DEFAULT_BACKUP_KEEP, |k| k.0)
            .try_into()
            .unwrap_or(usize::MAX)
    }
}
