//! Alert delivery: events wait in the store's outbox, one entry per sink, and
//! are POSTed to each `[[alert.webhook]]` until a receiver answers 2xx.
//! Nothing is lost: a failed delivery stays in the outbox with its error and
//! is retried (at the next `check`, or after a backoff in a daemon).

use crate::config::Config;
use crate::core::diff::ChangeClass;
use crate::core::event::Event;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Deadline for one webhook POST.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// First retry delay; doubles per failed attempt up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(30);
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Attempts before a delivery is a dead letter: with the default backoff,
/// about 9 hours of trying.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;

/// Delay before the next attempt after `attempts` failures, starting at
/// `first`, with up to 20% jitter so that many retries do not align.
pub fn backoff(first: Duration, attempts: u32, jitter_key: u64) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.saturating_sub(1))
        .unwrap_or(u32::MAX);
    let base = first.saturating_mul(factor).min(MAX_BACKOFF);
    let span = (base.as_millis() as u64 / 5).max(1);
    base + Duration::from_millis(jitter_key % span)
}

/// One webhook receiver.
#[derive(Debug, Clone)]
struct WebhookSink {
    name: String,
    url: url::Url,
    events: Option<Vec<String>>,
    /// HMAC-SHA256 key for `X-Copydesk-Signature` (never logged).
    secret: Option<Vec<u8>>,
    headers: reqwest::header::HeaderMap,
    rules: SinkRules,
}

/// Which events a sink wants, besides their kind.
#[derive(Debug, Clone, Default)]
pub struct SinkRules {
    pub min_class: Option<ChangeClass>,
    pub headline_only: bool,
    pub outlets: Option<Vec<String>>,
    pub exclude_outlets: Vec<String>,
}

impl SinkRules {
    /// Does an event pass these rules?
    pub fn accepts(&self, event: &Event) -> bool {
        match event {
            Event::Edit(e) => {
                let outlet = e.article.outlet.as_str();
                self.min_class.is_none_or(|min| e.change.class >= min)
                    && (!self.headline_only || e.change.title_changed)
                    && self
                        .outlets
                        .as_ref()
                        .is_none_or(|o| o.iter().any(|x| x == outlet))
                    && !self.exclude_outlets.iter().any(|x| x == outlet)
            }
            // edit-only rules (min_class, headline_only) do not apply; the
            // outlet rules look at both articles
            Event::Republication(e) => {
                let outlets = [e.original.outlet.as_str(), e.copy.outlet.as_str()];
                self.outlets
                    .as_ref()
                    .is_none_or(|o| o.iter().any(|x| outlets.contains(&x.as_str())))
                    && !self
                        .exclude_outlets
                        .iter()
                        .any(|x| outlets.contains(&x.as_str()))
            }
        }
    }
}

/// `sha256=HEX` of the HMAC-SHA256 of `body` under `key`: what
/// `X-Copydesk-Signature` carries, for receivers to verify.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    use std::fmt::Write;
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key),
        body,
    );
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256=");
    for b in tag.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// What a delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub failed: usize,
    /// Entries for sinks that are no longer in the config (kept, not sent).
    pub orphaned: usize,
    /// Deliveries that failed for the last allowed time in this round.
    pub dead: usize,
}

/// Sends outbox entries to the configured webhooks.
pub struct Deliverer {
    client: reqwest::Client,
    sinks: Vec<WebhookSink>,
    max_attempts: u32,
    first_backoff: Duration,
}

/// The HTTP client for webhooks could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AlertSetupError {
    #[error("cannot set up the webhook client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("[[alert.webhook]] {url}: {message}")]
    Sink { url: String, message: String },
}

