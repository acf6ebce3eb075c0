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
    /// A PostgreSQL database named by `url` (see docs/postgres.md).
    Postgres,
}

impl StorageBackend {
    /// Every accepted value of `[storage] backend`.
    pub const ACCEPTED: [&'static str; 2] = ["sled", "postgres"];

    /// The value as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageBackend::Sled => "sled",
            StorageBackend::Postgres => "postgres",
        }
    }
}

impl TryFrom<String> for StorageBackend {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "sled" => Ok(StorageBackend::Sled),
            "postgres" => Ok(StorageBackend::Postgres),
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
    /// The storage backend (`backend = "sled"`, the default, or
    /// `"postgres"`).
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
    /// `backend = "postgres"`: the database, as a `postgres://` URL
    /// (required with that backend, refused with sled).
    #[serde(default)]
    pub url: Option<String>,
    /// `backend = "postgres"`: a file holding the password (else
    /// `PGPASSWORD`, else the password of a `DATABASE_URL`); relative to
    /// the config file.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// `backend = "postgres"`: connections per process (default
    /// [`DEFAULT_POOL_SIZE`]).
    #[serde(default)]
    pub pool_size: Option<u32>,
    /// `backend = "postgres"`: how long a daemon holds a due check (or an
    /// outbox delivery) it took before another daemon may take it over
    /// (default [`DEFAULT_LEASE`]); also how long a silent
    /// daemon still counts as alive.
    #[serde(default)]
    pub lease: Option<Span>,
}

/// How long a lease lasts when `[storage] lease` is not set: longer than
/// a check takes (fetch timeouts, retries, the confirmation fetch), short
/// enough that the checks of a process that died are taken over soon.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

/// PostgreSQL connections per process when `[storage] pool_size` is not set.
pub const DEFAULT_POOL_SIZE: u32 = 4;

/// Keys of `[storage]` that belong to one backend only: (key, backend).
const BACKEND_KEYS: [(&str, StorageBackend); 6] = [
    ("path", StorageBackend::Sled),
    ("cache_mb", StorageBackend::Sled),
    ("url", StorageBackend::Postgres),
    ("password_file", StorageBackend::Postgres),
    ("pool_size", StorageBackend::Postgres),
    ("lease", StorageBackend::Postgres),
];

impl StorageConfig {
    /// `gc_every`, or its default.
    pub fn gc_every(&self) -> std::time::Duration {
        self.gc_every.map_or(DEFAULT_GC_EVERY, |s| s.0)
    }

    /// `lease`, or its default.
    pub fn lease(&self) -> std::time::Duration {
        self.lease.map_or(DEFAULT_LEASE, |s| s.0)
    }

    /// `pool_size`, or its default.
    pub fn pool_size(&self) -> u32 {
        self.pool_size.unwrap_or(DEFAULT_POOL_SIZE)
    }

    /// The keys that only the other backend takes, `url` with postgres,
    /// and `pool_size` at least 1: `Err((key, message))` names the key
    /// (`text` is the config file, to tell which keys are written).
    pub(super) fn check(&self, text: &str) -> Result<(), (&'static str, String)> {
        for (key, owner) in BACKEND_KEYS {
            if owner != self.backend && super::locate::find_key(text, "storage", key) != 0 {
                return Err((
                    key,
                    format!(
                        "[storage] {key} is for backend = \"{}\", not \"{}\"",
                        owner.as_str(),
                        self.backend.as_str()
                    ),
                ));
            }
        }
        if self.backend == StorageBackend::Postgres {
            match self.url.as_deref() {
                None => {
                    return Err((
                        "backend",
                        "backend = \"postgres\" needs `url = \"postgres://USER@HOST:PORT/DATABASE\"` in [storage]".into(),
                    ))
                }
                Some(u) if !(u.starts_with("postgres://") || u.starts_with("postgresql://")) => {
                    return Err((
                        "url",
                        format!("{u:?} is not a postgres:// URL (write `postgres://USER@HOST:PORT/DATABASE`)"),
                    ))
                }
                Some(_) => {}
            }
        }
        if self.pool_size == Some(0) {
            return Err(("pool_size", "pool_size must be at least 1".into()));
        }
        Ok(())
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
            url: None,
            password_file: None,
            pool_size: None,
            lease: None,
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
            password_file: self
                .storage
                .password_file
                .as_deref()
                .map(|p| self.relative_to_config(p)),
            ..self.storage.clone()
        }
    }

    /// Where the store lives, for people (`config check`): the sled
    /// directory, or `postgres: URL` shown without its password.
    pub fn storage_location(&self) -> String {
        match (self.storage.backend, self.storage.url.as_deref()) {
            (StorageBackend::Sled, _) => self.storage_path().display().to_string(),
            (StorageBackend::Postgres, Some(url)) => format!("postgres: {}", shown_url(url)),
            (StorageBackend::Postgres, None) => "postgres: (no url)".to_string(),
        }
    }
}

