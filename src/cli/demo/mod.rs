//! `copydesk demo`: three sample outlets served on loopback (see [`pages`])
//! whose pages change while you watch, a daemon on a temp store pointed at
//! them (the original story watched, the other outlets' feeds polled), its
//! web UI on a loopback port, and a webhook receiver that prints each alert
//! with what it means (see [`printer`]). No network needed; nothing is kept.

mod pages;
mod printer;

use crate::config::Config;
use crate::core::template::Origin;
use crate::daemon::Daemon;
use crate::store::{ConfirmResult, Outcome, Store};
use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use pages::Outlet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the demo's daemon checks the watched story and polls the feeds.
const CHECK_EVERY: &str = "*/2 * * * * *";
/// The demo's confirmation delay (the default is 2 s; shorter keeps the
/// story quick).
const CONFIRM_DELAY: &str = "500ms";
/// Where in the daemon's 2-second cycle (crontab seconds are wall-clock
/// seconds) the story starts, in milliseconds: its steps come 6, 12, ...
/// seconds later, so each falls between a check's confirmation fetch (at
/// most ~0.8 s into the cycle) and the next check's first fetch. An edit
/// made between the two fetches of one check would look like a headline
/// A/B test to copydesk; a real outlet does that by chance, the demo not.
const STORY_PHASE_MS: i64 = 1400;

#[derive(Clone)]
struct Served {
    outlet: Outlet,
    base: String,
    started: Instant,
    started_at: chrono::DateTime<chrono::Utc>,
    hits: Arc<AtomicU64>,
}

