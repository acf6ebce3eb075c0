//! Republication matching, the pure part: fingerprints (word shingles,
//! MinHash with LSH bands, paragraph hashes), verification of a candidate
//! pair on exact shingle sets, the decision with its thresholds, and story
//! clusters. The store keeps the index; [`crate::republish`] drives it.
//!
//! How a pair is decided (thresholds in [`Thresholds`], `[match]` config):
//! - boilerplate paragraphs (template text: repeated across different
//!   stories of one outlet, or across different stories of any outlets,
//!   see [`memindex::boilerplate`]) are left out of both sides first, from
//!   the shingle sets and from the shared paragraphs alike;
//! - `similarity` ≥ `similarity` → class `copy` (whole-article copy,
//!   possibly lightly edited);
//! - else `containment` (either direction) ≥ `containment` with at least
//!   `min_shared_shingles` shared shingles, or `shared_paragraphs` ≥
//!   `min_shared_paragraphs` → class `partial` (paragraphs lifted), unless
//!   the shared paragraphs sit only at the edges of both bodies, on the
//!   same side of each article's own text (where template text sits; up
//!   to [`edges::EDGE_TAIL`] unshared paragraphs of the page may lie
//!   beyond them in one body) and make up less than
//!   [`edges::EDGE_CONTAINMENT`] of either article, or unless the shared
//!   text is not one passage on both sides (scattered among each
//!   article's own text, or one paragraph: [`edges::scattered`]);
//! - else no match.

pub mod cluster;
pub mod edges;
pub mod memindex;
pub mod minhash;
pub mod postings;
pub mod shingle;

use serde::{Deserialize, Serialize};
use shingle::Paragraph;
use std::collections::HashSet;

/// Default of [`Thresholds::boilerplate_stories`], measured on the
/// real-page evaluation (`cargo run --release --example match_pages`,
/// BENCHMARKS.md).
pub const DEFAULT_BOILERPLATE_STORIES: usize = 3;

/// Decision thresholds; defaults measured on the labelled corpus
/// (`cargo run --release --example match_eval`, BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Jaccard of the shingle sets from which a pair is a whole copy.
    pub similarity: f64,
    /// Share of one article's shingles found in the other from which a
    /// pair is a partial copy.
    pub containment: f64,
    /// Shared shingles needed besides `containment` (a quoted sentence in
    /// two short articles is not a copy).
    pub min_shared_shingles: usize,
    /// Shared (non-boilerplate, long enough) paragraphs that alone make a
    /// partial copy.
    pub min_shared_paragraphs: usize,
    /// Paragraphs shorter than this (in words) are not indexed or counted
    /// as shared paragraphs.
    pub min_paragraph_words: usize,
    /// A paragraph found in this many different stories of one outlet is
    /// that outlet's boilerplate (disclaimer, bio, newsletter box) and is
    /// ignored (at least 2).
    pub boilerplate_articles: usize,
    /// A paragraph found in this many different stories of any outlets is
    /// template text (a network's footer, a partner's credit line) and is
    /// ignored (at least 2).
    pub boilerplate_stories: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            similarity: 0.5,
            containment: 0.2,
            min_shared_shingles: 40,
            min_shared_paragraphs: 2,
            min_paragraph_words: 10,
            boilerplate_articles: 2,
            boilerplate_stories: DEFAULT_BOILERPLATE_STORIES,
        }
    }
}

/// How strongly two articles match. Ordered: `Partial` < `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchClass {
    /// Some paragraphs lifted into other text.
    Partial,
    /// The whole article (edited or not).
    Copy,
}

impl MatchClass {
    /// The name in events, rules and the API (`partial`, `copy`).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchClass::Partial => "partial",
            MatchClass::Copy => "copy",
        }
    }
}

/// An article ready to compare: its prepared paragraphs.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// The body's paragraphs, in order.
    pub paragraphs: Vec<Paragraph>,
}

impl Doc {
    /// Prepare a body's paragraphs (tokens, hash, shingles).
    pub fn new(body: &[String]) -> Doc {
        Doc {
            paragraphs: shingle::paragraphs(body),
        }
    }

    /// Hashes of the paragraphs long enough to index (deduplicated).
    pub fn indexed_paragraphs(&self, t: &Thresholds) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .paragraphs
            .iter()
            .filter(|p| p.tokens >= t.min_paragraph_words)
            .map(|p| p.hash)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// LSH band keys over the whole body's shingles.
    pub fn bands(&self) -> Vec<u64> {
        let set = shingle::shingle_set(&self.paragraphs, &HashSet::new());
        minhash::bands(&minhash::signature(&set))
    }
}

/// What an article indexes: its band keys and paragraph hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Fingerprint {
    /// LSH band keys of the MinHash signature of the whole body.
    pub bands: Vec<u64>,
    /// Hashes of the paragraphs long enough to index, deduplicated.
    pub paragraphs: Vec<u64>,
}

