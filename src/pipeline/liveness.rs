//! Whether a watched article is still at its URL: each check's fetch read
//! as a sighting ([`crate::core::liveness`] decides), a "gone" sighting
//! confirmed by a second fetch, and the `removed`, `restored` and `moved`
//! events the run of sightings makes.

use super::Pipeline;
use crate::core::event::{
    moved_event_id, removed_event_id, restored_event_id, rfc3339, ArticleRef, Event, GoneAnswerRef,
    LastVersion, MovedEvent, RemovedEvent, RestoredEvent,
};
use crate::core::liveness::{self, PageSeen, Sighting, Transition};
use crate::core::Article;
use crate::fetch::{FetchOutcome, Page, Reach, Validators};
use crate::store::{blocking, StoreError, Watch};
use chrono::{DateTime, Utc};
use url::Url;
use xxhash_rust::xxh3::xxh3_64;

/// Two URLs that differ only in `http`/`https` are one address (a site
/// moving to TLS did not move its articles).
fn same_address(a: &str, b: &str) -> bool {
    let strip = |s: &str| {
        s.strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .unwrap_or(s)
            .to_string()
    };
    strip(a) == strip(b)
}

/// Where an article moved, and how copydesk learned it.
pub(super) struct Move {
    pub to: String,
    /// `redirect` or `canonical`.
    pub via: &'static str,
    /// The redirect's status.
    pub status: Option<u16>,
}

