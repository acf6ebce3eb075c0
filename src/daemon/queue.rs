//! The due queue: watches ordered by next-due time, in memory. The store
//! keeps the truth (each check stores the next due time with the watch), so
//! the queue is rebuilt from it at start-up and on reload.

use crate::pipeline::Pipeline;
use crate::store::Watch;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeSet, HashMap};

/// A restart after downtime spreads overdue watches over at most this long
/// (or their interval, when shorter) instead of checking all at once.
pub const STARTUP_SPREAD: Duration = Duration::minutes(5);

/// Watch (or feed) URLs ordered by when they are due, each at most once.
#[derive(Debug, Default)]
pub struct DueQueue {
    by_time: BTreeSet<(DateTime<Utc>, String)>,
    due_of: HashMap<String, DateTime<Utc>>,
}

impl DueQueue {
    /// An empty queue.
    pub fn new() -> DueQueue {
        DueQueue::default()
    }

    /// Schedule `url` at `due`, replacing an earlier entry.
    pub fn set(&mut self, url: String, due: DateTime<Utc>) {
        if let Some(old) = self.due_of.insert(url.clone(), due) {
            self.by_time.remove(&(old, url.clone()));
        }
        self.by_time.insert((due, url));
    }

    /// Take `url` off the queue, if it is on it.
    pub fn remove(&mut self, url: &str) {
        if let Some(old) = self.due_of.remove(url) {
            self.by_time.remove(&(old, url.to_string()));
        }
    }

    /// The earliest entry due at or before `now`, taken off the queue.
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Option<(String, DateTime<Utc>)> {
        let first = self.by_time.first()?.clone();
        if first.0 > now {
            return None;
        }
        self.by_time.remove(&first);
        self.due_of.remove(&first.1);
        Some((first.1, first.0))
    }

    /// When the earliest entry is due.
    pub fn next_time(&self) -> Option<DateTime<Utc>> {
        self.by_time.first().map(|(t, _)| *t)
    }

    /// How late the most overdue entry is (zero when none is due).
    pub fn lag(&self, now: DateTime<Utc>) -> Duration {
        self.next_time()
            .map(|t| (now - t).max(Duration::zero()))
            .unwrap_or_else(Duration::zero)
    }

    /// When `url` is due, if it is queued.
    pub fn due_of(&self, url: &str) -> Option<DateTime<Utc>> {
        self.due_of.get(url).copied()
    }

    /// Every entry: URL and due time, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&String, &DateTime<Utc>)> {
        self.due_of.iter()
    }

    /// URLs queued.
    pub fn len(&self) -> usize {
        self.due_of.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.due_of.is_empty()
    }
}

/// The due queue of `watches` (the store's): every active, not retired
/// watch at its due time (see [`Pipeline::due_at`]); at start-up, overdue
/// ones spread out ([`startup_due`]).
pub fn due_queue(pipeline: &Pipeline, watches: Vec<Watch>, startup: bool) -> DueQueue {
    let now = pipeline.clock().now();
    let mut queue = DueQueue::new();
    for w in watches {
        if !pipeline.is_active(&w) || w.retired {
            continue;
        }
        let due = if startup {
            let interval = pipeline
                .next_due(&w, now, None)
                .map(|n| n - now)
                .unwrap_or(Duration::zero());
            let key = xxhash_rust::xxh3::xxh3_64(w.url.as_bytes());
            startup_due(pipeline.due_at(&w), interval, now, key)
        } else {
            pipeline.due_at(&w).unwrap_or(now)
        };
        queue.set(w.url, due);
    }
    queue
}

/// When a watch stored as due at `stored` is first checked after a start at
/// `now`: on time when it is not overdue; a never-checked watch at once; an
/// overdue one at a point spread over `min(STARTUP_SPREAD, interval)` by
/// `key`, so that a restart after downtime is not a burst and no watch is
/// forgotten.
pub fn startup_due(
    stored: Option<DateTime<Utc>>,
    interval: Duration,
    now: DateTime<Utc>,
    key: u64,
) -> DateTime<Utc> {
    match stored {
        None => now,
        Some(t) if t >= now => t,
        Some(_) => {
            let spread = STARTUP_SPREAD.min(interval).num_milliseconds().max(1) as u64;
            now + Duration::milliseconds((key % spread) as i64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_replaces() {
        let now = Utc::now();
        let mut q = DueQueue::new();
        q.set("b".into(), now + Duration::seconds(2));
        q.set("a".into(), now + Duration::seconds(1));
        q.set("c".into(), now - Duration::seconds(5));
        q.set("c".into(), now + Duration::seconds(3)); // rescheduled
        assert_eq!(q.len(), 3);
        assert_eq!(q.pop_due(now), None);
        assert_eq!(q.lag(now), Duration::zero());
        let later = now + Duration::seconds(10);
        assert_eq!(q.lag(later), Duration::seconds(9));
        let order: Vec<String> = std::iter::from_fn(|| q.pop_due(later).map(|(u, _)| u)).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert!(q.is_empty());
    }

    #[test]
    fn startup_spreads_only_overdue_watches() {
        let now = Utc::now();
        let hour = Duration::hours(1);
        assert_eq!(startup_due(None, hour, now, 9), now);
        let future = now + Duration::seconds(30);
        assert_eq!(startup_due(Some(future), hour, now, 9), future);
        let overdue = now - Duration::hours(3);
        let dues: Vec<_> = (0..100)
            .map(|k| startup_due(Some(overdue), hour, now, k * 7919))
            .collect();
        assert!(dues.iter().all(|d| *d >= now && *d < now + STARTUP_SPREAD));
        assert!(dues.iter().collect::<std::collections::HashSet<_>>().len() > 90);
        // a 2-second schedule is spread over 2 seconds at most
        let d = startup_due(Some(overdue), Duration::seconds(2), now, 123_456);
        assert!(d < now + Duration::seconds(2));
    }
}
