//! `copydesk run`: open the store, bind the listener, turn signals into the
//! daemon's shutdown future and reload channel, and run it.

use super::commands::open_store;
use crate::config::Config;
use crate::daemon::Daemon;
use anyhow::{Context, Result};
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

pub async fn run(cfg: Config, grace: Duration) -> Result<()> {
    let store = open_store(&cfg)?;
    let cfg_storage = cfg.storage_path();
    let listen = cfg.web.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (set [web] listen in the config)"))?;
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
    };
    daemon.run(shutdown, reload_rx).await?;
    Ok(())
}
