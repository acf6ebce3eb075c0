//! The daemon's Prometheus metrics, one registry, rendered as text on
//! `/metrics`.

#![warn(missing_docs)]

use crate::store::{FeedOutcome, Outcome};
use prometheus_client::encoding::{text::encode, EncodeLabelSet};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::{counter::Counter, family::Family, gauge::Gauge};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicI64, Ordering};

/// The label of `copydesk_instance_info`: which daemon this is among
/// those sharing a store ([`crate::store::instance_id`]).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InstanceLabel {
    /// `host:pid`.
    pub instance_id: String,
}

/// The `outcome` label of the families counted by outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    /// One of [`CHECK_OUTCOMES`], [`FEED_OUTCOMES`], [`CONFIRM_RESULTS`], or
    /// `ok` / `failed` for reloads.
    pub outcome: String,
}

/// The `state` label of `copydesk_watches`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    /// A [`WatchState::label`].
    pub state: String,
}

/// The `copydesk_watches{state}` a watch is counted under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchState {
    /// Checked on its schedule, last check good.
    Active,
    /// Checked, and failed since its last good check.
    Failing,
    /// An adaptive watch past its age limit: kept, no longer checked.
    Retired,
    /// A config watch that the config no longer lists.
    Inactive,
}

impl WatchState {
    /// Every state, in the order the gauge family lists them.
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

    /// Its `state` label value.
    pub fn label(self) -> &'static str {
        match self {
            WatchState::Active => "active",
            WatchState::Failing => "failing",
            WatchState::Retired => "retired",
            WatchState::Inactive => "inactive",
        }
    }
}

/// The `outcome` values of `copydesk_checks_total` (the API's spellings of
/// `store::Outcome`).
pub const CHECK_OUTCOMES: &[&str] = &["new_version", "unchanged", "not_modified", "failed"];
/// The `outcome` values of `copydesk_feed_polls_total`.
pub const FEED_OUTCOMES: &[&str] = &["ok", "not_modified", "failed"];
/// The `outcome` values of `copydesk_confirmations_total`.
pub const CONFIRM_RESULTS: &[&str] = &[
    "agreed",
    "noise_dropped",
    "only_noise",
    "unstable",
    "failed",
];

/// The content type of OpenMetrics text.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The content type of the classic Prometheus text format.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether a scraper's `Accept` header asks for OpenMetrics (Prometheus
/// does); anything else, or no header, gets the classic text format that
/// every tool reads.
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|part| {
            let mut it = part.split(';');
            let ty = it.next().unwrap_or("").trim();
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            ty.eq_ignore_ascii_case("application/openmetrics-text") && q > 0.0
        })
    })
}

