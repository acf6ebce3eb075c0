//! The 90-day soak (issue 22): the real daemon, in this process on a
//! manual clock, against loopback outlets with a newsroom's churn: feeds
//! adding articles every day (a tenth of them copies of another
//! outlet's story), 25% of articles edited 1-5 times in their first three
//! days, adaptive schedules retiring articles at 30 days, 5% of watches
//! removed at four days. The daemon collects garbage on its own
//! (`gc_every = "1h"` of simulated time) and is asked to compact once a
//! simulated day through its API. Printed per simulated day: the store's
//! size after that day's compaction, the bytes of its live records (keys
//! and values of every tree), the process's resident memory and live heap
//! (a counting global allocator, `heap.rs`), the versions stored, and the
//! time of the day's collection and compaction. With `SOAK_TREES=1` each
//! tree's records and bytes are printed at the end.
//! At the end, no version may be missing: the stored count equals the
//! versions created minus those of removed watches, and an export taken
//! before a last collection and compaction is found whole after them.
//!
//! ```sh
//! cargo build --release --locked --example soak
//! target/release/examples/soak --watches 1000 --days 90
//! ```
//!
//! Options: `--watches N` (active articles at the start, backdated over
//! 30 days; feeds then add N/30 a day), `--days D`, `--outlets K` (10),
//! `--step-minutes M` (10: how far the clock moves per step), `--seed S`.
//! Run it from the repository (it reads article bodies from tests/data).

mod heap;
mod outlets;
mod probe;
mod world;

use chrono::{DateTime, Duration, Utc};
use copydesk::clock::{Clock, ManualClock};
use copydesk::config::Config;
use copydesk::daemon::Daemon;
use copydesk::store::{dir_bytes, GuardedStore, NewWatch, Store, WatchSource};
use outlets::Outlets;
use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Instant;
use world::World;

#[global_allocator]
static HEAP: heap::Counting = heap::Counting;

struct Args {
    watches: usize,
    days: i64,
    outlets: usize,
    step_minutes: i64,
    seed: u64,
}

fn args() -> Args {
    let mut a = Args {
        watches: 1000,
        days: 90,
        outlets: 10,
        step_minutes: 10,
        seed: 22,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse::<u64>().ok());
        let Some(v) = value else {
            eprintln!(
                "usage: soak [--watches N] [--days D] [--outlets K] [--step-minutes M] [--seed S]"
            );
            std::process::exit(2);
        };
        match pair[0].as_str() {
            "--watches" => a.watches = v as usize,
            "--days" => a.days = v as i64,
            "--outlets" => a.outlets = v.max(1) as usize,
            "--step-minutes" => a.step_minutes = v.max(1) as i64,
            "--seed" => a.seed = v,
            other => {
                eprintln!("unknown option {other}");
                std::process::exit(2);
            }
        }
    }
    a
}

/// Run a store call off the async threads.
async fn on_store<T: Send + 'static>(
    store: &Arc<dyn Store>,
    f: impl FnOnce(&dyn Store) -> T + Send + 'static,
) -> T {
    let s = store.clone();
    tokio::task::spawn_blocking(move || f(s.as_ref()))
        .await
        .expect("store task")
}

