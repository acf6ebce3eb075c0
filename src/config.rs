//! Configuration: TOML, validated, errors naming file, line and key.
//!
//! Every value that can be wrong on its own (a URL, a cron line, a regex, a
//! CSS selector) has a newtype that validates while it is deserialized, so
//! the TOML parser's span points at the offending value and the error can
//! name the line and the dotted key. Unknown keys are rejected everywhere.

use crate::core::extract::OutletRules;
use crate::core::outlet::OutletMap;
use crate::core::schedule::Schedule;
use crate::fetch::{self, FetchOptions};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// Used when `[schedule] default` is not set: every 30 minutes.
pub const DEFAULT_SCHEDULE: &str = "*/30 * * * *";
/// Used when `[storage] path` is not set (relative to the config file).
pub const DEFAULT_STORAGE_PATH: &str = "copydesk.db";
/// sled page cache, MiB (sled's own default is 1 GiB).
pub const DEFAULT_CACHE_MB: u64 = 64;
/// Watches checked at the same time in one pass (across all hosts).
pub const DEFAULT_CONCURRENCY: usize = 32;
/// The web UI / API listener (loopback).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";

/// A configuration that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot read config file {path}: {source} (pass --config PATH or set COPYDESK_CONFIG)"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {}{message}", key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub schedule: ScheduleConfig,
    #[serde(default)]
    pub fetch: FetchConfig,
    #[serde(default, rename = "watch")]
    pub watches: Vec<WatchConfig>,
    #[serde(default, rename = "feed")]
    pub feeds: Vec<FeedConfig>,
    #[serde(default, rename = "outlet")]
    pub outlets: Vec<OutletConfig>,
    #[serde(default)]
    pub alert: AlertConfig,
    #[serde(default)]
    pub web: WebConfig,
    #[serde(default)]
    pub log: LogConfig,
    /// The file this was loaded from (not a key).
    #[serde(skip)]
    pub source: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Database directory; relative paths are relative to the config file.
    #[serde(default = "default_storage_path")]
    pub path: PathBuf,
    #[serde(default = "default_cache_mb")]
    pub cache_mb: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            path: default_storage_path(),
            cache_mb: DEFAULT_CACHE_MB,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// Crontab line for watches without their own `schedule`.
    #[serde(default = "default_schedule")]
    pub default: CronExpr,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            default: default_schedule(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    pub user_agent: Option<String>,
    pub timeout_secs: Option<Positive>,
    pub connect_timeout_secs: Option<Positive>,
    pub max_body_bytes: Option<Positive>,
    pub max_redirects: Option<u32>,
    pub per_host_concurrency: Option<Positive>,
    pub concurrency: Option<Positive>,
    pub retries: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    pub url: HttpUrl,
    pub schedule: Option<CronExpr>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub url: HttpUrl,
    pub label: Option<String>,
    pub schedule: Option<CronExpr>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutletConfig {
    pub name: String,
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

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    #[serde(default)]
    pub webhook: Vec<WebhookConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: HttpUrl,
    /// Event kinds to send; all when absent.
    pub events: Option<Vec<EventKind>>,
}

impl WebhookConfig {
    /// The outbox name of this sink.
    pub fn sink_name(&self) -> String {
        format!("webhook:{}", self.url.0)
    }

    pub fn wants(&self, kind: &str) -> bool {
        match &self.events {
            None => true,
            Some(kinds) => kinds.iter().any(|k| k.0 == kind),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Required when `listen` is not a loopback address.
    pub token: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen: default_listen(),
            token: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter such as "info" or "copydesk=debug"; `RUST_LOG` wins.
    pub level: Option<String>,
}

fn default_storage_path() -> PathBuf {
    PathBuf::from(DEFAULT_STORAGE_PATH)
}
fn default_cache_mb() -> u64 {
    DEFAULT_CACHE_MB
}
fn default_schedule() -> CronExpr {
    // The constant is a valid schedule; covered by a test below.
    CronExpr(Schedule::parse(DEFAULT_SCHEDULE).expect("DEFAULT_SCHEDULE parses"))
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8765))
}

/// An absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct HttpUrl(pub Url);

impl TryFrom<String> for HttpUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        parse_http_url(&s).map(HttpUrl)
    }
}

