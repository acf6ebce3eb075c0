//! Real edits of an article's text (the kinds copydesk must alert on) and
//! the probe that tells whether a stored version contains one.

use super::Story;
use copydesk::core::normalize::normalize_text;
use copydesk::core::Article;

/// The kinds of real edit the corpus schedules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EditKind {
    /// A number in the story text changes ("3 dead" to "5 dead").
    Number,
    /// One word is replaced by another.
    OneWord,
    /// A sentence is removed from a paragraph.
    RemoveSentence,
    /// The headline changes.
    Headline,
    /// A paragraph is added (on a live blog: a new entry).
    AddParagraph,
}

impl EditKind {
    pub const ALL: [EditKind; 5] = [
        EditKind::Number,
        EditKind::OneWord,
        EditKind::RemoveSentence,
        EditKind::Headline,
        EditKind::AddParagraph,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EditKind::Number => "number",
            EditKind::OneWord => "one-word",
            EditKind::RemoveSentence => "removed sentence",
            EditKind::Headline => "headline",
            EditKind::AddParagraph => "added paragraph",
        }
    }
}

/// What a version that contains an edit must show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Probe {
    /// The stored title must contain this.
    pub title_has: Option<String>,
    /// The stored body must contain each of these.
    pub has: Vec<String>,
    /// The stored body must contain none of these.
    pub lacks: Vec<String>,
}

impl Probe {
    /// Does `a` (a stored version) contain the edit? Both sides are
    /// compared normalized (copydesk's own `normalize_text`).
    pub fn satisfied_by(&self, a: &Article) -> bool {
        let body = normalize_text(&a.body.join("\n"));
        let title = normalize_text(&a.title);
        self.title_has
            .as_ref()
            .is_none_or(|t| title.contains(&normalize_text(t)))
            && self.has.iter().all(|s| body.contains(&normalize_text(s)))
            && !self.lacks.iter().any(|s| body.contains(&normalize_text(s)))
    }

    /// Both probes at once (two edits of one article between two passes).
    pub fn merge(mut self, other: Probe) -> Probe {
        if other.title_has.is_some() {
            self.title_has = other.title_has;
        }
        self.has.extend(other.has);
        self.lacks.extend(other.lacks);
        self
    }
}

/// Apply `kind` to `story`; `None` when the story offers no place for it
/// (the generator's tests make sure every corpus story offers all).
pub fn apply(story: &mut Story, kind: EditKind) -> Option<Probe> {
    match kind {
        EditKind::Number => {
            let (pi, at, len) = story
                .paragraphs
                .iter()
                .enumerate()
                .find_map(|(i, p)| small_number(p).map(|(a, l)| (i, a, l)))?;
            let p = &story.paragraphs[pi];
            let n: u64 = p[at..at + len].parse().ok()?;
            let new_p = format!("{}{}{}", &p[..at], n + 2, &p[at + len..]);
            Some(swap_paragraph(story, pi, new_p, at))
        }
        EditKind::OneWord => {
            let (from, to) = story.word_swap.clone();
            let (pi, at) = story
                .paragraphs
                .iter()
                .enumerate()
                .find_map(|(i, p)| whole_word(p, &from).map(|a| (i, a)))?;
            let p = &story.paragraphs[pi];
            let new_p = format!("{}{}{}", &p[..at], to, &p[at + from.len()..]);
            Some(swap_paragraph(story, pi, new_p, at))
        }
        EditKind::RemoveSentence => {
            // the paragraph nearest the middle that has two sentences or more
            let mid = story.paragraphs.len() / 2;
            let mut order: Vec<usize> = (0..story.paragraphs.len()).collect();
            order.sort_by_key(|&i| i.abs_diff(mid));
            let pi = order
                .into_iter()
                .find(|&i| sentences(&story.paragraphs[i]).len() >= 2)?;
            let mut parts = sentences(&story.paragraphs[pi]);
            let gone = parts.pop()?;
            let kept = parts.join(" ");
            story.paragraphs[pi] = kept.clone();
            Some(Probe {
                title_has: None,
                has: vec![kept],
                lacks: vec![gone],
            })
        }
        EditKind::Headline => {
            if story.title == story.alt_title {
                return None;
            }
            story.title = story.alt_title.clone();
            Some(Probe {
                title_has: Some(story.title.clone()),
                ..Probe::default()
            })
        }
        EditKind::AddParagraph => {
            if story.paragraphs.contains(&story.update) {
                return None;
            }
            story.paragraphs.push(story.update.clone());
            Some(Probe {
                title_has: None,
                has: vec![story.update.clone()],
                lacks: vec![],
            })
        }
    }
}

/// Replace paragraph `pi`, probing for the sentence around byte `at`.
fn swap_paragraph(story: &mut Story, pi: usize, new_p: String, at: usize) -> Probe {
    let old_sentence = sentence_at(&story.paragraphs[pi], at);
    let new_sentence = sentence_at(&new_p, at);
    story.paragraphs[pi] = new_p;
    Probe {
        title_has: None,
        has: vec![new_sentence],
        lacks: vec![old_sentence],
    }
}

/// The first number of one to three digits standing alone (not part of
/// "1962", "30,000", "31.4" or "10:30"): its byte offset and length.
pub fn small_number(p: &str) -> Option<(usize, usize)> {
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let joined =
                i + 1 < b.len() && matches!(b[i], b',' | b'.' | b':') && b[i + 1].is_ascii_digit();
            let glued = i < b.len() && b[i].is_ascii_alphabetic();
            let before = start > 0 && matches!(b[start - 1], b',' | b'.' | b':' | b'-');
            if i - start <= 3 && !joined && !glued && !before {
                return Some((start, i - start));
            }
        }
        i += 1;
    }
    None
}

/// Byte offset of the first whole-word occurrence of `w` in `p`.
fn whole_word(p: &str, w: &str) -> Option<usize> {
    let b = p.as_bytes();
    p.match_indices(w).map(|(i, _)| i).find(|&i| {
        let before = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let end = i + w.len();
        let after = end >= b.len() || !b[end].is_ascii_alphanumeric();
        before && after
    })
}

/// Sentences of a paragraph: split after ". ", "! " or "? " when a capital
/// letter follows (the corpus avoids abbreviations such as "Mr.").
pub fn sentences(p: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = p.as_bytes();
    for i in 0..b.len().saturating_sub(2) {
        if matches!(b[i], b'.' | b'!' | b'?') && b[i + 1] == b' ' && b[i + 2].is_ascii_uppercase() {
            out.push(p[start..=i].to_string());
            start = i + 2;
        }
    }
    out.push(p[start..].to_string());
    out
}

/// The sentence of `p` that contains byte `at`.
fn sentence_at(p: &str, at: usize) -> String {
    let mut offset = 0;
    for s in sentences(p) {
        let end = offset + s.len();
        if at < end {
            return s;
        }
        offset = end + 1;
    }
    p.to_string()
}
