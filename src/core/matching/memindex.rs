//! Candidate generation over an index, shared by the sled index
//! ([`crate::store`]) and an in-memory one ([`MemIndex`], used by the
//! evaluation and tests): band postings find near-duplicates, paragraph
//! postings find lifted paragraphs, and per-outlet paragraph counts find
//! boilerplate.

use super::postings::{IndexedDoc, PostingTable};
use super::{classify, compare, fingerprint, Doc, Fingerprint, MatchClass, Scores, Thresholds};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Postings read per paragraph. A paragraph found in more articles than
/// this is too common to say anything about one story and is skipped.
pub const MAX_PARAGRAPH_POSTINGS: usize = 1000;
/// Candidates verified per article at most (most similar by number of
/// shared keys first).
pub const MAX_CANDIDATES: usize = 200;

/// The stable key of an outlet name in paragraph postings.
pub fn outlet_key(outlet: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(outlet.as_bytes())
}

/// Read access to an index of fingerprints.
pub trait IndexView {
    /// What a lookup can fail with (a store's error; never, in memory).
    type Error;
    /// Articles having this band key.
    fn band_postings(&self, band: u64) -> Result<Vec<u64>, Self::Error>;
    /// `(outlet key, article)` of articles having this paragraph, at most
    /// `limit` of them.
    fn paragraph_postings(&self, para: u64, limit: usize) -> Result<Vec<(u64, u64)>, Self::Error>;
    /// The indexed paragraph hashes of an article (empty when unknown).
    fn paragraphs_of(&self, id: u64) -> Result<Vec<u64>, Self::Error>;
    /// The articles of every band of `bands`, one per (band, article)
    /// posting: [`IndexView::band_postings`] of each, in one call (a
    /// database answers it in one query instead of one per band).
    fn band_postings_many(&self, bands: &[u64]) -> Result<Vec<u64>, Self::Error> {
        let mut out = Vec::new();
        for &b in bands {
            out.extend(self.band_postings(b)?);
        }
        Ok(out)
    }
    /// [`IndexView::paragraph_postings`] of each of `paras`, in order, in
    /// one call.
    fn paragraph_postings_many(
        &self,
        paras: &[u64],
        limit: usize,
    ) -> Result<Vec<Vec<(u64, u64)>>, Self::Error> {
        paras
            .iter()
            .map(|&p| self.paragraph_postings(p, limit))
            .collect()
    }
}

/// Two articles are different stories (for boilerplate counting) when
/// they share less than this share of the smaller one's paragraphs: an
/// alias, a copy or a corrected copy does not make its own paragraphs
/// boilerplate, however many outlets carry it.
pub const DIFFERENT_STORY_SHARE: f64 = 0.5;

/// Articles of one outlet looked at per paragraph when counting stories.
const MAX_GROUP: usize = 16;

/// Articles of any outlet looked at per paragraph when counting stories
/// across outlets (a wire story carried by hundreds of outlets is one
/// story: the first articles looked at already say so).
pub const MAX_STORIES_LOOKED: usize = 48;

/// The paragraphs of article `id` (outlet key `outlet`) that are
/// boilerplate, template text that is never evidence of a republication:
/// - found in at least `boilerplate_articles` different stories of one
///   outlet (this article counted in its own outlet): an outlet's
///   disclaimer, bio or newsletter box, also when a copy carried it along
///   to another outlet;
/// - or found in at least `boilerplate_stories` different stories of any
///   outlets: the footer of a network of sister sites sharing one CMS,
///   a syndication partner's credit line, a comment policy.
///
/// Stories, not articles, are counted: articles that share at least
/// [`DIFFERENT_STORY_SHARE`] of their paragraphs are one story, so a wire
/// story carried by many outlets is not its own boilerplate.
pub fn boilerplate<V: IndexView>(
    view: &V,
    id: u64,
    outlet: u64,
    fp: &Fingerprint,
    t: &Thresholds,
) -> Result<HashSet<u64>, V::Error> {
    let posts = paragraph_postings(view, fp)?;
    boilerplate_from(view, id, outlet, fp, t, &posts)
}

/// Postings of each indexed paragraph of `fp` (at most one more than
/// [`MAX_PARAGRAPH_POSTINGS`], so that a too common one can be told).
type Postings = HashMap<u64, Vec<(u64, u64)>>;

fn paragraph_postings<V: IndexView>(view: &V, fp: &Fingerprint) -> Result<Postings, V::Error> {
    let lists = view.paragraph_postings_many(&fp.paragraphs, MAX_PARAGRAPH_POSTINGS + 1)?;
    Ok(fp.paragraphs.iter().copied().zip(lists).collect())
}

