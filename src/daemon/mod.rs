//! `copydesk run`: the long-running service. [`Daemon::run`] starts it (the
//! daemon file, the HTTP listener), hands the loop to the scheduler (one
//! owner of the due queues, which hands due watches to the pipeline, at most
//! `concurrency` at once, the fetcher keeping each host's limit; reloads
//! the config on request; delivers the outbox), and on shutdown lets
//! in-flight checks finish within a deadline, flushes and returns.
//!
//! Shutdown and reload arrive as a future and a channel, and the listener is
//! passed in, so tests drive all of it without signals or fixed ports.

pub mod backup;
mod compaction;
pub mod degraded;
pub mod disk;
mod feeds;
pub mod file;
pub mod gc;
pub mod handle;
pub mod listener;
pub mod memory;
pub mod metrics;
pub mod queue;
mod scheduler;
mod shared;

use crate::config::Config;
use crate::pipeline::PipelineError;
use crate::store::{Store, StoreError};
use metrics::Metrics;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// In-flight checks get this long to finish after a shutdown request.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// The outbox is retried at least this often.
pub const DELIVERY_INTERVAL: Duration = Duration::from_secs(30);
/// The loop turns at least this often (watchdog pings, metrics, lag).
pub const MAX_SLEEP: Duration = Duration::from_secs(1);

/// Why the daemon stopped other than by a shutdown (a full disk pauses it
/// instead, see [`degraded`]).
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Syncing the config into the store or loading the queues failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// A store failure that is not a full disk (a damaged database).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP listener stopped with an I/O error.
    #[error("the HTTP listener failed: {0}")]
    Listener(std::io::Error),
}

/// What the daemon is started with.
pub struct Daemon {
    /// The config read at start (a reload reads `config_path` again).
    pub config: Config,
    /// Where the config was read from; reloads read it again.
    pub config_path: PathBuf,
    /// The store, held by this process alone.
    pub store: Arc<dyn Store>,
    /// The bound listener of `[web] listen` (tests bind `127.0.0.1:0`).
    pub listener: tokio::net::TcpListener,
    /// How long checks in flight may finish at shutdown before they are
    /// cancelled.
    pub grace: Duration,
    /// Where to write the address of the running daemon, for CLI commands
    /// that find the store locked (removed on exit).
    pub daemon_file: Option<PathBuf>,
    /// When watches, feeds and deliveries are due: [`crate::clock::system`]
    /// in production, a [`crate::clock::ManualClock`] in tests.
    pub clock: Arc<dyn crate::clock::Clock>,
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
    /// config (a bad one is logged and the running one kept). Start-up
    /// (the daemon file, the scheduler's queues, the HTTP listener), the
    /// [`scheduler::Scheduler`]'s event loop, then shutdown in reverse.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()>,
        mut reload: mpsc::Receiver<()>,
    ) -> Result<(), DaemonError> {
        let Daemon {
            config,
            config_path,
            store,
            listener,
            grace,
            daemon_file,
            clock,
        } = self;
        if memory::limit_arenas() {
            tracing::debug!(arenas = memory::ARENA_MAX, "glibc's malloc arenas capped");
        }
        // removed when this function returns, however it returns
        let daemon_file_guard = match &daemon_file {
            Some(path) => write_daemon_file(path, &listener, store.as_ref())?,
            None => None,
        };
        let mut metrics = Metrics::new();
        if store.shared() {
            metrics.register_instance(crate::store::instance_id());
            tracing::info!(
                instance = crate::store::instance_id(),
                lease_secs = config.storage.lease().as_secs(),
                "on a store shared with other daemons"
            );
        }
        let metrics = Arc::new(metrics);
        metrics.tick();
        let degraded_state = Arc::new(std::sync::Mutex::new(None));
        let degraded = degraded_state.clone();
        let space = disk::SpaceState::default();
        let disk_watch = disk::DiskWatch::new(
            config.storage_path(),
            config.storage.min_free_mb,
            space.clone(),
        );
        let mut scheduler = scheduler::Scheduler::start(
            config.clone(),
            config_path,
            store.clone(),
            clock,
            metrics.clone(),
            degraded_state,
            disk_watch,
        )
        .await?;

        let (daemon_handle, mut control) =
            handle::Handle::new(metrics.clone(), store.clone(), degraded.clone());
        let daemon_handle = daemon_handle.with_space(space);
        let daemon_handle = daemon_handle.with_pipeline(scheduler.published.clone());
        let app = crate::web::router(crate::web::AppState {
            store: store.clone(),
            token: config.web.token.clone(),
            outlets: Arc::new(config.outlet_map()),
            public: config.web.public.clone(),
            logins: Default::default(),
            daemon: Arc::new(daemon_handle),
            public_url: crate::web::state::public_base(
                config.web.public_url.as_ref().map(|u| &u.0),
            ),
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

        notify(&[sd_notify::NotifyState::Ready]);
        let (watches, feeds) = scheduler.sizes();
        tracing::info!(watches, feeds, "daemon started");
        scheduler.run(shutdown, &mut reload, &mut control).await?;
        scheduler.shutdown(grace).await?;

        let _ = stop_http.send(());
        drop(daemon_file_guard);
        if let Ok(Err(e)) = server.await {
            return Err(DaemonError::Listener(e));
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Write the address of this daemon for CLI commands (removed when the
/// returned guard drops); a file that cannot be written is logged, not
/// fatal.
fn write_daemon_file(
    path: &std::path::Path,
    listener: &tokio::net::TcpListener,
    store: &dyn Store,
) -> Result<Option<file::DaemonFile>, DaemonError> {
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
        Ok(f) => Ok(Some(f)),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot write the daemon file; CLI commands will not find this daemon");
            Ok(None)
        }
    }
}
