//! The store's side of `copydesk import`: a batch of checked watches with
//! their versions, added to a store ([`Store::import_watches`]). The
//! default adds them record by record through the ordinary calls (sled:
//! every call is its own batch); PostgreSQL writes a whole batch in one
//! transaction.

use super::{
    CheckCommit, CheckRecord, NewVersion, NewWatch, Outcome, Store, StoreError, VersionMeta, Watch,
};
use crate::core::Article;

/// A watch of an export, checked (URLs, versions numbered 1, 2, ... with
/// matching hashes), to be added with its versions.
#[derive(Debug, Clone)]
pub struct ImportWatch {
    /// The watch as it would be added (an existing one is left as it is).
    pub new: NewWatch,
    /// Other http(s) URLs of the article (aliases, the URL it was given as).
    pub urls: Vec<String>,
    /// The canonical URL its page declares on another outlet.
    pub declared_canonical: Option<String>,
    /// Its versions, in order from 1.
    pub versions: Vec<(VersionMeta, Article)>,
}

/// What a batch added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportTally {
    /// Watches the store did not have.
    pub watches_added: usize,
    /// Versions newer than the store's latest of their watch.
    pub versions_added: usize,
    /// Versions the store already had (skipped).
    pub versions_present: usize,
}

/// The commit that appends imported version `meta` to `watch` (whose
/// `latest_version` and `last_changed` it moves forward).
pub fn imported_version(watch: &mut Watch, meta: VersionMeta, article: Article) -> CheckCommit {
    watch.latest_version = meta.number;
    watch.last_changed = Some(meta.fetched_at);
    CheckCommit {
        watch: watch.clone(),
        record: CheckRecord {
            at: meta.fetched_at,
            outcome: Outcome::NewVersion,
            http_status: None,
            failure: None,
            reason: Some("imported".into()),
            version: Some(meta.number),
            duration_ms: 0,
            final_url: None,
            confirmation: None,
        },
        version: Some(NewVersion {
            number: meta.number,
            article,
            hash: meta.hash,
            final_url: meta.final_url,
        }),
        events: Vec::new(),
    }
}

/// [`Store::import_watches`] by the store's ordinary calls, one record
/// at a time: the watch (added when the store lacks it), its URLs, then
/// each version the store lacks as a check's commit.
pub fn import_each<S: Store + ?Sized>(
    store: &S,
    batch: Vec<ImportWatch>,
) -> Result<ImportTally, StoreError> {
    let mut tally = ImportTally::default();
    for w in batch {
        let watch = match store.watch(&w.new.url) {
            Ok(s) => s,
            Err(StoreError::NotFound(_)) => {
                tally.watches_added += 1;
                store.upsert_watch(w.new)?
            }
            Err(e) => return Err(e),
        };
        let mut watch = if w.urls.is_empty() && w.declared_canonical.is_none() {
            watch
        } else {
            store.add_watch_urls(watch.id, w.urls, w.declared_canonical)?
        };
        append_versions(&mut watch, w.versions, &mut tally, |c| {
            store.commit_check(c).map(drop)
        })?;
    }
    Ok(tally)
}

/// Append to `watch` the imported versions newer than its latest, each
/// written by `commit` (counted in `tally`; the ones it has are counted as
/// present).
pub fn append_versions(
    watch: &mut Watch,
    versions: Vec<(VersionMeta, Article)>,
    tally: &mut ImportTally,
    mut commit: impl FnMut(CheckCommit) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for (meta, article) in versions {
        if meta.number <= watch.latest_version {
            tally.versions_present += 1;
            continue;
        }
        commit(imported_version(watch, meta, article))?;
        tally.versions_added += 1;
    }
    Ok(())
}
