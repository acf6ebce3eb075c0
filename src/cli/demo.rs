//! `copydesk demo`: three sample outlets served on loopback whose pages
//! change while you watch (furniture churn on every load, a stealth edit of
//! the story, a copy republished by a second outlet), a daemon with a temp
//! store pointed at them, and a webhook receiver that prints each alert. No
//! network needed; nothing is kept.

use crate::config::Config;
use crate::daemon::Daemon;
use crate::store::{SledStore, Store};
use anyhow::{Context, Result};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// When the original story is edited, and when the copy appears.
const EDIT_AFTER: Duration = Duration::from_secs(7);
const COPY_AFTER: Duration = Duration::from_secs(11);

const TITLE: &str = "Harbour bridge to close for six months of repairs";
const TITLE_EDITED: &str = "Harbour bridge to close for a year of repairs";
const STORY: [&str; 5] = [
    "The harbour bridge will close to all traffic from March for repairs to its steel deck, the city's transport department said on Monday.",
    "Engineers found corrosion in several support beams during an inspection last autumn, and the department said the work could not wait.",
    "Buses will be diverted over the northern ring road, adding about fifteen minutes to journeys between the old town and the port.",
    "Shop owners near the bridge said they feared losing customers, and asked the city for help with rent during the closure.",
    "The department said it would publish a detailed timetable for the works and the diversions next week.",
];

#[derive(Clone)]
struct Outlet {
    name: &'static str,
    started: Instant,
    hits: Arc<std::sync::atomic::AtomicU64>,
}

/// The page as it is `elapsed` after the start; the furniture changes on
/// every load (`n`).
fn page(outlet: &Outlet, n: u64, elapsed: Duration) -> String {
    let edited = elapsed >= EDIT_AFTER;
    let (title, mut body): (&str, Vec<String>) = match outlet.name {
        "Daily Harbour" => (
            if edited { TITLE_EDITED } else { TITLE },
            STORY.iter().map(|s| s.to_string()).collect(),
        ),
        _ if elapsed >= COPY_AFTER => (
            "Bridge closure: what drivers need to know",
            STORY.iter().map(|s| s.to_string()).collect(),
        ),
        _ => (
            "Port authority reports record cargo volumes",
            vec!["The port handled more containers in October than in any month on record, the port authority said, citing new routes to Asia and a busy harvest season.".into(),
                 "Officials expect volumes to stay high until the end of the year, although fuel prices remain a concern for shipping lines.".into()],
        ),
    };
    if edited && outlet.name == "Daily Harbour" {
        body[0] = body[0].replace("from March", "from March for a full year");
        body.push(
            "An earlier version of this article said the closure would last six months.".into(),
        );
    }
    let menu = ["News", "City", "Business", "Sport", "Culture"];
    let shift = (n as usize) % menu.len();
    let menu: String = menu[shift..]
        .iter()
        .chain(&menu[..shift])
        .map(|m| format!("<li><a href=\"/{m}\">{m}</a></li>"))
        .collect();
    let paras: String = body.iter().map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} | {name}</title></head>\
         <body><nav><ul>{menu}</ul></nav><div class=\"clock\">Updated {secs} seconds ago</div>\
         <article><h1>{title}</h1><div class=\"meta\">{views} views</div>{paras}</article>\
         <aside><h2>Most read</h2><ol><li>Story {a}</li><li>Story {b}</li></ol></aside>\
         <footer>© {name}</footer></body></html>",
        name = outlet.name,
        secs = elapsed.as_secs(),
        views = 1000 + n * 37,
        a = n % 7,
        b = (n + 3) % 7,
    )
}

async fn serve_page(State(o): State<Outlet>) -> axum::response::Html<String> {
    let n = o.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    axum::response::Html(page(&o, n, o.started.elapsed()))
}

async fn receive(State(started): State<Instant>, Json(event): Json<serde_json::Value>) {
    let at = started.elapsed().as_secs_f64();
    let kind = event["event"].as_str().unwrap_or("?");
    println!(
        "\n[{at:5.1} s] webhook received: {kind} of {} (version {} -> {}), class {}",
        event["article"]["url"].as_str().unwrap_or("?"),
        event["from_version"],
        event["to_version"],
        event["change"]["class"].as_str().unwrap_or("?"),
    );
    for line in event["diff"].as_str().unwrap_or("").lines() {
        println!("    {line}");
    }
}

async fn bind() -> Result<(tokio::net::TcpListener, String)> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("bind a loopback port")?;
    let addr = l.local_addr()?.to_string();
    Ok((l, addr))
}

pub async fn run(seconds: u64) -> Result<()> {
    let started = Instant::now();
    let dir = tempfile_dir()?;
    let mut urls = Vec::new();
    for name in ["Daily Harbour", "Coastal Courier"] {
        let (l, addr) = bind().await?;
        let o = Outlet {
            name,
            started,
            hits: Arc::default(),
        };
        let app = Router::new().route("/story", get(serve_page)).with_state(o);
        tokio::spawn(async move { axum::serve(l, app).await });
        urls.push((name, format!("http://{addr}/story")));
    }
    let (l, hook_addr) = bind().await?;
    let hooks = Router::new()
        .route("/hook", post(receive))
        .with_state(started);
    tokio::spawn(async move { axum::serve(l, hooks).await });

    let mut text = format!(
        "[storage]\npath = \"db\"\ncache_mb = 16\n\n[schedule]\ndefault = \"*/2 * * * * *\"\n\n\
         [web]\nlisten = \"127.0.0.1:0\"\n\n[[alert.webhook]]\nurl = \"http://{hook_addr}/hook\"\n"
    );
    for (name, url) in &urls {
        text.push_str(&format!(
            "\n[[watch]]\nurl = \"{url}\"\nlabel = \"{name}\"\n"
        ));
    }
    let cfg_path = dir.join("copydesk.toml");
    std::fs::write(&cfg_path, &text).context("write the demo config")?;
    let config = Config::load(&cfg_path)?;
    let store: Arc<dyn Store> = Arc::new(SledStore::open(&config.storage_path(), 16)?);
    let (listener, _) = bind().await?;

    println!(
        "copydesk demo: two sample outlets on loopback, checked every 2 seconds for {seconds} s."
    );
    for (name, url) in &urls {
        println!("  {name}: {url}");
    }
    println!(
        "Their menus, clocks, view counters and \"most read\" boxes change on every load (not edits).\n\
         After {} s the Daily Harbour rewrites its headline and adds a correction; after {} s the\n\
         Coastal Courier replaces its story with a copy of it (republication detection comes in a later release).",
        EDIT_AFTER.as_secs(),
        COPY_AFTER.as_secs()
    );
    let (_reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
    let daemon = Daemon {
        config,
        config_path: cfg_path,
        store: store.clone(),
        listener,
        grace: Duration::from_secs(5),
        daemon_file: None,
    };
    let stop = async move {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(seconds)) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    daemon.run(stop, reload_rx).await?;

    println!("\nWhat copydesk stored:");
    for w in store.watches()? {
        let checks = store.checks(w.id, 1000)?.len();
        println!(
            "  {} [{}]: {checks} checks, {} versions",
            w.url,
            w.label.as_deref().unwrap_or(""),
            w.latest_version
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
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A fresh temp directory (removed at the end of the demo).
fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("copydesk-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}
