//! What the soak reads from outside the daemon: its HTTP API and metrics,
//! the process's resident memory, and the clock moved step by step until
//! the scheduler has done what was due.

use copydesk::clock::ManualClock;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `METHOD path` on the daemon's listener: status and body.
pub async fn http(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the daemon");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, dechunk(&body))
}

/// The body of a chunked response (axum chunks large ones).
fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    loop {
        let Some((size, after)) = rest.split_once("\r\n") else {
            return body.to_string();
        };
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            return body.to_string(); // not chunked
        };
        if n == 0 || after.len() < n {
            return out;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
}

/// The sum of the series of `name` (unlabelled or all labels).
pub fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let base = series.split('{').next()?;
            (base == name).then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

pub async fn metrics(addr: SocketAddr) -> String {
    http(addr, "GET", "/metrics").await.1
}

/// Resident and peak resident memory of this process, MB.
pub fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// How often [`advance`] asks whether checks are still in flight.
const POLL: Duration = Duration::from_millis(20);

/// Move the clock to `at` and wait until the scheduler has seen it and no
/// check is in flight at its latest nap (feed polls may still end later:
/// what they add is checked at the next step). The metrics are read every
/// [`POLL`]: each scrape renders every metric and walks the postings, and
/// polling every 2 ms took a share of the CPU from the checks it waited
/// for (perf: 4.5% in `match_index_stats` alone at 1,000 watches).
pub async fn advance(clock: &ManualClock, addr: SocketAddr, at: chrono::DateTime<chrono::Utc>) {
    let before = clock.naps();
    clock.set(at);
    clock.nap_after(before).await;
    loop {
        let n = clock.naps();
        let in_flight = metric(&metrics(addr).await, "copydesk_checks_in_flight");
        if in_flight == 0.0 && clock.naps() == n {
            return;
        }
        tokio::time::sleep(POLL).await;
    }
}
