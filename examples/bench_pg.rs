//! Benchmark of the PostgreSQL store (issue 17): checks per second with 1,
//! 2 or 3 daemons (`copydesk run`, the release binary) on one database,
//! and the time to import a sled export into PostgreSQL.
//!
//! ```sh
//! cargo build --release --locked
//! cargo build --release --locked --example bench_pg
//! export COPYDESK_TEST_PG=postgres://postgres@127.0.0.1:55433/postgres
//! target/release/examples/bench_pg daemons 3 [WATCHES] [SECONDS]
//! target/release/examples/bench_pg import [ARTICLES]
//! ```
//!
//! `daemons N`: WATCHES (default 2,000) on four loopback outlets, every
//! watch due every second (`* * * * * *`), so that the daemons never wait
//! for a watch; after the first pass, the checks stored per second over
//! SECONDS (default 40), from the database. `import`: a sled store with
//! ARTICLES (default 10,000) watches of one version each, exported with
//! `copydesk export`, then timed through `copydesk import` into a fresh
//! schema. Each run makes its own schema and drops it.

// the test helpers, of which this example uses a part
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use common::{article_page, story, Furniture, Reply, Server};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("copydesk")))
        .filter(|p| p.exists())
        .expect("build the release binary first: cargo build --release --locked")
}

/// A fresh schema on the cluster `COPYDESK_TEST_PG` names, dropped on drop.
struct Schema {
    cluster: String,
    name: String,
}

impl Schema {
    fn new() -> Schema {
        let cluster = std::env::var("COPYDESK_TEST_PG")
            .expect("COPYDESK_TEST_PG=postgres://USER@HOST:PORT/DB names the cluster");
        let name = format!("copydesk_bench_{}", std::process::id());
        let mut c = postgres::Client::connect(&cluster, postgres::NoTls).expect("connect");
        c.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))
        .expect("schema");
        Schema { cluster, name }
    }
    fn url(&self) -> String {
        let sep = if self.cluster.contains('?') { '&' } else { '?' };
        format!(
            "{}{sep}options=-c%20search_path%3D{}",
            self.cluster, self.name
        )
    }
    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).expect("connect")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.cluster, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

fn start_daemon(bin: &Path, cfg: &Path) -> Child {
    let mut child = Command::new(bin)
        .arg("--config")
        .arg(cfg)
        .arg("run")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the daemon");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    child
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).expect(sql).get(0)
}

