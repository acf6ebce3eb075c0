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
    /// The watch's URL, as watched.
    pub url: String,
    /// Its outlet: the `[[outlet]]` name that claims its host, else its
    /// registrable domain (see [`crate::core::outlet`]).
    pub outlet: String,
    /// The headline of the version the event is about.
    pub title: String,
}

/// An article changed: a new version after the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditEvent {
    /// Stable per event: the same event always has the same id (see
    /// [`edit_event_id`] and its siblings), so a receiver drops repeats.
    pub id: String,
    /// When copydesk found it (RFC 3339, UTC, see [`rfc3339`]).
    pub detected_at: String,
    /// The article, with the new version's headline.
    pub article: ArticleRef,
    /// The version number before the edit (versions count from 1).
    pub from_version: u32,
    /// The version number the edit made.
    pub to_version: u32,
    /// The numbers and class of the change.
    pub change: ChangeSummary,
    /// Unified text diff (see `ArticleDiff::unified`).
    pub diff: String,
}

/// The text of one article appeared at another outlet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepublicationEvent {
    /// Stable per event: the same event always has the same id (see
    /// [`edit_event_id`] and its siblings), so a receiver drops repeats.
    pub id: String,
    /// When copydesk found it (RFC 3339, UTC, see [`rfc3339`]).
    pub detected_at: String,
    /// The earlier-seen article.
    pub original: MatchedArticle,
    /// The later-seen article, at another outlet.
    pub copy: MatchedArticle,
    /// Jaccard of the word-shingle sets (0..1).
    pub similarity: f64,
    /// Share of the original's shingles found in the copy (0..1).
    pub containment: f64,
    /// Paragraphs found whole in both (long enough to index, template text
    /// left out).
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

/// The last stored version of an article, as a removal names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastVersion {
    /// Its version number.
    pub number: u32,
    /// Its headline.
    pub title: String,
    /// The version's content hash (as `history` shows it).
    pub hash: String,
    /// When a check last found the article live (RFC 3339), if known.
    pub last_seen_live: Option<String>,
}

/// What the server answered when an article was found gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoneAnswerRef {
    /// `not_found` (404), `gone` (410), `legal` (451), `redirected_away`,
    /// `soft_not_found` (a "page not found" page served with 200) or
    /// `no_article`.
    pub kind: String,
    /// The HTTP status of the last response, when there was one.
    pub status: Option<u16>,
    /// In words (`HTTP 404 Not Found`, what the page said, ...).
    pub reason: String,
}

/// An article that had versions is gone (404/410, a redirect away, a
/// "not found" page, no article), in every check of a run of
/// `[check] removed_after`, each confirmed by a second fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedEvent {
    /// Stable per event: the same event always has the same id (see
    /// [`edit_event_id`] and its siblings), so a receiver drops repeats.
    pub id: String,
    /// When copydesk found it (RFC 3339, UTC, see [`rfc3339`]).
    pub detected_at: String,
    /// The watch's URL, outlet, and the last version's title.
    pub article: ArticleRef,
    /// The last stored version.
    pub last_version: LastVersion,
    /// What the server answered on the last gone check.
    pub answer: GoneAnswerRef,
    /// The URL the fetch ended at, after redirects.
    pub final_url: String,
    /// The first check that found it gone (RFC 3339).
    pub gone_since: String,
    /// Checks that found it gone.
    pub checks: u32,
}

/// A removed article is back. When its text differs from the last version
/// before the removal, an `edit` event follows with that diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoredEvent {
    /// Stable per event: the same event always has the same id (see
    /// [`edit_event_id`] and its siblings), so a receiver drops repeats.
    pub id: String,
    /// When copydesk found it (RFC 3339, UTC, see [`rfc3339`]).
    pub detected_at: String,
    /// The watch's URL, outlet, and the last version's title.
    pub article: ArticleRef,
    /// The last version before the removal.
    pub last_version: LastVersion,
    /// The first check that found it gone (RFC 3339).
    pub gone_since: String,
    /// Whether the text is back changed (an `edit` follows).
    pub changed: bool,
}

