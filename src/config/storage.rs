//! `[storage]`: which backend holds the store, where, and its upkeep (the
//! daemon's collection and compaction, the free-space warning).

use super::Span;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// Used when `[storage] path` is not set (relative to the config file).
pub const DEFAULT_STORAGE_PATH: &str = "copydesk.db";
/// sled page cache, MiB (sled's own default is 1 GiB).
pub const DEFAULT_CACHE_MB: u64 = 64;
/// How often the daemon collects the texts of removed watches when
/// `[storage] gc_every` is not set: often enough that space comes back the
/// same hour, rarely enough that the version scan costs nothing.
pub const DEFAULT_GC_EVERY: Duration = Duration::from_secs(600);

/// `[storage] backend`: which engine holds the store
/// ([`crate::store::open`] picks it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum StorageBackend {
    /// An embedded sled database in the directory `path`: nothing to
    /// install, one process at a time.
    #[default]
    Sled,
}

impl StorageBackend {
    /// Every accepted value of `[storage] backend`.
    pub const ACCEPTED: [&'static str; 1] = ["sled"];

    /// The value as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageBackend::Sled => "sled",
        }
    }
}

impl TryFrom<String> for StorageBackend {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "sled" => Ok(StorageBackend::Sled),
            _ => Err(format!(
                "unknown storage backend {s:?}: [storage] backend accepts {}",
                StorageBackend::ACCEPTED
                    .iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

/// `[storage]`: where and in which backend the store lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// The storage backend (`backend = "sled"`, the default and, so far,
    /// the only one).
    #[serde(default)]
    pub backend: StorageBackend,
    /// Database directory; relative paths are relative to the config file.
    #[serde(default = "default_storage_path")]
    pub path: PathBuf,
    /// sled's page cache in MiB (default [`DEFAULT_CACHE_MB`]).
    #[serde(default = "default_cache_mb")]
    pub cache_mb: u64,
    /// Warn (log, `/healthz`) while less than this many MiB are free on
    /// the store's file system; 0 turns the warning off.
    #[serde(default = "default_min_free_mb")]
    pub min_free_mb: u64,
    /// How often the daemon collects the texts of removed watches (default
    /// [`DEFAULT_GC_EVERY`]).
    #[serde(default)]
    pub gc_every: Option<Span>,
    /// How often the daemon compacts the store (checks paused meanwhile);
    /// never without it (`copydesk compact` does it on request).
    #[serde(default)]
    pub compact_every: Option<Span>,
}

impl StorageConfig {
    /// `gc_every`, or its default.
    pub fn gc_every(&self) -> std::time::Duration {
        self.gc_every.map_or(DEFAULT_GC_EVERY, |s| s.0)
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            backend: StorageBackend::default(),
            path: default_storage_path(),
            cache_mb: DEFAULT_CACHE_MB,
            min_free_mb: crate::core::space::DEFAULT_MIN_FREE_MB,
            gc_every: None,
            compact_every: None,
        }
    }
}

impl super::Config {
    /// `[storage]` with its path resolved against the config file's
    /// directory (see [`super::Config::storage_path`]): what
    /// [`crate::store::open`] takes.
    pub fn storage_resolved(&self) -> StorageConfig {
        StorageConfig {
            path: self.storage_path(),
            ..self.storage.clone()
        }
    }
}

fn default_storage_path() -> PathBuf {
    PathBuf::from(DEFAULT_STORAGE_PATH)
}
fn default_cache_mb() -> u64 {
    DEFAULT_CACHE_MB
}
fn default_min_free_mb() -> u64 {
    crate::core::space::DEFAULT_MIN_FREE_MB
}

#[cfg(test)]
mod tests {
    use super::super::{Config, ConfigError};
    use super::*;
    use std::path::Path;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/copydesk/test.toml"))
    }

    #[test]
    fn the_backend_is_sled_unless_said_otherwise() {
        assert_eq!(parse("").unwrap().storage.backend, StorageBackend::Sled);
        let c = parse("[storage]\nbackend = \"sled\"\n").unwrap();
        assert_eq!(c.storage.backend, StorageBackend::Sled);
        assert_eq!(c.storage.backend.as_str(), "sled");
    }

    #[test]
    fn an_unknown_backend_names_the_key_and_the_accepted_values() {
        match parse("[storage]\npath = \"db\"\nbackend = \"postgres\"\n") {
            Err(ConfigError::Invalid {
                line, key, message, ..
            }) => {
                assert_eq!(line, 3);
                assert_eq!(key.as_deref(), Some("storage.backend"));
                assert!(message.contains("\"postgres\""), "{message}");
                assert!(message.contains("accepts \"sled\""), "{message}");
            }
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    #[test]
    fn the_resolved_storage_has_the_path_relative_to_the_config_file() {
        let c = parse("[storage]\npath = \"data/db\"\ncache_mb = 16\n").unwrap();
        let s = c.storage_resolved();
        assert_eq!(s.path, Path::new("/etc/copydesk/data/db"));
        assert_eq!(s.cache_mb, 16);
        assert_eq!(s.backend, StorageBackend::Sled);
    }
}
