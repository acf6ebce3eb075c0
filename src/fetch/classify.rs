//! Turning transport errors into [`FetchFailure`]s a person can read.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use url::Url;

use super::retry::human_duration;
use super::{FailureKind, FetchFailure, PrivateAddressError, PRIVATE_RULE};

/// Which part of the exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Connecting, sending, or waiting for the response head.
    Request,
    /// Reading (and decompressing) the body.
    Body,
}

pub(crate) fn failure(kind: FailureKind, reason: impl Into<String>) -> FetchFailure {
    FetchFailure {
        kind,
        reason: reason.into(),
        http_status: None,
        retry_after: None,
    }
}

/// Classifies a reqwest error. `timeout` is the time budget the request had,
/// `connect_timeout` the connect deadline, both for the message.
pub(crate) fn from_reqwest(
    err: &reqwest::Error,
    phase: Phase,
    url: &Url,
    timeout: Duration,
    connect_timeout: Duration,
) -> FetchFailure {
    let host = url.host_str().unwrap_or("the server");
    // connection errors name the port too: a wrong port is a common cause
    let endpoint = match url.port_or_known_default() {
        Some(p) if url.host_str().is_some() => format!("{host}:{p}"),
        _ => host.to_string(),
    };
    if let Some(private) = find_source::<PrivateAddressError>(err) {
        return failure(
            FailureKind::PrivateAddress,
            format!("refused to connect to {url}: {private}; {PRIVATE_RULE}"),
        );
    }
    let detail = detail(err);
    let tls = looks_like_tls(err);

    if err.is_connect() {
        if tls {
            return failure(
                FailureKind::Tls,
                format!("TLS handshake with {endpoint} failed: {detail}"),
            );
        }
        if err.is_timeout() {
            return failure(
                FailureKind::Connect,
                format!(
                    "cannot connect to {endpoint}: no answer within {} (fetch.connect_timeout)",
                    human_duration(connect_timeout)
                ),
            );
        }
        if err.is_dns() {
            return failure(
                FailureKind::Connect,
                format!("cannot resolve {host}: {detail}"),
            );
        }
        return failure(
            FailureKind::Connect,
            format!("cannot connect to {endpoint}: {detail}"),
        );
    }
    if err.is_timeout() {
        let what = match phase {
            Phase::Request => "waiting for the response",
            Phase::Body => "while reading the body",
        };
        return failure(
            FailureKind::Timeout,
            format!(
                "timed out {what}: the fetch took longer than {} (fetch.timeout)",
                human_duration(timeout)
            ),
        );
    }
    if tls {
        return failure(FailureKind::Tls, format!("TLS error with {host}: {detail}"));
    }
    match phase {
        Phase::Body if err.is_decode() => failure(
            FailureKind::Body,
            format!("the compressed body could not be decoded: {detail}"),
        ),
        Phase::Body => failure(
            FailureKind::Body,
            format!("{detail} while reading the body"),
        ),
        Phase::Request if err.is_builder() => failure(
            FailureKind::BadUrl,
            format!("cannot request {url}: {detail}"),
        ),
        Phase::Request => failure(
            FailureKind::Connect,
            format!("{detail} before any response arrived"),
        ),
    }
}

/// The first error of type `E` in `err`'s source chain.
fn find_source<E: StdError + 'static>(err: &reqwest::Error) -> Option<&E> {
    let mut source: Option<&(dyn StdError + 'static)> = err.source();
    while let Some(e) = source {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        source = e.source();
    }
    None
}

/// The most useful words in the error chain: a known I/O condition in plain
/// English if there is one, else the innermost message.
fn detail(err: &reqwest::Error) -> String {
    let mut innermost: Option<String> = None;
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            if let Some(words) = io_words(io_err.kind()) {
                return words.to_string();
            }
        }
        let msg = e.to_string();
        if let Some(words) = hyper_words(&msg) {
            return words.to_string();
        }
        if !msg.is_empty() {
            innermost = Some(msg);
        }
        source = e.source();
    }
    innermost.unwrap_or_else(|| "unknown error".to_string())
}

fn io_words(kind: io::ErrorKind) -> Option<&'static str> {
    Some(match kind {
        io::ErrorKind::ConnectionRefused => "connection refused",
        io::ErrorKind::ConnectionReset => "connection reset by peer",
        io::ErrorKind::ConnectionAborted => "connection aborted",
        io::ErrorKind::BrokenPipe => "connection closed by the server (broken pipe)",
        io::ErrorKind::UnexpectedEof => "the server closed the connection early",
        io::ErrorKind::NotConnected => "not connected",
        io::ErrorKind::AddrNotAvailable => "address not available",
        _ => return None,
    })
}

/// hyper's own wording for the cases that matter, rephrased.
fn hyper_words(msg: &str) -> Option<&'static str> {
    if msg.contains("connection closed before message completed") {
        Some("the server closed the connection")
    } else if msg.contains("end of file before message length reached") {
        Some("the server closed the connection before the announced length was sent")
    } else {
        None
    }
}

fn looks_like_tls(err: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = err.source();
    while let Some(e) = source {
        let msg = e.to_string().to_ascii_lowercase();
        if msg.contains("certificate") || msg.contains("tls") || msg.contains("handshake") {
            return true;
        }
        source = e.source();
    }
    false
}
