//! Alert delivery: events wait in the store's outbox, one entry per sink,
//! until the sink takes them. Nothing is lost: a failed delivery stays in
//! the outbox with its error and is retried after a jittered exponential
//! backoff (at once by a manual `check`), until `[alert] max_attempts` makes
//! it a dead letter. A digest sink takes everything due once its oldest
//! entry is a period old, as one message; a rate-limited sink leaves what is
//! over its limit waiting (the send times are kept in the store).
//!
//! Sinks, one module each, each with a pure formatting function: [`webhook`],
//! [`slack`], [`discord`], [`ntfy`], [`email`], [`command`], [`log`]; the
//! readable text they share is in [`format`], the rules in [`rules`].

pub mod command;
pub mod discord;
pub mod email;
pub mod format;
mod http;
pub mod log;
pub mod ntfy;
pub mod rules;
mod sinks;
pub mod slack;
pub mod webhook;

pub use rules::SinkRules;
pub use webhook::signature;

use crate::clock::Clock;
use crate::config::{Config, RateLimit};
use crate::core::event::Event;
use crate::store::{blocking, Delivery, Store, StoreError, StoredEvent};
use chrono::{DateTime, Utc};
pub use sinks::display_sink;
use sinks::Sink;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Deadline for one HTTP delivery.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// First retry delay; doubles per failed attempt up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(30);
/// Longest wait between two attempts of a delivery.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Attempts before a delivery is a dead letter: with the default backoff,
/// about 9 hours of trying.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;
/// Events in one digest message at most; more go in the next one.
pub const DIGEST_MAX_EVENTS: usize = 500;

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

/// What one message to a sink carries.
#[derive(Debug, Clone, Copy)]
pub enum Alert<'a> {
    /// One event, one message.
    One(&'a Event),
    /// Several events summarized in one message (digest mode).
    Digest(&'a [Event]),
}

impl Alert<'_> {
    /// `edit`, `republication`, ... or `digest`.
    pub fn kind(&self) -> &'static str {
        match self {
            Alert::One(e) => e.kind(),
            Alert::Digest(_) => "digest",
        }
    }
}

/// Why a sink did not take a message (stored as the delivery's last error;
/// never carries a secret or a full URL).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The HTTP request got no answer (connection, TLS, ...).
    #[error("request failed: {0}")]
    Http(String),
    /// The receiver answered with a status other than 2xx.
    #[error("receiver answered {0}")]
    Status(String),
    /// The SMTP server refused or could not be reached.
    #[error("SMTP: {0}")]
    Smtp(String),
    /// A command sink's program failed.
    #[error("command {program}: {message}")]
    Command {
        /// The program, as configured.
        program: String,
        /// Why: could not start, its exit status and stderr.
        message: String,
    },
    /// A delivery ran past its deadline.
    #[error("{what} timed out after {after:?}")]
    Timeout {
        /// What timed out.
        what: String,
        /// The deadline it had.
        after: Duration,
    },
    /// The sink's config cannot make this message (a token that is not a
    /// valid header value, ...).
    #[error("{0}")]
    Config(String),
}

/// A sink could not be set up from the config.
#[derive(Debug, thiserror::Error)]
pub enum AlertSetupError {
    /// The shared HTTP client could not be built.
    #[error("cannot set up the webhook client: {0}")]
    Client(#[from] reqwest::Error),
    /// One sink's table cannot be used.
    #[error("[[alert.{kind}]] {sink}: {message}")]
    Sink {
        /// Its kind (`webhook`, `email`, ...).
        kind: &'static str,
        /// Its name as shown (without secrets).
        sink: String,
        /// What is wrong.
        message: String,
    },
}

/// What a delivery round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryReport {
    /// Deliveries completed (each event of a digest counts).
    pub delivered: usize,
    /// Deliveries that failed in this round (each event of a digest
    /// counts), the dead ones included.
    pub failed: usize,
    /// Entries for sinks that are no longer in the config (kept, not sent).
    pub orphaned: usize,
    /// Deliveries that failed for the last allowed time in this round.
    pub dead: usize,
    /// Due entries left waiting: a digest period not over, a rate limit hit.
    pub deferred: usize,
}