/// Boilerplate and candidates of one article, reading each paragraph's
/// postings once: what a new version costs the index.
pub fn lookup<V: IndexView>(
    view: &V,
    id: u64,
    outlet: u64,
    fp: &Fingerprint,
    t: &Thresholds,
) -> Result<(HashSet<u64>, Vec<u64>), V::Error> {
    let posts = paragraph_postings(view, fp)?;
    let bp = boilerplate_from(view, id, outlet, fp, t, &posts)?;
    let cands = candidates_from(view, id, fp, &bp, &posts)?;
    Ok((bp, cands))
}

/// Paragraph sets of articles, read from the index once each.
struct Stories<'v, V> {
    view: &'v V,
    paras: HashMap<u64, HashSet<u64>>,
}

impl<V: IndexView> Stories<'_, V> {
    /// How many different stories `docs` are (greedily: an article is a
    /// new story when it differs from every one kept), counting no
    /// further than `need`.
    fn count(&mut self, docs: &[u64], need: usize) -> Result<usize, V::Error> {
        let mut kept: Vec<u64> = Vec::new();
        for &d in docs {
            if let std::collections::hash_map::Entry::Vacant(e) = self.paras.entry(d) {
                e.insert(self.view.paragraphs_of(d)?.into_iter().collect());
            }
            let paras = &self.paras;
            if kept.iter().all(|k| different(&paras[k], &paras[&d])) {
                kept.push(d);
                if kept.len() >= need {
                    break;
                }
            }
        }
        Ok(kept.len())
    }
}

fn boilerplate_from<V: IndexView>(
    view: &V,
    id: u64,
    outlet: u64,
    fp: &Fingerprint,
    t: &Thresholds,
    posts: &Postings,
) -> Result<HashSet<u64>, V::Error> {
    let mut out = HashSet::new();
    let need = t.boilerplate_articles.max(2);
    let across = t.boilerplate_stories.max(2);
    let mut stories = Stories {
        view,
        paras: HashMap::new(),
    };
    stories
        .paras
        .insert(id, fp.paragraphs.iter().copied().collect());
    for &p in &fp.paragraphs {
        let list = posts.get(&p).map(Vec::as_slice).unwrap_or_default();
        let others: Vec<(u64, u64)> = list
            .iter()
            .take(MAX_PARAGRAPH_POSTINGS)
            .filter(|(_, d)| *d != id)
            .copied()
            .collect();
        let mut groups: HashMap<u64, Vec<u64>> = HashMap::new();
        groups.entry(outlet).or_default().push(id);
        for &(o, d) in &others {
            groups.entry(o).or_default().push(d);
        }
        let mut found = false;
        for docs in groups.values().filter(|g| g.len() >= need) {
            let take = docs.len().min(MAX_GROUP);
            if stories.count(&docs[..take], need)? >= need {
                found = true;
                break;
            }
        }
        if !found && others.len() + 1 >= across {
            let docs: Vec<u64> = std::iter::once(id)
                .chain(others.iter().map(|&(_, d)| d))
                .take(MAX_STORIES_LOOKED)
                .collect();
            found = stories.count(&docs, across)? >= across;
        }
        if found {
            out.insert(p);
        }
    }
    Ok(out)
}

fn different(a: &HashSet<u64>, b: &HashSet<u64>) -> bool {
    let shared = a.intersection(b).count();
    let smaller = a.len().min(b.len()).max(1);
    (shared as f64) < DIFFERENT_STORY_SHARE * smaller as f64
}

/// Articles worth verifying against `id`: sharing a band, or a paragraph
/// that is not boilerplate; those sharing more keys first.
pub fn candidates<V: IndexView>(
    view: &V,
    id: u64,
    fp: &Fingerprint,
    boilerplate: &HashSet<u64>,
) -> Result<Vec<u64>, V::Error> {
    let posts = paragraph_postings(view, fp)?;
    candidates_from(view, id, fp, boilerplate, &posts)
}

fn candidates_from<V: IndexView>(
    view: &V,
    id: u64,
    fp: &Fingerprint,
    boilerplate: &HashSet<u64>,
    posts: &Postings,
) -> Result<Vec<u64>, V::Error> {
    let mut hits: HashMap<u64, usize> = HashMap::new();
    for d in view.band_postings_many(&fp.bands)? {
        *hits.entry(d).or_default() += 1;
    }
    for p in fp.paragraphs.iter().filter(|p| !boilerplate.contains(p)) {
        let list = posts.get(p).map(Vec::as_slice).unwrap_or_default();
        if list.len() > MAX_PARAGRAPH_POSTINGS {
            continue;
        }
        for &(_, d) in list {
            *hits.entry(d).or_default() += 4;
        }
    }
    hits.remove(&id);
    let mut v: Vec<(u64, usize)> = hits.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(MAX_CANDIDATES);
    Ok(v.into_iter().map(|(d, _)| d).collect())
}

