//! The daemon's Prometheus metrics, one registry, rendered as text on
//! `/metrics`.

use crate::store::{FeedOutcome, Outcome};
use prometheus_client::encoding::{text::encode, EncodeLabelSet};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::{counter::Counter, family::Family, gauge::Gauge};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    pub state: String,
}

/// The `copydesk_watches{state}` a watch is counted under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchState {
    Active,
    Failing,
    Retired,
    /// A config watch that the config no longer lists.
    Inactive,
}

impl WatchState {
    pub const ALL: [WatchState; 4] = [
        WatchState::Active,
        WatchState::Failing,
        WatchState::Retired,
        WatchState::Inactive,
    ];

    /// The state of a watch that is checked.
    pub fn of_checked(retired: bool, failing: bool) -> WatchState {
        if retired {
            WatchState::Retired
        } else if failing {
            WatchState::Failing
        } else {
            WatchState::Active
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WatchState::Active => "active",
            WatchState::Failing => "failing",
            WatchState::Retired => "retired",
            WatchState::Inactive => "inactive",
        }
    }
}

/// Seconds buckets of the check duration histogram (fetch included).
const DURATION_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

pub struct Metrics {
    registry: Registry,
    pub checks: Family<OutcomeLabel, Counter>,
    pub check_seconds: Histogram,
    pub versions: Counter,
    pub events_pending: Gauge,
    pub deliveries_dead: Gauge,
    pub index_articles: Gauge,
    pub index_bytes: Gauge,
    pub watches: Family<StateLabel, Gauge>,
    pub due_lag_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub in_flight: Gauge,
    pub reloads: Family<OutcomeLabel, Counter>,
    pub feed_polls: Family<OutcomeLabel, Counter>,
    pub confirmations: Family<OutcomeLabel, Counter>,
    pub articles_discovered: Counter,
    pub feed_entries_rejected: Counter,
    /// Connections open on the listener now.
    pub http_connections: Gauge,
    /// Connections closed because the listener was full (or out of file
    /// descriptors).
    pub http_shed: Counter,
    /// Unix time of the scheduler loop's last turn (for /healthz).
    pub last_tick: AtomicI64,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("copydesk");
        let checks = Family::<OutcomeLabel, Counter>::default();
        registry.register("checks", "Checks by outcome", checks.clone());
        let check_seconds = Histogram::new(DURATION_BUCKETS);
        registry.register(
            "check_duration_seconds",
            "Time of one check, fetch included",
            check_seconds.clone(),
        );
        let versions = Counter::default();
        registry.register("versions_created", "New versions stored", versions.clone());
        let events_pending = Gauge::default();
        registry.register(
            "events_pending_delivery",
            "Event deliveries waiting in the outbox",
            events_pending.clone(),
        );
        let deliveries_dead = Gauge::default();
        registry.register(
            "deliveries_dead",
            "Deliveries given up after [alert] max_attempts (copydesk alerts --failed)",
            deliveries_dead.clone(),
        );
        let index_articles = Gauge::default();
        registry.register(
            "match_index_articles",
            "Articles in the republication index",
            index_articles.clone(),
        );
        let index_bytes = Gauge::default();
        registry.register(
            "match_index_memory_bytes",
            "Approximate memory held by the republication postings",
            index_bytes.clone(),
        );
        let watches = Family::<StateLabel, Gauge>::default();
        registry.register(
            "watches",
            "Watches by state (active, failing, retired, inactive)",
            watches.clone(),
        );
        let due_lag_seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "due_queue_lag_seconds",
            "How late the most overdue watch is",
            due_lag_seconds.clone(),
        );
        let in_flight = Gauge::default();
        registry.register("checks_in_flight", "Checks running now", in_flight.clone());
        let reloads = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "config_reloads",
            "Config reloads by outcome (ok, failed)",
            reloads.clone(),
        );
        let confirmations = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "confirmations",
            "Confirmation fetches of changed pages, by result (agreed, noise_dropped, only_noise, unstable, failed)",
            confirmations.clone(),
        );
        let feed_polls = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "feed_polls",
            "Feed polls by outcome (ok, not_modified, failed)",
            feed_polls.clone(),
        );
        let articles_discovered = Counter::default();
        registry.register(
            "articles_discovered",
            "Watches added from feed entries",
            articles_discovered.clone(),
        );
        let feed_entries_rejected = Counter::default();
        registry.register(
            "feed_entries_rejected",
            "Feed entries refused (private address on another host, unresolvable host)",
            feed_entries_rejected.clone(),
        );
        let http_connections = Gauge::default();
        registry.register(
            "http_connections",
            "Connections open on the web listener",
            http_connections.clone(),
        );
        let http_shed = Counter::default();
        registry.register(
            "http_connections_shed",
            "Connections closed because the listener was at its cap or out of file descriptors",
            http_shed.clone(),
        );
        Metrics {
            registry,
            http_connections,
            http_shed,
            feed_polls,
            articles_discovered,
            feed_entries_rejected,
            checks,
            check_seconds,
            versions,
            events_pending,
            deliveries_dead,
            index_articles,
            index_bytes,
            watches,
            due_lag_seconds,
            in_flight,
            reloads,
            confirmations,
            last_tick: AtomicI64::new(0),
        }
    }

    pub fn record_check(&self, outcome: Outcome, seconds: f64) {
        let outcome = serde_json::to_value(outcome)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| "unknown".into());
        if outcome == "new_version" {
            self.versions.inc();
        }
        self.checks.get_or_create(&OutcomeLabel { outcome }).inc();
        self.check_seconds.observe(seconds);
    }

    /// A check's confirmation fetch, if it made one.
    pub fn record_confirmation(&self, result: Option<crate::store::ConfirmResult>) {
        let Some(result) = result else { return };
        let outcome = serde_json::to_value(result)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| "unknown".into());
        self.confirmations
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    pub fn record_feed_poll(&self, outcome: FeedOutcome, added: usize, rejected: usize) {
        let outcome = serde_json::to_value(outcome)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| "unknown".into());
        self.feed_polls
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
        self.articles_discovered.inc_by(added as u64);
        self.feed_entries_rejected.inc_by(rejected as u64);
    }

    pub fn set_watches(&self, state: WatchState, n: usize) {
        self.watches
            .get_or_create(&StateLabel {
                state: state.label().into(),
            })
            .set(n as i64);
    }

    pub fn tick(&self) {
        self.last_tick
            .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    }

    /// Seconds since the scheduler loop last turned.
    pub fn since_tick(&self) -> i64 {
        chrono::Utc::now().timestamp() - self.last_tick.load(Ordering::Relaxed)
    }

    /// The OpenMetrics text of all metrics.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // writing into a String cannot fail
        let _ = encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
