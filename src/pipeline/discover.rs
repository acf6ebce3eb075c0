//! Feed discovery, docs/design.md's "discover" step: poll each `[[feed]]` on its
//! schedule, parse it, and add each new entry's article URL as a watch
//! (source `feed`, the feed's label, schedule `adaptive`), unless it resolves
//! to a private address on another host than the feed's. A feed failure is
//! recorded on the feed and retried later with backoff; it never stops a
//! pass or the daemon.

use super::{Pipeline, PipelineError};
use crate::config::Config;
use crate::core::cadence::{self, Adaptive, Plan, ScheduleSpec, Timing, ADAPTIVE};
use crate::core::feed::FeedEntry;
use crate::core::netaddr::non_public_range;
use crate::fetch::{FailureKind, FeedFetchOutcome};
use crate::store::{
    run_blocking, Failure, FeedOutcome, FeedPoll, FeedState, NewFeed, NewWatch, StoreError, Watch,
    WatchSource,
};
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use std::time::Instant;
use url::Url;

/// How often a feed without its own `schedule` is polled.
pub const DEFAULT_FEED_INTERVAL: chrono::Duration = chrono::Duration::minutes(15);
/// Longest wait for resolving an entry's host before it is refused (this
/// poll; the next poll tries again).
pub const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Feeds polled at once in one pass (the fetcher's per-host limits apply).
pub const FEED_CONCURRENCY: usize = 8;

/// What one poll of one feed did.
#[derive(Debug, Clone)]
pub struct FeedPolled {
    /// The feed's URL.
    pub url: String,
    /// How the poll ended.
    pub outcome: FeedOutcome,
    /// The watches it added (due at once).
    pub added: Vec<Watch>,
    /// Watched URLs the listing says changed since their last check (a
    /// newer `<lastmod>` or `updated`): due at once too.
    pub hinted: Vec<Watch>,
    /// Entries refused (private address, unresolvable host).
    pub rejected: usize,
    /// When the feed is polled next (its schedule, or the failure backoff).
    pub next_due: DateTime<Utc>,
    /// Wall time of the poll.
    pub duration: std::time::Duration,
}

/// What polling several feeds did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FeedsSummary {
    /// Feeds polled.
    pub polled: usize,
    /// Of those, the polls that failed.
    pub failed: usize,
    /// Watches added from their entries.
    pub discovered: usize,
    /// Entries refused (a private address, an unresolvable host).
    pub rejected: usize,
}

impl Pipeline {
    /// Make the store's feeds match the `[[feed]]` list: new ones added,
    /// label and schedule updated, removed ones forgotten (the watches they
    /// found stay).
    pub(super) fn sync_config_feeds(&self, cfg: &Config) -> Result<(), StoreError> {
        for f in cfg.discovery() {
            let new = NewFeed {
                url: f.url.0.to_string(),
                label: f.label.clone(),
                schedule: f.schedule.as_ref().map(|s| s.0.to_string()),
            };
            match self.store.feed(&new.url) {
                Ok(old) if old.label == new.label && old.schedule == new.schedule => {}
                Ok(_) | Err(StoreError::NotFound(_)) => {
                    self.store.upsert_feed(new)?;
                }
                Err(e) => return Err(e),
            }
        }
        for f in self.store.feeds()? {
            if !self.feed_urls.contains(&f.url) {
                self.store.remove_feed(&f.url)?;
            }
        }
        Ok(())
    }

    /// Whether `url` is one of the config's `[[feed]]`s.
    pub fn is_configured_feed(&self, url: &str) -> bool {
        self.feed_urls.contains(url)
    }

    /// The feeds to poll now (every feed with `all`).
    pub fn due_feeds(&self, all: bool) -> Result<Vec<FeedState>, StoreError> {
        let now = self.clock.now();
        Ok(self
            .store
            .feeds()?
            .into_iter()
            .filter(|f| self.feed_urls.contains(&f.url))
            .filter(|f| all || f.next_due.is_none_or(|d| d <= now))
            .collect())
    }

