//! A `copydesk run` child process for tests: its API address, signals,
//! exit, its log, and a small HTTP GET; plus a polling helper.
//!
//! The daemon's log (stderr) goes to a file, not to the test's output: it
//! is printed through the test's captured output when the daemon is
//! dropped, so `cargo test` shows it only for a test that fails.

use super::Env;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Daemon {
    pub child: Child,
    pub addr: String,
    /// Where its stderr goes.
    pub log: std::path::PathBuf,
}

impl Daemon {
    pub fn start(env: &Env) -> Daemon {
        Daemon::spawn(env, Command::new(super::binary()), &[])
    }

    /// Start as systemd starts a `Type=notify` service with `WatchdogSec=`:
    /// `NOTIFY_SOCKET`, `WATCHDOG_USEC`, and `WATCHDOG_PID` set to the
    /// daemon's own pid (through a shell that `exec`s it).
    pub fn start_under_systemd(env: &Env, notify_socket: &str, watchdog_usec: u64) -> Daemon {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "WATCHDOG_PID=$$ exec \"$0\" \"$@\""])
            .arg(super::binary());
        let usec = watchdog_usec.to_string();
        Daemon::spawn(
            env,
            cmd,
            &[("NOTIFY_SOCKET", notify_socket), ("WATCHDOG_USEC", &usec)],
        )
    }

    fn spawn(env: &Env, mut cmd: Command, vars: &[(&str, &str)]) -> Daemon {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = env.dir.path().join(format!("daemon-{n}.log"));
        let log_file = std::fs::File::create(&log).expect("create the daemon log");
        let mut child = cmd
            .arg("--config")
            .arg(&env.config)
            .args(["run", "--grace", "15"])
            .env("RUST_LOG", "info")
            .env_remove("COPYDESK_CONFIG")
            .envs(vars.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .expect("start the daemon");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let addr = line
            .trim()
            .strip_prefix("copydesk: listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Daemon { child, addr, log }
    }

    /// What it logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill {sig} failed");
    }

    /// Wait for the process to exit; its exit code and how long it took.
    pub fn wait(&mut self, limit: Duration) -> (Option<i32>, Duration) {
        let t = Instant::now();
        while t.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return (status.code(), t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the daemon did not exit within {limit:?}");
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(&self.addr, path)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // captured by the test harness: shown only when the test fails
        println!(
            "--- log of the daemon at {} ---\n{}--- end of its log ---",
            self.addr,
            self.logs()
        );
    }
}

pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect to the daemon");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read the response");
    status_and_body(&raw)
}

/// The status code (0 when there is none) and the body of a raw HTTP/1.1
/// response read to its end.
pub fn status_and_body(raw: &str) -> (u16, String) {
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

/// Poll `cond` every 50 ms for up to `limit`.
pub fn eventually(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while t.elapsed() < limit {
        if cond() {
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {limit:?} waiting for: {what}");
}
