//! What a human-readable alert says, independent of where it goes: a
//! headline, the facts of the change, a short diff excerpt and the link;
//! for a republication, both articles with their links.
//! Pure functions; each sink dresses them in its own markup.

use super::Alert;
use crate::core::diff::ChangeClass;
use crate::core::event::{
    EditEvent, Event, MatchedArticle, MovedEvent, RemovedEvent, RepublicationEvent, RestoredEvent,
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

/// "HTTP 404" / "no HTTP answer".
fn status_words(status: Option<u16>) -> String {
    status.map_or_else(|| "no HTTP answer".into(), |s| format!("HTTP {s}"))
}

fn summarize_removed(r: &RemovedEvent) -> Summary {
    let a = &r.answer;
    let mut facts = vec![
        format!("{} ({})", status_words(a.status), a.kind.replace('_', " ")),
        format!("gone since {}", r.gone_since),
        plural(r.checks as usize, "check", "checks"),
        format!("last version {}", r.last_version.number),
    ];
    if let Some(live) = &r.last_version.last_seen_live {
        facts.push(format!("last seen live {live}"));
    }
    if r.final_url != r.article.url {
        facts.push(format!("now at {}", r.final_url));
    }
    Summary {
        headline: format!("Removed: {}", r.article.title),
        title: r.article.title.clone(),
        outlet: r.article.outlet.clone(),
        url: r.article.url.clone(),
        facts: facts.join(" · "),
        excerpt: vec![shorten(&a.reason, EXCERPT_LINE_CHARS)],
        articles: Vec::new(),
        note: format!("{}, {}", r.article.outlet, a.kind.replace('_', " ")),
        id: r.id.clone(),
    }
}

fn summarize_restored(r: &RestoredEvent) -> Summary {
    let text = if r.changed {
        "text changed (an edit follows)"
    } else {
        "text unchanged"
    };
    Summary {
        headline: format!("Restored: {}", r.article.title),
        title: r.article.title.clone(),
        outlet: r.article.outlet.clone(),
        url: r.article.url.clone(),
        facts: format!(
            "back after removal (gone since {}) · last version {} · {text}",
            r.gone_since, r.last_version.number
        ),
        excerpt: Vec::new(),
        articles: Vec::new(),
        note: r.article.outlet.clone(),
        id: r.id.clone(),
    }
}

fn summarize_moved(m: &MovedEvent) -> Summary {
    let how = match (m.via.as_str(), m.status) {
        ("redirect", Some(s)) => format!("{s} redirect"),
        ("redirect", None) => "permanent redirect".into(),
        _ => "new canonical URL".into(),
    };
    Summary {
        headline: format!("Moved: {}", m.article.title),
        title: m.article.title.clone(),
        outlet: m.article.outlet.clone(),
        url: m.to_url.clone(),
        facts: format!(
            "{} → {} · {how} · version {}",
            m.from_url, m.to_url, m.version
        ),
        excerpt: Vec::new(),
        articles: Vec::new(),
        note: m.article.outlet.clone(),
        id: m.id.clone(),
    }
}

/// A share 0..1 as a whole percentage ("84%"); out-of-range values are
/// clamped, NaN reads 0%.
pub fn percent(x: f64) -> String {
    let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
    format!("{}%", (x * 100.0).round() as u32)
}

fn linked(role: &'static str, a: &MatchedArticle) -> Linked {
    Linked {
        role,
        title: a.title.clone(),
        outlet: a.outlet.clone(),
        url: a.url.clone(),
        first_seen: a.first_seen.clone(),
    }
}

fn summarize_republication(r: &RepublicationEvent) -> Summary {
    let class = r.class.as_str();
    let similarity = percent(r.similarity);
    Summary {
        headline: format!(
            "Copied: «{}» ({}) republished by {}",
            r.original.title, r.original.outlet, r.copy.outlet
        ),
        title: r.original.title.clone(),
        outlet: r.copy.outlet.clone(),
        url: r.copy.url.clone(),
        facts: format!(
            "{class} · similarity {similarity} · containment {} · {}",
            percent(r.containment),
            plural(r.shared_paragraphs, "shared paragraph", "shared paragraphs")
        ),
        excerpt: Vec::new(),
        articles: vec![linked("Original", &r.original), linked("Copy", &r.copy)],
        note: format!("{class}, similarity {similarity}"),
        id: r.id.clone(),
    }
}

/// "1 paragraph", "2 paragraphs".
pub fn plural(n: usize, one: &str, many: &str) -> String {
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
        articles: Vec::new(),
        note: e.article.outlet.clone(),
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::diff::ChangeSummary;
    use crate::core::event::{edit_event_id, republication_event_id, ArticleRef};
    use crate::core::matching::MatchClass;

    /// A sample republication for the sinks' formatting tests: «title» of
    /// example.com copied by example.org.
    pub fn republication(title: &str, class: MatchClass) -> Event {
        let original = "https://example.com/story";
        let copy = "https://other.example.org/news/budget";
        Event::Republication(RepublicationEvent {
            id: republication_event_id(original, copy, class),
            detected_at: "2026-11-25T10:52:11Z".into(),
            original: MatchedArticle {
                url: original.into(),
                outlet: "example.com".into(),
                title: title.into(),
                first_seen: "2026-11-25T09:01:40Z".into(),
            },
            copy: MatchedArticle {
                url: copy.into(),
                outlet: "example.org".into(),
                title: "City passes transport budget".into(),
                first_seen: "2026-11-25T10:52:10Z".into(),
            },
            similarity: 0.8412,
            containment: 0.9563,
            shared_paragraphs: 5,
            shared_text: Vec::new(),
            class,
            declared_original: None,
        })
    }

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

    /// A sample removal of https://news.example/story (404).
    pub fn removed() -> Event {
        use crate::core::event::{GoneAnswerRef, LastVersion};
        Event::Removed(RemovedEvent {
            id: "removed-0".into(),
            detected_at: "2026-01-02T00:00:00Z".into(),
            article: ArticleRef {
                url: "https://news.example/story".into(),
                outlet: "news.example".into(),
                title: "Council <b>approves</b> budget".into(),
            },
            last_version: LastVersion {
                number: 3,
                title: "Council <b>approves</b> budget".into(),
                hash: "0".repeat(32),
                last_seen_live: Some("2026-01-01T10:00:00Z".into()),
            },
            answer: GoneAnswerRef {
                kind: "not_found".into(),
                status: Some(404),
                reason: "HTTP 404 Not Found".into(),
            },
            final_url: "https://news.example/".into(),
            gone_since: "2026-01-01T12:00:00Z".into(),
            checks: 2,
        })
    }

    /// A sample move of https://news.example/story to /new-story.
    pub fn moved() -> Event {
        Event::Moved(MovedEvent {
            id: "moved-0".into(),
            detected_at: "2026-01-02T00:00:00Z".into(),
            article: ArticleRef {
                url: "https://news.example/new-story".into(),
                outlet: "news.example".into(),
                title: "Council approves budget".into(),
            },
            from_url: "https://news.example/story".into(),
            to_url: "https://news.example/new-story".into(),
            via: "redirect".into(),
            status: Some(301),
            version: 4,
        })
    }

    #[test]
    fn removals_and_moves_read_as_what_happened() {
        let s = summarize(&removed());
        assert_eq!(s.headline, "Removed: Council <b>approves</b> budget");
        assert!(s.facts.contains("HTTP 404 (not found)"), "{}", s.facts);
        assert!(s.facts.contains("last version 3"), "{}", s.facts);
        assert!(
            s.facts.contains("now at https://news.example/"),
            "{}",
            s.facts
        );
        assert_eq!(s.excerpt, ["HTTP 404 Not Found"]);
        assert_eq!(class_of(&removed()), "removed");
        let m = summarize(&moved());
        assert_eq!(m.headline, "Moved: Council approves budget");
        assert_eq!(m.url, "https://news.example/new-story");
        assert!(
            m.facts.starts_with(
                "https://news.example/story → https://news.example/new-story · 301 redirect"
            ),
            "{}",
            m.facts
        );
        let t = plain_text(&Alert::One(&moved()));
        assert!(t.contains("Moved: ") && t.contains("new-story"), "{t}");
        assert_eq!(
            digest_title(&[removed(), moved()]),
            "copydesk digest: 2 alerts"
        );
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

    #[test]
    fn a_republication_names_both_articles() {
        let e = republication("Council approves budget", MatchClass::Copy);
        let s = summarize(&e);
        assert_eq!(
            s.headline,
            "Copied: «Council approves budget» (example.com) republished by example.org"
        );
        assert_eq!(
            s.facts,
            "copy · similarity 84% · containment 96% · 5 shared paragraphs"
        );
        assert_eq!(s.url, "https://other.example.org/news/budget");
        assert_eq!(s.outlet, "example.org");
        assert_eq!(s.note, "copy, similarity 84%");
        assert_eq!(class_of(&e), "copy");
        assert_eq!(
            class_of(&republication("T", MatchClass::Partial)),
            "partial"
        );
        let t = plain_text(&Alert::One(&e));
        assert_eq!(
            t,
            "Copied: «Council approves budget» (example.com) republished by example.org\n\
             example.org — copy · similarity 84% · containment 96% · 5 shared paragraphs\n\
             https://other.example.org/news/budget\n\
             Original: «Council approves budget» (example.com), first seen 2026-11-25T09:01:40Z — https://example.com/story\n\
             Copy: «City passes transport budget» (example.org), first seen 2026-11-25T10:52:10Z — https://other.example.org/news/budget\n"
        );
        let events = vec![
            edit("Mayor resigns", ChangeClass::Minor, DIFF),
            republication("Council approves budget", MatchClass::Partial),
        ];
        assert_eq!(digest_title(&events), "copydesk digest: 2 alerts");
        let lines = digest_lines(&events);
        assert_eq!(
            lines[1],
            "Copied: «Council approves budget» (example.com) republished by example.org — partial, similarity 84% — https://other.example.org/news/budget"
        );
        assert_eq!(
            lines[0],
            "Edited (minor): Mayor resigns — news.example — https://news.example/story"
        );
    }

    #[test]
    fn percentages_are_whole_and_clamped() {
        assert_eq!(percent(0.8412), "84%");
        assert_eq!(percent(0.995), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.5), "100%");
        assert_eq!(percent(f64::NAN), "0%");
    }
}
