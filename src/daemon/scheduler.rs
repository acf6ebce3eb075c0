//! The daemon's scheduler: it owns the due queues, the checks and feed
//! polls in flight and the delivery timer, and reacts to one event at a
//! time ([`Scheduler::run`]): a turn of the loop (start what is due,
//! deliver when the timer says so), a config reload, a control message
//! from the API, a check or a feed poll that ended. [`Scheduler::start`]
//! loads the queues; [`Scheduler::shutdown`] lets checks in flight finish
//! within the grace period and flushes the store.
//!
//! Every store call runs in a blocking task ([`blocking`]): the loop's
//! thread only moves values between queues.

use super::compaction::Compactor;
use super::metrics::{self, Metrics, WatchState};
use super::queue::{due_queue, DueQueue};
use super::{
    backup, degraded, disk, feeds, gc, handle, notify, DaemonError, DELIVERY_INTERVAL, MAX_SLEEP,
};
use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::pipeline::{Checked, Pipeline};
use crate::store::{blocking, Store, StoreError, Watch};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinSet};

/// How a check task ended: the watch was gone when it was to start, or it
/// was checked; on a shared store also: another daemon has it or checked
/// it (the URL the task had, the URL to queue it under, when).
pub(super) enum CheckEnd {
    Removed(String),
    Checked(Box<(Watch, Result<Checked, StoreError>)>),
    Later(String, String, DateTime<Utc>),
}

/// What a finished check means for the loop.
#[derive(Default)]
struct Finished {
    /// It created events: deliver them now.
    events: bool,
    /// The watch moved between active, failing and retired: recount the
    /// `copydesk_watches` gauges.
    state_changed: bool,
}

pub(super) struct Scheduler {
    pub(super) config: Config,
    pub(super) config_path: PathBuf,
    pub(super) store: Arc<dyn Store>,
    /// When watches, feeds and deliveries are due (see [`crate::clock`]).
    pub(super) clock: Arc<dyn Clock>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) pipeline: Arc<Pipeline>,
    /// The same pipeline for the web layer (`super::handle`), replaced with
    /// it on reload.
    pub(super) published: super::handle::CurrentPipeline,
    /// Watches by due time (those being checked are not on it).
    pub(super) queue: DueQueue,
    pub(super) in_flight: JoinSet<CheckEnd>,
    /// URLs of the watches being checked.
    pub(super) running: HashSet<String>,
    pub(super) feed_queue: DueQueue,
    pub(super) polls: feeds::Polls,
    /// URLs of the feeds being polled.
    pub(super) polling: HashSet<String>,
    pub(super) paused: degraded::Degraded,
    pub(super) backups: Option<backup::Schedule>,
    /// Store size, free space and the low-space warning.
    pub(super) disk: disk::DiskWatch,
    /// Incremental collection of the texts of removed watches.
    pub(super) gc: gc::Collector,
    /// Compactions asked for and scheduled (`[storage] compact_every`).
    pub(super) compactor: Compactor,
    /// When the next delivery round is due.
    pub(super) deliver_at: DateTime<Utc>,
    /// The first round after a start retries everything at once: a
    /// restart often follows fixing a receiver.
    pub(super) first_round: bool,
    /// The systemd watchdog's ping period and the last ping.
    watchdog: Option<(Duration, tokio::time::Instant)>,
    /// On a store several daemons share: claims, heartbeats, the queue
    /// merged with the store (see [`super::shared`]); `None` alone.
    pub(super) shared: Option<super::shared::Shared>,
}

/// The pipeline for `config` (its `[[watch]]` and `[[feed]]` lists synced
/// into the store) and the queues built from the store.
fn load(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    metrics: &Metrics,
    startup: bool,
) -> Result<(Pipeline, DueQueue, DueQueue), crate::pipeline::PipelineError> {
    let pipeline = Pipeline::with_clock(config, store, clock)?;
    let watches = pipeline.store().watches()?;
    metrics.count_watches(&watches, |w| pipeline.is_active(w));
    let queue = due_queue(&pipeline, watches, startup);
    let feed_queue = feeds::build_feed_queue(&pipeline)?;
    Ok((pipeline, queue, feed_queue))
}

