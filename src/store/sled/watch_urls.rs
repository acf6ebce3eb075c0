//! One article, one watch: the `watch_urls` index of a [`SledStore`] keyed
//! by canonical URL (see `core::url`), lookups by any variant of a watched
//! URL, following a page's declared canonical URL, merging two watches of
//! one article, and the layout upgrade that merges the duplicates of a
//! store made before URLs were canonical.

use super::codec::{self, be_u64, decode, encode};
use super::tx_error;
use super::*;
use crate::core::url::scheme_twin;
use sled::transaction::Transactional;

impl SledStore {
    /// The watch id a URL is indexed under, by any of its [`lookup_keys`].
    pub(super) fn find_watch_id(&self, url: &str) -> Result<Option<WatchId>, StoreError> {
        let (_, urls) = self.watch_trees();
        for key in lookup_keys(self.url_rules(), url) {
            if let Some(id) = urls.get(key.as_bytes())? {
                return Ok(Some(be_u64("watch_urls", &id)?));
            }
        }
        Ok(None)
    }

    /// A new watch with its canonical URL, keeping the given one.
    pub(super) fn canonical_watch(&self, id: WatchId, new: NewWatch) -> Watch {
        crate::store::urls::canonical_watch(self.url_rules(), id, new)
    }

    /// Index every URL of `watch` that no other watch holds.
    pub(super) fn index_watch(&self, watch: &Watch) -> Result<(), StoreError> {
        let (_, urls) = self.watch_trees();
        for u in watch.known_urls() {
            match urls.get(u.as_bytes())? {
                Some(id) if be_u64("watch_urls", &id)? != watch.id => {}
                _ => {
                    urls.insert(u.as_bytes(), &codec::watch_key(watch.id))?;
                }
            }
        }
        Ok(())
    }

    /// Remove the index keys that point at `id`.
    pub(super) fn unindex_watch(&self, watch: &Watch) -> Result<(), StoreError> {
        let (_, urls) = self.watch_trees();
        for u in watch.known_urls() {
            if let Some(id) = urls.get(u.as_bytes())? {
                if be_u64("watch_urls", &id)? == watch.id {
                    urls.remove(u.as_bytes())?;
                }
            }
        }
        Ok(())
    }

    /// See [`Store::follow_canonical`].
    pub(super) fn follow(&self, id: WatchId, canonical: &str) -> Result<Followed, StoreError> {
        let _urls = self.lock_urls();
        let mut w = self.load_watch_record(id)?;
        let Some(c) = self.url_rules().canonical_str(canonical) else {
            return Ok(Followed::Already(w));
        };
        if w.url == c || w.aliases.contains(&c) {
            return Ok(Followed::Already(w));
        }
        match self.find_watch_id(&c)? {
            Some(other) if other != id => {
                let merge = self.merge_into(other, id)?;
                self.db().flush()?;
                Ok(Followed::Merged(merge))
            }
            _ => {
                let old = std::mem::replace(&mut w.url, c);
                w.aliases.retain(|a| *a != w.url);
                w.aliases.push(old);
                w.declared_canonical = None;
                let (watches, _) = self.watch_trees();
                watches.insert(codec::watch_key(id), encode(&w))?;
                self.index_watch(&w)?;
                self.db().flush()?;
                Ok(Followed::Moved(w))
            }
        }
    }

