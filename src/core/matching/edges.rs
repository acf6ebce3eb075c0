//! Where two articles' shared text sits in each body. Template text that
//! the extractor leaves in a body (a network's footer, a comment policy, a
//! site's dek or "follow us" line) sits before or after the story, where
//! the CMS prints it: shared text found only at the edges of both bodies,
//! with each article's own text between, is what two different stories in
//! one template share. A copy of part of a story puts the lifted text in
//! the middle of at least one side (its own introduction and ending around
//! it), or makes up most of the shorter article.
//!
//! Frequency ([`super::memindex::boilerplate`]) recognizes template text
//! once a third story carries it; this is what keeps two articles of a
//! network apart while they are the only two in the index.
//!
//! A lifted passage is also one block: the paragraphs a copy takes from a
//! story follow each other in both articles. What a page's furniture
//! shares with another page (review-star lines, "also read" links, a
//! product box, one paragraph) is scattered among each article's own text
//! or a single paragraph: [`scattered`] tells it.

use super::{Doc, Thresholds};
use std::collections::HashSet;

/// A pair whose shared text is only at the edges of both bodies matches
/// as `partial` only when it holds at least this share of one article's
/// shingles (a copy that runs the first or last part of a story and little
/// else). Measured: BENCHMARKS.md, real-page evaluation.
pub const EDGE_CONTAINMENT: f64 = 0.5;

/// Unshared paragraphs that may sit between two shared ones of one
/// passage (a paragraph edited beyond recognition, a caption or box the
/// extractor kept on one side only). Measured: BENCHMARKS.md, real-page
/// evaluation.
pub const PASSAGE_GAP: usize = 2;

/// Shared paragraphs the longest passage must hold on each side.
pub const PASSAGE_PARAGRAPHS: usize = 2;

/// Share of one side's shared text (shingles of its shared paragraphs)
/// that its longest passage must hold.
pub const PASSAGE_SHARE: f64 = 2.0 / 3.0;

/// For each paragraph of `d` that counts (long enough, not boilerplate):
/// are at least half of its shingles in `other` (a sorted shingle set),
/// and how many are.
fn shared_counts(
    d: &Doc,
    other: &[u64],
    boilerplate: &HashSet<u64>,
    t: &Thresholds,
) -> Vec<(bool, usize)> {
    d.paragraphs
        .iter()
        .filter(|p| p.tokens >= t.min_paragraph_words && !boilerplate.contains(&p.hash))
        .map(|p| {
            let found = p
                .shingles
                .iter()
                .filter(|s| other.binary_search(s).is_ok())
                .count();
            (found > 0 && 2 * found >= p.shingles.len(), found)
        })
        .collect()
}

/// Is one side's shared text (per counting paragraph: shared, shingles
/// found) one passage: a run of shared paragraphs (at most
/// [`PASSAGE_GAP`] unshared ones between two of them) holding at least
/// [`PASSAGE_PARAGRAPHS`] shared paragraphs and [`PASSAGE_SHARE`] of the
/// shared shingles?
fn one_passage(v: &[(bool, usize)]) -> bool {
    let total: usize = v.iter().filter(|(s, _)| *s).map(|(_, n)| n).sum();
    let (mut best, mut best_n) = (0usize, 0usize);
    let (mut cur, mut cur_n, mut gap) = (0usize, 0usize, usize::MAX);
    for &(shared, found) in v {
        if !shared {
            gap = gap.saturating_add(1);
            continue;
        }
        if gap > PASSAGE_GAP {
            (cur, cur_n) = (0, 0);
        }
        cur += found;
        cur_n += 1;
        gap = 0;
        if cur > best {
            (best, best_n) = (cur, cur_n);
        }
    }
    total > 0 && best_n >= PASSAGE_PARAGRAPHS && best as f64 >= PASSAGE_SHARE * total as f64
}

/// Some paragraphs shared, some not, and every shared one before the first
/// or after the last unshared one.
fn at_edges(v: &[bool]) -> bool {
    let (Some(i), Some(j)) = (v.iter().position(|s| !s), v.iter().rposition(|s| !s)) else {
        return false; // all shared (or none counts): not a template case
    };
    v.iter().any(|&s| s) && !v[i..=j].iter().any(|&s| s)
}

/// Where the text `a` and `b` share (`sa`, `sb`: their shingle sets,
/// boilerplate left out) sits, from one pass over each side's paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Only at the edges of both bodies (see [`at_edges`]).
    pub edge_only: bool,
    /// Scattered on either side, not one passage (see [`one_passage`]).
    pub scattered: bool,
}

pub fn placement(
    a: &Doc,
    b: &Doc,
    sa: &[u64],
    sb: &[u64],
    boilerplate: &HashSet<u64>,
    t: &Thresholds,
) -> Placement {
    let ca = shared_counts(a, sb, boilerplate, t);
    let cb = shared_counts(b, sa, boilerplate, t);
    let flags = |c: &[(bool, usize)]| c.iter().map(|&(s, _)| s).collect::<Vec<bool>>();
    Placement {
        edge_only: at_edges(&flags(&ca)) && at_edges(&flags(&cb)),
        scattered: !one_passage(&ca) || !one_passage(&cb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_text_at_both_edges_and_in_the_middle() {
        assert!(at_edges(&[true, false, false, true, true]));
        assert!(at_edges(&[false, false, true]));
        assert!(!at_edges(&[false, true, false]));
        assert!(!at_edges(&[true, true]));
        assert!(!at_edges(&[false, false]));
        assert!(!at_edges(&[]));
    }

    #[test]
    fn a_passage_is_one_run_of_shared_paragraphs() {
        let (s, u) = ((true, 30), (false, 0));
        // a lifted block, one edited paragraph inside it
        assert!(one_passage(&[u, s, s, u, s, s, u, u, u]));
        // two unshared paragraphs inside still one passage
        assert!(one_passage(&[s, u, u, s, u, u, u]));
        // review lines scattered through a story
        assert!(!one_passage(&[u, s, u, u, u, s, u, u, u, s, u]));
        // one shared paragraph is a quote, not a passage
        assert!(!one_passage(&[u, u, (true, 140), u]));
        // a block of two with a third of the shared text elsewhere
        assert!(!one_passage(&[s, s, u, u, u, (true, 40), u]));
        assert!(one_passage(&[s, s, u, u, u, (true, 10), u]));
        assert!(!one_passage(&[u, u]));
        assert!(!one_passage(&[]));
    }
}
