//! One fetched page of a watch: extracted, read for whether it is still
//! the article (see [`super::liveness`]), compared with the latest version
//! and, when it changed, made a new version with its `edit` event.

use super::{failed_record, record, versioning, watch_version, Pipeline, Processed, DIFF_CONTEXT};
use crate::core::diff::diff_articles;
use crate::core::event::{edit_event_id, rfc3339, ArticleRef, EditEvent, Event};
use crate::core::liveness::Sighting;
use crate::core::normalize::ContentHash;
use crate::fetch::{Page, Reach};
use crate::store::{blocking, Failure, NewVersion, Outcome, StoreError, Watch};
use chrono::Utc;
use std::time::Instant;
use url::Url;

impl Pipeline {
    /// The latest stored version's text, if any.
    pub(super) async fn latest_of(
        &self,
        watch: &Watch,
    ) -> Result<Option<crate::core::Article>, StoreError> {
        match watch.latest_version {
            0 => Ok(None),
            n => {
                let id = watch.id;
                Ok(Some(
                    blocking(&self.store, move |s| s.version(id, n)).await?.1,
                ))
            }
        }
    }

    pub(super) async fn process_page(
        &self,
        watch: &Watch,
        next: &mut Watch,
        mut page: Page,
        at: chrono::DateTime<Utc>,
        started: Instant,
        reach: Reach,
    ) -> Result<Processed, StoreError> {
        let status = Some(page.status);
        let final_url = page.final_url.to_string();
        let redirected = (final_url != watch.url).then(|| final_url.clone());
        let body_hash = xxhash_rust::xxh3::xxh3_64(page.text.as_bytes());
        let extracted = self
            .extract_at(std::mem::take(&mut page.text), &page.final_url)
            .await;
        let latest = match watch.latest_version {
            0 => None,
            n => {
                let id = watch.id;
                Some(blocking(&self.store, move |s| s.version(id, n)).await?)
            }
        };
        // the URL the page was fetched at (the confirmation fetch follows
        // the same redirects)
        let url = Url::parse(&watch.url).unwrap_or_else(|_| page.final_url.clone());
        let (article, extract_error) = match extracted {
            Ok(Ok(a)) => (Some(a), None),
            Ok(Err(e)) => (None, Some(e.to_string())),
            Err(e) => {
                next.consecutive_failures += 1;
                let r = failed_record(at, started, Failure::ExtractCrashed, e, status);
                return Ok(Processed::of(r, Sighting::Unknown));
            }
        };
        // is it still this article? (a 200 can be a "not found" page, a
        // redirect can lead to the front page)
        let final_canon = self.canonical_of(&page.final_url);
        let seen = self.page_seen(watch, &page, &final_canon, article.as_ref());
        let sighting = crate::core::liveness::page_sighting(
            &seen,
            latest.as_ref().map(|(_, a)| a),
            &self.thresholds,
        );
        if let Sighting::Gone(first) = &sighting {
            let kind = first.kind.as_str();
            // the extractor's own words say more than "no article text"
            let reason = match (&first.kind, &extract_error) {
                (crate::core::liveness::GoneKind::NoArticle, Some(e)) => e.clone(),
                _ => first.reason.clone(),
            };
            let sighting = self
                .confirm_gone(
                    watch,
                    &url,
                    reach,
                    sighting.clone(),
                    latest.as_ref().map(|(_, a)| a),
                    Some(body_hash),
                )
                .await;
            next.consecutive_failures += 1;
            let mut r = failed_record(at, started, Failure::from_name(kind), reason, status);
            r.final_url = redirected;
            return Ok(Processed::of(r, sighting));
        }
        // a watch whose address always led there by a permanent redirect
        // (its latest version was fetched there) takes that URL without a
        // `moved` event: nothing moved
        let (sighting, quiet_follow) = match sighting {
            Sighting::Moved { to, .. }
                if latest.as_ref().is_some_and(|(m, _)| {
                    Url::parse(&m.final_url).is_ok_and(|u| self.canonical_of(&u) == to)
                }) =>
            {
                (Sighting::Live, Some(to))
            }
            s => (s, None),
        };
        let article = match (article, extract_error) {
            (Some(a), _) => a,
            (None, e) => {
                next.consecutive_failures += 1;
                let e = e.unwrap_or_else(|| "no article".into());
                let mut r = failed_record(at, started, Failure::NoArticle, e, status);
                r.final_url = redirected;
                return Ok(Processed::of(r, Sighting::Unknown));
            }
        };
        next.consecutive_failures = 0;
        next.validators = page.validators.clone();
        self.note_declared_canonical(next, &article);
        let (mut status, mut final_url, mut redirected) = (status, final_url, redirected);
        let (mut url, mut article, mut page_url) = (url, article, page.final_url.clone());
        // about to follow the page's canonical URL: that page's text is
        // the version, not the alias page's (see `canonical_page`)
        if let Some(c) = self.to_follow(next) {
            match self.canonical_page(&watch.url, &c, reach).await {
                Some(p) => {
                    status = Some(p.status);
                    final_url = p.final_url.to_string();
                    redirected = Some(final_url.clone());
                    next.validators = p.validators;
                    article = p.article;
                    url = p.final_url.clone();
                    page_url = p.final_url;
                }
                None => next.declared_canonical = None,
            }
        }
        if article.body.is_empty() {
            let r = failed_record(
                at,
                started,
                Failure::NoArticle,
                "no article text found on the page".into(),
                status,
            );
            return Ok(Processed::of(r, Sighting::Unknown));
        }
        let outlet = self.outlet(&page_url);
        let cx = versioning::CheckCtx {
            watch,
            url: &url,
            reach,
            outlet: &outlet,
            at,
        };
        let title = Some(article.title.clone());
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
                let mut p = Processed::of(r, sighting);
                p.title = title;
                p.quiet_follow = quiet_follow;
                return Ok(p);
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
                return Ok(Processed::of(r, Sighting::Unknown));
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
        let title = Some(article.title.clone());
        let version = NewVersion {
            number,
            article,
            hash,
            final_url,
        };
        Ok(Processed {
            record: r,
            version: Some(version),
            events,
            sighting,
            title,
            quiet_follow,
        })
    }
}
