//! Outlet identity: which publication a URL belongs to.
//!
//! The host without `www.`, reduced to its registrable domain with the public
//! suffix list (`news.bbc.co.uk` -> `bbc.co.uk`); an IP host stays itself,
//! with its port when that is not the scheme's default. `[[outlet]]` groups
//! in the config map several hosts to one name (see [`OutletMap`]).

use url::{Host, Url};

/// The outlet of `url` by the default rule (no config grouping).
pub fn outlet_of(url: &Url) -> String {
    match url.host() {
        Some(Host::Ipv4(ip)) => with_port(ip.to_string(), url),
        Some(Host::Ipv6(ip)) => with_port(format!("[{ip}]"), url),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            let d = d.strip_prefix("www.").unwrap_or(&d);
            match psl::domain_str(d) {
                Some(reg) => reg.to_string(),
                None => d.to_string(),
            }
        }
        None => url.as_str().to_string(),
    }
}

fn with_port(host: String, url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// An outlet name as one URL path segment (`/outlets/{name}`): percent-
/// encoded so that spaces, slashes and `+` survive the router's decoding.
pub fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Config groupings: a list of (outlet name, hosts). A host matches an entry
/// when it equals one of the hosts or is a subdomain of one.
#[derive(Debug, Clone, Default)]
pub struct OutletMap {
    entries: Vec<(String, Vec<String>)>,
}

impl OutletMap {
    /// The `[[outlet]]` entries in config order (an earlier entry wins a
    /// host both claim); hosts are compared without case.
    pub fn new(entries: Vec<(String, Vec<String>)>) -> OutletMap {
        let entries = entries
            .into_iter()
            .map(|(name, hosts)| {
                (
                    name,
                    hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
                )
            })
            .collect();
        OutletMap { entries }
    }

    /// Index of the `[[outlet]]` entry that claims this URL's host, if any.
    pub fn entry_for(&self, url: &Url) -> Option<usize> {
        let host = url.host_str()?.to_ascii_lowercase();
        let host_port = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        self.entries.iter().position(|(_, hosts)| {
            hosts
                .iter()
                .any(|h| *h == host || *h == host_port || host.ends_with(&format!(".{h}")))
        })
    }

    /// The outlet name of `url`: the config's grouping, else [`outlet_of`].
    pub fn outlet(&self, url: &Url) -> String {
        match self.entry_for(url) {
            Some(i) => self.entries[i].0.clone(),
            None => outlet_of(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(u: &str) -> String {
        outlet_of(&Url::parse(u).expect("test url"))
    }

    #[test]
    fn registrable_domain() {
        assert_eq!(o("https://www.example.com/a"), "example.com");
        assert_eq!(o("https://news.bbc.co.uk/x"), "bbc.co.uk");
        assert_eq!(o("https://edition.cnn.com/x"), "cnn.com");
        assert_eq!(o("https://WWW.Example.COM./a"), "example.com");
    }

    #[test]
    fn ip_hosts_keep_non_default_port() {
        assert_eq!(o("http://127.0.0.1:8080/a"), "127.0.0.1:8080");
        assert_eq!(o("http://127.0.0.1/a"), "127.0.0.1");
        assert_eq!(o("http://[::1]:9000/a"), "[::1]:9000");
    }

    #[test]
    fn config_grouping() {
        let m = OutletMap::new(vec![(
            "Acme News".into(),
            vec!["acme.com".into(), "acme-news.org".into()],
        )]);
        assert_eq!(
            m.outlet(&Url::parse("https://www.acme.com/a").unwrap()),
            "Acme News"
        );
        assert_eq!(
            m.outlet(&Url::parse("https://acme-news.org/a").unwrap()),
            "Acme News"
        );
        assert_eq!(
            m.outlet(&Url::parse("https://other.org/a").unwrap()),
            "other.org"
        );
    }
}
