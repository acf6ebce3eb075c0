//! Events and their webhook payloads (the public contract in DESIGN.md).
//!
//! An event serializes to exactly the JSON object POSTed to webhooks:
//! always `event`, `id` (stable per event) and `detected_at` (RFC 3339).

use crate::core::diff::ChangeSummary;
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

/// Every kind of event; `event` names the kind in the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    Edit(EditEvent),
}

impl Event {
    /// The kind as written in `event` and in `[[alert.webhook]] events`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Edit(_) => "edit",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Event::Edit(e) => &e.id,
        }
    }

    /// The URL of the article the event is about.
    pub fn article_url(&self) -> Option<&str> {
        match self {
            Event::Edit(e) => Some(&e.article.url),
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
    fn ids_are_stable_and_distinct() {
        assert_eq!(edit_event_id("u", 1, 2), edit_event_id("u", 1, 2));
        assert_ne!(edit_event_id("u", 1, 2), edit_event_id("u", 2, 3));
        assert_ne!(edit_event_id("u", 1, 2), edit_event_id("v", 1, 2));
    }
}
