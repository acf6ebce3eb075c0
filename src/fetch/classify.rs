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
        final_url: None,
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
    if let Some(words) = tls_problem(err, &endpoint) {
        return failure(FailureKind::Tls, words);
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

/// A rejected certificate in `err`'s chain, in words a person can act on:
/// `None` for any other error. `endpoint` is `host:port` (or the host).
///
/// The HTTP alert sinks describe their failures with this too.
pub fn tls_problem(err: &(dyn StdError + 'static), endpoint: &str) -> Option<String> {
    let e = find_rustls(err)?;
    let rustls::Error::InvalidCertificate(cert) = e else {
        return None;
    };
    use rustls::CertificateError as C;
    let words = match cert {
        C::UnknownIssuer => format!(
            "the certificate of {endpoint} is not signed by a trusted certificate authority \
             (self-signed or from a private CA; a CA can be trusted with fetch.extra_ca_file)"
        ),
        C::BadSignature => format!(
            "the certificate of {endpoint} has a signature that does not verify \
             against a trusted certificate authority"
        ),
        C::Expired => format!("the certificate of {endpoint} has expired"),
        C::ExpiredContext { not_after, .. } => format!(
            "the certificate of {endpoint} has expired (it was valid until {})",
            unix_day(not_after.as_secs())
        ),
        C::NotValidYet => format!("the certificate of {endpoint} is not valid yet"),
        C::NotValidYetContext { not_before, .. } => format!(
            "the certificate of {endpoint} is not valid yet (it is valid from {})",
            unix_day(not_before.as_secs())
        ),
        C::NotValidForName => {
            format!("the certificate of {endpoint} is not valid for that host name")
        }
        C::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "the certificate of {endpoint} is not valid for the name {} (it is for {})",
            expected.to_str(),
            if presented.is_empty() {
                "no name".to_string()
            } else {
                presented
                    .iter()
                    .map(|n| plain_name(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        C::Revoked => format!("the certificate of {endpoint} has been revoked"),
        other => format!("the certificate of {endpoint} was rejected: {other:?}"),
    };
    Some(words)
}

/// The rustls error in `err`'s chain. An `io::Error` wrapping another
/// error reports that error's source as its own, skipping the wrapped
/// error itself, so the walk goes into each `io::Error`'s inner error
/// (io errors wrap io errors, too).
fn find_rustls<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        cur = match e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}

/// A name as the verifier presents it (`DnsName("a.example")`,
/// `IpAddress(192.0.2.1)`), without the wrapper.
fn plain_name(presented: &str) -> &str {
    ["DnsName(\"", "IpAddress(", "UniformResourceIdentifier(\""]
        .iter()
        .find_map(|p| presented.strip_prefix(p))
        .map(|rest| rest.trim_end_matches(')').trim_end_matches('"'))
        .unwrap_or(presented)
}

/// A UNIX time as its UTC date and time.
fn unix_day(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| format!("UNIX time {secs}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presented_names_lose_their_wrapper() {
        assert_eq!(plain_name("DnsName(\"other.example\")"), "other.example");
        assert_eq!(plain_name("IpAddress(192.0.2.1)"), "192.0.2.1");
        assert_eq!(plain_name("something else"), "something else");
    }

    #[test]
    fn expiry_dates_are_readable() {
        assert_eq!(unix_day(978_307_200), "2001-01-01 00:00 UTC");
    }

    #[test]
    fn a_rejected_certificate_inside_an_io_error_is_found() {
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = io::Error::other(inner);
        let words = tls_problem(&io, "127.0.0.1:443").expect("found through the io::Error");
        assert!(
            words.starts_with("the certificate of 127.0.0.1:443 is not signed by a trusted"),
            "{words}"
        );
        // an io::Error wrapping an io::Error wrapping it
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        let nested = io::Error::other(io::Error::new(io::ErrorKind::InvalidData, inner));
        let words = tls_problem(&nested, "h:1").expect("found two io::Errors deep");
        assert_eq!(words, "the certificate of h:1 has expired");
        let plain = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(tls_problem(&plain, "x:1"), None);
    }
}
