//! The event log and the outbox: events in order of their sequence number,
//! and one delivery per event and sink until the sink took it (or it is
//! dead after `[alert] max_attempts`).

use super::codec::{self, decode, encode};
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
