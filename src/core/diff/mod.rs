//! Diff two versions of an article: paragraphs aligned, words inside changed
//! paragraphs, a summary and a class for alert rules. Rendered as unified
//! text, JSON (serde) and coloured terminal text.
//!
//! # How the diff is made
//!
//! 1. The body paragraphs are aligned with a patience diff over whole
//!    paragraphs. Unchanged paragraphs are `Equal`, paragraphs only on one
//!    side `Removed` / `Added`.
//! 2. Where a run of old paragraphs was replaced by a run of new ones, old
//!    and new paragraphs are paired in order when their token sets (by
//!    [`tokens`]) have a similarity (Jaccard, or containment of a paragraph
//!    extended by a sentence) of at least [`PAIR_SIMILARITY`];
//!    each pair is `Changed`, the rest `Removed` / `Added`.
//! 3. Inside a changed paragraph (and a changed title) words are diffed over
//!    the sequence of tokens *and* the text between them, so the
//!    [`WordOp`]s rebuild the old text exactly (`Equal` + `Delete`) and the
//!    new one (`Equal` + `Insert`). A space/punctuation-only gap between two
//!    replaced words is folded into the replacement, so a rewritten phrase
//!    reads as one change.
//!
//! A moved paragraph shows as one `Removed` and one `Added` with the same
//! text. All diffing shares one deadline ([`DIFF_TIMEOUT`]): past it,
//! `similar` returns a correct but coarser diff, so that a pathological
//! input cannot stall the daemon.
//!
//! # The summary
//!
//! - `paragraphs_added` / `_removed` / `_changed`: the paragraph ops;
//! - `words_added` / `words_removed`: the [`tokens`] of the inserted /
//!   deleted text in the **body** (all words of an added or removed
//!   paragraph); the title is not counted here, it has `title_changed`;
//! - `chars_changed`: characters inserted plus deleted, title and body, by a
//!   character-level diff of each replaced span (`recieve` -> `receive` is 2).
//!
//! # The class, first rule that applies
//!
//! 1. [`ChangeClass::Correction`] — an added paragraph, or the new text of a
//!    changed paragraph, contains correction language that was not there
//!    before (case-insensitive: `correction:`, `corrected`, `an earlier
//!    version of this article|story`, `clarification:`, `this article|story
//!    has been updated|amended to correct`);
//! 2. [`ChangeClass::Substantive`] — a paragraph was added or removed, or
//!    `words_added + words_removed` > [`SUBSTANTIVE_WORDS`];
//! 3. [`ChangeClass::Headline`] — the title changed;
//! 4. [`ChangeClass::Typo`] — `chars_changed` <= [`TYPO_MAX_CHARS`] and no
//!    changed word holds a digit (`5 dead` -> `6 dead` is not a typo);
//! 5. [`ChangeClass::Minor`] — anything else.
//!
//! Two identical versions give class `Typo` with all counts zero; callers
//! check [`ArticleDiff::is_empty`].

mod render;
mod words;

use crate::core::normalize::tokens;
use crate::core::Article;
use regex::Regex;
use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};
use std::collections::HashSet;
use std::sync::LazyLock;
use std::time::Duration;
use std::time::Instant;

/// More body words than this added plus removed make a change substantive.
pub const SUBSTANTIVE_WORDS: usize = 10;
/// At most this many characters changed (and no number) is a typo.
pub const TYPO_MAX_CHARS: usize = 2;
/// Minimum token-set Jaccard similarity for an old and a new paragraph in a
/// replaced run to count as one changed paragraph.
pub const PAIR_SIMILARITY: f64 = 0.5;
/// Time budget of one [`diff_articles`] call; past it the diff gets coarser,
/// never wrong.
pub const DIFF_TIMEOUT: Duration = Duration::from_millis(500);

/// Above this many old x new paragraph pairs in one replaced run, pairing is
/// greedy within a window instead of an optimal alignment.
/// A paragraph with at least this many distinct words ...
const MIN_CONTAINED_WORDS: usize = 5;
/// ... of which this share is kept in a longer one pairs with it as changed.
const CONTAINED_SHARE: f64 = 0.8;
/// Weight of containment against Jaccard when choosing among pairings.
const CONTAINED_WEIGHT: f64 = 0.7;
const MAX_PAIR_CELLS: usize = 250_000;
const GREEDY_WINDOW: usize = 64;

static CORRECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bcorrection:|\bcorrected\b|\ban earlier version of this (?:article|story)\b|\bclarification:|\bthis (?:article|story) has been (?:updated|amended) to correct\b",
    )
    .expect("correction regex")
});

/// How much a change matters, for alert rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeClass {
    /// One or two characters changed in the body, nothing else.
    Typo,
    /// A few words changed, no paragraph added or removed.
    Minor,
    /// The headline changed (and the body at most a little).
    Headline,
    /// Paragraphs added/removed or many words changed.
    Substantive,
    /// The new text announces a correction ("Correction:", "An earlier version...").
    Correction,
}

/// The numbers of a change, carried in the webhook payload as `change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSummary {
    /// What kind of change it is (what alert rules filter on).
    pub class: ChangeClass,
    /// The headline differs.
    pub title_changed: bool,
    /// Paragraphs of the new version aligned with none of the old.
    pub paragraphs_added: usize,
    /// Paragraphs of the old version aligned with none of the new.
    pub paragraphs_removed: usize,
    /// Paragraphs aligned with an old one whose text differs.
    pub paragraphs_changed: usize,
    /// Words inserted in the body (all words of an added paragraph); the
    /// title is not counted, it has `title_changed`.
    pub words_added: usize,
    /// Words deleted, counted as `words_added` is.
    pub words_removed: usize,
    /// Characters inserted plus deleted (title and body).
    pub chars_changed: usize,
}

/// One word-level operation inside a changed paragraph (or the title).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "text", rename_all = "lowercase")]
pub enum WordOp {
    /// Text in both versions.
    Equal(String),
    /// Text only in the new version.
    Insert(String),
    /// Text only in the old version.
    Delete(String),
}

/// One aligned paragraph of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum ParagraphOp {
    /// A paragraph in both versions, unchanged.
    Equal {
        /// Its text.
        text: String,
    },
    /// A paragraph only in the new version.
    Added {
        /// Its text.
        text: String,
    },
    /// A paragraph only in the old version.
    Removed {
        /// Its text.
        text: String,
    },
    /// A paragraph of the old version aligned with one of the new whose
    /// text differs.
    Changed {
        /// The old text.
        old: String,
        /// The new text.
        new: String,
        /// The word diff from `old` to `new`.
        words: Vec<WordOp>,
    },
}

/// The whole diff between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDiff {
    /// The headline of the older version.
    pub old_title: String,
    /// The headline of the newer version.
    pub new_title: String,
    /// Word ops of the title; empty when the title is unchanged.
    pub title_words: Vec<WordOp>,
    /// The body, aligned paragraph by paragraph in document order; between
    /// two aligned paragraphs, the removed ones come before the added ones.
    pub paragraphs: Vec<ParagraphOp>,
    /// The counts and the class of the change.
    pub summary: ChangeSummary,
}

/// Similarity of two paragraphs' token sets: their Jaccard similarity, or,
/// when one paragraph of at least [`MIN_CONTAINED_WORDS`] distinct words is
/// almost wholly kept inside the other (a paragraph extended by a sentence),
/// the share kept scaled down by [`CONTAINED_WEIGHT`]. Two texts without any
/// word are similar.
fn similarity(a: &HashSet<&str>, b: &HashSet<&str>) -> f64 {
    let union = a.len() + b.len();
    if union == 0 {
        return 1.0;
    }
    let inter = a.intersection(b).count();
    let jaccard = inter as f64 / (union - inter) as f64;
    let smaller = a.len().min(b.len());
    if smaller >= MIN_CONTAINED_WORDS {
        let contained = inter as f64 / smaller as f64;
        if contained >= CONTAINED_SHARE {
            return jaccard.max(contained * CONTAINED_WEIGHT);
        }
    }
    jaccard
}

