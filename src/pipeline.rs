//! One check pass over the watches: fetch, extract, normalize, version, diff,
//! events. `copydesk check` runs one pass; the daemon runs it per watch
//! as each falls due. Feed discovery (polling `[[feed]]`s for new article
//! URLs) is in [`discover`].

mod check;
pub mod discover;
mod identity;
mod liveness;
mod page;
mod sitemaps;
mod versioning;

use crate::alert::{Deliverer, DeliveryReport};
use crate::clock::Clock;
use crate::config::Config;
use crate::core::cadence::{self, Adaptive, Plan, ScheduleSpec, Timing};
use crate::core::event::Event;
use crate::core::extract::OutletRules;
use crate::core::liveness::Sighting;
use crate::core::outlet::OutletMap;
use crate::fetch::{ExemptOrigins, Fetcher};
use crate::republish::Matcher;
use crate::store::{
    CheckRecord, Failure, NewVersion, NewWatch, Outcome, Store, StoreError, Watch, WatchSource,
};
use check::{failed_record, record, watch_version};
use chrono::Utc;
use futures_util::stream::{self, StreamExt};
use std::collections::HashSet;
use std::sync::Arc;
use url::Url;

/// Context lines of unchanged paragraphs around each change in event diffs.
pub const DIFF_CONTEXT: usize = 1;

/// A pass could not run.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The store failed (a check's commit, a config sync).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchSetupError),
    /// A sink could not be set up (a missing secret, a bad CA file).
    #[error(transparent)]
    Alert(#[from] crate::alert::AlertSetupError),
    /// A check task panicked or was cancelled.
    #[error("a check task failed: {0}")]
    Task(String),
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckSummary {
    /// Watches checked (a watch removed while it was fetched is not counted).
    pub checked: usize,
    /// Checks that stored a new version (a first version included).
    pub new_versions: usize,
    /// Checks that found the same text, or a 304.
    pub unchanged: usize,
    /// Checks that failed (see each watch's `last_check`).
    pub failed: usize,
    /// Events queued: edits and republications.
    pub events: usize,
    /// Deliveries that reached their sink at the end of the pass.
    pub delivered: usize,
    /// Deliveries that failed at the end of the pass (kept and retried).
    pub delivery_failures: usize,
    /// Feeds polled before the watches were checked.
    pub feeds_polled: usize,
    /// Of those, the polls that failed (see `copydesk feeds`).
    pub feeds_failed: usize,
    /// Watches added from feed entries.
    pub discovered: usize,
}

/// What one check of one watch did.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// How the check ended.
    pub outcome: Outcome,
    /// Events created (edit events of a new version).
    pub events: usize,
    /// When the watch is due next; `None` when it was retired.
    pub next_due: Option<chrono::DateTime<Utc>>,
    /// Wall time of the check, fetch included.
    pub duration: std::time::Duration,
    /// Whether the watch has failed since its last good check.
    pub failing: bool,
    /// How the confirmation fetch went, when the check made one.
    pub confirmation: Option<crate::store::ConfirmResult>,
    /// Why the check failed (kind and readable reason), when it did.
    pub failure: Option<(Failure, String)>,
    /// The watch's URL after the check: another one when its page named
    /// its canonical URL and the watch followed it (or merged into the
    /// watch that has it).
    pub url: String,
}

/// Everything a pass needs; cheap to share.
pub struct Pipeline {
    store: Arc<dyn Store>,
    /// When watches are due and checks happen (see [`crate::clock`]).
    clock: Arc<dyn Clock>,
    fetcher: Fetcher,
    deliverer: Arc<Deliverer>,
    outlets: Arc<OutletMap>,
    matcher: Arc<Matcher>,
    rules: Vec<Arc<OutletRules>>,
    default_rules: Arc<OutletRules>,
    default_schedule: ScheduleSpec,
    adaptive: Adaptive,
    concurrency: usize,
    /// Canonical URLs of the config's watches.
    config_urls: HashSet<String>,
    /// How URLs are canonicalized (`[fetch] strip_params`).
    url_rules: crate::core::url::UrlRules,
    /// `[matching]` thresholds: two watches merge only when their texts
    /// are a whole copy of each other.
    thresholds: crate::core::matching::Thresholds,
    feed_urls: HashSet<String>,
    /// `[check] confirm_delay` when confirmation is on.
    confirm_delay: Option<std::time::Duration>,
    /// `[check] learn`.
    learn: bool,
    /// `[check] removed_after`.
    removed_after: u32,
    /// `[fetch] robots`.
    robots: crate::core::robots::RobotsPolicy,
    /// `[[watch]] robots` by the watch's canonical URL.
    robots_overrides: std::collections::HashMap<String, bool>,
}

