//! The canonical form of a watch URL: one article, one key, whatever
//! address variant (tracking parameters, case, default port, escapes,
//! fragment, trailing slash) it arrived under.
//!
//! Pure: a URL in, a URL out. The shell canonicalizes every URL that enters
//! (config, CLI, API, feeds, import) and every URL it looks up.

use url::Url;

/// Query parameters dropped by default: click and campaign trackers that
/// never select content. An entry ending in `*` is a prefix; names compare
/// ASCII case-insensitively. `[fetch] strip_params` adds to this list.
pub const DEFAULT_STRIP_PARAMS: &[&str] = &[
    "utm_*",
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "mc_cid",
    "mc_eid",
    "igshid",
    "ref_src",
    "ref_url",
    "_ga",
    "_gl",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "__twitter_impression",
    "at_medium",
    "at_campaign",
    "cmpid",
    "ocid",
];

/// How URLs are canonicalized: the default tracking parameters plus the
/// configured ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRules {
    /// Lower-cased parameter names; an entry ending in `*` is a prefix.
    strip: Vec<String>,
}

impl Default for UrlRules {
    fn default() -> Self {
        UrlRules::new::<&str>(&[])
    }
}

impl UrlRules {
    /// The defaults ([`DEFAULT_STRIP_PARAMS`]) plus `extra` parameter names.
    pub fn new<S: AsRef<str>>(extra: &[S]) -> UrlRules {
        let mut strip: Vec<String> = DEFAULT_STRIP_PARAMS
            .iter()
            .map(|s| s.to_string())
            .chain(extra.iter().map(|s| s.as_ref().trim().to_ascii_lowercase()))
            .filter(|s| !s.is_empty() && s != "*")
            .collect();
        strip.sort();
        strip.dedup();
        UrlRules { strip }
    }

    /// Whether a query parameter of this name is dropped.
    pub fn strips(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.strip.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => *p == name,
        })
    }

    /// The canonical form of `url` (see [`canonical`]).
    pub fn canonical(&self, url: &Url) -> Url {
        canonical(url, self)
    }

    /// Parse and canonicalize; `None` when `s` is not an absolute URL.
    pub fn canonical_str(&self, s: &str) -> Option<String> {
        Url::parse(s.trim()).ok().map(|u| self.canonical(&u).into())
    }
}

/// The canonical form of a URL:
///
/// - scheme and host lower-cased, a trailing dot of the host dropped, the
///   scheme's default port dropped (the URL parser does most of this);
/// - percent-escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`)
///   decoded, every other escape with upper-case hex digits;
/// - the fragment dropped, and empty user info;
/// - a trailing `/` of a path other than `/` dropped;
/// - tracking parameters (`rules`) removed, the others kept in their order,
///   an empty query dropped.
///
/// Only http and https URLs are changed; any other URL is returned as is.
/// The function is idempotent: `canonical(canonical(u)) == canonical(u)`.
pub fn canonical(url: &Url, rules: &UrlRules) -> Url {
    if !matches!(url.scheme(), "http" | "https") {
        return url.clone();
    }
    // decoding `%2E` can make a dot segment that the parser then resolves,
    // so a pass is repeated until nothing changes (two passes in practice)
    let mut u = pass(url, rules);
    for _ in 0..MAX_PASSES {
        let next = pass(&u, rules);
        if next == u {
            break;
        }
        u = next;
    }
    u
}

/// Passes of [`canonical`] at most (each one can only shorten the URL or
/// leave it as is, and the second one almost always changes nothing).
const MAX_PASSES: usize = 4;

fn pass(url: &Url, rules: &UrlRules) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    if let Some(host) = u.host_str() {
        let trimmed = host.trim_end_matches('.');
        if trimmed.len() < host.len() && !trimmed.is_empty() {
            let trimmed = trimmed.to_string();
            let _ = u.set_host(Some(&trimmed));
        }
    }
    let mut path = normalize_escapes(u.path());
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    u.set_path(&path);
    let query = u.query().map(|q| {
        q.split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let name = pair.split('=').next().unwrap_or("");
                !rules.strips(&decode_name(name))
            })
            .map(normalize_escapes)
            .collect::<Vec<_>>()
            .join("&")
    });
    match query {
        Some(q) if !q.is_empty() => u.set_query(Some(&q)),
        _ => u.set_query(None),
    }
    // the parser's reading of what was written is the form
    Url::parse(u.as_str()).unwrap_or(u)
}

/// The same URL with the other web scheme (`http` <-> `https`), for
/// lookups that treat the two as one article; `None` for other schemes.
pub fn scheme_twin(url: &Url) -> Option<Url> {
    let other = match url.scheme() {
        "http" => "https",
        "https" => "http",
        _ => return None,
    };
    let s = url.as_str();
    let rest = s.split_once(':')?.1;
    Url::parse(&format!("{other}:{rest}")).ok()
}

/// A parameter name with its escapes decoded (for comparison only).
fn decode_name(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decode escapes of unreserved characters and upper-case the hex digits of
/// the others; everything else is left as it is.
fn normalize_escapes(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                let c = h * 16 + l;
                if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
                    out.push(c as char);
                } else {
                    out.push('%');
                    out.push(bytes[i + 1].to_ascii_uppercase() as char);
                    out.push(bytes[i + 2].to_ascii_uppercase() as char);
                }
                i += 3;
                continue;
            }
        }
        // `s` is ASCII after the URL parser; copy a char at a time anyway
        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

#[cfg(test)]
mod tests;
