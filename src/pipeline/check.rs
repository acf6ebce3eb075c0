//! One check of one watch (`Pipeline::check_watch`): fetch, extract,
//! normalize, decide with [`super::versioning`] (confirm, learn), diff,
//! commit the record, the version and its events at once, then follow a
//! canonical URL and match the new version for republications.

use super::{versioning, Checked, Pipeline, DIFF_CONTEXT};
use crate::core::diff::diff_articles;
use crate::core::event::{edit_event_id, rfc3339, ArticleRef, EditEvent, Event};
use crate::core::extract::{extract_guarded, OutletRules};
use crate::core::normalize::{normalize_article, ContentHash};
use crate::fetch::{FailureKind, FetchOutcome, Page, Reach};
use crate::store::{
    blocking, run_blocking, CheckCommit, CheckRecord, Failure, NewVersion, Outcome, StoreError,
    Watch, WatchSource,
};
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;
use url::Url;

impl Pipeline {
    /// Check one watch and commit the result (flushed before this returns).
    pub async fn check_watch(&self, watch: &Watch) -> Result<Checked, StoreError> {
        let started = Instant::now();
        let at = self.clock.now();
        let Ok(url) = Url::parse(&watch.url) else {
            let record = failed_record(
                at,
                started,
                FailureKind::BadUrl.into(),
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
                (
                    failed_record(at, started, f.kind.into(), f.reason, f.http_status),
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
                let mut r = failed_record(at, started, Failure::NoArticle, e.to_string(), status);
                r.final_url = redirected;
                return Ok((r, None, Vec::new()));
            }
            Err(e) => {
                next.consecutive_failures += 1;
                let r = failed_record(at, started, Failure::ExtractCrashed, e, status);
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
                Failure::NoArticle,
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
                    Failure::Unstable,
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
            matcher
                .process(store.as_ref(), &outlets, &url, &|e| {
                    deliverer.sinks_for(e, label.as_deref())
                })
                .map(Some)
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
fn failure_of(r: &CheckRecord) -> Option<(Failure, String)> {
    (r.outcome == Outcome::Failed).then(|| {
        (
            r.failure
                .clone()
                .unwrap_or_else(|| Failure::Other("fetch".into())),
            r.reason.clone().unwrap_or_else(|| "unknown reason".into()),
        )
    })
}

fn failed_record(
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
