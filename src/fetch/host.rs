//! One concurrency gate per host (`host:port`), created on demand.
//!
//! Each gate is a [`Semaphore`] with `per_host_concurrency` permits. A fetch
//! holds the permit of the host it is talking to for the whole hop, body
//! included; a redirect to another host releases it and takes that host's.
//! The map would grow with every host ever seen, so idle gates (nobody
//! holding or waiting for a permit) are dropped once it gets large.
//!
//! A host whose robots.txt sets a `Crawl-delay` also gets a pace: each
//! request to it starts at least that long after the previous one started
//! (the wait happens while holding the permit, after the permit is taken).
//!
//! Daemons that share one store split each host's allowance equally
//! ([`HostGates::set_share`]): with `n` live processes each takes
//! `max(1, limit / n)` of the `limit` concurrent fetches and spaces a
//! crawl delay by `n` times the delay. Alone (`n = 1`) nothing changes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// Above this many tracked hosts, idle gates are pruned before adding one.
pub(crate) const PRUNE_ABOVE: usize = 1024;

/// The key a gate is filed under: `host:port`, the port explicit or the
/// scheme's default. `None` for URLs without a host.
pub(crate) fn host_key(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    Some(format!("{host}:{port}"))
}

pub(crate) struct HostGates {
    limit: usize,
    prune_above: usize,
    gates: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Hosts with a crawl delay: the delay, and when the next request may
    /// start.
    pace: Mutex<HashMap<String, (Duration, Instant)>>,
    /// Processes sharing each host's allowance (1: this one alone).
    share: AtomicUsize,
}

impl HostGates {
    pub(crate) fn new(limit: usize, prune_above: usize) -> HostGates {
        HostGates {
            limit: limit.clamp(1, Semaphore::MAX_PERMITS),
            prune_above,
            gates: Mutex::new(HashMap::new()),
            pace: Mutex::new(HashMap::new()),
            share: AtomicUsize::new(1),
        }
    }

    /// Split each host's allowance with `n - 1` other processes (at least
    /// 1: alone).
    pub(crate) fn set_share(&self, n: usize) {
        self.share.store(n.max(1), Ordering::Relaxed);
    }

    /// Permits one fetch takes: `limit / max(1, limit / share)`, so that at
    /// most `max(1, limit / share)` fetches run at once (1 when alone).
    fn permits_per_fetch(&self) -> u32 {
        let share = self.share.load(Ordering::Relaxed).max(1);
        let at_once = (self.limit / share).max(1);
        u32::try_from(self.limit / at_once).unwrap_or(1)
    }

    fn pace(&self) -> MutexGuard<'_, HashMap<String, (Duration, Instant)>> {
        self.pace
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Space the requests to `key` by `delay` (a robots.txt `Crawl-delay`);
    /// `None` removes the pace.
    pub(crate) fn set_delay(&self, key: &str, delay: Option<Duration>) {
        let mut pace = self.pace();
        match delay {
            Some(d) => {
                if pace.len() >= self.prune_above && !pace.contains_key(key) {
                    let now = Instant::now();
                    pace.retain(|_, (_, next)| *next > now);
                }
                let next = pace.get(key).map_or_else(Instant::now, |(_, n)| *n);
                pace.insert(key.to_string(), (d, next));
            }
            None => {
                pace.remove(key);
            }
        }
    }

