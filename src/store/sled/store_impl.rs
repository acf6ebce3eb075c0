//! [`Store`] for [`SledStore`]: each method hands over to the module
//! that owns its trees.

use super::*;

impl Store for SledStore {
    fn template_rules(&self, outlet: &str) -> Result<Vec<Rule>, StoreError> {
        self.template.rules(outlet)
    }

    fn templates(&self) -> Result<Vec<OutletTemplate>, StoreError> {
        self.template.outlets()
    }

    fn observe_lines(
        &self,
        outlet: &str,
        article: WatchId,
        first: bool,
        lines: &[(LineKey, &str)],
        at: DateTime<Utc>,
    ) -> Result<Vec<Rule>, StoreError> {
        self.template.observe(outlet, article, first, lines, at)
    }

    fn learn_rules(&self, outlet: &str, rules: &[Rule]) -> Result<(), StoreError> {
        self.template.learn(outlet, rules)
    }

    fn line_articles(&self, outlet: &str, key: LineKey) -> Result<Vec<WatchId>, StoreError> {
        self.template.seen(outlet, key)
    }

    fn set_rule_verdict(
        &self,
        outlet: &str,
        key: LineKey,
        verdict: Verdict,
    ) -> Result<Rule, StoreError> {
        self.template.set_verdict(outlet, key, verdict, Utc::now())
    }

    fn remove_rule(&self, outlet: &str, key: LineKey) -> Result<Rule, StoreError> {
        self.template.remove(outlet, key)
    }

    fn add_discovered_watches(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError> {
        self.add_if_absent(new, Utc::now())
    }

    fn add_discovered_watches_at(
        &self,
        new: Vec<NewWatch>,
        at: DateTime<Utc>,
    ) -> Result<Vec<Watch>, StoreError> {
        self.add_if_absent(new, at)
    }

    fn feeds(&self) -> Result<Vec<FeedState>, StoreError> {
        self.feeds_all()
    }

    fn feed(&self, url: &str) -> Result<FeedState, StoreError> {
        self.feed_get(url)
    }

    fn upsert_feed(&self, new: NewFeed) -> Result<FeedState, StoreError> {
        self.feed_upsert(new)
    }

    fn remove_feed(&self, url: &str) -> Result<(), StoreError> {
        self.feed_remove(url)
    }

    fn commit_feed_poll(&self, feed: FeedState) -> Result<(), StoreError> {
        self.feed_put(&feed)
    }

    fn make_due(&self, id: WatchId) -> Result<Watch, StoreError> {
        // read-modify-write in one step: a check committing meanwhile is
        // not overwritten with an older record
        let mut bad = None;
        let stored = self.watches.update_and_fetch(codec::watch_key(id), |old| {
            let old = old?;
            match decode::<Watch>("watches", old) {
                Ok(mut w) => {
                    w.next_due = None;
                    Some(encode(&w))
                }
                Err(e) => {
                    bad = Some(e);
                    Some(old.to_vec())
                }
            }
        })?;
        if let Some(e) = bad {
            return Err(e);
        }
        let Some(v) = stored else {
            return Err(StoreError::NotFound(format!("watch {id}")));
        };
        self.db.flush()?;
        decode("watches", &v)
    }

    fn upsert_watch(&self, new: NewWatch) -> Result<Watch, StoreError> {
        let watch = match self.watch(&new.url) {
            Ok(mut w) => {
                if w.schedule != new.schedule {
                    // a new schedule takes effect at once
                    w.next_due = None;
                    w.retired = false;
                }
                w.label = new.label;
                w.schedule = new.schedule;
                w.source = new.source;
                w
            }
            Err(StoreError::NotFound(_)) => self.canonical_watch(self.next_watch_id()?, new),
            Err(e) => return Err(e),
        };
        self.watches
            .insert(codec::watch_key(watch.id), encode(&watch))?;
        self.index_watch(&watch)?;
        self.db.flush()?;
        Ok(watch)
    }

    fn collect_garbage(&self, dry_run: bool) -> Result<GcReport, StoreError> {
        self.gc_texts(dry_run)
    }

    fn gc_step(&self, cycle: &mut GcCycle, budget: usize) -> Result<GcStep, StoreError> {
        self.gc_texts_step(cycle, budget)
    }

    fn sweep_sightings(
        &self,
        sweep: &mut SightingSweep,
        budget: usize,
    ) -> Result<bool, StoreError> {
        self.template.sweep(sweep, budget)
    }

    fn prune_events(&self, retention: EventRetention, budget: usize) -> Result<u64, StoreError> {
        self.events_prune(retention, budget)
    }

    fn remove_watch(&self, url: &str) -> Result<Watch, StoreError> {
        let id = self.watch_id(url)?;
        let watch = self.load_watch(id)?;
        self.unindex_watch(&watch)?;
        self.watches.remove(codec::watch_key(id))?;
        let hashes: Vec<ContentHash> = self.versions(id)?.iter().map(|v| v.hash).collect();
        for tree in [&self.versions, &self.checks] {
            for k in tree.scan_prefix(codec::watch_key(id)).keys() {
                tree.remove(k?)?;
            }
        }
        // after the versions are gone: a collection that verifies these
        // candidates must not find them
        self.add_gc_candidates(&hashes)?;
        self.matching.remove(id)?;
        self.db.flush()?;
        Ok(watch)
    }

    fn watch(&self, url: &str) -> Result<Watch, StoreError> {
        let id = self.watch_id(url)?;
        self.load_watch(id)
    }

    fn follow_canonical(&self, id: WatchId, canonical: &str) -> Result<Followed, StoreError> {
        self.follow(id, canonical)
    }

    fn add_watch_urls(
        &self,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError> {
        self.add_urls(id, urls, declared_canonical)
    }

    fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.watches
            .iter()
            .values()
            .map(|v| decode("watches", &v?))
            .collect()
    }

    fn commit_check(&self, commit: CheckCommit) -> Result<Option<VersionMeta>, StoreError> {
        self.commit_check_record(commit)
    }

    fn checks(&self, id: WatchId, limit: usize) -> Result<Vec<CheckRecord>, StoreError> {
        self.checks
            .scan_prefix(codec::watch_key(id))
            .values()
            .rev()
            .take(limit)
            .map(|v| check_codec::decode_check(&v?))
            .collect()
    }

    fn versions(&self, id: WatchId) -> Result<Vec<VersionMeta>, StoreError> {
        self.versions
            .scan_prefix(codec::watch_key(id))
            .values()
            .map(|v| decode("versions", &v?))
            .collect()
    }

    fn version(&self, id: WatchId, number: u32) -> Result<(VersionMeta, Article), StoreError> {
        let meta: VersionMeta = match self.versions.get(codec::version_key(id, number))? {
            Some(v) => decode("versions", &v)?,
            None => return Err(StoreError::NotFound(format!("version {number}"))),
        };
        let article = self.load_text(meta.hash).map_err(|e| match e {
            StoreError::Corrupt { tree, detail } => StoreError::Corrupt {
                tree,
                detail: format!("version {number}: {detail}"),
            },
            e => e,
        })?;
        Ok((meta, article))
    }

    fn version_with_hash(&self, id: WatchId, hash: ContentHash) -> Result<Option<u32>, StoreError> {
        for v in self.versions.scan_prefix(codec::watch_key(id)).values() {
            let m: VersionMeta = decode("versions", &v?)?;
            if m.hash == hash {
                return Ok(Some(m.number));
            }
        }
        Ok(None)
    }

    fn pending_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.outbox_pending(now)
    }

