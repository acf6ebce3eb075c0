//! The time that schedules watches and feeds and paces the alert outbox:
//! [`SystemClock`] (the real time) in production, a [`ManualClock`] that a
//! test moves by hand, so that "due at 10:00" is tested by setting the
//! clock to 09:59:59 and then to 10:00 instead of sleeping and hoping.
//!
//! Only the decisions of *when* run on this clock: when a watch or feed is
//! due, the `at` of a check (so the next due time counts from it), when an
//! outbox entry may be retried, when a digest period or a rate-limit window
//! is over, and the daemon's delivery timer. Deadlines that bound real work
//! (fetch timeouts, the confirmation delay, the shutdown grace, the
//! systemd watchdog, the disk-full probe) stay on real time.

use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::watch;

/// A wait on a [`Clock`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where the scheduler and the outbox read the time.
pub trait Clock: Send + Sync + 'static {
    /// The time now.
    fn now(&self) -> DateTime<Utc>;
    /// Completes once [`Clock::now`] has reached `at` (at once when it
    /// has), or earlier: a caller reads the time again when it wakes.
    fn sleep_until(&self, at: DateTime<Utc>) -> Sleep;
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> Sleep {
        let wait = (at - Utc::now()).to_std().unwrap_or_default();
        Box::pin(tokio::time::sleep(wait))
    }
}

/// The real time, shared.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A clock that stands still until the test moves it. Every move wakes
/// every sleeper (one due later goes back to sleep when it has read the
/// time), and it counts the sleeps begun on it ("naps"): a scheduler that
/// begins one has done everything due at the time it saw, which is what a
/// test waits for before it asserts that nothing happened early.
#[derive(Debug)]
pub struct ManualClock {
    now: watch::Sender<DateTime<Utc>>,
    /// Naps begun, and the clock's time when the last one began.
    naps: watch::Sender<(u64, DateTime<Utc>)>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now: watch::Sender::new(start),
            naps: watch::Sender::new((0, start)),
        })
    }

    /// Move the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.now.send_modify(|t| *t += by);
    }

    /// Set the clock to `at` (never backwards: an earlier time is ignored).
    pub fn set(&self, at: DateTime<Utc>) {
        self.now.send_modify(|t| *t = (*t).max(at));
    }

    /// Naps begun so far.
    pub fn naps(&self) -> u64 {
        self.naps.borrow().0
    }

    /// Wait until a nap after the first `after` begins with the clock at
    /// its current time or later; the number of naps by then. Poll with
    /// [`ManualClock::naps`] first, then move the clock, then call this.
    pub async fn nap_after(&self, after: u64) -> u64 {
        let target = *self.now.borrow();
        let mut rx = self.naps.subscribe();
        loop {
            let (n, seen) = *rx.borrow_and_update();
            if n > after && seen >= target {
                return n;
            }
            if rx.changed().await.is_err() {
                return n;
            }
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> Sleep {
        let mut rx = self.now.subscribe();
        let seen = *rx.borrow_and_update();
        self.naps.send_modify(|(n, t)| {
            *n += 1;
            *t = seen;
        });
        Box::pin(async move {
            if seen >= at {
                return;
            }
            // woken by any move: the sleeper reads the time again
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(s: &mut Sleep) -> bool {
        let waker = futures_util::task::noop_waker();
        let mut cx = std::task::Context::from_waker(&waker);
        s.as_mut().poll(&mut cx).is_ready()
    }

    #[tokio::test]
    async fn a_manual_clock_moves_only_forward_and_wakes_its_sleepers_when_it_moves() {
        let start = Utc::now();
        let clock = ManualClock::new(start);
        let at = start + chrono::Duration::seconds(10);
        let mut sleep = clock.sleep_until(at);
        assert_eq!(clock.naps(), 1);
        assert!(!ready(&mut sleep), "the clock stands still");
        clock.advance(chrono::Duration::milliseconds(9_999));
        assert!(ready(&mut sleep), "woken to read the time");
        clock.set(start); // backwards: ignored
        assert_eq!(clock.now(), at - chrono::Duration::milliseconds(1));
        let mut again = clock.sleep_until(at);
        assert!(!ready(&mut again));
        assert!(ready(&mut clock.sleep_until(start)), "a past time at once");
        assert_eq!(clock.naps(), 3);
        // the last nap began at the clock's time: no need to wait
        assert_eq!(clock.nap_after(2).await, 3);
    }
}
