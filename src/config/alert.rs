//! `[alert]` and its sinks: `[[alert.webhook]]`, `[[alert.slack]]`,
//! `[[alert.discord]]`, `[[alert.ntfy]]`, `[[alert.email]]`,
//! `[[alert.command]]` and `[[alert.log]]`. Every sink takes the same rule,
//! digest and rate-limit keys (see [`SinkCommon`]). The kinds are listed
//! once, in the `sink_kinds!` invocation below.

use super::values::{EventKind, HeaderText, HttpUrl, Positive, Span};
use crate::core::diff::ChangeClass;
use serde::Deserialize;
use std::time::Duration;

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
    /// Messages allowed per period (at least 1).
    pub count: u32,
    /// The period.
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

/// Which events a sink wants: kinds, minimum change class, headline-only,
/// outlets, watched URLs and watch labels (each included or excluded). The
/// data of the rule keys every sink takes; `crate::alert` applies them
/// (`SinkRules::accepts`).
#[derive(Debug, Clone, Default)]
pub struct SinkRules {
    /// Event kinds to send (as `event` names them); all when `None`.
    pub events: Option<Vec<String>>,
    /// Edits of a lower class are not sent.
    pub min_class: Option<ChangeClass>,
    /// Only edits whose headline changed.
    pub headline_only: bool,
    /// Only events about these outlets; any outlet when `None`.
    pub outlets: Option<Vec<String>>,
    /// Events about these outlets are never sent.
    pub exclude_outlets: Vec<String>,
    /// Watched URLs, normalized as the store keys watches.
    pub watches: Option<Vec<String>>,
    /// Events about these watched URLs (normalized) are never sent.
    pub exclude_watches: Vec<String>,
    /// Only events about watches with one of these labels; any when `None`.
    pub labels: Option<Vec<String>>,
    /// Events about watches with one of these labels are never sent.
    pub exclude_labels: Vec<String>,
}

/// What every sink takes besides its target: its rules, whether it batches
/// events, how fast it may go.
#[derive(Debug, Clone, Default)]
pub struct SinkCommon {
    /// Which events it takes.
    pub rules: SinkRules,
    /// Batch its events into one message per this period.
    pub digest: Option<Duration>,
    /// At most this many messages per period; more wait in the outbox.
    pub rate_limit: Option<RateLimit>,
}

/// A URL as the store keys watches (parsed and re-serialized), or the text
/// itself when it does not parse.
fn normalize_url(u: &str) -> String {
    url::Url::parse(u.trim())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| u.trim().to_string())
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
            /// Never events about these outlets.
            #[serde(default)]
            pub exclude_outlets: Vec<String>,
            /// Only events about these watched URLs.
            pub watches: Option<Vec<String>>,
            /// Never events about these watched URLs.
            #[serde(default)]
            pub exclude_watches: Vec<String>,
            /// Only events about watches with these `[[watch]] label`s.
            pub labels: Option<Vec<String>>,
            /// Never events about watches with these labels.
            #[serde(default)]
            pub exclude_labels: Vec<String>,
            /// Batch events into one message per period ("15m").
            pub digest: Option<Span>,
            /// At most this many messages per period ("30/min").
            pub rate_limit: Option<RateLimit>,
        }

        impl $name {
            /// The rule, digest and rate-limit keys, as the deliverer
            /// takes them (watched URLs normalized as the store keys them).
            pub fn common(&self) -> SinkCommon {
                SinkCommon {
                    rules: SinkRules {
                        events: self
                            .events
                            .as_ref()
                            .map(|k| k.iter().map(|k| k.0.clone()).collect()),
                        min_class: self.min_class,
                        headline_only: self.headline_only,
                        outlets: self.outlets.clone(),
                        exclude_outlets: self.exclude_outlets.clone(),
                        watches: self
                            .watches
                            .as_ref()
                            .map(|w| w.iter().map(|u| normalize_url(u)).collect()),
                        exclude_watches: self.exclude_watches.iter().map(|u| normalize_url(u)).collect(),
                        labels: self.labels.clone(),
                        exclude_labels: self.exclude_labels.clone(),
                    },
                    digest: self.digest.map(|d| d.0),
                    rate_limit: self.rate_limit,
                }
            }

            /// Whether its `events` key takes this kind (all kinds when
            /// the key is absent); the other rules are not looked at.
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
    /// `[[alert.webhook]]`: the JSON payload of docs/design.md, POSTed.
    pub struct WebhookConfig {
        /// Where each event is POSTed.
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
        /// The incoming-webhook URL (its path is the secret: never logged
        /// in full).
        pub url: HttpUrl,
    }
}

sink_config! {
    /// `[[alert.ntfy]]`: a server (e.g. `https://ntfy.sh`) and a topic.
    pub struct NtfyConfig {
        /// The ntfy server.
        pub url: HttpUrl,
        /// The topic published to on that server.
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
        /// The SMTP server's host name.
        pub host: String,
        /// Default: 587 for `starttls`, 465 for `tls`, 25 for `none`.
        pub port: Option<u16>,
        /// How the connection is encrypted (default STARTTLS).
        #[serde(default)]
        pub tls: SmtpTls,
        /// The SMTP login (with `password_env`); no authentication without
        /// it.
        pub username: Option<String>,
        /// Name of an environment variable holding the SMTP password.
        pub password_env: Option<String>,
        /// The sender address.
        pub from: String,
        /// The recipient addresses of every message.
        pub to: Vec<String>,
    }
}