    fn delivery_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        self.outbox_succeeded(sink, seq)
    }

    fn delivery_failed(
        &self,
        sink: &str,
        seq: u64,
        error: &str,
        next_attempt: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.outbox_failed(sink, seq, error, next_attempt)
    }

    fn outbox(&self) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.outbox_all()
    }

    fn retry_deliveries(&self, event_id: &str) -> Result<usize, StoreError> {
        self.outbox_retry(event_id)
    }

    fn sink_state(&self, sink: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.sink_state.get(sink.as_bytes())?.map(|v| v.to_vec()))
    }

    fn set_sink_state(&self, sink: &str, state: &[u8]) -> Result<(), StoreError> {
        self.sink_state.insert(sink.as_bytes(), state)?;
        Ok(())
    }

    fn events(&self, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.events_latest(limit)
    }

    fn events_before(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.events_older(before, limit)
    }

    fn events_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.events_newer(after, limit)
    }

    fn watch_by_id(&self, id: WatchId) -> Result<Watch, StoreError> {
        match self.watches.get(codec::watch_key(id))? {
            Some(v) => decode("watches", &v),
            None => Err(StoreError::NotFound(format!("watch {id}"))),
        }
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    fn store_id(&self) -> String {
        self.store_id.clone()
    }

    fn fingerprint(&self, id: WatchId) -> Result<Option<FingerprintRecord>, StoreError> {
        self.matching.fingerprint(id)
    }

    fn band_postings(&self, band: u64) -> Result<Vec<WatchId>, StoreError> {
        Ok(self.matching.table()?.band_postings(band))
    }

    fn paragraph_postings(
        &self,
        para: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WatchId)>, StoreError> {
        Ok(self.matching.table()?.paragraph_postings(para, limit))
    }

    fn indexed_paragraphs(&self, id: WatchId) -> Result<Vec<u64>, StoreError> {
        Ok(self.matching.table()?.paragraphs_of(id))
    }

    fn commit_fingerprint(&self, commit: FingerprintCommit) -> Result<(), StoreError> {
        let seqs = commit
            .events
            .iter()
            .map(|_| self.db.generate_id())
            .collect::<Result<Vec<_>, _>>()?;
        self.matching
            .commit(&self.events, &self.outbox, &seqs, &commit)?;
        self.db.flush()?;
        Ok(())
    }

    fn match_pair(
        &self,
        a: WatchId,
        b: WatchId,
    ) -> Result<Option<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.matching.pair(a, b)
    }

    fn match_pairs(&self) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.matching.pairs()
    }

    fn match_pairs_of(
        &self,
        id: WatchId,
    ) -> Result<Vec<crate::core::matching::cluster::MatchPair>, StoreError> {
        self.matching.pairs_of(id)
    }

    /// The republication index in memory: articles, band postings,
    /// paragraph postings, and approximate heap bytes.
    fn load_match_index(&self) -> Result<(), StoreError> {
        self.matching.load().map(|_| ())
    }

    fn match_index_stats(&self) -> Option<MatchIndexStats> {
        let t = self.matching.table().ok()?;
        let (bands, paragraphs) = t.postings();
        Some(MatchIndexStats {
            articles: t.len(),
            band_postings: bands,
            paragraph_postings: paragraphs,
            heap_bytes: t.heap_bytes(),
        })
    }
}
