//! Events and their webhook payloads (the public contract in docs/design.md).
//!
//! An event serializes to exactly the JSON object POSTed to webhooks:
//! always `event`, `id` (stable per event) and `detected_at` (RFC 3339).

use crate::core::diff::ChangeSummary;
pub use crate::core::matching::cluster::MatchedArticle;
use crate::core::matching::MatchClass;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

/// The article an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRef {
    pub url: String,
    pub outlet: String,
    pub title: String,
}

/// An article changed: a new version after the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditEvent {
    pub id: String,
    pub detected_at: String,
    pub article: ArticleRef,
    pub from_version: u32,
    pub to_version: u32,
    pub change: ChangeSummary,
    /// Unified text diff (see `ArticleDiff::unified`).
    pub diff: String,
}

/// The text of one article appeared at another outlet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepublicationEvent {
    pub id: String,
    pub detected_at: String,
    /// The earlier-seen article.
    pub original: MatchedArticle,
    pub copy: MatchedArticle,
    /// Jaccard of the word-shingle sets (0..1).
    pub similarity: f64,
    /// Share of the original's shingles found in the copy (0..1).
    pub containment: f64,
    pub shared_paragraphs: usize,
    /// The copy's paragraphs that decided the match (template text left
    /// out), at most 8, each cut to 400 characters.
    #[serde(default)]
    pub shared_text: Vec<String>,
    /// `copy` (whole article) or `partial` (paragraphs lifted).
    pub class: MatchClass,
    /// The canonical URL the copy's page declares on another registrable
    /// domain (`<link rel=canonical>` / `og:url`): a syndication partner
    /// naming the original. Absent when the copy declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_original: Option<String>,
}

/// Every kind of event; `event` names the kind in the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    Edit(EditEvent),
    Republication(RepublicationEvent),
}

impl Event {
    /// The kind as written in `event` and in `[[alert.webhook]] events`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Edit(_) => "edit",
            Event::Republication(_) => "republication",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Event::Edit(e) => &e.id,
            Event::Republication(e) => &e.id,
        }
    }

    /// The URL of the article the event is about (a republication: the copy).
    pub fn article_url(&self) -> Option<&str> {
        match self {
            Event::Edit(e) => Some(&e.article.url),
            Event::Republication(e) => Some(&e.copy.url),
        }
    }

    /// The JSON payload as POSTed to webhooks.
    pub fn to_payload(&self) -> serde_json::Value {
        // Serializing plain data structs cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// The stable id of the edit that made `to_version` of `url`: the same inputs
/// always give the same id, so a receiver can drop repeated deliveries.
pub fn edit_event_id(url: &str, from_version: u32, to_version: u32) -> String {
    let h = xxh3_128(format!("edit\0{url}\0{from_version}\0{to_version}").as_bytes());
    format!("edit-{:032x}", h)
}

/// The stable id of the republication of `original` as `copy` at `class`:
/// one event per pair and class, so a pair alerts once, and again only when
/// it crosses a class boundary.
pub fn republication_event_id(original: &str, copy: &str, class: MatchClass) -> String {
    let h = xxh3_128(format!("republication\0{original}\0{copy}\0{}", class.as_str()).as_bytes());
    format!("republication-{:032x}", h)
}

/// RFC 3339 with seconds and `Z`, as used in every payload.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::diff::ChangeClass;

    #[test]
    fn payload_has_contract_fields() {
        let e = Event::Edit(EditEvent {
            id: edit_event_id("https://a.example/x", 1, 2),
            detected_at: "2026-01-01T00:00:00Z".into(),
            article: ArticleRef {
                url: "https://a.example/x".into(),
                outlet: "a.example".into(),
                title: "T".into(),
            },
            from_version: 1,
            to_version: 2,
            change: ChangeSummary {
                class: ChangeClass::Minor,
                title_changed: false,
                paragraphs_added: 0,
                paragraphs_removed: 0,
                paragraphs_changed: 1,
                words_added: 1,
                words_removed: 1,
                chars_changed: 5,
            },
            diff: "-a\n+b\n".into(),
        });
        let v = e.to_payload();
        assert_eq!(v["event"], "edit");
        assert_eq!(v["id"], e.id());
        assert_eq!(v["article"]["outlet"], "a.example");
        assert_eq!(v["from_version"], 1);
        assert_eq!(v["change"]["class"], "minor");
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn republication_payload_has_contract_fields() {
        let art = |u: &str| MatchedArticle {
            url: u.into(),
            outlet: "o".into(),
            title: "T".into(),
            first_seen: "2026-01-01T00:00:00Z".into(),
        };
        let e = Event::Republication(RepublicationEvent {
            id: republication_event_id("a", "b", MatchClass::Copy),
            detected_at: "2026-01-01T00:00:00Z".into(),
            original: art("a"),
            copy: art("b"),
            similarity: 0.9,
            containment: 1.0,
            shared_paragraphs: 4,
            shared_text: vec!["The council approved the budget.".into()],
            class: MatchClass::Copy,
            declared_original: None,
        });
        let v = e.to_payload();
        assert_eq!(v["event"], "republication");
        for k in [
            "id",
            "detected_at",
            "original",
            "copy",
            "similarity",
            "containment",
            "shared_paragraphs",
            "shared_text",
        ] {
            assert!(!v[k].is_null(), "{k}");
        }
        for k in ["url", "outlet", "title", "first_seen"] {
            assert!(
                v["original"][k].is_string() && v["copy"][k].is_string(),
                "{k}"
            );
        }
        assert_ne!(
            republication_event_id("a", "b", MatchClass::Copy),
            republication_event_id("a", "b", MatchClass::Partial)
        );
        assert_eq!(e.article_url(), Some("b"));
        let back: Event = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        // pinned: receivers drop repeats by id across restarts and upgrades
        assert_eq!(
            edit_event_id("https://example.com/story", 1, 2),
            "edit-826bdca405538adf6ea4428ecd9dc072"
        );
        assert_eq!(
            republication_event_id(
                "https://example.com/story",
                "https://other.example.org/news/budget",
                MatchClass::Copy
            ),
            "republication-5334fbe3c662881118b7e542998e5d2b"
        );
        assert_ne!(edit_event_id("u", 1, 2), edit_event_id("u", 2, 3));
        assert_ne!(edit_event_id("u", 1, 2), edit_event_id("v", 1, 2));
    }
}
