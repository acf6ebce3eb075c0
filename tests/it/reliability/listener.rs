//! The web listener under a connection flood and slow clients: connections
//! are capped, a client that does not finish its headers or its body in
//! time is dropped, shedding is logged, and /healthz and /metrics keep
//! answering. Bounded counts, loopback only.

use super::http::request;
use crate::common::daemon::{eventually, Daemon};
use crate::common::{binary, Env};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A daemon whose stderr is kept (to find log lines); `prefix` runs it
/// through `sh -c` (e.g. `ulimit -n 256;`).
fn start(env: &Env, prefix: &str) -> (Daemon, Arc<Mutex<String>>) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{prefix} exec \"$0\" \"$@\""))
        .arg(binary())
        .arg("--config")
        .arg(&env.config)
        .args(["run", "--grace", "5"])
        .env("RUST_LOG", "info")
        .env_remove("COPYDESK_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut l = sink.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("the listening line");
    let addr = line
        .trim()
        .strip_prefix("copydesk: listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    // its stderr is read into `log` above, not written to a file
    let d = Daemon {
        child,
        addr,
        log: std::path::PathBuf::new(),
    };
    (d, log)
}

/// `n` connections that each send half a request and wait.
fn hold(addr: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .filter_map(|_| {
            let mut s = TcpStream::connect(addr).ok()?;
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            Some(s)
        })
        .collect()
}

fn closed(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
    let mut buf = [0u8; 512];
    match s.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => true, // an answer (408) and then the close
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

fn healthz_answers(addr: &str) {
    for _ in 0..3 {
        let a = request(addr, "GET", "/healthz", &[], b"");
        assert_eq!(a.status, 200, "{}", a.body);
        let m = request(addr, "GET", "/metrics", &[], b"");
        assert_eq!(m.status, 200);
    }
}

#[test]
fn held_connections_are_capped_timed_out_and_health_still_answers() {
    let env = Env::new(
        "[web]\nlisten = \"127.0.0.1:0\"\nmax_connections = 32\nheader_timeout = \"2s\"\nbody_timeout = \"2s\"\n",
    );
    let (d, log) = start(&env, "");
    let mut held = hold(&d.addr, 200);
    assert!(held.len() >= 150, "only {} connections opened", held.len());
    healthz_answers(&d.addr);
    let m = request(&d.addr, "GET", "/metrics", &[], b"");
    let open = m
        .body
        .lines()
        .find_map(|l| l.strip_prefix("copydesk_http_connections "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no copydesk_http_connections in\n{}", m.body));
    assert!(open <= 32.0, "{open} connections open with a cap of 32");
    eventually(Duration::from_secs(5), "shedding logged", || {
        log.lock().unwrap().contains("connection limit reached")
    });
    // every held connection is closed: shed, or timed out on its headers
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(15) {
        held.retain_mut(|s| !closed(s));
        if held.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        held.is_empty(),
        "{} half-sent requests still open",
        held.len()
    );

    // a body that never arrives: 408 after body_timeout
    let mut s = TcpStream::connect(&d.addr).unwrap();
    s.write_all(
        b"POST /api/v1/watches HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"url\":",
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let a = super::http::parse(&raw);
    assert_eq!(a.status, 408, "{:?}", String::from_utf8_lossy(&raw));
    assert!(a.json()["error"].is_string());
    assert_eq!(
        a.headers.get("connection").map(String::as_str),
        Some("close")
    );
    healthz_answers(&d.addr);
}

#[test]
fn health_answers_with_few_file_descriptors_under_a_flood() {
    let env = Env::new("[web]\nlisten = \"127.0.0.1:0\"\n");
    let (d, _log) = start(&env, "ulimit -n 256;");
    let _held = hold(&d.addr, 300);
    let (tx, rx) = std::sync::mpsc::channel();
    let addr = d.addr.clone();
    std::thread::spawn(move || {
        healthz_answers(&addr);
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("/healthz and /metrics answer while 300 connections are held");
}