/// OpenMetrics text to the classic Prometheus text format (0.0.4): a
/// counter's `# HELP`/`# TYPE` name takes its `_total` suffix (its samples
/// have it already), `# UNIT` lines and the `# EOF` trailer go.
pub fn openmetrics_to_classic(text: &str) -> String {
    let counters: std::collections::HashSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((p, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                if counters.contains(name) && !name.ends_with("_total") {
                    out.push_str(&format!("{p}{name}_total {tail}"));
                } else {
                    out.push_str(line);
                }
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Seconds buckets of the check duration histogram (fetch included).
const DURATION_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The daemon's metrics, served on `/metrics` with the `copydesk_` prefix.
pub struct Metrics {
    registry: Registry,
    /// `copydesk_checks_total{outcome}`.
    pub checks: Family<OutcomeLabel, Counter>,
    /// `copydesk_check_duration_seconds`: one check, fetch included.
    pub check_seconds: Histogram,
    /// `copydesk_versions_created_total`.
    pub versions: Counter,
    /// `copydesk_events_pending_delivery`: deliveries waiting in the outbox.
    pub events_pending: Gauge,
    /// `copydesk_deliveries_dead`: deliveries given up after
    /// `[alert] max_attempts`.
    pub deliveries_dead: Gauge,
    /// `copydesk_match_index_articles`.
    pub index_articles: Gauge,
    /// `copydesk_match_index_memory_bytes`: approximate memory of the
    /// postings.
    pub index_bytes: Gauge,
    /// `copydesk_store_bytes`: the store's files on disk.
    pub store_bytes: Gauge,
    /// `copydesk_store_free_bytes`: free space on the store's file system.
    pub store_free_bytes: Gauge,
    /// `copydesk_store_growth_bytes_per_day`: over the last day (0 until an
    /// hour of samples).
    pub store_growth: Gauge<f64, std::sync::atomic::AtomicU64>,
    /// `copydesk_gc_texts_removed_total`: texts of removed watches
    /// collected by the daemon.
    pub gc_texts_removed: Counter,
    /// `copydesk_gc_bytes_removed_total`: their stored size.
    pub gc_bytes_removed: Counter,
    /// `copydesk_gc_seconds_total`: time spent in the daemon's garbage
    /// collection steps and event pruning.
    pub gc_seconds: Counter<f64, std::sync::atomic::AtomicU64>,
    /// `copydesk_events_pruned_total`: events dropped by `[retention]`.
    pub events_pruned: Counter,
    /// `copydesk_gc_sightings_removed_total`: learned-template line
    /// sightings that could no longer make a rule, dropped by the daemon.
    pub gc_sightings_removed: Counter,
    /// `copydesk_watches{state}`.
    pub watches: Family<StateLabel, Gauge>,
    /// `copydesk_due_queue_lag_seconds`: how late the most overdue watch is.
    pub due_lag_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    /// `copydesk_checks_in_flight`.
    pub in_flight: Gauge,
    /// `copydesk_config_reloads_total{outcome}` (`ok`, `failed`).
    pub reloads: Family<OutcomeLabel, Counter>,
    /// `copydesk_feed_polls_total{outcome}`.
    pub feed_polls: Family<OutcomeLabel, Counter>,
    /// `copydesk_confirmations_total{outcome}`: confirmation fetches by
    /// result.
    pub confirmations: Family<OutcomeLabel, Counter>,
    /// `copydesk_articles_discovered_total`: watches added from feed entries.
    pub articles_discovered: Counter,
    /// `copydesk_feed_entries_rejected_total`: entries refused (a private
    /// address on another host, a host that does not resolve).
    pub feed_entries_rejected: Counter,
    /// Connections open on the listener now.
    pub http_connections: Gauge,
    /// Connections closed because the listener was full (or out of file
    /// descriptors).
    pub http_shed: Counter,
    /// Unix time of the scheduler loop's last turn (for /healthz).
    pub last_tick: AtomicI64,
    /// `copydesk_instances_live`: daemons sharing the store, this one
    /// included (registered on a shared store only, see
    /// [`Metrics::register_instance`]).
    pub instances_live: Gauge,
}

impl Metrics {
    /// Every family registered, at zero.
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
        let store_bytes = Gauge::default();
        registry.register(
            "store_bytes",
            "Bytes of the store's files on disk",
            store_bytes.clone(),
        );
        let store_free_bytes = Gauge::default();
        registry.register(
            "store_free_bytes",
            "Bytes free on the store's file system",
            store_free_bytes.clone(),
        );
        let store_growth = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "store_growth_bytes_per_day",
            "Growth of the store over the last day (0 until an hour of samples)",
            store_growth.clone(),
        );
        let gc_texts_removed = Counter::default();
        registry.register(
            "gc_texts_removed",
            "Texts of removed watches collected by the daemon",
            gc_texts_removed.clone(),
        );
        let gc_bytes_removed = Counter::default();
        registry.register(
            "gc_bytes_removed",
            "Stored bytes of the texts collected by the daemon",
            gc_bytes_removed.clone(),
        );
        let gc_seconds = Counter::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "gc_seconds",
            "Seconds spent in the daemon's garbage collection and event pruning",
            gc_seconds.clone(),
        );
        let events_pruned = Counter::default();
        registry.register(
            "events_pruned",
            "Events dropped from the log by [retention] limits",
            events_pruned.clone(),
        );
        let gc_sightings_removed = Counter::default();
        registry.register(
            "gc_sightings_removed",
            "Learned-template line sightings that could no longer make a rule, dropped by the daemon",
            gc_sightings_removed.clone(),
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
        // Every known label value from the start, at 0: a series that
        // appears only at its first increment breaks rate() and absent().
        let zero = |family: &Family<OutcomeLabel, Counter>, values: &[&str]| {
            for v in values {
                let _created = family.get_or_create(&OutcomeLabel {
                    outcome: (*v).to_string(),
                });
            }
        };
        zero(&checks, CHECK_OUTCOMES);
        zero(&reloads, &["ok", "failed"]);
        zero(&feed_polls, FEED_OUTCOMES);
        zero(&confirmations, CONFIRM_RESULTS);
        for state in WatchState::ALL {
            let _created = watches.get_or_create(&StateLabel {
                state: state.label().into(),
            });
        }
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
            store_bytes,
            store_free_bytes,
            store_growth,
            gc_texts_removed,
            gc_bytes_removed,
            gc_seconds,
            events_pruned,
            gc_sightings_removed,
            watches,
            due_lag_seconds,
            in_flight,
            reloads,
            confirmations,
            last_tick: AtomicI64::new(0),
            instances_live: Gauge::default(),
        }
    }

    /// On a store several daemons share: `copydesk_instance_info{instance_id}`
    /// (always 1: joins this daemon's series to its name) and
    /// `copydesk_instances_live`. Not registered on a store held by one
    /// process, whose metrics stay as they were.
    pub fn register_instance(&mut self, instance_id: &str) {
        let info = Family::<InstanceLabel, Gauge>::default();
        info.get_or_create(&InstanceLabel {
            instance_id: instance_id.to_string(),
        })
        .set(1);
        self.registry.register(
            "instance_info",
            "This daemon among those sharing the store (host:pid); always 1",
            info,
        );
        self.instances_live.set(1);
        self.registry.register(
            "instances_live",
            "Daemons sharing the store whose heartbeat is younger than [storage] lease",
            self.instances_live.clone(),
        );
    }

    /// Count a finished check under its outcome and time it.
    pub fn record_check(&self, outcome: Outcome, seconds: f64) {
        let outcome = crate::core::wire::name(&outcome);
        if outcome == "new_version" {
            self.versions.inc();
        }
        self.checks.get_or_create(&OutcomeLabel { outcome }).inc();
        self.check_seconds.observe(seconds);
    }

    /// A check's confirmation fetch, if it made one.
    pub fn record_confirmation(&self, result: Option<crate::store::ConfirmResult>) {
        let Some(result) = result else { return };
        let outcome = crate::core::wire::name(&result);
        self.confirmations
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// Count a feed poll under its outcome, with the watches it added and
    /// the entries it refused.
    pub fn record_feed_poll(&self, outcome: FeedOutcome, added: usize, rejected: usize) {
        let outcome = crate::core::wire::name(&outcome);
        self.feed_polls
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
        self.articles_discovered.inc_by(added as u64);
        self.feed_entries_rejected.inc_by(rejected as u64);
    }

    /// Set the `copydesk_watches{state}` gauges from the store's watches
    /// (`is_active`: still in the config, or added by the CLI or a feed).
    pub fn count_watches(
        &self,
        watches: &[crate::store::Watch],
        is_active: impl Fn(&crate::store::Watch) -> bool,
    ) {
        let mut counts = [0usize; WatchState::ALL.len()];
        for w in watches {
            let state = if is_active(w) {
                WatchState::of_checked(w.retired, w.consecutive_failures > 0)
            } else {
                WatchState::Inactive
            };
            counts[state as usize] += 1;
        }
        for state in WatchState::ALL {
            self.set_watches(state, counts[state as usize]);
        }
    }

    /// Set the number of watches in `state`.
    pub fn set_watches(&self, state: WatchState, n: usize) {
        self.watches
            .get_or_create(&StateLabel {
                state: state.label().into(),
            })
            .set(n as i64);
    }

    /// Note that the scheduler loop turned now (`/healthz` reports a loop
    /// that stopped turning).
    pub fn tick(&self) {
        self.last_tick
            .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    }

    /// Seconds since the scheduler loop last turned.
    pub fn since_tick(&self) -> i64 {
        chrono::Utc::now().timestamp() - self.last_tick.load(Ordering::Relaxed)
    }

    /// All metrics in the format `Accept` asks for, with its content type.
    pub fn render_for(&self, accept: Option<&str>) -> (&'static str, String) {
        if wants_openmetrics(accept) {
            (OPENMETRICS, self.render())
        } else {
            (PROMETHEUS_TEXT, openmetrics_to_classic(&self.render()))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_chooses_the_format() {
        assert!(wants_openmetrics(Some(
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        )));
        assert!(!wants_openmetrics(Some("text/plain;version=0.0.4")));
        assert!(!wants_openmetrics(Some("application/openmetrics-text;q=0")));
        assert!(!wants_openmetrics(None));
    }

    #[test]
    fn classic_text_names_counters_with_total_and_has_no_eof() {
        let m = Metrics::new();
        let classic = openmetrics_to_classic(&m.render());
        assert!(
            classic.contains("# TYPE copydesk_checks_total counter\n"),
            "{classic}"
        );
        assert!(classic.contains("# HELP copydesk_checks_total Checks by outcome"));
        assert!(classic.contains("copydesk_checks_total{outcome=\"failed\"} 0\n"));
        assert!(classic.contains("# TYPE copydesk_watches gauge\n"));
        assert!(!classic.contains("# EOF") && !classic.contains("# UNIT"));
    }
}