/// One indexed article of a [`MemIndex`].
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its outlet's name (its boilerplate is counted per outlet).
    pub outlet: String,
    /// Its prepared paragraphs, for verification.
    pub doc: Doc,
    /// What it indexes.
    pub fp: Fingerprint,
}

/// An in-memory index with the same candidate logic as the stored one.
#[derive(Debug, Default)]
pub struct MemIndex {
    /// The thresholds that find and verify its pairs.
    pub thresholds: Thresholds,
    /// The indexed articles; an article's id is its position here.
    pub entries: Vec<Entry>,
    postings: PostingTable,
}

impl IndexView for MemIndex {
    type Error = std::convert::Infallible;
    fn band_postings(&self, band: u64) -> Result<Vec<u64>, Self::Error> {
        Ok(self.postings.band_postings(band))
    }
    fn paragraph_postings(&self, para: u64, limit: usize) -> Result<Vec<(u64, u64)>, Self::Error> {
        Ok(self.postings.paragraph_postings(para, limit))
    }
    fn paragraphs_of(&self, id: u64) -> Result<Vec<u64>, Self::Error> {
        Ok(self.postings.paragraphs_of(id))
    }
}

impl IndexView for PostingTable {
    type Error = std::convert::Infallible;
    fn band_postings(&self, band: u64) -> Result<Vec<u64>, Self::Error> {
        Ok(PostingTable::band_postings(self, band))
    }
    fn paragraph_postings(&self, para: u64, limit: usize) -> Result<Vec<(u64, u64)>, Self::Error> {
        Ok(PostingTable::paragraph_postings(self, para, limit))
    }
    fn paragraphs_of(&self, id: u64) -> Result<Vec<u64>, Self::Error> {
        Ok(PostingTable::paragraphs_of(self, id))
    }
}

/// A verified pair found by [`MemIndex::matches`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    /// The article taken as the original.
    pub a: u64,
    /// The article taken as the copy.
    pub b: u64,
    /// The pair's verified figures.
    pub scores: Scores,
    /// What the pair is, `None` when verification rejected it.
    pub class: Option<MatchClass>,
}

impl MemIndex {
    /// An empty index that verifies with `thresholds`.
    pub fn new(thresholds: Thresholds) -> MemIndex {
        MemIndex {
            thresholds,
            ..MemIndex::default()
        }
    }

    /// Index an article; its id.
    pub fn insert(&mut self, outlet: &str, body: &[String]) -> u64 {
        let id = self.entries.len() as u64;
        let (doc, fp) = fingerprint(body, &self.thresholds);
        self.postings.replace(
            &[],
            IndexedDoc {
                id,
                outlet: outlet_key(outlet),
                bands: &fp.bands,
                paragraphs: &fp.paragraphs,
            },
        );
        self.entries.push(Entry {
            outlet: outlet.to_string(),
            doc,
            fp,
        });
        id
    }

    fn entry(&self, id: u64) -> Option<&Entry> {
        self.entries.get(id as usize)
    }

    /// Boilerplate paragraphs of an article.
    pub fn boilerplate_of(&self, id: u64) -> HashSet<u64> {
        let Some(e) = self.entry(id) else {
            return HashSet::new();
        };
        match boilerplate(self, id, outlet_key(&e.outlet), &e.fp, &self.thresholds) {
            Ok(b) => b,
            Err(never) => match never {},
        }
    }

    /// Verified scores of a pair (boilerplate of both left out).
    pub fn verify(&self, a: u64, b: u64) -> Option<Scores> {
        let (ea, eb) = (self.entry(a)?, self.entry(b)?);
        let mut bp = self.boilerplate_of(a);
        bp.extend(self.boilerplate_of(b));
        Some(compare(&ea.doc, &eb.doc, &bp, &self.thresholds))
    }

    /// Candidates of `id` found through the index.
    pub fn candidates_of(&self, id: u64) -> Vec<u64> {
        let Some(e) = self.entry(id) else {
            return Vec::new();
        };
        let bp = self.boilerplate_of(id);
        match candidates(self, id, &e.fp, &bp) {
            Ok(c) => c,
            Err(never) => match never {},
        }
    }

    /// Every candidate pair of the index, verified (each pair once, a < b).
    pub fn matches(&self) -> Vec<Found> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for id in 0..self.entries.len() as u64 {
            for c in self.candidates_of(id) {
                let (a, b) = (id.min(c), id.max(c));
                if !seen.insert((a, b)) {
                    continue;
                }
                if let Some(scores) = self.verify(a, b) {
                    out.push(Found {
                        a,
                        b,
                        scores,
                        class: classify(&scores, &self.thresholds),
                    });
                }
            }
        }
        out
    }
}
