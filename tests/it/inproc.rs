//! `Daemon::run` in the test's own runtime, on the real time or on a
//! [`ManualClock`] that the test moves: the test waits for what the daemon
//! does (a request at the test server, a metric, a stored check), so that
//! "when" is asserted exactly: a watch is checked when it is due and not a
//! millisecond before.
//!
//! The runtime is tokio's current-thread one (the default of
//! `#[tokio::test]`): the scheduler, the HTTP listener and the test take
//! turns on one thread, so a nap of the scheduler on the clock (see
//! [`ManualClock::nap_after`]) means it has started everything due at the
//! time it saw, a scrape of `/metrics` sees one consistent moment, and a
//! store call made on that thread is one that would block
//! the daemon's async threads: the store records those
//! ([`GuardedStore::record_calls_on`]) and [`InProc::stop`] fails the test
//! on any.

use crate::common::Env;
use copydesk::clock::{Clock, ManualClock};
use copydesk::config::Config;
use copydesk::daemon::{Daemon, DaemonError};
use copydesk::store::{CheckRecord, GuardedStore, Store, Watch};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long a test waits for something the daemon does (real time: a
/// fetch from loopback, a blocking store call); a bound against hanging,
/// never a measurement.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A running in-process daemon.
pub struct InProc {
    /// The clock the test moves (`None`: the real time).
    pub clock: Option<Arc<ManualClock>>,
    pub store: Arc<dyn Store>,
    guarded: Arc<GuardedStore>,
    pub addr: SocketAddr,
    pub reload: mpsc::Sender<()>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), DaemonError>>>,
}

impl InProc {
    /// Start on `env`'s config and store, on the real time; in-flight
    /// checks get `grace` at shutdown.
    pub async fn start(env: &Env, grace: Duration) -> InProc {
        InProc::launch(env, None, grace).await
    }

    /// Start on a clock that the test moves.
    pub async fn start_clocked(env: &Env, clock: &Arc<ManualClock>, grace: Duration) -> InProc {
        InProc::launch(env, Some(clock.clone()), grace).await
    }

    async fn launch(env: &Env, manual: Option<Arc<ManualClock>>, grace: Duration) -> InProc {
        let config = Config::load(&env.config).expect("the test config");
        let (path, cache) = (config.storage_path(), config.storage.cache_mb);
        let store = tokio::task::spawn_blocking(move || GuardedStore::open(&path, cache))
            .await
            .expect("the open task")
            .expect("open the store");
        let guarded = Arc::new(store);
        guarded.record_calls_on(std::thread::current().id());
        let store: Arc<dyn Store> = guarded.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("listener address");
        let (stop, stopped) = oneshot::channel::<()>();
        let (reload, reload_rx) = mpsc::channel(4);
        let daemon = Daemon {
            config,
            config_path: env.config.clone(),
            store: store.clone(),
            listener,
            grace,
            daemon_file: None,
            clock: match &manual {
                Some(c) => c.clone() as Arc<dyn Clock>,
                None => copydesk::clock::system(),
            },
        };
        let task = tokio::spawn(daemon.run(
            async move {
                let _ = stopped.await;
            },
            reload_rx,
        ));
        InProc {
            clock: manual,
            store,
            guarded,
            addr,
            reload,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Ask it to stop and wait until `run` returns; what it returned and
    /// how long that took. Fails on a store call made on the runtime's
    /// thread while it ran.
    pub async fn stop(mut self) -> (Result<(), DaemonError>, Duration) {
        let t = Instant::now();
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let task = self.task.take().expect("running");
        let r = tokio::time::timeout(PATIENCE, task)
            .await
            .expect("the daemon stops")
            .expect("the daemon task");
        let took = t.elapsed();
        let calls = self.guarded.calls_recorded();
        assert!(
            calls.is_empty(),
            "{} store call(s) on the async thread; the first:\n{}",
            calls.len(),
            calls[0]
        );
        (r, took)
    }

    /// Move the clock to `at` and wait until the scheduler has seen it and
    /// started what is due then.
    pub async fn set_clock(&self, at: chrono::DateTime<chrono::Utc>) {
        let clock = self.clock.as_ref().expect("a manual clock");
        let naps = clock.naps();
        clock.set(at);
        tokio::time::timeout(PATIENCE, clock.nap_after(naps))
            .await
            .expect("the scheduler turns");
    }

    /// `GET path`: status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(self.addr)
            .await
            .expect("connect to the daemon");
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        );
        s.write_all(req.as_bytes()).await.expect("send");
        let mut raw = Vec::new();
        tokio::time::timeout(PATIENCE, s.read_to_end(&mut raw))
            .await
            .expect("an answer in time")
            .expect("read");
        crate::common::daemon::status_and_body(&String::from_utf8_lossy(&raw))
    }

    /// A metric's value (summed over the series whose labels contain
    /// `label`), from one scrape of `/metrics`.
    pub async fn metric(&self, name: &str, label: &str) -> f64 {
        let (status, text) = self.get("/metrics").await;
        assert_eq!(status, 200, "{text}");
        sum_metric(&text, name, label)
    }

    /// Checks stored so far (every outcome) and checks in flight, from one
    /// scrape (one moment: see the module's note).
    pub async fn checks(&self) -> (f64, f64) {
        let (_, text) = self.get("/metrics").await;
        (
            sum_metric(&text, "copydesk_check_duration_seconds_count", ""),
            sum_metric(&text, "copydesk_checks_in_flight", ""),
        )
    }

    /// Wait (real time, up to [`PATIENCE`]) until the metric is at least
    /// `min`.
    pub async fn until_metric(&self, name: &str, label: &str, min: f64) {
        let t = Instant::now();
        while self.metric(name, label).await < min {
            assert!(t.elapsed() < PATIENCE, "{name}{{{label}}} < {min}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Wait (real time, up to [`PATIENCE`]) until `n` checks are stored
    /// and none is in flight.
    pub async fn until_checks(&self, n: f64) {
        let t = Instant::now();
        loop {
            let (done, in_flight) = self.checks().await;
            if done == n && in_flight == 0.0 {
                return;
            }
            assert!(done <= n, "{done} checks, expected {n}");
            assert!(t.elapsed() < PATIENCE, "{done} checks, waiting for {n}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The watch and its stored checks, newest first.
    pub async fn watch(&self, url: &str) -> (Watch, Vec<CheckRecord>) {
        let (store, url) = (self.store.clone(), url.to_string());
        tokio::task::spawn_blocking(move || {
            let w = store.watch(&url).expect("the watch");
            let checks = store.checks(w.id, 100).expect("its checks");
            (w, checks)
        })
        .await
        .expect("the store task")
    }
}

impl Drop for InProc {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// Wait (real time, up to [`PATIENCE`]) until `cond` holds.
pub async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < PATIENCE, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The sum of the series of `name` whose labels contain `label`.
fn sum_metric(text: &str, name: &str, label: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| series.split('{').next() == Some(name) && series.contains(label))
        .map(|(_, v)| v.parse::<f64>().expect("a number"))
        .sum()
}

/// A time to start a manual clock at: the real time (the store stamps a
/// new watch with it) to the whole second.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(0)
}
