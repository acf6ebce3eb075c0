//! `[alert]` and its sinks: `[[alert.webhook]]`, `[[alert.slack]]`,
//! `[[alert.discord]]`, `[[alert.ntfy]]`, `[[alert.email]]`,
//! `[[alert.command]]` and `[[alert.log]]`. Every sink takes the same rule,
//! digest and rate-limit keys (see [`SinkCommon`]).

use super::values::{EventKind, HeaderText, HttpUrl, Positive, Span};
use crate::core::diff::ChangeClass;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    #[serde(default)]
    pub webhook: Vec<WebhookConfig>,
    #[serde(default)]
    pub slack: Vec<ChatConfig>,
    #[serde(default)]
    pub discord: Vec<ChatConfig>,
    #[serde(default)]
    pub ntfy: Vec<NtfyConfig>,
    #[serde(default)]
    pub email: Vec<EmailConfig>,
    #[serde(default)]
    pub command: Vec<CommandConfig>,
    #[serde(default)]
    pub log: Vec<LogSinkConfig>,
    /// Attempts per delivery before it becomes a dead letter
    /// (default [`crate::alert::DEFAULT_MAX_ATTEMPTS`]).
    pub max_attempts: Option<Positive>,
    /// First wait after a failed delivery; doubles per attempt up to an
    /// hour (default [`crate::alert::FIRST_BACKOFF`]).
    pub retry_backoff: Option<Span>,
}

/// A secret from the config file: never printed, not even by `{:?}`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `rate_limit = "30/min"`: at most `count` messages per `per`; more wait in
/// the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct RateLimit {
    pub count: u32,
    pub per: Duration,
}

impl TryFrom<String> for RateLimit {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let bad = || {
            format!(
                "invalid rate limit {s:?} (write COUNT/PERIOD, e.g. \"30/min\", \"5/s\", \"100/h\", \"10/15m\")"
            )
        };
        let (n, per) = s.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!(
                "rate limit {s:?}: the count must be greater than zero"
            ));
        }
        let per = match per.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            "d" | "day" => Duration::from_secs(86_400),
            other => match humantime::parse_duration(other) {
                Ok(d) if !d.is_zero() => super::values::bounded_span(d, other)?,
                _ => return Err(bad()),
            },
        };
        Ok(RateLimit { count, per })
    }
}

/// Which events a sink wants, whether it batches them, how fast it may go.
#[derive(Debug, Clone, Default)]
pub struct SinkCommon {
    pub events: Option<Vec<String>>,
    pub min_class: Option<ChangeClass>,
    pub headline_only: bool,
    pub outlets: Option<Vec<String>>,
    pub exclude_outlets: Vec<String>,
    pub watches: Option<Vec<String>>,
    pub exclude_watches: Vec<String>,
    pub labels: Option<Vec<String>>,
    pub exclude_labels: Vec<String>,
    pub digest: Option<Duration>,
    pub rate_limit: Option<RateLimit>,
}

/// Defines a sink's config struct: its own fields plus the common ones
/// (rules, `digest`, `rate_limit`). serde's `flatten` cannot be combined
/// with `deny_unknown_fields`, hence the macro.
macro_rules! sink_config {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident : $t:ty,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fm])* pub $f: $t,)*
            /// Event kinds to send; all when absent.
            pub events: Option<Vec<EventKind>>,
            /// Edits of a lower class are not sent (`typo` < `minor` <
            /// `headline` < `substantive` < `correction`).
            pub min_class: Option<ChangeClass>,
            /// Only edits whose headline changed.
            #[serde(default)]
            pub headline_only: bool,
            /// Only events about these outlets (`[[outlet]]` names, or
            /// registrable domains).
            pub outlets: Option<Vec<String>>,
            #[serde(default)]
            pub exclude_outlets: Vec<String>,
            /// Only events about these watched URLs.
            pub watches: Option<Vec<String>>,
            #[serde(default)]
            pub exclude_watches: Vec<String>,
            /// Only events about watches with these `[[watch]] label`s.
            pub labels: Option<Vec<String>>,
            #[serde(default)]
            pub exclude_labels: Vec<String>,
            /// Batch events into one message per period ("15m").
            pub digest: Option<Span>,
            /// At most this many messages per period ("30/min").
            pub rate_limit: Option<RateLimit>,
        }

        impl $name {
            pub fn common(&self) -> SinkCommon {
                SinkCommon {
                    events: self
                        .events
                        .as_ref()
                        .map(|k| k.iter().map(|k| k.0.clone()).collect()),
                    min_class: self.min_class,
                    headline_only: self.headline_only,
                    outlets: self.outlets.clone(),
                    exclude_outlets: self.exclude_outlets.clone(),
                    watches: self.watches.clone(),
                    exclude_watches: self.exclude_watches.clone(),
                    labels: self.labels.clone(),
                    exclude_labels: self.exclude_labels.clone(),
                    digest: self.digest.map(|d| d.0),
                    rate_limit: self.rate_limit,
                }
            }

            pub fn wants(&self, kind: &str) -> bool {
                match &self.events {
                    None => true,
                    Some(kinds) => kinds.iter().any(|k| k.0 == kind),
                }
            }
        }
    };
}

