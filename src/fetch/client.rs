//! Building the reqwest clients: User-Agent, timeouts, compression, no
//! automatic redirects, and the public-only resolver.

use reqwest::header::{self, HeaderMap, HeaderValue};

use super::guard::PublicResolver;
use super::{FetchOptions, FetchSetupError};

/// The HTTP client; with `public_only`, its resolver keeps only public
/// addresses.
pub(super) fn build_client(
    opts: &FetchOptions,
    public_only: bool,
) -> Result<reqwest::Client, FetchSetupError> {
    let user_agent = HeaderValue::from_str(&opts.user_agent).map_err(|_| {
        FetchSetupError(format!(
            "the User-Agent {:?} is not a valid header value (printable ASCII only)",
            opts.user_agent
        ))
    })?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_static("text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"),
    );
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .default_headers(headers)
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.timeout)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        // Redirects are followed by hand so that each hop is recorded,
        // checked for loops and goes through its host's gate.
        .redirect(reqwest::redirect::Policy::none());
    if let Some(roots) = &opts.extra_roots {
        builder = builder.tls_certs_merge(roots.reqwest_certs());
    }
    if public_only {
        // IP literals never reach a resolver: fetch_once checks each
        // hop's host itself (guard::route)
        builder = builder.dns_resolver(PublicResolver);
    }
    builder
        .build()
        .map_err(|err| FetchSetupError(error_chain(&err)))
}

pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
