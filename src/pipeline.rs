//! One check pass over the watches: fetch, extract, normalize, version, diff,
//! events. `copydesk check` runs one pass; the daemon runs it per watch
//! as each falls due. Feed discovery (polling `[[feed]]`s for new article
//! URLs) is in [`discover`].

pub mod discover;
mod identity;
mod versioning;

use crate::alert::{Deliverer, DeliveryReport};
use crate::clock::Clock;
use crate::config::Config;
use crate::core::cadence::{self, Adaptive, Plan, ScheduleSpec, Timing};
use crate::core::diff::diff_articles;
use crate::core::event::{edit_event_id, rfc3339, ArticleRef, EditEvent, Event};
use crate::core::extract::{extract_guarded, OutletRules};
use crate::core::normalize::{normalize_article, ContentHash};
use crate::core::outlet::OutletMap;
use crate::fetch::{ExemptOrigins, FetchOutcome, Fetcher, Page, Reach};
use crate::republish::Matcher;
use crate::store::{
    blocking, CheckCommit, CheckRecord, NewVersion, NewWatch, Outcome, Store, StoreError, Watch,
    WatchSource,
};
use chrono::Utc;
use futures_util::stream::{self, StreamExt};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;
use url::Url;

/// Context lines of unchanged paragraphs around each change in event diffs.
pub const DIFF_CONTEXT: usize = 1;

