//! `copydesk run`: the long-running service. One scheduler loop owns the
//! due queue and hands due watches to the pipeline (at most `concurrency` at
//! once; the fetcher keeps each host's limit), reloads the config on request,
//! delivers the outbox, and on shutdown lets in-flight checks finish within
//! a deadline, flushes and returns.
//!
//! Shutdown and reload arrive as a future and a channel, and the listener is
//! passed in, so tests drive all of it without signals or fixed ports.

pub mod api;
pub mod backup;
pub mod degraded;
mod feeds;
pub mod file;
pub mod http;
pub mod listener;
pub mod metrics;
pub mod queue;

use crate::config::{Config, ConfigError};
use crate::pipeline::{Checked, Pipeline, PipelineError};
use crate::store::{Store, StoreError, Watch};
use chrono::Utc;
use metrics::{Metrics, WatchState};
use queue::{startup_due, DueQueue};
use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// In-flight checks get this long to finish after a shutdown request.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// The outbox is retried at least this often.
pub const DELIVERY_INTERVAL: Duration = Duration::from_secs(30);
/// The loop turns at least this often (watchdog pings, metrics, lag).
pub const MAX_SLEEP: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the HTTP listener failed: {0}")]
    Listener(std::io::Error),
}

/// What the daemon is started with.
pub struct Daemon {
    pub config: Config,
    /// Where the config was read from; reloads read it again.
    pub config_path: PathBuf,
    pub store: Arc<dyn Store>,
    pub listener: tokio::net::TcpListener,
    pub grace: Duration,
    /// Where to write the address of the running daemon, for CLI commands
    /// that find the store locked (removed on exit).
    pub daemon_file: Option<PathBuf>,
}

pub use file::{daemon_file, DaemonInfo};

/// Tell systemd something (a no-op when not started by systemd).
fn notify(state: &[sd_notify::NotifyState]) {
    if let Err(e) = sd_notify::notify(false, state) {
        tracing::debug!(error = %e, "sd_notify failed");
    }
}

