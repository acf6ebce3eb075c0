//! Lines that are page furniture rather than article text: view and comment
//! counters, bare timestamps, photo credits, share and "read also" prompts.
//!
//! They sit inside the article container on many sites and change between
//! fetches (a counter ticks, "Updated 10:47" moves), so leaving them in the
//! body turns every poll into a false edit. Only short paragraphs are judged;
//! a real sentence that mentions a date or a photo is never dropped.

mod byline;
mod words;

pub use byline::visible_byline;

use regex::Regex;
use std::sync::LazyLock;
use words::{is_date_word, SHARE_WORDS};

/// Paragraphs with more words than this are always article text.
pub const MAX_FURNITURE_WORDS: usize = 12;
/// Credit lines ("Photo: X by Y is licensed under ...") run a little longer.
pub const MAX_CREDIT_WORDS: usize = 25;

static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("static regex"));

/// "1,204 views", "12 comments", "5 min read", "Views: 3.4K".
static COUNTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\W*(
            [\d\s.,]+[km]?\s*(views?|reads?|comments?|shares?|likes?|reactions?|hits|visits|visitors|min(ute)?s?(\s+read)?)
          | (views?|reads?|comments?|shares?|likes?|hits?|visits?|visitors?|page\s*views?|downloads?|votes?|rating)\s*:?\s*[\d.,]+[km]?
          | reading\s+time\s*:?\s*\d+\s*min(ute)?s?
        )\W*$",
    )
    .expect("static regex")
});

/// "Photo: ...", "Image credit: ...", "© Reuters", "(AP Photo/Jane Doe)".
static CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\W*(
            (photo|image|picture|pic|foto|illustration|video|graphic)s?\s*(credit|source)?\s*(:|©|\bby\b|/)
          | (credit|source)\s*:
          | ©
          | \(c\)\s
          | copyright\b
        )
        | \b(getty\s+images|ap\s+photo|afp\s+photo|shutterstock|reuters/)[^.]*\)?\W*$",
    )
    .expect("static regex")
});

/// Whole-line prompts and labels.
static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\W*(
            share(\s+(this|the)\s+(article|story|post))?(\s+on\s+\w+)?
          | tweet | email | e-mail | print | copy\s+link | whatsapp | facebook | twitter | telegram
          | advertisement | sponsored(\s+content)? | ad
          | read\s+(more|also|next) | see\s+also | related(\s+(articles?|stories|news|content|topics))?
          | most\s+(read|popular|viewed) | more\s+from\s+\w+
          | comments? | leave\s+a\s+comment | subscribe(\s+now)? | sign\s+up | follow\s+us(\s+on\s+\w+)?
          | listen(\s+to\s+(this\s+)?article)? | skip\s+to\s+(main\s+)?content
        )\W*$",
    )
    .expect("static regex")
});

/// More whole-line prompts, gallery and widget labels.
static PROMPT2: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\W*(
            don'?t\s+miss | you\s+may\s+(also\s+)?like | continue\s+reading(\s+below)?
          | tags? | adverts? | advertisements? | caption | close | sharing\s+is\s+caring
          | about\s+the\s+author | loading(\s+content)? | (most\s+read|top|more|latest|popular)(\s+\w+)?\s+stories(\s+in\s+\w+)?
          | (image|photo|picture|slide|video)?\s*\d+\s*(of|/)\s*/?\s*\d+
          | (previous|next)(\s+(image|photo|slide|article|story|post))?
          | (view|see)\s+(the\s+)?(gallery|photos|comments)
          | this\s+slideshow\s+requires\s+javascript
          | media\s+playback\s+is\s+unsupported\s+on\s+your\s+device
          | (image|media)\s+(caption|copyright)\b.*
          | (read|see)\s+(more|also)\s*:.*
          | related\s*:.*
          | also\s+on\s+\S+\s.*
        )\W*$",
    )
    .expect("static regex")
});

/// Story tools printed as text: "Printer friendly version", "E-mail this
/// story", "Send to a friend", "Comments (3)", "Text size"; a row of them
/// is split at `|`, `·` or `•` (see [`is_tool_row`]).
static TOOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\W*(
            printer[\s-]*friendly(\s+(version|page|format))?
          | print(\s+(this|the))?(\s+(story|article|page|post))?
          | e-?mail(\s+(this|the))?(\s+(story|article|page|post|link))?(\s+to\s+a\s+friend)?
          | send(\s+(this|it))?(\s+(story|article))?\s+to\s+a\s+friend
          | share(\s+(this|the))?(\s+(story|article|page|post))?
          | save(\s+(this|the))?(\s+(story|article))?
          | bookmark(\s+(this|the))?(\s+(story|article|page))?
          | comments?(\s*\(\d+\))? | post\s+a\s+comment | discuss(\s+this)?(\s+(story|article))?
          | reprints?(\s*(&|and)\s*permissions)? | (text|font)\s+size | rss(\s+feed)?
          | advertisement | sponsored | back\s+to\s+top | top\s+of\s+page
        )\W*$",
    )
    .expect("static regex")
});

