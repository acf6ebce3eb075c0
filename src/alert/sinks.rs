//! The configured sinks, built from `[alert]`: each with its outbox name,
//! rules, digest period, rate limit and a [`Deliver`] target. The one place
//! that maps a [`SinkKind`] to its module: [`build`] and [`display_sink`]
//! match on every kind, so a kind added to the config and forgotten here
//! does not compile. Secrets are read by the sink modules (from the config
//! or the environment) and kept out of `Debug` and logs.

use super::http::ChatHook;
use super::{command, discord, email, log, ntfy, slack, webhook};
use super::{Alert, AlertSetupError, SendError, SinkRules};
use crate::config::{AlertConfig, RateLimit, SinkKind, SinkSpec};
use crate::fetch::ExtraRoots;
use futures_util::future::BoxFuture;
use std::time::Duration;

/// What every kind of sink does: take one message.
pub(super) trait Deliver: Send + Sync {
    /// Send one message; an error is kept on the delivery and retried.
    fn deliver<'a>(
        &'a self,
        client: &'a reqwest::Client,
        alert: Alert<'a>,
    ) -> BoxFuture<'a, Result<(), SendError>>;
}

/// One configured sink. Its `Debug` shows the redacted name only (chat
/// webhook URLs and command arguments may hold secrets).
pub(super) struct Sink {
    pub(super) name: String,
    /// `name` as logs show it ([`display_sink`]).
    pub(super) shown: String,
    pub(super) rules: SinkRules,
    pub(super) digest: Option<Duration>,
    pub(super) rate_limit: Option<RateLimit>,
    pub(super) target: Box<dyn Deliver>,
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink")
            .field("name", &self.shown)
            .field("digest", &self.digest)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

/// A secret from the environment variable `var` (named by config key
/// `key`).
pub(super) fn env_secret(var: &str, key: &str) -> Result<String, String> {
    std::env::var(var).map_err(|_| format!("the environment variable {var} ({key}) is not set"))
}

fn boxed<T: Deliver + 'static>(t: T) -> Box<dyn Deliver> {
    Box::new(t)
}

/// Every sink of the config, in config order.
pub(super) fn build(
    a: &AlertConfig,
    extra_roots: Option<&ExtraRoots>,
) -> Result<Vec<Sink>, AlertSetupError> {
    let mut sinks = Vec::new();
    for spec in a.sinks() {
        let name = spec.name();
        let shown = display_sink(&name);
        let target = match spec {
            SinkSpec::Webhook(c) => webhook::Webhook::from_config(c).map(boxed),
            SinkSpec::Slack(c) => Ok(boxed(ChatHook::new(c.url.0.clone(), slack::payload))),
            SinkSpec::Discord(c) => Ok(boxed(ChatHook::new(c.url.0.clone(), discord::payload))),
            SinkSpec::Ntfy(c) => ntfy::Ntfy::from_config(c).map(boxed),
            SinkSpec::Email(c) => email::Email::new(c, extra_roots).map(boxed),
            SinkSpec::Command(c) => Ok(boxed(command::CommandSink::from_config(c))),
            SinkSpec::Log(_) => Ok(boxed(log::LogSink(shown.clone()))),
        }
        .map_err(|message| AlertSetupError::Sink {
            kind: spec.kind().key(),
            sink: shown.clone(),
            message,
        })?;
        let common = spec.common();
        sinks.push(Sink {
            name,
            shown,
            rules: common.rules,
            digest: common.digest,
            rate_limit: common.rate_limit,
            target,
        });
    }
    Ok(sinks)
}

/// An outbox sink name as logs and `copydesk alerts` show it: URLs
/// redacted, a command without its arguments, an email sink by its
/// recipients. A name of no known kind is shown as it is.
pub fn display_sink(name: &str) -> String {
    let Some(kind) = SinkKind::of_name(name) else {
        return name.to_string();
    };
    let target = name.split_once(':').map_or("", |x| x.1);
    let key = kind.key();
    match kind {
        SinkKind::Webhook | SinkKind::Slack | SinkKind::Discord | SinkKind::Ntfy => {
            match url::Url::parse(target) {
                Ok(u) => format!("{key} {}", super::redact(&u)),
                Err(_) => key.to_string(),
            }
        }
        SinkKind::Command => format!(
            "{key} {}",
            target.split_whitespace().next().unwrap_or_default()
        ),
        SinkKind::Email => format!("{key} {}", target.split_once(':').map_or(target, |x| x.1)),
        SinkKind::Log => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// One sink of every kind, each with a secret in its target where the
    /// kind has one. A kind added to the config and not here fails below.
    const EVERY_KIND: &str = r#"
[[alert.webhook]]
url = "https://hooks.example/SECRET1?token=SECRET2"
secret = "SECRET3"

[[alert.slack]]
url = "https://hooks.slack.com/services/T0/B0/SECRET4"

[[alert.discord]]
url = "https://discord.com/api/webhooks/1/SECRET5"

[[alert.ntfy]]
url = "https://ntfy.example/"
topic = "SECRET6"

[[alert.email]]
host = "smtp.example.org"
from = "desk@example.org"
to = ["editor@example.org"]

[[alert.command]]
program = "/usr/bin/notify"
args = ["--token", "SECRET7"]

[[alert.log]]
"#;

    #[test]
    fn every_kind_builds_and_never_shows_its_secret() {
        let cfg = Config::parse(EVERY_KIND, std::path::Path::new("t.toml")).expect("config");
        let kinds: Vec<SinkKind> = cfg.alert.sinks().iter().map(SinkSpec::kind).collect();
        assert_eq!(kinds, SinkKind::ALL, "the sample lists every kind once");
        let sinks = build(&cfg.alert, None).expect("every sink builds");
        assert_eq!(sinks.len(), SinkKind::ALL.len());
        for s in &sinks {
            let kind = SinkKind::of_name(&s.name).expect("a known kind");
            assert!(s.shown.starts_with(kind.key()), "{}", s.shown);
            for text in [s.shown.clone(), format!("{s:?}"), display_sink(&s.name)] {
                assert!(!text.contains("SECRET"), "{text}");
            }
        }
        assert_eq!(sinks[4].shown, "email editor@example.org");
        assert_eq!(sinks[5].shown, "command /usr/bin/notify");
    }

    #[test]
    fn a_name_of_no_known_kind_is_shown_as_it_is() {
        assert_eq!(display_sink("pager:42"), "pager:42");
        assert_eq!(display_sink("log:desk"), "log:desk");
        assert_eq!(display_sink("webhook:not a url"), "webhook");
    }
}