/// Sends outbox entries to the configured sinks.
pub struct Deliverer {
    client: reqwest::Client,
    /// When entries are due, digests ready and rate windows over.
    clock: Arc<dyn Clock>,
    sinks: Vec<Sink>,
    max_attempts: u32,
    first_backoff: Duration,
}

impl Deliverer {
    /// The sinks of `cfg`, on the real time.
    pub fn new(cfg: &Config) -> Result<Deliverer, AlertSetupError> {
        Deliverer::with_clock(cfg, crate::clock::system())
    }

    /// [`Deliverer::new`] reading the time from `clock`.
    pub fn with_clock(cfg: &Config, clock: Arc<dyn Clock>) -> Result<Deliverer, AlertSetupError> {
        let opts = cfg.fetch_options();
        let mut builder = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .user_agent(opts.user_agent)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(roots) = &opts.extra_roots {
            builder = builder.tls_certs_merge(roots.reqwest_certs());
        }
        let client = builder.build()?;
        let a = &cfg.alert;
        let sinks = sinks::build(a, opts.extra_roots.as_ref())?;
        Ok(Deliverer {
            client,
            clock,
            sinks,
            max_attempts: a
                .max_attempts
                .map(|p| p.0.min(u32::MAX as u64) as u32)
                .unwrap_or(DEFAULT_MAX_ATTEMPTS),
            first_backoff: a.retry_backoff.map(|s| s.0).unwrap_or(FIRST_BACKOFF),
        })
    }

    /// The first retry delay (the daemon retries at least this often).
    pub fn first_backoff(&self) -> Duration {
        self.first_backoff
    }

    /// How often a daemon should run delivery rounds for these sinks: the
    /// first backoff, or sooner for short digest periods and rate windows.
    pub fn round_interval(&self) -> Duration {
        self.sinks
            .iter()
            .flat_map(|s| [s.digest, s.rate_limit.map(|r| r.per)])
            .flatten()
            .fold(self.first_backoff, Duration::min)
    }

    /// Names of the sinks that want this event about a watch with this
    /// label.
    pub fn sinks_for(&self, event: &Event, label: Option<&str>) -> Vec<String> {
        self.sinks
            .iter()
            .filter(|s| s.rules.accepts(event, label))
            .map(|s| s.name.clone())
            .collect()
    }

    /// Try every pending delivery; with `force`, also those whose backoff
    /// has not run out (a manual `check` retries at once). Digest periods
    /// and rate limits hold even then.
    /// Store calls run in tokio's blocking pool ([`blocking`]).
    pub async fn deliver_pending(
        &self,
        store: &Arc<dyn Store>,
        force: bool,
    ) -> Result<DeliveryReport, StoreError> {
        let now = self.clock.now();
        let due = if force { None } else { Some(now) };
        let pending = blocking(store, move |s| s.lease_deliveries(due)).await?;
        let mut by_sink: BTreeMap<String, Vec<(Delivery, StoredEvent)>> = BTreeMap::new();
        for (d, e) in pending {
            by_sink.entry(d.sink.clone()).or_default().push((d, e));
        }
        let mut report = DeliveryReport::default();
        // Sinks are served side by side (a slow SMTP server or command does
        // not hold up the webhooks); each sink's entries in order.
        let mut rounds = Vec::new();
        for (name, entries) in by_sink {
            let Some(sink) = self.sinks.iter().find(|s| s.name == name) else {
                report.orphaned += entries.len();
                continue;
            };
            rounds.push(async move {
                let mut r = DeliveryReport::default();
                self.deliver_to(store, sink, entries, now, &mut r)
                    .await
                    .map(|()| r)
            });
        }
        for r in futures_util::future::join_all(rounds).await {
            let r = r?;
            report.delivered += r.delivered;
            report.failed += r.failed;
            report.dead += r.dead;
            report.deferred += r.deferred;
        }
        if report.delivered + report.failed > 0 {
            blocking(store, |s| s.flush()).await?;
        }
        Ok(report)
    }

