//! The log sink: one `tracing` line per alert (target `copydesk::alert`),
//! with the event's id, kind, class and URL as fields.

use super::sinks::Deliver;
use super::{format, Alert, SendError};
use futures_util::future::BoxFuture;

/// The message of the log line.
pub fn line(alert: &Alert<'_>) -> String {
    match alert {
        Alert::One(e) => {
            let s = format::summarize(e);
            let mut t = format!("{} — {} — {} — {}", s.headline, s.outlet, s.facts, s.url);
            for a in &s.articles {
                t.push_str(" — ");
                t.push_str(&a.plain());
            }
            t
        }
        Alert::Digest(events) => format!(
            "{}: {}",
            format::digest_title(events),
            format::digest_lines(events).join("; ")
        ),
    }
}

/// The log sink, by its name as logs show it.
pub struct LogSink(pub String);

impl Deliver for LogSink {
    fn deliver<'a>(
        &'a self,
        _client: &'a reqwest::Client,
        alert: Alert<'a>,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        send(&self.0, &alert);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Log one alert as an `info` line of target `copydesk::alert`, with the
/// sink's name and the event's fields.
pub fn send(sink: &str, alert: &Alert<'_>) {
    match alert {
        Alert::One(e) => tracing::info!(
            target: "copydesk::alert",
            sink = %sink,
            id = %e.id(),
            event = e.kind(),
            class = format::class_of(e),
            url = e.article_url().unwrap_or_default(),
            "{}",
            line(alert)
        ),
        Alert::Digest(events) => tracing::info!(
            target: "copydesk::alert",
            sink = %sink,
            id = %format::digest_id(events),
            event = "digest",
            events = events.len(),
            "{}",
            line(alert)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, republication, DIFF};
    use crate::core::diff::ChangeClass;
    use crate::core::matching::MatchClass;

    #[test]
    fn the_line_names_both_articles_of_a_republication() {
        let e = republication("Council approves budget", MatchClass::Copy);
        assert_eq!(
            line(&Alert::One(&e)),
            "Copied: «Council approves budget» (example.com) republished by example.org — example.org — copy · similarity 84% · containment 96% · 5 shared paragraphs — https://other.example.org/news/budget — Original: «Council approves budget» (example.com), first seen 2026-11-25T09:01:40Z — https://example.com/story — Copy: «City passes transport budget» (example.org), first seen 2026-11-25T10:52:10Z — https://other.example.org/news/budget"
        );
        let events = vec![e];
        assert_eq!(
            line(&Alert::Digest(&events)),
            "copydesk digest: 1 alert: Copied: «Council approves budget» (example.com) republished by example.org — copy, similarity 84% — https://other.example.org/news/budget"
        );
    }

    #[test]
    fn the_line_says_what_changed() {
        let e = edit("Council approves budget", ChangeClass::Minor, DIFF);
        assert_eq!(
            line(&Alert::One(&e)),
            "Edited (minor): Council approves budget — news.example — version 1 → 2 · 1 paragraph changed · +1 −1 words — https://news.example/story"
        );
        let events = vec![e.clone(), e];
        assert!(line(&Alert::Digest(&events))
            .starts_with("copydesk digest: 2 article changes: Edited (minor)"));
    }
}
