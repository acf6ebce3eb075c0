//! Benchmark: the daemon with N watches (default 10,000) on ONE loopback
//! host, every watch on a one-minute schedule, a per-host limit, and a
//! server that takes a few milliseconds per page. Reports, per minute,
//! checks done, the server's most concurrent requests (the per-host limit
//! must hold), the daemon's CPU time and peak RSS, and its worst due-queue
//! lag (it keeps up if every watch is checked once a minute).
//!
//! ```sh
//! cargo build --release --locked
//! cargo run --release --example bench_daemon -- [N] [MINUTES] [PER_HOST]
//! ```

// the test helpers, of which this example uses a part
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use common::{article_page, story, Furniture, Reply, Server};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn proc_field(pid: u32, file: &str, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .map(|l| l[key.len()..].trim().to_string())
        .unwrap_or_default()
}

/// utime + stime of a process, seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0 // USER_HZ
}

fn scrape(addr: &str, name: &str) -> f64 {
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return f64::NAN;
    };
    let _ = write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        .sum()
}

fn main() {
    let n = arg(1, 10_000);
    let minutes = arg(2, 3);
    let per_host = arg(3, 8);
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("copydesk")))
        .filter(|p| p.exists())
        .expect("build the release binary first: cargo build --release");
    let server = Server::start();
    server.set_delay(Duration::from_millis(5));
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("bench.toml");
    let mut text = format!(
        "[storage]\npath = \"db\"\n\n[schedule]\ndefault = \"* * * * *\"\n\n\
         [fetch]\nper_host_concurrency = {per_host}\nconcurrency = 256\n\n\
         [web]\nlisten = \"127.0.0.1:0\"\n\n"
    );
    for i in 0..n {
        let path = format!("/news/{i}");
        let mut body = story();
        body[0] = format!("Story number {i}. {}", body[0]);
        server.set(
            &path,
            Reply::html(article_page(
                &format!("Story {i}"),
                &body,
                &Furniture::default(),
            )),
        );
        text.push_str(&format!("[[watch]]\nurl = \"{}\"\n", server.url(&path)));
    }
    std::fs::write(&cfg, text).expect("write config");

    let mut child = Command::new(&bin)
        .arg("--config")
        .arg(&cfg)
        .arg("run")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let addr = line
        .trim()
        .trim_start_matches("copydesk: listening on http://")
        .to_string();
    println!("{n} watches on one host, schedule every minute, per-host limit {per_host}, server 5 ms per page");

    // The first pass checks every watch at once (all are new); then every
    // watch is due at each minute boundary (plus up to 6 s of jitter).
    // Measure whole minutes from 30 s past a boundary, after that pass.
    let t0 = Instant::now();
    while scrape(&addr, "copydesk_checks_total") < n as f64 {
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "first pass of {n} checks: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let to_window = 60.0 - (now % 60.0) + 30.0;
    std::thread::sleep(Duration::from_secs_f64(
        to_window % 60.0 + if to_window < 60.0 { 0.0 } else { 60.0 },
    ));
    let total_hits = || -> usize { (0..n).map(|i| server.hits(&format!("/news/{i}"))).sum() };
    let mut last_hits = total_hits();
    let mut last_cpu = cpu_seconds(pid);
    let start = Instant::now();
    for minute in 1..=minutes {
        let mut worst_lag: f64 = 0.0;
        while start.elapsed() < Duration::from_secs(60 * minute as u64) {
            std::thread::sleep(Duration::from_millis(500));
            worst_lag = worst_lag.max(scrape(&addr, "copydesk_due_queue_lag_seconds"));
        }
        let hits = total_hits();
        let cpu = cpu_seconds(pid);
        println!(
            "minute {minute}: {} checks ({:.0}/s over the minute), server max concurrent so far {}, daemon CPU {:.1} s ({:.0}% of one core), RSS peak {}, worst due lag {:.1} s",
            hits - last_hits,
            (hits - last_hits) as f64 / 60.0,
            server.max_in_flight(),
            cpu - last_cpu,
            (cpu - last_cpu) / 60.0 * 100.0,
            proc_field(pid, "status", "VmHWM:"),
            worst_lag,
        );
        last_hits = hits;
        last_cpu = cpu;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let t = Instant::now();
    let status = child.wait().expect("wait");
    println!(
        "SIGTERM: exit {:?} after {:.2} s",
        status.code(),
        t.elapsed().as_secs_f64()
    );
}
