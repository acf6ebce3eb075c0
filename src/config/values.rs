//! Config values that validate themselves while they are deserialized, so
//! that the TOML parser's span points at the bad value.

use crate::core::cadence::ScheduleSpec;
use serde::Deserialize;
use url::Url;

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

/// A query parameter name for `[fetch] strip_params`: `name` or `prefix*`
/// (compared ASCII case-insensitively), no `&`, `=`, `#`, `?`, spaces or
/// control characters, and not a lone `*`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ParamName(pub String);

impl TryFrom<String> for ParamName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let bad =
            |c: char| matches!(c, '&' | '=' | '#' | '?') || c.is_whitespace() || c.is_control();
        if s.is_empty() || s == "*" {
            return Err(format!(
                "strip_params entry {s:?} would drop every parameter or none: write a name or a `prefix*`"
            ));
        }
        if s.chars().any(bad) || s.strip_suffix('*').unwrap_or(&s).contains('*') {
            return Err(format!(
                "strip_params entry {s:?} is not a query parameter name (a name, or a prefix ending in `*`)"
            ));
        }
        Ok(ParamName(s))
    }
}

/// How to reach whoever runs this copydesk (`[fetch] contact`): an http(s)
/// URL or an e-mail address, printable ASCII without spaces (it goes into
/// the User-Agent header).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Contact(pub String);

/// Longest `[fetch] contact` accepted.
pub const MAX_CONTACT_CHARS: usize = 200;

impl TryFrom<String> for Contact {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let s = s.trim().to_string();
        let printable = s.chars().all(|c| c.is_ascii_graphic());
        if s.is_empty() || !printable || s.len() > MAX_CONTACT_CHARS || s.contains(['(', ')']) {
            return Err(format!(
                "contact {s:?} must be a URL or an e-mail address: printable ASCII without spaces or parentheses, at most {MAX_CONTACT_CHARS} characters"
            ));
        }
        let url = url::Url::parse(&s)
            .ok()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        let email = s
            .strip_prefix("mailto:")
            .unwrap_or(&s)
            .split_once('@')
            .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'));
        if url || email {
            Ok(Contact(s))
        } else {
            Err(format!(
                "contact {s:?} is neither an http(s) URL nor an e-mail address"
            ))
        }
    }
}

impl AsRef<str> for ParamName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The longest watch URL taken (config, CLI, API, import), in bytes.
pub const MAX_URL_LEN: usize = 2048;
/// The longest watch label taken, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// A watch label: at most [`MAX_LABEL_CHARS`] characters, no control
/// characters.
pub fn check_label(label: &str) -> Result<(), String> {
    let n = label.chars().count();
    if n > MAX_LABEL_CHARS {
        return Err(format!(
            "label of {n} characters is longer than {MAX_LABEL_CHARS}"
        ));
    }
    if label.chars().any(char::is_control) {
        return Err("label contains a control character".into());
    }
    Ok(())
}

/// Parse a user-given watch URL: absolute, http or https, with a host, at
/// most [`MAX_URL_LEN`] bytes.
pub fn parse_http_url(s: &str) -> Result<Url, String> {
    if s.len() > MAX_URL_LEN {
        let head: String = s.chars().take(60).collect();
        return Err(format!(
            "invalid URL {head:?}...: {} bytes, longer than {MAX_URL_LEN}",
            s.len()
        ));
    }
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

/// A schedule: a crontab line (5 fields, or 6 with seconds) or `adaptive`.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct CronExpr(pub ScheduleSpec);

impl TryFrom<String> for CronExpr {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        ScheduleSpec::parse(&s)
            .map(CronExpr)
            .map_err(|e| e.to_string())
    }
}

/// A duration as people write it: "90s", "10m", "3h", "7d".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Span(pub std::time::Duration);

/// The longest duration the config takes (100 years): any date plus it is
/// still a date, so no schedule, backoff or digest can overflow.
pub const MAX_SPAN: std::time::Duration = std::time::Duration::from_secs(36_525 * 86_400);

/// Refuse a duration longer than [`MAX_SPAN`].
pub fn bounded_span(d: std::time::Duration, written: &str) -> Result<std::time::Duration, String> {
    if d > MAX_SPAN {
        Err(format!(
            "duration {written:?} is too long: at most 100 years (\"36525d\")"
        ))
    } else {
        Ok(d)
    }
}

impl TryFrom<String> for Span {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match humantime::parse_duration(s.trim()) {
            Ok(d) if !d.is_zero() => bounded_span(d, &s).map(Span),
            Ok(_) => Err(format!("duration {s:?} must be greater than zero")),
            Err(e) => Err(format!(
                "invalid duration {s:?}: {e} (write e.g. \"90s\", \"10m\", \"3h\", \"7d\")"
            )),
        }
    }
}

impl Span {
    /// As a `chrono` duration (saturating: a span too long for chrono is
    /// its maximum).
    pub fn chrono(self) -> chrono::Duration {
        chrono::Duration::from_std(self.0).unwrap_or(chrono::Duration::MAX)
    }
}

/// A header value: printable ASCII, no line breaks.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct HeaderText(pub String);

impl TryFrom<String> for HeaderText {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)) {
            Ok(HeaderText(s))
        } else {
            Err("a header value must be printable ASCII on one line".into())
        }
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

/// Event kinds that exist.
pub use crate::core::event::EVENT_KINDS;

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

/// A share between 0 and 1 (a threshold such as `[match] similarity`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "f64")]
pub struct Share(pub f64);

impl TryFrom<f64> for Share {
    type Error = String;
    fn try_from(x: f64) -> Result<Self, String> {
        if (0.0..=1.0).contains(&x) {
            Ok(Share(x))
        } else {
            Err(format!("must be between 0 and 1, got {x}"))
        }
    }
}
