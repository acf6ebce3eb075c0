//! The layout version of a [`SledStore`]: refused when newer than this
//! build, upgraded when older.

use super::*;

const SCHEMA_KEY: &[u8] = b"schema_version";

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
                    // 1, 2 -> 3: postings are kept in memory, not in sled;
                    // an article's pairs are indexed
                    let dropped = self.matching.migrate(&self.db)?;
                    tracing::info!(path = %self.path, from = found, to = SCHEMA_VERSION, keys_dropped = dropped, "store layout upgraded");
                    self.meta
                        .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
                    self.db.flush()?;
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

    /// Write a schema version (for tests of the newer-layout error).
    #[doc(hidden)]
    pub fn set_schema_version_for_tests(&self, v: u32) -> Result<(), StoreError> {
        self.meta.insert(SCHEMA_KEY, &v.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }
}