/// The `version` lines of a full export.
async fn exported_versions(store: &Arc<dyn Store>) -> HashSet<String> {
    let text = on_store(store, |s| {
        let mut out = Vec::new();
        copydesk::store::export::export(s, None, &mut out).expect("export");
        String::from_utf8(out).expect("UTF-8 export")
    })
    .await;
    text.lines()
        .filter(|l| l.starts_with("{\"type\":\"version\""))
        .map(String::from)
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).init();

    let t0 = DateTime::from_timestamp(1_767_225_600, 0).expect("2026-01-01");
    let clock = ManualClock::new(t0);
    let world = Arc::new(RwLock::new(World::new(a.outlets, a.seed)));
    let outlets = Outlets::start(&world, &clock);
    let per_day = (a.watches / 30).max(1);

    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db");
    let mut config = String::from(
        "[storage]\npath = \"db\"\ncache_mb = 64\ngc_every = \"1h\"\n\n\
         [check]\nconfirm = false\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n",
    );
    for k in 0..a.outlets {
        config.push_str(&format!(
            "[[feed]]\nurl = \"{}\"\nschedule = \"*/30 * * * *\"\n\n",
            outlets.feed_url(k)
        ));
    }
    let config_path = dir.path().join("soak.toml");
    std::fs::write(&config_path, config).expect("write config");
    let cfg = Config::load(&config_path).expect("the soak's config");
    let guarded = Arc::new(GuardedStore::open(&db, cfg.storage.cache_mb).expect("open the store"));
    let store: Arc<dyn Store> = guarded.clone();

    // the articles of the last 30 days, each watched since it appeared
    let initial: Vec<(String, DateTime<Utc>)> = {
        let mut w = world.write().expect("world");
        (0..a.watches)
            .map(|i| {
                let at = t0 - Duration::days(30)
                    + Duration::seconds((30 * 86_400 * i / a.watches.max(1)) as i64 + 1);
                let id = w.publish(at);
                (outlets.article_url(&w, id), at)
            })
            .collect()
    };
    on_store(&store, move |s| {
        for (url, at) in initial {
            let new = NewWatch {
                url,
                label: None,
                schedule: Some("adaptive".into()),
                source: WatchSource::Feed,
            };
            s.add_discovered_watches_at(vec![new], at)
                .expect("add a watch");
        }
    })
    .await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (_reload, reload_rx) = tokio::sync::mpsc::channel(1);
    let daemon = Daemon {
        config: cfg,
        config_path,
        store: store.clone(),
        listener,
        grace: std::time::Duration::from_secs(5),
        daemon_file: None,
        clock: clock.clone() as Arc<dyn Clock>,
    };
    let task = tokio::spawn(daemon.run(
        async move {
            let _ = stopped.await;
        },
        reload_rx,
    ));

    println!(
        "soak: {} watches at the start, {} new articles a day, {} outlets, {} days, steps of {} min",
        a.watches, per_day, a.outlets, a.days, a.step_minutes
    );
    println!("day | watches | versions | checks | disk MB (before compaction) | records MB | RSS MB (peak) | heap MB | GC s | compaction s");
    let started = Instant::now();
    let mut removed_versions = 0u64;
    let mut removed_watches = 0u64;
    let (mut gc_before, mut compact_total, mut gc_total) = (0.0, 0.0, 0.0);
    for day in 0..a.days {
        let day_start = t0 + Duration::days(day);
        {
            let mut w = world.write().expect("world");
            for _ in 0..per_day {
                let at = day_start + Duration::seconds((w_rand(&mut w) % 86_400) as i64);
                w.publish(at);
            }
        }
        let steps = 24 * 60 / a.step_minutes;
        for step in 1..=steps {
            let t = day_start + Duration::minutes(step * a.step_minutes);
            let due: Vec<(usize, String)> = {
                let w = world.read().expect("world");
                w.articles
                    .iter()
                    .filter(|x| !x.removed && x.remove_at.is_some_and(|r| r <= t))
                    .map(|x| (x.id, outlets.article_url(&w, x.id)))
                    .collect()
            };
            for (id, url) in due {
                let gone = on_store(&store, move |s| {
                    let w = s.watch(&url).ok()?;
                    let n = s.versions(w.id).ok()?.len() as u64;
                    s.remove_watch(&url).ok().map(|_| n)
                })
                .await;
                if let Some(n) = gone {
                    removed_versions += n;
                    removed_watches += 1;
                }
                world.write().expect("world").articles[id].removed = true;
            }
            probe::advance(&clock, addr, t).await;
        }
        // the day's compaction, through the API as `copydesk compact` asks
        let c = Instant::now();
        let (status, body) = probe::http(addr, "POST", "/api/v1/compact").await;
        let compact_s = c.elapsed().as_secs_f64();
        compact_total += compact_s;
        let report: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if status != 200 {
            eprintln!("compaction failed: {status} {body}");
        }
        let m = probe::metrics(addr).await;
        let gc = probe::metric(&m, "copydesk_gc_seconds_total");
        let versions =
            probe::metric(&m, "copydesk_versions_created_total") - removed_versions as f64;
        let checks = probe::metric(&m, "copydesk_check_duration_seconds_count");
        let watches = probe::metric(&m, "copydesk_watches");
        let (rss, peak) = probe::rss_mb();
        let g = guarded.clone();
        let records: u64 = tokio::task::spawn_blocking(move || g.tree_sizes())
            .await
            .expect("store task")
            .expect("tree sizes")
            .iter()
            .map(|t| t.key_bytes + t.value_bytes)
            .sum();
        println!(
            "{:>3} | {:>7} | {:>8} | {:>7} | {:>7.1} ({:.1}) | {:>6.1} | {:>6.0} ({:.0}) | {:>6.1} | {:>5.2} | {:>5.2}",
            day + 1,
            watches,
            versions,
            checks,
            dir_bytes(&db) as f64 / 1e6,
            report["bytes_before"].as_f64().unwrap_or(f64::NAN) / 1e6,
            records as f64 / 1e6,
            rss,
            peak,
            heap::live_mb(),
            gc - gc_before,
            compact_s
        );
        gc_total += gc - gc_before;
        gc_before = gc;
    }

    // nothing lost: the count, then an export before and after a last
    // collection and compaction
    let m = probe::metrics(addr).await;
    let created = probe::metric(&m, "copydesk_versions_created_total") as u64;
    let stored: u64 = on_store(&store, |s| {
        s.watches()
            .expect("watches")
            .iter()
            .map(|w| s.versions(w.id).expect("versions").len() as u64)
            .sum()
    })
    .await;
    let before = exported_versions(&store).await;
    let end = t0 + Duration::days(a.days);
    for step in 1..=12 {
        probe::advance(&clock, addr, end + Duration::minutes(step * 10)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await; // the collection's last steps
    let (status, _) = probe::http(addr, "POST", "/api/v1/compact").await;
    assert_eq!(status, 200, "the last compaction");
    let after = exported_versions(&store).await;
    let missing = before.difference(&after).count();
    println!(
        "end: {} versions created, {} of them in the {} watches removed, {} stored; export before/after the last gc and compaction: {} / {} versions, {} missing",
        created, removed_versions, removed_watches, stored, before.len(), after.len(), missing
    );
    println!(
        "total: GC {:.1} s, compaction {:.1} s, wall {:.0} s",
        gc_total,
        compact_total,
        started.elapsed().as_secs_f64()
    );
    let _ = stop.send(());
    let _ = task.await;
    if std::env::var_os("SOAK_TREES").is_some() {
        for t in guarded.tree_sizes().expect("tree sizes") {
            println!(
                "tree {:<16} {:>8} records {:>10} key bytes {:>12} value bytes",
                t.tree, t.records, t.key_bytes, t.value_bytes
            );
        }
    }
    let lost = created - removed_versions != stored || missing > 0;
    if lost {
        println!("FAILED: versions were lost");
        std::process::exit(1);
    }
    println!("ok: no version lost");
}

/// A draw from the world's generator.
fn w_rand(w: &mut World) -> u64 {
    w.rng().next()
}