impl Deliverer {
    pub fn new(cfg: &Config) -> Result<Deliverer, AlertSetupError> {
        let client = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .user_agent(cfg.fetch_options().user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let sinks = cfg
            .alert
            .webhook
            .iter()
            .map(|w| {
                let sink_err = |message: String| AlertSetupError::Sink {
                    url: redact(&w.url.0),
                    message,
                };
                let secret = match (&w.secret, &w.secret_env) {
                    (Some(s), _) => Some(s.clone().into_bytes()),
                    (None, Some(var)) => Some(
                        std::env::var(var)
                            .map_err(|_| {
                                sink_err(format!(
                                    "the environment variable {var} (secret_env) is not set"
                                ))
                            })?
                            .into_bytes(),
                    ),
                    (None, None) => None,
                };
                let mut headers = reqwest::header::HeaderMap::new();
                for (k, v) in &w.headers {
                    let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                        .map_err(|_| sink_err(format!("{k:?} is not a valid header name")))?;
                    let value = reqwest::header::HeaderValue::from_str(&v.0)
                        .map_err(|_| sink_err(format!("the value of header {k} is not valid")))?;
                    headers.insert(name, value);
                }
                Ok(WebhookSink {
                    name: w.sink_name(),
                    url: w.url.0.clone(),
                    events: w
                        .events
                        .as_ref()
                        .map(|k| k.iter().map(|k| k.0.clone()).collect()),
                    secret,
                    headers,
                    rules: SinkRules {
                        min_class: w.min_class,
                        headline_only: w.headline_only,
                        outlets: w.outlets.clone(),
                        exclude_outlets: w.exclude_outlets.clone(),
                    },
                })
            })
            .collect::<Result<Vec<_>, AlertSetupError>>()?;
        Ok(Deliverer {
            client,
            sinks,
            max_attempts: cfg
                .alert
                .max_attempts
                .map(|p| p.0.min(u32::MAX as u64) as u32)
                .unwrap_or(DEFAULT_MAX_ATTEMPTS),
            first_backoff: cfg
                .alert
                .retry_backoff
                .map(|s| s.0)
                .unwrap_or(FIRST_BACKOFF),
        })
    }

    /// The first retry delay (the daemon retries at least this often).
    pub fn first_backoff(&self) -> Duration {
        self.first_backoff
    }

    /// Names of the sinks that want this event.
    pub fn sinks_for(&self, event: &Event) -> Vec<String> {
        self.sinks
            .iter()
            .filter(|s| {
                s.events
                    .as_ref()
                    .is_none_or(|k| k.iter().any(|k| k == event.kind()))
                    && s.rules.accepts(event)
            })
            .map(|s| s.name.clone())
            .collect()
    }

    /// Try every pending delivery; with `force`, also those whose backoff
    /// has not run out (a manual `check` retries at once).
    pub async fn deliver_pending(
        &self,
        store: &dyn Store,
        force: bool,
    ) -> Result<DeliveryReport, StoreError> {
        let now = Utc::now();
        let pending = store.pending_deliveries(if force { None } else { Some(now) })?;
        let mut report = DeliveryReport::default();
        for (delivery, stored) in pending {
            let Some(sink) = self.sinks.iter().find(|s| s.name == delivery.sink) else {
                report.orphaned += 1;
                continue;
            };
            match self.post(sink, &stored.event).await {
                Ok(()) => {
                    tracing::info!(sink = %redact(&sink.url), id = %stored.event.id(), "event delivered");
                    store.delivery_succeeded(&delivery.sink, delivery.seq)?;
                    report.delivered += 1;
                }
                Err(error) => {
                    let attempts = delivery.attempts + 1;
                    let id = stored.event.id();
                    let next: Option<DateTime<Utc>> = if attempts >= self.max_attempts {
                        tracing::error!(sink = %redact(&sink.url), id = %id, attempts, %error, "event delivery failed; giving up (dead letter: `copydesk alerts --failed`, `copydesk alerts retry ID`)");
                        report.dead += 1;
                        None
                    } else {
                        let key = xxhash_rust::xxh3::xxh3_64(id.as_bytes()) ^ attempts as u64;
                        let wait = backoff(self.first_backoff, attempts, key);
                        tracing::warn!(sink = %redact(&sink.url), id = %id, attempts, %error, retry_in_ms = wait.as_millis() as u64, "event delivery failed; will retry");
                        chrono::Duration::from_std(wait).ok().map(|w| now + w)
                    };
                    store.delivery_failed(&delivery.sink, delivery.seq, &error, next)?;
                    report.failed += 1;
                }
            }
        }
        if report.delivered + report.failed > 0 {
            store.flush()?;
        }
        Ok(report)
    }

    async fn post(&self, sink: &WebhookSink, event: &Event) -> Result<(), String> {
        // Serializing plain data cannot fail; the signature covers exactly
        // these bytes.
        let body = serde_json::to_vec(&event.to_payload()).unwrap_or_default();
        let mut req = self
            .client
            .post(sink.url.clone())
            .headers(sink.headers.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Copydesk-Event", event.kind())
            .header("X-Copydesk-Id", event.id());
        if let Some(key) = &sink.secret {
            req = req.header("X-Copydesk-Signature", signature(key, &body));
        }
        let resp = req
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e.without_url()))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("receiver answered {status}"))
        }
    }
}

/// A webhook URL as it may appear in logs: scheme, host and port only, since
/// chat webhooks carry their secret in the path.
pub fn redact(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{}://{h}:{p}/…", url.scheme()),
        (Some(h), None) => format!("{}://{h}/…", url.scheme()),
        _ => "(webhook)".to_string(),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_path_and_query() {
        let u = url::Url::parse("https://hooks.slack.com/services/T000/B000/XXXXSECRET?token=abc")
            .unwrap();
        let r = redact(&u);
        assert_eq!(r, "https://hooks.slack.com/…");
        assert!(!r.contains("SECRET") && !r.contains("abc"));
    }

    #[test]
    fn signature_is_hmac_sha256() {
        // RFC 4231, test case 2
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let within = |d: Duration, base: Duration| d >= base && d <= base + base / 5;
        for key in [0, 7, 12_345, u64::MAX] {
            assert!(within(backoff(FIRST_BACKOFF, 1, key), FIRST_BACKOFF));
            assert!(within(backoff(FIRST_BACKOFF, 2, key), FIRST_BACKOFF * 2));
            assert!(within(backoff(FIRST_BACKOFF, 3, key), FIRST_BACKOFF * 4));
            assert!(within(backoff(FIRST_BACKOFF, 40, key), MAX_BACKOFF));
        }
        let spread: std::collections::HashSet<_> = (0..20)
            .map(|k| backoff(FIRST_BACKOFF, 1, k * 997))
            .collect();
        assert!(spread.len() > 10, "jitter spreads retries");
    }
}