/// Parse a user-given watch URL: absolute, http or https, with a host.
pub fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| {
        format!("invalid URL {s:?}: {e} (write an absolute http:// or https:// URL)")
    })?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("invalid URL {s:?}: no host")),
        other => Err(format!(
            "invalid URL {s:?}: scheme {other:?} is not http or https"
        )),
    }
}

/// A crontab line (5 fields, or 6 with seconds).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct CronExpr(pub Schedule);

impl TryFrom<String> for CronExpr {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Schedule::parse(&s).map(CronExpr).map_err(|e| e.to_string())
    }
}

/// A regular expression (Rust `regex` syntax).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern(pub regex::Regex);

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        regex::Regex::new(&s)
            .map(Pattern)
            .map_err(|e| format!("invalid regex {s:?}: {e}"))
    }
}

/// A CSS selector, checked by the same engine extraction uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct CssSelector(pub String);

impl TryFrom<String> for CssSelector {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match dom_query::Matcher::new(&s) {
            Ok(_) => Ok(CssSelector(s)),
            Err(e) => Err(format!("invalid CSS selector {s:?}: {e:?}")),
        }
    }
}

/// An event kind a sink can subscribe to.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct EventKind(pub String);

/// Event kinds that exist (more come with later features).
pub const EVENT_KINDS: &[&str] = &["edit", "republication"];

impl TryFrom<String> for EventKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if EVENT_KINDS.contains(&s.as_str()) {
            Ok(EventKind(s))
        } else {
            Err(format!(
                "unknown event kind {s:?}; known kinds: {}",
                EVENT_KINDS.join(", ")
            ))
        }
    }
}

/// A whole number greater than zero.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "i64")]
pub struct Positive(pub u64);

impl TryFrom<i64> for Positive {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        if n > 0 {
            Ok(Positive(n as u64))
        } else {
            Err(format!("must be greater than zero, got {n}"))
        }
    }
}

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
        Ok(cfg)
    }

    /// Rules that need the whole file: the token for non-loopback listeners,
    /// duplicate watches.
    fn check_semantics(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
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
        let mut seen = std::collections::HashSet::new();
        for w in &self.watches {
            if !seen.insert(w.url.0.as_str()) {
                let at = text.rfind(w.url.0.as_str()).unwrap_or(0);
                return Err(invalid(
                    path,
                    text,
                    at,
                    format!("watch {} is listed twice", w.url.0),
                ));
            }
        }
        Ok(())
    }

    /// The database directory, relative paths resolved against the config
    /// file's directory.
    pub fn storage_path(&self) -> PathBuf {
        if self.storage.path.is_absolute() {
            return self.storage.path.clone();
        }
        let base = self.source.parent().unwrap_or_else(|| Path::new("."));
        base.join(&self.storage.path)
    }

    pub fn fetch_options(&self) -> FetchOptions {
        let f = &self.fetch;
        let d = FetchOptions::default();
        FetchOptions {
            user_agent: f.user_agent.clone().unwrap_or(d.user_agent),
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
        }
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

fn invalid(path: &Path, text: &str, offset: usize, message: String) -> ConfigError {
    let offset = offset.min(text.len());
    let line = text[..offset].matches('\n').count() + 1;
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        key: key_at(text, offset),
        message,
    }
}

/// The dotted key of the `key = value` line containing `offset`, prefixed by
/// the nearest table header above it (`watch.schedule`, `storage.path`).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    if line.starts_with('[') {
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())?;
    Some(match header {
        Some(h) => format!("{h}.{key}"),
        None => key,
    })
}

