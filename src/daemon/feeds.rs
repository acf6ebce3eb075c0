//! The daemon's feed polls: a due queue of its own, polls spawned like
//! checks (a slow feed never holds up the watch loop), and the watches a
//! poll adds put on the watch queue at once.

use super::queue::DueQueue;
use super::scheduler::Scheduler;
use crate::pipeline::discover::{FeedPolled, FEED_CONCURRENCY};
use crate::pipeline::Pipeline;
use crate::store::{blocking, StoreError};
use tokio::task::{JoinError, JoinSet};

/// How a poll task ended: the feed URL and what its poll did.
pub(super) type PollEnd = (String, Result<FeedPolled, StoreError>);

/// Feed polls in flight.
pub(super) type Polls = JoinSet<PollEnd>;

/// Every configured feed at its stored due time (now when never polled).
pub(super) fn build_feed_queue(pipeline: &Pipeline) -> Result<DueQueue, StoreError> {
    let now = pipeline.clock().now();
    let mut queue = DueQueue::new();
    for f in pipeline.due_feeds(true)? {
        queue.set(f.url, f.next_due.unwrap_or(now).max(now));
    }
    Ok(queue)
}

impl Scheduler {
    /// Spawn a poll for each due feed that is not being polled already, at
    /// most [`FEED_CONCURRENCY`] at once (the feed is read from the store in
    /// the poll's own task).
    pub(super) fn start_due_polls(&mut self) {
        let now = self.clock.now();
        while self.polls.len() < FEED_CONCURRENCY {
            let Some((url, _)) = self.feed_queue.pop_due(now) else {
                break;
            };
            if self.polling.contains(&url) {
                continue; // put back when its poll ends
            }
            self.polling.insert(url.clone());
            let (p, store) = (self.pipeline.clone(), self.store.clone());
            self.polls.spawn(async move {
                let u = url.clone();
                let r = match blocking(&store, move |s| s.feed(&u)).await {
                    Ok(feed) => p.poll_feed(&feed).await,
                    Err(_) => Err(StoreError::NotFound(url.clone())), // removed meanwhile
                };
                (url, r)
            });
        }
    }

    /// A poll ended: count it, queue the watches it added for a check now,
    /// and put the feed back on its queue at its next due time. Only a
    /// store failure is an error.
    pub(super) fn finish_poll(
        &mut self,
        done: Result<PollEnd, JoinError>,
    ) -> Result<(), StoreError> {
        let (url, result) = match done {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(error = %e, "a feed poll task panicked");
                return Ok(());
            }
        };
        self.polling.remove(&url);
        match result {
            Ok(p) => {
                self.metrics
                    .record_feed_poll(p.outcome, p.added.len(), p.rejected);
                let now = self.clock.now();
                for w in p.added.into_iter().chain(p.hinted) {
                    if self.pipeline.is_active(&w) {
                        self.queue.set(w.url, now);
                    }
                }
                if self.pipeline.is_configured_feed(&url) {
                    self.feed_queue.set(url, p.next_due);
                }
                Ok(())
            }
            Err(StoreError::NotFound(_)) => Ok(()), // left the config while polled
            Err(e) if super::degraded::pauses(&e) => {
                self.feed_queue.set(url, self.clock.now()); // polled again once there is room
                Err(e)
            }
            Err(e) => {
                tracing::error!(feed = %url, error = %e, "could not store a feed poll");
                Err(e)
            }
        }
    }
}
