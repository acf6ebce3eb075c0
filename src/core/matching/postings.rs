//! The in-memory posting table of the republication index: which articles
//! have an LSH band key or a paragraph hash, looked up without touching
//! the disk.
//!
//! The store keeps only each article's fingerprint record on disk and
//! builds this table from the records when it opens; the daemon's query
//! for a new version is then a few dozen binary searches in memory (see
//! BENCHMARKS.md: a sled-backed table missed p99 ≤ 1 ms at a million
//! articles and grew to 30 KB/article on disk).
//!
//! Layout: a posting is one `u64`, the key's low 32 bits above a 32-bit
//! article slot, kept sorted in one of 2^[`SHARD_BITS`] shards chosen by
//! the key's top bits. Shard and low bits together are 48 bits of the key
//! (band keys and paragraph hashes are hashes, so any 48 bits will do), so a lookup confuses two different keys about once in 2^32
//! postings per shard; a confused key only adds one candidate, which
//! verification on exact shingles then rejects. A band posting costs 8
//! bytes: 42 bands make 336 bytes per article.

use std::collections::HashMap;

/// Bits of a key that choose its shard (65,536 shards: 1.5 MiB of empty
/// shards for a new store, ~640 band postings per shard at a million
/// articles, so an insert moves a few KB).
pub const SHARD_BITS: u32 = 16;

/// An article as the table indexes it.
#[derive(Debug, Clone, Copy)]
pub struct IndexedDoc<'a> {
    /// Its id (the watch id).
    pub id: u64,
    /// [`super::memindex::outlet_key`] of its outlet.
    pub outlet: u64,
    /// Its band keys ([`super::Fingerprint::bands`]).
    pub bands: &'a [u64],
    /// Its paragraph hashes ([`super::Fingerprint::paragraphs`]).
    pub paragraphs: &'a [u64],
}

/// Sorted postings of one kind of key.
#[derive(Debug)]
struct Shards(Vec<Vec<u64>>);

fn split(key: u64) -> (usize, u64) {
    let shard = (key >> (64 - SHARD_BITS)) as usize;
    (shard, key << 32)
}

impl Shards {
    fn new() -> Shards {
        Shards((0..1usize << SHARD_BITS).map(|_| Vec::new()).collect())
    }

    /// The run of postings of `key`.
    fn run(&self, key: u64) -> &[u64] {
        let (shard, frag) = split(key);
        let v = &self.0[shard];
        let start = v.partition_point(|&p| p < frag);
        let end = start + v[start..].partition_point(|&p| p <= frag | 0xFFFF_FFFF);
        &v[start..end]
    }

    fn insert(&mut self, key: u64, slot: u32) {
        let (shard, frag) = split(key);
        let p = frag | slot as u64;
        let v = &mut self.0[shard];
        if let Err(at) = v.binary_search(&p) {
            if v.len() == v.capacity() {
                // grow by an eighth, not double: a million articles'
                // shards would otherwise carry ~40% spare capacity
                v.reserve_exact(v.len() / 8 + 4);
            }
            v.insert(at, p);
        }
    }

    fn remove(&mut self, key: u64, slot: u32) {
        let (shard, frag) = split(key);
        let v = &mut self.0[shard];
        if let Ok(at) = v.binary_search(&(frag | slot as u64)) {
            v.remove(at);
        }
    }

    /// Append without keeping order (bulk loading; [`Shards::seal`] after).
    fn push(&mut self, key: u64, slot: u32) {
        let (shard, frag) = split(key);
        self.0[shard].push(frag | slot as u64);
    }

    fn seal(&mut self) {
        for v in &mut self.0 {
            v.sort_unstable();
            v.dedup();
            v.shrink_to_fit();
        }
    }

    fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    fn heap_bytes(&self) -> usize {
        self.0.len() * std::mem::size_of::<Vec<u64>>()
            + self.0.iter().map(|v| v.capacity() * 8).sum::<usize>()
    }
}

fn slot_of(posting: u64) -> u32 {
    posting as u32
}

/// One indexed article.
#[derive(Debug)]
struct Slot {
    id: u64,
    outlet: u64,
    paragraphs: Box<[u64]>,
}

/// Band and paragraph postings of every indexed article.
#[derive(Debug)]
pub struct PostingTable {
    slots: Vec<Option<Slot>>,
    by_id: HashMap<u64, u32>,
    bands: Shards,
    paras: Shards,
}

/// Loads a [`PostingTable`] article by article without keeping order, and
/// sorts once at the end: how a store builds its index from its records
/// without holding them all.
#[derive(Debug, Default)]
pub struct TableBuilder {
    table: PostingTable,
    replaced: bool,
}