    async fn deliver_to(
        &self,
        store: &Arc<dyn Store>,
        sink: &Sink,
        mut entries: Vec<(Delivery, StoredEvent)>,
        now: DateTime<Utc>,
        report: &mut DeliveryReport,
    ) -> Result<(), StoreError> {
        let mut sent = match sink.rate_limit {
            Some(_) => {
                let name = sink.name.clone();
                blocking(store, move |s| load_sent(s, &name)).await?
            }
            None => Vec::new(),
        };
        let mut budget = sink
            .rate_limit
            .map(|r| allowance(&mut sent, now, r))
            .unwrap_or(usize::MAX);
        let batches: Vec<Vec<(Delivery, StoredEvent)>> = match sink.digest {
            Some(period) => {
                let oldest = entries.iter().map(|(_, e)| e.created_at).min();
                let ready = oldest.is_some_and(|t| {
                    chrono::Duration::from_std(period).is_ok_and(|p| t + p <= now)
                });
                if !ready {
                    report.deferred += entries.len();
                    return Ok(());
                }
                let mut v = Vec::new();
                while !entries.is_empty() {
                    let rest = entries.split_off(entries.len().min(DIGEST_MAX_EVENTS));
                    v.push(std::mem::replace(&mut entries, rest));
                }
                v
            }
            None => entries.into_iter().map(|e| vec![e]).collect(),
        };
        let mut changed = false;
        for (i, batch) in batches.iter().enumerate() {
            if budget == 0 {
                let waiting: usize = batches[i..].iter().map(Vec::len).sum();
                tracing::debug!(sink = %sink.shown, waiting, "rate limit reached; the rest waits in the outbox");
                report.deferred += waiting;
                break;
            }
            budget -= 1;
            let events: Vec<Event> = batch.iter().map(|(_, e)| e.event.clone()).collect();
            let alert = if sink.digest.is_some() {
                Alert::Digest(&events)
            } else {
                Alert::One(&events[0])
            };
            let result = self.send(sink, &alert).await;
            if sink.rate_limit.is_some() {
                sent.push(now.timestamp_millis());
                changed = true;
            }
            let id = match alert {
                Alert::One(e) => e.id().to_string(),
                Alert::Digest(ev) => format::digest_id(ev),
            };
            match result {
                Ok(()) => {
                    tracing::info!(sink = %sink.shown, id = %id, events = batch.len(), "alert delivered");
                    let done: Vec<(String, u64)> =
                        batch.iter().map(|(d, _)| (d.sink.clone(), d.seq)).collect();
                    blocking(store, move |s| {
                        done.iter()
                            .try_for_each(|(sink, seq)| s.delivery_succeeded(sink, *seq))
                    })
                    .await?;
                    report.delivered += batch.len();
                }
                Err(error) => {
                    // One retry time for the whole batch, so that a failed
                    // digest is retried as one message.
                    let attempts = batch.iter().map(|(d, _)| d.attempts + 1).max().unwrap_or(1);
                    let next = self.retry_at(sink, &id, attempts, &error, now);
                    let mut failed = Vec::new();
                    for (d, e) in batch {
                        let next = if d.attempts + 1 >= self.max_attempts {
                            tracing::error!(sink = %sink.shown, id = %e.event.id(), attempts = d.attempts + 1, %error, "alert delivery failed; giving up (dead letter: `copydesk alerts --failed`, `copydesk alerts retry ID`)");
                            report.dead += 1;
                            None
                        } else {
                            next
                        };
                        failed.push((d.sink.clone(), d.seq, next));
                    }
                    let error = error.to_string();
                    blocking(store, move |s| {
                        failed.iter().try_for_each(|(sink, seq, next)| {
                            s.delivery_failed(sink, *seq, &error, *next)
                        })
                    })
                    .await?;
                    report.failed += batch.len();
                }
            }
        }
        if changed {
            let (name, state) = (
                sink.name.clone(),
                serde_json::to_vec(&sent).unwrap_or_default(),
            );
            blocking(store, move |s| s.set_sink_state(&name, &state)).await?;
        }
        Ok(())
    }

