//! The daemon's HTTP listener: the router served over hyper with limits, so
//! that slow or idle clients cannot take the listener (or the process's
//! file descriptors) away from `/healthz`, `/metrics` and everyone else.
//!
//! - At most [`Limits::max_connections`] connections are open (fewer when
//!   the open-file limit is low). At the cap, the oldest connection that is
//!   not inside a request (idle keep-alive, or still sending its headers)
//!   is closed to make room; when every connection is busy, the new one is
//!   closed. Either is logged (`connection limit reached`, at most every
//!   10 s) and counted (`copydesk_http_connections_shed_total`).
//! - A request's headers must arrive within `header_timeout` (this also
//!   closes idle keep-alive connections); its body within `body_timeout`
//!   (see [`bounded_body`]), else 408.
//! - Running out of file descriptors on accept closes the oldest idle
//!   connection instead of spinning.
//! - On shutdown, connections get [`SHUTDOWN_WAIT`] to finish.

use super::metrics::Metrics;
use crate::web::api::error_for;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

/// `[web] max_connections` default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// `[web] header_timeout` default.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// `[web] body_timeout` default.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request body taken (the API's bodies are small JSON).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Open files kept for everything but the listener's connections (store,
/// fetches, sinks, the runtime) when the open-file limit caps connections.
pub const FD_RESERVE: usize = 96;
/// Connections get this long to finish after a shutdown request.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);
/// Shedding is logged at most this often.
const SHED_LOG_EVERY: Duration = Duration::from_secs(10);

/// How much the listener takes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `[web] max_connections`: open connections at most (fewer with a
    /// low open-file limit); at the cap the oldest idle or half-sent one
    /// is closed.
    pub max_connections: usize,
    /// `[web] header_timeout`: a request's headers must arrive within it.
    pub header_timeout: Duration,
    /// `[web] body_timeout`: a request's body must arrive within it (408).
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

impl Limits {
    /// What `[web]` asks for, the defaults above where it is silent.
    pub fn from_config(web: &crate::config::WebConfig) -> Limits {
        let d = Limits::default();
        Limits {
            max_connections: web
                .max_connections
                .map_or(d.max_connections, |p| p.0 as usize),
            header_timeout: web.header_timeout.map_or(d.header_timeout, |s| s.0),
            body_timeout: web.body_timeout.map_or(d.body_timeout, |s| s.0),
        }
    }
}

/// The address a request came from (a request extension).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// One open connection, as the accept loop sees it.
struct Conn {
    /// Requests being answered on it now.
    busy: Arc<AtomicUsize>,
    /// Notified to close it at once.
    close: Arc<Notify>,
}

#[derive(Default)]
struct Table {
    /// By connection number: the first is the oldest.
    open: BTreeMap<u64, Conn>,
    next: u64,
    shed: u64,
    last_log: Option<Instant>,
}

