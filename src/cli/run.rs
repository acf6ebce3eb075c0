//! `copydesk run`: open the store, bind the listener, turn signals into the
//! daemon's shutdown future and reload channel, and run it.

use super::commands::open_store;
use crate::config::Config;
use crate::daemon::Daemon;
use anyhow::{Context, Result};
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

/// While the store opens, how often systemd is asked for more time, and
/// how much (`EXTEND_TIMEOUT_USEC`).
const EXTEND_EVERY: Duration = Duration::from_secs(20);
const EXTEND_BY_USEC: u32 = 60_000_000;

/// Open the store, asking systemd for more start-up time until it is open:
/// sled's recovery of a large database or a layout upgrade can take longer
/// than `TimeoutStartSec=` (90 s by default), and a start that is killed
/// for it would be restarted, and killed, forever. Without systemd
/// (`NOTIFY_SOCKET` unset) the notifications are no-ops.
fn open_store_extending(cfg: &Config) -> Result<std::sync::Arc<dyn crate::store::Store>> {
    use sd_notify::NotifyState;
    use std::sync::mpsc::{channel, RecvTimeoutError};
    let (done, wait) = channel::<()>();
    let pinger = std::thread::spawn(move || loop {
        let states = [
            NotifyState::ExtendTimeoutUsec(EXTEND_BY_USEC),
            NotifyState::Status("opening the store"),
        ];
        if let Err(e) = sd_notify::notify(false, &states) {
            tracing::debug!(error = %e, "sd_notify failed");
        }
        if !matches!(
            wait.recv_timeout(EXTEND_EVERY),
            Err(RecvTimeoutError::Timeout)
        ) {
            break;
        }
    });
    // the republication postings are built in memory at the first check
    // otherwise: a large index takes seconds, better spent here
    let store = open_store(cfg).and_then(|s| {
        s.load_match_index()
            .context("cannot read the republication index")?;
        Ok(s)
    });
    drop(done);
    let _ = pinger.join();
    store
}

pub async fn run(cfg: Config, grace: Duration) -> Result<()> {
    // the address first: a busy port must not leave a new, empty database
    // (or its directory) behind
    let listen = cfg.web.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (set [web] listen in the config)"))?;
    let store = open_store_extending(&cfg)?;
    let cfg_storage = cfg.storage_path();
    let addr = listener.local_addr().context("listener address")?;
    // One plain line on stdout, for people and for tests that bind port 0.
    println!("copydesk: listening on http://{addr}");

    let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("SIGINT handler")?;
    let mut hup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
    let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the config");
            if reload_tx.send(()).await.is_err() {
                break;
            }
        }
    });
    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
        }
    };
    let daemon = Daemon {
        config_path: cfg.source.clone(),
        config: cfg,
        store,
        listener,
        grace,
        daemon_file: Some(crate::daemon::daemon_file(&cfg_storage)),
        clock: crate::clock::system(),
    };
    daemon.run(shutdown, reload_rx).await?;
    Ok(())
}
