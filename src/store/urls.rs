//! Watch URLs as every backend looks them up: the keys a URL is found
//! under ([`lookup_keys`]), and what following a page's canonical URL or
//! merging two watches of one article did.

use super::{Watch, WatchId};
use crate::core::url::{scheme_twin, UrlRules};

/// What [`super::Store::follow_canonical`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Followed {
    /// The URL already was the watch's own (or one of its aliases).
    Already(Watch),
    /// The watch now has the canonical URL; its old one is an alias.
    Moved(Watch),
    /// Another watch had the canonical URL: this one was merged into it.
    Merged(Merge),
}

/// Two watches of one article made one.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// The watch kept, as it is after the merge.
    pub kept: Watch,
    /// The URL of the watch merged into it (now an alias).
    pub gone_url: String,
    /// The id of the merged watch, which no longer exists.
    pub gone_id: WatchId,
    /// Versions of the merged history.
    pub versions: u32,
    /// Versions dropped because they had the same text as the version
    /// just before them in the merged history.
    pub duplicates_dropped: u32,
}

/// The keys a URL may be indexed under, in the order tried: as given, its
/// canonical form, and that with the other web scheme (`http` and `https`
/// of one address are one article).
pub fn lookup_keys(rules: &UrlRules, url: &str) -> Vec<String> {
    let given = url.trim().to_string();
    let mut keys = vec![given.clone()];
    if let Ok(u) = url::Url::parse(&given) {
        let c = rules.canonical(&u);
        let twin = scheme_twin(&c).map(String::from);
        keys.push(c.into());
        keys.extend(twin);
    }
    keys.dedup();
    keys
}
