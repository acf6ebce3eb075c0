//! Configuration: TOML, validated, errors naming file, line and key.
//!
//! Every value that can be wrong on its own (a URL, a cron line, a regex, a
//! CSS selector) has a newtype that validates while it is deserialized, so
//! the TOML parser's span points at the offending value and the error can
//! name the line and the dotted key. Unknown keys are rejected everywhere.

use crate::core::cadence::{Adaptive, ScheduleSpec};
use crate::core::extract::OutletRules;
use crate::core::outlet::OutletMap;
use crate::fetch::{self, FetchOptions};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Used when `[schedule] default` is not set: every 30 minutes.
pub const DEFAULT_SCHEDULE: &str = "*/30 * * * *";
/// Watches checked at the same time in one pass (across all hosts).
pub const DEFAULT_CONCURRENCY: usize = 32;
/// The web UI / API listener (loopback).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";

/// A configuration that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error(
        "cannot read config file {path}: {source} (pass --config PATH or set COPYDESK_CONFIG)"
    )]
    Read {
        /// The config file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid config.
    #[error("{path}:{line}: {}{message}", key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the offending value (or table).
        line: usize,
        /// The dotted key (`watch[2].schedule`), when the error is about one.
        key: Option<String>,
        /// What is wrong and, where it helps, what to write instead.
        message: String,
    },
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[storage]`: where the database lives.
    #[serde(default)]
    pub storage: StorageConfig,
    /// `[schedule]`: when watches are checked.
    #[serde(default)]
    pub schedule: ScheduleConfig,
    /// `[fetch]`: the HTTP client, politeness and limits.
    #[serde(default)]
    pub fetch: FetchConfig,
    /// `[[watch]]`: articles watched from the config (others are added
    /// with `copydesk add`, the API or feeds).
    #[serde(default, rename = "watch")]
    pub watches: Vec<WatchConfig>,
    /// `[[feed]]`: feeds whose new articles become watches.
    #[serde(default, rename = "feed")]
    pub feeds: Vec<FeedConfig>,
    /// `[[sitemap]]`: polled like feeds (same keys), read as sitemaps.
    #[serde(default, rename = "sitemap")]
    pub sitemaps: Vec<FeedConfig>,
    /// `[[outlet]]`: hosts grouped into one named outlet, with their
    /// extraction rules.
    #[serde(default, rename = "outlet")]
    pub outlets: Vec<OutletConfig>,
    /// `[alert]` and its `[[alert.*]]` sinks.
    #[serde(default)]
    pub alert: AlertConfig,
    /// `[web]`: the daemon's HTTP listener (UI, API, Atom, health, metrics).
    #[serde(default)]
    pub web: WebConfig,
    /// `[log]`: the log filter.
    #[serde(default)]
    pub log: LogConfig,
    /// `[match]`: republication detection.
    #[serde(default, rename = "match")]
    pub matching: MatchConfig,
    /// `[check]`: how a change is confirmed and furniture learned.
    #[serde(default)]
    pub check: CheckConfig,
    /// `[backup]`: scheduled backups by the daemon.
    #[serde(default)]
    pub backup: BackupConfig,
    /// The file this was loaded from (not a key).
    #[serde(skip)]
    pub source: PathBuf,
}

/// `[schedule]`: the default schedule and the adaptive cadence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Crontab line (or `adaptive`) for watches without their own `schedule`.
    #[serde(default = "default_schedule")]
    pub default: CronExpr,
    /// The cadence of watches scheduled `adaptive`.
    #[serde(default)]
    pub adaptive: AdaptiveConfig,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            default: default_schedule(),
            adaptive: AdaptiveConfig::default(),
        }
    }
}

/// `[schedule.adaptive]`: check every `steps[i].1` while the article is
/// younger than `steps[i].0`, then every `then`, and stop after `stop_after`.
/// Defaults: [`Adaptive::default`].
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AdaptiveConfig {
    /// `[[age, every], ...]`: how often while the article is younger than
    /// each age.
    pub steps: Option<Vec<(Span, Span)>>,
    /// How often once the article is older than every step's age.
    pub then: Option<Span>,
    /// The age past which the watch is retired: kept, no longer checked.
    pub stop_after: Option<Span>,
}

impl AdaptiveConfig {
    /// The schedule with the defaults filled in, steps in order of age.
    pub fn adaptive(&self) -> Adaptive {
        let d = Adaptive::default();
        let mut steps = match &self.steps {
            Some(s) => s.iter().map(|(a, e)| (a.chrono(), e.chrono())).collect(),
            None => d.steps,
        };
        steps.sort_by_key(|(age, _)| *age);
        Adaptive {
            steps,
            then: self.then.map(Span::chrono).unwrap_or(d.then),
            stop_after: self.stop_after.map(Span::chrono).unwrap_or(d.stop_after),
        }
    }
}

/// `[fetch]`: how pages and feeds are fetched; every key is optional
/// (see [`Config::fetch_options`] for the defaults).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// The User-Agent sent with every request.
    pub user_agent: Option<String>,
    /// A URL or e-mail address added to the User-Agent, so that a site
    /// can reach whoever runs this copydesk.
    pub contact: Option<values::Contact>,
    /// Whole-request deadline, body included.
    pub timeout_secs: Option<Positive>,
    /// Deadline for the connection and the TLS handshake.
    pub connect_timeout_secs: Option<Positive>,
    /// Cap on the decompressed body; a larger page fails as `too_large`.
    pub max_body_bytes: Option<Positive>,
    /// Redirects followed before a fetch fails as `too_many_redirects`.
    pub max_redirects: Option<u32>,
    /// Requests in flight to one host at a time.
    pub per_host_concurrency: Option<Positive>,
    /// Watches checked at once in a pass (see [`Config::concurrency`]).
    pub concurrency: Option<Positive>,
    /// Extra attempts after a transient failure (connect error, 429,
    /// 502-504).
    pub retries: Option<u32>,
    /// A PEM file of CA certificates trusted beside the system's, by the
    /// fetcher and every TLS alert sink; relative to the config file.
    pub extra_ca_file: Option<PathBuf>,
    /// The certificates of `extra_ca_file`, read while the config loads
    /// (not a key).
    #[serde(skip)]
    pub extra_roots: Option<fetch::ExtraRoots>,
    /// Query parameters dropped from watch URLs besides
    /// `core::url::DEFAULT_STRIP_PARAMS` (`name`, or `prefix*`).
    #[serde(default)]
    pub strip_params: Vec<ParamName>,
    /// Whose URLs robots.txt is obeyed for: `discovered` (the default:
    /// watches added by feeds and sitemaps), `all`, or `off`.
    #[serde(default)]
    pub robots: crate::core::robots::RobotsPolicy,
}

/// A `[[watch]]`: an article the config watches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    /// The article's URL (stored in canonical form).
    pub url: HttpUrl,
    /// Crontab line or `adaptive`; `[schedule] default` when absent.
    pub schedule: Option<CronExpr>,
    /// A name for grouping and for the sinks' `labels` rules.
    pub label: Option<String>,
    /// Obey robots.txt for this watch (`true`) or not (`false`), whatever
    /// `[fetch] robots` says.
    pub robots: Option<bool>,
}

/// A `[[feed]]`: an RSS, Atom or JSON Feed whose entries become watches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// The feed's URL; its own host and port may be private.
    pub url: HttpUrl,
    /// Given to every watch the feed adds.
    pub label: Option<String>,
    /// When the feed is polled; the default feed interval when absent.
    pub schedule: Option<CronExpr>,
}

/// An `[[outlet]]`: hosts grouped under one outlet name, with extraction
/// rules of their own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutletConfig {
    /// The outlet's name in events, matches and sink rules.
    pub name: String,
    /// Hosts (and their subdomains) that belong to this outlet.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// CSS selectors of the article body.
    #[serde(default)]
    pub body: Vec<CssSelector>,
    /// CSS selectors of elements removed before extraction.
    #[serde(default)]
    pub remove: Vec<CssSelector>,
    /// Regexes; matching paragraphs are dropped.
    #[serde(default)]
    pub ignore: Vec<Pattern>,
}

/// `[web]`: the daemon's HTTP listener and who may use it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Address and port to listen on (default [`DEFAULT_LISTEN`], loopback).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Required when `listen` is not a loopback address.
    pub token: Option<String>,
    /// Connections open at once (default
    /// `daemon::listener::DEFAULT_MAX_CONNECTIONS`).
    pub max_connections: Option<Positive>,
    /// Time a client has to send a request's headers (also how long an
    /// idle keep-alive connection stays open).
    pub header_timeout: Option<Span>,
    /// Time a client has to send a request's body.
    pub body_timeout: Option<Span>,
    /// With a token: which of `healthz` and `metrics` answer without it
    /// (default both, for probes and scrapers; `[]` puts both behind the
    /// token).
    #[serde(default = "default_public")]
    pub public: Vec<PublicPath>,
    /// The address people and feed readers reach the daemon at (behind a
    /// reverse proxy, perhaps under a path): the Atom feeds' links are made
    /// absolute on it. Without it they are root-relative.
    pub public_url: Option<HttpUrl>,
}

/// An endpoint that `[web] public` can leave open when a token is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicPath {
    /// `/healthz`, for liveness probes.
    Healthz,
    /// `/metrics`, for Prometheus scrapers.
    Metrics,
}

fn default_public() -> Vec<PublicPath> {
    vec![PublicPath::Healthz, PublicPath::Metrics]
}

/// `[web] token` is at least this long: a short token is guessed.
pub const MIN_TOKEN_LEN: usize = 16;

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen: default_listen(),
            token: None,
            public_url: None,
            max_connections: None,
            header_timeout: None,
            body_timeout: None,
            public: default_public(),
        }
    }
}

/// `[log]`: what the daemon and the CLI log.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter such as "info" or "copydesk=debug"; `RUST_LOG` wins.
    pub level: Option<String>,
}

/// `[match]`: republication detection thresholds; each unset key takes the
/// measured default of [`crate::core::matching::Thresholds`].
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MatchConfig {
    /// Detect republications at all (default true).
    pub enabled: Option<bool>,
    /// Jaccard of word shingles from which a pair is a whole copy.
    pub similarity: Option<Share>,
    /// Share of one article's shingles found in the other from which a
    /// pair is a partial copy (with `min_shared_shingles`).
    pub containment: Option<Share>,
    /// Shared shingles a partial copy needs besides `containment`.
    pub min_shared_shingles: Option<Positive>,
    /// Shared paragraphs that alone make a partial copy.
    pub min_shared_paragraphs: Option<Positive>,
    /// Paragraphs shorter than this many words are not matched on their own.
    pub min_paragraph_words: Option<Positive>,
    /// A paragraph in this many articles of one outlet is its boilerplate.
    pub boilerplate_articles: Option<Positive>,
    /// A paragraph in this many different stories of any outlets is
    /// template text.
    pub boilerplate_stories: Option<Positive>,
}

impl MatchConfig {
    /// `enabled`, true when unset.
    pub fn enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// The thresholds the matcher uses: each key set here, the default for
    /// the others.
    pub fn thresholds(&self) -> crate::core::matching::Thresholds {
        let d = crate::core::matching::Thresholds::default();
        let n = |p: Option<Positive>, d: usize| p.map(|p| p.0 as usize).unwrap_or(d);
        crate::core::matching::Thresholds {
            similarity: self.similarity.map(|s| s.0).unwrap_or(d.similarity),
            containment: self.containment.map(|s| s.0).unwrap_or(d.containment),
            min_shared_shingles: n(self.min_shared_shingles, d.min_shared_shingles),
            min_shared_paragraphs: n(self.min_shared_paragraphs, d.min_shared_paragraphs),
            min_paragraph_words: n(self.min_paragraph_words, d.min_paragraph_words),
            boilerplate_articles: n(self.boilerplate_articles, d.boilerplate_articles),
            boilerplate_stories: n(self.boilerplate_stories, d.boilerplate_stories),
        }
    }
}

/// `[check]`: what a check does before it stores a change.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Fetch a changed page a second time and keep only what both fetches
    /// agree on (default true).
    pub confirm: Option<bool>,
    /// How long to wait before the confirmation fetch (default
    /// [`DEFAULT_CONFIRM_DELAY`]).
    pub confirm_delay: Option<Span>,
    /// Learn each outlet's template lines from the pages it serves
    /// (default true).
    pub learn: Option<bool>,
    /// Checks in a row that must find an article gone before it is
    /// `removed` (default [`crate::core::liveness::DEFAULT_REMOVED_AFTER`]).
    pub removed_after: Option<Positive>,
}

/// Wait before a confirmation fetch: long enough for a per-request ad or a
/// counter to differ, short enough not to hold a check slot for long.
pub const DEFAULT_CONFIRM_DELAY: std::time::Duration = std::time::Duration::from_secs(2);

impl CheckConfig {
    /// The confirmation delay, or `None` when confirmation is off.
    pub fn confirm_delay(&self) -> Option<std::time::Duration> {
        self.confirm
            .unwrap_or(true)
            .then(|| self.confirm_delay.map_or(DEFAULT_CONFIRM_DELAY, |s| s.0))
    }

    /// `learn`, true when unset.
    pub fn learn(&self) -> bool {
        self.learn.unwrap_or(true)
    }

    /// `removed_after`, or its default.
    pub fn removed_after(&self) -> u32 {
        self.removed_after
            .map_or(crate::core::liveness::DEFAULT_REMOVED_AFTER, |p| {
                u32::try_from(p.0).unwrap_or(u32::MAX)
            })
    }
}

fn default_schedule() -> CronExpr {
    // The constant is a valid schedule; covered by a test below.
    CronExpr(ScheduleSpec::parse(DEFAULT_SCHEDULE).expect("DEFAULT_SCHEDULE parses"))
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8765))
}

mod alert;
mod backup;
mod locate;
mod storage;
#[cfg(test)]
mod tests;
mod values;

pub use alert::*;
pub use backup::*;
use locate::{find_key, invalid};
pub use storage::*;
pub use values::*;

impl Config {
    /// Read and validate the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Validate `text` as if read from `path` (used in errors and to resolve
    /// relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            invalid(path, text, offset, e.message().trim().to_string())
        })?;
        cfg.source = path.to_path_buf();
        cfg.check_semantics(text, path)?;
        if let Some(file) = &cfg.fetch.extra_ca_file {
            let file = cfg.relative_to_config(file);
            let roots = fetch::ExtraRoots::load(&file).map_err(|e| {
                invalid(
                    path,
                    text,
                    find_key(text, "fetch", "extra_ca_file"),
                    e.to_string(),
                )
            })?;
            cfg.fetch.extra_roots = Some(roots);
        }
        Ok(cfg)
    }

    /// Rules that need the whole file: the token for non-loopback listeners,
    /// duplicate watches.
    fn check_semantics(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        if let Err((key, message)) = self.storage.check(text) {
            let at = find_key(text, "storage", key).max(text.find("[storage]").unwrap_or(0));
            return Err(invalid(path, text, at, message));
        }
        if let Some(token) = self.web.token.as_deref() {
            if token.chars().count() < MIN_TOKEN_LEN {
                return Err(invalid(
                    path,
                    text,
                    find_key(text, "web", "token"),
                    format!(
                        "web.token must be at least {MIN_TOKEN_LEN} characters (a short token is guessed; \
                         e.g. `openssl rand -hex 16`)"
                    ),
                ));
            }
        }
        let ip = self.web.listen.ip();
        if !ip.is_loopback() && self.web.token.as_deref().is_none_or(str::is_empty) {
            let at = find_key(text, "web", "listen");
            return Err(invalid(
                path,
                text,
                at,
                format!(
                    "listening on {} (not loopback) needs `token` in [web]",
                    self.web.listen
                ),
            ));
        }
        let rules = self.url_rules();
        let mut seen = std::collections::HashMap::new();
        for w in &self.watches {
            if let Some(Err(e)) = w.label.as_deref().map(check_label) {
                let at = text.find(w.url.0.as_str()).unwrap_or(0);
                return Err(invalid(path, text, at, format!("watch.label: {e}")));
            }
            let canonical = rules.canonical(&w.url.0);
            if let Some(first) = seen.insert(canonical.to_string(), w.url.0.as_str()) {
                let at = text.rfind(w.url.0.as_str()).unwrap_or(0);
                let also = if first == w.url.0.as_str() {
                    String::new()
                } else {
                    format!(" (as {first}; both are {canonical})")
                };
                return Err(invalid(
                    path,
                    text,
                    at,
                    format!("watch {} is listed twice{also}", w.url.0),
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        for name in self.alert.sink_names() {
            if !names.insert(name.clone()) {
                let kind = name.split(':').next().unwrap_or("alert");
                let at = text.rfind(&format!("[[alert.{kind}]]")).unwrap_or(0);
                return Err(invalid(
                    path,
                    text,
                    at,
                    format!(
                        "two [[alert.{kind}]] sinks have the same target; give them different targets{}",
                        if kind == "log" { " or names" } else { "" }
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The database directory, relative paths resolved against the config
    /// file's directory.
    pub fn storage_path(&self) -> PathBuf {
        self.relative_to_config(&self.storage.path)
    }

    /// `path` as it is if absolute, else relative to the config file's
    /// directory.
    pub(super) fn relative_to_config(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            return path.to_path_buf();
        }
        let base = self.source.parent().unwrap_or_else(|| Path::new("."));
        base.join(path)
    }

    /// The fetcher's options: each `[fetch]` key set here, the fetcher's
    /// default for the others (the contact, if any, added to the user
    /// agent).
    pub fn fetch_options(&self) -> FetchOptions {
        let f = &self.fetch;
        let d = FetchOptions::default();
        FetchOptions {
            user_agent: fetch::with_contact(
                f.user_agent.as_deref().unwrap_or(&d.user_agent),
                f.contact.as_ref().map(|c| c.0.as_str()),
            ),
            timeout: f
                .timeout_secs
                .map(|p| Duration::from_secs(p.0))
                .unwrap_or(d.timeout),
            connect_timeout: f
                .connect_timeout_secs
                .map(|p| Duration::from_secs(p.0))
                .unwrap_or(d.connect_timeout),
            max_body_bytes: f
                .max_body_bytes
                .map(|p| p.0)
                .unwrap_or(fetch::DEFAULT_MAX_BODY_BYTES),
            max_redirects: f
                .max_redirects
                .map(|n| n as usize)
                .unwrap_or(d.max_redirects),
            per_host_concurrency: f
                .per_host_concurrency
                .map(|p| p.0 as usize)
                .unwrap_or(d.per_host_concurrency),
            retries: f.retries.unwrap_or(d.retries),
            retry_backoff: d.retry_backoff,
            extra_roots: f.extra_roots.clone(),
        }
    }

    /// How watch URLs are canonicalized: the default tracking parameters
    /// plus `[fetch] strip_params`.
    pub fn url_rules(&self) -> crate::core::url::UrlRules {
        crate::core::url::UrlRules::new(&self.fetch.strip_params)
    }

    /// Watches checked at once in a pass.
    pub fn concurrency(&self) -> usize {
        self.fetch
            .concurrency
            .map(|p| p.0 as usize)
            .unwrap_or(DEFAULT_CONCURRENCY)
    }

    /// Outlet grouping from the `[[outlet]]` sections.
    pub fn outlet_map(&self) -> OutletMap {
        OutletMap::new(
            self.outlets
                .iter()
                .map(|o| (o.name.clone(), o.hosts.clone()))
                .collect(),
        )
    }

    /// Extraction rules of each `[[outlet]]`, in the order of `outlet_map`.
    pub fn outlet_rules(&self) -> Vec<OutletRules> {
        self.outlets
            .iter()
            .map(|o| OutletRules {
                body: o.body.iter().map(|s| s.0.clone()).collect(),
                remove: o.remove.iter().map(|s| s.0.clone()).collect(),
                ignore: o.ignore.iter().map(|p| p.0.clone()).collect(),
            })
            .collect()
    }
}

impl Config {
    /// Every discovery document: the `[[feed]]`s, then the `[[sitemap]]`s
    /// (feed discovery polls both; the body says which it is).
    pub fn discovery(&self) -> impl Iterator<Item = &FeedConfig> {
        self.feeds.iter().chain(self.sitemaps.iter())
    }
}
