//! Space on the store's disk: every [`SAMPLE_INTERVAL`] the daemon
//! measures the store's files and the free space on their file system,
//! sets the `copydesk_store_*` gauges, keeps the growth per day
//! ([`crate::core::space`]), and while free space is below
//! `[storage] min_free_mb` logs a warning (on entering, then every
//! [`WARN_INTERVAL`]) and reports it on `/healthz`, well before writes
//! fail.

use super::metrics::Metrics;
use crate::core::space::{GrowthWindow, SpaceReport};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How often the disk is measured (by the daemon's clock).
pub const SAMPLE_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// While space stays low, the warning is logged again this often.
pub const WARN_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// The last report, shared with `/healthz` (`None` before the first
/// sample).
pub type SpaceState = Arc<Mutex<Option<SpaceReport>>>;

/// Bytes available to an unprivileged writer on the file system holding
/// `path` (its nearest existing ancestor).
pub fn free_bytes(path: &Path) -> Option<u64> {
    let mut p = Some(path);
    while let Some(dir) = p {
        if dir.exists() {
            let st = rustix::fs::statvfs(dir).ok()?;
            return Some(st.f_bavail.saturating_mul(st.f_frsize));
        }
        p = dir.parent();
    }
    None
}

/// The sampler the scheduler turns.
pub struct DiskWatch {
    path: PathBuf,
    min_free_bytes: u64,
    growth: GrowthWindow,
    next_sample: Option<DateTime<Utc>>,
    warned_at: Option<DateTime<Utc>>,
    state: SpaceState,
}

impl DiskWatch {
    /// A sampler of the store at `path`, warning below `min_free_mb` MiB.
    pub fn new(path: PathBuf, min_free_mb: u64, state: SpaceState) -> DiskWatch {
        DiskWatch {
            path,
            min_free_bytes: min_free_mb.saturating_mul(1024 * 1024),
            growth: GrowthWindow::new(),
            next_sample: None,
            warned_at: None,
            state,
        }
    }

    /// A reloaded config: the new threshold applies at once (the disk is
    /// sampled at the next turn).
    pub fn set_min_free_mb(&mut self, min_free_mb: u64) {
        self.min_free_bytes = min_free_mb.saturating_mul(1024 * 1024);
        self.next_sample = None;
    }

    /// Measure when a sample is due at `now` (the file walk and the
    /// statvfs call run in a blocking task).
    pub async fn turn(&mut self, now: DateTime<Utc>, metrics: &Metrics) {
        if self.next_sample.is_some_and(|t| now < t) {
            return;
        }
        self.next_sample = Some(now + SAMPLE_INTERVAL);
        let path = self.path.clone();
        let measured = tokio::task::spawn_blocking(move || {
            (crate::store::dir_bytes(&path), free_bytes(&path))
        })
        .await;
        let Ok((store_bytes, free)) = measured else {
            return;
        };
        self.growth.push(now.timestamp(), store_bytes);
        let report = SpaceReport {
            store_bytes,
            free_bytes: free,
            min_free_bytes: self.min_free_bytes,
            growth_bytes_per_day: self.growth.per_day(),
        };
        metrics.store_bytes.set(clamp(store_bytes));
        metrics.store_free_bytes.set(clamp(free.unwrap_or(0)));
        metrics
            .store_growth
            .set(report.growth_bytes_per_day.unwrap_or(0.0));
        self.log(&report, now);
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = Some(report);
    }

    fn log(&mut self, report: &SpaceReport, now: DateTime<Utc>) {
        match report.warning() {
            Some(w) if self.warned_at.is_none_or(|t| now - t >= WARN_INTERVAL) => {
                tracing::warn!(path = %self.path.display(), "{w}");
                self.warned_at = Some(now);
            }
            Some(_) => {}
            None if self.warned_at.is_some() => {
                tracing::info!(
                    path = %self.path.display(),
                    free_bytes = report.free_bytes.unwrap_or(0),
                    "free space on the store's file system is above [storage] min_free_mb again"
                );
                self.warned_at = None;
            }
            None => {}
        }
    }
}

fn clamp(b: u64) -> i64 {
    i64::try_from(b).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read_from_the_nearest_existing_ancestor() {
        let dir = std::env::temp_dir();
        let direct = free_bytes(&dir);
        assert!(direct.is_some_and(|b| b > 0));
        assert!(free_bytes(&dir.join("not-yet").join("copydesk.db")).is_some());
    }
}
