//! How the demo prints an alert its webhook receives: one line saying what
//! the event means, then its facts (an edit's diff; a republication's
//! original and copy). Every event kind is matched by name, so a new kind
//! does not compile until the demo can explain it. Pure: a payload in, text
//! out.

use crate::alert::format::{class_name, summarize};
use crate::core::diff::ChangeClass;
use crate::core::event::Event;
use crate::core::matching::MatchClass;

/// One line: what the event means to a reader of the outlets.
pub fn meaning(event: &Event) -> String {
    match event {
        Event::Edit(e) => {
            let what = match e.change.class {
                ChangeClass::Correction => {
                    "a correction: the story changed, and the outlet says so"
                }
                ChangeClass::Headline => {
                    "a stealth edit: the headline was rewritten, with no note to readers"
                }
                ChangeClass::Substantive => {
                    "a stealth edit: the story changed substantially, with no note to readers"
                }
                ChangeClass::Minor => "a small edit: a few words changed",
                ChangeClass::Typo => "a typo fixed",
            };
            format!(
                "edit ({}) of «{}» at {}: {what}",
                class_name(e.change.class),
                e.article.title,
                e.article.outlet
            )
        }
        Event::Republication(r) => {
            let what = match r.class {
                MatchClass::Copy => format!(
                    "a republication: {} copied {}'s story whole",
                    r.copy.outlet, r.original.outlet
                ),
                MatchClass::Partial => format!(
                    "a partial lift: {} took {} of {}'s story into an article of its own",
                    r.copy.outlet,
                    match r.shared_paragraphs {
                        1 => "1 paragraph".to_string(),
                        n => format!("{n} paragraphs"),
                    },
                    r.original.outlet
                ),
            };
            format!(
                "republication ({}) of «{}»: {what}; first published by {}",
                r.class.as_str(),
                r.original.title,
                r.original.outlet
            )
        }
        Event::Removed(r) => format!(
            "removed: «{}» at {} is gone ({}): the outlet took the story down",
            r.article.title,
            r.article.outlet,
            r.answer.kind.replace('_', " ")
        ),
        Event::Restored(r) => format!(
            "restored: «{}» at {} is back after its removal{}",
            r.article.title,
            r.article.outlet,
            if r.changed { ", with changes" } else { "" }
        ),
        Event::Moved(m) => format!(
            "moved: «{}» at {} now lives at another address",
            m.article.title, m.article.outlet
        ),
    }
}

/// The lines printed for one received payload: the meaning, then indented
/// details. A payload this copydesk cannot read is printed as such.
pub fn describe(payload: &serde_json::Value) -> Vec<String> {
    let event: Event = match serde_json::from_value(payload.clone()) {
        Ok(e) => e,
        Err(e) => {
            return vec![format!(
                "an event of kind {} that this demo cannot read ({e})",
                payload["event"]
            )]
        }
    };
    let mut lines = vec![meaning(&event)];
    let s = summarize(&event);
    lines.push(format!("    {}", s.facts));
    match &event {
        Event::Edit(e) => {
            lines.extend(
                e.diff
                    .lines()
                    .filter(|l| !l.starts_with("--- ") && !l.starts_with("+++ "))
                    .map(|l| format!("    {l}")),
            );
        }
        Event::Republication(r) => {
            for a in &s.articles {
                lines.push(format!("    {}", a.plain()));
            }
            for t in &r.shared_text {
                lines.push(format!("    shared: {t}"));
            }
        }
        Event::Removed(_) | Event::Restored(_) | Event::Moved(_) => {
            lines.extend(s.excerpt.iter().map(|l| format!("    {l}")));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::event::{
        edit_event_id, republication_event_id, ArticleRef, EditEvent, MatchedArticle,
        RepublicationEvent,
    };

    fn article(url: &str, outlet: &str) -> MatchedArticle {
        MatchedArticle {
            url: url.into(),
            outlet: outlet.into(),
            title: "Bridge to close".into(),
            first_seen: "2026-11-30T10:00:00Z".into(),
        }
    }

    #[test]
    fn every_kind_and_class_reads_as_what_it_means() {
        let edit = |class| {
            Event::Edit(EditEvent {
                id: edit_event_id("u", 1, 2),
                detected_at: "2026-11-30T10:00:00Z".into(),
                article: ArticleRef {
                    url: "http://h/bridge".into(),
                    outlet: "Daily Harbour".into(),
                    title: "Bridge to close".into(),
                },
                from_version: 1,
                to_version: 2,
                change: crate::core::diff::ChangeSummary {
                    class,
                    title_changed: true,
                    paragraphs_added: 0,
                    paragraphs_removed: 0,
                    paragraphs_changed: 1,
                    words_added: 3,
                    words_removed: 1,
                    chars_changed: 20,
                },
                diff: "--- a\n+++ b\n~ from March{+ for a year+}\n".into(),
            })
        };
        let m = meaning(&edit(ChangeClass::Headline));
        assert!(
            m.starts_with("edit (headline)") && m.contains("stealth edit"),
            "{m}"
        );
        assert!(meaning(&edit(ChangeClass::Correction)).contains("a correction"));
        let lines = describe(&edit(ChangeClass::Headline).to_payload());
        assert!(
            lines.iter().any(|l| l.contains("{+ for a year+}")),
            "{lines:?}"
        );
        assert!(!lines.iter().any(|l| l.contains("+++")), "{lines:?}");

        let rep = |class, n| {
            Event::Republication(RepublicationEvent {
                id: republication_event_id("a", "b", class),
                detected_at: "2026-11-30T10:00:00Z".into(),
                original: article("http://h/bridge", "Daily Harbour"),
                copy: article("http://c/copy", "Coastal Courier"),
                similarity: 0.9,
                containment: 1.0,
                shared_paragraphs: n,
                shared_text: vec!["Engineers found corrosion.".into()],
                class,
                declared_original: None,
            })
        };
        let m = meaning(&rep(MatchClass::Copy, 5));
        assert!(
            m.contains("Coastal Courier copied Daily Harbour's story whole")
                && m.ends_with("first published by Daily Harbour"),
            "{m}"
        );
        let m = meaning(&rep(MatchClass::Partial, 2));
        assert!(
            m.contains("partial lift") && m.contains("2 paragraphs"),
            "{m}"
        );
        let lines = describe(&rep(MatchClass::Partial, 2).to_payload());
        assert!(lines
            .iter()
            .any(|l| l.contains("Original: «Bridge to close» (Daily Harbour)")));
        assert!(lines.iter().any(|l| l.contains("shared: Engineers")));

        let odd = describe(&serde_json::json!({"event": "teleported", "id": "x"}));
        assert!(odd[0].contains("\"teleported\""), "{odd:?}");
    }
}
