//! Watch URLs as every backend looks them up: the keys a URL is found
//! under ([`lookup_keys`]), and what following a page's canonical URL or
//! merging two watches of one article did.

use super::{NewWatch, VersionMeta, Watch, WatchId, WatchSource};
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

/// A new watch with its canonical URL, keeping the given one as
/// `given_url` when it differs.
pub(crate) fn canonical_watch(rules: &UrlRules, id: WatchId, new: NewWatch) -> Watch {
    let given = new.url.trim().to_string();
    let mut w = Watch::new(id, new);
    match rules.canonical_str(&given) {
        Some(c) if c != given => {
            w.url = c;
            w.given_url = Some(given);
        }
        Some(c) => w.url = c,
        None => w.url = given,
    }
    w
}

/// Which source wins when two watches merge: the config's, then a
/// person's, then a feed's (a feed's watch is kept off private addresses).
fn rank(s: WatchSource) -> u8 {
    match s {
        WatchSource::Config => 2,
        WatchSource::Cli => 1,
        WatchSource::Feed => 0,
    }
}

/// The one history of two merged watches: both their versions ordered by
/// fetch time (the kept watch's first on a tie), renumbered from 1, a
/// version with the same text as the one just before it dropped; and how
/// many were dropped.
pub(crate) fn merge_histories(
    kept: Vec<VersionMeta>,
    gone: Vec<VersionMeta>,
) -> (Vec<VersionMeta>, u32) {
    let mut all: Vec<(VersionMeta, bool)> = kept
        .into_iter()
        .map(|v| (v, true))
        .chain(gone.into_iter().map(|v| (v, false)))
        .collect();
    all.sort_by_key(|(v, from_kept)| (v.fetched_at, !*from_kept, v.number));
    let mut merged: Vec<VersionMeta> = Vec::with_capacity(all.len());
    let mut dropped = 0u32;
    for (mut v, _) in all {
        if merged.last().is_some_and(|m| m.hash == v.hash) {
            dropped += 1;
            continue;
        }
        v.number = merged.len() as u32 + 1;
        v.same_as = merged.iter().find(|m| m.hash == v.hash).map(|m| m.number);
        merged.push(v);
    }
    (merged, dropped)
}

/// Watch `k` after watch `g` was merged into it with the history
/// `merged`: the earlier added time, the stronger source, the sooner due
/// time, the later check, `g`'s URLs as aliases (canonical form).
pub(crate) fn merge_watch(rules: &UrlRules, k: &mut Watch, g: &Watch, merged: &[VersionMeta]) {
    k.latest_version = merged.len() as u32;
    k.last_changed = merged.last().map(|v| v.fetched_at);
    k.added_at = k.added_at.min(g.added_at);
    k.published = k.published.or(g.published);
    k.label = k.label.take().or(g.label.clone());
    if rank(g.source) > rank(k.source) {
        k.source = g.source;
    }
    k.next_due = match (k.next_due, g.next_due) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => None,
    };
    k.retired = k.retired && g.retired;
    if g.last_check.as_ref().map(|c| c.at) > k.last_check.as_ref().map(|c| c.at) {
        k.last_check = g.last_check.clone();
    }
    k.declared_canonical = k.declared_canonical.take().or(g.declared_canonical.clone());
    // the merged watch's URLs become aliases, in canonical form (the
    // forms as given stay indexed)
    for u in g.known_urls() {
        let c = rules.canonical_str(u).unwrap_or_else(|| u.to_string());
        if c != k.url && !k.aliases.contains(&c) {
            k.aliases.push(c);
        }
    }
}
