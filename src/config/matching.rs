//! `[match]`: the thresholds of republication detection.

use super::{Positive, Share};
use serde::Deserialize;

/// `[match]`: republication detection thresholds; each unset key takes the
/// measured default of [`crate::core::matching::Thresholds`].
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MatchConfig {
    /// Detect republications at all (default true).
    pub enabled: Option<bool>,
    /// Jaccard of word shingles from which a pair is a whole copy.
    pub similarity: Option<Share>,
    /// Share of one article's shingles found in the other from which a
    /// pair is a partial copy (with `min_shared_shingles`).
    pub containment: Option<Share>,
    /// Shared shingles a partial copy needs besides `containment`.
    pub min_shared_shingles: Option<Positive>,
    /// Shared paragraphs that alone make a partial copy.
    pub min_shared_paragraphs: Option<Positive>,
    /// Paragraphs shorter than this many words are not matched on their own.
    pub min_paragraph_words: Option<Positive>,
    /// A paragraph in this many articles of one outlet is its boilerplate.
    pub boilerplate_articles: Option<Positive>,
    /// A paragraph in this many different stories of any outlets is
    /// template text.
    pub boilerplate_stories: Option<Positive>,
}

impl MatchConfig {
    /// `enabled`, true when unset.
    pub fn enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// The thresholds the matcher uses: each key set here, the default for
    /// the others.
    pub fn thresholds(&self) -> crate::core::matching::Thresholds {
        let d = crate::core::matching::Thresholds::default();
        let n = |p: Option<Positive>, d: usize| p.map(|p| p.0 as usize).unwrap_or(d);
        crate::core::matching::Thresholds {
            similarity: self.similarity.map(|s| s.0).unwrap_or(d.similarity),
            containment: self.containment.map(|s| s.0).unwrap_or(d.containment),
            min_shared_shingles: n(self.min_shared_shingles, d.min_shared_shingles),
            min_shared_paragraphs: n(self.min_shared_paragraphs, d.min_shared_paragraphs),
            min_paragraph_words: n(self.min_paragraph_words, d.min_paragraph_words),
            boilerplate_articles: n(self.boilerplate_articles, d.boilerplate_articles),
            boilerplate_stories: n(self.boilerplate_stories, d.boilerplate_stories),
        }
    }
}
