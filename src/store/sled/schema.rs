//! The layout version of a [`SledStore`] (refused when newer than this
//! build, upgraded when older) and the store's identity: a random id made
//! once, kept in `meta` and repeated in a small file in the database
//! directory ([`STORE_ID_FILE`]) for readers that cannot open the locked
//! database.

use super::*;

const SCHEMA_KEY: &[u8] = b"schema_version";
const STORE_ID_KEY: &[u8] = b"store_id";

/// The file in the database directory that repeats the store id.
pub const STORE_ID_FILE: &str = "copydesk-store-id";

/// The store id of the database at `path`, read from [`STORE_ID_FILE`]
/// without opening (or locking) the database.
pub fn read_store_id(path: &Path) -> Option<String> {
    std::fs::read_to_string(path.join(STORE_ID_FILE))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl SledStore {
    pub(super) fn check_schema(&self) -> Result<(), StoreError> {
        match self.meta.get(SCHEMA_KEY)? {
            Some(v) => {
                let found = v.as_ref().try_into().map(u32::from_be_bytes).map_err(|_| {
                    StoreError::Foreign {
                        path: self.path.clone(),
                    }
                })?;
                if found > SCHEMA_VERSION {
                    return Err(StoreError::NewerSchema {
                        path: self.path.clone(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < SCHEMA_VERSION {
                    self.upgrade(found)?;
                }
                Ok(())
            }
            None if self.watches.is_empty() && self.versions.is_empty() => {
                self.meta
                    .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
                self.db.flush()?;
                Ok(())
            }
            None => Err(StoreError::Foreign {
                path: self.path.clone(),
            }),
        }
    }

    /// Bring a store of layout `found` to [`SCHEMA_VERSION`]. Every step
    /// can run again over its own partial work, and the new layout number
    /// is written last, so an upgrade a crash interrupted finishes at the
    /// next open.
    fn upgrade(&self, found: u32) -> Result<(), StoreError> {
        // 1, 2 -> 3: postings are kept in memory, not in sled; an
        // article's pairs are indexed
        let dropped = if found < 3 {
            self.matching.migrate(&self.db)?
        } else {
            0
        };
        // 3 -> 4: watches under canonical URLs, duplicates merged
        let merges = if found < 4 {
            self.canonicalize_watches()?
        } else {
            Vec::new()
        };
        // 4 -> 5: fingerprint records in binary
        let rewritten = if found < 5 {
            self.matching.rewrite_binary()?
        } else {
            0
        };
        // 5 -> 6: version texts as deltas on the watch's previous text,
        // check records in binary
        let (deltas, saved, checks) = if found < 6 {
            let (deltas, saved) = self.rewrite_texts_as_deltas()?;
            (deltas, saved, self.rewrite_checks_binary()?)
        } else {
            (0, 0, 0)
        };
        // 6 -> 7: learned templates' line sightings in binary
        let sightings = if found < 7 {
            self.template.rewrite_seen_binary()?
        } else {
            0
        };
        for m in &merges {
            tracing::warn!(path = %self.path, kept = %m.kept.url, kept_id = m.kept.id, merged = %m.gone_url, merged_id = m.gone_id, versions = m.versions, duplicates_dropped = m.duplicates_dropped, "store upgrade: two watches of one article merged into one");
        }
        tracing::info!(path = %self.path, from = found, to = SCHEMA_VERSION, keys_dropped = dropped, watches_merged = merges.len(), fingerprints_rewritten = rewritten, texts_as_deltas = deltas, text_bytes_saved = saved, checks_rewritten = checks, sightings_rewritten = sightings, "store layout upgraded");
        self.meta
            .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// The store id, made (and flushed) at the first open; repeated in
    /// [`STORE_ID_FILE`] when that file is missing or differs.
    pub(super) fn ensure_store_id(&self, dir: &Path) -> Result<String, StoreError> {
        let id = match self.meta.get(STORE_ID_KEY)? {
            Some(v) => String::from_utf8_lossy(&v).into_owned(),
            None => {
                let id = crate::store::new_store_id();
                self.meta.insert(STORE_ID_KEY, id.as_bytes())?;
                self.db.flush()?;
                id
            }
        };
        if read_store_id(dir).as_deref() != Some(id.as_str()) {
            if let Err(e) = std::fs::write(dir.join(STORE_ID_FILE), &id) {
                tracing::warn!(path = %dir.display(), error = %e, "cannot write the store id file; CLI commands may not recognise this store's daemon");
            }
        }
        Ok(id)
    }

    /// Write a schema version (for tests of the newer-layout error).
    #[doc(hidden)]
    pub fn set_schema_version_for_tests(&self, v: u32) -> Result<(), StoreError> {
        self.meta.insert(SCHEMA_KEY, &v.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }
}
