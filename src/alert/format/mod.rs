//! What a human-readable alert says, independent of where it goes: a
//! headline, the facts of the change, a short diff excerpt and the link;
//! for a republication, both articles with their links.
//! Pure functions; each sink dresses them in its own markup.

mod kinds;
#[cfg(test)]
pub(crate) mod tests;

use super::Alert;
use crate::core::diff::ChangeClass;
use crate::core::event::Event;
use kinds::{
    summarize_edit, summarize_moved, summarize_removed, summarize_republication, summarize_restored,
};

/// Diff lines shown in an excerpt.
pub const EXCERPT_LINES: usize = 6;
/// Characters of one excerpt line before it is cut with `…`.
pub const EXCERPT_LINE_CHARS: usize = 280;
/// Events listed one by one in a digest; more are counted.
pub const DIGEST_LISTED: usize = 50;

/// The readable parts of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// "Edited (minor): Council approves budget"
    pub headline: String,
    /// The article's title (for a republication: the copy's).
    pub title: String,
    /// The article's outlet (for a republication: the copy's).
    pub outlet: String,
    /// The article's URL (for a republication: the copy's).
    pub url: String,
    /// "version 1 → 2 · 1 paragraph changed · +3 −2 words"
    pub facts: String,
    /// Changed lines of the diff (`~`, `+`, `-` marked), shortened.
    pub excerpt: Vec<String>,
    /// The articles a republication links (original, then copy); empty
    /// for an edit.
    pub articles: Vec<Linked>,
    /// What a digest line shows between the headline and the link: the
    /// outlet of an edit, class and similarity of a republication.
    pub note: String,
    /// The event's stable id.
    pub id: String,
}

/// One article named in an alert, with its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// "Original" or "Copy".
    pub role: &'static str,
    /// Its title.
    pub title: String,
    /// Its outlet.
    pub outlet: String,
    /// Its URL, the link.
    pub url: String,
    /// When copydesk first saw it (RFC 3339).
    pub first_seen: String,
}

impl Linked {
    /// "«title» (outlet), first seen 2026-11-25T09:01:40Z" — without the
    /// link, which each format places itself.
    pub fn describe(&self) -> String {
        format!(
            "«{}» ({}), first seen {}",
            self.title, self.outlet, self.first_seen
        )
    }

    /// The plain-text line: "Original: «title» (outlet), first seen … — URL".
    pub fn plain(&self) -> String {
        format!("{}: {} — {}", self.role, self.describe(), self.url)
    }
}

/// The class as alerts and `min_class` write it (`typo`, `minor`, ...).
pub fn class_name(c: ChangeClass) -> &'static str {
    match c {
        ChangeClass::Typo => "typo",
        ChangeClass::Minor => "minor",
        ChangeClass::Headline => "headline",
        ChangeClass::Substantive => "substantive",
        ChangeClass::Correction => "correction",
    }
}

/// The change class of an event, as rules and tags name it.
/// A republication's is its match class, `copy` or `partial`.
pub fn class_of(event: &Event) -> &'static str {
    match event {
        Event::Edit(e) => class_name(e.change.class),
        Event::Republication(r) => r.class.as_str(),
        Event::Removed(_) | Event::Restored(_) | Event::Moved(_) => event.kind(),
    }
}

/// The readable parts of an event.
pub fn summarize(event: &Event) -> Summary {
    match event {
        Event::Edit(e) => summarize_edit(e),
        Event::Republication(r) => summarize_republication(r),
        Event::Removed(r) => summarize_removed(r),
        Event::Restored(r) => summarize_restored(r),
        Event::Moved(m) => summarize_moved(m),
    }
}

/// A share 0..1 as a whole percentage ("84%"); out-of-range values are
/// clamped, NaN reads 0%.
pub fn percent(x: f64) -> String {
    let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
    format!("{}%", (x * 100.0).round() as u32)
}