impl Daemon {
    /// Run until `shutdown` completes; each message on `reload` re-reads the
    /// config (a bad one is logged and the running one kept).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()>,
        mut reload: mpsc::Receiver<()>,
    ) -> Result<(), DaemonError> {
        let Daemon {
            mut config,
            config_path,
            store,
            listener,
            grace,
            daemon_file,
        } = self;
        // removed when this function returns, however it returns
        let mut daemon_file_guard = None;
        if let Some(path) = &daemon_file {
            let mut addr = listener.local_addr().map_err(DaemonError::Listener)?;
            if addr.ip().is_unspecified() {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            let info = DaemonInfo {
                url: format!("http://{addr}"),
                pid: std::process::id(),
                store_id: Some(store.store_id()),
            };
            match file::DaemonFile::write(path, &info) {
                Ok(f) => daemon_file_guard = Some(f),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot write the daemon file; CLI commands will not find this daemon")
                }
            }
        }
        let metrics = Arc::new(Metrics::new());
        metrics.tick();
        let mut pipeline = Arc::new(Pipeline::new(&config, store.clone())?);
        let mut queue = build_queue(&pipeline, &metrics, true)?;
        let mut feed_queue = feeds::build_feed_queue(&pipeline)?;
        let mut polls = feeds::Polls::new();
        let mut polling: HashSet<String> = HashSet::new();

        let degraded_state = Arc::new(std::sync::Mutex::new(None));
        let degraded = degraded_state.clone();
        let mut paused = degraded::Degraded::new(degraded_state);
        let mut backups = backup::Schedule::new(&config);
        let (control_tx, mut control) = mpsc::unbounded_channel();
        let app = http::router(http::AppState {
            metrics: metrics.clone(),
            store: store.clone(),
            token: config.web.token.clone(),
            control: control_tx,
            outlets: Arc::new(config.outlet_map()),
            public: config.web.public.clone(),
            logins: Default::default(),
            degraded: degraded.clone(),
        });
        let limits = listener::Limits::from_config(&config.web);
        let app = app.layer(axum::middleware::from_fn_with_state(
            limits.body_timeout,
            listener::bounded_body,
        ));
        let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(listener::serve(
            listener,
            app,
            limits,
            metrics.clone(),
            async {
                let _ = http_stopped.await;
            },
        ));

        let mut usec = 0u64;
        let watchdog =
            sd_notify::watchdog_enabled(false, &mut usec).then(|| Duration::from_micros(usec) / 2);
        let mut last_ping = tokio::time::Instant::now();
        notify(&[sd_notify::NotifyState::Ready]);
        tracing::info!(
            watches = queue.len(),
            feeds = feed_queue.len(),
            "daemon started"
        );

        let mut in_flight: JoinSet<(Watch, Result<Checked, StoreError>)> = JoinSet::new();
        let mut running: HashSet<String> = HashSet::new();
        let mut deliver_at = tokio::time::Instant::now();
        let mut first_round = true;
        tokio::pin!(shutdown);
        loop {
            metrics.tick();
            if let Some(period) = watchdog {
                if last_ping.elapsed() >= period {
                    notify(&[sd_notify::NotifyState::Watchdog]);
                    last_ping = tokio::time::Instant::now();
                }
            }
            if paused.probe(&store).await {
                deliver_at = tokio::time::Instant::now();
            }
            let writable = !paused.is_set();
            if let (true, Some(b)) = (writable, backups.as_mut()) {
                b.turn(&store).await;
            }
            if writable {
                feeds::start_due(&pipeline, &store, &mut feed_queue, &mut polls, &mut polling);
            }
            let now = Utc::now();
            // nothing is started while the store cannot be written
            let limit = if writable { config.concurrency() } else { 0 };
            while in_flight.len() < limit {
                let Some((url, _)) = queue.pop_due(now) else {
                    break;
                };
                if running.contains(&url) {
                    continue; // rescheduled when its check ends
                }
                let Ok(watch) = store.watch(&url) else {
                    continue; // removed meanwhile
                };
                running.insert(url);
                let p = pipeline.clone();
                in_flight.spawn(async move {
                    let r = p.check_watch(&watch).await;
                    (watch, r)
                });
            }
            metrics.in_flight.set(in_flight.len() as i64);
            metrics
                .due_lag_seconds
                .set(queue.lag(now).num_milliseconds() as f64 / 1000.0);

            if writable && tokio::time::Instant::now() >= deliver_at {
                // The first round after a start retries everything at once:
                // a restart often follows fixing a receiver.
                deliver(&pipeline, &store, &metrics, first_round).await;
                first_round = false;
                if let Ok(watches) = store.watches() {
                    count_states(&watches, &pipeline, &metrics);
                }
                let every = DELIVERY_INTERVAL.min(pipeline.retry_backoff());
                deliver_at = tokio::time::Instant::now() + every;
            }

            let sleep = [queue.next_time(), feed_queue.next_time()]
                .into_iter()
                .flatten()
                .min()
                .and_then(|t| (t - Utc::now()).to_std().ok())
                .unwrap_or(MAX_SLEEP)
                .min(MAX_SLEEP);
            tokio::select! {
                _ = &mut shutdown => break,
                Some(()) = reload.recv() => {
                    match reload_config(&config_path, &store) {
                        Ok((cfg, p)) => {
                            if let Some(b) = backups.as_mut() {
                                b.finish().await;
                            }
                            backups = backup::Schedule::new(&cfg);
                            config = cfg;
                            pipeline = Arc::new(p);
                            queue = build_queue(&pipeline, &metrics, false)?;
                            for url in &running {
                                queue.remove(url);
                            }
                            feed_queue = feeds::build_feed_queue(&pipeline)?;
                            for url in &polling {
                                feed_queue.remove(url);
                            }
                            metrics.reloads.get_or_create(&metrics::OutcomeLabel { outcome: "ok".into() }).inc();
                            tracing::info!(watches = queue.len() + running.len(), "config reloaded");
                        }
                        Err(e) => {
                            metrics.reloads.get_or_create(&metrics::OutcomeLabel { outcome: "failed".into() }).inc();
                            tracing::error!(path = %config_path.display(), error = %e, "config reload failed; keeping the running config");
                        }
                    }
                }
                Some(change) = control.recv() => match change {
                    api::Control::Upserted { url, next_due } => {
                        if !running.contains(&url) {
                            queue.set(url, next_due.unwrap_or_else(Utc::now));
                        }
                    }
                    api::Control::Removed(url) => queue.remove(&url),
                    api::Control::DeliverNow => deliver_at = tokio::time::Instant::now(),
                },
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    let done = match finish(done, &mut queue, &mut running, &metrics) {
                        Ok(d) => d,
                        Err(e) if degraded::pauses(&e) => {
                            paused.enter(&e);
                            Finished::default()
                        }
                        Err(e) => return Err(e.into()),
                    };
                    if done.events {
                        deliver_at = tokio::time::Instant::now();
                    }
                    if done.state_changed {
                        if let Ok(watches) = store.watches() {
                            count_states(&watches, &pipeline, &metrics);
                        }
                    }
                }
                Some(done) = polls.join_next(), if !polls.is_empty() => {
                    match feeds::finish_poll(done, &pipeline, &mut feed_queue, &mut queue, &mut polling, &metrics) {
                        Err(e) if degraded::pauses(&e) => paused.enter(&e),
                        r => r?,
                    }
                }
                _ = tokio::time::sleep(sleep) => {}
            }
        }
        // a feed poll has nothing worth waiting for: it runs again next time
        polls.shutdown().await;
        if let Some(b) = backups.as_mut() {
            b.finish().await;
        }

        tracing::info!(in_flight = in_flight.len(), "shutting down");
        notify(&[sd_notify::NotifyState::Stopping]);
        let deadline = tokio::time::Instant::now() + grace;
        while !in_flight.is_empty() {
            match tokio::time::timeout_at(deadline, in_flight.join_next()).await {
                Ok(Some(done)) => match finish(done, &mut queue, &mut running, &metrics) {
                    Err(e) if degraded::pauses(&e) => paused.enter(&e),
                    r => {
                        r?;
                    }
                },
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(
                        cancelled = in_flight.len(),
                        "shutdown deadline reached; cancelling the remaining checks"
                    );
                    in_flight.shutdown().await;
                    break;
                }
            }
        }
        let flush_store = store.clone();
        let flushed = tokio::task::spawn_blocking(move || flush_store.flush())
            .await
            .map_err(|e| StoreError::Corrupt {
                tree: "flush",
                detail: e.to_string(),
            })?;
        match flushed {
            // every version and event was flushed when it was stored; what
            // is left unwritten on a full disk is check bookkeeping
            Err(e) if paused.is_set() && degraded::pauses(&e) => {
                tracing::warn!(error = %e, "could not flush the database at exit (it cannot be written)")
            }
            r => r?,
        }
        let _ = stop_http.send(());
        drop(daemon_file_guard);
        if let Ok(Err(e)) = server.await {
            return Err(DaemonError::Listener(e));
        }
        tracing::info!("stopped");
        Ok(())
    }
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

