//! `copydesk import` into PostgreSQL: a batch of watches with their
//! versions in one transaction (one commit per batch instead of two per
//! article), with the same writes as adding each watch and committing
//! each version as a check.

use super::*;
use crate::store::urls::canonical_watch;
use crate::store::{append_versions, ImportTally, ImportWatch};

/// Times a batch is tried when another process adds one of its URLs
/// meanwhile (the next try finds that watch and leaves it as it is).
const TRIES: usize = 3;

impl PgStore {
    /// Write `batch` in one transaction: nothing of it when it fails.
    pub(super) fn import_batch(&self, batch: Vec<ImportWatch>) -> Result<ImportTally, StoreError> {
        let mut c = self.conn()?;
        let mut last = None;
        for _ in 0..TRIES {
            let mut tx = c.transaction()?;
            match self.import_in(&mut tx, batch.clone()) {
                Ok(tally) => {
                    tx.commit()?;
                    return Ok(tally);
                }
                // rolled back when `tx` drops
                Err(e @ StoreError::Conflict { number: 0, .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or(StoreError::Conflict {
            url: String::new(),
            number: 0,
        }))
    }

    fn import_in(
        &self,
        tx: &mut postgres::Transaction<'_>,
        batch: Vec<ImportWatch>,
    ) -> Result<ImportTally, StoreError> {
        let mut tally = ImportTally::default();
        for w in batch {
            let watch = match self.find_watch_id(tx, &w.new.url)? {
                Some(id) => self.lock_watch(tx, id)?,
                None => {
                    let url = w.new.url.clone();
                    let watch = canonical_watch(&self.rules, Self::new_id(tx)?, w.new);
                    Self::put_watch(tx, &watch)?;
                    let taken = tx.execute(
                        "INSERT INTO watch_urls (url, watch_id) VALUES ($1, $2) \
                         ON CONFLICT (url) DO NOTHING",
                        &[&watch.url, &db_id(watch.id)],
                    )? == 0;
                    if taken {
                        // added by another process meanwhile: the batch again
                        return Err(StoreError::Conflict { url, number: 0 });
                    }
                    Self::index_watch(tx, &watch)?;
                    tally.watches_added += 1;
                    watch
                }
            };
            let mut watch = if w.urls.is_empty() && w.declared_canonical.is_none() {
                watch
            } else {
                self.add_urls_in(tx, watch.id, w.urls, w.declared_canonical)?
            };
            append_versions(&mut watch, w.versions, &mut tally, |c| {
                self.check_commit_in(tx, c).map(drop)
            })?;
        }
        Ok(tally)
    }
}