    /// See [`Store::add_watch_urls`].
    pub(super) fn add_urls(
        &self,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError> {
        let _urls = self.lock_urls();
        let mut w = self.load_watch_record(id)?;
        for u in urls {
            let u = self.url_rules().canonical_str(&u).unwrap_or(u);
            let free = self.find_watch_id(&u)?.is_none_or(|other| other == id);
            if free && u != w.url && !w.aliases.contains(&u) {
                w.aliases.push(u);
            }
        }
        if declared_canonical.is_some() {
            w.declared_canonical = declared_canonical;
        }
        let (watches, _) = self.watch_trees();
        watches.insert(codec::watch_key(id), encode(&w))?;
        self.index_watch(&w)?;
        self.db().flush()?;
        Ok(w)
    }

    /// Merge watch `gone` into watch `keep`: one history of both their
    /// versions ordered by fetch time (renumbered; a version with the same
    /// text as the one just before it is dropped), both their checks,
    /// `gone`'s URLs as aliases of `keep`; `gone` and its republication
    /// pairs are removed. Not flushed.
    pub(super) fn merge_into(&self, keep: WatchId, gone: WatchId) -> Result<Merge, StoreError> {
        let mut k = self.load_watch_record(keep)?;
        let g = self.load_watch_record(gone)?;
        let (merged, dropped) =
            crate::store::urls::merge_histories(self.versions(keep)?, self.versions(gone)?);
        // the versions move: no collection under way may take their texts
        let hashes: Vec<_> = merged.iter().map(|v| v.hash).collect();
        self.keep_texts(&hashes)?;
        let versions = self.versions_tree();
        let old_keys: Vec<sled::IVec> = [keep, gone]
            .iter()
            .flat_map(|id| versions.scan_prefix(codec::watch_key(*id)).keys())
            .collect::<Result<_, _>>()?;
        let mut batch = sled::Batch::default();
        for key in old_keys {
            batch.remove(key);
        }
        for v in &merged {
            batch.insert(&codec::version_key(keep, v.number), encode(v));
        }
        versions.apply_batch(batch)?;
        let checks = self.checks_tree();
        let moved: Vec<(sled::IVec, sled::IVec)> = checks
            .scan_prefix(codec::watch_key(gone))
            .collect::<Result<_, _>>()?;
        for (key, value) in moved {
            let mut new_key = codec::watch_key(keep).to_vec();
            new_key.extend_from_slice(key.get(8..).unwrap_or_default());
            checks.insert(new_key, value)?;
            checks.remove(key)?;
        }
        self.prune_checks_of(keep)?;
        self.remove_from_matching(gone)?;

        crate::store::urls::merge_watch(self.url_rules(), &mut k, &g, &merged);
        let (watches, urls) = self.watch_trees();
        (watches, urls)
            .transaction(|(tw, tu)| {
                tw.remove(&codec::watch_key(gone))?;
                tw.insert(&codec::watch_key(keep), encode(&k))?;
                // every key of either watch finds the kept one
                for u in k.known_urls().chain(g.known_urls()) {
                    tu.insert(u.as_bytes(), &codec::watch_key(keep))?;
                }
                Ok(())
            })
            .map_err(tx_error)?;
        tracing::info!(kept = %k.url, merged = %g.url, versions = merged.len(), duplicates_dropped = dropped, "two watches of one article merged");
        Ok(Merge {
            kept: k,
            gone_url: g.url,
            gone_id: gone,
            versions: merged.len() as u32,
            duplicates_dropped: dropped,
        })
    }

    /// Layout 3 -> 4: every watch under its canonical URL (the old one kept
    /// as `given_url`), watches whose URLs have one canonical form merged
    /// into the earliest added, and the URL index rebuilt. The merges made.
    pub(super) fn canonicalize_watches(&self) -> Result<Vec<Merge>, StoreError> {
        let (watches, urls) = self.watch_trees();
        let all: Vec<Watch> = watches
            .iter()
            .values()
            .map(|v| decode("watches", &v?))
            .collect::<Result<_, _>>()?;
        urls.clear()?;
        let mut first_of: std::collections::HashMap<String, WatchId> = Default::default();
        let mut merges = Vec::new();
        for mut w in all {
            if let Some(c) = self.url_rules().canonical_str(&w.url) {
                if c != w.url {
                    w.given_url.get_or_insert_with(|| w.url.clone());
                    w.url = c;
                }
            }
            let twin = url::Url::parse(&w.url)
                .ok()
                .and_then(|u| scheme_twin(&u))
                .map(String::from);
            let earlier = first_of
                .get(&w.url)
                .or_else(|| twin.as_ref().and_then(|t| first_of.get(t)))
                .copied();
            watches.insert(codec::watch_key(w.id), encode(&w))?;
            match earlier {
                Some(keep) => merges.push(self.merge_into(keep, w.id)?),
                None => {
                    first_of.insert(w.url.clone(), w.id);
                    self.index_watch(&w)?;
                }
            }
        }
        Ok(merges)
    }
}
