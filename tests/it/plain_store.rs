//! A store that keeps every default method of [`Store`]: it hands each
//! required method to a sled store and overrides nothing else, as a new
//! backend would before it offers the optional operations (in-place
//! compaction, the incremental collection, the in-memory match index).

use chrono::{DateTime, Utc};
use copydesk::core::matching::cluster::MatchPair;
use copydesk::core::normalize::ContentHash;
use copydesk::core::template::{shape::LineKey, Rule, Verdict};
use copydesk::core::Article;
use copydesk::store::*;

/// The sled store it hands every required method to.
pub struct Plain(pub SledStore);

impl Store for Plain {
    fn upsert_watch(&self, new: NewWatch) -> Result<Watch, StoreError> {
        self.0.upsert_watch(new)
    }

    fn remove_watch(&self, url: &str) -> Result<Watch, StoreError> {
        self.0.remove_watch(url)
    }

    fn collect_garbage(&self, dry_run: bool) -> Result<GcReport, StoreError> {
        self.0.collect_garbage(dry_run)
    }

    fn watch(&self, url: &str) -> Result<Watch, StoreError> {
        self.0.watch(url)
    }

    fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.0.watches()
    }

    fn follow_canonical(&self, id: WatchId, canonical: &str) -> Result<Followed, StoreError> {
        self.0.follow_canonical(id, canonical)
    }

    fn add_watch_urls(
        &self,
        id: WatchId,
        urls: Vec<String>,
        declared_canonical: Option<String>,
    ) -> Result<Watch, StoreError> {
        self.0.add_watch_urls(id, urls, declared_canonical)
    }

    fn commit_check(&self, commit: CheckCommit) -> Result<Option<VersionMeta>, StoreError> {
        self.0.commit_check(commit)
    }

    fn checks(&self, id: WatchId, limit: usize) -> Result<Vec<CheckRecord>, StoreError> {
        self.0.checks(id, limit)
    }

    fn versions(&self, id: WatchId) -> Result<Vec<VersionMeta>, StoreError> {
        self.0.versions(id)
    }

    fn version(&self, id: WatchId, number: u32) -> Result<(VersionMeta, Article), StoreError> {
        self.0.version(id, number)
    }

    fn version_with_hash(&self, id: WatchId, hash: ContentHash) -> Result<Option<u32>, StoreError> {
        self.0.version_with_hash(id, hash)
    }

    fn pending_deliveries(
        &self,
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.0.pending_deliveries(now)
    }

    fn delivery_succeeded(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        self.0.delivery_succeeded(sink, seq)
    }

    fn delivery_failed(
        &self,
        sink: &str,
        seq: u64,
        error: &str,
        next_attempt: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.0.delivery_failed(sink, seq, error, next_attempt)
    }

    fn outbox(&self) -> Result<Vec<(Delivery, StoredEvent)>, StoreError> {
        self.0.outbox()
    }

    fn retry_deliveries(&self, event_id: &str) -> Result<usize, StoreError> {
        self.0.retry_deliveries(event_id)
    }

    fn sink_state(&self, sink: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.sink_state(sink)
    }

    fn set_sink_state(&self, sink: &str, state: &[u8]) -> Result<(), StoreError> {
        self.0.set_sink_state(sink, state)
    }

    fn events(&self, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        self.0.events(limit)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.0.flush()
    }

    fn store_id(&self) -> String {
        self.0.store_id()
    }

    fn add_discovered_watches(&self, new: Vec<NewWatch>) -> Result<Vec<Watch>, StoreError> {
        self.0.add_discovered_watches(new)
    }

    fn feeds(&self) -> Result<Vec<FeedState>, StoreError> {
        self.0.feeds()
    }

    fn feed(&self, url: &str) -> Result<FeedState, StoreError> {
        self.0.feed(url)
    }

    fn upsert_feed(&self, new: NewFeed) -> Result<FeedState, StoreError> {
        self.0.upsert_feed(new)
    }

    fn remove_feed(&self, url: &str) -> Result<(), StoreError> {
        self.0.remove_feed(url)
    }

    fn commit_feed_poll(&self, feed: FeedState) -> Result<(), StoreError> {
        self.0.commit_feed_poll(feed)
    }

    fn make_due(&self, id: WatchId) -> Result<Watch, StoreError> {
        self.0.make_due(id)
    }

    fn template_rules(&self, outlet: &str) -> Result<Vec<Rule>, StoreError> {
        self.0.template_rules(outlet)
    }

    fn templates(&self) -> Result<Vec<OutletTemplate>, StoreError> {
        self.0.templates()
    }

    fn observe_lines(
        &self,
        outlet: &str,
        article: WatchId,
        first: bool,
        lines: &[(LineKey, &str)],
        at: DateTime<Utc>,
    ) -> Result<Vec<Rule>, StoreError> {
        self.0.observe_lines(outlet, article, first, lines, at)
    }

    fn line_articles(&self, outlet: &str, key: LineKey) -> Result<Vec<WatchId>, StoreError> {
        self.0.line_articles(outlet, key)
    }

    fn learn_rules(&self, outlet: &str, rules: &[Rule]) -> Result<(), StoreError> {
        self.0.learn_rules(outlet, rules)
    }

    fn set_rule_verdict(
        &self,
        outlet: &str,
        key: LineKey,
        verdict: Verdict,
    ) -> Result<Rule, StoreError> {
        self.0.set_rule_verdict(outlet, key, verdict)
    }

    fn remove_rule(&self, outlet: &str, key: LineKey) -> Result<Rule, StoreError> {
        self.0.remove_rule(outlet, key)
    }

    fn fingerprint(&self, id: WatchId) -> Result<Option<FingerprintRecord>, StoreError> {
        self.0.fingerprint(id)
    }

    fn band_postings(&self, band: u64) -> Result<Vec<WatchId>, StoreError> {
        self.0.band_postings(band)
    }

    fn paragraph_postings(
        &self,
        para: u64,
        limit: usize,
    ) -> Result<Vec<(u64, WatchId)>, StoreError> {
        self.0.paragraph_postings(para, limit)
    }

    fn commit_fingerprint(&self, commit: FingerprintCommit) -> Result<(), StoreError> {
        self.0.commit_fingerprint(commit)
    }

    fn match_pair(&self, a: WatchId, b: WatchId) -> Result<Option<MatchPair>, StoreError> {
        self.0.match_pair(a, b)
    }

    fn match_pairs(&self) -> Result<Vec<MatchPair>, StoreError> {
        self.0.match_pairs()
    }
}