/// What one fetched page made: the check's record, a version to store,
/// its events, the sighting of the article, and the page's headline.
struct Processed {
    record: CheckRecord,
    version: Option<NewVersion>,
    events: Vec<(Event, Vec<String>)>,
    sighting: Sighting,
    title: Option<String>,
    /// A URL the watch takes without a `moved` event (its address always
    /// redirected there permanently).
    quiet_follow: Option<String>,
}

impl Processed {
    fn of(record: CheckRecord, sighting: Sighting) -> Processed {
        Processed {
            record,
            version: None,
            events: Vec::new(),
            sighting,
            title: None,
            quiet_follow: None,
        }
    }
}

impl Pipeline {
    /// The pipeline of `cfg` on the real time; syncs the config's
    /// `[[watch]]` and `[[feed]]` lists into the store (a write only for an
    /// entry that changed).
    pub fn new(cfg: &Config, store: Arc<dyn Store>) -> Result<Pipeline, PipelineError> {
        Pipeline::with_clock(cfg, store, crate::clock::system())
    }

    /// [`Pipeline::new`] reading the time from `clock`.
    pub fn with_clock(
        cfg: &Config,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Pipeline, PipelineError> {
        Ok(Pipeline {
            // articles found through a feed are fetched from public
            // addresses only, except on a configured feed's own host:port
            fetcher: Fetcher::with_exempt(
                cfg.fetch_options(),
                ExemptOrigins::from_urls(cfg.discovery().map(|f| &f.url.0)),
            )?,
            deliverer: Arc::new(Deliverer::with_clock(cfg, clock.clone())?),
            clock,
            outlets: Arc::new(cfg.outlet_map()),
            matcher: Arc::new(Matcher::new(
                cfg.matching.thresholds(),
                cfg.matching.enabled(),
            )),
            rules: cfg.outlet_rules().into_iter().map(Arc::new).collect(),
            default_rules: Arc::new(OutletRules::default()),
            default_schedule: cfg.schedule.default.0.clone(),
            adaptive: cfg.schedule.adaptive.adaptive(),
            concurrency: cfg.concurrency(),
            config_urls: cfg
                .watches
                .iter()
                .map(|w| cfg.url_rules().canonical(&w.url.0).to_string())
                .collect(),
            url_rules: cfg.url_rules(),
            thresholds: cfg.matching.thresholds(),
            feed_urls: cfg.discovery().map(|f| f.url.0.to_string()).collect(),
            confirm_delay: cfg.check.confirm_delay(),
            learn: cfg.check.learn(),
            removed_after: cfg.check.removed_after(),
            robots: cfg.fetch.robots,
            robots_overrides: cfg
                .watches
                .iter()
                .filter_map(|w| {
                    let url = cfg.url_rules().canonical(&w.url.0).to_string();
                    Some((url, w.robots?))
                })
                .collect(),
            store,
        })
        .and_then(|p| {
            p.sync_config_watches(cfg)?;
            p.sync_config_feeds(cfg)?;
            Ok(p)
        })
    }

    /// The store the pipeline commits to (shared with the daemon and the
    /// web layer).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock that schedules this pipeline's watches.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Make the store's config-sourced watches match the `[[watch]]` list.
    /// Watches dropped from the config keep their history and are no longer
    /// checked (see [`Pipeline::is_active`]).
    fn sync_config_watches(&self, cfg: &Config) -> Result<(), StoreError> {
        for w in &cfg.watches {
            let new = NewWatch {
                url: w.url.0.to_string(),
                label: w.label.clone(),
                schedule: w.schedule.as_ref().map(|s| s.0.to_string()),
                source: WatchSource::Config,
            };
            match self.store.watch(&new.url) {
                Ok(old)
                    if old.label == new.label
                        && old.schedule == new.schedule
                        && old.source == new.source => {}
                Ok(_) | Err(StoreError::NotFound(_)) => {
                    self.store.upsert_watch(new)?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// A watch is checked when it came from the CLI or a feed, or is still
    /// in the config.
    pub fn is_active(&self, w: &Watch) -> bool {
        matches!(w.source, WatchSource::Cli | WatchSource::Feed)
            || w.known_urls().any(|u| self.config_urls.contains(u))
    }

    /// The outlet name of a URL (config grouping, else registrable domain).
    pub fn outlet(&self, url: &Url) -> String {
        self.outlets.outlet(url)
    }

    /// How a watch is scheduled: its own schedule, else the default.
    pub fn plan_of(&self, w: &Watch) -> Plan {
        w.schedule
            .as_deref()
            .and_then(|s| ScheduleSpec::parse(s).ok())
            .unwrap_or_else(|| self.default_schedule.clone())
            .plan(&self.adaptive)
    }

    /// When `w` (as it stands after a check that ended at `now`) is due
    /// next; `None` retires an adaptive watch past its age limit.
    pub fn next_due(
        &self,
        w: &Watch,
        now: chrono::DateTime<Utc>,
        retry_after: Option<std::time::Duration>,
    ) -> Option<chrono::DateTime<Utc>> {
        let timing = Timing {
            first_seen: Some(w.added_at),
            published: w.published,
            last_changed: w.last_changed,
            consecutive_failures: w.consecutive_failures,
            retry_after,
        };
        let key = xxhash_rust::xxh3::xxh3_64(w.url.as_bytes());
        cadence::next_due(&self.plan_of(w), &timing, now, key)
    }

    /// When `w` is due: its stored due time, unless it runs on the
    /// `[schedule] default` and the default as configured now would have
    /// it due earlier (counted from the end of its last check): a changed
    /// default applies at the next start, SIGHUP or command, not after the
    /// old default's next firing. `None`: due now.
    pub fn due_at(&self, w: &Watch) -> Option<chrono::DateTime<Utc>> {
        let stored = w.next_due?;
        if w.schedule.is_some() {
            return Some(stored);
        }
        let Some(last) = &w.last_check else {
            return Some(stored);
        };
        let ended = last.at + chrono::Duration::milliseconds(last.duration_ms as i64);
        match self.next_due(w, ended, None) {
            Some(now_rule) if now_rule < stored => Some(now_rule),
            _ => Some(stored),
        }
    }

    /// Watches to check now: all active ones with `all`, else those due.
    pub fn due_watches(&self, all: bool) -> Result<Vec<Watch>, StoreError> {
        let now = self.clock.now();
        Ok(self
            .store
            .watches()?
            .into_iter()
            .filter(|w| {
                self.is_active(w)
                    && (all || (!w.retired && self.due_at(w).is_none_or(|d| d <= now)))
            })
            .collect())
    }

    /// Check `watches` (at most `concurrency` at once, per-host limits in the
    /// fetcher), then deliver pending events. `on_done` is called after each
    /// watch (for a progress bar).
    pub async fn check(
        &self,
        watches: Vec<Watch>,
        on_done: &(dyn Fn(&Watch, Outcome) + Sync),
    ) -> Result<CheckSummary, PipelineError> {
        let mut summary = CheckSummary::default();
        let mut results = stream::iter(watches)
            .map(|w| async move {
                let r = self.check_watch(&w).await;
                (w, r)
            })
            .buffer_unordered(self.concurrency.max(1));
        while let Some((w, r)) = results.next().await {
            let Checked {
                outcome, events, ..
            } = match r {
                Ok(x) => x,
                Err(StoreError::NotFound(_)) => continue, // removed while we fetched
                // another process sharing the store (a daemon) checked this
                // watch meanwhile and stored that version: its check stands
                Err(StoreError::Conflict { url, number }) if self.store.shared() => {
                    tracing::warn!(url = %url, version = number, "another process stored this version meanwhile; this check is dropped");
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            summary.checked += 1;
            summary.events += events;
            match outcome {
                Outcome::NewVersion => summary.new_versions += 1,
                Outcome::Unchanged | Outcome::NotModified => summary.unchanged += 1,
                Outcome::Failed => summary.failed += 1,
            }
            on_done(&w, outcome);
        }
        let DeliveryReport {
            delivered, failed, ..
        } = self.deliver(true).await?;
        summary.delivered = delivered;
        summary.delivery_failures = failed;
        Ok(summary)
    }

    /// `n` processes share the store: each host's allowance is split
    /// among them (see [`Fetcher::set_host_share`]).
    pub fn set_host_share(&self, n: usize) {
        self.fetcher.set_host_share(n);
    }

    /// How often delivery rounds should run: the alert retry backoff's
    /// first step, or a shorter digest period or rate-limit window.
    pub fn retry_backoff(&self) -> std::time::Duration {
        self.deliverer.round_interval()
    }

    /// Deliver pending events to their sinks; `force` ignores the backoff
    /// of earlier failures.
    pub async fn deliver(&self, force: bool) -> Result<DeliveryReport, PipelineError> {
        Ok(self.deliverer.deliver_pending(&self.store, force).await?)
    }
}