/// Fingerprint an article body.
pub fn fingerprint(body: &[String], t: &Thresholds) -> (Doc, Fingerprint) {
    let doc = Doc::new(body);
    let fp = Fingerprint {
        bands: doc.bands(),
        paragraphs: doc.indexed_paragraphs(t),
    };
    (doc, fp)
}

/// The verified figures of a pair, `a` taken as the original.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Scores {
    /// Jaccard of the shingle sets.
    pub similarity: f64,
    /// Share of `a`'s shingles found in `b`.
    pub containment: f64,
    /// Share of `b`'s shingles found in `a`.
    pub containment_rev: f64,
    /// Shingles found in both.
    pub shared_shingles: usize,
    /// Paragraphs found in both (long enough to count, not boilerplate).
    pub shared_paragraphs: usize,
    /// The paragraphs shared sit only before and after each article's own
    /// text, where template text sits (see [`edges`]).
    #[serde(default)]
    pub edge_only: bool,
    /// The shared text is not one passage on both sides: scattered among
    /// each article's own text, or one paragraph (see
    /// [`edges::scattered`]).
    #[serde(default)]
    pub scattered: bool,
}

impl Scores {
    /// The same figures with the roles of original and copy swapped.
    pub fn swapped(self) -> Scores {
        Scores {
            containment: self.containment_rev,
            containment_rev: self.containment,
            ..self
        }
    }
}

/// Compare two articles on their exact shingle sets, leaving out paragraphs
/// in `boilerplate`.
pub fn compare(a: &Doc, b: &Doc, boilerplate: &HashSet<u64>, t: &Thresholds) -> Scores {
    let sa = shingle::shingle_set(&a.paragraphs, boilerplate);
    let sb = shingle::shingle_set(&b.paragraphs, boilerplate);
    let shared = shingle::intersection(&sa, &sb);
    let union = sa.len() + sb.len() - shared;
    let ratio = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let pa: HashSet<u64> = a
        .paragraphs
        .iter()
        .filter(|p| p.tokens >= t.min_paragraph_words && !boilerplate.contains(&p.hash))
        .map(|p| p.hash)
        .collect();
    let shared_paragraphs = b
        .paragraphs
        .iter()
        .filter(|p| p.tokens >= t.min_paragraph_words)
        .map(|p| p.hash)
        .collect::<HashSet<_>>()
        .intersection(&pa)
        .count();
    let placement = edges::placement(a, b, &sa, &sb, boilerplate, t);
    Scores {
        similarity: ratio(shared, union),
        containment: ratio(shared, sa.len()),
        containment_rev: ratio(shared, sb.len()),
        shared_shingles: shared,
        shared_paragraphs,
        edge_only: placement.edge_only,
        scattered: placement.scattered,
    }
}

/// Passages shown with a match (event `shared_text`, the cluster page).
pub const MAX_SHARED_PASSAGES: usize = 8;
/// Characters of one shown passage; a longer one is cut and ends in `…`.
pub const MAX_PASSAGE_CHARS: usize = 400;

/// The paragraphs of `copy` (its body `copy_body`) that carried the match
/// with `orig`: not boilerplate, and at least half of their shingles found
/// among `orig`'s (boilerplate left out), in the copy's order, at most
/// [`MAX_SHARED_PASSAGES`], each cut to [`MAX_PASSAGE_CHARS`].
pub fn shared_passages(
    orig: &Doc,
    copy: &Doc,
    copy_body: &[String],
    boilerplate: &HashSet<u64>,
) -> Vec<String> {
    let so = shingle::shingle_set(&orig.paragraphs, boilerplate);
    copy.paragraphs
        .iter()
        .zip(copy_body)
        .filter(|(p, _)| !boilerplate.contains(&p.hash) && !p.shingles.is_empty())
        .filter(|(p, _)| {
            let found = p
                .shingles
                .iter()
                .filter(|s| so.binary_search(s).is_ok())
                .count();
            2 * found >= p.shingles.len()
        })
        .take(MAX_SHARED_PASSAGES)
        .map(|(_, text)| cut(text, MAX_PASSAGE_CHARS))
        .collect()
}

/// `text` cut to at most `max` characters (ending in `…` when cut).
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The decision: a class, or `None` for no republication.
pub fn classify(s: &Scores, t: &Thresholds) -> Option<MatchClass> {
    if s.similarity >= t.similarity {
        return Some(MatchClass::Copy);
    }
    let most = s.containment.max(s.containment_rev);
    let contained = most >= t.containment && s.shared_shingles >= t.min_shared_shingles;
    if !(contained || s.shared_paragraphs >= t.min_shared_paragraphs.max(1)) {
        return None;
    }
    if s.edge_only && most < edges::EDGE_CONTAINMENT {
        // only what a template puts around two different stories
        return None;
    }
    if s.scattered {
        // furniture or a quote, not a lifted passage
        return None;
    }
    Some(MatchClass::Partial)
}

#[cfg(test)]
mod tests;
