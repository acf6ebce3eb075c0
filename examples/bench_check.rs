//! Benchmark: `copydesk check --all` over N watches (default 1,000) served by
//! 10 loopback servers (distinct host:port, so 10 outlets), measured with
//! `/usr/bin/time -v` for wall time and peak RSS.
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_check -- [N]
//! ```
//! Runs three passes: the first stores N first versions, the second finds all
//! unchanged, the third has 10% of the articles edited.

// the test helpers, of which this example uses a part
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use common::{article_page, story, Furniture, Reply, Server};
use std::process::Command;

const HOSTS: usize = 10;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("copydesk")))
        .filter(|p| p.exists())
        .expect("build the release binary first: cargo build --release");
    let servers: Vec<Server> = (0..HOSTS).map(|_| Server::start()).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("bench.toml");
    let mut text = String::from(
        "[storage]\npath = \"db\"\n\n[fetch]\nper_host_concurrency = 4\nconcurrency = 64\n\n",
    );
    let page = |i: usize, edited: bool| {
        let mut body = story();
        body[0] = format!("Story number {i}. {}", body[0]);
        if edited {
            body[3] = body[3].replace("optimistic", "unrealistic");
        }
        article_page(
            &format!("Headline of story {i}"),
            &body,
            &Furniture::default(),
        )
    };
    for i in 0..n {
        let s = &servers[i % HOSTS];
        let path = format!("/news/{i}");
        s.set(&path, Reply::html(page(i, false)));
        text.push_str(&format!("[[watch]]\nurl = \"{}\"\n", s.url(&path)));
    }
    std::fs::write(&cfg, text).expect("write config");

    let run = |label: &str| {
        let out = Command::new("/usr/bin/time")
            .arg("-v")
            .arg(&bin)
            .arg("--config")
            .arg(&cfg)
            .args(["check", "--all"])
            .env("RUST_LOG", "warn")
            .output()
            .expect("run /usr/bin/time");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let field = |name: &str| {
            stderr
                .lines()
                .find(|l| l.trim_start().starts_with(name))
                .and_then(|l| l.rsplit_once(": ").map(|(_, v)| v.trim().to_string()))
                .unwrap_or_default()
        };
        println!(
            "{label}: wall {} | user {} s | sys {} s | peak RSS {} KiB | {}",
            field("Elapsed (wall clock) time"),
            field("User time"),
            field("System time"),
            field("Maximum resident set size"),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    };
    println!("{n} watches on {HOSTS} loopback servers");
    run("pass 1 (all new)");
    run("pass 2 (all unchanged)");
    for i in (0..n).step_by(10) {
        servers[i % HOSTS].set(&format!("/news/{i}"), Reply::html(page(i, true)));
    }
    run("pass 3 (10% edited)");
    let du = Command::new("du")
        .arg("-sk")
        .arg(dir.path().join("db"))
        .output()
        .expect("du");
    println!(
        "database size: {} KiB",
        String::from_utf8_lossy(&du.stdout)
            .split_whitespace()
            .next()
            .unwrap_or("?")
    );
}
