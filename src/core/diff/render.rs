//! Text renderings of an [`ArticleDiff`]: unified (wdiff-style word marks)
//! and ANSI-coloured.

use super::{ArticleDiff, ParagraphOp, WordOp};

/// Context paragraphs longer than this (in chars) are shortened.
const CONTEXT_MAX_CHARS: usize = 240;
const CONTEXT_HEAD_CHARS: usize = 160;
const CONTEXT_TAIL_CHARS: usize = 60;

/// The markup of one rendering: (open, close) pairs.
pub(super) struct Style {
    header: (&'static str, &'static str),
    hunk: (&'static str, &'static str),
    context: (&'static str, &'static str),
    removed: (&'static str, &'static str),
    added: (&'static str, &'static str),
    changed: (&'static str, &'static str),
    del: (&'static str, &'static str),
    ins: (&'static str, &'static str),
}

pub(super) const PLAIN: Style = Style {
    header: ("", ""),
    hunk: ("", ""),
    context: ("  ", ""),
    removed: ("- ", ""),
    added: ("+ ", ""),
    changed: ("~ ", ""),
    del: ("[-", "-]"),
    ins: ("{+", "+}"),
};

const RESET: &str = "\x1b[0m";

pub(super) const COLOR: Style = Style {
    header: ("\x1b[1m", RESET),
    hunk: ("\x1b[36m", RESET),
    context: ("  ", ""),
    removed: ("\x1b[31m- ", RESET),
    added: ("\x1b[32m+ ", RESET),
    changed: ("\x1b[33m~\x1b[0m ", ""),
    // red + strikethrough, green + underline
    del: ("\x1b[31;9m", RESET),
    ins: ("\x1b[32;4m", RESET),
};

/// Append `text` with control characters (newlines, escapes) shown as
/// spaces: one paragraph stays one line, and article text cannot inject
/// lines or terminal escapes.
fn push_clean(out: &mut String, text: &str) {
    if text.chars().any(char::is_control) {
        out.extend(text.chars().map(|c| if c.is_control() { ' ' } else { c }));
    } else {
        out.push_str(text);
    }
}

fn push_words(out: &mut String, words: &[WordOp], style: &Style) {
    for w in words {
        let (open, text, close) = match w {
            WordOp::Equal(t) => ("", t, ""),
            WordOp::Delete(t) => (style.del.0, t, style.del.1),
            WordOp::Insert(t) => (style.ins.0, t, style.ins.1),
        };
        out.push_str(open);
        push_clean(out, text);
        out.push_str(close);
    }
}

/// A long unchanged paragraph cut to its head and tail around ` … `.
fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    let n = text.chars().count();
    if n <= CONTEXT_MAX_CHARS {
        return text.into();
    }
    let head_end = text
        .char_indices()
        .nth(CONTEXT_HEAD_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let tail_start = text
        .char_indices()
        .nth(n - CONTEXT_TAIL_CHARS)
        .map_or(text.len(), |(i, _)| i);
    format!(
        "{} \u{2026} {}",
        text[..head_end].trim_end(),
        text[tail_start..].trim_start()
    )
    .into()
}

fn line(out: &mut String, (open, close): (&str, &str), text: &str) {
    out.push_str(open);
    push_clean(out, text);
    out.push_str(close);
    out.push('\n');
}

pub(super) fn render(
    d: &ArticleDiff,
    from: &str,
    to: &str,
    context: usize,
    style: &Style,
) -> String {
    let mut out = String::new();
    line(&mut out, style.header, &format!("--- {from}"));
    line(&mut out, style.header, &format!("+++ {to}"));
    if d.summary.title_changed {
        out.push_str(style.changed.0);
        out.push_str("title: ");
        push_words(&mut out, &d.title_words, style);
        out.push_str(style.changed.1);
        out.push('\n');
    }

    let ps = &d.paragraphs;
    // 1-based position in the new version of each op (for removed ones,
    // where they would be).
    let mut new_pos = Vec::with_capacity(ps.len());
    let mut next = 1;
    for p in ps {
        new_pos.push(next);
        if !matches!(p, ParagraphOp::Removed { .. }) {
            next += 1;
        }
    }

    let changed: Vec<usize> = ps
        .iter()
        .enumerate()
        .filter(|(_, p)| !matches!(p, ParagraphOp::Equal { .. }))
        .map(|(i, _)| i)
        .collect();
    let mut k = 0;
    while k < changed.len() {
        // a hunk: changes closer than 2 * context paragraphs apart merge
        let start = changed[k].saturating_sub(context);
        let mut last = changed[k];
        k += 1;
        while k < changed.len() && changed[k] - last <= context.saturating_mul(2).saturating_add(1)
        {
            last = changed[k];
            k += 1;
        }
        let end = last.saturating_add(context).saturating_add(1).min(ps.len());

        line(
            &mut out,
            style.hunk,
            &format!("@@ paragraph {} @@", new_pos[start]),
        );
        for p in &ps[start..end] {
            match p {
                ParagraphOp::Equal { text } => line(&mut out, style.context, &shorten(text)),
                ParagraphOp::Removed { text } => line(&mut out, style.removed, text),
                ParagraphOp::Added { text } => line(&mut out, style.added, text),
                ParagraphOp::Changed { words, .. } => {
                    out.push_str(style.changed.0);
                    push_words(&mut out, words, style);
                    out.push_str(style.changed.1);
                    out.push('\n');
                }
            }
        }
    }
    out
}
