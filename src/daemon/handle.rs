//! The daemon's side of the web layer: [`Handle`], its implementation of
//! [`crate::web::DaemonHandle`]. Watch-list changes made through the API
//! reach the scheduler loop as [`Control`] messages; `/healthz` and
//! `/metrics` read the loop's [`Metrics`], the degraded (full-disk) state
//! and the last disk-space sample.

use super::metrics::Metrics;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// A change to the watch list, for the scheduler loop that owns the queue.
#[derive(Debug)]
pub enum Control {
    /// A watch was added or changed: queue it for `next_due` (now when
    /// `None`) unless it is being checked.
    Upserted {
        /// The watch's URL, as stored.
        url: String,
        /// When its next check is due.
        next_due: Option<DateTime<Utc>>,
    },
    /// The watch with this URL was removed: off the queue.
    Removed(String),
    /// Run a delivery round now (an alert was made due again).
    DeliverNow,
    /// Compact the store (checks paused meanwhile) and answer here.
    Compact(CompactReply),
}

/// Where the scheduler answers a [`Control::Compact`].
pub type CompactReply = tokio::sync::oneshot::Sender<Result<crate::store::CompactReport, String>>;

/// Why the store cannot be written, while it cannot (shared with
/// [`super::degraded::Degraded`]).
pub type DegradedState = Arc<Mutex<Option<String>>>;

/// What the daemon hands the web layer.
pub struct Handle {
    metrics: Arc<Metrics>,
    store: Arc<dyn Store>,
    control: mpsc::UnboundedSender<Control>,
    degraded: DegradedState,
    /// The scheduler's current pipeline (replaced on reload): which watches
    /// the running config lists.
    pipeline: Option<CurrentPipeline>,
    /// The last disk-space sample.
    space: Option<super::disk::SpaceState>,
}

/// The pipeline the scheduler runs, shared with the web layer's handle.
pub type CurrentPipeline = Arc<std::sync::RwLock<Arc<crate::pipeline::Pipeline>>>;

impl Handle {
    /// A handle and the receiving end of its [`Control`] messages, which
    /// the scheduler loop reads.
    pub fn new(
        metrics: Arc<Metrics>,
        store: Arc<dyn Store>,
        degraded: DegradedState,
    ) -> (Handle, mpsc::UnboundedReceiver<Control>) {
        let (control, rx) = mpsc::unbounded_channel();
        let handle = Handle {
            metrics,
            store,
            control,
            degraded,
            pipeline: None,
            space: None,
        };
        (handle, rx)
    }

    /// Answer [`DaemonHandle::inactive`] from the scheduler's pipeline.
    pub fn with_pipeline(mut self, pipeline: CurrentPipeline) -> Handle {
        self.pipeline = Some(pipeline);
        self
    }

    /// Answer [`DaemonHandle::space`] from the daemon's disk sampler.
    pub fn with_space(mut self, space: super::disk::SpaceState) -> Handle {
        self.space = Some(space);
        self
    }

    fn send(&self, c: Control) {
        // the loop is gone only while the daemon shuts down
        let _ = self.control.send(c);
    }
}

impl crate::web::DaemonHandle for Handle {
    fn watch_upserted(&self, url: String, next_due: Option<DateTime<Utc>>) {
        self.send(Control::Upserted { url, next_due });
    }

    fn watch_removed(&self, url: String) {
        self.send(Control::Removed(url));
    }

    fn deliver_now(&self) {
        self.send(Control::DeliverNow);
    }

    fn compact(
        &self,
    ) -> Option<tokio::sync::oneshot::Receiver<Result<crate::store::CompactReport, String>>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Control::Compact(tx));
        Some(rx)
    }

    fn seconds_since_tick(&self) -> i64 {
        self.metrics.since_tick()
    }

    fn degraded(&self) -> Option<String> {
        self.degraded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn space(&self) -> Option<crate::core::space::SpaceReport> {
        let space = self.space.as_ref()?;
        space.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn metrics(&self, accept: Option<&str>) -> (&'static str, String) {
        // sizes of in-memory state are read when scraped
        if let Some(stats) = self.store.match_index_stats() {
            self.metrics.index_articles.set(stats.articles as i64);
            self.metrics.index_bytes.set(stats.heap_bytes as i64);
        }
        self.metrics.render_for(accept)
    }

    fn inactive(&self, w: &crate::store::Watch) -> bool {
        self.pipeline.as_ref().is_some_and(|p| {
            let p = p.read().unwrap_or_else(|e| e.into_inner());
            !p.is_active(w)
        })
    }
}