/// Pairs (i, j), increasing in both, of similar paragraphs of `old` and
/// `new`: the in-order pairing with the largest total similarity.
fn pair_paragraphs(old: &[String], new: &[String]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    fn sets(ps: &[String]) -> Vec<HashSet<&str>> {
        ps.iter().map(|p| tokens(p).into_iter().collect()).collect()
    }
    let (a, b) = (sets(old), sets(new));
    if n.saturating_mul(m) > MAX_PAIR_CELLS {
        let mut pairs = Vec::new();
        let mut next = 0;
        for (i, sa) in a.iter().enumerate() {
            let end = m.min(next + GREEDY_WINDOW);
            if let Some(j) = (next..end).find(|&j| similarity(sa, &b[j]) >= PAIR_SIMILARITY) {
                pairs.push((i, j));
                next = j + 1;
            }
        }
        return pairs;
    }
    let sim: Vec<f64> = (0..n * m)
        .map(|k| {
            let s = similarity(&a[k / m], &b[k % m]);
            if s >= PAIR_SIMILARITY {
                s
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    // best[i][j]: best total over old[..i], new[..j]
    let w = m + 1;
    let mut best = vec![0.0f64; (n + 1) * w];
    for i in 1..=n {
        for j in 1..=m {
            let diag = best[(i - 1) * w + j - 1] + sim[(i - 1) * m + j - 1];
            best[i * w + j] = best[(i - 1) * w + j].max(best[i * w + j - 1]).max(diag);
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let s = sim[(i - 1) * m + j - 1];
        if s.is_finite() && best[i * w + j] == best[(i - 1) * w + j - 1] + s {
            pairs.push((i - 1, j - 1));
            i -= 1;
            j -= 1;
        } else if best[(i - 1) * w + j] >= best[i * w + j - 1] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    pairs.reverse();
    pairs
}

/// Paragraph ops for a run of `old` paragraphs replaced by `new` ones.
fn replace_run(
    old: &[String],
    new: &[String],
    deadline: Option<Instant>,
    out: &mut Vec<ParagraphOp>,
) {
    let (mut i, mut j) = (0, 0);
    let pairs = pair_paragraphs(old, new);
    for (pi, pj) in pairs
        .into_iter()
        .chain(std::iter::once((old.len(), new.len())))
    {
        out.extend(
            old[i..pi]
                .iter()
                .map(|t| ParagraphOp::Removed { text: t.clone() }),
        );
        out.extend(
            new[j..pj]
                .iter()
                .map(|t| ParagraphOp::Added { text: t.clone() }),
        );
        if pi < old.len() && pj < new.len() {
            let (o, n) = (&old[pi], &new[pj]);
            out.push(ParagraphOp::Changed {
                old: o.clone(),
                new: n.clone(),
                words: words::word_diff(o, n, deadline),
            });
        }
        (i, j) = (pi + 1, pj + 1);
    }
}

fn correction_count(s: &str) -> usize {
    CORRECTION.find_iter(s).count()
}

/// Diff two (normalized) articles. See the module documentation for the
/// alignment, the summary and the class rules.
pub fn diff_articles(old: &Article, new: &Article) -> ArticleDiff {
    let deadline = Instant::now().checked_add(DIFF_TIMEOUT);

    let title_changed = old.title != new.title;
    let title_words = if title_changed {
        words::word_diff(&old.title, &new.title, deadline)
    } else {
        Vec::new()
    };

    let mut paragraphs = Vec::with_capacity(old.body.len().max(new.body.len()));
    let ops = capture_diff_slices_deadline(Algorithm::Patience, &old.body, &new.body, deadline);
    for op in ops {
        let (_, ro, rn) = op.as_tag_tuple();
        match op {
            DiffOp::Equal { .. } => paragraphs.extend(
                old.body[ro]
                    .iter()
                    .map(|t| ParagraphOp::Equal { text: t.clone() }),
            ),
            DiffOp::Delete { .. } => paragraphs.extend(
                old.body[ro]
                    .iter()
                    .map(|t| ParagraphOp::Removed { text: t.clone() }),
            ),
            DiffOp::Insert { .. } => paragraphs.extend(
                new.body[rn]
                    .iter()
                    .map(|t| ParagraphOp::Added { text: t.clone() }),
            ),
            DiffOp::Replace { .. } => {
                replace_run(&old.body[ro], &new.body[rn], deadline, &mut paragraphs)
            }
        }
    }

    let summary = summarize(title_changed, &title_words, &paragraphs, deadline);
    ArticleDiff {
        old_title: old.title.clone(),
        new_title: new.title.clone(),
        title_words,
        paragraphs,
        summary,
    }
}

fn summarize(
    title_changed: bool,
    title_words: &[WordOp],
    paragraphs: &[ParagraphOp],
    deadline: Option<Instant>,
) -> ChangeSummary {
    let mut s = ChangeSummary {
        class: ChangeClass::Typo,
        title_changed,
        paragraphs_added: 0,
        paragraphs_removed: 0,
        paragraphs_changed: 0,
        words_added: 0,
        words_removed: 0,
        chars_changed: words::count_ops(title_words, deadline).chars_changed,
    };
    let mut correction = false;
    let mut numbers_changed = false;
    for p in paragraphs {
        match p {
            ParagraphOp::Equal { .. } => {}
            ParagraphOp::Added { text } => {
                s.paragraphs_added += 1;
                s.words_added += tokens(text).len();
                s.chars_changed += text.chars().count();
                correction |= CORRECTION.is_match(text);
            }
            ParagraphOp::Removed { text } => {
                s.paragraphs_removed += 1;
                s.words_removed += tokens(text).len();
                s.chars_changed += text.chars().count();
            }
            ParagraphOp::Changed { old, new, words } => {
                s.paragraphs_changed += 1;
                let c = words::count_ops(words, deadline);
                s.words_added += c.words_added;
                s.words_removed += c.words_removed;
                s.chars_changed += c.chars_changed;
                numbers_changed |= c.numbers_changed;
                correction |= correction_count(new) > correction_count(old);
            }
        }
    }
    s.class = if correction {
        ChangeClass::Correction
    } else if s.paragraphs_added > 0
        || s.paragraphs_removed > 0
        || s.words_added + s.words_removed > SUBSTANTIVE_WORDS
    {
        ChangeClass::Substantive
    } else if title_changed {
        ChangeClass::Headline
    } else if s.chars_changed <= TYPO_MAX_CHARS && !numbers_changed {
        ChangeClass::Typo
    } else {
        ChangeClass::Minor
    };
    s
}

impl ArticleDiff {
    /// True when nothing in title or body differs.
    pub fn is_empty(&self) -> bool {
        !self.summary.title_changed
            && self
                .paragraphs
                .iter()
                .all(|p| matches!(p, ParagraphOp::Equal { .. }))
    }

    /// Unified text diff, one paragraph per line, with `context` unchanged
    /// paragraphs around each change; changed words marked `[-old-]{+new+}`.
    ///
    /// ```text
    /// --- v1
    /// +++ v2
    /// ~ title: Mayor [-resigns-]{+quits+}
    /// @@ paragraph 2 @@
    ///   An unchanged paragraph, for context.
    /// - A removed paragraph.
    /// + An added paragraph.
    /// ~ A changed paragraph with [-old-]{+new+} words.
    /// ```
    ///
    /// `@@ paragraph N @@` gives the 1-based position, in the new version,
    /// of the hunk's first paragraph. Context paragraphs longer than 240
    /// characters are shortened around a ` … `; changed ones never are.
    /// Control characters in the text are shown as spaces.
    pub fn unified(&self, from_label: &str, to_label: &str, context: usize) -> String {
        render::render(self, from_label, to_label, context, &render::PLAIN)
    }

    /// Like [`ArticleDiff::unified`] but with ANSI colours (red deletions,
    /// green insertions) for a terminal.
    pub fn colored(&self, from_label: &str, to_label: &str, context: usize) -> String {
        render::render(self, from_label, to_label, context, &render::COLOR)
    }
}

#[cfg(test)]
mod tests;