sink_config! {
    /// `[[alert.webhook]]`: the DESIGN.md JSON payload, POSTed.
    pub struct WebhookConfig {
        pub url: HttpUrl,
        /// HMAC-SHA256 key: each POST carries `X-Copydesk-Signature:
        /// sha256=HEX` over its body. Prefer `secret_env`.
        pub secret: Option<Secret>,
        /// Name of an environment variable holding the secret.
        pub secret_env: Option<String>,
        /// Extra headers sent with each POST.
        #[serde(default)]
        pub headers: std::collections::BTreeMap<String, HeaderText>,
    }
}

sink_config! {
    /// `[[alert.slack]]` / `[[alert.discord]]`: an incoming-webhook URL.
    pub struct ChatConfig {
        pub url: HttpUrl,
    }
}

sink_config! {
    /// `[[alert.ntfy]]`: a server (e.g. `https://ntfy.sh`) and a topic.
    pub struct NtfyConfig {
        pub url: HttpUrl,
        pub topic: String,
        /// Name of an environment variable holding an access token.
        pub token_env: Option<String>,
    }
}

/// How an email sink talks to its SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587); required.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (a local relay only).
    None,
}

sink_config! {
    /// `[[alert.email]]`: SMTP submission.
    pub struct EmailConfig {
        pub host: String,
        /// Default: 587 for `starttls`, 465 for `tls`, 25 for `none`.
        pub port: Option<u16>,
        #[serde(default)]
        pub tls: SmtpTls,
        pub username: Option<String>,
        /// Name of an environment variable holding the SMTP password.
        pub password_env: Option<String>,
        pub from: String,
        pub to: Vec<String>,
    }
}

sink_config! {
    /// `[[alert.command]]`: a program run per message with the event JSON
    /// on stdin.
    pub struct CommandConfig {
        pub program: String,
        #[serde(default)]
        pub args: Vec<String>,
        /// Killed after this long (default 30 s); counts as a failure.
        pub timeout: Option<Span>,
    }
}

sink_config! {
    /// `[[alert.log]]`: a tracing line per message.
    pub struct LogSinkConfig {
        /// Distinguishes several log sinks in the outbox (default `log`).
        pub name: Option<String>,
    }
}

impl WebhookConfig {
    /// The outbox name of this sink.
    pub fn sink_name(&self) -> String {
        format!("webhook:{}", self.url.0)
    }
}

impl ChatConfig {
    pub fn sink_name(&self, kind: &str) -> String {
        format!("{kind}:{}", self.url.0)
    }
}

impl NtfyConfig {
    pub fn sink_name(&self) -> String {
        format!("ntfy:{}#{}", self.url.0, self.topic)
    }
}

impl EmailConfig {
    pub fn sink_name(&self) -> String {
        format!("email:{}:{}", self.host, self.to.join(","))
    }
}

impl CommandConfig {
    pub fn sink_name(&self) -> String {
        let mut n = format!("command:{}", self.program);
        for a in &self.args {
            n.push(' ');
            n.push_str(a);
        }
        n
    }
}

impl LogSinkConfig {
    pub fn sink_name(&self) -> String {
        match &self.name {
            Some(n) => format!("log:{n}"),
            None => "log".into(),
        }
    }
}

impl AlertConfig {
    /// Outbox names of every configured sink, in config order.
    pub fn sink_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.webhook.iter().map(|w| w.sink_name()).collect();
        v.extend(self.slack.iter().map(|c| c.sink_name("slack")));
        v.extend(self.discord.iter().map(|c| c.sink_name("discord")));
        v.extend(self.ntfy.iter().map(|c| c.sink_name()));
        v.extend(self.email.iter().map(|c| c.sink_name()));
        v.extend(self.command.iter().map(|c| c.sink_name()));
        v.extend(self.log.iter().map(|c| c.sink_name()));
        v
    }

    /// Number of configured sinks.
    pub fn sink_count(&self) -> usize {
        self.sink_names().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_parse() {
        let r = |s: &str| RateLimit::try_from(s.to_string());
        assert_eq!(
            r("30/min").unwrap(),
            RateLimit {
                count: 30,
                per: Duration::from_secs(60)
            }
        );
        assert_eq!(r("5/s").unwrap().per, Duration::from_secs(1));
        assert_eq!(r("10/15m").unwrap().per, Duration::from_secs(900));
        assert!(r("0/min").is_err());
        assert!(r("thirty/min").is_err());
        assert!(r("30").is_err());
        assert!(r("30/fortnight").is_err());
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let s = Secret("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
