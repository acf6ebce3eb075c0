//! Watches and their URLs in PostgreSQL: `watches` (the record) and
//! `watch_urls` (every URL a watch is found under, unique, so that one
//! article is one watch), lookups by any variant of a URL, following a
//! page's canonical URL and merging two watches of one article.

use super::*;
use crate::store::urls::{canonical_watch, merge_histories, merge_watch};
use postgres::GenericClient;

impl PgStore {
    /// The watch id a URL is indexed under, by any of its [`lookup_keys`].
    pub(super) fn find_watch_id(
        &self,
        c: &mut impl GenericClient,
        url: &str,
    ) -> Result<Option<WatchId>, StoreError> {
        for key in lookup_keys(&self.rules, url) {
            if let Some(row) =
                c.query_opt("SELECT watch_id FROM watch_urls WHERE url = $1", &[&key])?
            {
                return Ok(Some(row.get::<_, i64>(0) as u64));
            }
        }
        Ok(None)
    }

    fn watch_id(&self, c: &mut impl GenericClient, url: &str) -> Result<WatchId, StoreError> {
        self.find_watch_id(c, url)?.ok_or_else(|| {
            StoreError::NotFound(format!("no watch for {url} (see `copydesk watch list`)"))
        })
    }

    /// The watch with id `id` (`FOR UPDATE` when `lock`).
    pub(super) fn load_watch(
        &self,
        c: &mut impl GenericClient,
        id: WatchId,
    ) -> Result<Watch, StoreError> {
        match c.query_opt("SELECT record FROM watches WHERE id = $1", &[&db_id(id)])? {
            Some(row) => rec(&row, 0, "watches"),
            None => Err(StoreError::NotFound(format!("watch {id}"))),
        }
    }

    pub(super) fn lock_watch(
        &self,
        c: &mut impl GenericClient,
        id: WatchId,
    ) -> Result<Watch, StoreError> {
        match c.query_opt(
            "SELECT record FROM watches WHERE id = $1 FOR UPDATE",
            &[&db_id(id)],
        )? {
            Some(row) => rec(&row, 0, "watches"),
            None => Err(StoreError::NotFound(format!("watch {id}"))),
        }
    }

    pub(super) fn watch_by_url(&self, url: &str) -> Result<Watch, StoreError> {
        let mut c = self.conn()?;
        let id = self.watch_id(&mut *c, url)?;
        self.load_watch(&mut *c, id)
    }

    /// Write the record of `w` (a new or an existing watch).
    pub(super) fn put_watch(c: &mut impl GenericClient, w: &Watch) -> Result<(), StoreError> {
        c.execute(
            "INSERT INTO watches (id, record) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
            &[&db_id(w.id), &Json(w)],
        )?;
        Ok(())
    }

    /// Index every URL of `w` that no other watch holds.
    pub(super) fn index_watch(c: &mut impl GenericClient, w: &Watch) -> Result<(), StoreError> {
        for u in w.known_urls() {
            c.execute(
                "INSERT INTO watch_urls (url, watch_id) VALUES ($1, $2) ON CONFLICT (url) DO NOTHING",
                &[&u, &db_id(w.id)],
            )?;
        }
        Ok(())
    }

    pub(super) fn new_id(c: &mut impl GenericClient) -> Result<WatchId, StoreError> {
        Ok(c.query_one("SELECT nextval('watch_ids')", &[])?
            .get::<_, i64>(0) as u64)
    }

