//! The log sink: one `tracing` line per alert (target `copydesk::alert`),
//! with the event's id, kind, class and URL as fields.

use super::{format, Alert};

/// The message of the log line.
pub fn line(alert: &Alert<'_>) -> String {
    match alert {
        Alert::One(e) => {
            let s = format::summarize(e);
            format!("{} — {} — {} — {}", s.headline, s.outlet, s.facts, s.url)
        }
        Alert::Digest(events) => format!(
            "{}: {}",
            format::digest_title(events),
            format::digest_lines(events).join("; ")
        ),
    }
}

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
    use crate::alert::format::tests::{edit, DIFF};
    use crate::core::diff::ChangeClass;

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
