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

/// Unshared paragraphs that may lie beyond template text at either end of
/// a body: a block of the page around the article (a sidebar, a "more
/// from" box) that the extractor takes on one site and not on its sister,
/// so that the footer they share is not the last paragraph of both
/// bodies. The article's own text between must hold more paragraphs than
/// were left out, and the other body must have the shared text at its very
/// edge (what the extractor takes beyond the footer on both sites is the
/// same template text, so it is shared). Measured: BENCHMARKS.md,
/// real-page evaluation (issue 21): a sister site's body held 1 and 3
/// such paragraphs after the footer.
pub const EDGE_TAIL: usize = 3;

/// Where one side's shared text sits around its own text: bit 1 before
/// it, bit 2 after it; `None` when some of it sits inside the own text.
/// The own text is the run from the first to the last unshared paragraph,
/// once at most `tail` unshared paragraphs at each end, all beyond the
/// shared text, are left out (fewest left out first).
fn edge_sides(v: &[bool], tail: usize) -> Option<u8> {
    let own: Vec<usize> = (0..v.len()).filter(|&i| !v[i]).collect();
    let shared: Vec<usize> = (0..v.len()).filter(|&i| v[i]).collect();
    let (Some(&first), Some(&last)) = (shared.first(), shared.last()) else {
        return None;
    };
    let m = own.len();
    let mut best: Option<(usize, u8)> = None;
    for a in 0..=tail.min(m) {
        for b in 0..=tail.min(m - a) {
            let kept = m - a - b;
            if kept == 0 || kept <= a + b {
                continue;
            }
            let (lo, hi) = (own[a], own[m - 1 - b]);
            let beyond = (a == 0 || own[a - 1] < first) && (b == 0 || own[m - b] > last);
            if !beyond || v[lo..=hi].iter().any(|&s| s) {
                continue;
            }
            let sides = u8::from(first < lo) | (u8::from(last > hi) << 1);
            if best.is_none_or(|(n, _)| a + b < n) {
                best = Some((a + b, sides));
            }
        }
    }
    best.map(|(_, sides)| sides)
}

/// Template text: on both sides the shared text sits only around the
/// article's own text (see [`edge_sides`]; on one side at its very edge,
/// on the other with up to [`EDGE_TAIL`] paragraphs of the page beyond
/// it), and on the same side of it in both (a footer after both stories,
/// a header before both). A passage that opens one article and closes the
/// other is not where a template puts its text.
fn at_edges(a: &[bool], b: &[bool]) -> bool {
    let same = |x: Option<u8>, y: Option<u8>| matches!((x, y), (Some(x), Some(y)) if x & y != 0);
    same(edge_sides(a, 0), edge_sides(b, EDGE_TAIL))
        || same(edge_sides(a, EDGE_TAIL), edge_sides(b, 0))
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

/// The [`Placement`] of the text `a` and `b` share (`sa`, `sb`: their
/// shingle sets, `boilerplate` left out).
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
        edge_only: at_edges(&flags(&ca), &flags(&cb)),
        scattered: !one_passage(&ca) || !one_passage(&cb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sides(s: &str) -> Option<u8> {
        edge_sides(
            &s.chars().map(|c| c == 'S').collect::<Vec<bool>>(),
            EDGE_TAIL,
        )
    }

    #[test]
    fn shared_text_at_both_edges_and_in_the_middle() {
        assert_eq!(sides("SooSS"), Some(3));
        assert_eq!(sides("ooS"), Some(2));
        assert_eq!(sides("SSoooo"), Some(1));
        assert_eq!(sides("oSo"), None);
        assert_eq!(sides("SS"), None);
        assert_eq!(sides("oo"), None);
        assert_eq!(sides(""), None);
        // a footer with one or three lines of the page's own beyond it
        assert_eq!(sides("ooooooooSSo"), Some(2));
        assert_eq!(sides("ooooSSooo"), Some(2));
        assert_eq!(sides("oSooooSo"), Some(3));
        // a lifted passage between an introduction and an ending of its own
        assert_eq!(sides("oSSSo"), None);
        assert_eq!(sides("ooSSoo"), None);
        assert_eq!(sides("oooSSooo"), None);
        // what is left out lies beyond all the shared text
        assert_eq!(sides("SooSooooS"), None);
        let v = |s: &str| s.chars().map(|c| c == 'S').collect::<Vec<bool>>();
        assert!(at_edges(&v("ooooooSS"), &v("ooooSSooo")));
        assert!(at_edges(&v("SooooooSS"), &v("ooooSS")));
        // opening one article, closing the other: not a template's place
        assert!(!at_edges(&v("SSSooo"), &v("ooooooooSSS")));
        assert!(!at_edges(&v("ooooSS"), &v("oSoooo")));
        // page text beyond the shared text on both sides would be shared
        assert!(!at_edges(&v("oooooSSo"), &v("oooooooSSooo")));
        assert!(at_edges(&v("oooooSS"), &v("oooooooSSooo")));
        assert_eq!(edge_sides(&v("oooooSSo"), 0), None);
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
