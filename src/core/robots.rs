//! robots.txt as rules: who is bound by it ([`RobotsPolicy`]), what a
//! fetched (or missing, or unreachable) robots.txt allows for copydesk's
//! user-agent token, its `Crawl-delay`, and how long it may be cached (its
//! HTTP caching headers, bounded). The parsing is `texting_robots`'s. Pure:
//! bytes and header strings in, values out.

use std::time::Duration;

use serde::Deserialize;

/// Whose URLs robots.txt is obeyed for (`[fetch] robots`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RobotsPolicy {
    /// Only for watches that discovery added (feeds, sitemaps): nobody
    /// asked for those URLs by name. The default: a person who adds one
    /// article by hand expects it to be checked.
    #[default]
    Discovered,
    /// For every watch, the ones people added included.
    All,
    /// Never (robots.txt is not even fetched).
    Off,
}

impl RobotsPolicy {
    /// Whether a watch is bound by robots.txt: its own `robots` override
    /// when it has one, else this policy by where the watch came from.
    pub fn applies(self, discovered: bool, overridden: Option<bool>) -> bool {
        if let Some(obey) = overridden {
            return obey;
        }
        match self {
            RobotsPolicy::Discovered => discovered,
            RobotsPolicy::All => true,
            RobotsPolicy::Off => false,
        }
    }
}

/// How long a robots.txt is kept when its response says nothing about
/// caching (RFC 9309 section 2.4: a crawler should not use a cached copy
/// for more than 24 hours).
pub const DEFAULT_ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// The longest a robots.txt is kept, whatever its headers say.
pub const MAX_ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// The shortest, whatever its headers say (`no-cache`, `max-age=0`): a
/// host is not asked for robots.txt before every request.
pub const MIN_ROBOTS_TTL: Duration = Duration::from_secs(60);
/// How soon an unreachable robots.txt (5xx, 429, timeout, no connection) is
/// asked for again.
pub const UNREACHABLE_RETRY: Duration = Duration::from_secs(10 * 60);
/// After this long unreachable with no good copy, a host's robots.txt is
/// taken as allowing everything (Google's documented behaviour: 30 days).
pub const UNREACHABLE_GIVE_UP: Duration = Duration::from_secs(30 * 24 * 3600);
/// Bytes of a robots.txt that are read; the rest is ignored (Google reads
/// the first 500 KiB).
pub const MAX_ROBOTS_BYTES: u64 = 500 * 1024;
/// The longest `Crawl-delay` honoured: a larger one is capped so that one
/// line of a robots.txt cannot stop a host's checks for hours.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// What a host's robots.txt says for copydesk.
#[derive(Debug)]
pub enum RobotsRules {
    /// No rules bind copydesk (a 4xx, an unreadable file, no file).
    AllowAll {
        /// Why, for the logs.
        why: String,
    },
    /// Everything is off limits for now (robots.txt unreachable: RFC 9309
    /// asks for a complete disallow until it can be read).
    DisallowAll {
        /// Why, in words (goes into the refused check's reason).
        why: String,
    },
    /// The rules of a fetched robots.txt for copydesk's token (or `*`).
    Parsed(Box<texting_robots::Robot>),
}

impl RobotsRules {
    /// The rules of a 2xx robots.txt body for `agent`; an unreadable body
    /// binds nothing.
    pub fn parse(agent: &str, body: &[u8]) -> RobotsRules {
        match texting_robots::Robot::new(agent, body) {
            Ok(robot) => RobotsRules::Parsed(Box::new(robot)),
            Err(e) => RobotsRules::AllowAll {
                why: format!("robots.txt is unreadable ({e}); nothing is disallowed"),
            },
        }
    }

    /// `Ok` when `url` (absolute) may be fetched; else why not, in words.
    pub fn verdict(&self, url: &str) -> Result<(), String> {
        match self {
            RobotsRules::AllowAll { .. } => Ok(()),
            RobotsRules::DisallowAll { why } => Err(why.clone()),
            RobotsRules::Parsed(robot) if robot.allowed(url) => Ok(()),
            RobotsRules::Parsed(_) => Err(format!("robots.txt disallows {url}")),
        }
    }

    /// The `Crawl-delay` for copydesk, capped at [`MAX_CRAWL_DELAY`].
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            RobotsRules::Parsed(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(MAX_CRAWL_DELAY.as_secs_f32()))),
            _ => None,
        }
    }

    /// Whether these rules came from a readable robots.txt.
    pub fn is_parsed(&self) -> bool {
        matches!(self, RobotsRules::Parsed(_))
    }
}

