//! Several daemons on one PostgreSQL store: a due check is claimed by one
//! process at a time (`watches.lease_owner`, `lease_until`: the row taken
//! `FOR UPDATE SKIP LOCKED`, the lease set in the same transaction and
//! cleared by the check's commit), outbox deliveries are leased the same
//! way, and each process writes a heartbeat to `instances`. Lease times
//! are the database's (`now()`), so the processes' clocks need not agree.

use super::*;

impl PgStore {
    /// The lease's length in seconds, as SQL's `make_interval` takes it.
    fn lease_secs(&self) -> f64 {
        self.lease.as_secs_f64()
    }

    /// [`Store::claim_watch`]: the watch row locked (skipped when another
    /// transaction holds it: that process is claiming or committing it),
    /// refused while another process's lease runs, granted when
    /// `still_due` says so.
    pub(super) fn claim(
        &self,
        url: &str,
        still_due: &(dyn Fn(&Watch) -> bool + Sync),
    ) -> Result<Claim, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let Some(id) = self.find_watch_id(&mut tx, url)? else {
            return Err(StoreError::NotFound(format!("no watch for {url}")));
        };
        let Some(row) = tx.query_opt(
            "SELECT record, lease_owner, lease_until, now() FROM watches \
             WHERE id = $1 FOR UPDATE SKIP LOCKED",
            &[&db_id(id)],
        )?
        else {
            // locked by another transaction right now (a plain read does
            // not wait for it), or removed
            let Some(row) = tx.query_opt(
                "SELECT lease_owner, greatest(lease_until, now() + interval '1 second') \
                 FROM watches WHERE id = $1",
                &[&db_id(id)],
            )?
            else {
                return Err(StoreError::NotFound(format!("watch {url}")));
            };
            return Ok(Claim::Busy {
                owner: row.get(0),
                until: row.get(1),
            });
        };
        let owner: Option<String> = row.get(1);
        let until: Option<DateTime<Utc>> = row.get(2);
        let now: DateTime<Utc> = row.get(3);
        if let (Some(owner), Some(until)) = (&owner, until) {
            if *owner != self.me && until > now {
                return Ok(Claim::Busy {
                    owner: Some(owner.clone()),
                    until,
                });
            }
        }
        let watch: Watch = rec(&row, 0, "watches")?;
        if !still_due(&watch) {
            if owner.as_deref() == Some(&self.me) {
                tx.execute(
                    "UPDATE watches SET lease_owner = NULL, lease_until = NULL WHERE id = $1",
                    &[&db_id(id)],
                )?;
            }
            tx.commit()?;
            return Ok(Claim::NotDue(watch));
        }
        tx.execute(
            "UPDATE watches SET lease_owner = $2, \
             lease_until = now() + make_interval(secs => $3) WHERE id = $1",
            &[&db_id(id), &self.me, &self.lease_secs()],
        )?;
        tx.commit()?;
        Ok(Claim::Granted(watch))
    }

    /// [`Store::lease_deliveries`]: the due deliveries no other process
    /// holds, leased to this one, oldest event first.
    pub(super) fn outbox_lease(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        let rows = self.conn()?.query(
            "WITH due AS ( \
               SELECT sink, seq FROM outbox \
               WHERE NOT dead AND ($1::timestamptz IS NULL OR next_attempt <= $1) \
                 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2) \
               ORDER BY seq, sink FOR UPDATE SKIP LOCKED) \
             UPDATE outbox o SET lease_owner = $2, \
               lease_until = now() + make_interval(secs => $3) \
             FROM due, events e \
             WHERE o.sink = due.sink AND o.seq = due.seq AND e.seq = o.seq \
             RETURNING o.record, e.record, o.seq, o.sink",
            &[&now, &self.me, &self.lease_secs()],
        )?;
        let mut out = rows
            .iter()
            .map(|r| {
                let key: (i64, String) = (r.get(2), r.get(3));
                Ok((key, (rec(r, 0, "outbox")?, rec(r, 1, "events")?)))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out.into_iter().map(|(_, d)| d).collect())
    }

    /// [`Store::heartbeat`]: this process seen now; the processes seen
    /// within a lease. Rows silent for ten leases are dropped.
    pub(super) fn beat(&self) -> Result<Instances, StoreError> {
        let mut c = self.conn()?;
        c.execute(
            "INSERT INTO instances (id, started_at, seen_at) VALUES ($1, now(), now()) \
             ON CONFLICT (id) DO UPDATE SET seen_at = now()",
            &[&self.me],
        )?;
        c.execute(
            "DELETE FROM instances WHERE seen_at < now() - make_interval(secs => $1)",
            &[&(self.lease_secs() * 10.0)],
        )?;
        let live: i64 = c
            .query_one(
                "SELECT count(*) FROM instances WHERE seen_at >= now() - make_interval(secs => $1)",
                &[&self.lease_secs()],
            )?
            .get(0);
        Ok(Instances {
            live: (live.max(1)) as usize,
        })
    }

    /// [`Store::sign_off`]: this process's heartbeat and leases removed,
    /// so that the others take its work at once.
    pub(super) fn leave(&self) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        tx.execute("DELETE FROM instances WHERE id = $1", &[&self.me])?;
        tx.execute(
            "UPDATE watches SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
            &[&self.me],
        )?;
        tx.execute(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
            &[&self.me],
        )?;
        tx.commit()?;
        Ok(())
    }
}
