//! How the CLI prints: plain text tables for people, `--format json` for
//! programs. JSON shapes are part of the public contract (docs/cli.md).

use super::{DiffFormat, Format};
use crate::alert::format::plural;
use crate::config::Config;
use crate::core::diff::ArticleDiff;
use crate::core::Article;
use crate::pipeline::CheckSummary;
use crate::store::{
    Delivery, FeedOutcome, FeedState, Outcome, Store, StoredEvent, VersionMeta, Watch, WatchSource,
};
use anyhow::Result;
use serde::Serialize;

pub(super) fn print_json<T: Serialize + ?Sized>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
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

/// A version as `history --format json` lists it: its metadata and
/// whether its change was only furniture (see `copydesk outlets`).
#[derive(serde::Serialize)]
struct HistoryEntry<'a> {
    #[serde(flatten)]
    meta: &'a VersionMeta,
    furniture_only: bool,
    /// The `removed`, `restored` and `moved` events seen while this was
    /// the latest version (webhook payloads), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    events: Vec<&'a crate::core::event::Event>,
}

/// The version a `removed`, `restored` or `moved` event belongs to.
fn version_of(e: &crate::core::event::Event) -> u32 {
    use crate::core::event::Event;
    match e {
        Event::Removed(r) => r.last_version.number,
        Event::Restored(r) => r.last_version.number,
        Event::Moved(m) => m.version,
        Event::Edit(x) => x.to_version,
        Event::Republication(_) => 0,
    }
}

/// Each event under the version it belongs to (the last one when that
/// version is not listed).
fn events_by_version<'a>(
    versions: &[VersionMeta],
    events: &'a [StoredEvent],
) -> Vec<Vec<&'a crate::core::event::Event>> {
    let mut by = vec![Vec::new(); versions.len()];
    for e in events {
        let n = version_of(&e.event);
        let i = versions
            .iter()
            .position(|v| v.number == n)
            .or(versions.len().checked_sub(1));
        if let Some(i) = i {
            by[i].push(&e.event);
        }
    }
    by
}

/// One line of `history` for a removal, return or move.
fn lifecycle_line(e: &crate::core::event::Event) -> String {
    let s = crate::alert::format::summarize(e);
    format!("      {} {} — {}", e.kind(), s.facts, s.excerpt.join(" "))
        .trim_end_matches([' ', '—'])
        .to_string()
}

pub fn history(
    w: &Watch,
    versions: &[VersionMeta],
    marks: &[bool],
    events: &[StoredEvent],
    format: Format,
) -> Result<()> {
    let marked = |i: usize| marks.get(i).copied().unwrap_or(false);
    let mut by_version = events_by_version(versions, events);
    if format == Format::Json {
        let entries: Vec<HistoryEntry<'_>> = versions
            .iter()
            .enumerate()
            .map(|(i, meta)| HistoryEntry {
                meta,
                furniture_only: marked(i),
                events: std::mem::take(&mut by_version[i]),
            })
            .collect();
        return print_json(&entries);
    }
    println!(
        "{} — {}",
        w.url,
        plural(versions.len(), "version", "versions")
    );
    println!(
        "{:>4}  {:<19}  {:<16}  {:>6}  TITLE",
        "#", "FETCHED (UTC)", "HASH", "WORDS"
    );
    for (i, v) in versions.iter().enumerate() {
        let mut same = v
            .same_as
            .map(|n| format!(" (same text as #{n})"))
            .unwrap_or_default();
        if marked(i) {
            same.push_str(" (not an edit: only furniture changed)");
        }
        let hash = v.hash.to_string();
        println!(
            "{:>4}  {}  {:<16}  {:>6}  {}{same}",
            v.number,
            time(&v.fetched_at),
            &hash[..16],
            v.words,
            short(&v.title, 70)
        );
        for e in &by_version[i] {
            println!("{}", lifecycle_line(e));
        }
    }
    if w.is_removed() {
        if let Some(g) = &w.gone {
            println!("removed since {}: {}", time(&g.since), g.answer.reason);
        }
    }
    Ok(())
}

