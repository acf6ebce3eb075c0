//! Configuration: TOML, validated, errors naming file, line and key.
//!
//! Every value that can be wrong on its own (a URL, a cron line, a regex, a
//! CSS selector) has a newtype that validates while it is deserialized, so
//! the TOML parser's span points at the offending value and the error can
//! name the line and the dotted key. Unknown keys are rejected everywhere.

use crate::core::cadence::{Adaptive, ScheduleSpec};
use crate::core::extract::OutletRules;
use crate::core::outlet::OutletMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Used when `[schedule] default` is not set: every 30 minutes.
pub const DEFAULT_SCHEDULE: &str = "*/30 * * * *";

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
    /// `[retention]`: what the daemon may drop as it ages (nothing unless
    /// set).
    #[serde(default)]
    pub retention: RetentionConfig,
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

/// `[log]`: what the daemon and the CLI log.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter such as "info" or "copydesk=debug"; `RUST_LOG` wins.
    pub level: Option<String>,
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

mod alert;
mod backup;
mod fetch;
mod locate;
mod matching;
mod retention;
mod storage;
#[cfg(test)]
mod tests;
mod values;
mod web;

pub use alert::*;
pub use backup::*;
pub use fetch::*;
use locate::{find_key, invalid};
pub use matching::*;
pub use retention::*;
pub use storage::*;
pub use values::*;
pub use web::*;

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
            let roots = crate::fetch::ExtraRoots::load(&file).map_err(|e| {
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
        self.web.check(text, path)?;
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
