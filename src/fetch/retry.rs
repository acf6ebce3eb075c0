//! Retry policy: which failures are worth another attempt
//! ([`should_retry`]) and how long to wait first ([`retry_delay`]). The loop
//! that sleeps lives in [`super::Fetcher::fetch`].

use std::time::Duration;

use super::{FailureKind, FetchFailure};

/// The longest `Retry-After` the fetcher waits for inside one fetch; a
/// longer one ends the fetch and is reported in the failure.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Cap on the exponential backoff between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Whether a failure is transient: the connection could not be made (or was
/// dropped before any response), or the server said "busy" (429, 502, 503,
/// 504). Everything else — 404, 500, a body that is too large, not HTML, or
/// that timed out — would fail the same way right away.
pub fn should_retry(failure: &FetchFailure) -> bool {
    match failure.kind {
        FailureKind::Connect => true,
        FailureKind::HttpStatus => matches!(failure.http_status, Some(429 | 502 | 503 | 504)),
        FailureKind::Timeout
        | FailureKind::Tls
        | FailureKind::TooLarge
        | FailureKind::NotHtml
        | FailureKind::NotFeed
        | FailureKind::PrivateAddress
        | FailureKind::RobotsDisallowed
        | FailureKind::Empty
        | FailureKind::Binary
        | FailureKind::RedirectLoop
        | FailureKind::TooManyRedirects
        | FailureKind::BadUrl
        | FailureKind::Body => false,
    }
}

/// `backoff * 2^attempt`, capped at [`MAX_BACKOFF`] (attempt 0 is the wait
/// before the first retry).
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let factor = 1u32 << attempt.min(20);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

/// How long to wait before retrying `failure`, or why not to retry.
/// A server's `Retry-After` is honoured (it is a lower bound) when it is at
/// most [`MAX_RETRY_AFTER`]; a longer one means giving up now.
pub fn retry_delay(
    failure: &FetchFailure,
    attempt: u32,
    base: Duration,
) -> Result<Duration, String> {
    let wait = backoff(base, attempt);
    match failure.retry_after {
        Some(asked) if asked > MAX_RETRY_AFTER => Err(format!(
            "the server asked to retry after {}, longer than the {} a fetch waits; not retried",
            human_duration(asked),
            human_duration(MAX_RETRY_AFTER)
        )),
        Some(asked) => Ok(wait.max(asked)),
        None => Ok(wait),
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date. A date in the
/// past gives zero.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

pub(crate) fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 || d >= Duration::from_secs(10) {
        format!("{} s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: FailureKind, status: Option<u16>) -> FetchFailure {
        FetchFailure {
            kind,
            reason: String::new(),
            http_status: status,
            retry_after: None,
            final_url: None,
        }
    }

    #[test]
    fn classification() {
        assert!(should_retry(&failure(FailureKind::Connect, None)));
        for code in [429, 502, 503, 504] {
            assert!(
                should_retry(&failure(FailureKind::HttpStatus, Some(code))),
                "{code}"
            );
        }
        for code in [400, 403, 404, 410, 500, 501] {
            assert!(
                !should_retry(&failure(FailureKind::HttpStatus, Some(code))),
                "{code}"
            );
        }
        for kind in [
            FailureKind::Timeout,
            FailureKind::TooLarge,
            FailureKind::NotHtml,
            FailureKind::Empty,
            FailureKind::Binary,
            FailureKind::RedirectLoop,
            FailureKind::Body,
            FailureKind::Tls,
        ] {
            assert!(!should_retry(&failure(kind, None)), "{kind:?}");
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_millis(500);
        assert_eq!(backoff(base, 0), Duration::from_millis(500));
        assert_eq!(backoff(base, 1), Duration::from_secs(1));
        assert_eq!(backoff(base, 2), Duration::from_secs(2));
        assert_eq!(backoff(base, 10), MAX_BACKOFF);
        assert_eq!(backoff(base, u32::MAX), MAX_BACKOFF);
        assert_eq!(backoff(Duration::MAX, 3), MAX_BACKOFF);
    }

    #[test]
    fn retry_after_is_a_lower_bound_and_long_ones_give_up() {
        let mut f = failure(FailureKind::HttpStatus, Some(503));
        f.retry_after = Some(Duration::from_secs(3));
        assert_eq!(
            retry_delay(&f, 0, Duration::from_millis(10)),
            Ok(Duration::from_secs(3))
        );
        f.retry_after = Some(Duration::from_secs(3600));
        let why = retry_delay(&f, 0, Duration::from_millis(10)).unwrap_err();
        assert!(why.contains("3600 s"), "{why}");
    }

    #[test]
    fn parses_seconds_and_dates() {
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let future = (chrono::Utc::now() + chrono::Duration::seconds(100))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let d = parse_retry_after(&future).expect("date parses");
        assert!(
            d > Duration::from_secs(90) && d <= Duration::from_secs(100),
            "{d:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-5"), None);
    }
}