impl TableBuilder {
    /// Add an article; a later one with the same id replaces it.
    pub fn push(&mut self, d: IndexedDoc<'_>) {
        let t = &mut self.table;
        if let Some(slot) = t.by_id.remove(&d.id) {
            t.slots[slot as usize] = None;
            self.replaced = true;
        }
        let slot = t.new_slot(&d);
        for &b in d.bands {
            t.bands.push(b, slot);
        }
        for &p in d.paragraphs {
            t.paras.push(p, slot);
        }
    }

    /// The table, sorted, without the postings of replaced articles.
    pub fn finish(self) -> PostingTable {
        let mut t = self.table;
        if self.replaced {
            // drop the postings of replaced articles' slots
            let slots = &t.slots;
            for shards in [&mut t.bands, &mut t.paras] {
                for v in &mut shards.0 {
                    v.retain(|&p| slots[slot_of(p) as usize].is_some());
                }
            }
        }
        t.bands.seal();
        t.paras.seal();
        t.slots.shrink_to_fit();
        t.by_id.shrink_to_fit();
        t
    }
}

impl Default for PostingTable {
    fn default() -> Self {
        PostingTable::new()
    }
}

impl PostingTable {
    /// An empty table.
    pub fn new() -> PostingTable {
        PostingTable {
            slots: Vec::new(),
            by_id: HashMap::new(),
            bands: Shards::new(),
            paras: Shards::new(),
        }
    }

    fn new_slot(&mut self, d: &IndexedDoc<'_>) -> u32 {
        let slot = self.slots.len() as u32;
        self.slots.push(Some(Slot {
            id: d.id,
            outlet: d.outlet,
            paragraphs: d.paragraphs.into(),
        }));
        self.by_id.insert(d.id, slot);
        slot
    }

    /// Index an article, replacing what was indexed under its id.
    /// `old_bands` are the band keys it was indexed with (from its previous
    /// fingerprint record; the table does not keep them, to stay small).
    pub fn replace(&mut self, old_bands: &[u64], d: IndexedDoc<'_>) {
        let slot = match self.by_id.get(&d.id) {
            Some(&slot) => {
                self.unpost(slot, old_bands);
                self.slots[slot as usize] = Some(Slot {
                    id: d.id,
                    outlet: d.outlet,
                    paragraphs: d.paragraphs.into(),
                });
                slot
            }
            None => self.new_slot(&d),
        };
        for &b in d.bands {
            self.bands.insert(b, slot);
        }
        for &p in d.paragraphs {
            self.paras.insert(p, slot);
        }
    }

    /// Forget an article indexed with these band keys.
    pub fn remove(&mut self, id: u64, old_bands: &[u64]) {
        if let Some(slot) = self.by_id.remove(&id) {
            self.unpost(slot, old_bands);
            // the slot is not reused: slots stay in the order articles
            // were first indexed
            self.slots[slot as usize] = None;
        }
    }

    fn unpost(&mut self, slot: u32, bands: &[u64]) {
        for &b in bands {
            self.bands.remove(b, slot);
        }
        if let Some(s) = &self.slots[slot as usize] {
            for &p in s.paragraphs.iter() {
                self.paras.remove(p, slot);
            }
        }
    }

    fn slot(&self, posting: u64) -> Option<&Slot> {
        self.slots.get(slot_of(posting) as usize)?.as_ref()
    }