    /// When a feed is due after a poll that ended at `now` (see
    /// [`next_poll`]).
    pub fn feed_next_due(
        &self,
        f: &FeedState,
        now: DateTime<Utc>,
        retry_after: Option<std::time::Duration>,
    ) -> DateTime<Utc> {
        let key = xxhash_rust::xxh3::xxh3_64(f.url.as_bytes());
        next_poll(
            f.schedule.as_deref(),
            f.consecutive_failures,
            retry_after,
            now,
            key,
        )
    }

    /// Poll `feeds` (a few at once) and add what they list.
    pub async fn poll_feeds(&self, feeds: Vec<FeedState>) -> Result<FeedsSummary, PipelineError> {
        let mut summary = FeedsSummary::default();
        let mut results = stream::iter(feeds)
            .map(|f| async move { self.poll_feed(&f).await })
            .buffer_unordered(FEED_CONCURRENCY);
        while let Some(r) = results.next().await {
            let p = match r {
                Ok(p) => p,
                Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            summary.polled += 1;
            summary.failed += usize::from(p.outcome == FeedOutcome::Failed);
            summary.discovered += p.added.len();
            summary.rejected += p.rejected;
        }
        Ok(summary)
    }

    /// Poll one feed and record the result on it (flushed before this
    /// returns). Only a store failure is an error.
    pub async fn poll_feed(&self, feed: &FeedState) -> Result<FeedPolled, StoreError> {
        let started = Instant::now();
        let at = self.clock.now();
        let mut next = feed.clone();
        let mut poll = FeedPoll {
            at,
            outcome: FeedOutcome::Failed,
            http_status: None,
            failure: None,
            reason: None,
            entries: 0,
            added: 0,
            rejected: 0,
            duration_ms: 0,
        };
        let mut added = Vec::new();
        let mut hinted = Vec::new();
        let mut retry_after = None;
        match Url::parse(&feed.url) {
            Err(e) => fail(
                &mut poll,
                FailureKind::BadUrl.into(),
                format!("{} is not a valid URL: {e}", feed.url),
            ),
            Ok(url) => match self.fetcher.fetch_feed(&url, &feed.validators).await {
                FeedFetchOutcome::NotModified => {
                    poll.outcome = FeedOutcome::NotModified;
                    poll.http_status = Some(304);
                    poll.entries = feed.entries_seen;
                }
                FeedFetchOutcome::Failed(f) => {
                    retry_after = f.retry_after;
                    poll.http_status = f.http_status;
                    fail(&mut poll, f.kind.into(), f.reason);
                }
                FeedFetchOutcome::Feed(doc) => {
                    poll.http_status = Some(doc.status);
                    // a feed, or a sitemap (an index's children read too)
                    match self.read_listing(doc.body, doc.final_url.clone()).await {
                        Ok(listing) => {
                            poll.outcome = FeedOutcome::Ok;
                            poll.entries = listing.entries.len();
                            next.validators = doc.validators;
                            // the feed's own host as configured, not where it
                            // redirected to: a redirect must not widen the rule
                            let (new, rejected, soon) =
                                self.admit(feed, origin(&url), listing.entries).await?;
                            poll.rejected = rejected;
                            let store = self.store.clone();
                            added = run_blocking(move || store.add_discovered_watches_at(new, at))
                                .await?;
                            poll.added = added.len();
                            hinted = soon;
                        }
                        Err(why) => fail(&mut poll, Failure::BadFeed, why),
                    }
                }
            },
        }
        if poll.outcome == FeedOutcome::Failed {
            next.consecutive_failures += 1;
            tracing::warn!(
                feed = %feed.url,
                reason = poll.reason.as_deref().unwrap_or(""),
                failures = next.consecutive_failures,
                "feed poll failed"
            );
        } else {
            next.consecutive_failures = 0;
            next.entries_seen = poll.entries;
        }
        next.entries_added += poll.added as u64;
        next.entries_rejected += poll.rejected as u64;
        poll.duration_ms = started.elapsed().as_millis() as u64;
        let outcome = poll.outcome;
        let rejected = poll.rejected;
        next.last_poll = Some(poll);
        let next_due = self.feed_next_due(&next, self.clock.now(), retry_after);
        next.next_due = Some(next_due);
        if added.is_empty() {
            tracing::debug!(feed = %feed.url, outcome = %crate::core::wire::name(&outcome), "feed polled");
        } else {
            tracing::info!(feed = %feed.url, added = added.len(), "feed listed new articles");
        }
        let store = self.store.clone();
        run_blocking(move || {
            // the feed may have left the config while it was polled
            store.feed(&next.url)?;
            store.commit_feed_poll(next)
        })
        .await?;
        Ok(FeedPolled {
            url: feed.url.clone(),
            outcome,
            added,
            hinted,
            rejected,
            next_due,
            duration: started.elapsed(),
        })
    }

    /// The entries not watched yet that may be watched, as new watches, how
    /// many were refused, and the watched ones that the listing says
    /// changed since their last check (made due now).
    async fn admit(
        &self,
        feed: &FeedState,
        feed_origin: Option<(String, u16)>,
        entries: Vec<FeedEntry>,
    ) -> Result<(Vec<NewWatch>, usize, Vec<Watch>), StoreError> {
        let mut new = Vec::new();
        let mut rejected = 0;
        // one lookup per host and port in a poll
        let mut verdicts: std::collections::HashMap<(String, u16), Result<(), String>> =
            std::collections::HashMap::new();
        // already watched: left as it is
        let store = self.store.clone();
        let (entries, hinted) = run_blocking(move || {
            let mut fresh = Vec::new();
            let mut hinted = Vec::new();
            for entry in entries {
                match store.watch(entry.url.as_str()) {
                    Ok(w) => {
                        let checked = w.last_check.as_ref().map(|c| c.at);
                        let changed = entry
                            .modified
                            .is_some_and(|m| checked.is_none_or(|c| m > c));
                        if changed && !w.retired {
                            hinted.push(store.make_due(w.id)?);
                        }
                    }
                    Err(StoreError::NotFound(_)) => fresh.push(entry),
                    Err(e) => return Err(e),
                }
            }
            Ok((fresh, hinted))
        })
        .await?;
        for entry in entries {
            let Some(at) = origin(&entry.url) else {
                continue; // parse_feed keeps only URLs with a host
            };
            if feed_origin.as_ref() != Some(&at) {
                let verdict = match verdicts.get(&at) {
                    Some(v) => v.clone(),
                    None => {
                        let v = public_host(&entry.url).await;
                        verdicts.insert(at, v.clone());
                        v
                    }
                };
                if let Err(why) = verdict {
                    rejected += 1;
                    tracing::warn!(feed = %feed.url, entry = %entry.url, reason = %why, "feed entry refused");
                    continue;
                }
            }
            new.push(NewWatch {
                url: entry.url.to_string(),
                label: feed.label.clone(),
                schedule: Some(ADAPTIVE.to_string()),
                source: WatchSource::Feed,
            });
        }
        Ok((new, rejected, hinted))
    }
}

/// When a feed is due after a poll that ended at `now`: its crontab line,
/// else every [`DEFAULT_FEED_INTERVAL`]; with jitter (fixed by `key`),
/// failure backoff and `Retry-After` as for watches.
pub fn next_poll(
    schedule: Option<&str>,
    consecutive_failures: u32,
    retry_after: Option<std::time::Duration>,
    now: DateTime<Utc>,
    key: u64,
) -> DateTime<Utc> {
    let every = Plan::Adaptive(Adaptive {
        steps: Vec::new(),
        then: DEFAULT_FEED_INTERVAL,
        stop_after: chrono::Duration::MAX,
    });
    let plan = match schedule.map(ScheduleSpec::parse) {
        Some(Ok(ScheduleSpec::Cron(s))) => Plan::Cron(s),
        _ => every.clone(),
    };
    let timing = Timing {
        consecutive_failures,
        retry_after,
        ..Timing::default()
    };
    cadence::next_due(&plan, &timing, now, key)
        .or_else(|| cadence::next_due(&every, &timing, now, key))
        .unwrap_or(now + DEFAULT_FEED_INTERVAL)
}

fn fail(poll: &mut FeedPoll, kind: Failure, reason: String) {
    poll.outcome = FeedOutcome::Failed;
    poll.failure = Some(kind);
    poll.reason = Some(reason);
}

/// Host (lower-cased) and port of a URL.
fn origin(url: &Url) -> Option<(String, u16)> {
    Some((
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?,
    ))
}

/// `Ok` when every address the URL's host resolves to is public; else why
/// not, in words.
pub async fn public_host(url: &Url) -> Result<(), String> {
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<std::net::IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![ip.into()],
        Some(url::Host::Ipv6(ip)) => vec![ip.into()],
        Some(url::Host::Domain(name)) => {
            match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port))).await
            {
                Ok(Ok(it)) => it.map(|a| a.ip()).collect(),
                Ok(Err(e)) => return Err(format!("cannot resolve {name}: {e}")),
                Err(_) => return Err(format!("cannot resolve {name}: no answer in time")),
            }
        }
        None => return Err("the URL has no host".to_string()),
    };
    if addrs.is_empty() {
        return Err("the host resolves to no address".to_string());
    }
    for ip in addrs {
        if let Some(range) = non_public_range(ip) {
            return Err(format!(
                "{} resolves to {ip}, a {range} address; entries from a feed may point at private addresses only on the feed's own host",
                url.host_str().unwrap_or("the host")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn feeds_poll_every_15_minutes_or_on_their_crontab_and_back_off() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
        let minutes = |d: DateTime<Utc>| (d - now).num_seconds() as f64 / 60.0;
        let d = minutes(next_poll(None, 0, None, now, 7));
        assert!((15.0..=17.0).contains(&d), "default: {d} min");
        let d = minutes(next_poll(Some("adaptive"), 0, None, now, 7));
        assert!(
            (15.0..=17.0).contains(&d),
            "adaptive means the default: {d} min"
        );
        let d = minutes(next_poll(Some("*/5 * * * *"), 0, None, now, 7));
        assert!((5.0..=5.6).contains(&d), "crontab: {d} min");
        let d = minutes(next_poll(None, 3, None, now, 7));
        assert!(d >= 60.0, "three failures: at least 4 x 15 min, got {d}");
        let d = minutes(next_poll(None, 40, None, now, 7));
        assert!(d <= 6.0 * 60.0 + 2.0, "backoff is capped: {d}");
        let d = minutes(next_poll(
            None,
            1,
            Some(std::time::Duration::from_secs(3600)),
            now,
            7,
        ));
        assert!(d >= 60.0, "Retry-After honoured: {d}");
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[tokio::test]
    async fn private_hosts_are_refused_on_their_resolved_addresses() {
        for u in [
            "http://127.0.0.1:8080/a",
            "http://10.0.0.7/a",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/a",
            "http://[fe80::1]/a",
            "http://0.0.0.0/a",
            "http://localhost/a", // a name: resolved, not judged by its text
        ] {
            let why = public_host(&url(u)).await.unwrap_err();
            assert!(why.contains("resolves to"), "{u}: {why}");
        }
        let why = public_host(&url("http://localhost:1/")).await.unwrap_err();
        assert!(why.contains("loopback"), "{why}");
        assert_eq!(public_host(&url("http://93.184.216.34/a")).await, Ok(()));
        assert_eq!(
            public_host(&url("http://[2606:4700::1111]/a")).await,
            Ok(())
        );
    }

    #[test]
    fn origins_compare_host_and_port() {
        assert_eq!(
            origin(&url("http://Example.COM/feed")),
            Some(("example.com".to_string(), 80))
        );
        assert_ne!(
            origin(&url("http://127.0.0.1:8080/")),
            origin(&url("http://127.0.0.1:8081/"))
        );
        assert_eq!(
            origin(&url("https://a.example/x")),
            origin(&url("https://a.example:443/y"))
        );
    }
}
