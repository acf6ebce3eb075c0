//! Opening a database again in the same process. sled finishes background
//! writes on its own thread pool after a `Db` is dropped, and the file lock
//! goes with the last of them, so an immediate reopen can find the
//! database still locked (sled's own tests block on the lock for this
//! reason). A new process never meets this: the lock dies with the old one.

use copydesk::config::StorageConfig;
use copydesk::store::{SledStore, Store, StoreError};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a reopen waits for the previous handle's lock to go.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// The first answer of `SledStore::open` that is not `Locked` (or
/// `Locked` after [`LOCK_WAIT`]).
pub fn try_open_store(path: &Path) -> Result<SledStore, StoreError> {
    let started = Instant::now();
    loop {
        match SledStore::open(path, 16) {
            Err(StoreError::Locked { .. }) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(50))
            }
            other => return other,
        }
    }
}

/// Open (again) the store at `path`.
pub fn open_store(path: &Path) -> SledStore {
    try_open_store(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// `[storage]` of a sled store at `path` with a page cache of `cache_mb`
/// MiB (the default backend).
pub fn sled_storage(path: &Path, cache_mb: u64) -> StorageConfig {
    StorageConfig {
        path: path.to_path_buf(),
        cache_mb,
        ..StorageConfig::default()
    }
}

/// Open (again) the sled store at `path` as the commands and the daemon
/// open theirs ([`copydesk::store::open`]), waiting out the previous
/// handle's lock as [`try_open_store`] does.
pub fn open_dyn(path: &Path) -> Arc<dyn Store> {
    let started = Instant::now();
    loop {
        match copydesk::store::open(&sled_storage(path, 16), Default::default()) {
            Err(e) if e.held_elsewhere() && started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(50))
            }
            other => return other.unwrap_or_else(|e| panic!("open {}: {e}", path.display())),
        }
    }
}

/// Open (again) the raw sled database at `path`, to write old layouts
/// or damage.
pub fn open_raw(path: &Path) -> sled::Db {
    let started = Instant::now();
    loop {
        match sled::open(path) {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && started.elapsed() < LOCK_WAIT =>
            {
                std::thread::sleep(Duration::from_millis(50))
            }
            other => return other.unwrap_or_else(|e| panic!("open {}: {e}", path.display())),
        }
    }
}
