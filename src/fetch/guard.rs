//! Public-addresses-only fetching, for articles that came from a feed
//! (docs/design.md "Bad input"): a DNS resolver that drops non-public addresses
//! at connect time (so DNS rebinding is covered), and a check of every
//! hop's host, since IP literals never reach a resolver. The configured
//! feeds' own `host:port`s are exempt: users run feeds on their own hosts.

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::host::host_key;
use crate::core::netaddr::non_public_range;

/// Which addresses a fetch may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reach {
    /// Anywhere (URLs the user gave: the config, the CLI).
    #[default]
    Any,
    /// Public addresses only, except on an exempt origin (URLs a feed gave).
    PublicOnly,
}

/// The `host:port`s where a public-only fetch may still reach a private
/// address: the configured feeds' own, as discovery admits entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExemptOrigins(HashSet<String>);

impl ExemptOrigins {
    /// The origins (`host:port`, port explicit or the scheme's default) of
    /// `urls`.
    pub fn from_urls<'a>(urls: impl IntoIterator<Item = &'a Url>) -> ExemptOrigins {
        ExemptOrigins(urls.into_iter().filter_map(host_key).collect())
    }

    /// Whether `url` is on one of these origins.
    pub fn contains(&self, url: &Url) -> bool {
        host_key(url).is_some_and(|k| self.0.contains(&k))
    }
}

/// How one hop of a public-only fetch is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// With the ordinary client: an exempt origin.
    Plain,
    /// With the filtering resolver: a public IP literal or a name (judged
    /// on the addresses it resolves to when connecting).
    Public,
}

/// How to send a public-only hop to `url`, or why it is refused (the host
/// is a non-public IP literal on an origin that is not exempt).
pub(crate) fn route(url: &Url, exempt: &ExemptOrigins) -> Result<Route, String> {
    if exempt.contains(url) {
        return Ok(Route::Plain);
    }
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => ip.into(),
        Some(Host::Ipv6(ip)) => ip.into(),
        Some(Host::Domain(_)) | None => return Ok(Route::Public),
    };
    match non_public_range(ip) {
        Some(range) => Err(format!("{ip} is a {range} address")),
        None => Ok(Route::Public),
    }
}

/// A host name resolved only to non-public addresses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} resolves only to non-public addresses: {detail}")]
pub struct PrivateAddressError {
    /// The host name that was resolved.
    pub name: String,
    /// The refused addresses with their ranges, e.g. "127.0.0.1 (loopback)".
    pub detail: String,
}

/// The public ones of `addrs`, or an error naming the refused ones when
/// none is left (an empty list is left to the caller).
pub(crate) fn keep_public(
    name: &str,
    addrs: Vec<SocketAddr>,
) -> Result<Vec<SocketAddr>, PrivateAddressError> {
    let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = addrs
        .into_iter()
        .partition(|a| non_public_range(a.ip()).is_none());
    if public.is_empty() && !refused.is_empty() {
        let mut seen = Vec::new();
        for a in refused {
            let ip = a.ip();
            if !seen.iter().any(|(s, _)| *s == ip) {
                seen.push((ip, non_public_range(ip).unwrap_or("non-public")));
            }
        }
        let detail = seen
            .iter()
            .map(|(ip, range)| format!("{ip} ({range})"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(PrivateAddressError {
            name: name.to_string(),
            detail,
        });
    }
    if !refused.is_empty() {
        tracing::debug!(
            host = name,
            refused = refused.len(),
            "non-public addresses dropped"
        );
    }
    Ok(public)
}

/// Resolves with the system resolver (`getaddrinfo`, through tokio) and
/// keeps only public addresses; fails with [`PrivateAddressError`] when
/// none is left.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PublicResolver;

impl PublicResolver {
    pub(crate) async fn lookup(
        name: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, 0)).await?.collect();
        if addrs.is_empty() {
            return Err(Box::new(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{name} resolves to no address"),
            )));
        }
        Ok(keep_public(name, addrs)?)
    }
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_string();
        Box::pin(async move {
            let addrs = PublicResolver::lookup(&name).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn private_literals_are_refused_unless_their_origin_is_exempt() {
        let exempt = ExemptOrigins::from_urls([&url("http://127.0.0.1:8080/feed.xml")]);
        for u in [
            "http://127.0.0.1:8081/secret",
            "http://127.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/",
            "http://[::1]:8080/",
            "http://[::ffff:127.0.0.1]:8080/",
            "http://0x7f000001/",
        ] {
            let u = url(u);
            let why = route(&u, &exempt).unwrap_err();
            assert!(why.contains("address"), "{u}: {why}");
        }
        let why = route(&url("http://169.254.169.254/x"), &exempt).unwrap_err();
        assert_eq!(why, "169.254.169.254 is a link-local address");
        // the feed's own host:port, however written
        assert_eq!(
            route(&url("http://127.0.0.1:8080/a1"), &exempt),
            Ok(Route::Plain)
        );
        assert_eq!(
            route(&url("http://0x7f000001:8080/a1"), &exempt),
            Ok(Route::Plain)
        );
        // public literals and names go through the filtering resolver
        assert_eq!(
            route(&url("http://93.184.216.34/a"), &exempt),
            Ok(Route::Public)
        );
        assert_eq!(
            route(&url("http://localhost:8081/a"), &exempt),
            Ok(Route::Public)
        );
        let by_name = ExemptOrigins::from_urls([&url("http://LocalHost:8081/feed")]);
        assert_eq!(
            route(&url("http://localhost:8081/a"), &by_name),
            Ok(Route::Plain)
        );
        assert_eq!(
            route(&url("http://localhost:8082/a"), &by_name),
            Ok(Route::Public),
            "another port of the feed's host is not exempt"
        );
    }

    #[test]
    fn only_public_resolved_addresses_are_kept() {
        let a = |s: &str| -> SocketAddr { s.parse().unwrap() };
        assert_eq!(
            keep_public("mixed.example", vec![a("10.0.0.1:0"), a("93.184.216.34:0")]),
            Ok(vec![a("93.184.216.34:0")])
        );
        let err = keep_public(
            "rebound.example",
            vec![a("169.254.169.254:0"), a("[::1]:0"), a("169.254.169.254:0")],
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text == "rebound.example resolves only to non-public addresses: 169.254.169.254 (link-local), ::1 (loopback)",
            "{text}"
        );
        assert_eq!(keep_public("none.example", Vec::new()), Ok(Vec::new()));
    }

    #[tokio::test]
    async fn resolving_localhost_is_refused() {
        let err = PublicResolver::lookup("localhost").await.unwrap_err();
        let private = err
            .downcast_ref::<PrivateAddressError>()
            .unwrap_or_else(|| panic!("not a private-address refusal: {err}"));
        assert_eq!(private.name, "localhost");
        assert!(private.detail.contains("loopback"), "{private}");
    }
}
