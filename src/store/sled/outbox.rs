//! The event log and the outbox: events in order of their sequence number,
//! and one delivery per event and sink until the sink took it (or it is
//! dead after `[alert] max_attempts`).

use super::codec::{self, be_u64, decode, encode};
use super::*;

impl SledStore {
    pub(super) fn outbox_pending(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        let mut out = Vec::new();
        for v in self.outbox.iter().values() {
            let d: Delivery = decode("outbox", &v?)?;
            if d.dead || now.is_some_and(|now| d.next_attempt > now) {
                continue;
            }
            match self.events.get(d.seq.to_be_bytes())? {
                Some(e) => out.push((d, decode("events", &e)?)),
                None => {
                    return Err(StoreError::Corrupt {
                        tree: "events",
                        detail: format!("event {} of an outbox entry is missing", d.seq),
                    })
                }
            }
        }
        out.sort_by_key(|(d, _)| d.seq);
        Ok(out)
    }

    pub(super) fn outbox_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        // Not flushed here: delivery is at least once, so losing this in a
        // crash only sends the event again (same id). The deliverer flushes
        // after each round, and sled every 500 ms.
        self.outbox.remove(codec::outbox_key(sink, seq))?;
        Ok(())
    }

    pub(super) fn outbox_failed(
        &self,
        sink: &str,
        seq: u64,
        error: &str,
        next_attempt: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let key = codec::outbox_key(sink, seq);
        let Some(v) = self.outbox.get(&key)? else {
            return Err(StoreError::NotFound(format!(
                "delivery of event {seq} to {sink}"
            )));
        };
        let mut d: Delivery = decode("outbox", &v)?;
        d.attempts += 1;
        d.last_error = Some(error.to_string());
        match next_attempt {
            Some(t) => d.next_attempt = t,
            None => d.dead = true,
        }
        self.outbox.insert(key, encode(&d))?;
        self.db.flush()?;
        Ok(())
    }

    pub(super) fn outbox_all(&self) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        let mut out = Vec::new();
        for v in self.outbox.iter().values() {
            let d: Delivery = decode("outbox", &v?)?;
            if let Some(e) = self.events.get(d.seq.to_be_bytes())? {
                out.push((d, decode("events", &e)?));
            }
        }
        out.sort_by_key(|(d, _)| d.seq);
        Ok(out)
    }

    pub(super) fn outbox_retry(&self, event_id: &str) -> Result<usize, StoreError> {
        let now = Utc::now();
        let mut n = 0;
        for (mut d, e) in self.outbox()? {
            if e.event.id() != event_id {
                continue;
            }
            d.dead = false;
            d.next_attempt = now;
            self.outbox
                .insert(codec::outbox_key(&d.sink, d.seq), encode(&d))?;
            n += 1;
        }
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "event {event_id} in the outbox (`copydesk alerts` lists them)"
            )));
        }
        self.db.flush()?;
        Ok(n)
    }

    pub(super) fn events_latest(&self, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.events
            .iter()
            .values()
            .rev()
            .take(limit)
            .map(|v| decode("events", &v?))
            .collect()
    }

    pub(super) fn events_older(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let end = before.unwrap_or(u64::MAX).to_be_bytes();
        self.events
            .range(..end)
            .values()
            .rev()
            .take(limit)
            .map(|v| decode("events", &v?))
            .collect()
    }

    pub(super) fn events_newer(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        use std::ops::Bound;
        let start = match after {
            Some(a) => Bound::Excluded(a.to_be_bytes()),
            None => Bound::Unbounded,
        };
        self.events
            .range::<[u8; 8], _>((start, Bound::Unbounded))
            .values()
            .take(limit)
            .map(|v| decode("events", &v?))
            .collect()
    }
}

/// The part of a [`StoredEvent`] retention looks at.
#[derive(serde::Deserialize)]
struct EventTime {
    created_at: DateTime<Utc>,
}

impl SledStore {
    /// Remove the oldest events beyond `r`'s limits (see
    /// [`Store::prune_events`]). Events are read oldest first and the scan
    /// stops at the first one that is within both limits: sequence numbers
    /// follow commit times.
    pub(super) fn events_prune(&self, r: EventRetention, budget: usize) -> Result<u64, StoreError> {
        if !r.is_set() || budget == 0 {
            return Ok(0);
        }
        // outbox keys end with the event's sequence number
        let mut in_outbox = std::collections::HashSet::new();
        for k in self.outbox.iter().keys() {
            let k = k?;
            if k.len() >= 8 {
                in_outbox.insert(be_u64("outbox", &k[k.len() - 8..])?);
            }
        }
        let excess = r
            .keep
            .map_or(0, |keep| self.events.len().saturating_sub(keep));
        let mut removed = 0u64;
        for (position, kv) in self.events.iter().enumerate() {
            let (k, v) = kv?;
            let over_count = position < excess;
            let too_old = match r.before {
                // an unreadable event is judged by its place alone
                Some(before) => {
                    decode::<EventTime>("events", &v).is_ok_and(|e| e.created_at < before)
                }
                None => false,
            };
            if !over_count && !too_old {
                break;
            }
            if in_outbox.contains(&be_u64("events", &k)?) {
                continue;
            }
            self.events.remove(&k)?;
            removed += 1;
            if removed as usize >= budget {
                break;
            }
        }
        if removed > 0 {
            self.db.flush()?;
        }
        Ok(removed)
    }
}