    /// Add a watch or update one. Several daemons syncing the same
    /// `[[watch]]` list at once make one watch: a new watch whose URL
    /// another transaction took meanwhile is rolled back and the upsert
    /// tried again as an update.
    pub(super) fn watch_upsert(&self, new: NewWatch) -> Result<Watch, StoreError> {
        let mut c = self.conn()?;
        for _ in 0..3 {
            let mut tx = c.transaction()?;
            let watch = match self.find_watch_id(&mut tx, &new.url)? {
                Some(id) => {
                    let mut w = self.lock_watch(&mut tx, id)?;
                    if w.schedule != new.schedule {
                        // a new schedule takes effect at once
                        w.next_due = None;
                        w.retired = false;
                    }
                    w.label = new.label.clone();
                    w.schedule = new.schedule.clone();
                    w.source = new.source;
                    w
                }
                None => {
                    let w = canonical_watch(&self.rules, Self::new_id(&mut tx)?, new.clone());
                    Self::put_watch(&mut tx, &w)?;
                    let taken = tx.execute(
                        "INSERT INTO watch_urls (url, watch_id) VALUES ($1, $2) \
                         ON CONFLICT (url) DO NOTHING",
                        &[&w.url, &db_id(w.id)],
                    )? == 0;
                    if taken {
                        tx.rollback()?;
                        continue; // added by another process meanwhile
                    }
                    w
                }
            };
            Self::put_watch(&mut tx, &watch)?;
            Self::index_watch(&mut tx, &watch)?;
            tx.commit()?;
            return Ok(watch);
        }
        Err(StoreError::Conflict {
            url: new.url,
            number: 0,
        })
    }

