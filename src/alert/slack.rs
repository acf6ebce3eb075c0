//! Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat):
//! `{"text": ...}` in Slack's mrkdwn, with the link, the facts and the diff
//! excerpt in a code block.

use super::{format, Alert};

/// Slack's escaping: `&`, `<` and `>` are markup.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text inside a ``` block: a fence in the article text would end it.
fn code(s: &str) -> String {
    escape(s).replace("```", "'''")
}

/// The JSON POSTed for an alert.
pub fn payload(alert: &Alert<'_>) -> serde_json::Value {
    let text = match alert {
        Alert::One(e) => {
            let s = format::summarize(e);
            let mut t = format!(
                "*<{}|{}>*\n{} — {}",
                escape(&s.url),
                escape(&s.headline).replace('|', "¦"),
                escape(&s.outlet),
                escape(&s.facts)
            );
            for a in &s.articles {
                t.push_str(&format!(
                    "\n• {}: <{}|{}>",
                    a.role,
                    escape(&a.url),
                    escape(&a.describe()).replace('|', "¦")
                ));
            }
            if !s.excerpt.is_empty() {
                t.push_str("\n```\n");
                t.push_str(&code(&s.excerpt.join("\n")));
                t.push_str("\n```");
            }
            t
        }
        Alert::Digest(events) => {
            let mut t = format!("*{}*", escape(&format::digest_title(events)));
            let lines = format::digest_lines_with(
                events,
                |s| {
                    format!(
                        "• <{}|{}> — {}",
                        escape(&s.url),
                        escape(&s.headline).replace('|', "¦"),
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
    serde_json::json!({ "text": text })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, republication, DIFF};
    use crate::core::diff::ChangeClass;
    use crate::core::matching::MatchClass;

    #[test]
    fn a_republication_names_both_outlets_and_links_both_articles() {
        let e = republication("Tax <cuts> | more", MatchClass::Copy);
        let p = payload(&Alert::One(&e));
        let t = p["text"].as_str().unwrap();
        assert_eq!(
            t,
            "*<https://other.example.org/news/budget|Copied: «Tax &lt;cuts&gt; ¦ more» (example.com) republished by example.org>*\n\
             example.org — copy · similarity 84% · containment 96% · 5 shared paragraphs\n\
             • Original: <https://example.com/story|«Tax &lt;cuts&gt; ¦ more» (example.com), first seen 2026-11-25T09:01:40Z>\n\
             • Copy: <https://other.example.org/news/budget|«City passes transport budget» (example.org), first seen 2026-11-25T10:52:10Z>"
        );
        let events = vec![e, republication("B", MatchClass::Partial)];
        let t = payload(&Alert::Digest(&events))["text"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(t.contains(
            "• <https://other.example.org/news/budget|Copied: «B» (example.com) republished by example.org> — partial, similarity 84%"
        ), "{t}");
    }

    #[test]
    fn says_what_changed_with_link_and_excerpt() {
        let e = edit("Tax <cuts> & more", ChangeClass::Minor, DIFF);
        let p = payload(&Alert::One(&e));
        let t = p["text"].as_str().unwrap();
        assert!(t.starts_with(
            "*<https://news.example/story|Edited (minor): Tax &lt;cuts&gt; &amp; more>*\n"
        ));
        assert!(t.contains("news.example — version 1 → 2 · 1 paragraph changed"));
        assert!(t.contains("```\n~ The meeting lasted [-four-]{+six+} hours.\n```"));
    }

    #[test]
    fn a_digest_lists_every_event() {
        let events = vec![
            edit("One", ChangeClass::Minor, DIFF),
            edit("Two", ChangeClass::Headline, DIFF),
        ];
        let t = payload(&Alert::Digest(&events))["text"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(t.starts_with("*copydesk digest: 2 article changes*"));
        assert!(t.contains("• <https://news.example/story|Edited (minor): One>"));
        assert!(t.contains("• <https://news.example/story|Edited (headline): Two>"));
    }
}