    /// When a message (`id`) that failed for the `attempts`-th time may be
    /// tried again; logged unless this was the last attempt.
    fn retry_at(
        &self,
        sink: &Sink,
        id: &str,
        attempts: u32,
        error: &SendError,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let key = xxhash_rust::xxh3::xxh3_64(id.as_bytes()) ^ attempts as u64;
        let wait = backoff(self.first_backoff, attempts, key);
        if attempts < self.max_attempts {
            tracing::warn!(sink = %sink.shown, id = %id, attempts, %error, retry_in_ms = wait.as_millis() as u64, "alert delivery failed; will retry");
        }
        chrono::Duration::from_std(wait).ok().map(|w| now + w)
    }

    async fn send(&self, sink: &Sink, alert: &Alert<'_>) -> Result<(), SendError> {
        sink.target.deliver(&self.client, *alert).await
    }
}

/// The send times (ms) a rate-limited sink has stored.
fn load_sent(store: &dyn Store, sink: &str) -> Result<Vec<i64>, StoreError> {
    Ok(store
        .sink_state(sink)?
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default())
}

/// Messages a sink may still send at `now` under `limit`, given the send
/// times (ms) in `sent`; drops the times that are out of the window.
pub fn allowance(sent: &mut Vec<i64>, now: DateTime<Utc>, limit: RateLimit) -> usize {
    let window = limit.per.as_millis().min(i64::MAX as u128) as i64;
    let from = now.timestamp_millis().saturating_sub(window);
    sent.retain(|&t| t > from);
    (limit.count as usize).saturating_sub(sent.len())
}

