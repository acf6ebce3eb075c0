//! The daemon on a store that several daemons share ([`Store::shared`],
//! PostgreSQL). Every daemon keeps the whole due queue, as alone; a due
//! watch is then *claimed* ([`Store::claim_watch`]) before it is checked:
//! one daemon gets it, the others put it back at the time the store says
//! (its next due time once checked, or the end of the other's lease).
//! The queue is merged with the store's watches every few seconds (watches
//! added through another daemon, the CLI or a feed), each daemon writes a
//! heartbeat, and the number of live daemons splits each host's allowance
//! ([`crate::pipeline::Pipeline::set_host_share`]). A store held by one
//! process never reaches this module: the scheduler then works as it
//! always has.

use super::queue::due_queue;
use super::scheduler::{CheckEnd, Scheduler};
use crate::pipeline::Pipeline;
use crate::store::{blocking, Claim, Store, StoreError, Watch};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How soon a claim that failed on the store (not on a lease) is tried again.
const RETRY_CLAIM: chrono::Duration = chrono::Duration::seconds(5);

/// The shared-store state of one daemon.
pub(super) struct Shared {
    /// How often the heartbeat is written and the queue merged with the
    /// store: a quarter of the lease, between 1 and 30 seconds.
    every: Duration,
    /// When that is next done.
    next: Instant,
    /// Live daemons at the last heartbeat (this one included).
    pub(super) live: usize,
}

impl Shared {
    /// The state of a daemon whose leases last `lease`.
    pub(super) fn new(lease: Duration) -> Shared {
        Shared {
            every: (lease / 4).clamp(Duration::from_secs(1), Duration::from_secs(30)),
            next: Instant::now(),
            live: 1,
        }
    }
}

/// The watch of `url` as stored, for its check now: claimed first when
/// several daemons share the store (`shared`), so that one of them checks
/// it; `Removed` when it left the store meanwhile.
pub(super) async fn watch_for_check(
    store: &Arc<dyn Store>,
    p: &Arc<Pipeline>,
    url: &str,
    shared: bool,
) -> Result<Watch, CheckEnd> {
    if shared {
        return claim(store, p, url).await;
    }
    let u = url.to_string();
    blocking(store, move |s| s.watch(&u))
        .await
        .map_err(|_| CheckEnd::Removed(url.to_string()))
}

/// Claim the watch of `url` for a check now: the watch as stored, or how
/// the check task ends without a check (put back at the store's time, or
/// dropped when it left the schedule or the store).
async fn claim(store: &Arc<dyn Store>, p: &Arc<Pipeline>, url: &str) -> Result<Watch, CheckEnd> {
    let (u, p2) = (url.to_string(), p.clone());
    let claimed = blocking(store, move |s| {
        let now = p2.clock().now();
        let due =
            |w: &Watch| !w.retired && p2.is_active(w) && p2.due_at(w).is_none_or(|d| d <= now);
        s.claim_watch(&u, &due)
    })
    .await;
    let now = p.clock().now();
    match claimed {
        Ok(Claim::Granted(w)) => Ok(w),
        Ok(Claim::NotDue(w)) if w.retired || !p.is_active(&w) => {
            Err(CheckEnd::Removed(url.to_string()))
        }
        Ok(Claim::NotDue(w)) => {
            let at = p.due_at(&w).unwrap_or(now).max(now);
            Err(CheckEnd::Later(url.to_string(), w.url, at))
        }
        Ok(Claim::Busy { owner, until }) => {
            tracing::debug!(url, owner = owner.as_deref().unwrap_or("?"), until = %until, "watch leased by another daemon");
            Err(CheckEnd::Later(
                url.to_string(),
                url.to_string(),
                until.max(now),
            ))
        }
        Err(StoreError::NotFound(_)) => Err(CheckEnd::Removed(url.to_string())),
        Err(e) => {
            tracing::warn!(url, error = %e, "could not claim a due watch; trying again soon");
            Err(CheckEnd::Later(
                url.to_string(),
                url.to_string(),
                now + RETRY_CLAIM,
            ))
        }
    }
}

impl Scheduler {
    /// On a shared store, when its time has come: the heartbeat (the
    /// live daemons counted, each host's allowance split among them) and
    /// the queue merged with the store.
    pub(super) async fn shared_turn(&mut self) {
        let Some(shared) = self.shared.as_mut() else {
            return;
        };
        if Instant::now() < shared.next {
            return;
        }
        shared.next = Instant::now() + shared.every;
        match blocking(&self.store, |s| s.heartbeat()).await {
            Ok(i) => {
                if let Some(shared) = self.shared.as_mut() {
                    if shared.live != i.live {
                        tracing::info!(live = i.live, "daemons sharing the store");
                    }
                    shared.live = i.live;
                }
                self.metrics.instances_live.set(i.live as i64);
                self.pipeline.set_host_share(i.live);
            }
            Err(e) => tracing::warn!(error = %e, "could not write this daemon's heartbeat"),
        }
        self.merge_queue().await;
    }

    /// Merge the due queue with the store's watches: add those this
    /// daemon did not know (added elsewhere), move earlier those the store
    /// has due earlier, drop those gone from the store or the schedule.
    async fn merge_queue(&mut self) {
        let p = self.pipeline.clone();
        let fresh =
            match blocking(&self.store, move |s| Ok(due_queue(&p, s.watches()?, false))).await {
                Ok(q) => q,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the watches to merge the due queue");
                    return;
                }
            };
        let gone: Vec<String> = self
            .queue
            .entries()
            .filter(|(url, _)| fresh.due_of(url).is_none())
            .map(|(url, _)| url.clone())
            .collect();
        for url in gone {
            self.queue.remove(&url);
        }
        for (url, due) in fresh.entries() {
            if self.running.contains(url) {
                continue;
            }
            if self.queue.due_of(url).is_none_or(|t| *due < t) {
                self.queue.set(url.clone(), *due);
            }
        }
    }

    /// On a shared store, at shutdown: this daemon's heartbeat and leases
    /// removed, so that the others take its work at once.
    pub(super) async fn sign_off(&self) {
        if self.shared.is_none() {
            return;
        }
        if let Err(e) = blocking(&self.store, |s| s.sign_off()).await {
            tracing::warn!(error = %e, "could not release this daemon's leases (they run out by themselves)");
        }
    }
}
