//! Whether a watched article is still there: one fetch's answer read as a
//! sighting (live, gone, moved, or no telling), and the run of sightings
//! that makes an article `removed` and, later, `restored`.
//!
//! Pure: the fetch's outcome and the history in, a decision out. The shell
//! (`pipeline`) fetches, confirms a "gone" sighting with a second fetch and
//! stores the [`GoneState`] on the watch.

use crate::core::matching::{classify, compare, Doc, MatchClass, Thresholds};
use crate::core::Article;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Checks in a row that must find an article gone (each confirmed by a
/// second fetch) before it is `removed`. Two: one check and its
/// confirmation a few seconds later can both fall inside a botched
/// deploy or a CMS hiccup that lasts minutes; the next check comes at the
/// watch's own cadence (minutes to hours later), so a state that
/// persists across two checks is the site's decision, not an accident.
pub const DEFAULT_REMOVED_AFTER: u32 = 2;

/// Words under which a page that says "not found" is a soft 404 (an error
/// page served with 200); a longer page that quotes the phrase is an
/// article.
pub const SOFT_404_MAX_WORDS: usize = 150;

/// HTTP statuses that say the article is gone: 404 Not Found, 410 Gone,
/// 451 Unavailable For Legal Reasons. Every other failure (5xx, 429,
/// 403, timeouts, connection and TLS errors) says nothing about the
/// article and never counts towards a removal.
pub const GONE_STATUSES: &[u16] = &[404, 410, 451];

/// Phrases of "page not found" pages, lower-cased, in the languages of the
/// outlets copydesk watches most; matched in the title and the first
/// paragraphs of a short page.
const NOT_FOUND_PHRASES: &[&str] = &[
    "page not found",
    "404",
    "not found",
    "no longer available",
    "could not be found",
    "can't be found",
    "cannot be found",
    "can’t be found",
    "doesn't exist",
    "does not exist",
    "doesn’t exist",
    "page you requested",
    "page you were looking for",
    "page you are looking for",
    "seite nicht gefunden",
    "nicht gefunden",
    "page introuvable",
    "page non trouvée",
    "página no encontrada",
    "pagina non trovata",
    "pagina niet gevonden",
    "страница не найдена",
];

/// How a fetch showed an article gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoneKind {
    /// 404 Not Found.
    NotFound,
    /// 410 Gone.
    Gone,
    /// 451 Unavailable For Legal Reasons.
    Legal,
    /// A redirect to a page that is not this article (the front page, a
    /// section front, another story).
    RedirectedAway,
    /// A "page not found" page served with 200.
    SoftNotFound,
    /// A page with no article text.
    NoArticle,
}

impl GoneKind {
    /// Its name in the `removed` event and in logs (`not_found`, `gone`,
    /// `legal`, `redirected_away`, `soft_not_found`, `no_article`), the
    /// same as its serialized form.
    pub fn as_str(self) -> &'static str {
        match self {
            GoneKind::NotFound => "not_found",
            GoneKind::Gone => "gone",
            GoneKind::Legal => "legal",
            GoneKind::RedirectedAway => "redirected_away",
            GoneKind::SoftNotFound => "soft_not_found",
            GoneKind::NoArticle => "no_article",
        }
    }
}

/// What the server answered when the article was gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoneAnswer {
    /// Which answer showed it gone.
    pub kind: GoneKind,
    /// The HTTP status of the last response (`None` when there was none).
    pub status: Option<u16>,
    /// The URL the fetch ended at, after redirects.
    pub final_url: String,
    /// In words.
    pub reason: String,
}

/// What one fetch showed about the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sighting {
    /// The article is there.
    Live,
    /// The article is there, at another URL of its outlet that a
    /// permanent redirect leads to.
    Moved {
        /// The URL the redirects ended at.
        to: String,
        /// The first redirect's status (301 or 308).
        status: u16,
    },
    /// The article is not there.
    Gone(GoneAnswer),
    /// Nothing can be told (a transient failure: 5xx, timeout, ...).
    Unknown,
}

/// A failed fetch read as a sighting: 404, 410 or 451 is gone, anything
/// else tells nothing.
pub fn failure_sighting(status: Option<u16>, final_url: &str, reason: &str) -> Sighting {
    let kind = match status {
        Some(404) => GoneKind::NotFound,
        Some(410) => GoneKind::Gone,
        Some(451) => GoneKind::Legal,
        _ => return Sighting::Unknown,
    };
    Sighting::Gone(GoneAnswer {
        kind,
        status,
        final_url: final_url.to_string(),
        reason: reason.to_string(),
    })
}