/// A URL as it may appear in logs: scheme, host and port only, since
/// chat webhooks carry their secret in the path.
pub fn redact(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{}://{h}:{p}/…", url.scheme()),
        (Some(h), None) => format!("{}://{h}/…", url.scheme()),
        _ => "(webhook)".to_string(),
    }
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
    fn sink_names_are_shown_without_secrets() {
        assert_eq!(
            display_sink("slack:https://hooks.slack.com/services/T0/B0/SECRET"),
            "slack https://hooks.slack.com/…"
        );
        assert_eq!(
            display_sink("ntfy:https://ntfy.sh/#private-topic"),
            "ntfy https://ntfy.sh/…"
        );
        assert_eq!(
            display_sink("command:/usr/bin/notify --token abc"),
            "command /usr/bin/notify"
        );
        assert_eq!(
            display_sink("email:smtp.example:desk@example.org"),
            "email desk@example.org"
        );
        assert_eq!(display_sink("log"), "log");
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

    #[test]
    fn the_rate_limit_window_slides() {
        let limit = RateLimit {
            count: 2,
            per: Duration::from_secs(60),
        };
        let now = Utc::now();
        let ms = now.timestamp_millis();
        let mut sent = vec![];
        assert_eq!(allowance(&mut sent, now, limit), 2);
        let mut sent = vec![ms - 1_000, ms - 2_000];
        assert_eq!(allowance(&mut sent, now, limit), 0);
        let mut sent = vec![ms - 61_000, ms - 2_000];
        assert_eq!(allowance(&mut sent, now, limit), 1);
        assert_eq!(sent, vec![ms - 2_000], "old sends forgotten");
    }

    /// A store with `n` edit events written `age` ago, queued for the
    /// sinks of `config`.
    fn outbox_with(
        config: &str,
        n: u32,
        age: chrono::Duration,
    ) -> (tempfile::TempDir, Arc<dyn Store>, Deliverer) {
        use crate::store::{CheckCommit, CheckRecord, NewWatch, Outcome, WatchSource};
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config::parse(config, &dir.path().join("c.toml")).unwrap();
        let storage = crate::config::StorageConfig {
            path: dir.path().join("db"),
            cache_mb: 8,
            ..Default::default()
        };
        let store = crate::store::open(&storage, cfg.url_rules()).unwrap();
        let d = Deliverer::new(&cfg).unwrap();
        let w = store
            .upsert_watch(NewWatch {
                url: "https://news.example/story".into(),
                label: None,
                schedule: None,
                source: WatchSource::Cli,
            })
            .unwrap();
        for i in 0..n {
            let mut event = format::tests::edit("T", crate::core::diff::ChangeClass::Minor, "");
            if let Event::Edit(e) = &mut event {
                e.id = format!("edit-{i}");
            }
            let sinks = d.sinks_for(&event, None);
            store
                .commit_check(CheckCommit {
                    watch: w.clone(),
                    record: CheckRecord {
                        at: Utc::now() - age,
                        outcome: Outcome::Unchanged,
                        http_status: Some(200),
                        failure: None,
                        reason: None,
                        version: None,
                        duration_ms: 1,
                        final_url: None,
                        confirmation: None,
                    },
                    version: None,
                    events: vec![(event, sinks)],
                })
                .unwrap();
        }
        (dir, store, d)
    }

    #[tokio::test]
    async fn a_digest_waits_for_its_period_then_goes_whole() {
        let cfg = "[[alert.log]]\ndigest = \"1h\"\n";
        let (_dir, store, d) = outbox_with(cfg, 3, chrono::Duration::minutes(5));
        let r = d.deliver_pending(&store, true).await.unwrap();
        assert_eq!((r.delivered, r.deferred), (0, 3), "{r:?}");
        let (_dir, store, d) = outbox_with(cfg, 3, chrono::Duration::minutes(61));
        let r = d.deliver_pending(&store, false).await.unwrap();
        assert_eq!((r.delivered, r.deferred), (3, 0), "{r:?}");
        assert!(store.outbox().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failed_digest_is_retried_whole_and_a_rate_limit_defers() {
        let cfg = "[alert]\nmax_attempts = 2\n\n[[alert.command]]\nprogram = \"false\"\ndigest = \"1s\"\n";
        let (_dir, store, d) = outbox_with(cfg, 2, chrono::Duration::seconds(5));
        let r = d.deliver_pending(&store, true).await.unwrap();
        assert_eq!((r.failed, r.delivered), (2, 0), "{r:?}");
        let rows = store.outbox().unwrap();
        assert!(rows.iter().all(|(d, _)| d.attempts == 1 && !d.dead));
        assert!(
            rows.windows(2)
                .all(|w| w[0].0.next_attempt == w[1].0.next_attempt),
            "one retry time for the digest"
        );
        let r = d.deliver_pending(&store, true).await.unwrap();
        assert_eq!((r.failed, r.dead), (2, 2), "both dead together: {r:?}");

        let cfg = "[[alert.log]]\nrate_limit = \"2/h\"\n";
        let (_dir, store, d) = outbox_with(cfg, 3, chrono::Duration::zero());
        let r = d.deliver_pending(&store, true).await.unwrap();
        assert_eq!((r.delivered, r.deferred, r.failed), (2, 1, 0), "{r:?}");
        let left = store.outbox().unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].0.attempts, 0, "waiting is not an attempt");
        let r = d.deliver_pending(&store, true).await.unwrap();
        assert_eq!(
            (r.delivered, r.deferred),
            (0, 1),
            "the window is stored: {r:?}"
        );
    }
}
