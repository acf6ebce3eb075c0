//! A check's commit: the check record, the new version (its text stored
//! once per content hash), the watch and the events with their outbox
//! entries, in one transaction; older check records pruned after it.

use super::codec::{self, decode, encode};
use super::*;
use sled::transaction::{ConflictableTransactionError, Transactional};

impl SledStore {
    pub(super) fn commit_check_record(
        &self,
        commit: CheckCommit,
    ) -> Result<Option<VersionMeta>, StoreError> {
        let CheckCommit {
            watch,
            record,
            version,
            events,
        } = commit;
        let check_key = codec::check_key(
            watch.id,
            record.at.timestamp_millis(),
            self.db.generate_id()?,
        );
        let seqs = events
            .iter()
            .map(|_| self.db.generate_id())
            .collect::<Result<Vec<_>, _>>()?;
        let meta = version.as_ref().map(|v| VersionMeta {
            number: v.number,
            fetched_at: record.at,
            hash: v.hash,
            title: v.article.title.clone(),
            words: v.article.word_count(),
            final_url: v.final_url.clone(),
            same_as: None,
        });
        let meta = match (meta, &version) {
            (Some(mut m), Some(v)) => {
                m.same_as = self.version_with_hash(watch.id, v.hash)?;
                Some(m)
            }
            _ => None,
        };
        let text = match &version {
            Some(v) if !self.texts.contains_key(v.hash.to_bytes())? => {
                Some(self.prepare_text(watch.id, v.number, &v.article)?)
            }
            _ => None,
        };
        let created_at = record.at;
        let stored = (
            &self.watches,
            &self.versions,
            &self.texts,
            &self.checks,
            &self.events,
            &self.outbox,
            &self.gc_candidates,
            &self.text_bases,
        )
            .transaction(|(tw, tv, tt, tc, te, to, tg, tb)| {
                let Some(stored) = tw.get(codec::watch_key(watch.id))? else {
                    return abort(StoreError::NotFound(format!(
                        "watch {} was removed during the check",
                        watch.url
                    )));
                };
                let stored: Watch = match decode("watches", &stored) {
                    Ok(w) => w,
                    Err(e) => return abort(e),
                };
                let mut watch = watch.clone();
                let stale = watch.settle_against(stored, meta.as_ref().map(|m| m.number));
                if stale {
                    tc.insert(&check_key, super::check_codec::encode_check(&record))?;
                    tw.insert(&codec::watch_key(watch.id), encode(&watch))?;
                    return Ok(false);
                }
                if let (Some(m), Some(v)) = (&meta, &version) {
                    let key = codec::version_key(watch.id, m.number);
                    if tv.get(key)?.is_some() {
                        return abort(StoreError::Conflict {
                            url: watch.url.clone(),
                            number: m.number,
                        });
                    }
                    tv.insert(&key, encode(m))?;
                    let hash_key = v.hash.to_bytes();
                    if tt.get(hash_key)?.is_none() {
                        // prepared before the transaction, or (collected
                        // meanwhile) whole now
                        let whole;
                        let text = match &text {
                            Some(t) => t,
                            None => {
                                whole = super::texts::NewText {
                                    whole: super::text_codec::whole(&encode(&v.article)),
                                    delta: None,
                                };
                                &whole
                            }
                        };
                        match &text.delta {
                            Some((base, delta)) if tt.get(base)?.is_some() => {
                                tt.insert(&hash_key, delta.as_slice())?;
                                tb.insert(&super::texts::base_key(base, &hash_key), &[])?;
                                // a collection under way must not take the base
                                tg.remove(base)?;
                            }
                            _ => {
                                tt.insert(&hash_key, text.whole.as_slice())?;
                            }
                        }
                    }
                    // a collection under way must not take this text
                    // (see `gc`)
                    tg.remove(&hash_key)?;
                }
                put_events(te, to, &events, &seqs, created_at)?;
                tc.insert(&check_key, super::check_codec::encode_check(&record))?;
                tw.insert(&codec::watch_key(watch.id), encode(&watch))?;
                Ok(true)
            })
            .map_err(tx_error)?;
        let meta = if stored { meta } else { None };
        // A new version or an event is flushed before the check is reported:
        // alerts depend on it. A check that changed nothing is left to
        // sled's background flush (every 500 ms): losing it in a crash only
        // means the page is checked again.
        if meta.is_some() || !events.is_empty() {
            self.db.flush()?;
        }
        self.prune_checks(watch.id)?;
        Ok(meta)
    }
}

/// Queue events with their deliveries inside a transaction.
pub(in crate::store) fn put_events(
    te: &sled::transaction::TransactionalTree,
    to: &sled::transaction::TransactionalTree,
    events: &[(Event, Vec<String>)],
    seqs: &[u64],
    created_at: DateTime<Utc>,
) -> Result<(), sled::transaction::UnabortableTransactionError> {
    for ((event, sinks), seq) in events.iter().zip(seqs) {
        let stored = StoredEvent {
            seq: *seq,
            created_at,
            event: event.clone(),
        };
        te.insert(&seq.to_be_bytes(), encode(&stored))?;
        for sink in sinks {
            let d = Delivery {
                sink: sink.clone(),
                seq: *seq,
                attempts: 0,
                last_error: None,
                next_attempt: created_at,
                dead: false,
            };
            to.insert(codec::outbox_key(sink, *seq), encode(&d))?;
        }
    }
    Ok(())
}

fn abort<T>(e: StoreError) -> Result<T, ConflictableTransactionError<StoreError>> {
    Err(ConflictableTransactionError::Abort(e))
}

impl SledStore {
    /// Layout 5 -> 6: check records in binary. Each is rewritten on its
    /// own (a compare-and-swap over the JSON just read, so a prune in
    /// between is not undone) and a binary one is left alone: an upgrade a
    /// crash interrupted finishes at the next open. Returns the records
    /// rewritten.
    pub(super) fn rewrite_checks_binary(&self) -> Result<u64, StoreError> {
        super::codec::rewrite_records(&self.checks, super::check_codec::is_json, |v| {
            let record: CheckRecord = decode("checks", v)?;
            Ok(Some(super::check_codec::encode_check(&record)))
        })
    }
}