/// Caption ends: "... (Image: GETTY)", "...Credit: EPA".
static CAPTION_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)(\((?i:image|photo|picture|foto|pic)s?\s*:[^()]{1,60}\)|Credit:\s*[^.]{1,60})\W*$",
    )
    .expect("static regex")
});

/// A caption's expand/collapse toggle glued to its end, as Hearst sites
/// print them: "... Tuesday, Nov. 19, 2019. less", "... relations ... more".
static CAPTION_TOGGLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:[.)]\s+less|(?:\.\.\.|…)\s*more)\s*$").expect("static regex"));

/// A photo credit in parentheses ending a caption of any length:
/// "(Photo by Jane Doe/Getty Images)", "(AP Photo/Jane Doe)".
static CAPTION_CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\((?:ap\s+|afp\s+|epa\s+)?(?:photo|image|picture|foto)s?\s*(?:by\b|:|/)[^()]{1,80}\)\W*$",
    )
    .expect("static regex")
});

/// A dateline: "Updated on: November 19, 2019 / 10:07 AM / CBS News",
/// "Posted on March 30, 2015 by Admin", "05/10/2018 - Publicado por: ...",
/// "November 20, 2019 / 1:07 AM / CBS News". Starts with a publishing verb
/// or a date; see [`is_dateline`].
static DATELINE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\W*(
            (last\s+)?(updated|posted|published|publicado|publicada|atualizado|actualizado|original|publié|veröffentlicht|aktualisiert)\b
          | (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b
          | \d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}
          | \d{1,2}[./]\d{1,2}[./]\d{2,4}
          | \d{4}-\d{2}-\d{2}
        )",
    )
    .expect("static regex")
});

/// A year, for datelines that name the month in another language.
static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(19|20)\d\d\b").expect("static regex"));

/// A bare byline: "By Reuters", "By Jane Doe and John Roe".
static BYLINE_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\W*(?:By|BY)\s+\p{Lu}[\w.'’-]*(?:,?\s+(?:and\s+)?\p{Lu}[\w.'’-]*){0,4}\W*$")
        .expect("static regex")
});

/// The citation line science sites append: "... retrieved 20 November 2019
/// from https://...".
static RETRIEVED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bretrieved\s+\d{1,2}\s+\w+\s+\d{4}\s+from\s+https?://").expect("static regex")
});

/// A labelled ad or promotion: "Advertisement: ...", "Sponsored: ...",
/// "Promoted: ...", "Anzeige: ...", "Publicidad: ..." (up to
/// [`MAX_CREDIT_WORDS`] words).
static AD_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\W*(?:advertisement|advertising|advert|ad|sponsored(?:\s+content)?|promoted|paid\s+(?:post|content)|partner\s+content|anzeige|werbung|publicidad|publicité|pubblicità)(?:\s*[:|]|\s+[–—-])\s*\S",
    )
    .expect("static regex")
});

/// A star rating opening a short line: "4.8 out of 5 stars 193 total
/// reviews", "Rated 4.5 out of 5", "4/5 stars (120 reviews)" (review and
/// app-store widgets; the count moves from load to load).
static RATING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\W*(?:rated\s+)?\d(?:[.,]\d+)?\s*(?:out\s+of|/)\s*(?:5|10)(?:\.0)?\s*(?:stars?\b|\W*$)")
        .expect("static regex")
});

/// Copyright footers anywhere in a short line.
static COPYRIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\ball\s+rights\s+reserved\b|©\s*(19|20)\d\d").expect("static regex")
});

/// Is this paragraph furniture? See the module doc for what counts.
pub fn is_furniture(p: &str) -> bool {
    // The three tests that apply at any length each need a cheap mark
    // ([`may_end_toggle`], [`may_end_credit`], `://`); most prose has none, and the regexes run
    // only when it is there.
    if (may_end_toggle(p) && CAPTION_TOGGLE.is_match(p))
        || (may_end_credit(p) && CAPTION_CREDIT.is_match(p))
        || (p.contains("://") && RETRIEVED.is_match(p))
    {
        return true;
    }
    // Prose is the common case: rule it out before collecting words.
    if more_words_than(p, MAX_CREDIT_WORDS) {
        return false;
    }
    let words: Vec<&str> = WORD.find_iter(p).map(|m| m.as_str()).collect();
    if words.len() > MAX_CREDIT_WORDS {
        return false;
    }
    if is_dateline(p, &words) || is_bare_byline(p, &words) || visible_byline(p).is_some() {
        return true;
    }
    if CREDIT.is_match(p) {
        return true;
    }
    if CAPTION_END.is_match(p)
        || COPYRIGHT.is_match(p)
        || PROMPT2.is_match(p)
        || AD_LABEL.is_match(p)
        || RATING.is_match(p)
    {
        return true;
    }
    if is_dated_byline(p, &words) {
        return true;
    }
    if is_share_row(&words) || is_tool_row(p) {
        return true;
    }
    if words.len() > MAX_FURNITURE_WORDS {
        return false;
    }
    words.is_empty()
        || COUNTER.is_match(p)
        || PROMPT.is_match(p)
        || (is_timestamp(&words) && looks_like_time(p, &words))
}