    /// Articles having this band key, in id order.
    pub fn band_postings(&self, band: u64) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .bands
            .run(band)
            .iter()
            .filter_map(|&p| self.slot(p).map(|s| s.id))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// `(outlet key, article)` of at most `limit` articles having this
    /// paragraph, in that order; of a paragraph found in more, the first
    /// `limit` indexed.
    pub fn paragraph_postings(&self, para: u64, limit: usize) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = self
            .paras
            .run(para)
            .iter()
            .filter_map(|&p| self.slot(p).map(|s| (s.outlet, s.id)))
            .take(limit)
            .collect();
        out.sort_unstable();
        out
    }

    /// The indexed paragraph hashes of an article (empty when unknown).
    pub fn paragraphs_of(&self, id: u64) -> Vec<u64> {
        self.by_id
            .get(&id)
            .and_then(|&s| self.slots[s as usize].as_ref())
            .map(|s| s.paragraphs.to_vec())
            .unwrap_or_default()
    }

    /// Articles indexed.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// No article indexed.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// `(band postings, paragraph postings)`.
    pub fn postings(&self) -> (usize, usize) {
        (self.bands.len(), self.paras.len())
    }

    /// Approximate heap use in bytes (postings, slots, id map).
    pub fn heap_bytes(&self) -> usize {
        let slots = self.slots.capacity() * std::mem::size_of::<Option<Slot>>()
            + self
                .slots
                .iter()
                .flatten()
                .map(|s| s.paragraphs.len() * 8)
                .sum::<usize>();
        // hashbrown: key, value and one control byte per bucket
        let ids = self.by_id.capacity() * (8 + 4 + 1);
        self.bands.heap_bytes() + self.paras.heap_bytes() + slots + ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc<'a>(id: u64, outlet: u64, bands: &'a [u64], paragraphs: &'a [u64]) -> IndexedDoc<'a> {
        IndexedDoc {
            id,
            outlet,
            bands,
            paragraphs,
        }
    }

    /// A table loaded with [`TableBuilder`], as a store loads its records.
    fn build<'a>(docs: impl IntoIterator<Item = IndexedDoc<'a>>) -> PostingTable {
        let mut b = TableBuilder::default();
        for d in docs {
            b.push(d);
        }
        b.finish()
    }

    #[test]
    fn keys_in_one_shard_with_one_fragment_stay_apart_from_their_neighbours() {
        let mut t = PostingTable::new();
        // same shard (top 16 bits), low bits differing by one
        let (a, b) = (0xABCD_0000_0000_0001u64, 0xABCD_0000_0000_0002u64);
        t.replace(&[], doc(7, 1, &[a, b], &[]));
        t.replace(&[], doc(9, 1, &[b], &[]));
        assert_eq!(t.band_postings(a), vec![7]);
        assert_eq!(t.band_postings(b), vec![7, 9]);
        assert!(t.band_postings(0xABCD_0000_0000_0003).is_empty());
        assert!(t.band_postings(0xABCE_0000_0000_0001).is_empty());
        // bits 32..48 are not kept: such keys are one key here
        assert_eq!(t.band_postings(a | 0xFFFF_0000_0000), vec![7]);
    }

    #[test]
    fn a_shard_filled_one_posting_at_a_time_keeps_little_spare_room() {
        let mut t = PostingTable::new();
        for id in 0..10_000u64 {
            // all in shard 0
            t.replace(&[], doc(id, 1, &[id * 7 + 1], &[]));
        }
        let shard = &t.bands.0[0];
        assert_eq!(shard.len(), 10_000);
        assert!(
            shard.capacity() <= shard.len() + shard.len() / 8 + 4,
            "capacity {} for {} postings",
            shard.capacity(),
            shard.len()
        );
        assert_eq!(t.band_postings(7 * 4_321 + 1), vec![4_321]);
    }

    #[test]
    fn replace_and_remove_take_out_exactly_the_old_postings() {
        let mut t = PostingTable::new();
        t.replace(&[], doc(1, 10, &[100, 200], &[5, 6]));
        t.replace(&[], doc(2, 20, &[100], &[6]));
        assert_eq!(t.paragraph_postings(6, 10), vec![(10, 1), (20, 2)]);
        t.replace(&[100, 200], doc(1, 11, &[300], &[7]));
        assert_eq!(t.band_postings(100), vec![2]);
        assert!(t.band_postings(200).is_empty());
        assert_eq!(t.band_postings(300), vec![1]);
        assert_eq!(t.paragraph_postings(6, 10), vec![(20, 2)]);
        assert_eq!(t.paragraph_postings(7, 10), vec![(11, 1)]);
        assert_eq!(t.paragraphs_of(1), vec![7]);
        t.remove(2, &[100]);
        assert!(t.band_postings(100).is_empty());
        assert!(t.paragraph_postings(6, 10).is_empty());
        assert!(t.paragraphs_of(2).is_empty());
        assert_eq!(t.len(), 1);
        assert_eq!(t.postings(), (1, 1));
    }

    #[test]
    fn a_built_table_answers_like_one_filled_article_by_article() {
        let bands: Vec<Vec<u64>> = (0..300u64)
            .map(|i| {
                (0..5)
                    .map(|j| (i % 40 + j).wrapping_mul(0x9E37_79B9_7F4A_7C15))
                    .collect()
            })
            .collect();
        let paras: Vec<Vec<u64>> = (0..300u64).map(|i| vec![i % 7, 1000 + i]).collect();
        let docs =
            || (0..300u64).map(|i| doc(i * 3, i % 4, &bands[i as usize], &paras[i as usize]));
        let built = build(docs());
        let mut one = PostingTable::new();
        for d in docs() {
            one.replace(&[], d);
        }
        for i in 0..300usize {
            for &b in &bands[i] {
                assert_eq!(built.band_postings(b), one.band_postings(b));
            }
            for &p in &paras[i] {
                assert_eq!(
                    built.paragraph_postings(p, 1000),
                    one.paragraph_postings(p, 1000)
                );
            }
        }
        assert_eq!(built.paragraph_postings(3, 5).len(), 5);
        assert_eq!(built.postings(), one.postings());
        // a later record of the same id replaces the earlier one
        let rebuilt = build(docs().chain([doc(0, 9, &[42], &[77])]));
        assert_eq!(rebuilt.len(), 300);
        assert_eq!(rebuilt.band_postings(42), vec![0]);
        assert!(!rebuilt.band_postings(bands[0][0]).contains(&0));
        assert_eq!(rebuilt.paragraphs_of(0), vec![77]);
    }
}
