//! The event log, the outbox and feed discovery's state in PostgreSQL:
//! `events` by sequence number, `outbox` one row per event and sink until
//! the sink took it (or it is dead), `feeds` one record per `[[feed]]`.

use super::*;
use postgres::GenericClient;

/// Write a delivery (new, or its new state).
pub(super) fn put_delivery(c: &mut impl GenericClient, d: &Delivery) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO outbox (sink, seq, next_attempt, dead, record) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sink, seq) DO UPDATE SET next_attempt = EXCLUDED.next_attempt, \
         dead = EXCLUDED.dead, record = EXCLUDED.record, lease_owner = NULL, lease_until = NULL",
        &[&d.sink, &(d.seq as i64), &d.next_attempt, &d.dead, &Json(d)],
    )?;
    Ok(())
}

/// Write a feed's state.
pub(super) fn feed_put(c: &mut impl GenericClient, feed: &FeedState) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO feeds (url, record) VALUES ($1, $2) \
         ON CONFLICT (url) DO UPDATE SET record = EXCLUDED.record",
        &[&feed.url, &Json(feed)],
    )?;
    Ok(())
}

impl PgStore {
    /// Outbox entries with their events, oldest event first: every one
    /// (`all`), or those not dead and due at `now` (all due without it).
    pub(super) fn outbox_rows(
        &self,
        all: bool,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        let rows = self.conn()?.query(
            "SELECT o.record, e.record FROM outbox o JOIN events e ON e.seq = o.seq \
             WHERE $1 OR (NOT o.dead AND ($2::timestamptz IS NULL OR o.next_attempt <= $2)) \
             ORDER BY o.seq, o.sink",
            &[&all, &now],
        )?;
        rows.iter()
            .map(|r| Ok((rec(r, 0, "outbox")?, rec(r, 1, "events")?)))
            .collect()
    }

    pub(super) fn outbox_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        self.conn()?.execute(
            "DELETE FROM outbox WHERE sink = $1 AND seq = $2",
            &[&sink, &(seq as i64)],
        )?;
        Ok(())
    }

    pub(super) fn outbox_failed(
        &self,
        sink: &str,
        seq: u64,
        error: &str,
        next_attempt: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let Some(row) = tx.query_opt(
            "SELECT record FROM outbox WHERE sink = $1 AND seq = $2 FOR UPDATE",
            &[&sink, &(seq as i64)],
        )?
        else {
            return Err(StoreError::NotFound(format!(
                "delivery of event {seq} to {sink}"
            )));
        };
        let mut d: Delivery = rec(&row, 0, "outbox")?;
        d.attempts += 1;
        d.last_error = Some(error.to_string());
        match next_attempt {
            Some(t) => d.next_attempt = t,
            None => d.dead = true,
        }
        put_delivery(&mut tx, &d)?;
        tx.commit()?;
        Ok(())
    }

    pub(super) fn outbox_retry(&self, event_id: &str) -> Result<usize, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let rows = tx.query(
            "SELECT o.record FROM outbox o JOIN events e ON e.seq = o.seq \
             WHERE e.event_id = $1 FOR UPDATE OF o",
            &[&event_id],
        )?;
        if rows.is_empty() {
            return Err(StoreError::NotFound(format!(
                "event {event_id} in the outbox (`copydesk alerts` lists them)"
            )));
        }
        let now = Utc::now();
        for row in &rows {
            let mut d: Delivery = rec(row, 0, "outbox")?;
            d.dead = false;
            d.next_attempt = now;
            put_delivery(&mut tx, &d)?;
        }
        tx.commit()?;
        Ok(rows.len())
    }

    /// A page of the event log: newest first below `bound` (`older`), or
    /// oldest first above it.
    pub(super) fn events_page(
        &self,
        bound: Option<u64>,
        limit: usize,
        older: bool,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // seqs are below 2^63: a bound above that is past every event
        let bound = bound.map(|b| i64::try_from(b).unwrap_or(i64::MAX));
        let sql = if older {
            "SELECT record FROM events WHERE $1::bigint IS NULL OR seq < $1 \
             ORDER BY seq DESC LIMIT $2"
        } else {
            "SELECT record FROM events WHERE $1::bigint IS NULL OR seq > $1 \
             ORDER BY seq LIMIT $2"
        };
        let rows = self.conn()?.query(sql, &[&bound, &limit])?;
        recs(&rows, "events")
    }

    pub(super) fn feed_get(
        &self,
        c: &mut impl GenericClient,
        url: &str,
    ) -> Result<FeedState, StoreError> {
        match c.query_opt("SELECT record FROM feeds WHERE url = $1", &[&url])? {
            Some(row) => rec(&row, 0, "feeds"),
            None => Err(StoreError::NotFound(format!(
                "no feed {url} (feeds come from [[feed]] in the config)"
            ))),
        }
    }

    pub(super) fn feed_upsert(&self, new: NewFeed) -> Result<FeedState, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let stored = match self.feed_get(&mut tx, &new.url) {
            Ok(f) => Some(f),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let feed = FeedState::upsert(stored, new);
        feed_put(&mut tx, &feed)?;
        tx.commit()?;
        Ok(feed)
    }
}
