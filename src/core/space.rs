//! Space on disk, as values: a window of (time, bytes) samples of the
//! store's size and the growth per day they show, and the report that
//! `/healthz` and the log give when free space runs low. The daemon
//! samples the disk; this does the arithmetic.

use serde::Serialize;
use std::collections::VecDeque;

/// Used when `[storage] min_free_mb` is not set: warn while less than
/// 1 GiB is free on the store's file system.
pub const DEFAULT_MIN_FREE_MB: u64 = 1_024;

/// The store's size and the room left for it, as last sampled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpaceReport {
    /// Bytes of the store's files.
    pub store_bytes: u64,
    /// Bytes free for copydesk on the store's file system (`None` when the
    /// file system could not be asked).
    pub free_bytes: Option<u64>,
    /// The warning threshold, `[storage] min_free_mb` in bytes (0: off).
    pub min_free_bytes: u64,
    /// Growth of the store per day over the last day of samples.
    pub growth_bytes_per_day: Option<f64>,
}

impl SpaceReport {
    /// True while free space is below the threshold.
    pub fn low(&self) -> bool {
        self.free_bytes.is_some_and(|f| f < self.min_free_bytes)
    }

    /// Days until the file system is full at the current growth (`None`
    /// when the store does not grow or a figure is missing).
    pub fn days_left(&self) -> Option<f64> {
        let (free, g) = (self.free_bytes?, self.growth_bytes_per_day?);
        (g > 0.0).then(|| free as f64 / g)
    }

    /// The warning, while [`SpaceReport::low`]: what is left, the
    /// threshold and what to do.
    pub fn warning(&self) -> Option<String> {
        if !self.low() {
            return None;
        }
        let mib = |b: u64| b / (1024 * 1024);
        let mut w = format!(
            "{} MiB free on the store's file system, below [storage] min_free_mb = {}",
            mib(self.free_bytes.unwrap_or(0)),
            mib(self.min_free_bytes)
        );
        if let Some(d) = self.days_left() {
            w.push_str(&format!(
                " (full in about {d:.1} days at the last day's growth)"
            ));
        }
        w.push_str("; free space, run `copydesk gc` and `copydesk compact`, or move the store");
        Some(w)
    }
}

/// Samples older than this (seconds) before the newest are dropped: the
/// growth reported is that of the last day.
pub const GROWTH_WINDOW_SECS: i64 = 86_400;
/// No rate is reported before the samples span this long (seconds): a
/// minute of writes says little about a day.
pub const MIN_GROWTH_SPAN_SECS: i64 = 3_600;
/// At most this many samples are kept (a sample a minute fills a day).
pub const MAX_SAMPLES: usize = 1_440;

/// The samples of the last [`GROWTH_WINDOW_SECS`].
#[derive(Debug, Clone, Default)]
pub struct GrowthWindow {
    samples: VecDeque<(i64, u64)>,
}

impl GrowthWindow {
    /// An empty window.
    pub fn new() -> GrowthWindow {
        GrowthWindow::default()
    }

    /// Add the size `bytes` seen at `at` (Unix seconds). A sample older
    /// than the newest one is ignored (a clock set back).
    pub fn push(&mut self, at: i64, bytes: u64) {
        if self.samples.back().is_some_and(|&(t, _)| at < t) {
            return;
        }
        self.samples.push_back((at, bytes));
        while self
            .samples
            .front()
            .is_some_and(|&(t, _)| at - t > GROWTH_WINDOW_SECS)
            || self.samples.len() > MAX_SAMPLES
        {
            self.samples.pop_front();
        }
    }

    /// Bytes per day from the oldest to the newest sample of the window
    /// (negative after a `gc` or `compact`); `None` until the samples
    /// span [`MIN_GROWTH_SPAN_SECS`].
    pub fn per_day(&self) -> Option<f64> {
        let (&(t0, b0), &(t1, b1)) = (self.samples.front()?, self.samples.back()?);
        let span = t1 - t0;
        if span < MIN_GROWTH_SPAN_SECS {
            return None;
        }
        let delta = b1 as f64 - b0 as f64;
        Some(delta * GROWTH_WINDOW_SECS as f64 / span as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_rate_before_an_hour_of_samples() {
        let mut w = GrowthWindow::new();
        w.push(0, 1_000);
        assert_eq!(w.per_day(), None);
        w.push(MIN_GROWTH_SPAN_SECS - 1, 5_000);
        assert_eq!(w.per_day(), None);
        w.push(MIN_GROWTH_SPAN_SECS, 5_000);
        assert_eq!(w.per_day(), Some(4_000.0 * 24.0));
    }

    #[test]
    fn the_rate_is_that_of_the_last_day_and_may_be_negative() {
        let mut w = GrowthWindow::new();
        // 10 MB a day for two days, sampled hourly
        for h in 0..=48 {
            w.push(h * 3_600, 1_000_000 + h as u64 * 10_000_000 / 24);
        }
        let r = w.per_day().unwrap_or_default();
        assert!((r - 10_000_000.0).abs() < 1.0, "{r}");
        // a compaction halves the store: the last day shows shrinkage
        w.push(49 * 3_600, 10_000_000);
        assert!(w.per_day().unwrap_or_default() < 0.0);
    }

    #[test]
    fn a_clock_set_back_is_ignored_and_the_window_is_bounded() {
        let mut w = GrowthWindow::new();
        w.push(10_000, 100);
        w.push(5_000, 999_999);
        w.push(10_000 + MIN_GROWTH_SPAN_SECS, 200);
        assert_eq!(w.per_day(), Some(100.0 * 24.0));
        for i in 0..(MAX_SAMPLES as i64 * 2) {
            w.push(20_000 + i, 300);
        }
        assert!(w.samples.len() <= MAX_SAMPLES);
    }
}

#[cfg(test)]
mod report_tests {
    use super::*;

    fn report(free: Option<u64>, min: u64, growth: Option<f64>) -> SpaceReport {
        SpaceReport {
            store_bytes: 1,
            free_bytes: free,
            min_free_bytes: min,
            growth_bytes_per_day: growth,
        }
    }

    #[test]
    fn low_only_below_the_threshold_and_never_when_off_or_unknown() {
        assert!(report(Some(99), 100, None).low());
        assert!(!report(Some(100), 100, None).low());
        assert!(!report(Some(0), 0, None).low());
        assert!(!report(None, 100, None).low());
    }

    #[test]
    fn the_warning_names_the_threshold_and_the_days_left() {
        let mib = 1024 * 1024;
        let w = report(Some(10 * mib), 1024 * mib, Some(5.0 * mib as f64))
            .warning()
            .unwrap_or_default();
        assert!(w.contains("10 MiB free"), "{w}");
        assert!(w.contains("min_free_mb = 1024"), "{w}");
        assert!(w.contains("full in about 2.0 days"), "{w}");
        assert_eq!(report(Some(2048 * mib), 1024 * mib, None).warning(), None);
        assert_eq!(report(Some(1), 1024, Some(-5.0)).days_left(), None);
    }
}
