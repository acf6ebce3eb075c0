//! The end of a story: calls to action and the author's biography that
//! sites print after the last paragraph, inside the same container
//! ("Sign up for our newsletter", "Follow her on Twitter @...", "Email
//! Jane Doe at jd@...", "Jane Doe is a finance writer who ..."). They sit
//! where readability cannot tell them from the story, so [`trim`] drops a
//! trailing run of them, at most [`MAX_TRAILING`] paragraphs, never the
//! whole body.

use regex::Regex;
use std::sync::LazyLock;

/// Most paragraphs dropped from the end.
pub const MAX_TRAILING: usize = 4;

/// A call to action has at most this many words.
pub const MAX_CTA_WORDS: usize = 60;

/// An author biography has at least this many words (a bare name is a
/// byline, handled by the furniture lines).
pub const MIN_BIO_WORDS: usize = 8;

/// Newsletter, subscription and follow prompts, contact lines.
static CTA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)\b(
            newsletters? | subscri(be|bing|bed|ption)\b | sign\s+up\b
          | follow\s+(us|me|him|her|them|@\w+)
          | delivered\s+(to|right\s+to|straight\s+to)\s+your\s+inbox | in\s+your\s+inbox
          | (e-?mail|contact|reach(ed)?)\s+\S+(\s+\S+)?\s+at\s+\S+@
          | @\w+\s+on\s+(twitter|instagram|facebook|x)\b
          | (on|via)\s+(facebook|twitter|instagram|linkedin|youtube|tiktok|pinterest|x)\s*(,|and\b|or\b|\.|$)
          | like\s+this\s+(story|article|post) | share\s+it\s+with | tell\s+us\s+what\s+you\s+think
        )",
    )
    .expect("static regex")
});

/// What an author biography says right after the author's first name.
static BIO_VERB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s+(is|was|has|holds|writes|covers|lives|loves|specializes|serves|joined)\b")
        .expect("static regex")
});

/// Drop the trailing calls to action and author biographies of `body`
/// (see the module docs). `byline` is the page's author line, if known:
/// a biography is a paragraph that opens with one of its names.
pub fn trim(body: &mut Vec<String>, byline: Option<&str>) {
    let names = byline.map(author_names).unwrap_or_default();
    let mut keep = body.len();
    while keep > 1 && body.len() - keep < MAX_TRAILING {
        let p = &body[keep - 1];
        if !(is_cta(p) || is_bio(p, &names)) {
            break;
        }
        keep -= 1;
    }
    body.truncate(keep);
}

fn words(p: &str) -> usize {
    p.split_whitespace().count()
}

/// A short paragraph with a newsletter, follow or contact prompt.
pub fn is_cta(p: &str) -> bool {
    words(p) <= MAX_CTA_WORDS && CTA.is_match(p)
}

/// A paragraph of [`MIN_BIO_WORDS`] or more that opens with the full name
/// of one of `names`, or with the first name of a two-word-or-longer name
/// followed by a verb such as "is" or "has".
fn is_bio(p: &str, names: &[Vec<&str>]) -> bool {
    if names.is_empty() || words(p) < MIN_BIO_WORDS {
        return false;
    }
    names.iter().any(|name| {
        let full = name.join(" ");
        if let Some(rest) = p.strip_prefix(full.as_str()) {
            if rest.starts_with([' ', ',']) {
                return true;
            }
        }
        name.len() >= 2
            && p.strip_prefix(name[0])
                .is_some_and(|rest| BIO_VERB.is_match(rest))
    })
}

/// The names in an author line: "By Jane Doe and John Roe" gives
/// `[["Jane", "Doe"], ["John", "Roe"]]`. Each starts with a capital.
fn author_names(byline: &str) -> Vec<Vec<&str>> {
    byline
        .split([',', '&', '|'])
        .flat_map(|part| part.split(" and "))
        .filter_map(|part| {
            let w: Vec<&str> = part
                .split_whitespace()
                .filter(|w| !matches!(w.to_lowercase().as_str(), "by" | "dr" | "dr." | "prof."))
                .collect();
            w.first()
                .is_some_and(|f| f.starts_with(char::is_uppercase))
                .then_some(w)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn trailing_prompts_and_bios_go() {
        let mut b = body(&[
            "The council voted on Tuesday to close the library for the summer.",
            "Jane Doe is a reporter covering city hall and the county budget.",
            "Email Jane Doe at jdoe@example.com. Follow her on Twitter @jdoe.",
            "Subscribe to our newsletter for the day's top stories.",
        ]);
        trim(&mut b, Some("By Jane Doe"));
        assert_eq!(b.len(), 1);
        // First name alone, with a verb.
        let mut b = body(&[
            "Story text that stays in the body of the article.",
            "Jane has covered the council for ten years and lives in town.",
        ]);
        trim(&mut b, Some("Jane Doe"));
        assert_eq!(b.len(), 1);
    }

    #[test]
    fn story_text_stays() {
        // A name that is not the author's, a prompt before the end, the
        // whole body.
        let mut b = body(&[
            "Sign up for the newsletter, the mayor told residents at the meeting.",
            "John Roe is the mayor and has served two terms in the city.",
            "The vote is expected next week after a public hearing.",
        ]);
        trim(&mut b, Some("Jane Doe"));
        assert_eq!(b.len(), 3);
        let mut b = body(&["Subscribe to our newsletter for updates."]);
        trim(&mut b, None);
        assert_eq!(b.len(), 1);
        // At most MAX_TRAILING paragraphs.
        let mut b = body(&["Story."]);
        b.extend(std::iter::repeat_n(
            "Subscribe to our newsletter.".to_string(),
            6,
        ));
        trim(&mut b, None);
        assert_eq!(b.len(), 7 - MAX_TRAILING);
    }

    #[test]
    fn names_from_bylines() {
        assert_eq!(
            author_names("By Jane Doe and John Roe"),
            vec![vec!["Jane", "Doe"], vec!["John", "Roe"]]
        );
        assert_eq!(author_names("staff, Reuters"), vec![vec!["Reuters"]]);
    }
}
