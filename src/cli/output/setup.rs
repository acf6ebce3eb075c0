//! What is set up and where alerts go, printed: `config check`'s summary,
//! the outbox (`alerts`), the discovery feeds (`feeds`).

use super::{print_json, short, time};
use crate::cli::Format;
use crate::config::Config;
use crate::store::{Delivery, FeedOutcome, FeedState, StoredEvent};
use anyhow::Result;
use serde::Serialize;

/// `config check`: what the file sets up, without secrets.
pub fn config_summary(cfg: &Config) {
    println!("{}: ok", cfg.source.display());
    println!("  storage:  {}", cfg.storage_location());
    println!("  schedule: {}", cfg.schedule.default.0);
    println!("  watches:  {}", cfg.watches.len());
    println!("  feeds:    {}", cfg.feeds.len());
    println!("  sitemaps: {}", cfg.sitemaps.len());
    println!("  outlets:  {}", cfg.outlets.len());
    println!("  webhooks: {}", cfg.alert.webhook.len());
    let sinks: Vec<String> = cfg
        .alert
        .sink_names()
        .iter()
        .map(|n| crate::alert::display_sink(n))
        .collect();
    println!(
        "  alerts:   {}",
        if sinks.is_empty() {
            "none".to_string()
        } else {
            sinks.join(", ")
        }
    );
    let m = cfg.matching.thresholds();
    println!(
        "  matching: {} (similarity {}, containment {}, {} shared paragraphs)",
        if cfg.matching.enabled() { "on" } else { "off" },
        m.similarity,
        m.containment,
        m.min_shared_paragraphs
    );
    println!(
        "  changes:  {}, furniture learning {}",
        match cfg.check.confirm_delay() {
            Some(d) => format!(
                "confirmed by a second fetch after {}",
                humantime::format_duration(d)
            ),
            None => "stored without confirmation".to_string(),
        },
        if cfg.check.learn() { "on" } else { "off" }
    );
    println!(
        "  web:      {}{}",
        cfg.web.listen,
        if cfg.web.token.is_some() {
            " (token set)"
        } else {
            ""
        }
    );
}

/// One outbox entry as `alerts` prints it.
#[derive(Serialize)]
struct AlertRow<'a> {
    id: &'a str,
    event: &'a str,
    url: Option<&'a str>,
    sink: String,
    state: &'static str,
    attempts: u32,
    last_error: Option<&'a str>,
    next_attempt: Option<chrono::DateTime<chrono::Utc>>,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// Where events can be read when no sink sends them anywhere.
pub fn where_events_are(cfg: &Config) -> String {
    format!(
        "events are kept in the store: see them in the web UI (`copydesk run`, then \
         http://{}/), its Atom feed /feed.atom, GET /api/v1/events, or `copydesk export`",
        cfg.web.listen
    )
}

pub fn alerts(entries: &[(Delivery, StoredEvent)], cfg: &Config, format: Format) -> Result<()> {
    let rows: Vec<AlertRow> = entries
        .iter()
        .map(|(d, e)| AlertRow {
            id: e.event.id(),
            event: e.event.kind(),
            url: e.event.article_url(),
            sink: crate::alert::display_sink(&d.sink),
            state: if d.dead { "failed" } else { "pending" },
            attempts: d.attempts,
            last_error: d.last_error.as_deref(),
            next_attempt: (!d.dead).then_some(d.next_attempt),
            created_at: e.created_at,
        })
        .collect();
    if format == Format::Json {
        return print_json(&rows);
    }
    if rows.is_empty() && cfg.alert.sink_count() == 0 {
        println!(
            "no alert sink is configured (add [[alert.webhook]], [[alert.slack]], ... to {}), \
             so no alert is sent or waits in the outbox; {}",
            cfg.source.display(),
            where_events_are(cfg)
        );
        return Ok(());
    }
    if rows.is_empty() {
        println!("the outbox is empty: every alert was delivered");
        return Ok(());
    }
    for r in &rows {
        let when = match r.next_attempt {
            Some(t) => format!("next attempt {}", time(&t)),
            None => "given up; `copydesk alerts retry ID` sends it again".into(),
        };
        println!(
            "{} {} {} -> {}: {}, {} attempts, {}{}",
            r.id,
            r.event,
            r.url.unwrap_or("-"),
            r.sink,
            r.state,
            r.attempts,
            when,
            r.last_error
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// `copydesk feeds`: one line per feed, or the stored states as JSON.
pub fn feeds(feeds: &[FeedState], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(feeds);
    }
    if feeds.is_empty() {
        println!("no feeds (add a [[feed]] url = \"...\" to the config)");
        return Ok(());
    }
    println!(
        "{:<60} {:>7} {:>7} {:<20} LAST POLL",
        "FEED", "ENTRIES", "ADDED", "NEXT DUE (UTC)"
    );
    for f in feeds {
        let last = match &f.last_poll {
            None => "never".to_string(),
            Some(p) => {
                let what = match p.outcome {
                    FeedOutcome::Ok => format!("ok, {} new", p.added),
                    FeedOutcome::NotModified => "not modified".to_string(),
                    FeedOutcome::Failed => {
                        format!("failed: {}", p.reason.as_deref().unwrap_or("?"))
                    }
                };
                let refused = if p.rejected > 0 {
                    format!(", {} refused", p.rejected)
                } else {
                    String::new()
                };
                format!("{} {what}{refused}", time(&p.at))
            }
        };
        let url = match &f.label {
            Some(l) => format!("{} [{l}]", f.url),
            None => f.url.clone(),
        };
        let due = f
            .next_due
            .as_ref()
            .map(time)
            .unwrap_or_else(|| "now".into());
        println!(
            "{:<60} {:>7} {:>7} {:<20} {}",
            short(&url, 60),
            f.entries_seen,
            f.entries_added,
            due,
            short(&last, 120)
        );
    }
    Ok(())
}
