//! Line shapes and volatile masks: how two lines of page furniture are
//! recognized as "the same line" although their numbers or relative times
//! differ ("Hits: 75606" and "Hits: 75611", "Posted 9 min ago" and
//! "Posted 2 hours ago").
//!
//! - [`shape`]: lower-cased words, every run of digits as `#`, punctuation
//!   dropped. Two lines with the same shape differ at most in their numbers
//!   and punctuation. Learned rules are keyed by the shape's hash
//!   ([`line_key`]).
//! - [`mask`]: the line with only its *volatile* parts replaced: relative
//!   times ("5 min ago", "yesterday") anywhere, and in short lines also
//!   counters ("1,204 views", "Hits: 75606"), reading times and clock times.
//!   Everything else stays exactly as it is, so "3 dead" and "5 dead" are
//!   different lines, and so are two lines that differ by a comma.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Lines with more words than this keep their counters and clock times
/// under [`mask`]: in a sentence of article text, a changed number is an edit.
pub const MASK_MAX_WORDS: usize = 16;

/// A learned line is identified by the hash of its [`shape`].
pub type LineKey = u64;

/// "5 min ago", "2 hours ago", "an hour ago", "yesterday", "just now".
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        \b(?: (?:\d+|an?|one|a\s+few|few)\s*
              (?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|mo|mos|months?|y|yrs?|years?)
              \.?\s+ago
            | just\s+now | moments?\s+ago | yesterday | today
        )\b",
    )
    .expect("static regex")
});

/// A cheap pre-check for [`RELATIVE`] on lines without digits.
static RELATIVE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:ago|just\s+now|yesterday|today)\b").expect("static regex")
});

/// Counters with their unit: "1,204 views", "3.4K shares", "Views: 12",
/// "5 min read".
static COUNTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)
        \b\d[\d,.]*\s*[km]?\s*(?:views?|hits?|reads?|comments?|shares?|likes?|reactions?|visits?|visitors?|plays?|followers?|votes?|min(?:ute)?s?\s+read)\b
        | \b(?:views?|hits?|reads?|comments?|shares?|likes?|visits?|visitors?|plays?|votes?|page\s*views?)\s*:?\s*\d[\d,.]*[km]?\b",
    )
    .expect("static regex")
});

/// Clock times: "10:47", "9:05 pm", "14:05:33".
static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\b\.?)?").expect("static regex")
});

const AGO: &str = "\u{2039}ago\u{203a}";
const NUMBER: &str = "\u{2039}n\u{203a}";
const CLOCK_MARK: &str = "\u{2039}clock\u{203a}";

/// The shape of a line: lower-cased alphanumeric words separated by one
/// space, every run of digits (with inner `.`/`,`) replaced by `#`.
pub fn shape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_digits = false;
    let mut pending_space = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_numeric() {
            if !in_digits {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push('#');
                in_digits = true;
            }
            continue;
        }
        if in_digits && matches!(c, '.' | ',') && chars.peek().is_some_and(|n| n.is_numeric()) {
            continue;
        }
        in_digits = false;
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Hash of a line's shape: the key learned rules are stored under.
pub fn line_key(line: &str) -> LineKey {
    key_of_shape(&shape(line))
}

/// Hash of an already computed shape.
pub fn key_of_shape(shape: &str) -> LineKey {
    xxhash_rust::xxh3::xxh3_64(shape.as_bytes())
}

/// Words in a line (as [`crate::core::normalize::tokens`] counts them).
pub fn word_count(line: &str) -> usize {
    crate::core::normalize::tokens(line).len()
}

/// The line with its volatile parts replaced by placeholders (see the
/// module documentation); everything else is kept exactly, punctuation and
/// case included. Lines without a digit or a relative-time word come back
/// borrowed.
pub fn mask(line: &str) -> Cow<'_, str> {
    let has_digit = line.bytes().any(|b| b.is_ascii_digit());
    if !has_digit && !RELATIVE_WORD.is_match(line) {
        return Cow::Borrowed(line);
    }
    let mut s = RELATIVE.replace_all(line, AGO);
    if has_digit && word_count(line) <= MASK_MAX_WORDS {
        if let Cow::Owned(o) = COUNTER.replace_all(&s, NUMBER) {
            s = Cow::Owned(o);
        }
        if let Cow::Owned(o) = CLOCK.replace_all(&s, CLOCK_MARK) {
            s = Cow::Owned(o);
        }
    }
    s
}

/// True when the line has a volatile part that [`mask`] replaces.
pub fn has_volatile(line: &str) -> bool {
    matches!(mask(line), Cow::Owned(_))
}