/// The robots.txt product token of a User-Agent: its first word, up to the
/// `/` of the version (`copydesk/0.1 (...)` -> `copydesk`).
pub fn agent_token(user_agent: &str) -> String {
    let first = user_agent.split_whitespace().next().unwrap_or("");
    let token = first.split('/').next().unwrap_or("");
    if token.is_empty() {
        "copydesk".to_string()
    } else {
        token.to_ascii_lowercase()
    }
}

/// How long a robots.txt response may be cached: `Cache-Control`'s
/// `max-age` (or `s-maxage`; `no-store`/`no-cache` mean the minimum), else
/// `Expires` minus `Date`, else [`DEFAULT_ROBOTS_TTL`]; always within
/// [`MIN_ROBOTS_TTL`]..=[`MAX_ROBOTS_TTL`].
pub fn robots_ttl(
    cache_control: Option<&str>,
    expires: Option<&str>,
    date: Option<&str>,
) -> Duration {
    let from_headers = cache_control
        .and_then(max_age)
        .or_else(|| expires_after(expires?, date?));
    from_headers
        .unwrap_or(DEFAULT_ROBOTS_TTL)
        .clamp(MIN_ROBOTS_TTL, MAX_ROBOTS_TTL)
}

fn max_age(cache_control: &str) -> Option<Duration> {
    let mut age = None;
    for directive in cache_control.split(',') {
        let d = directive.trim().to_ascii_lowercase();
        if d == "no-store" || d == "no-cache" {
            return Some(Duration::ZERO);
        }
        let value = d
            .strip_prefix("s-maxage=")
            .or_else(|| d.strip_prefix("max-age="));
        if let Some(secs) = value.and_then(|v| v.trim_matches('"').parse::<u64>().ok()) {
            age = Some(Duration::from_secs(secs));
        }
    }
    age
}

fn expires_after(expires: &str, date: &str) -> Option<Duration> {
    let expires = chrono::DateTime::parse_from_rfc2822(expires.trim()).ok()?;
    let date = chrono::DateTime::parse_from_rfc2822(date.trim()).ok()?;
    // an expiry in the past (or `Expires: 0`, unparsable) means stale now
    Some((expires - date).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_binds_discovered_by_default_and_overrides_win() {
        let p = RobotsPolicy::default();
        assert!(p.applies(true, None));
        assert!(!p.applies(false, None));
        assert!(p.applies(false, Some(true)));
        assert!(!RobotsPolicy::All.applies(true, Some(false)));
        assert!(RobotsPolicy::All.applies(false, None));
        assert!(!RobotsPolicy::Off.applies(true, None));
    }

    #[test]
    fn rules_for_our_token_or_the_star_group() {
        let txt = b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n\nUser-agent: otherbot\nDisallow: /\n";
        let r = RobotsRules::parse("copydesk", txt);
        assert!(r.verdict("http://a.example/news/1").is_ok());
        let why = r.verdict("http://a.example/private/1").unwrap_err();
        assert!(why.contains("disallows"), "{why}");
        assert_eq!(r.crawl_delay(), Some(Duration::from_secs(2)));
        let own =
            b"User-agent: copydesk\nDisallow: /x\nCrawl-delay: 9999\nUser-agent: *\nDisallow: /\n";
        let r = RobotsRules::parse("copydesk", own);
        assert!(r.verdict("http://a.example/y").is_ok(), "our group only");
        assert!(r.verdict("http://a.example/x/1").is_err());
        assert_eq!(r.crawl_delay(), Some(MAX_CRAWL_DELAY), "capped");
    }

    #[test]
    fn token_is_the_product_name() {
        assert_eq!(
            agent_token("copydesk/0.1 (monitor; +https://x)"),
            "copydesk"
        );
        assert_eq!(agent_token("NewsBot/2"), "newsbot");
        assert_eq!(agent_token(""), "copydesk");
    }

    #[test]
    fn ttl_follows_the_headers_within_bounds() {
        assert_eq!(robots_ttl(None, None, None), DEFAULT_ROBOTS_TTL);
        assert_eq!(
            robots_ttl(Some("public, max-age=3600"), None, None),
            Duration::from_secs(3600)
        );
        assert_eq!(robots_ttl(Some("no-cache"), None, None), MIN_ROBOTS_TTL);
        assert_eq!(
            robots_ttl(Some("max-age=9999999"), None, None),
            MAX_ROBOTS_TTL
        );
        assert_eq!(
            robots_ttl(
                None,
                Some("Tue, 01 Dec 2026 12:00:00 GMT"),
                Some("Tue, 01 Dec 2026 10:00:00 GMT")
            ),
            Duration::from_secs(7200)
        );
        assert_eq!(
            robots_ttl(None, Some("0"), Some("Tue, 01 Dec 2026 10:00:00 GMT")),
            DEFAULT_ROBOTS_TTL,
            "an unparsable Expires is ignored"
        );
    }
}
