//! The daemon's feed polls: a due queue of its own, polls spawned like
//! checks (a slow feed never holds up the watch loop), and the watches a
//! poll adds put on the watch queue at once.

use super::metrics::Metrics;
use super::queue::DueQueue;
use crate::pipeline::discover::{FeedPolled, FEED_CONCURRENCY};
use crate::pipeline::Pipeline;
use crate::store::{Store, StoreError};
use chrono::Utc;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::task::JoinSet;

/// Feed polls in flight: the feed URL and what its poll did.
pub(super) type Polls = JoinSet<(String, Result<FeedPolled, StoreError>)>;

/// Every configured feed at its stored due time (now when never polled).
pub(super) fn build_feed_queue(pipeline: &Pipeline) -> Result<DueQueue, StoreError> {
    let now = Utc::now();
    let mut queue = DueQueue::new();
    for f in pipeline.due_feeds(true)? {
        queue.set(f.url, f.next_due.unwrap_or(now).max(now));
    }
    Ok(queue)
}

/// Spawn a poll for each due feed that is not being polled already, at
/// most [`FEED_CONCURRENCY`] at once.
pub(super) fn start_due(
    pipeline: &Arc<Pipeline>,
    store: &Arc<dyn Store>,
    queue: &mut DueQueue,
    polls: &mut Polls,
    running: &mut HashSet<String>,
) {
    let now = Utc::now();
    while polls.len() < FEED_CONCURRENCY {
        let Some((url, _)) = queue.pop_due(now) else {
            break;
        };
        if running.contains(&url) {
            continue; // put back when its poll ends
        }
        let Ok(feed) = store.feed(&url) else {
            continue; // removed meanwhile
        };
        running.insert(url.clone());
        let p = pipeline.clone();
        polls.spawn(async move {
            let r = p.poll_feed(&feed).await;
            (url, r)
        });
    }
}

/// A poll ended: count it, queue the watches it added for a check now, and
/// put the feed back on its queue at its next due time. Only a store
/// failure is an error.
pub(super) fn finish_poll(
    done: Result<(String, Result<FeedPolled, StoreError>), tokio::task::JoinError>,
    pipeline: &Pipeline,
    feed_queue: &mut DueQueue,
    watch_queue: &mut DueQueue,
    running: &mut HashSet<String>,
    metrics: &Metrics,
) -> Result<(), StoreError> {
    let (url, result) = match done {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "a feed poll task panicked");
            return Ok(());
        }
    };
    running.remove(&url);
    match result {
        Ok(p) => {
            metrics.record_feed_poll(p.outcome, p.added.len(), p.rejected);
            let now = Utc::now();
            for w in p.added {
                if pipeline.is_active(&w) {
                    watch_queue.set(w.url, now);
                }
            }
            if pipeline.due_feeds(true)?.iter().any(|f| f.url == url) {
                feed_queue.set(url, p.next_due);
            }
            Ok(())
        }
        Err(StoreError::NotFound(_)) => Ok(()), // left the config while polled
        Err(e) if super::degraded::pauses(&e) => {
            feed_queue.set(url, Utc::now()); // polled again once there is room
            Err(e)
        }
        Err(e) => {
            tracing::error!(feed = %url, error = %e, "could not store a feed poll");
            Err(e)
        }
    }
}
