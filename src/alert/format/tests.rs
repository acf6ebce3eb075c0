//! Tests of the alert formats, and the sample events the sinks' own
//! tests format.

use super::*;
use crate::core::diff::ChangeSummary;
use crate::core::event::{
    edit_event_id, republication_event_id, ArticleRef, EditEvent, MatchedArticle, MovedEvent,
    RemovedEvent, RepublicationEvent,
};
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
    assert!(t.starts_with("Edited (minor): Council approves budget\nnews.example — version 1 → 2"));
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