/// A `[storage] url` as logs and `config check` show it: without the
/// password of its user part, and without its query.
pub fn shown_url(url: &str) -> String {
    let no_query = url.split_once('?').map_or(url, |(u, _)| u);
    let Some((scheme, rest)) = no_query.split_once("://") else {
        return no_query.to_string();
    };
    // the last `@` ends the user part: a password may hold one
    match rest.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{scheme}://{user}@{host}")
        }
        None => no_query.to_string(),
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
    fn the_store_location_names_the_backend_and_hides_a_password() {
        let sled = parse("[storage]\npath = \"db\"\n").unwrap();
        assert_eq!(sled.storage_location(), "/etc/copydesk/db");
        let pg = parse(
            "[storage]\nbackend = \"postgres\"\n\
             url = \"postgres://cd:se@cret@db.example:5432/cd?sslmode=disable\"\n",
        )
        .unwrap();
        assert_eq!(
            pg.storage_location(),
            "postgres: postgres://cd@db.example:5432/cd"
        );
        assert_eq!(shown_url("postgres://cd@db/cd"), "postgres://cd@db/cd");
        assert_eq!(shown_url("postgres:///cd"), "postgres:///cd");
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
        match parse("[storage]\npath = \"db\"\nbackend = \"mysql\"\n") {
            Err(ConfigError::Invalid {
                line, key, message, ..
            }) => {
                assert_eq!(line, 3);
                assert_eq!(key.as_deref(), Some("storage.backend"));
                assert!(message.contains("\"mysql\""), "{message}");
                assert!(
                    message.contains("accepts \"sled\", \"postgres\""),
                    "{message}"
                );
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

    /// The `Invalid` error of `text`: (line, key, message).
    fn refused(text: &str) -> (usize, Option<String>, String) {
        match parse(text) {
            Err(ConfigError::Invalid {
                line, key, message, ..
            }) => (line, key, message),
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    #[test]
    fn postgres_takes_a_url_a_password_file_and_a_pool_size() {
        let c = parse(
            "[storage]\nbackend = \"postgres\"\nurl = \"postgres://copydesk@db.example/copydesk\"\n\
             password_file = \"pg-password\"\npool_size = 8\n",
        )
        .unwrap();
        assert_eq!(c.storage.backend, StorageBackend::Postgres);
        assert_eq!(c.storage.pool_size(), 8);
        let s = c.storage_resolved();
        assert_eq!(
            s.password_file.as_deref(),
            Some(Path::new("/etc/copydesk/pg-password"))
        );
        assert_eq!(
            s.url.as_deref(),
            Some("postgres://copydesk@db.example/copydesk")
        );
        assert_eq!(parse("").unwrap().storage.pool_size(), DEFAULT_POOL_SIZE);
    }

    #[test]
    fn postgres_config_errors_name_the_key() {
        let (line, key, message) = refused("[storage]\nbackend = \"postgres\"\n");
        assert_eq!((line, key.as_deref()), (2, Some("storage.backend")));
        assert!(message.contains("needs `url"), "{message}");

        let (line, key, message) =
            refused("[storage]\nbackend = \"postgres\"\nurl = \"postgres://h/d\"\ncache_mb = 16\n");
        assert_eq!((line, key.as_deref()), (4, Some("storage.cache_mb")));
        assert!(message.contains("for backend = \"sled\""), "{message}");

        let (line, key, _) = refused("[storage]\npath = \"db\"\nurl = \"postgres://h/d\"\n");
        assert_eq!((line, key.as_deref()), (3, Some("storage.url")));

        let (line, key, message) =
            refused("[storage]\nbackend = \"postgres\"\nurl = \"mysql://h/d\"\n");
        assert_eq!((line, key.as_deref()), (3, Some("storage.url")));
        assert!(message.contains("not a postgres:// URL"), "{message}");

        let (line, key, _) =
            refused("[storage]\nbackend = \"postgres\"\nurl = \"postgres://h/d\"\npool_size = 0\n");
        assert_eq!((line, key.as_deref()), (4, Some("storage.pool_size")));
    }
}
