//! What was stored, printed: a watch's versions (`history`), a diff
//! between two of them, an extracted article, republication clusters
//! (`matches`).

use super::{print_json, short, time};
use crate::alert::format::plural;
use crate::cli::{DiffFormat, Format};
use crate::core::diff::ArticleDiff;
use crate::core::Article;
use crate::store::{StoredEvent, VersionMeta, Watch};
use anyhow::Result;
use serde::Serialize;

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
            if crate::cli::color::stdout() {
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