/// An article now lives at another URL of its outlet (a permanent
/// redirect, or a new canonical URL its page declares, to a page with the
/// same text). The watch continues under `to_url`; `from_url` stays one
/// of its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedEvent {
    /// Stable per event: the same event always has the same id (see
    /// [`edit_event_id`] and its siblings), so a receiver drops repeats.
    pub id: String,
    /// When copydesk found it (RFC 3339, UTC, see [`rfc3339`]).
    pub detected_at: String,
    /// The article under its new URL.
    pub article: ArticleRef,
    /// The URL it was watched at.
    pub from_url: String,
    /// The URL it lives at now (the redirect's end, or the declared
    /// canonical URL).
    pub to_url: String,
    /// `redirect` or `canonical`.
    pub via: String,
    /// The redirect's status (301, 308) when `via` is `redirect`.
    pub status: Option<u16>,
    /// The latest version when the move was seen.
    pub version: u32,
}

/// Every kind of event; `event` names the kind in the JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    /// `edit`: a new version of an article.
    Edit(EditEvent),
    /// `republication`: an article's text at another outlet.
    Republication(RepublicationEvent),
    /// `removed`: an article is gone from its URL.
    Removed(RemovedEvent),
    /// `restored`: a removed article is back.
    Restored(RestoredEvent),
    /// `moved`: an article lives at another URL of its outlet.
    Moved(MovedEvent),
}

/// Every event kind, as `event` names it (and `[[alert.*]] events` and the
/// API's `kind` filter take it).
pub const EVENT_KINDS: &[&str] = &["edit", "republication", "removed", "restored", "moved"];