impl Table {
    /// Close the oldest connection not inside a request; whether one was.
    fn evict_idle(&mut self) -> bool {
        let victim = self
            .open
            .iter()
            .find(|(_, c)| c.busy.load(Ordering::Acquire) == 0)
            .map(|(id, _)| *id);
        match victim.and_then(|id| self.open.remove(&id)) {
            Some(c) => {
                c.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn log_shed(&mut self, what: &str, cap: usize) {
        self.shed += 1;
        let now = Instant::now();
        if self
            .last_log
            .is_none_or(|t| now.duration_since(t) >= SHED_LOG_EVERY)
        {
            self.last_log = Some(now);
            tracing::warn!(
                open = self.open.len(),
                max = cap,
                shed_total = self.shed,
                "connection limit reached; {what}"
            );
        }
    }
}

/// The soft open-file limit of this process, when it can be read.
fn open_file_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The connection cap: the configured one, lowered to fit the open-file
/// limit.
pub fn effective_cap(configured: usize) -> usize {
    match open_file_limit() {
        Some(n) if n.saturating_sub(FD_RESERVE) < configured => {
            let cap = n.saturating_sub(FD_RESERVE).max(8);
            tracing::info!(
                max_connections = configured,
                open_file_limit = n,
                serving_at_most = cap,
                "the open-file limit lowers the connection cap"
            );
            cap
        }
        _ => configured,
    }
}

fn is_fd_exhaustion(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23) | Some(24))
}

/// Serve `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let cap = effective_cap(limits.max_connections.max(1));
    let table = Arc::new(Mutex::new(Table::default()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            a = listener.accept() => a,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) if is_fd_exhaustion(&e) => {
                let freed = {
                    let mut t = lock(&table);
                    let freed = t.evict_idle();
                    t.log_shed(
                        "out of file descriptors, closed the oldest idle connection",
                        cap,
                    );
                    freed
                };
                metrics.http_shed.inc();
                let wait = if freed { 10 } else { 100 };
                tokio::time::sleep(Duration::from_millis(wait)).await;
                continue;
            }
            Err(e) => {
                tracing::debug!(error = %e, "accept failed");
                continue;
            }
        };
        let (busy, close, id) = {
            let mut t = lock(&table);
            if t.open.len() >= cap {
                metrics.http_shed.inc();
                if t.evict_idle() {
                    t.log_shed("closed the oldest idle connection", cap);
                } else {
                    t.log_shed("every connection is busy, closed the new one", cap);
                    continue; // drops `stream`
                }
            }
            let busy = Arc::new(AtomicUsize::new(0));
            let close = Arc::new(Notify::new());
            let id = t.next;
            t.next += 1;
            t.open.insert(
                id,
                Conn {
                    busy: busy.clone(),
                    close: close.clone(),
                },
            );
            metrics.http_connections.set(t.open.len() as i64);
            (busy, close, id)
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let table = table.clone();
        let metrics = metrics.clone();
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(Peer(peer));
                    let app = app.clone();
                    let busy = busy.clone();
                    busy.fetch_add(1, Ordering::AcqRel);
                    async move {
                        let resp = tower::ServiceExt::oneshot(app, req.map(Body::new)).await;
                        busy.fetch_sub(1, Ordering::AcqRel);
                        resp
                    }
                },
            );
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let mut graceful = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::trace!(error = %e, "connection ended");
                        }
                        break;
                    }
                    _ = close.notified() => break,
                    changed = stop.changed(), if !graceful => {
                        graceful = true;
                        if changed.is_ok() {
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
            let mut t = lock(&table);
            t.open.remove(&id);
            metrics.http_connections.set(t.open.len() as i64);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let deadline = tokio::time::Instant::now() + SHUTDOWN_WAIT;
    while !tasks.is_empty() {
        if tokio::time::timeout_at(deadline, tasks.join_next())
            .await
            .is_err()
        {
            tasks.shutdown().await;
            break;
        }
    }
    Ok(())
}

fn lock(t: &Mutex<Table>) -> std::sync::MutexGuard<'_, Table> {
    match t.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Read the whole request body within `body_timeout` and at most
/// [`MAX_BODY_BYTES`] (413 past that, 408 when it does not arrive in
/// time), then hand the request on. A client that trickles its body
/// cannot hold a handler.
pub async fn bounded_body(
    axum::extract::State(timeout): axum::extract::State<Duration>,
    req: Request,
    next: Next,
) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let path = req.uri().path().to_string();
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large(&path);
    }
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    if declared.unwrap_or(0) == 0 && !chunked {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Err(_) => {
            tracing::info!(path = %path, "a request body did not arrive in time");
            let message = format!(
                "the request body did not arrive within {} s",
                timeout.as_secs_f64()
            );
            closing(error_for(&path, StatusCode::REQUEST_TIMEOUT, &message))
        }
        Ok(Err(_)) if chunked => too_large(&path),
        Ok(Err(e)) => closing(error_for(
            &path,
            StatusCode::BAD_REQUEST,
            &format!("cannot read the request body: {e}"),
        )),
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    }
}

fn too_large(path: &str) -> Response {
    closing(error_for(
        path,
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("a request body may have at most {MAX_BODY_BYTES} bytes"),
    ))
}

/// Close the connection after this answer (the rest of the body is not
/// read).
fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}
