//! What a response says, in the fetcher's terms: the next redirect hop,
//! the validators to send, a status as a failure with its Retry-After.

use super::classify::failure;
use super::{human_bytes, parse_retry_after, retry, FailureKind, FetchFailure, Validators};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;
use url::Url;

pub(super) fn check_scheme(url: &Url) -> Result<(), FetchFailure> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(failure(
            FailureKind::BadUrl,
            format!("cannot fetch {url}: only http and https are supported, not {other}"),
        )),
    }
}

/// The next hop of a 3xx response: its `Location`, resolved against the
/// current URL, without fragment, http or https only.
pub(super) fn redirect_target(
    current: &Url,
    response: &reqwest::Response,
) -> Result<Url, FetchFailure> {
    let status = response.status();
    let Some(location) = response.headers().get(header::LOCATION) else {
        return Err(status_failure(
            response,
            &format!("HTTP {} without a Location header", status_words(status)),
        ));
    };
    let location = String::from_utf8_lossy(location.as_bytes());
    let mut next = current.join(location.trim()).map_err(|err| {
        failure(
            FailureKind::BadUrl,
            format!("{current} redirects to an invalid URL {location:?}: {err}"),
        )
    })?;
    next.set_fragment(None);
    check_scheme(&next).map_err(|mut f| {
        f.reason = format!("{current} redirects to {next}, {}", f.reason);
        f
    })?;
    Ok(next)
}

pub(super) fn conditional_headers(validators: &Validators) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let pairs = [
        (header::IF_NONE_MATCH, validators.etag.as_deref()),
        (
            header::IF_MODIFIED_SINCE,
            validators.last_modified.as_deref(),
        ),
    ];
    for (name, value) in pairs {
        let Some(value) = value else { continue };
        match HeaderValue::from_str(value) {
            Ok(v) => {
                headers.insert(name, v);
            }
            Err(_) => {
                tracing::debug!(header = %name, value, "validator is not a valid header value; not sent")
            }
        }
    }
    headers
}

/// The response's cache validators, for the next conditional GET.
pub(super) fn validators(headers: &HeaderMap) -> super::Validators {
    super::Validators {
        etag: header_string(headers, header::ETAG),
        last_modified: header_string(headers, header::LAST_MODIFIED),
    }
}

pub(super) fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let value = headers.get(name)?;
    let text = String::from_utf8_lossy(value.as_bytes()).trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// `HttpStatus` failure carrying the code and any Retry-After.
pub(super) fn status_failure(response: &reqwest::Response, reason: &str) -> FetchFailure {
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let mut reason = reason.to_string();
    if let Some(wait) = retry_after {
        reason.push_str(&format!(" (Retry-After: {})", retry::human_duration(wait)));
    }
    FetchFailure {
        kind: FailureKind::HttpStatus,
        reason,
        http_status: Some(response.status().as_u16()),
        retry_after,
        final_url: None,
    }
}

/// "404 Not Found", or just "599" for codes without a standard phrase.
pub(super) fn status_words(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(phrase) => format!("{} {phrase}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

pub(super) fn too_large(what: String, cap: u64) -> FetchFailure {
    failure(
        FailureKind::TooLarge,
        format!(
            "{what} larger than {} (the cap is fetch.max_body_bytes); not read further",
            human_bytes(cap)
        ),
    )
}
