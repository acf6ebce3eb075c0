//! Bylines printed as a line of the page: "By Jane Roe", "Posted 9 min ago
//! by Jane Roe", "By Jane Roe | Nov 3, 2008", "Published on March 30, 2015
//! by Admin". Such a line is furniture (a relative time in it changes from
//! load to load) and names the author when the metadata does not.

use super::words::is_date_word;
use regex::Regex;
use std::sync::LazyLock;

/// Most words a byline line may have.
pub const MAX_BYLINE_WORDS: usize = 20;

/// Optional "Posted <time>" lead, "by", a name of capitalised words (with
/// the usual lower-case particles), and an optional time after a separator.
static BYLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^[\s\W]*?
        (?: (?i:posted|published|written|submitted|updated|last\s+updated|story)\b (?P<pre>[^|]*?) \s )?
        (?i:by)\s+
        (?P<name> \p{Lu}[\p{L}.'’-]* (?: ,?\s+ (?: \p{Lu}[\p{L}.'’-]* | (?:van|von|de|da|del|der|di|la|le|and|&) ) ){0,6} )
        (?P<post> \s* (?: [|·•—–/,-]+ | \s(?i:on|at|in)\s ) [^|]*? )?
        [\s\W]*$",
    )
    .expect("static regex")
});

static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("static regex"));

/// The author named by a byline line, or `None` when `p` is not one.
pub fn visible_byline(p: &str) -> Option<String> {
    if WORD.find_iter(p).count() > MAX_BYLINE_WORDS {
        return None;
    }
    let c = BYLINE.captures(p)?;
    let pre = c.name("pre").map_or("", |m| m.as_str());
    let post = c.name("post").map_or("", |m| m.as_str());
    let (pre_ok, post_ok) = (time_phrase(pre), time_phrase(post));
    if !pre_ok || !post_ok {
        return None;
    }
    let name = c.name("name")?.as_str().trim_end_matches([',', ' ']);
    let mut words = name.split_whitespace();
    // "By Friday", "By March 3": a time, not a person.
    if words
        .next()
        .is_some_and(|w| is_date_word(&w.to_lowercase()) || w.eq_ignore_ascii_case("the"))
    {
        return None;
    }
    // A name ends with a capitalised word, not a particle.
    let last = words.last().unwrap_or(name);
    if !last.chars().next().is_some_and(char::is_uppercase) {
        return None;
    }
    Some(name.to_string())
}

/// Empty, or only numbers, date and time words ("9 min ago", "on March 30,
/// 2015", "Nov 3, 2008 at 10:04 PM").
fn time_phrase(s: &str) -> bool {
    WORD.find_iter(s).all(|m| {
        let w = m.as_str().to_lowercase();
        w.chars().all(|c| c.is_ascii_digit())
            || is_date_word(&w)
            || is_date_word(w.trim_start_matches(|c: char| c.is_ascii_digit()))
            || matches!(
                w.as_str(),
                "ago"
                    | "on"
                    | "at"
                    | "am"
                    | "pm"
                    | "est"
                    | "edt"
                    | "gmt"
                    | "utc"
                    | "pst"
                    | "pdt"
                    | "cet"
                    | "bst"
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byline_lines() {
        for (line, name) in [
            ("Posted 9 min ago by Jane Roe", "Jane Roe"),
            ("Posted 2 hours ago by Jane Roe", "Jane Roe"),
            ("By Jane Roe | Nov 3, 2008", "Jane Roe"),
            ("By Jane Roe", "Jane Roe"),
            ("BY JANE ROE", "JANE ROE"),
            ("Published on March 30, 2015 by Admin", "Admin"),
            (
                "by Ludwig van Beethoven - 11/18/19 11:04 PM EST",
                "Ludwig van Beethoven",
            ),
            ("By Jane Roe and John Doe", "Jane Roe and John Doe"),
            ("— By María Núñez, Nov. 3, 2008 —", "María Núñez"),
        ] {
            assert_eq!(visible_byline(line).as_deref(), Some(name), "{line}");
        }
    }

    #[test]
    fn not_byline_lines() {
        for line in [
            "By Friday the council will have voted.",
            "By March 3",
            "By the river",
            "Posted in Politics by Jane Roe",
            "By Jane Roe | Staff Writer | Opinion",
            "The bill was passed by Congress on Tuesday",
            "Stand by Me",
            "by van",
            "",
            "By Jane Roe and many other people who came to the meeting on the bridge that night to say what they thought of it",
        ] {
            assert_eq!(visible_byline(line), None, "{line}");
        }
    }
}