/// A fetched page as the liveness rules see it.
#[derive(Debug, Clone)]
pub struct PageSeen<'a> {
    /// The HTTP status of the final response (after redirects).
    pub status: u16,
    /// The page's URL after redirects, in canonical form.
    pub final_url: &'a str,
    /// The redirects led to a URL that is not one of the watch's own.
    pub redirected: bool,
    /// When every redirect hop was permanent (301, 308): the first hop's
    /// status.
    pub permanent: Option<u16>,
    /// The redirect target is on the watch's outlet.
    pub same_outlet: bool,
    /// The redirect target's path is `/` while the watch's is not.
    pub to_front_page: bool,
    /// The extracted article (`None`: the page has none).
    pub article: Option<&'a Article>,
}

/// Whether `fresh` is the same article as `latest` by its text: a whole
/// copy by the republication thresholds (a light edit stays one).
pub fn same_article(latest: &Article, fresh: &Article, t: &Thresholds) -> bool {
    let scores = compare(
        &Doc::new(&latest.body),
        &Doc::new(&fresh.body),
        &std::collections::HashSet::new(),
        t,
    );
    classify(&scores, t) == Some(MatchClass::Copy)
}

/// Whether an extracted article reads as a "page not found" page: short,
/// and its title or first paragraphs say so.
pub fn looks_not_found(a: &Article) -> bool {
    if a.word_count() >= SOFT_404_MAX_WORDS {
        return false;
    }
    let says = |s: &str| {
        let s = s.to_lowercase();
        NOT_FOUND_PHRASES.iter().any(|p| s.contains(p))
    };
    says(&a.title) || a.body.iter().take(3).any(|p| says(p))
}

/// A fetched page read as a sighting of the article whose latest stored
/// version is `latest` (`None` before the first version: nothing can be
/// gone yet, and the page is what the watch starts with).
pub fn page_sighting(page: &PageSeen<'_>, latest: Option<&Article>, t: &Thresholds) -> Sighting {
    let Some(latest) = latest else {
        return Sighting::Live;
    };
    let gone = |kind: GoneKind, reason: String| {
        Sighting::Gone(GoneAnswer {
            kind,
            status: Some(page.status),
            final_url: page.final_url.to_string(),
            reason,
        })
    };
    let article = page.article.filter(|a| !a.body.is_empty());
    let same = article.is_some_and(|a| same_article(latest, a, t));
    if page.redirected && !same {
        let what = if page.to_front_page {
            "the site's front page"
        } else {
            "a page that is not this article"
        };
        return gone(
            GoneKind::RedirectedAway,
            format!("redirected to {what}: {}", page.final_url),
        );
    }
    let Some(article) = article else {
        return gone(
            GoneKind::NoArticle,
            "the page has no article text".to_string(),
        );
    };
    if !same && looks_not_found(article) {
        return gone(
            GoneKind::SoftNotFound,
            format!(
                "a \"page not found\" page served with HTTP {}: «{}»",
                page.status, article.title
            ),
        );
    }
    match page.permanent {
        Some(status) if page.redirected && page.same_outlet => Sighting::Moved {
            to: page.final_url.to_string(),
            status,
        },
        _ => Sighting::Live,
    }
}

/// A run of checks that found the article gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoneState {
    /// The first check of the run that found it gone.
    pub since: DateTime<Utc>,
    /// Checks of the run that found it gone (transient failures in
    /// between neither count nor break the run).
    pub checks: u32,
    /// The latest gone answer.
    pub answer: GoneAnswer,
    /// The `removed` event was made (once per run).
    pub removed: bool,
    /// When the article was last seen live before the run.
    #[serde(default)]
    pub last_live: Option<DateTime<Utc>>,
}

/// What a sighting changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Nothing to announce.
    None,
    /// The run reached `removed_after` checks: announce the removal.
    Removed,
    /// A removed article is back: announce it (with the run that ended).
    Restored(GoneState),
}

/// The next state after a sighting, and what to announce. `last_live` is
/// when the article was last seen live (kept for the event).
pub fn step(
    state: Option<&GoneState>,
    sighting: &Sighting,
    at: DateTime<Utc>,
    last_live: Option<DateTime<Utc>>,
    removed_after: u32,
) -> (Option<GoneState>, Transition) {
    match sighting {
        Sighting::Unknown => (state.cloned(), Transition::None),
        Sighting::Live | Sighting::Moved { .. } => match state {
            Some(s) if s.removed => (None, Transition::Restored(s.clone())),
            _ => (None, Transition::None),
        },
        Sighting::Gone(answer) => {
            let mut next = match state {
                Some(s) => s.clone(),
                None => GoneState {
                    since: at,
                    checks: 0,
                    answer: answer.clone(),
                    removed: false,
                    last_live,
                },
            };
            next.checks += 1;
            next.answer = answer.clone();
            if !next.removed && next.checks >= removed_after.max(1) {
                next.removed = true;
                return (Some(next), Transition::Removed);
            }
            (Some(next), Transition::None)
        }
    }
}

#[cfg(test)]
mod tests;