/// Byte offset of `key = ` inside `[table]`, or 0.
fn find_key(text: &str, table: &str, key: &str) -> usize {
    let mut in_table = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            in_table = t.trim_matches(|c| c == '[' || c == ']').trim() == table;
        } else if in_table && t.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
            return offset;
        }
        offset += line.len();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("test.toml"))
    }

    fn err(text: &str) -> (usize, Option<String>, String) {
        match parse(text) {
            Err(ConfigError::Invalid {
                line, key, message, ..
            }) => (line, key, message),
            other => panic!("expected an Invalid error, got {other:?}"),
        }
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.schedule.default.0.as_str(), DEFAULT_SCHEDULE);
        assert_eq!(c.storage.cache_mb, DEFAULT_CACHE_MB);
        assert!(c.web.listen.ip().is_loopback());
    }

    #[test]
    fn full_file_parses() {
        let c = parse(
            r#"
[storage]
path = "/var/lib/copydesk/db"
cache_mb = 128

[schedule]
default = "*/10 * * * *"

[fetch]
timeout_secs = 20
per_host_concurrency = 1

[[watch]]
url = "https://example.com/news/1"
schedule = "*/5 * * * *"
label = "one"

[[feed]]
url = "https://example.com/rss"

[[outlet]]
name = "Example"
hosts = ["example.com", "example.org"]
body = ["article .content"]
remove = [".photo-credit"]
ignore = ["^Photo: "]

[[alert.webhook]]
url = "http://127.0.0.1:9000/hook"
events = ["edit"]

[web]
listen = "127.0.0.1:8080"
"#,
        )
        .unwrap();
        assert_eq!(c.watches.len(), 1);
        assert_eq!(c.watches[0].label.as_deref(), Some("one"));
        assert_eq!(
            c.alert.webhook[0].sink_name(),
            "webhook:http://127.0.0.1:9000/hook"
        );
        assert!(c.alert.webhook[0].wants("edit"));
        assert!(!c.alert.webhook[0].wants("republication"));
        assert_eq!(c.storage_path(), PathBuf::from("/var/lib/copydesk/db"));
        assert_eq!(c.fetch_options().per_host_concurrency, 1);
        assert_eq!(c.outlet_rules()[0].ignore.len(), 1);
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let (line, key, msg) = err("[storage]\npath = \"x\"\ncolour = \"red\"\n");
        assert_eq!(line, 3);
        assert_eq!(key.as_deref(), Some("storage.colour"));
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn bad_cron_names_line_and_key() {
        let (line, key, msg) =
            err("[[watch]]\nurl = \"https://a.example/x\"\nschedule = \"every hour\"\n");
        assert_eq!(line, 3);
        assert_eq!(key.as_deref(), Some("watch.schedule"));
        assert!(msg.contains("crontab"), "{msg}");
    }

    #[test]
    fn bad_url_names_line_and_key() {
        let (line, key, msg) = err("\n\n[[watch]]\nurl = \"ftp://a.example/x\"\n");
        assert_eq!(line, 4);
        assert_eq!(key.as_deref(), Some("watch.url"));
        assert!(msg.contains("http"), "{msg}");
        let (_, _, msg) = err("[[watch]]\nurl = \"not a url\"\n");
        assert!(msg.contains("invalid URL"), "{msg}");
    }

    #[test]
    fn bad_values_are_named() {
        assert_eq!(
            err("[fetch]\ntimeout_secs = 0\n").1.as_deref(),
            Some("fetch.timeout_secs")
        );
        assert_eq!(
            err("[[outlet]]\nname = \"x\"\nignore = [\"(\"]\n")
                .1
                .as_deref(),
            Some("outlet.ignore")
        );
        assert_eq!(
            err("[[outlet]]\nname = \"x\"\nbody = [\"<<<\"]\n")
                .1
                .as_deref(),
            Some("outlet.body")
        );
        assert_eq!(
            err("[[alert.webhook]]\nurl = \"http://127.0.0.1:1/\"\nevents = [\"edits\"]\n")
                .1
                .as_deref(),
            Some("alert.webhook.events")
        );
    }

    #[test]
    fn public_listener_needs_token() {
        let (line, key, msg) = err("[web]\nlisten = \"0.0.0.0:8080\"\n");
        assert_eq!((line, key.as_deref()), (2, Some("web.listen")));
        assert!(msg.contains("token"), "{msg}");
        assert!(parse("[web]\nlisten = \"0.0.0.0:8080\"\ntoken = \"s3cret\"\n").is_ok());
    }

    #[test]
    fn duplicate_watch_is_an_error() {
        let (line, _, msg) = err(
            "[[watch]]\nurl = \"https://a.example/x\"\n[[watch]]\nurl = \"https://a.example/x\"\n",
        );
        assert_eq!(line, 4, "points at the second entry");
        assert!(msg.contains("twice"));
    }

    #[test]
    fn relative_storage_path_is_relative_to_the_file() {
        let c = Config::parse(
            "[storage]\npath = \"data/db\"\n",
            Path::new("/etc/copydesk/copydesk.toml"),
        )
        .unwrap();
        assert_eq!(c.storage_path(), PathBuf::from("/etc/copydesk/data/db"));
    }

    #[test]
    fn syntax_error_has_a_line() {
        let (line, _, _) = err("[storage]\npath = \n");
        assert_eq!(line, 2);
    }
}