sink_config! {
    /// `[[alert.command]]`: a program run per message with the event JSON
    /// on stdin.
    pub struct CommandConfig {
        /// The program (a path, or a name looked up in `PATH`); run
        /// directly, not through a shell.
        pub program: String,
        /// Its arguments.
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

/// Every sink kind, once: its `[[alert.KEY]]` table, its [`SinkKind`]
/// variant and its config type. This generates [`AlertConfig`]'s fields,
/// [`SinkKind`] and [`SinkSpec`]; the alert module builds and names each
/// kind in exhaustive matches on them, so a kind added here and forgotten
/// there does not compile (see ARCHITECTURE.md, "Add an alert sink").
macro_rules! sink_kinds {
    ($($key:ident => $variant:ident($ty:ty),)*) => {
        /// `[alert]`: delivery settings and the sinks, one list per kind.
        #[derive(Debug, Clone, Deserialize, Default)]
        #[serde(deny_unknown_fields)]
        pub struct AlertConfig {
            $(
                #[doc = concat!("The `[[alert.", stringify!($key), "]]` sinks, in config order.")]
                #[serde(default)]
                pub $key: Vec<$ty>,
            )*
            /// Attempts per delivery before it becomes a dead letter
            /// (default [`crate::alert::DEFAULT_MAX_ATTEMPTS`]).
            pub max_attempts: Option<Positive>,
            /// First wait after a failed delivery; doubles per attempt up
            /// to an hour (default [`crate::alert::FIRST_BACKOFF`]).
            pub retry_backoff: Option<Span>,
        }

        /// A kind of sink; its key is the `[[alert.KEY]]` table name and
        /// the prefix of its sinks' outbox names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum SinkKind {
            $(
                #[doc = concat!("`[[alert.", stringify!($key), "]]`.")]
                $variant,
            )*
        }

        impl SinkKind {
            /// Every kind, in config order.
            pub const ALL: &'static [SinkKind] = &[$(SinkKind::$variant,)*];

            /// `webhook`, `slack`, ...
            pub fn key(self) -> &'static str {
                match self {
                    $(SinkKind::$variant => stringify!($key),)*
                }
            }

            /// The kind an outbox name (`KEY` or `KEY:...`) belongs to.
            pub fn of_name(name: &str) -> Option<SinkKind> {
                let key = name.split(':').next().unwrap_or(name);
                SinkKind::ALL.iter().copied().find(|k| k.key() == key)
            }
        }

        /// One configured sink, borrowed from the config.
        #[derive(Debug, Clone, Copy)]
        pub enum SinkSpec<'a> {
            $(
                #[doc = concat!("One `[[alert.", stringify!($key), "]]` table.")]
                $variant(&'a $ty),
            )*
        }

        impl SinkSpec<'_> {
            /// Its kind.
            pub fn kind(&self) -> SinkKind {
                match self {
                    $(SinkSpec::$variant(_) => SinkKind::$variant,)*
                }
            }

            /// The outbox name: `KEY:TARGET` (`log` or `log:NAME`).
            pub fn name(&self) -> String {
                match self {
                    $(SinkSpec::$variant(c) => c.target().map_or_else(
                        || stringify!($key).to_string(),
                        |t| format!("{}:{t}", stringify!($key)),
                    ),)*
                }
            }

            /// The rules, digest period and rate limit.
            pub fn common(&self) -> SinkCommon {
                match self {
                    $(SinkSpec::$variant(c) => c.common(),)*
                }
            }
        }

        impl AlertConfig {
            /// Every configured sink, in config order.
            pub fn sinks(&self) -> Vec<SinkSpec<'_>> {
                let mut v = Vec::new();
                $(v.extend(self.$key.iter().map(SinkSpec::$variant));)*
                v
            }
        }
    };
}

sink_kinds! {
    webhook => Webhook(WebhookConfig),
    slack => Slack(ChatConfig),
    discord => Discord(ChatConfig),
    ntfy => Ntfy(NtfyConfig),
    email => Email(EmailConfig),
    command => Command(CommandConfig),
    log => Log(LogSinkConfig),
}

impl WebhookConfig {
    /// What follows `webhook:` in the outbox name.
    pub fn target(&self) -> Option<String> {
        Some(self.url.0.to_string())
    }
}

impl ChatConfig {
    /// What follows `slack:` or `discord:` in the outbox name.
    pub fn target(&self) -> Option<String> {
        Some(self.url.0.to_string())
    }
}

impl NtfyConfig {
    /// What follows `ntfy:` in the outbox name: `URL#TOPIC`.
    pub fn target(&self) -> Option<String> {
        Some(format!("{}#{}", self.url.0, self.topic))
    }
}

impl EmailConfig {
    /// What follows `email:` in the outbox name: `HOST:TO,TO`.
    pub fn target(&self) -> Option<String> {
        Some(format!("{}:{}", self.host, self.to.join(",")))
    }
}

impl CommandConfig {
    /// What follows `command:` in the outbox name: the program and its
    /// arguments, space-separated.
    pub fn target(&self) -> Option<String> {
        let mut n = self.program.clone();
        for a in &self.args {
            n.push(' ');
            n.push_str(a);
        }
        Some(n)
    }
}

impl LogSinkConfig {
    /// What follows `log:` in the outbox name: its `name`, if any.
    pub fn target(&self) -> Option<String> {
        self.name.clone()
    }
}

impl AlertConfig {
    /// Outbox names of every configured sink, in config order.
    pub fn sink_names(&self) -> Vec<String> {
        self.sinks().iter().map(SinkSpec::name).collect()
    }

    /// Number of configured sinks.
    pub fn sink_count(&self) -> usize {
        self.sinks().len()
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