    pub(super) fn watch_remove(&self, url: &str) -> Result<Watch, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let id = self.watch_id(&mut tx, url)?;
        let watch = self.lock_watch(&mut tx, id)?;
        // the texts of its versions may be garbage now (see `checks`)
        tx.execute(
            "INSERT INTO gc_candidates (hash, marker) \
             SELECT hash, nextval('gc_markers') FROM \
               (SELECT DISTINCT hash FROM versions WHERE watch_id = $1) h \
             ON CONFLICT (hash) DO UPDATE SET marker = EXCLUDED.marker",
            &[&db_id(id)],
        )?;
        tx.execute("DELETE FROM versions WHERE watch_id = $1", &[&db_id(id)])?;
        tx.execute("DELETE FROM checks WHERE watch_id = $1", &[&db_id(id)])?;
        tx.execute("DELETE FROM watches WHERE id = $1", &[&db_id(id)])?;
        matching::remove(&mut tx, id)?;
        tx.commit()?;
        Ok(watch)
    }

    pub(super) fn watch_make_due(&self, id: WatchId) -> Result<Watch, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let mut w = self.lock_watch(&mut tx, id)?;
        w.next_due = None;
        Self::put_watch(&mut tx, &w)?;
        tx.commit()?;
        Ok(w)
    }

    pub(super) fn add_if_absent(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError> {
        let mut c = self.conn()?;
        let mut added = Vec::new();
        for n in new {
            let mut tx = c.transaction()?;
            // any variant of a watched URL (tracking parameters, scheme,
            // an alias) is watched already
            if self.find_watch_id(&mut tx, &n.url)?.is_some() {
                continue; // no id spent on a URL already watched
            }
            let watch = canonical_watch(&self.rules, Self::new_id(&mut tx)?, n);
            Self::put_watch(&mut tx, &watch)?;
            // another process may have added it meanwhile: then not this one
            let taken = tx.execute(
                "INSERT INTO watch_urls (url, watch_id) VALUES ($1, $2) ON CONFLICT (url) DO NOTHING",
                &[&watch.url, &db_id(watch.id)],
            )? == 0;
            if taken {
                tx.rollback()?;
                continue;
            }
            Self::index_watch(&mut tx, &watch)?;
            tx.commit()?;
            added.push(watch);
        }
        Ok(added)
    }

    pub(super) fn add_urls(
        &self,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let w = self.add_urls_in(&mut tx, id, urls, declared_canonical)?;
        tx.commit()?;
        Ok(w)
    }

    /// [`PgStore::add_urls`]'s writes, in the caller's transaction.
    pub(super) fn add_urls_in(
        &self,
        tx: &mut postgres::Transaction<'_>,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError> {
        let mut w = self.lock_watch(tx, id)?;
        for u in urls {
            let u = self.rules.canonical_str(&u).unwrap_or(u);
            let free = self.find_watch_id(tx, &u)?.is_none_or(|other| other == id);
            if free && u != w.url && !w.aliases.contains(&u) {
                w.aliases.push(u);
            }
        }
        if declared_canonical.is_some() {
            w.declared_canonical = declared_canonical;
        }
        Self::put_watch(tx, &w)?;
        Self::index_watch(tx, &w)?;
        Ok(w)
    }

    pub(super) fn follow(&self, id: WatchId, canonical: &str) -> Result<Followed, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction()?;
        let mut w = self.lock_watch(&mut tx, id)?;
        let Some(canon) = self.rules.canonical_str(canonical) else {
            return Ok(Followed::Already(w));
        };
        if w.url == canon || w.aliases.contains(&canon) {
            return Ok(Followed::Already(w));
        }
        let followed = match self.find_watch_id(&mut tx, &canon)? {
            Some(other) if other != id => Followed::Merged(self.merge_into(&mut tx, other, id)?),
            _ => {
                let old = std::mem::replace(&mut w.url, canon);
                w.aliases.retain(|a| *a != w.url);
                w.aliases.push(old);
                w.declared_canonical = None;
                Self::put_watch(&mut tx, &w)?;
                Self::index_watch(&mut tx, &w)?;
                Followed::Moved(w)
            }
        };
        tx.commit()?;
        Ok(followed)
    }

    /// Merge watch `gone` into watch `keep` inside `tx` (see
    /// [`crate::store::urls::merge_histories`]): one history, both their
    /// checks, `gone`'s URLs as aliases of `keep`; `gone` and its
    /// republication index entries are removed.
    fn merge_into(
        &self,
        tx: &mut postgres::Transaction<'_>,
        keep: WatchId,
        gone: WatchId,
    ) -> Result<Merge, StoreError> {
        let mut k = self.lock_watch(tx, keep)?;
        let g = self.lock_watch(tx, gone)?;
        let read = |tx: &mut postgres::Transaction<'_>, id: WatchId| {
            let rows = tx.query(
                "SELECT record FROM versions WHERE watch_id = $1 ORDER BY number",
                &[&db_id(id)],
            )?;
            recs::<VersionMeta>(&rows, "versions")
        };
        let (merged, dropped) = merge_histories(read(tx, keep)?, read(tx, gone)?);
        tx.execute(
            "DELETE FROM versions WHERE watch_id = ANY($1)",
            &[&vec![db_id(keep), db_id(gone)]],
        )?;
        for v in &merged {
            tx.execute(
                "INSERT INTO versions (watch_id, number, hash, record) VALUES ($1, $2, $3, $4)",
                &[
                    &db_id(keep),
                    &(v.number as i32),
                    &&v.hash.to_bytes()[..],
                    &Json(v),
                ],
            )?;
            // a collection under way must not take its text
            tx.execute(
                "DELETE FROM gc_candidates WHERE hash = $1",
                &[&&v.hash.to_bytes()[..]],
            )?;
        }
        tx.execute(
            "UPDATE checks SET watch_id = $1 WHERE watch_id = $2",
            &[&db_id(keep), &db_id(gone)],
        )?;
        checks::prune(tx, keep)?;
        matching::remove(tx, gone)?;
        merge_watch(&self.rules, &mut k, &g, &merged);
        tx.execute("DELETE FROM watches WHERE id = $1", &[&db_id(gone)])?;
        Self::put_watch(tx, &k)?;
        // every URL of either watch finds the kept one
        for u in k.known_urls().chain(g.known_urls()) {
            tx.execute(
                "INSERT INTO watch_urls (url, watch_id) VALUES ($1, $2) \
                 ON CONFLICT (url) DO UPDATE SET watch_id = EXCLUDED.watch_id",
                &[&u, &db_id(keep)],
            )?;
        }
        tracing::info!(kept = %k.url, merged = %g.url, versions = merged.len(), duplicates_dropped = dropped, "two watches of one article merged");
        Ok(Merge {
            kept: k,
            gone_url: g.url,
            gone_id: gone,
            versions: merged.len() as u32,
            duplicates_dropped: dropped,
        })
    }
}