    /// Books the next start on `key`'s pace and returns how long to wait
    /// for it (zero without a pace).
    fn book(&self, key: &str) -> Duration {
        let mut pace = self.pace();
        let Some((delay, next)) = pace.get_mut(key) else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        let slot = (*next).max(now);
        let share = self.share.load(Ordering::Relaxed).max(1) as u32;
        *next = slot + delay.saturating_mul(share);
        slot - now
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Semaphore>>> {
        // A panic elsewhere while holding the lock leaves the map intact.
        self.gates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for a free slot on `key`'s gate. `None` only if the semaphore
    /// was closed, which this module never does.
    pub(crate) async fn acquire(&self, key: &str) -> Option<OwnedSemaphorePermit> {
        let gate = {
            let mut gates = self.lock();
            if gates.len() >= self.prune_above && !gates.contains_key(key) {
                Self::prune(&mut gates, self.limit);
            }
            Arc::clone(
                gates
                    .entry(key.to_string())
                    .or_insert_with(|| Arc::new(Semaphore::new(self.limit))),
            )
        };
        let permit = gate
            .acquire_many_owned(self.permits_per_fetch())
            .await
            .ok()?;
        let wait = self.book(key);
        if !wait.is_zero() {
            tracing::debug!(host = key, wait_ms = wait.as_millis() as u64, "crawl delay");
            tokio::time::sleep(wait).await;
        }
        Some(permit)
    }

    /// Drops gates nobody holds or waits for. A gate in use has more than
    /// one strong reference: every permit and every waiter holds one.
    fn prune(gates: &mut HashMap<String, Arc<Semaphore>>, limit: usize) {
        let before = gates.len();
        gates.retain(|_, gate| Arc::strong_count(gate) > 1 || gate.available_permits() < limit);
        tracing::debug!(before, after = gates.len(), "pruned idle per-host gates");
    }

    /// How many hosts currently have a gate.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn key_is_host_and_port() {
        assert_eq!(
            host_key(&url("http://Example.com/a")).as_deref(),
            Some("example.com:80")
        );
        assert_eq!(
            host_key(&url("https://example.com/a")).as_deref(),
            Some("example.com:443")
        );
        assert_eq!(
            host_key(&url("http://127.0.0.1:8080/")).as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(host_key(&url("data:text/html,x")), None);
    }

    #[tokio::test]
    async fn idle_gates_are_pruned_busy_ones_kept() {
        let gates = HostGates::new(2, 4);
        let busy = gates.acquire("busy:80").await;
        assert!(busy.is_some());
        for i in 0..3 {
            drop(gates.acquire(&format!("idle{i}:80")).await);
        }
        assert_eq!(gates.len(), 4);
        // The fifth host triggers a prune: the idle three go, busy stays.
        let _new = gates.acquire("new:80").await;
        assert_eq!(gates.len(), 2);
        assert!(gates.lock().contains_key("busy:80"));
        drop(busy);
    }

    #[tokio::test]
    async fn a_crawl_delay_spaces_the_starts() {
        let gates = HostGates::new(4, 100);
        gates.set_delay("slow:80", Some(Duration::from_millis(150)));
        let started = Instant::now();
        for _ in 0..3 {
            drop(gates.acquire("slow:80").await);
        }
        assert!(started.elapsed() >= Duration::from_millis(300));
        let other = Instant::now();
        drop(gates.acquire("fast:80").await);
        drop(gates.acquire("fast:80").await);
        assert!(
            other.elapsed() < Duration::from_millis(150),
            "no pace elsewhere"
        );
    }

    #[tokio::test]
    async fn a_share_splits_the_limit_and_stretches_the_pace() {
        let gates = HostGates::new(4, 100);
        gates.set_share(3); // 4 / 3: one fetch at a time
        let a = gates.acquire("a:80").await;
        assert!(a.is_some());
        let second =
            tokio::time::timeout(std::time::Duration::from_millis(50), gates.acquire("a:80")).await;
        assert!(second.is_err(), "a second fetch waits when the share is 1");
        drop(a);
        gates.set_share(2); // 4 / 2: two at once
        let (a, b) = (gates.acquire("a:80").await, gates.acquire("a:80").await);
        assert!(a.is_some() && b.is_some());
        drop((a, b));
        gates.set_delay("slow:80", Some(Duration::from_millis(60)));
        let started = Instant::now();
        for _ in 0..3 {
            drop(gates.acquire("slow:80").await);
        }
        assert!(
            started.elapsed() >= Duration::from_millis(240),
            "two processes: twice the delay"
        );
        gates.set_share(0); // alone again
        assert_eq!(gates.permits_per_fetch(), 1);
    }

    #[tokio::test]
    async fn limit_is_enforced_per_key() {
        let gates = HostGates::new(2, 100);
        let a = gates.acquire("a:80").await;
        let b = gates.acquire("a:80").await;
        assert!(a.is_some() && b.is_some());
        let third =
            tokio::time::timeout(std::time::Duration::from_millis(50), gates.acquire("a:80")).await;
        assert!(third.is_err(), "a third permit on the same host must wait");
        let other =
            tokio::time::timeout(std::time::Duration::from_millis(50), gates.acquire("b:80")).await;
        assert!(matches!(other, Ok(Some(_))), "another host is independent");
    }
}
