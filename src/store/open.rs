//! Opening the store that `[storage]` names: the one place that picks the
//! backend, so that commands, the daemon, the demo and the tests never name
//! one.

use super::{connect_options, CompactReport, GuardedStore, PgStore, Store, StoreError};
use crate::config::{StorageBackend, StorageConfig};
use crate::core::url::UrlRules;
use std::sync::Arc;

/// Open (or create) the store `storage` names, watch URLs canonicalized
/// by `rules` (`Config::url_rules`). `storage.path` is used as it is: a
/// config's `[storage]` is passed as `Config::storage_resolved`, its path
/// resolved against the config file.
///
/// `backend = "sled"`: the database directory `path` with a page cache of
/// `cache_mb` MiB, behind a [`GuardedStore`] (a panic of the engine is
/// [`StoreError::Damaged`], an I/O failure names the path).
/// [`StoreError::Locked`] ([`StoreError::held_elsewhere`]) while another
/// process holds it: the CLI then goes through that process's API.
///
/// `backend = "postgres"`: the database `url` names (password from
/// `password_file`, `PGPASSWORD` or `DATABASE_URL`), its schema made or
/// upgraded (see [`PgStore::open`]); never `Locked`.
pub fn open(storage: &StorageConfig, rules: UrlRules) -> Result<Arc<dyn Store>, StoreError> {
    match storage.backend {
        StorageBackend::Sled => Ok(Arc::new(GuardedStore::open_with(
            &storage.path,
            storage.cache_mb,
            rules,
        )?)),
        StorageBackend::Postgres => {
            let options = connect_options(storage, |k| std::env::var(k).ok())?;
            Ok(Arc::new(PgStore::open(options, rules)?))
        }
    }
}

/// Compact the store `storage` names while no process has it open
/// (`copydesk compact`); [`StoreError::Locked`] when one does (a daemon
/// compacts its open store with [`Store::compact_in_place`]).
pub fn compact_offline(
    storage: &StorageConfig,
    rules: UrlRules,
) -> Result<CompactReport, StoreError> {
    match storage.backend {
        StorageBackend::Sled => super::compact(&storage.path, storage.cache_mb, rules),
        StorageBackend::Postgres => Err(StoreError::Unsupported {
            operation: "be compacted by `copydesk compact` (it is a PostgreSQL store)",
            instead:
                "PostgreSQL reclaims space itself (autovacuum; VACUUM FULL for a full rewrite)",
        }),
    }
}
