//! The configured sinks, built from `[alert]`: each with its outbox name,
//! rules, digest period, rate limit and target. Secrets are read here
//! (from the config or the environment) and kept out of `Debug`.

use super::{command, display_sink, email, ntfy, webhook, AlertSetupError, SinkRules};
use crate::config::{AlertConfig, RateLimit, SinkCommon};
use std::time::Duration;

/// Where a sink's messages go.
pub(super) enum Target {
    Webhook(webhook::Webhook),
    Slack(url::Url),
    Discord(url::Url),
    Ntfy(ntfy::Ntfy),
    Email(Box<email::Email>),
    Command(command::CommandSink),
    Log,
}

/// One configured sink. Its `Debug` shows the redacted name only (chat
/// webhook URLs and command arguments may hold secrets).
pub(super) struct Sink {
    pub(super) name: String,
    pub(super) rules: SinkRules,
    pub(super) digest: Option<Duration>,
    pub(super) rate_limit: Option<RateLimit>,
    pub(super) target: Target,
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink")
            .field("name", &display_sink(&self.name))
            .field("digest", &self.digest)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

fn env_secret(var: &str, key: &str) -> Result<String, String> {
    std::env::var(var).map_err(|_| format!("the environment variable {var} ({key}) is not set"))
}

fn webhook_target(w: &crate::config::WebhookConfig) -> Result<webhook::Webhook, String> {
    let secret = match (&w.secret, &w.secret_env) {
        (Some(s), _) => Some(s.0.clone().into_bytes()),
        (None, Some(var)) => Some(env_secret(var, "secret_env")?.into_bytes()),
        (None, None) => None,
    };
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in &w.headers {
        let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| format!("{k:?} is not a valid header name"))?;
        let value = reqwest::header::HeaderValue::from_str(&v.0)
            .map_err(|_| format!("the value of header {k} is not valid"))?;
        headers.insert(name, value);
    }
    Ok(webhook::Webhook {
        url: w.url.0.clone(),
        secret,
        headers,
    })
}

/// Every sink of the config, in config order.
pub(super) fn build(a: &AlertConfig) -> Result<Vec<Sink>, AlertSetupError> {
    let mut sinks = Vec::new();
    let mut add =
        |kind: &'static str, name: String, common: SinkCommon, target: Result<Target, String>| {
            let target = target.map_err(|message| AlertSetupError::Sink {
                kind,
                sink: display_sink(&name),
                message,
            })?;
            sinks.push(Sink {
                name,
                rules: SinkRules::from_config(&common),
                digest: common.digest,
                rate_limit: common.rate_limit,
                target,
            });
            Ok::<(), AlertSetupError>(())
        };
    for w in &a.webhook {
        add(
            "webhook",
            w.sink_name(),
            w.common(),
            webhook_target(w).map(Target::Webhook),
        )?;
    }
    for c in &a.slack {
        add(
            "slack",
            c.sink_name("slack"),
            c.common(),
            Ok(Target::Slack(c.url.0.clone())),
        )?;
    }
    for c in &a.discord {
        add(
            "discord",
            c.sink_name("discord"),
            c.common(),
            Ok(Target::Discord(c.url.0.clone())),
        )?;
    }
    for c in &a.ntfy {
        let target = c
            .token_env
            .as_deref()
            .map(|v| env_secret(v, "token_env"))
            .transpose()
            .map(|token| {
                Target::Ntfy(ntfy::Ntfy {
                    url: c.url.0.clone(),
                    topic: c.topic.clone(),
                    token,
                })
            });
        add("ntfy", c.sink_name(), c.common(), target)?;
    }
    for c in &a.email {
        let target = email::Email::new(c).map(|e| Target::Email(Box::new(e)));
        add("email", c.sink_name(), c.common(), target)?;
    }
    for c in &a.command {
        let target = Target::Command(command::CommandSink {
            program: c.program.clone(),
            args: c.args.clone(),
            timeout: c.timeout.map(|t| t.0).unwrap_or(command::DEFAULT_TIMEOUT),
        });
        add("command", c.sink_name(), c.common(), Ok(target))?;
    }
    for c in &a.log {
        add("log", c.sink_name(), c.common(), Ok(Target::Log))?;
    }
    Ok(sinks)
}
