//! How the CLI prints: plain text tables for people, `--format json` for
//! programs. JSON shapes are part of the public contract (docs/cli.md).

mod setup;
mod versions;

pub use setup::{alerts, config_summary, feeds};
pub use versions::{article, diff, history, matches};

use super::Format;
use crate::alert::format::plural;
use crate::config::Config;
use crate::pipeline::CheckSummary;
use crate::store::{Outcome, Store, Watch, WatchSource};
use anyhow::Result;
use serde::Serialize;

pub(super) fn print_json<T: Serialize + ?Sized>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub(super) fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub(super) fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn check_summary(
    s: &CheckSummary,
    store: &dyn Store,
    cfg: &Config,
    format: Format,
) -> Result<()> {
    if format == Format::Json {
        return print_json(s);
    }
    if s.feeds_polled > 0 {
        println!(
            "polled {}: {}{}",
            plural(s.feeds_polled, "feed", "feeds"),
            plural(s.discovered, "new article", "new articles"),
            if s.feeds_failed > 0 {
                format!(", {} failed (see `copydesk feeds`)", s.feeds_failed)
            } else {
                String::new()
            }
        );
    }
    let delivered = if s.events > 0 && cfg.alert.sink_count() == 0 {
        "none sent: no alert sink is configured (see `copydesk alerts`)".to_string()
    } else {
        format!("{} delivered", s.delivered)
    };
    println!(
        "checked {}: {}, {} unchanged, {} failed; {}, {delivered}{}",
        s.checked,
        plural(s.new_versions, "new version", "new versions"),
        s.unchanged,
        s.failed,
        plural(s.events, "event", "events"),
        if s.delivery_failures > 0 {
            format!(
                ", {} failed (kept for the next run)",
                plural(s.delivery_failures, "delivery", "deliveries")
            )
        } else {
            String::new()
        }
    );
    if s.failed > 0 {
        for w in store.watches()? {
            if let Some(c) = w
                .last_check
                .as_ref()
                .filter(|c| c.outcome == Outcome::Failed)
            {
                println!(
                    "  failed: {} — {}",
                    w.url,
                    c.reason.as_deref().unwrap_or("unknown reason")
                );
            }
        }
    }
    Ok(())
}

/// "in 45 s", "in 12 min", "in 3 h 5 min", "in 2 days"; "now" when past.
pub fn from_now(t: &chrono::DateTime<chrono::Utc>) -> String {
    let secs = (*t - chrono::Utc::now()).num_seconds();
    match secs {
        ..=0 => "now".into(),
        1..=59 => format!("in {secs} s"),
        60..=3599 => format!("in {} min", (secs + 30) / 60),
        3600..=172_799 => {
            let m = (secs + 30) / 60;
            match m % 60 {
                0 => format!("in {} h", m / 60),
                r => format!("in {} h {r} min", m / 60),
            }
        }
        _ => format!("in {} days", (secs + 43_200) / 86_400),
    }
}

/// What `check` says when no watch is due: which one is next and when, or
/// why none will be.
pub fn nothing_due(watches: &[Watch], is_active: &dyn Fn(&Watch) -> bool, cfg: &Config) -> String {
    if watches.is_empty() {
        return format!(
            "no watches yet: add one with `copydesk watch add URL` or a [[watch]] in {}",
            cfg.source.display()
        );
    }
    let next = watches
        .iter()
        .filter(|w| is_active(w) && !w.retired)
        .filter_map(|w| w.next_due.map(|d| (d, w)))
        .min_by_key(|(d, _)| *d);
    match next {
        Some((due, w)) => format!(
            "no watches are due: the next is {} at {} UTC ({}); `copydesk check --all` checks every watch now",
            w.url,
            time(&due),
            from_now(&due)
        ),
        None => format!(
            "no watches are due: none of the {} is active (retired, or no longer in the config; see `copydesk watch list`)",
            plural(watches.len(), "watch", "watches")
        ),
    }
}

#[derive(Serialize)]
struct WatchRow<'a> {
    #[serde(flatten)]
    watch: &'a Watch,
    active: bool,
}

pub fn watch_list(
    watches: &[Watch],
    is_active: &dyn Fn(&Watch) -> bool,
    format: Format,
) -> Result<()> {
    if format == Format::Json {
        let rows: Vec<_> = watches
            .iter()
            .map(|w| WatchRow {
                watch: w,
                active: is_active(w),
            })
            .collect();
        return print_json(&rows);
    }
    if watches.is_empty() {
        println!("no watches (add one with `copydesk watch add URL` or a [[watch]] in the config)");
        return Ok(());
    }
    println!(
        "{:<60} {:>4} {:<12} {:<20} LAST CHECK",
        "URL", "VERS", "SCHEDULE", "NEXT DUE (UTC)"
    );
    for w in watches {
        let last = match &w.last_check {
            None => "never".to_string(),
            Some(c) => {
                let what = match c.outcome {
                    Outcome::NewVersion => "new version".to_string(),
                    Outcome::Unchanged => "unchanged".to_string(),
                    Outcome::NotModified => "not modified".to_string(),
                    // the retry first: a long reason is cut
                    Outcome::Failed => match w.next_due.filter(|_| !w.retired && is_active(w)) {
                        Some(due) => format!(
                            "failed{}, retry {} (failures back off): {}",
                            match w.consecutive_failures {
                                0 | 1 => String::new(),
                                n => format!(" {n} times in a row"),
                            },
                            from_now(&due),
                            c.reason.as_deref().unwrap_or("?")
                        ),
                        None => format!("failed: {}", c.reason.as_deref().unwrap_or("?")),
                    },
                };
                format!("{} {}", time(&c.at), what)
            }
        };
        let due = if !is_active(w) {
            "inactive (not in config)".to_string()
        } else if w.retired {
            "retired (adaptive, too old)".to_string()
        } else {
            w.next_due
                .as_ref()
                .map(time)
                .unwrap_or_else(|| "now".into())
        };
        let mut url = match &w.label {
            Some(l) => format!("{} [{l}]", w.url),
            None => w.url.clone(),
        };
        if w.source == WatchSource::Feed {
            url.push_str(" (from a feed)");
        }
        let sched = w.schedule.clone().unwrap_or_else(|| "default".into());
        println!(
            "{:<60} {:>4} {:<12} {:<20} {}",
            short(&url, 60),
            w.latest_version,
            short(&sched, 12),
            due,
            short(&last, 120)
        );
        // the article's other addresses, one line each under it
        for a in &w.aliases {
            println!("  alias {a}");
        }
        if let Some(d) = &w.declared_canonical {
            println!("  declares {d} as its own URL (another outlet)");
        }
    }
    Ok(())
}