/// A check ended: put the watch back on the queue and count it.
fn finish(
    done: Result<(Watch, Result<Checked, StoreError>), tokio::task::JoinError>,
    queue: &mut DueQueue,
    running: &mut HashSet<String>,
    metrics: &Metrics,
) -> Result<Finished, StoreError> {
    let (watch, result) = match done {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "a check task panicked");
            return Ok(Finished::default());
        }
    };
    running.remove(&watch.url);
    match result {
        Ok(c) => {
            metrics.record_check(c.outcome, c.duration.as_secs_f64());
            metrics.record_confirmation(c.confirmation);
            log_failing_change(&watch, &c);
            let before = WatchState::of_checked(watch.retired, watch.consecutive_failures > 0);
            let after = WatchState::of_checked(c.next_due.is_none(), c.failing);
            if let Some(due) = c.next_due {
                // under the URL the watch has now (it may have followed
                // its page's canonical URL)
                queue.set(c.url.clone(), due);
            }
            Ok(Finished {
                events: c.events > 0,
                state_changed: before != after,
            })
        }
        Err(StoreError::NotFound(_)) => Ok(Finished::default()), // removed while it was checked
        Err(e) if degraded::pauses(&e) => {
            // checked again once the store can be written
            queue.set(watch.url, Utc::now());
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

async fn deliver(pipeline: &Pipeline, store: &Arc<dyn Store>, metrics: &Metrics, force: bool) {
    match pipeline.deliver(force).await {
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
    let s = store.clone();
    if let Ok(Ok(outbox)) = tokio::task::spawn_blocking(move || s.outbox()).await {
        let dead = outbox.iter().filter(|(d, _)| d.dead).count();
        metrics.events_pending.set((outbox.len() - dead) as i64);
        metrics.deliveries_dead.set(dead as i64);
    }
}

fn reload_config(
    path: &std::path::Path,
    store: &Arc<dyn Store>,
) -> Result<(Config, Pipeline), String> {
    let cfg = Config::load(path).map_err(|e: ConfigError| e.to_string())?;
    let p = Pipeline::new(&cfg, store.clone()).map_err(|e| e.to_string())?;
    Ok((cfg, p))
}

/// The due queue from the store: every active, not retired watch at its
/// stored due time (overdue ones spread out at start-up).
fn build_queue(
    pipeline: &Pipeline,
    metrics: &Metrics,
    startup: bool,
) -> Result<DueQueue, StoreError> {
    let now = Utc::now();
    let mut queue = DueQueue::new();
    let watches = pipeline.store().watches()?;
    count_states(&watches, pipeline, metrics);
    for w in watches {
        if !pipeline.is_active(&w) || w.retired {
            continue;
        }
        let due = if startup {
            let interval = pipeline
                .next_due(&w, now, None)
                .map(|n| n - now)
                .unwrap_or(chrono::Duration::zero());
            let key = xxhash_rust::xxh3::xxh3_64(w.url.as_bytes());
            startup_due(pipeline.due_at(&w), interval, now, key)
        } else {
            pipeline.due_at(&w).unwrap_or(now)
        };
        queue.set(w.url, due);
    }
    Ok(queue)
}

/// Set the `copydesk_watches{state}` gauges.
fn count_states(watches: &[Watch], pipeline: &Pipeline, metrics: &Metrics) {
    let mut counts = [0usize; WatchState::ALL.len()];
    for w in watches {
        let state = if pipeline.is_active(w) {
            WatchState::of_checked(w.retired, w.consecutive_failures > 0)
        } else {
            WatchState::Inactive
        };
        counts[state as usize] += 1;
    }
    for state in WatchState::ALL {
        metrics.set_watches(state, counts[state as usize]);
    }
}
