//! Discord-compatible incoming webhooks: `{"content": ...}` in Discord
//! markdown (at most 2,000 characters), mentions disabled so that article
//! text cannot ping anyone.

use super::{format, Alert};

/// Discord's limit on `content`.
pub const MAX_CONTENT: usize = 2000;

/// Markdown characters in article text shown literally.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '*' | '_' | '~' | '`' | '|' | '[' | ']' | '\\' | '>' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The JSON POSTed for an alert.
pub fn payload(alert: &Alert<'_>) -> serde_json::Value {
    let content = match alert {
        Alert::One(e) => {
            let s = format::summarize(e);
            let mut t = format!(
                "**[{}](<{}>)**\n{} — {}",
                escape(&s.headline),
                s.url,
                escape(&s.outlet),
                escape(&s.facts)
            );
            for a in &s.articles {
                t.push_str(&format!(
                    "\n• {}: [{}](<{}>)",
                    a.role,
                    escape(&a.describe()),
                    a.url
                ));
            }
            if !s.excerpt.is_empty() {
                t.push_str("\n```diff\n");
                t.push_str(&s.excerpt.join("\n").replace("```", "'''"));
                t.push_str("\n```");
            }
            t
        }
        Alert::Digest(events) => {
            let mut t = format!("**{}**", format::digest_title(events));
            let lines = format::digest_lines_with(
                events,
                |s| {
                    format!(
                        "• [{}](<{}>) — {}",
                        escape(&s.headline),
                        s.url,
                        escape(&s.note)
                    )
                },
                |n| format!("… and {n} more"),
            );
            for l in lines {
                t.push('\n');
                t.push_str(&l);
            }
            t
        }
    };
    let content = fit(&content);
    serde_json::json!({ "content": content, "allowed_mentions": { "parse": [] } })
}

/// Cut to [`MAX_CONTENT`] characters, closing an open code block.
fn fit(s: &str) -> String {
    if s.chars().count() <= MAX_CONTENT {
        return s.to_string();
    }
    let mut t = format::shorten(s, MAX_CONTENT - 8);
    if t.matches("```").count() % 2 == 1 {
        t.push_str("\n```");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, republication, DIFF};
    use crate::core::diff::ChangeClass;
    use crate::core::matching::MatchClass;

    #[test]
    fn a_republication_names_both_outlets_and_links_both_articles() {
        let e = republication("Budget *approved* @everyone", MatchClass::Partial);
        let p = payload(&Alert::One(&e));
        let t = p["content"].as_str().unwrap();
        assert_eq!(
            t,
            "**[Copied: «Budget \\*approved\\* @everyone» (example.com) republished by example.org](<https://other.example.org/news/budget>)**\n\
             example.org — partial · similarity 84% · containment 96% · 5 shared paragraphs\n\
             • Original: [«Budget \\*approved\\* @everyone» (example.com), first seen 2026-11-25T09:01:40Z](<https://example.com/story>)\n\
             • Copy: [«City passes transport budget» (example.org), first seen 2026-11-25T10:52:10Z](<https://other.example.org/news/budget>)"
        );
        assert_eq!(p["allowed_mentions"]["parse"], serde_json::json!([]));
        let events = vec![e];
        let t = payload(&Alert::Digest(&events))["content"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            t.contains("(<https://other.example.org/news/budget>) — partial, similarity 84%"),
            "{t}"
        );
    }

    #[test]
    fn says_what_changed_with_link_and_excerpt() {
        let e = edit("Budget *approved*", ChangeClass::Minor, DIFF);
        let p = payload(&Alert::One(&e));
        let t = p["content"].as_str().unwrap();
        assert!(t.starts_with(
            "**[Edited (minor): Budget \\*approved\\*](<https://news.example/story>)**\n"
        ));
        assert!(t.contains("news.example — version 1 → 2"));
        assert!(t.contains("```diff\n~ The meeting lasted [-four-]{+six+} hours.\n```"));
        assert_eq!(p["allowed_mentions"]["parse"], serde_json::json!([]));
    }

    #[test]
    fn long_messages_fit_the_limit() {
        let diff = format!("~ {}\n", "@everyone word ".repeat(30)).repeat(20);
        let events: Vec<_> = (0..60)
            .map(|i| edit(&format!("Story {i}"), ChangeClass::Minor, &diff))
            .collect();
        for a in [Alert::One(&events[0]), Alert::Digest(&events)] {
            let p = payload(&a);
            let t = p["content"].as_str().unwrap();
            assert!(t.chars().count() <= MAX_CONTENT);
            assert_eq!(t.matches("```").count() % 2, 0);
        }
    }
}
