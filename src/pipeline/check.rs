//! One check of one watch (`Pipeline::check_watch`): fetch, then the page
//! ([`super::page`]) or the failure, read for whether the article is still
//! there ([`super::liveness`]); commit the record, the version and its events
//! at once, then follow a moved or canonical URL and match the new version
//! for republications.

use super::{liveness, Checked, Pipeline, Processed};
use crate::core::event::Event;
use crate::core::extract::{extract_guarded, ExtractError, OutletRules};
use crate::core::liveness::Sighting;
use crate::core::normalize::normalize_article;
use crate::core::Article;
use crate::fetch::{FailureKind, FetchFailure, FetchOutcome, Reach};
use crate::store::{
    run_blocking, CheckCommit, CheckRecord, Failure, NewVersion, Outcome, StoreError, Watch,
    WatchSource,
};
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;
use url::Url;

impl Pipeline {
    /// `Ok` when robots.txt does not bind `watch` (`[fetch] robots`, its
    /// `[[watch]] robots` override) or lets it be fetched; else the
    /// `robots_disallowed` failure saying why.
    async fn robots_gate(
        &self,
        watch: &Watch,
        url: &Url,
        reach: Reach,
    ) -> Result<(), FetchFailure> {
        let discovered = watch.source == WatchSource::Feed;
        let overridden = watch
            .known_urls()
            .find_map(|u| self.robots_overrides.get(u).copied());
        if !self.robots.applies(discovered, overridden) {
            return Ok(());
        }
        self.fetcher.robots_allows(url, reach).await
    }

    /// Check one watch and commit the result (flushed before this returns).
    pub async fn check_watch(&self, watch: &Watch) -> Result<Checked, StoreError> {
        let started = Instant::now();
        let at = self.clock.now();
        let Ok(url) = Url::parse(&watch.url) else {
            let record = failed_record(
                at,
                started,
                Failure::Fetch(FailureKind::BadUrl),
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
        // robots.txt first, for the watches bound by it: a refusal is a
        // failed check with the reason, no request to the page
        let outcome = match self.robots_gate(watch, &url, reach).await {
            Err(refused) => FetchOutcome::Failed(refused),
            Ok(()) => {
                self.fetcher
                    .fetch_with(&url, &watch.validators, reach)
                    .await
            }
        };
        let p = match outcome {
            FetchOutcome::NotModified => {
                next.consecutive_failures = 0;
                Processed::of(
                    record(
                        at,
                        started,
                        Outcome::NotModified,
                        Some(304),
                        watch_version(watch),
                        None,
                    ),
                    Sighting::Live,
                )
            }
            FetchOutcome::Failed(f) => {
                next.consecutive_failures += 1;
                retry_after = f.retry_after;
                let kind = Failure::from(f.kind);
                let sighting = if watch.latest_version > 0 {
                    let final_url = f.final_url.as_deref().unwrap_or(&watch.url);
                    crate::core::liveness::failure_sighting(f.http_status, final_url, &f.reason)
                } else {
                    Sighting::Unknown
                };
                let sighting = match sighting {
                    Sighting::Gone(_) => {
                        let latest = self.latest_of(watch).await?;
                        self.confirm_gone(watch, &url, reach, sighting, latest.as_ref(), None)
                            .await
                    }
                    s => s,
                };
                let mut r = failed_record(at, started, kind, f.reason, f.http_status);
                r.final_url = f.final_url;
                Processed::of(r, sighting)
            }
            FetchOutcome::Page(page) => {
                self.process_page(watch, &mut next, page, at, started, reach)
                    .await?
            }
        };
        let Processed {
            record,
            version,
            events,
            sighting,
            title,
            quiet_follow,
        } = p;
        // a removal or a return first (a return's edit follows it), then
        // the edit, then a move
        let lifecycle = self
            .lifecycle_events(watch, &mut next, &sighting, at, version.is_some())
            .await?;
        let mut events: Vec<(Event, Vec<String>)> = lifecycle
            .into_iter()
            .map(|e| {
                let sinks = self.deliverer.sinks_for(&e, watch.label.as_deref());
                (e, sinks)
            })
            .chain(events)
            .collect();
        let mut follow = self.to_follow(&next);
        let quiet = quiet_follow.is_some();
        if let Some(to) = quiet_follow {
            if self.may_follow(watch, &to).await {
                follow = Some(to);
            }
        }
        let moved = match &sighting {
            Sighting::Moved { to, status } if self.may_follow(watch, to).await => {
                follow = Some(to.clone());
                Some(liveness::Move {
                    to: to.clone(),
                    via: "redirect",
                    status: Some(*status),
                })
            }
            // a page with versions that names a new canonical URL of its
            // outlet (a first check only finds the article's own address)
            Sighting::Live
                if !quiet
                    && watch.latest_version > 0
                    && next.declared_canonical != watch.declared_canonical =>
            {
                follow.clone().map(|to| liveness::Move {
                    to,
                    via: "canonical",
                    status: None,
                })
            }
            _ => None,
        };
        if let Some(m) = moved {
            let title = title.unwrap_or_default();
            let e = self.moved_event(watch, &m, &title, next.latest_version, at);
            let sinks = self.deliverer.sinks_for(&e, watch.label.as_deref());
            events.push((e, sinks));
        }
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
    pub(super) fn rules_for(&self, url: &Url) -> Arc<OutletRules> {
        match self.outlets.entry_for(url) {
            Some(i) => self
                .rules
                .get(i)
                .cloned()
                .unwrap_or_else(|| self.default_rules.clone()),
            None => self.default_rules.clone(),
        }
    }

    /// The article of a page fetched at `at` (after redirects), extracted
    /// with its outlet's rules and normalized on the blocking pool: every
    /// fetch of a check (the page, its confirmation, a gone page's second
    /// look, a canonical page) reads its page this way. The outer `Err` is
    /// the blocking task failing (a panic the guard did not catch).
    pub(super) async fn extract_at(
        &self,
        html: String,
        at: &Url,
    ) -> Result<Result<Article, ExtractError>, String> {
        let rules = self.rules_for(at);
        let at = Some(at.to_string());
        tokio::task::spawn_blocking(move || {
            extract_guarded(html, at, rules).map(|a| normalize_article(&a))
        })
        .await
        .map_err(|e| e.to_string())
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
        run_blocking(move || store.commit_check(commit)).await?;
        Ok(())
    }
}

pub(super) fn watch_version(w: &Watch) -> Option<u32> {
    (w.latest_version > 0).then_some(w.latest_version)
}

pub(super) fn record(
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
pub(super) fn failure_of(r: &CheckRecord) -> Option<(Failure, String)> {
    (r.outcome == Outcome::Failed).then(|| {
        (
            r.failure
                .clone()
                .unwrap_or_else(|| Failure::Other("fetch".into())),
            r.reason.clone().unwrap_or_else(|| "unknown reason".into()),
        )
    })
}

pub(super) fn failed_record(
    at: chrono::DateTime<Utc>,
    started: Instant,
    kind: Failure,
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
    r.failure = Some(kind);
    r
}