fn daemons(n: usize, watches: usize, seconds: usize) {
    let bin = binary();
    let schema = Schema::new();
    let outlets: Vec<Server> = (0..4).map(|_| Server::start()).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("bench.toml");
    let mut text = format!(
        "[storage]\nbackend = \"postgres\"\nurl = \"{}\"\npool_size = 8\n\n\
         [schedule]\ndefault = \"* * * * * *\"\n\n[check]\nconfirm = false\n\n\
         [match]\nenabled = false\n\n\
         [fetch]\nper_host_concurrency = 32\nconcurrency = 32\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n",
        schema.url()
    );
    for i in 0..watches {
        let path = format!("/news/{i}");
        let mut body = story();
        body[0] = format!("Story number {i}. {}", body[0]);
        let server = &outlets[i % outlets.len()];
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
    let mut children: Vec<Child> = (0..n).map(|_| start_daemon(&bin, &cfg)).collect();
    let mut db = schema.client();
    let t0 = Instant::now();
    while count(&mut db, "SELECT count(DISTINCT watch_id) FROM versions") < watches as i64 {
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "{n} daemon(s), {watches} watches due every second: first pass {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    std::thread::sleep(Duration::from_secs(5));
    let from: chrono::DateTime<chrono::Utc> =
        db.query_one("SELECT now()", &[]).expect("now").get(0);
    std::thread::sleep(Duration::from_secs(seconds as u64));
    let to: chrono::DateTime<chrono::Utc> = db.query_one("SELECT now()", &[]).expect("now").get(0);
    let checks: i64 = db
        .query_one(
            "SELECT count(*) FROM checks WHERE at > $1 AND at <= $2",
            &[&from, &to],
        )
        .expect("checks")
        .get(0);
    let secs = (to - from).num_milliseconds() as f64 / 1000.0;
    println!(
        "{n} daemon(s): {checks} checks in {secs:.1} s = {:.1} checks/s",
        checks as f64 / secs
    );
    for c in &mut children {
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let _ = c.wait();
    }
}

fn import(articles: usize) {
    let bin = binary();
    let dir = tempfile::tempdir().expect("temp dir");
    let sled_cfg = dir.path().join("sled.toml");
    std::fs::write(&sled_cfg, "[storage]\npath = \"db\"\n").expect("write config");
    let t = Instant::now();
    {
        let store = copydesk::store::open(
            &copydesk::config::StorageConfig {
                path: dir.path().join("db"),
                ..Default::default()
            },
            Default::default(),
        )
        .expect("open sled");
        for i in 0..articles {
            let url = format!("https://outlet{}.example/news/{i}", i % 50);
            let mut w = store
                .upsert_watch(copydesk::store::NewWatch {
                    url,
                    label: None,
                    schedule: None,
                    source: copydesk::store::WatchSource::Cli,
                })
                .expect("watch");
            let mut body = story();
            body[0] = format!("Story number {i}. {}", body[0]);
            let article = copydesk::core::Article {
                title: format!("Story {i}"),
                body,
                ..Default::default()
            };
            w.latest_version = 1;
            let hash = copydesk::core::normalize::ContentHash::of(&article);
            store
                .commit_check(copydesk::store::CheckCommit {
                    watch: w.clone(),
                    record: copydesk::store::CheckRecord {
                        at: chrono::Utc::now(),
                        outcome: copydesk::store::Outcome::NewVersion,
                        http_status: Some(200),
                        failure: None,
                        reason: None,
                        version: Some(1),
                        duration_ms: 1,
                        final_url: None,
                        confirmation: None,
                    },
                    version: Some(copydesk::store::NewVersion {
                        number: 1,
                        article,
                        hash,
                        final_url: w.url.clone(),
                    }),
                    events: Vec::new(),
                })
                .expect("commit");
        }
        store.flush().expect("flush");
    }
    println!(
        "sled store of {articles} articles made in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let export = dir.path().join("export.jsonl");
    let t = Instant::now();
    let out = Command::new(&bin)
        .arg("--config")
        .arg(&sled_cfg)
        .arg("export")
        .stdout(std::fs::File::create(&export).expect("export file"))
        .status()
        .expect("export");
    assert!(out.success(), "export failed");
    let bytes = std::fs::metadata(&export).map(|m| m.len()).unwrap_or(0);
    println!(
        "export: {:.1} s, {:.1} MB",
        t.elapsed().as_secs_f64(),
        bytes as f64 / 1e6
    );
    let schema = Schema::new();
    let pg_cfg = dir.path().join("pg.toml");
    std::fs::write(
        &pg_cfg,
        format!(
            "[storage]\nbackend = \"postgres\"\nurl = \"{}\"\n",
            schema.url()
        ),
    )
    .expect("write config");
    let t = Instant::now();
    let status = Command::new(&bin)
        .arg("--config")
        .arg(&pg_cfg)
        .arg("import")
        .stdin(std::fs::File::open(&export).expect("export file"))
        .stdout(Stdio::null())
        .status()
        .expect("import");
    assert!(status.success(), "import failed");
    let secs = t.elapsed().as_secs_f64();
    let mut db = schema.client();
    let versions = count(&mut db, "SELECT count(*) FROM versions");
    assert_eq!(versions, articles as i64, "every version imported");
    let size: i64 = db
        .query_one(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind = 'r'",
            &[&schema.name],
        )
        .expect("size")
        .get(0);
    println!(
        "import into PostgreSQL: {articles} articles in {secs:.1} s ({:.0} articles/s), {:.0} bytes per article on the server",
        articles as f64 / secs,
        size as f64 / articles as f64
    );
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("daemons") => daemons(arg(2, 1), arg(3, 2_000), arg(4, 40)),
        Some("import") => import(arg(2, 10_000)),
        _ => {
            eprintln!("usage: bench_pg daemons N [WATCHES] [SECONDS] | bench_pg import [ARTICLES]");
            std::process::exit(2);
        }
    }
}