/// "1 paragraph", "2 paragraphs".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The changed lines of a unified diff (no headers, no context), at most
/// `max` of them, each cut to [`EXCERPT_LINE_CHARS`]; a last `…` line says
/// that more was left out.
pub fn excerpt(diff: &str, max: usize) -> Vec<String> {
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            !l.starts_with("--- ")
                && !l.starts_with("+++ ")
                && (l.starts_with("~ ") || l.starts_with("+ ") || l.starts_with("- "))
        })
        .collect();
    let mut out: Vec<String> = changed
        .iter()
        .take(max)
        .map(|l| shorten(l, EXCERPT_LINE_CHARS))
        .collect();
    if changed.len() > max {
        out.push(format!("… and {} more changed lines", changed.len() - max));
    }
    out
}

/// `s` cut to `max` characters (on a char boundary) with `…`.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The subject / title of an alert.
pub fn subject(alert: &Alert<'_>) -> String {
    match alert {
        Alert::One(e) => summarize(e).headline,
        Alert::Digest(events) => digest_title(events),
    }
}

/// "copydesk digest: 3 article changes" when every event is an edit,
/// "copydesk digest: 3 alerts" when republications are among them.
pub fn digest_title(events: &[Event]) -> String {
    let n = events.len();
    let what = if events.iter().all(|e| matches!(e, Event::Edit(_))) {
        plural(n, "article change", "article changes")
    } else {
        plural(n, "alert", "alerts")
    };
    format!("copydesk digest: {what}")
}

/// One line per event of a digest: "Edited (minor): Title — outlet — url",
/// or "Copied: «Title» (a.example) republished by b.example — copy,
/// similarity 84% — copy url".
pub fn digest_lines(events: &[Event]) -> Vec<String> {
    digest_lines_with(
        events,
        |s| format!("{} — {} — {}", s.headline, s.note, s.url),
        |n| format!("… and {n} more"),
    )
}

/// A digest's lines in a sink's own markup: `line` for each of the first
/// [`DIGEST_LISTED`] events, then `more(count)` for the rest, if any.
pub fn digest_lines_with(
    events: &[Event],
    line: impl Fn(&Summary) -> String,
    more: impl Fn(usize) -> String,
) -> Vec<String> {
    let mut lines: Vec<String> = events
        .iter()
        .take(DIGEST_LISTED)
        .map(|e| line(&summarize(e)))
        .collect();
    if events.len() > DIGEST_LISTED {
        lines.push(more(events.len() - DIGEST_LISTED));
    }
    lines
}

/// The whole alert as plain text (ntfy, the email's text part, the log).
pub fn plain_text(alert: &Alert<'_>) -> String {
    match alert {
        Alert::One(e) => {
            let s = summarize(e);
            let mut t = format!("{}\n{} — {}\n{}\n", s.headline, s.outlet, s.facts, s.url);
            for a in &s.articles {
                t.push_str(&a.plain());
                t.push('\n');
            }
            if !s.excerpt.is_empty() {
                t.push('\n');
                for l in &s.excerpt {
                    t.push_str(l);
                    t.push('\n');
                }
            }
            t
        }
        Alert::Digest(events) => {
            let mut t = format!("{}\n\n", digest_title(events));
            for l in digest_lines(events) {
                t.push_str("• ");
                t.push_str(&l);
                t.push('\n');
            }
            t
        }
    }
}

/// The JSON a generic webhook or a command receives: the docs/design.md payload
/// of one event, or for a digest `{"event": "digest", "id", "detected_at",
/// "events": [payloads]}`.
pub fn payload(alert: &Alert<'_>) -> serde_json::Value {
    match alert {
        Alert::One(e) => e.to_payload(),
        Alert::Digest(events) => serde_json::json!({
            "event": "digest",
            "id": digest_id(events),
            "detected_at": crate::core::event::rfc3339(chrono::Utc::now()),
            "events": events.iter().map(Event::to_payload).collect::<Vec<_>>(),
        }),
    }
}

/// A digest's id: stable for the same events, so a re-sent digest can be
/// recognised.
pub fn digest_id(events: &[Event]) -> String {
    let mut key = String::from("digest");
    for e in events {
        key.push('\0');
        key.push_str(e.id());
    }
    format!(
        "digest-{:032x}",
        xxhash_rust::xxh3::xxh3_128(key.as_bytes())
    )
}