impl Scheduler {
    /// Sync the config into the store and load the queues from it.
    pub(super) async fn start(
        config: Config,
        config_path: PathBuf,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        degraded_state: Arc<std::sync::Mutex<Option<String>>>,
        disk: disk::DiskWatch,
    ) -> Result<Scheduler, DaemonError> {
        let (cfg, s, c, m) = (
            config.clone(),
            store.clone(),
            clock.clone(),
            metrics.clone(),
        );
        let (pipeline, queue, feed_queue) =
            tokio::task::spawn_blocking(move || load(&cfg, s, c, &m, true))
                .await
                .map_err(|e| crate::pipeline::PipelineError::Task(e.to_string()))??;
        let pipeline = Arc::new(pipeline);
        let store_shared = store.shared();
        let lease = config.storage.lease();
        let mut usec = 0u64;
        let watchdog = sd_notify::watchdog_enabled(false, &mut usec)
            .then(|| (Duration::from_micros(usec) / 2, tokio::time::Instant::now()));
        Ok(Scheduler {
            backups: backup::Schedule::new(&config),
            disk,
            gc: gc::Collector::new(config.storage.gc_every()).retaining(config.retention),
            compactor: Compactor::new(&config, clock.now()),
            config,
            config_path,
            store,
            metrics,
            published: Arc::new(std::sync::RwLock::new(pipeline.clone())),
            pipeline,
            queue,
            in_flight: JoinSet::new(),
            running: HashSet::new(),
            feed_queue,
            polls: feeds::Polls::new(),
            polling: HashSet::new(),
            paused: degraded::Degraded::new(degraded_state),
            deliver_at: clock.now(),
            clock,
            first_round: true,
            watchdog,
            shared: store_shared.then(|| super::shared::Shared::new(lease)),
        })
    }

    /// Watches and feeds queued.
    pub(super) fn sizes(&self) -> (usize, usize) {
        (self.queue.len(), self.feed_queue.len())
    }