/// Republication clusters: JSON is the list of clusters as
/// [`crate::core::matching::cluster::Cluster`] serializes them.
pub fn matches(clusters: &[crate::core::matching::cluster::Cluster], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(clusters);
    }
    if clusters.is_empty() {
        println!("no republications found");
    }
    for (i, c) in clusters.iter().enumerate() {
        let f = &c.first_publisher;
        println!(
            "story {}: first published by {} at {} ({})",
            i + 1,
            f.outlet,
            f.url,
            f.first_seen
        );
        println!("  {}", short(&f.title, 90));
        for p in &c.pairs {
            println!(
                "  {:<13} {:<7} {} -> {}  similarity {:.2}, containment {:.2}, {}",
                serde_json::to_value(p.relation)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                p.class.as_str(),
                p.original.url,
                p.copy.url,
                p.similarity,
                p.containment,
                plural(p.shared_paragraphs, "shared paragraph", "shared paragraphs")
            );
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct DiffJson<'a> {
    url: &'a str,
    from: &'a VersionMeta,
    to: &'a VersionMeta,
    #[serde(flatten)]
    diff: &'a ArticleDiff,
    unified: String,
}

pub fn diff(
    url: &str,
    from: &VersionMeta,
    to: &VersionMeta,
    d: &ArticleDiff,
    format: DiffFormat,
) -> Result<()> {
    let (a, b) = (
        format!("{url} version {}", from.number),
        format!("{url} version {}", to.number),
    );
    match format {
        DiffFormat::Json => print_json(&DiffJson {
            url,
            from,
            to,
            diff: d,
            unified: d.unified(&a, &b, usize::MAX),
        }),
        // identical texts: say so rather than print an empty edit
        DiffFormat::Unified | DiffFormat::Text if d.is_empty() => {
            println!("{}", no_difference(from, to));
            Ok(())
        }
        DiffFormat::Unified => {
            print!("{}", d.unified(&a, &b, 1));
            Ok(())
        }
        DiffFormat::Text => {
            let s = &d.summary;
            println!(
                "{:?} change: {} words added, {} removed; paragraphs +{} -{} ~{}{}",
                s.class,
                s.words_added,
                s.words_removed,
                s.paragraphs_added,
                s.paragraphs_removed,
                s.paragraphs_changed,
                if s.title_changed {
                    "; headline changed"
                } else {
                    ""
                }
            );
            if super::color::stdout() {
                print!("{}", d.colored(&a, &b, 1));
            } else {
                print!("{}", d.unified(&a, &b, 1));
            }
            Ok(())
        }
    }
}

/// What `diff` says of two versions with the same text.
fn no_difference(from: &VersionMeta, to: &VersionMeta) -> String {
    if from.number == to.number {
        return format!(
            "no difference: version {} compared with itself (give --from and --to, or wait for a second version)",
            from.number
        );
    }
    let (older, newer) = if from.number < to.number {
        (from, to)
    } else {
        (to, from)
    };
    let (old, new) = (older.number, newer.number);
    let why = match newer.same_as {
        Some(n) => format!(" (version {new} returned to the text of version {n})"),
        None => String::new(),
    };
    format!("no difference: versions {old} and {new} are the same text{why}")
}

pub fn article(a: &Article, format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(a);
    }
    println!("title:     {}", a.title);
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    println!("byline:    {}", opt(&a.byline));
    println!("published: {}", opt(&a.published));
    println!("modified:  {}", opt(&a.modified));
    println!("canonical: {}", opt(&a.canonical_url));
    println!("language:  {}", opt(&a.language));
    println!("{} paragraphs, {} words", a.body.len(), a.word_count());
    for p in &a.body {
        println!();
        println!("{p}");
    }
    Ok(())
}

/// `config check`: what the file sets up, without secrets.
pub fn config_summary(cfg: &Config) {
    println!("{}: ok", cfg.source.display());
    println!("  storage:  {}", cfg.storage_path().display());
    println!("  schedule: {}", cfg.schedule.default.0);
    println!("  watches:  {}", cfg.watches.len());
    println!("  feeds:    {}", cfg.feeds.len());
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
