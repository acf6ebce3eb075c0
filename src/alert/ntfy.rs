//! ntfy (<https://ntfy.sh> or self-hosted): a JSON publish to the server
//! root with topic, title, message, click link and tags; an optional
//! access token from an environment variable.

use super::sinks::{env_secret, Deliver};
use super::{format, http, Alert, SendError};
use crate::config::NtfyConfig;
use futures_util::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};

/// ntfy's message size limit (bytes) for plain messages.
pub const MAX_MESSAGE: usize = 4000;

/// An ntfy topic: each alert is a message published to it.
#[derive(Clone)]
pub struct Ntfy {
    /// The ntfy server.
    pub url: url::Url,
    /// The topic on that server.
    pub topic: String,
    /// Bearer token (never logged).
    pub token: Option<String>,
}

impl std::fmt::Debug for Ntfy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ntfy")
            .field("url", &super::redact(&self.url))
            .field("token", &self.token.is_some())
            .finish_non_exhaustive()
    }
}

/// The JSON published for an alert.
pub fn payload(topic: &str, alert: &Alert<'_>) -> serde_json::Value {
    match alert {
        Alert::One(e) => {
            let s = format::summarize(e);
            let mut message = format!("{} — {}", s.outlet, s.facts);
            for a in &s.articles {
                message.push('\n');
                message.push_str(&a.plain());
            }
            for l in &s.excerpt {
                message.push('\n');
                message.push_str(l);
            }
            serde_json::json!({
                "topic": topic,
                "title": s.headline,
                "message": fit(&message),
                "click": s.url,
                "tags": ["memo", format::class_of(e)],
            })
        }
        Alert::Digest(events) => serde_json::json!({
            "topic": topic,
            "title": format::digest_title(events),
            "message": fit(&format::digest_lines(events).join("\n")),
            "tags": ["memo", "digest"],
        }),
    }
}

fn fit(s: &str) -> String {
    if s.len() <= MAX_MESSAGE {
        return s.to_string();
    }
    let mut end = MAX_MESSAGE - 3;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl Ntfy {
    /// Set up from the config: the token from `token_env`.
    pub fn from_config(c: &NtfyConfig) -> Result<Ntfy, String> {
        let token = c
            .token_env
            .as_deref()
            .map(|v| env_secret(v, "token_env"))
            .transpose()?;
        Ok(Ntfy {
            url: c.url.0.clone(),
            topic: c.topic.clone(),
            token,
        })
    }

    /// Publish one alert (with the token as a bearer token, if any); any
    /// status but 2xx is an error.
    pub async fn send(&self, client: &reqwest::Client, alert: &Alert<'_>) -> Result<(), SendError> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(t) = &self.token {
            let mut v = HeaderValue::from_str(&format!("Bearer {t}")).map_err(|_| {
                SendError::Config("the ntfy token is not a valid header value".into())
            })?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        let body = serde_json::to_vec(&payload(&self.topic, alert)).unwrap_or_default();
        http::post(client, &self.url, headers, body).await
    }
}

impl Deliver for Ntfy {
    fn deliver<'a>(
        &'a self,
        client: &'a reqwest::Client,
        alert: Alert<'a>,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move { self.send(client, &alert).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, republication, DIFF};
    use crate::core::diff::ChangeClass;
    use crate::core::matching::MatchClass;

    #[test]
    fn a_republication_names_both_articles_and_clicks_to_the_copy() {
        let e = republication("Council approves budget", MatchClass::Copy);
        let p = payload("desk", &Alert::One(&e));
        assert_eq!(
            p["title"],
            "Copied: «Council approves budget» (example.com) republished by example.org"
        );
        assert_eq!(p["click"], "https://other.example.org/news/budget");
        assert_eq!(
            p["message"],
            "example.org — copy · similarity 84% · containment 96% · 5 shared paragraphs\n\
             Original: «Council approves budget» (example.com), first seen 2026-11-25T09:01:40Z — https://example.com/story\n\
             Copy: «City passes transport budget» (example.org), first seen 2026-11-25T10:52:10Z — https://other.example.org/news/budget"
        );
        assert_eq!(p["tags"], serde_json::json!(["memo", "copy"]));
        let events = vec![e];
        let p = payload("desk", &Alert::Digest(&events));
        assert_eq!(
            p["message"],
            "Copied: «Council approves budget» (example.com) republished by example.org — copy, similarity 84% — https://other.example.org/news/budget"
        );
    }

    #[test]
    fn says_what_changed_with_link_and_excerpt() {
        let e = edit("Council approves budget", ChangeClass::Minor, DIFF);
        let p = payload("desk", &Alert::One(&e));
        assert_eq!(p["topic"], "desk");
        assert_eq!(p["title"], "Edited (minor): Council approves budget");
        assert_eq!(p["click"], "https://news.example/story");
        assert_eq!(
            p["message"],
            "news.example — version 1 → 2 · 1 paragraph changed · +1 −1 words\n~ The meeting lasted [-four-]{+six+} hours."
        );
        assert_eq!(p["tags"], serde_json::json!(["memo", "minor"]));
    }

    #[test]
    fn a_digest_lists_events_and_fits() {
        let events: Vec<_> = (0..40)
            .map(|i| {
                edit(
                    &format!("Story {i} {}", "x".repeat(200)),
                    ChangeClass::Minor,
                    DIFF,
                )
            })
            .collect();
        let p = payload("desk", &Alert::Digest(&events));
        assert_eq!(p["title"], "copydesk digest: 40 article changes");
        let m = p["message"].as_str().unwrap();
        assert!(m.starts_with("Edited (minor): Story 0"));
        assert!(m.len() <= MAX_MESSAGE + 3);
    }
}