    /// React to events until `shutdown` completes: each message on
    /// `reload` re-reads the config (a bad one is logged and the running
    /// one kept), each on `control` is a change made through the API.
    pub(super) async fn run(
        &mut self,
        shutdown: impl Future<Output = ()>,
        reload: &mut mpsc::Receiver<()>,
        control: &mut mpsc::UnboundedReceiver<handle::Control>,
    ) -> Result<(), DaemonError> {
        tokio::pin!(shutdown);
        loop {
            self.on_turn().await;
            let nap = self.nap();
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                Some(()) = reload.recv() => self.on_reload().await?,
                Some(change) = control.recv() => self.on_control(change),
                Some(done) = self.in_flight.join_next(), if !self.in_flight.is_empty() => {
                    self.on_check_done(done).await?
                }
                Some(done) = self.polls.join_next(), if !self.polls.is_empty() => {
                    self.on_poll_done(done)?
                }
                _ = nap => {}
            }
        }
    }

    /// A turn of the loop: metrics and the watchdog, the disk-full probe,
    /// the disk-space sample when due, backups, a step of the garbage
    /// collection when no watch is due, a delivery round when its timer is up, then start the feed
    /// polls and checks that are due. Nothing is started while the store
    /// cannot be written.
    async fn on_turn(&mut self) {
        self.metrics.tick();
        if let Some((period, last)) = &mut self.watchdog {
            if last.elapsed() >= *period {
                notify(&[sd_notify::NotifyState::Watchdog]);
                *last = tokio::time::Instant::now();
            }
        }
        if self.paused.probe(&self.store).await {
            self.deliver_at = self.clock.now();
        }
        self.disk.turn(self.clock.now(), &self.metrics).await;
        self.shared_turn().await;
        let compact_due = self.compactor.is_due(self.clock.now());
        self.compact_when_quiet().await;
        let writable = !self.paused.is_set() && !self.compactor.is_asked() && !compact_due;
        if let (true, Some(b)) = (writable, self.backups.as_mut()) {
            b.turn(&self.store).await;
        }
        if writable && self.clock.now() >= self.deliver_at {
            self.deliver().await;
            self.recount().await;
            let every = DELIVERY_INTERVAL.min(self.pipeline.retry_backoff());
            self.deliver_at =
                self.clock.now() + chrono::Duration::from_std(every).unwrap_or_default();
        }
        // One step of the collection when no watch is due (the step runs
        // in a blocking task; checks that fall due meanwhile start below).
        let now = self.clock.now();
        let idle = writable && self.queue.next_time().is_none_or(|t| t > now);
        self.gc.turn(&self.store, now, idle, &self.metrics).await;
        // No await from here to the loop's sleep: what is started is all
        // that is due at the time read here.
        if writable {
            self.start_due_polls();
        }
        let now = self.clock.now();
        let limit = if writable {
            self.config.concurrency()
        } else {
            0
        };
        self.start_due_checks(now, limit);
        self.metrics.in_flight.set(self.in_flight.len() as i64);
        self.metrics
            .due_lag_seconds
            .set(self.queue.lag(now).num_milliseconds() as f64 / 1000.0);
    }

    /// Start checks of the watches due at `now`, up to `limit` in flight.
    /// The watch is read from the store in the check's own task.
    fn start_due_checks(&mut self, now: DateTime<Utc>, limit: usize) {
        while self.in_flight.len() < limit {
            let Some((url, _)) = self.queue.pop_due(now) else {
                break;
            };
            if self.running.contains(&url) {
                continue; // rescheduled when its check ends
            }
            self.running.insert(url.clone());
            let (p, store) = (self.pipeline.clone(), self.store.clone());
            let shared = self.shared.is_some();
            self.in_flight.spawn(async move {
                let watch = match super::shared::watch_for_check(&store, &p, &url, shared).await {
                    Ok(w) => w,
                    Err(end) => return end,
                };
                let r = p.check_watch(&watch).await;
                CheckEnd::Checked(Box::new((watch, r)))
            });
        }
    }

    /// When the loop should turn again by the clock: the earliest due
    /// watch or feed, or the delivery timer; `None` when that is `now` or
    /// past (what is overdue waits for a check to end or the next turn).
    fn next_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let deliver = (!self.paused.is_set()).then_some(self.deliver_at);
        [self.queue.next_time(), self.feed_queue.next_time(), deliver]
            .into_iter()
            .flatten()
            .min()
            .filter(|t| *t > now)
    }

    /// Sleep on the clock until [`Scheduler::next_wake`], and at most
    /// [`MAX_SLEEP`] of real time (the loop turns at least that often for
    /// the watchdog, metrics and lag). The nap begins on the clock here,
    /// before anything else runs: a test's [`crate::clock::ManualClock`]
    /// then knows that everything due at the time read is started.
    fn nap(&self) -> impl Future<Output = ()> + 'static {
        let now = self.clock.now();
        let wake = self
            .next_wake(now)
            .unwrap_or(now + chrono::Duration::hours(1));
        let on_clock = self.clock.sleep_until(wake);
        async move {
            tokio::select! {
                _ = on_clock => {}
                _ = tokio::time::sleep(MAX_SLEEP) => {}
            }
        }
    }

    /// SIGHUP: read the config again and rebuild the queues from the
    /// store; the checks and polls in flight stay off them (they put
    /// their watch or feed back when they end).
    async fn on_reload(&mut self) -> Result<(), DaemonError> {
        let path = self.config_path.clone();
        let (store, clock, metrics) =
            (self.store.clone(), self.clock.clone(), self.metrics.clone());
        let loaded = tokio::task::spawn_blocking(move || {
            let cfg = Config::load(&path).map_err(|e: ConfigError| e.to_string())?;
            let (p, q, f) = load(&cfg, store, clock, &metrics, false).map_err(|e| e.to_string())?;
            Ok::<_, String>((cfg, p, q, f))
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
        let outcome = match loaded {
            Ok((cfg, p, queue, feed_queue)) => {
                if let Some(b) = self.backups.as_mut() {
                    b.finish().await;
                }
                self.backups = backup::Schedule::new(&cfg);
                self.disk.set_min_free_mb(cfg.storage.min_free_mb);
                self.gc.set_every(cfg.storage.gc_every());
                self.gc.set_retention(cfg.retention);
                self.compactor.reload(&cfg, self.clock.now());
                self.config = cfg;
                self.pipeline = Arc::new(p);
                if let Some(shared) = &self.shared {
                    self.pipeline.set_host_share(shared.live);
                }
                *self.published.write().unwrap_or_else(|e| e.into_inner()) = self.pipeline.clone();
                self.queue = queue;
                for url in &self.running {
                    self.queue.remove(url);
                }
                self.feed_queue = feed_queue;
                for url in &self.polling {
                    self.feed_queue.remove(url);
                }
                tracing::info!(
                    watches = self.queue.len() + self.running.len(),
                    "config reloaded"
                );
                "ok"
            }
            Err(e) => {
                tracing::error!(path = %self.config_path.display(), error = %e, "config reload failed; keeping the running config");
                "failed"
            }
        };
        self.metrics
            .reloads
            .get_or_create(&metrics::OutcomeLabel {
                outcome: outcome.into(),
            })
            .inc();
        Ok(())
    }

    /// A change made through the API.
    fn on_control(&mut self, change: handle::Control) {
        match change {
            handle::Control::Upserted { url, next_due } => {
                if !self.running.contains(&url) {
                    self.queue.set(url, next_due.unwrap_or_else(Utc::now));
                }
            }
            handle::Control::Removed(url) => self.queue.remove(&url),
            handle::Control::Compact(reply) => {
                tracing::info!(
                    in_flight = self.in_flight.len(),
                    "compaction asked for: checks pause until it is done"
                );
                self.compactor.ask(reply);
            }
            handle::Control::DeliverNow => self.deliver_at = self.clock.now(),
        }
    }

    /// A check ended: its watch back on the queue, counted; its events
    /// delivered now. A store that cannot be written pauses the daemon;
    /// any other store failure stops it.
    async fn on_check_done(
        &mut self,
        done: Result<CheckEnd, JoinError>,
    ) -> Result<(), DaemonError> {
        let done = match self.finish(done) {
            Ok(d) => d,
            Err(e) if degraded::pauses(&e) => {
                self.paused.enter(&e);
                Finished::default()
            }
            Err(e) => return Err(e.into()),
        };
        if done.events {
            self.deliver_at = self.clock.now();
        }
        if done.state_changed {
            self.recount().await;
        }
        Ok(())
    }

    /// Put the watch of a finished check back on the queue and count it.
    fn finish(&mut self, done: Result<CheckEnd, JoinError>) -> Result<Finished, StoreError> {
        let (watch, result) = match done {
            Ok(CheckEnd::Checked(done)) => *done,
            Ok(CheckEnd::Removed(url)) => {
                self.running.remove(&url);
                return Ok(Finished::default());
            }
            Ok(CheckEnd::Later(url, queue_as, at)) => {
                self.running.remove(&url);
                self.queue.set(queue_as, at);
                return Ok(Finished::default());
            }
            Err(e) => {
                tracing::error!(error = %e, "a check task panicked");
                return Ok(Finished::default());
            }
        };
        self.running.remove(&watch.url);
        match result {
            Ok(c) => {
                self.metrics
                    .record_check(c.outcome, c.duration.as_secs_f64());
                self.metrics.record_confirmation(c.confirmation);
                log_failing_change(&watch, &c);
                let before = WatchState::of_checked(watch.retired, watch.consecutive_failures > 0);
                let after = WatchState::of_checked(c.next_due.is_none(), c.failing);
                // (a watch that left the config while it was checked is
                // not put back)
                match c.next_due {
                    // under the URL the watch has now (it may have
                    // followed its page's canonical URL)
                    Some(due) if self.pipeline.is_active(&watch) => {
                        if c.url != watch.url {
                            self.queue.remove(&watch.url);
                        }
                        self.queue.set(c.url.clone(), due)
                    }
                    _ => {}
                }
                Ok(Finished {
                    events: c.events > 0,
                    state_changed: before != after,
                })
            }
            Err(StoreError::NotFound(_)) => Ok(Finished::default()), // removed while it was checked
            Err(e @ StoreError::Conflict { .. }) if self.shared.is_some() => {
                // another daemon stored this version first (its lease ran
                // out during this check): nothing was written; the queue
                // learns the watch's new time from its next claim
                tracing::warn!(url = %watch.url, error = %e, "another daemon checked this watch meanwhile");
                self.queue.set(watch.url, self.clock.now());
                Ok(Finished::default())
            }
            Err(e) if degraded::pauses(&e) => {
                // checked again once the store can be written
                self.queue.set(watch.url, self.clock.now());
                Err(e)
            }
            Err(e) => {
                // The store failed: that is not a remote's fault, and the
                // daemon cannot go on without its store.
                tracing::error!(url = %watch.url, error = %e, "could not store a check");
                Err(e)
            }
        }
    }

    /// A feed poll ended (see [`feeds`]).
    fn on_poll_done(&mut self, done: Result<feeds::PollEnd, JoinError>) -> Result<(), DaemonError> {
        match self.finish_poll(done) {
            Err(e) if degraded::pauses(&e) => self.paused.enter(&e),
            r => r?,
        }
        Ok(())
    }

    /// A delivery round, then the outbox gauges.
    async fn deliver(&mut self) {
        let force = std::mem::take(&mut self.first_round);
        match self.pipeline.deliver(force).await {
            Ok(r) if r.delivered + r.failed > 0 => {
                tracing::info!(
                    delivered = r.delivered,
                    failed = r.failed,
                    "outbox delivery"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "outbox delivery failed"),
        }
        if let Ok(outbox) = blocking(&self.store, |s| s.outbox()).await {
            let dead = outbox.iter().filter(|(d, _)| d.dead).count();
            self.metrics
                .events_pending
                .set((outbox.len() - dead) as i64);
            self.metrics.deliveries_dead.set(dead as i64);
        }
    }

    /// Compactions asked for or scheduled ([`Compactor::run`]), once no
    /// check or poll is in flight and the store can be written.
    async fn compact_when_quiet(&mut self) {
        if !self.in_flight.is_empty() || !self.polls.is_empty() || self.paused.is_set() {
            return;
        }
        let now = self.clock.now();
        self.compactor
            .run(&self.store, now, self.backups.as_mut())
            .await;
    }

    /// Recount the `copydesk_watches{state}` gauges from the store.
    async fn recount(&self) {
        if let Ok(watches) = blocking(&self.store, |s| s.watches()).await {
            let p = &self.pipeline;
            self.metrics.count_watches(&watches, |w| p.is_active(w));
        }
    }

    /// Shutdown: feed polls are dropped (they run again next time), a
    /// backup in progress finishes, checks in flight get `grace` to finish
    /// (then they are cancelled, their watches due as before), and the
    /// store is flushed.
    pub(super) async fn shutdown(mut self, grace: Duration) -> Result<(), DaemonError> {
        self.polls.shutdown().await;
        if let Some(b) = self.backups.as_mut() {
            b.finish().await;
        }
        tracing::info!(in_flight = self.in_flight.len(), "shutting down");
        notify(&[sd_notify::NotifyState::Stopping]);
        let deadline = tokio::time::Instant::now() + grace;
        while !self.in_flight.is_empty() {
            match tokio::time::timeout_at(deadline, self.in_flight.join_next()).await {
                Ok(Some(done)) => match self.finish(done) {
                    Err(e) if degraded::pauses(&e) => self.paused.enter(&e),
                    r => {
                        r?;
                    }
                },
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(
                        cancelled = self.in_flight.len(),
                        "shutdown deadline reached; cancelling the remaining checks"
                    );
                    self.in_flight.shutdown().await;
                    break;
                }
            }
        }
        match blocking(&self.store, |s| s.flush()).await {
            // every version and event was flushed when it was stored; what
            // is left unwritten on a full disk is check bookkeeping
            Err(e) if self.paused.is_set() && degraded::pauses(&e) => {
                tracing::warn!(error = %e, "could not flush the database at exit (it cannot be written)")
            }
            r => r?,
        }
        self.sign_off().await;
        Ok(())
    }
}

/// Log a watch that starts failing (with the reason and the next try) and
/// one that recovers, once each: the retries in between log nothing above
/// `debug` (their outcome is on the watch: `watch list`, the dashboard).
fn log_failing_change(before: &Watch, c: &Checked) {
    let was_failing = before.consecutive_failures > 0;
    match (&c.failure, was_failing, c.failing) {
        (Some((kind, reason)), false, true) => {
            let retry_at = c
                .next_due
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_else(|| "never (retired)".into());
            tracing::warn!(
                url = %before.url,
                failure = %kind,
                reason = %reason,
                retry_at = %retry_at,
                "watch failing: its check failed (logged once until it recovers; retries back off)"
            );
        }
        (_, true, false) => {
            tracing::info!(
                url = %before.url,
                failed_checks = before.consecutive_failures,
                "watch recovered: its check succeeded again"
            );
        }
        _ => {}
    }
}