impl Pipeline {
    /// How the liveness rules see a fetched page of `watch`.
    pub(super) fn page_seen<'a>(
        &self,
        watch: &Watch,
        page: &Page,
        final_url: &'a str,
        article: Option<&'a Article>,
    ) -> PageSeen<'a> {
        let here = Url::parse(&watch.url).ok();
        let redirected = !watch.known_urls().any(|u| same_address(u, final_url));
        PageSeen {
            status: page.status,
            final_url,
            redirected,
            permanent: page.permanent,
            same_outlet: here
                .as_ref()
                .is_some_and(|h| self.outlet(h) == self.outlet(&page.final_url)),
            to_front_page: page.final_url.path() == "/"
                && here.as_ref().is_some_and(|h| h.path() != "/"),
            article,
        }
    }

    /// The canonical form of a page's final URL.
    pub(super) fn canonical_of(&self, url: &Url) -> String {
        self.url_rules.canonical(url).to_string()
    }

    /// A "gone" sighting confirmed by fetching the page again after
    /// `[check] confirm_delay` (at once when confirmation is off, the
    /// first sighting stands): gone both times is gone; anything else
    /// tells nothing yet (the next check decides). `body`: the xxh3 of the
    /// first fetch's page, when it was one; a second fetch with the same
    /// bytes is the same answer without extracting it again (a hostile
    /// page costs one extraction per check, not two).
    pub(super) async fn confirm_gone(
        &self,
        watch: &Watch,
        url: &Url,
        reach: Reach,
        first: Sighting,
        latest: Option<&Article>,
        body: Option<u64>,
    ) -> Sighting {
        let Sighting::Gone(_) = &first else {
            return first;
        };
        let Some(delay) = self.confirm_delay else {
            return first;
        };
        tokio::time::sleep(delay).await;
        let second = self
            .sight(watch, url, reach, latest, body.map(|h| (h, &first)))
            .await;
        match second {
            Sighting::Gone(_) => second,
            other => {
                tracing::info!(url = %watch.url, second = ?other, "the article looked gone, but a second fetch disagreed");
                Sighting::Unknown
            }
        }
    }

    /// One fetch of the article read as a sighting (for confirmation);
    /// a page whose bytes hash as `same.0` is `same.1`.
    async fn sight(
        &self,
        watch: &Watch,
        url: &Url,
        reach: Reach,
        latest: Option<&Article>,
        same: Option<(u64, &Sighting)>,
    ) -> Sighting {
        match self
            .fetcher
            .fetch_with(url, &Validators::default(), reach)
            .await
        {
            FetchOutcome::NotModified => Sighting::Unknown,
            FetchOutcome::Failed(f) => {
                let final_url = f.final_url.clone().unwrap_or_else(|| watch.url.clone());
                liveness::failure_sighting(f.http_status, &final_url, &f.reason)
            }
            FetchOutcome::Page(p) => {
                if let Some((hash, first)) = same {
                    if xxh3_64(p.text.as_bytes()) == hash {
                        return first.clone();
                    }
                }
                let final_url = self.canonical_of(&p.final_url);
                let article = match self.extract_at(p.text.clone(), &p.final_url).await {
                    Ok(Ok(a)) => Some(a),
                    Ok(Err(_)) => None,
                    Err(_) => return Sighting::Unknown,
                };
                let seen = self.page_seen(watch, &p, &final_url, article.as_ref());
                liveness::page_sighting(&seen, latest, &self.thresholds)
            }
        }
    }

    /// Step the watch's run of sightings (`next.gone`, `next.last_live`)
    /// and make the `removed` or `restored` event it calls for; `changed`:
    /// this check stores a new version (a return with other text).
    pub(super) async fn lifecycle_events(
        &self,
        watch: &Watch,
        next: &mut Watch,
        sighting: &Sighting,
        at: DateTime<Utc>,
        changed: bool,
    ) -> Result<Vec<Event>, StoreError> {
        if matches!(sighting, Sighting::Live | Sighting::Moved { .. }) {
            next.last_live = Some(at);
        }
        if watch.latest_version == 0 {
            return Ok(Vec::new());
        }
        let (state, transition) = liveness::step(
            watch.gone.as_ref(),
            sighting,
            at,
            watch.last_live,
            self.removed_after,
        );
        next.gone = state;
        let run = match &transition {
            Transition::None => return Ok(Vec::new()),
            Transition::Removed => match &next.gone {
                Some(g) => g.clone(),
                None => return Ok(Vec::new()),
            },
            Transition::Restored(g) => g.clone(),
        };
        let (id, n) = (watch.id, watch.latest_version);
        let meta = blocking(&self.store, move |s| s.version(id, n).map(|(m, _)| m)).await?;
        let outlet = Url::parse(&watch.url)
            .map(|u| self.outlet(&u))
            .unwrap_or_default();
        let article = ArticleRef {
            url: watch.url.clone(),
            outlet,
            title: meta.title.clone(),
        };
        let last_version = LastVersion {
            number: meta.number,
            title: meta.title.clone(),
            hash: meta.hash.to_string(),
            last_seen_live: run.last_live.map(rfc3339),
        };
        let event = match transition {
            Transition::Removed => {
                tracing::info!(url = %watch.url, kind = run.answer.kind.as_str(), checks = run.checks, "article removed");
                Event::Removed(RemovedEvent {
                    id: removed_event_id(&watch.url, meta.number, run.since),
                    detected_at: rfc3339(at),
                    article,
                    last_version,
                    answer: GoneAnswerRef {
                        kind: run.answer.kind.as_str().to_string(),
                        status: run.answer.status,
                        reason: run.answer.reason.clone(),
                    },
                    final_url: run.answer.final_url.clone(),
                    gone_since: rfc3339(run.since),
                    checks: run.checks,
                })
            }
            _ => {
                tracing::info!(url = %watch.url, changed, "removed article restored");
                Event::Restored(RestoredEvent {
                    id: restored_event_id(&watch.url, meta.number, run.since),
                    detected_at: rfc3339(at),
                    article,
                    last_version,
                    gone_since: rfc3339(run.since),
                    changed,
                })
            }
        };
        Ok(vec![event])
    }

    /// The `moved` event of a watch whose article now lives at `m.to`.
    pub(super) fn moved_event(
        &self,
        watch: &Watch,
        m: &Move,
        title: &str,
        version: u32,
        at: DateTime<Utc>,
    ) -> Event {
        let (to, via, status) = (m.to.as_str(), m.via, m.status);
        let outlet = Url::parse(to).map(|u| self.outlet(&u)).unwrap_or_default();
        tracing::info!(from = %watch.url, to = %to, via, "article moved");
        Event::Moved(MovedEvent {
            id: moved_event_id(&watch.url, to),
            detected_at: rfc3339(at),
            article: ArticleRef {
                url: to.to_string(),
                outlet,
                title: title.to_string(),
            },
            from_url: watch.url.clone(),
            to_url: to.to_string(),
            via: via.to_string(),
            status,
            version,
        })
    }
}
