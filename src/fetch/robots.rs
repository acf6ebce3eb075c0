//! robots.txt per origin, for the checks bound by it: fetched once, cached
//! as long as its caching headers allow (bounded, see [`crate::core::robots`]),
//! its `Crawl-delay` handed to the host's gate ([`super::host`]) so that
//! every request to that host is spaced by it. A 4xx robots.txt allows
//! everything; an unreachable one (5xx, 429, timeout, no connection)
//! disallows everything until it can be read (RFC 9309), keeps the last good
//! copy when there is one, and allows everything after 30 days.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use url::Url;

use super::classify::failure;
use super::host::host_key;
use super::{FailureKind, FetchFailure, Fetcher, RawFetchOutcome, Reach, Validators};
use crate::core::robots::{
    robots_ttl, RobotsRules, DEFAULT_ROBOTS_TTL, MAX_ROBOTS_BYTES, UNREACHABLE_GIVE_UP,
    UNREACHABLE_RETRY,
};

/// Above this many cached origins, expired idle entries are dropped.
const PRUNE_ABOVE: usize = 4096;

/// A host's robots.txt as last read.
struct Entry {
    rules: Arc<RobotsRules>,
    expires: Instant,
    /// Since when robots.txt could not be read (the first failure of a run
    /// of failures); `None` once it was read.
    unreachable_since: Option<Instant>,
}

/// The cache: one slot per origin (`scheme://host:port`), each behind an
/// async lock so that one fetch of a robots.txt serves every check waiting
/// for it.
pub(crate) struct RobotsCache {
    agent: String,
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Entry>>>>>,
}

impl RobotsCache {
    /// A cache matching robots.txt groups against `agent` (a product
    /// token such as `copydesk`).
    pub(crate) fn new(agent: String) -> RobotsCache {
        RobotsCache {
            agent,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, origin: &str) -> Arc<tokio::sync::Mutex<Option<Entry>>> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if slots.len() >= PRUNE_ABOVE && !slots.contains_key(origin) {
            let now = Instant::now();
            slots.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot
                        .try_lock()
                        .map_or(true, |e| e.as_ref().is_some_and(|e| e.expires > now))
            });
        }
        Arc::clone(slots.entry(origin.to_string()).or_default())
    }
}

/// `scheme://host:port` of a URL.
fn origin_of(url: &Url) -> Option<String> {
    Some(format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?
    ))
}

impl Fetcher {
    /// Whether the host's robots.txt lets copydesk fetch `url`: read from
    /// the cache, or fetched (with `reach`, like the URL itself) when absent
    /// or stale. The host's `Crawl-delay` is applied to its gate on the
    /// way. A refusal is a [`FailureKind::RobotsDisallowed`] failure whose
    /// reason says why.
    pub async fn robots_allows(&self, url: &Url, reach: Reach) -> Result<(), FetchFailure> {
        let Some(origin) = origin_of(url) else {
            return Ok(()); // no host: the fetch itself will say so
        };
        let slot = self.robots.slot(&origin);
        let mut entry = slot.lock().await;
        if entry.as_ref().is_none_or(|e| e.expires <= Instant::now()) {
            let previous = entry.take();
            *entry = Some(self.read_robots(&origin, reach, previous).await);
        }
        let Some(e) = entry.as_ref() else {
            return Ok(());
        };
        if let Some(key) = host_key(url) {
            self.hosts.set_delay(&key, e.rules.crawl_delay());
        }
        e.rules.verdict(url.as_str()).map_err(|why| {
            tracing::info!(url = %url, reason = %why, "refused by robots.txt");
            failure(FailureKind::RobotsDisallowed, why)
        })
    }

    async fn read_robots(&self, origin: &str, reach: Reach, previous: Option<Entry>) -> Entry {
        let robots_url = match Url::parse(origin).and_then(|o| o.join("/robots.txt")) {
            Ok(u) => u,
            Err(e) => {
                return Entry {
                    rules: Arc::new(RobotsRules::AllowAll {
                        why: format!("no robots.txt URL for {origin}: {e}"),
                    }),
                    expires: Instant::now() + DEFAULT_ROBOTS_TTL,
                    unreachable_since: None,
                }
            }
        };
        let outcome = self
            .fetch_raw(
                &robots_url,
                &Validators::default(),
                reach,
                MAX_ROBOTS_BYTES,
                true,
            )
            .await;
        let now = Instant::now();
        let why = match outcome {
            RawFetchOutcome::Doc(doc) => {
                let rules = RobotsRules::parse(&self.robots.agent, &doc.body);
                let ttl = robots_ttl(
                    doc.cache_control.as_deref(),
                    doc.expires.as_deref(),
                    doc.date.as_deref(),
                );
                tracing::debug!(
                    robots = %robots_url,
                    ttl_secs = ttl.as_secs(),
                    crawl_delay_ms = rules.crawl_delay().map(|d| d.as_millis() as u64),
                    "read robots.txt"
                );
                return Entry {
                    rules: Arc::new(rules),
                    expires: now + ttl,
                    unreachable_since: None,
                };
            }
            RawFetchOutcome::Failed(f)
                if f.http_status
                    .is_some_and(|s| (400..500).contains(&s) && s != 429) =>
            {
                let status = f.http_status.unwrap_or(404);
                return Entry {
                    rules: Arc::new(RobotsRules::AllowAll {
                        why: format!("{robots_url} answered {status}: no rules apply"),
                    }),
                    expires: now + DEFAULT_ROBOTS_TTL,
                    unreachable_since: None,
                };
            }
            RawFetchOutcome::Failed(f) => f.reason,
            RawFetchOutcome::NotModified => "an unasked-for 304 Not Modified".to_string(),
        };
        let since = previous
            .as_ref()
            .and_then(|p| p.unreachable_since)
            .unwrap_or(now);
        tracing::warn!(robots = %robots_url, reason = %why, "robots.txt unreachable");
        let rules = match previous {
            Some(p) if p.rules.is_parsed() => p.rules, // the last good copy
            _ if now.duration_since(since) >= UNREACHABLE_GIVE_UP => {
                Arc::new(RobotsRules::AllowAll {
                    why: format!("{robots_url} unreachable for 30 days: no rules apply"),
                })
            }
            _ => Arc::new(RobotsRules::DisallowAll {
                why: format!(
                    "{robots_url} could not be read ({why}); until it can, nothing on this host is fetched for watches bound by robots.txt (RFC 9309); asked again in {} minutes",
                    UNREACHABLE_RETRY.as_secs() / 60
                ),
            }),
        };
        Entry {
            rules,
            expires: now + UNREACHABLE_RETRY,
            unreachable_since: Some(since),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_scheme_host_and_port() {
        let o = |s: &str| origin_of(&Url::parse(s).expect("url"));
        assert_eq!(
            o("https://News.example/a?b").as_deref(),
            Some("https://news.example:443")
        );
        assert_ne!(o("http://a.example/"), o("https://a.example/"));
        assert_eq!(o("data:text/plain,x"), None);
    }
}
