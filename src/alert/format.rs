//! What a human-readable alert says, independent of where it goes: a
//! headline, the facts of the change, a short diff excerpt and the link.
//! Pure functions; each sink dresses them in its own markup.

use super::Alert;
use crate::core::diff::ChangeClass;
use crate::core::event::{EditEvent, Event};

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
    pub title: String,
    pub outlet: String,
    pub url: String,
    /// "version 1 → 2 · 1 paragraph changed · +3 −2 words"
    pub facts: String,
    /// Changed lines of the diff (`~`, `+`, `-` marked), shortened.
    pub excerpt: Vec<String>,
    pub id: String,
}

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
pub fn class_of(event: &Event) -> &'static str {
    #[allow(unreachable_patterns)]
    match event {
        Event::Edit(e) => class_name(e.change.class),
        _ => event.kind(),
    }
}

/// The readable parts of an event.
pub fn summarize(event: &Event) -> Summary {
    // The fallback arm keeps kinds added later (republication) readable
    // until they get their own wording.
    #[allow(unreachable_patterns)]
    match event {
        Event::Edit(e) => summarize_edit(e),
        _ => summarize_other(event),
    }
}

/// A generic summary from the payload: kind, title, outlet and URL where
/// the event has them.
#[allow(dead_code)]
fn summarize_other(event: &Event) -> Summary {
    let p = event.to_payload();
    let article = p
        .get("article")
        .or_else(|| p.get("copy"))
        .cloned()
        .unwrap_or_default();
    let text = |k: &str| {
        article
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let mut kind = event.kind().to_string();
    if let Some(first) = kind.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    Summary {
        headline: format!("{kind}: {}", text("title")),
        title: text("title"),
        outlet: text("outlet"),
        url: event
            .article_url()
            .map(str::to_string)
            .unwrap_or_else(|| text("url")),
        facts: String::new(),
        excerpt: Vec::new(),
        id: event.id().to_string(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summarize_edit(e: &EditEvent) -> Summary {
    let c = &e.change;
    let mut facts = vec![format!("version {} → {}", e.from_version, e.to_version)];
    if c.title_changed {
        facts.push("headline changed".into());
    }
    if c.paragraphs_changed > 0 {
        facts.push(format!(
            "{} changed",
            plural(c.paragraphs_changed, "paragraph", "paragraphs")
        ));
    }
    if c.paragraphs_added > 0 {
        facts.push(format!(
            "{} added",
            plural(c.paragraphs_added, "paragraph", "paragraphs")
        ));
    }
    if c.paragraphs_removed > 0 {
        facts.push(format!(
            "{} removed",
            plural(c.paragraphs_removed, "paragraph", "paragraphs")
        ));
    }
    facts.push(format!("+{} −{} words", c.words_added, c.words_removed));
    Summary {
        headline: format!("Edited ({}): {}", class_name(c.class), e.article.title),
        title: e.article.title.clone(),
        outlet: e.article.outlet.clone(),
        url: e.article.url.clone(),
        facts: facts.join(" · "),
        excerpt: excerpt(&e.diff, EXCERPT_LINES),
        id: e.id.clone(),
    }
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

pub fn digest_title(events: &[Event]) -> String {
    format!(
        "copydesk digest: {}",
        plural(events.len(), "article change", "article changes")
    )
}

/// One line per event of a digest: "Edited (minor): Title — outlet — url".
pub fn digest_lines(events: &[Event]) -> Vec<String> {
    let mut lines: Vec<String> = events
        .iter()
        .take(DIGEST_LISTED)
        .map(|e| {
            let s = summarize(e);
            format!("{} — {} — {}", s.headline, s.outlet, s.url)
        })
        .collect();
    if events.len() > DIGEST_LISTED {
        lines.push(format!("… and {} more", events.len() - DIGEST_LISTED));
    }
    lines
}

/// The whole alert as plain text (ntfy, the email's text part, the log).
pub fn plain_text(alert: &Alert<'_>) -> String {
    match alert {
        Alert::One(e) => {
            let s = summarize(e);
            let mut t = format!("{}\n{} — {}\n{}\n", s.headline, s.outlet, s.facts, s.url);
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

/// The JSON a generic webhook or a command receives: the DESIGN.md payload
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::diff::ChangeSummary;
    use crate::core::event::{edit_event_id, ArticleRef};

    /// A sample edit for the sinks' formatting tests.
    pub fn edit(title: &str, class: ChangeClass, diff: &str) -> Event {
        Event::Edit(EditEvent {
            id: edit_event_id("https://news.example/story", 1, 2),
            detected_at: "2026-01-01T00:00:00Z".into(),
            article: ArticleRef {
                url: "https://news.example/story".into(),
                outlet: "news.example".into(),
                title: title.into(),
            },
            from_version: 1,
            to_version: 2,
            change: ChangeSummary {
                class,
                title_changed: class == ChangeClass::Headline,
                paragraphs_added: 0,
                paragraphs_removed: 0,
                paragraphs_changed: 1,
                words_added: 1,
                words_removed: 1,
                chars_changed: 4,
            },
            diff: diff.into(),
        })
    }

    pub const DIFF: &str = "--- version 1\n+++ version 2\n@@ paragraph 2 @@\n  Context stays.\n~ The meeting lasted [-four-]{+six+} hours.\n";

    #[test]
    fn a_summary_says_what_changed() {
        let s = summarize(&edit("Council approves budget", ChangeClass::Minor, DIFF));
        assert_eq!(s.headline, "Edited (minor): Council approves budget");
        assert_eq!(s.facts, "version 1 → 2 · 1 paragraph changed · +1 −1 words");
        assert_eq!(
            s.excerpt,
            vec!["~ The meeting lasted [-four-]{+six+} hours."]
        );
        assert_eq!(s.url, "https://news.example/story");
    }

    #[test]
    fn excerpts_are_short() {
        let long = format!("~ {}\n", "word ".repeat(200));
        let diff = format!("--- a\n+++ b\n{}", long.repeat(10));
        let ex = excerpt(&diff, 3);
        assert_eq!(ex.len(), 4);
        assert!(ex[0].chars().count() <= EXCERPT_LINE_CHARS + 1 && ex[0].ends_with('…'));
        assert_eq!(ex[3], "… and 7 more changed lines");
        assert_eq!(shorten("héllo", 2), "hé…");
    }

    #[test]
    fn plain_text_of_one_event_and_of_a_digest() {
        let e = edit("Council approves budget", ChangeClass::Minor, DIFF);
        let t = plain_text(&Alert::One(&e));
        assert!(
            t.starts_with("Edited (minor): Council approves budget\nnews.example — version 1 → 2")
        );
        assert!(t.contains("https://news.example/story"));
        assert!(t.contains("[-four-]{+six+}"));
        let events = vec![e.clone(), edit("Mayor resigns", ChangeClass::Headline, "")];
        let t = plain_text(&Alert::Digest(&events));
        assert!(t.starts_with("copydesk digest: 2 article changes\n"));
        assert!(t.contains(
            "• Edited (minor): Council approves budget — news.example — https://news.example/story"
        ));
        assert!(t.contains("• Edited (headline): Mayor resigns"));
        let p = payload(&Alert::Digest(&events));
        assert_eq!(p["event"], "digest");
        assert_eq!(p["events"].as_array().map(Vec::len), Some(2));
        assert_eq!(p["id"], digest_id(&events));
        assert_ne!(digest_id(&events), digest_id(&events[..1]));
    }
}