/// Whether `p` can match [`CAPTION_TOGGLE`]: it ends (before trailing
/// whitespace) in "less" or "more".
fn may_end_toggle(p: &str) -> bool {
    let t = p.trim_end();
    t.ends_with("less") || t.ends_with("more")
}

/// Whether `p` can match [`CAPTION_CREDIT`]: a `)` among its trailing
/// characters that are not surely word characters (the regex needs `)`
/// followed by non-word characters only; letters, ASCII digits and `_` are
/// always word characters, so a `)` before the last of them cannot be it).
fn may_end_credit(p: &str) -> bool {
    for c in p.chars().rev() {
        if c == ')' {
            return true;
        }
        if c.is_alphabetic() || c.is_ascii_digit() || c == '_' {
            return false;
        }
    }
    false
}

/// Whether `p` surely has more than `n` words (`\w+` runs) without running
/// the regex: every whitespace-separated chunk holding a letter or a digit
/// holds at least one word, so more than `n` such chunks is more than `n`
/// words. May say `false` for a line that does have more (the caller then
/// counts exactly).
fn more_words_than(p: &str, n: usize) -> bool {
    let mut chunks = 0;
    for chunk in p.split_whitespace() {
        if chunk
            .chars()
            .any(|c| c.is_ascii_alphanumeric() || (!c.is_ascii() && c.is_alphabetic()))
        {
            chunks += 1;
            if chunks > n {
                return true;
            }
        }
    }
    false
}

/// Most words a dateline may have.
pub const MAX_DATELINE_WORDS: usize = 20;

/// A short line that starts like a dateline ([`DATELINE_START`]), carries a
/// clock time, a date or a year, and does not end like a sentence (a wire
/// story's opening "November 20, 2019 - The council voted ... ." is prose).
fn is_dateline(p: &str, words: &[&str]) -> bool {
    words.len() <= MAX_DATELINE_WORDS
        && !p.trim_end().ends_with(['.', '!', '?', '"', '”', ':'])
        && DATELINE_START.is_match(p)
        && (CLOCK_OR_DATE.is_match(p) || YEAR.is_match(p))
}

/// "By Reuters" but not "By Friday" or "By March".
fn is_bare_byline(p: &str, words: &[&str]) -> bool {
    BYLINE_ONLY.is_match(p)
        && !words
            .get(1)
            .is_some_and(|w| is_date_word(&w.to_lowercase()))
}

/// "By Jane Doe - 11/18/19 11:04 PM EST": a byline glued to a timestamp.
fn is_dated_byline(p: &str, words: &[&str]) -> bool {
    words.first().is_some_and(|w| *w == "By" || *w == "BY") && CLOCK_OR_DATE.is_match(p)
}

/// A line of story tools ([`TOOL`]), alone or separated by `|`, `·`, `•`.
fn is_tool_row(p: &str) -> bool {
    let mut n = 0;
    for seg in p.split(['|', '·', '•']) {
        if seg.trim().is_empty() {
            continue;
        }
        if !TOOL.is_match(seg) {
            return false;
        }
        n += 1;
    }
    n > 0
}

/// Two or more words, all of them share-button labels.
fn is_share_row(words: &[&str]) -> bool {
    words.len() >= 2
        && words
            .iter()
            .all(|w| SHARE_WORDS.contains(&w.to_lowercase().as_str()))
}

static CLOCK_OR_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{1,2}:\d{2}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")
        .expect("static regex")
});

/// A clock time, an ISO or numeric date, or a month or weekday name: bare
/// numbers alone (a table cell, a score) are not a timestamp.
fn looks_like_time(p: &str, words: &[&str]) -> bool {
    CLOCK_OR_DATE.is_match(p)
        || words.iter().any(|w| {
            let lw = w.to_lowercase();
            let alpha = lw.trim_start_matches(|c: char| c.is_ascii_digit());
            alpha.chars().count() >= 3 && is_date_word(alpha) && !matches!(alpha, "min" | "now")
        })
}

/// Only numbers and date/time words, with at least one number.
fn is_timestamp(words: &[&str]) -> bool {
    let mut numbers = 0;
    for w in words {
        if w.chars().all(|c| c.is_ascii_digit()) {
            numbers += 1;
            continue;
        }
        // "10am", "25th", "09h30"
        let alpha: String = w
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .to_lowercase();
        let digits_led = alpha.len() < w.len();
        let known = is_date_word(&alpha)
            || (digits_led
                && alpha
                    .split(|c: char| c.is_ascii_digit())
                    .all(|s| s.is_empty() || is_date_word(s)));
        if !known {
            return false;
        }
        if digits_led {
            numbers += 1;
        }
    }
    numbers > 0
}

#[cfg(test)]
mod tests;