async fn serve(State(s): State<Served>, uri: Uri) -> Response {
    let elapsed = s.started.elapsed();
    if uri.path() == "/feed.xml" {
        let body = pages::feed(s.outlet, &s.base, elapsed, s.started_at);
        return ([("content-type", "application/rss+xml")], body).into_response();
    }
    let n = s.hits.fetch_add(1, Ordering::Relaxed);
    match pages::page(s.outlet, uri.path(), n, elapsed, s.started_at) {
        Some(html) => Html(html).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn receive(State(started): State<Instant>, Json(payload): Json<serde_json::Value>) {
    let at = started.elapsed().as_secs_f64();
    let mut lines = printer::describe(&payload).into_iter();
    let mut out = format!(
        "\n[{at:5.1} s] alert: {}\n",
        lines.next().unwrap_or_default()
    );
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    print!("{out}");
}

async fn bind() -> Result<(tokio::net::TcpListener, String)> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("bind a loopback port")?;
    let addr = l.local_addr()?.to_string();
    Ok((l, addr))
}

/// The story's steps, when each happens and what it is.
fn steps() -> [(Duration, String); 4] {
    [
        (
            pages::EDIT_AT,
            "Daily Harbour rewrites its headline and first paragraph (six months become a year), with no note: a stealth edit".into(),
        ),
        (
            pages::CORRECTION_AT,
            "Daily Harbour adds a correction note".into(),
        ),
        (
            pages::COPY_AT,
            "Coastal Courier republishes the story whole under its own headline (a new article in its feed)".into(),
        ),
        (
            pages::LIFT_AT,
            "Bay Weekly lifts two of its paragraphs into a column (a new article in its feed)".into(),
        ),
    ]
}

/// Run the demo: until Ctrl-C, or for `seconds` when given.
pub async fn run(seconds: Option<u64>) -> Result<()> {
    let now = chrono::Utc::now();
    let in_cycle = (now.timestamp() % 2) * 1000 + i64::from(now.timestamp_subsec_millis());
    let wait = (STORY_PHASE_MS - in_cycle).rem_euclid(2000) as u64;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let dir = tempfile_dir()?;
    let mut bases = Vec::new();
    for outlet in Outlet::ALL {
        let (l, addr) = bind().await?;
        let base = format!("http://{addr}");
        let served = Served {
            outlet,
            base: base.clone(),
            started,
            started_at,
            hits: Arc::default(),
        };
        let app = Router::new().fallback(serve).with_state(served);
        tokio::spawn(async move { axum::serve(l, app).await });
        bases.push((outlet, addr, base));
    }
    let (l, hook_addr) = bind().await?;
    let hooks = Router::new()
        .route("/hook", post(receive))
        .with_state(started);
    tokio::spawn(async move { axum::serve(l, hooks).await });

    let mut text = format!(
        "[storage]\npath = \"db\"\ncache_mb = 16\n\n[schedule]\ndefault = \"{CHECK_EVERY}\"\n\n\
         [check]\nconfirm_delay = \"{CONFIRM_DELAY}\"\n\n\
         [[alert.webhook]]\nurl = \"http://{hook_addr}/hook\"\n"
    );
    for (outlet, addr, base) in &bases {
        let name = outlet.name();
        text.push_str(&format!(
            "\n[[outlet]]\nname = \"{name}\"\nhosts = [\"{addr}\"]\n"
        ));
        match outlet {
            Outlet::Harbour => text.push_str(&format!(
                "\n[[watch]]\nurl = \"{base}/bridge\"\nlabel = \"{name}\"\n"
            )),
            _ => text.push_str(&format!(
                "\n[[feed]]\nurl = \"{base}/feed.xml\"\nlabel = \"{name}\"\nschedule = \"{CHECK_EVERY}\"\n"
            )),
        }
    }
    let cfg_path = dir.join("copydesk.toml");
    std::fs::write(&cfg_path, &text).context("write the demo config")?;
    let config = Config::load(&cfg_path)?;
    let store: Arc<dyn Store> = crate::store::open(&config.storage_resolved(), config.url_rules())?;
    let (listener, ui_addr) = bind().await?;

    println!("copydesk demo: three sample outlets on loopback, a daemon on a temp store.");
    for (outlet, _, base) in &bases {
        let what = match outlet {
            Outlet::Harbour => format!("{base}/bridge (watched, checked every 2 s)"),
            _ => format!("{base}/feed.xml (its feed, polled every 2 s)"),
        };
        println!("  {:<16} {what}", outlet.name());
    }
    println!(
        "Every load changes their menus, clocks, view counters, \"most read\" boxes and a\n\
         promotion inside the article: none of that is an edit. copydesk fetches a changed\n\
         page a second time, keeps only what both fetches show, and learns each outlet's\n\
         furniture."
    );
    let end = seconds.map(Duration::from_secs);
    println!("What happens, in seconds from now:");
    let mut left_out = Vec::new();
    for (at, what) in steps() {
        if end.is_some_and(|e| at >= e) {
            left_out.push(at.as_secs());
        } else {
            println!("  {:>3} s  {what}", at.as_secs());
        }
    }
    match end {
        Some(e) if !left_out.is_empty() => println!(
            "  --seconds {} stops the demo before the steps at {} s: the whole story takes about {} s.",
            e.as_secs(),
            left_out
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            pages::STORY_TOLD.as_secs()
        ),
        Some(e) => println!("  The demo stops after {} s.", e.as_secs()),
        None => println!("  The demo runs until Ctrl-C."),
    }
    println!("web UI: http://{ui_addr}/ (open it while the demo runs)");

    let (_reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
    let daemon = Daemon {
        config,
        config_path: cfg_path,
        store: store.clone(),
        listener,
        grace: Duration::from_secs(5),
        daemon_file: None,
        clock: crate::clock::system(),
    };
    let told = Arc::new(AtomicBool::new(false));
    let narrator = {
        let (store, told) = (store.clone(), told.clone());
        let until_told = pages::STORY_TOLD.saturating_sub(started.elapsed());
        tokio::spawn(async move {
            if end.is_some_and(|e| e < pages::STORY_TOLD) {
                return;
            }
            tokio::time::sleep(until_told).await;
            told.store(true, Ordering::SeqCst);
            print_stored(store.as_ref(), started);
            match end {
                Some(e) => println!("The demo stops at {} s.", e.as_secs()),
                None => println!(
                    "The story is told. The web UI stays up at http://{ui_addr}/ until Ctrl-C."
                ),
            }
        })
    };
    let stop = async move {
        match end {
            Some(e) => tokio::select! {
                _ = tokio::time::sleep(e.saturating_sub(started.elapsed())) => {}
                _ = tokio::signal::ctrl_c() => {}
            },
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    daemon.run(stop, reload_rx).await?;
    narrator.abort();
    if !told.load(Ordering::SeqCst) {
        print_stored(store.as_ref(), started);
    }
    println!("demo over after {:.0} s", started.elapsed().as_secs_f64());
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// What the store holds: each watch's checks and versions, the changes the
/// second fetch showed to be noise, the furniture learned, and the story's
/// first publisher.
fn print_stored(store: &dyn Store, started: Instant) {
    if let Err(e) = try_print_stored(store, started) {
        println!("(cannot read the store: {e})");
    }
}

fn try_print_stored(store: &dyn Store, started: Instant) -> Result<()> {
    println!(
        "\nWhat copydesk stored after {:.0} s:",
        started.elapsed().as_secs_f64()
    );
    for w in store.watches()? {
        let checks = store.checks(w.id, 1000)?;
        let unchanged = checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Unchanged | Outcome::NotModified))
            .count();
        let noise = checks
            .iter()
            .filter_map(|c| c.confirmation.as_ref())
            .filter(|c| {
                matches!(
                    c.result,
                    ConfirmResult::OnlyNoise | ConfirmResult::NoiseDropped
                )
            })
            .count();
        let mut notes = Vec::new();
        if unchanged > 0 {
            notes.push(format!(
                "{} found the story unchanged",
                plural(unchanged, "check")
            ));
        }
        if noise > 0 {
            notes.push(format!(
                "{} saw lines that the second fetch did not show: furniture, set aside",
                plural(noise, "check")
            ));
        }
        println!(
            "  {} [{}]: {}, {}{}",
            w.url,
            w.label.as_deref().unwrap_or(""),
            plural(checks.len(), "check"),
            plural(w.latest_version as usize, "version"),
            if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            }
        );
        for v in store.versions(w.id)? {
            println!(
                "    v{} {}  {}",
                v.number,
                v.fetched_at.format("%H:%M:%S"),
                v.title
            );
        }
    }
    let learned: Vec<String> = store
        .templates()?
        .iter()
        .flat_map(|t| {
            t.rules
                .iter()
                .filter(|r| r.active())
                .map(move |r| format!("  {}: \"{}\" ({})", t.outlet, r.example, why(r.origin)))
        })
        .collect();
    if !learned.is_empty() {
        println!("Furniture learned (set aside before comparing versions; `copydesk outlets`):");
        for l in learned {
            println!("{l}");
        }
    }
    for c in crate::core::matching::cluster::clusters(&store.match_pairs()?) {
        let f = &c.first_publisher;
        println!(
            "Story \"{}\": first published by {} ({}), {} in all",
            f.title,
            f.outlet,
            f.url,
            plural(c.articles.len(), "article")
        );
    }
    Ok(())
}

/// Why a furniture rule was learned, in words.
fn why(origin: Origin) -> &'static str {
    match origin {
        Origin::Noise => "the two fetches of a check disagreed on it, in two checks",
        Origin::Ticking => "only its numbers or times changed",
        Origin::Recurring => "it is on many of the outlet's articles",
        Origin::Headline => "two fetches showed two headlines: an A/B test",
        Origin::Person => "a person said it is not an edit",
    }
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// A fresh temp directory (removed at the end of the demo).
fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("copydesk-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}