impl Event {
    /// The kind as written in `event` and in `[[alert.webhook]] events`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Edit(_) => "edit",
            Event::Republication(_) => "republication",
            Event::Removed(_) => "removed",
            Event::Restored(_) => "restored",
            Event::Moved(_) => "moved",
        }
    }

    /// Its `id` (stable per event: receivers deduplicate on it).
    pub fn id(&self) -> &str {
        match self {
            Event::Edit(e) => &e.id,
            Event::Republication(e) => &e.id,
            Event::Removed(e) => &e.id,
            Event::Restored(e) => &e.id,
            Event::Moved(e) => &e.id,
        }
    }

    /// The URL of the article the event is about (a republication: the copy).
    pub fn article_url(&self) -> Option<&str> {
        match self {
            Event::Edit(e) => Some(&e.article.url),
            Event::Republication(e) => Some(&e.copy.url),
            Event::Removed(e) => Some(&e.article.url),
            Event::Restored(e) => Some(&e.article.url),
            Event::Moved(e) => Some(&e.article.url),
        }
    }

    /// The one article an event is about (`None` for a republication,
    /// which is about two).
    pub fn article(&self) -> Option<&ArticleRef> {
        match self {
            Event::Edit(e) => Some(&e.article),
            Event::Republication(_) => None,
            Event::Removed(e) => Some(&e.article),
            Event::Restored(e) => Some(&e.article),
            Event::Moved(e) => Some(&e.article),
        }
    }

    /// Whether it is about an article's life at its URL (`removed`,
    /// `restored`, `moved`) rather than its text.
    pub fn is_lifecycle(&self) -> bool {
        matches!(
            self,
            Event::Removed(_) | Event::Restored(_) | Event::Moved(_)
        )
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

/// The stable id of the removal of `url` whose last version was
/// `version`, in the run of gone checks that began at `gone_since`: one
/// event per removal.
pub fn removed_event_id(url: &str, version: u32, gone_since: DateTime<Utc>) -> String {
    let h = xxh3_128(format!("removed\0{url}\0{version}\0{}", rfc3339(gone_since)).as_bytes());
    format!("removed-{:032x}", h)
}

/// The stable id of the return of a removed article: the removal's
/// inputs, so one removal has at most one restoration.
pub fn restored_event_id(url: &str, version: u32, gone_since: DateTime<Utc>) -> String {
    let h = xxh3_128(format!("restored\0{url}\0{version}\0{}", rfc3339(gone_since)).as_bytes());
    format!("restored-{:032x}", h)
}

/// The stable id of the move of an article from one URL to another.
pub fn moved_event_id(from_url: &str, to_url: &str) -> String {
    let h = xxh3_128(format!("moved\0{from_url}\0{to_url}").as_bytes());
    format!("moved-{:032x}", h)
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
    fn lifecycle_payloads_have_their_fields_and_round_trip() {
        let article = ArticleRef {
            url: "https://a.example/x".into(),
            outlet: "a.example".into(),
            title: "T".into(),
        };
        let last = LastVersion {
            number: 3,
            title: "T".into(),
            hash: "ab".repeat(16),
            last_seen_live: Some("2026-01-01T00:00:00Z".into()),
        };
        let removed = Event::Removed(RemovedEvent {
            id: "removed-1".into(),
            detected_at: "2026-01-02T00:00:00Z".into(),
            article: article.clone(),
            last_version: last.clone(),
            answer: GoneAnswerRef {
                kind: "not_found".into(),
                status: Some(404),
                reason: "HTTP 404 Not Found".into(),
            },
            final_url: "https://a.example/x".into(),
            gone_since: "2026-01-01T12:00:00Z".into(),
            checks: 2,
        });
        let v = removed.to_payload();
        assert_eq!(v["event"], "removed");
        assert_eq!(v["last_version"]["number"], 3);
        assert_eq!(v["answer"]["status"], 404);
        for k in [
            "id",
            "detected_at",
            "article",
            "final_url",
            "gone_since",
            "checks",
        ] {
            assert!(!v[k].is_null(), "{k}");
        }
        let restored = Event::Restored(RestoredEvent {
            id: "restored-1".into(),
            detected_at: "2026-01-03T00:00:00Z".into(),
            article: article.clone(),
            last_version: last,
            gone_since: "2026-01-01T12:00:00Z".into(),
            changed: true,
        });
        let moved = Event::Moved(MovedEvent {
            id: moved_event_id("https://a.example/x", "https://a.example/y"),
            detected_at: "2026-01-03T00:00:00Z".into(),
            article: ArticleRef {
                url: "https://a.example/y".into(),
                ..article
            },
            from_url: "https://a.example/x".into(),
            to_url: "https://a.example/y".into(),
            via: "redirect".into(),
            status: Some(301),
            version: 4,
        });
        assert_eq!(restored.to_payload()["changed"], true);
        assert_eq!(moved.to_payload()["from_url"], "https://a.example/x");
        for e in [removed, restored, moved] {
            assert!(EVENT_KINDS.contains(&e.kind()));
            assert_eq!(e.to_payload()["event"], e.kind());
            assert!(e.is_lifecycle() && e.article().is_some());
            let back: Event = serde_json::from_value(e.to_payload()).unwrap();
            assert_eq!(back, e);
        }
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
        let t = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            removed_event_id("https://example.com/story", 3, t),
            removed_event_id("https://example.com/story", 3, t)
        );
        assert!(removed_event_id("u", 1, t).starts_with("removed-"));
        assert!(restored_event_id("u", 1, t).starts_with("restored-"));
        assert!(moved_event_id("u", "v").starts_with("moved-"));
        assert_ne!(removed_event_id("u", 1, t), restored_event_id("u", 1, t));
        assert_ne!(
            removed_event_id("u", 1, t),
            removed_event_id("u", 1, t + chrono::Duration::seconds(1))
        );
        assert_ne!(moved_event_id("u", "v"), moved_event_id("v", "u"));
        assert_ne!(edit_event_id("u", 1, 2), edit_event_id("v", 1, 2));
    }
}