/// A pass could not run.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchSetupError),
    #[error(transparent)]
    Alert(#[from] crate::alert::AlertSetupError),
    #[error("a check task failed: {0}")]
    Task(String),
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckSummary {
    pub checked: usize,
    pub new_versions: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub events: usize,
    pub delivered: usize,
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
    pub failure: Option<(String, String)>,
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
                ExemptOrigins::from_urls(cfg.feeds.iter().map(|f| &f.url.0)),
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
            feed_urls: cfg.feeds.iter().map(|f| f.url.0.to_string()).collect(),
            confirm_delay: cfg.check.confirm_delay(),
            learn: cfg.check.learn(),
            store,
        })
        .and_then(|p| {
            p.sync_config_watches(cfg)?;
            p.sync_config_feeds(cfg)?;
            Ok(p)
        })
    }

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

    /// Check one watch and commit the result (flushed before this returns).
    pub async fn check_watch(&self, watch: &Watch) -> Result<Checked, StoreError> {
        let started = Instant::now();
        let at = self.clock.now();
        let Ok(url) = Url::parse(&watch.url) else {
            let record = failed_record(
                at,
                started,
                "bad_url",
                format!("{} is not a valid URL", watch.url),
                None,
            );
            let mut next = watch.clone();
            next.consecutive_failures += 1;
            next.next_due = self.next_due(&next, self.clock.now(), None);
            let next_due = next.next_due;
            let failure = failure_of(&record);
            self.commit(next, record, None, Vec::new()).await?;
            return Ok(Checked {
                url: watch.url.clone(),
                outcome: Outcome::Failed,
                events: 0,
                next_due,
                duration: started.elapsed(),
                failing: true,
                confirmation: None,
                failure,
            });
        };
        let mut next = watch.clone();
        let mut retry_after = None;
        // a feed's URL must not lead copydesk into its own network, on
        // any check (redirects, DNS rebinding), not just at discovery
        let reach = match watch.source {
            WatchSource::Feed => Reach::PublicOnly,
            WatchSource::Config | WatchSource::Cli => Reach::Any,
        };
        let outcome = self
            .fetcher
            .fetch_with(&url, &watch.validators, reach)
            .await;
        let (record, version, events) = match outcome {
            FetchOutcome::NotModified => {
                next.consecutive_failures = 0;
                (
                    record(
                        at,
                        started,
                        Outcome::NotModified,
                        Some(304),
                        watch_version(watch),
                        None,
                    ),
                    None,
                    Vec::new(),
                )
            }
            FetchOutcome::Failed(f) => {
                next.consecutive_failures += 1;
                retry_after = f.retry_after;
                let kind = serde_json::to_value(f.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from));
                (
                    failed_record(
                        at,
                        started,
                        kind.as_deref().unwrap_or("fetch"),
                        f.reason,
                        f.http_status,
                    ),
                    None,
                    Vec::new(),
                )
            }
            FetchOutcome::Page(page) => {
                self.process_page(watch, &mut next, page, at, started, reach)
                    .await?
            }
        };
        let n_events = events.len();
        let outcome = record.outcome;
        let confirmation = record.confirmation.as_ref().map(|c| c.result);
        let now = self.clock.now();
        next.next_due = self.next_due(&next, now, retry_after);
        next.retired = next.next_due.is_none();
        if next.retired {
            tracing::info!(url = %watch.url, "adaptive watch past its age limit: no longer checked");
        }
        let next_due = next.next_due;
        let failing = next.consecutive_failures > 0;
        tracing::debug!(
            url = %watch.url,
            outcome = %crate::core::wire::name(&outcome),
            reason = record.reason.as_deref().unwrap_or(""),
            next_due = %crate::core::wire::time(next_due),
            ms = started.elapsed().as_millis() as u64,
            "checked"
        );
        // what a new version was, logged only once it is stored
        let stored = version.as_ref().map(|v| {
            let class = events.iter().find_map(|(e, _)| match e {
                Event::Edit(edit) => Some(crate::core::wire::name(&edit.change.class)),
                _ => None,
            });
            (v.number, class)
        });
        let failure = failure_of(&record);
        let follow = self.to_follow(&next);
        self.commit(next, record, version, events).await?;
        match stored {
            Some((number, Some(class))) => {
                tracing::info!(url = %watch.url, version = number, class = %class, "new version")
            }
            Some((number, None)) => {
                tracing::info!(url = %watch.url, version = number, "first version")
            }
            None => {}
        }
        // before matching: an AMP or mobile address of a watched article
        // is merged into its watch, not matched against it as an alias
        let url_now = match follow {
            Some(c) => self.follow_canonical(watch, c).await,
            None => watch.url.clone(),
        };
        let n_events = n_events + self.match_latest(&url_now).await;
        Ok(Checked {
            url: url_now,
            outcome,
            events: n_events,
            next_due,
            duration: started.elapsed(),
            failing,
            confirmation,
            failure,
        })
    }

    /// The extraction rules of the outlet a URL belongs to.
    fn rules_for(&self, url: &Url) -> Arc<OutletRules> {
        match self.outlets.entry_for(url) {
            Some(i) => self
                .rules
                .get(i)
                .cloned()
                .unwrap_or_else(|| self.default_rules.clone()),
            None => self.default_rules.clone(),
        }
    }

    async fn process_page(
        &self,
        watch: &Watch,
        next: &mut Watch,
        page: Page,
        at: chrono::DateTime<Utc>,
        started: Instant,
        reach: Reach,
    ) -> Result<(CheckRecord, Option<NewVersion>, Vec<(Event, Vec<String>)>), StoreError> {
        let status = Some(page.status);
        let final_url = page.final_url.to_string();
        let redirected = (final_url != watch.url).then(|| final_url.clone());
        let rules = self.rules_for(&page.final_url);
        let (html, final_for_extract) = (page.text, Some(final_url.clone()));
        let extracted =
            tokio::task::spawn_blocking(move || extract_guarded(html, final_for_extract, rules))
                .await
                .map_err(|e| e.to_string());
        let article = match extracted {
            Ok(Ok(a)) => normalize_article(&a),
            Ok(Err(e)) => {
                next.consecutive_failures += 1;
                let mut r = failed_record(at, started, "no_article", e.to_string(), status);
                r.final_url = redirected;
                return Ok((r, None, Vec::new()));
            }
            Err(e) => {
                next.consecutive_failures += 1;
                let r = failed_record(at, started, "extract_crashed", e, status);
                return Ok((r, None, Vec::new()));
            }
        };
        next.consecutive_failures = 0;
        next.validators = page.validators;
        self.note_declared_canonical(next, &article);
        if article.body.is_empty() {
            let r = failed_record(
                at,
                started,
                "no_article",
                "no article text found on the page".into(),
                status,
            );
            return Ok((r, None, Vec::new()));
        }
        let latest = match watch.latest_version {
            0 => None,
            n => {
                let id = watch.id;
                Some(blocking(&self.store, move |s| s.version(id, n)).await?)
            }
        };
        let outlet = self.outlet(&page.final_url);
        // the URL the page was fetched at (the confirmation fetch follows
        // the same redirects)
        let url = Url::parse(&watch.url).unwrap_or_else(|_| page.final_url.clone());
        let cx = versioning::CheckCtx {
            watch,
            url: &url,
            reach,
            outlet: &outlet,
            at,
        };
        let decision = self
            .decide(&cx, article, latest.as_ref().map(|(_, a)| a))
            .await?;
        let (article, previous, confirmation) = match decision {
            versioning::Decision::Unchanged { confirmation } => {
                let mut r = record(
                    at,
                    started,
                    Outcome::Unchanged,
                    status,
                    watch_version(watch),
                    None,
                );
                r.final_url = redirected;
                r.confirmation = confirmation;
                return Ok((r, None, Vec::new()));
            }
            versioning::Decision::Unstable { confirmation } => {
                // not a failure of the site: the watch keeps its cadence
                let mut r = failed_record(
                    at,
                    started,
                    "unstable",
                    "two fetches a few seconds apart share too little text to be one article; nothing stored".into(),
                    status,
                );
                r.final_url = redirected;
                r.confirmation = Some(confirmation);
                return Ok((r, None, Vec::new()));
            }
            versioning::Decision::Changed {
                article,
                previous,
                confirmation,
            } => (*article, previous, confirmation),
        };
        let hash = ContentHash::of(&article);
        let number = watch.latest_version + 1;
        next.latest_version = number;
        next.last_changed = Some(at);
        next.published = article
            .published
            .as_deref()
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
            .map(|p| p.with_timezone(&Utc));
        let mut events = Vec::new();
        if let (Some((meta, _)), Some(old)) = (&latest, &previous) {
            let diff = diff_articles(old, &article);
            let event = Event::Edit(EditEvent {
                id: edit_event_id(&watch.url, meta.number, number),
                detected_at: rfc3339(at),
                article: ArticleRef {
                    url: watch.url.clone(),
                    outlet: outlet.clone(),
                    title: article.title.clone(),
                },
                from_version: meta.number,
                to_version: number,
                change: diff.summary.clone(),
                diff: diff.unified(
                    &format!("version {}", meta.number),
                    &format!("version {number}"),
                    DIFF_CONTEXT,
                ),
            });
            let sinks = self.deliverer.sinks_for(&event, watch.label.as_deref());
            events.push((event, sinks));
        }
        let mut r = record(at, started, Outcome::NewVersion, status, Some(number), None);
        r.final_url = redirected;
        r.confirmation = confirmation;
        let version = NewVersion {
            number,
            article,
            hash,
            final_url,
        };
        Ok((r, Some(version), events))
    }

    /// Match the watch's latest version against the republication index
    /// when it has not been yet (a new version, or one stored before a
    /// crash); the number of events queued. A failure is logged, not
    /// fatal to the check: the next check tries again.
    async fn match_latest(&self, url: &str) -> usize {
        let (store, matcher, outlets, deliverer) = (
            self.store.clone(),
            self.matcher.clone(),
            self.outlets.clone(),
            self.deliverer.clone(),
        );
        let shown = url.to_string();
        let url = url.to_string();
        let done = tokio::task::spawn_blocking(move || {
            let w = store.watch(&url)?;
            if !matcher.needs_matching(store.as_ref(), &w)? {
                return Ok(None);
            }
            // Label rules see the label of the watch just checked (the
            // later-seen article of a new pair, usually the copy).
            let label = w.label.clone();
            let mut r = matcher.process(store.as_ref(), &outlets, &url, &|e| {
                deliverer.sinks_for(e, label.as_deref())
            })?;
            // articles carrying text this one showed to be template text:
            // matched again without it (each with its own label's sinks)
            for id in std::mem::take(&mut r.rematch) {
                let other = match store.watch_by_id(id) {
                    Ok(o) => o,
                    Err(StoreError::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                };
                let label = other.label.clone();
                let again = matcher.rematch(store.as_ref(), &outlets, &other.url, &|e| {
                    deliverer.sinks_for(e, label.as_deref())
                });
                match again {
                    Ok(x) => {
                        r.pairs += x.pairs;
                        r.events += x.events;
                    }
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(Some(r))
        })
        .await;
        match done {
            Ok(Ok(Some(r))) => {
                tracing::debug!(url = %shown, candidates = r.candidates, pairs = r.pairs, events = r.events, "matched");
                r.events
            }
            Ok(Ok(None)) | Ok(Err(StoreError::NotFound(_))) => 0,
            Ok(Err(e)) => {
                tracing::warn!(url = %shown, error = %e, "republication matching failed");
                0
            }
            Err(e) => {
                tracing::warn!(url = %shown, error = %e, "republication matching crashed");
                0
            }
        }
    }

    async fn commit(
        &self,
        mut watch: Watch,
        record: CheckRecord,
        version: Option<NewVersion>,
        events: Vec<(Event, Vec<String>)>,
    ) -> Result<(), StoreError> {
        watch.last_check = Some(record.clone());
        let store = self.store.clone();
        let commit = CheckCommit {
            watch,
            record,
            version,
            events,
        };
        tokio::task::spawn_blocking(move || store.commit_check(commit))
            .await
            .map_err(|e| StoreError::Corrupt {
                tree: "commit",
                detail: e.to_string(),
            })??;
        Ok(())
    }
}

fn watch_version(w: &Watch) -> Option<u32> {
    (w.latest_version > 0).then_some(w.latest_version)
}

fn record(
    at: chrono::DateTime<Utc>,
    started: Instant,
    outcome: Outcome,
    http_status: Option<u16>,
    version: Option<u32>,
    reason: Option<String>,
) -> CheckRecord {
    CheckRecord {
        at,
        outcome,
        http_status,
        failure: None,
        reason,
        version,
        duration_ms: started.elapsed().as_millis() as u64,
        final_url: None,
        confirmation: None,
    }
}

/// The failure kind and reason of a failed check.
fn failure_of(r: &CheckRecord) -> Option<(String, String)> {
    (r.outcome == Outcome::Failed).then(|| {
        (
            r.failure.clone().unwrap_or_else(|| "fetch".into()),
            r.reason.clone().unwrap_or_else(|| "unknown reason".into()),
        )
    })
}

fn failed_record(
    at: chrono::DateTime<Utc>,
    started: Instant,
    kind: &str,
    reason: String,
    http_status: Option<u16>,
) -> CheckRecord {
    let mut r = record(
        at,
        started,
        Outcome::Failed,
        http_status,
        None,
        Some(reason),
    );
    r.failure = Some(kind.to_string());
    r
}
