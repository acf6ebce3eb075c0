//! The labelled evaluation corpus and its scoring: real article bodies
//! turned into copies of every kind the matcher must find, negatives it
//! must not report, and precision/recall per kind plus a threshold curve.
//! Deterministic (seeded), so figures are reproducible. Used by
//! `tests/it/match_corpus.rs` (targets in CI) and `examples/match_eval.rs`.

use crate::core::matching::memindex::MemIndex;
use crate::core::matching::{classify, Scores, Thresholds};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Kinds of labelled pairs. The first six are republications.
pub const KINDS: [&str; 9] = [
    "verbatim",
    "headline_agency",
    "paragraphs_dropped",
    "paragraphs_added",
    "partial_lift",
    "light_edits",
    "neg_quote",
    "neg_disclaimer",
    "neg_unrelated",
];

/// A disclaimer that two outlets put under each of their articles.
pub const DISCLAIMER: &str = "Reproduction of this material is permitted only with an active hyperlink to the original source. The views expressed by columnists and guest authors are their own and do not necessarily reflect the editorial policy of this outlet.";

/// Deterministic xorshift64* generator.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is taken as 1: xorshift never leaves 0).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// One generated article.
#[derive(Debug, Clone)]
pub struct CorpusDoc {
    /// The outlet it is published by.
    pub outlet: String,
    /// Its paragraphs.
    pub body: Vec<String>,
    /// Source stories whose paragraphs it carries (for judging unlabelled
    /// detections).
    pub sources: Vec<usize>,
}

/// A labelled pair of corpus docs.
#[derive(Debug, Clone)]
pub struct Labelled {
    /// The first doc (an index into [`Corpus::docs`]).
    pub a: usize,
    /// The second doc.
    pub b: usize,
    /// What kind of pair it is (`neg_quote`, `neg_disclaimer`, ... for
    /// negatives): the per-kind figures of a [`Report`].
    pub kind: &'static str,
    /// The pair should be reported as a match.
    pub positive: bool,
}

/// The generated articles and the labelled pairs among them.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Every generated article.
    pub docs: Vec<CorpusDoc>,
    /// The pairs with a label.
    pub pairs: Vec<Labelled>,
}

/// Split an article body into paragraphs (blank lines or newlines).
pub fn split_body(text: &str) -> Vec<String> {
    text.split('\n')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

fn words(p: &str) -> usize {
    p.split_whitespace().count()
}

const EDIT_WORDS: [&str; 8] = [
    "reportedly",
    "also",
    "now",
    "officials",
    "recently",
    "further",
    "indeed",
    "still",
];

/// Light word-level edits: about one word in 25 replaced, dropped or
/// preceded by a filler word.
pub fn light_edit(p: &str, rng: &mut Rng) -> String {
    let mut out: Vec<String> = Vec::new();
    for w in p.split_whitespace() {
        match rng.below(75) {
            0 => out.push(EDIT_WORDS[rng.below(EDIT_WORDS.len())].to_string()),
            1 => {}
            2 => {
                out.push(EDIT_WORDS[rng.below(EDIT_WORDS.len())].to_string());
                out.push(w.to_string());
            }
            _ => out.push(w.to_string()),
        }
    }
    out.join(" ")
}

/// The longest sentence of 8-30 words of a body (the "quote").
pub fn a_sentence(body: &[String]) -> Option<String> {
    body.iter()
        .flat_map(|p| p.split_inclusive(['.', '!', '?']))
        .map(str::trim)
        .filter(|s| (8..=30).contains(&words(s)))
        .max_by_key(|s| words(s))
        .map(String::from)
}

/// Build the corpus from real bodies (each a list of paragraphs). Two
/// thirds of the usable bodies are originals, the rest filler text that
/// copies embed lifted paragraphs in. Each original gets two copies of
/// different kinds at different outlets.
pub fn generate(bodies: &[Vec<String>], seed: u64) -> Corpus {
    let mut rng = Rng::new(seed);
    let usable: Vec<&Vec<String>> = bodies
        .iter()
        .filter(|b| b.len() >= 4 && b.iter().map(|p| words(p)).sum::<usize>() >= 150)
        .collect();
    let n_orig = usable.len() * 2 / 3;
    let (origs, fillers) = usable.split_at(n_orig);
    let mut c = Corpus::default();
    let push = |c: &mut Corpus, outlet: String, body: Vec<String>, sources: Vec<usize>| {
        c.docs.push(CorpusDoc {
            outlet,
            body,
            sources,
        });
        c.docs.len() - 1
    };
    let mut orig_ids = Vec::new();
    for (i, b) in origs.iter().enumerate() {
        let id = push(
            &mut c,
            format!("origin{}.example", i % 7),
            (*b).clone(),
            vec![i],
        );
        orig_ids.push(id);
    }
    let filler_base = 10_000;
    let jobs: Vec<(usize, usize)> = (0..2)
        .flat_map(|rep| (0..orig_ids.len()).map(move |i| (i, rep)))
        .collect();
    for (i, rep) in jobs {
        let o = orig_ids[i];
        let body = c.docs[o].body.clone();
        let filler_i = rng.below(fillers.len().max(1));
        let filler: Vec<String> = fillers
            .get(filler_i)
            .map(|f| (*f).clone())
            .unwrap_or_default();
        let kind = KINDS[(i + rep * 3) % 6];
        let outlet = format!("copy{}.example", (i + rep) % 5);
        let mut copy = match kind {
            "verbatim" => body.clone(),
            "headline_agency" => {
                let mut b = body.clone();
                b[0] = format!("WASHINGTON (Agency) — {}", b[0]);
                b
            }
            "paragraphs_dropped" => {
                let keep = (body.len() * 7).div_ceil(10).max(2);
                let mut idx: Vec<usize> = (0..body.len()).collect();
                while idx.len() > keep {
                    idx.remove(rng.below(idx.len()));
                }
                idx.into_iter().map(|j| body[j].clone()).collect()
            }
            "paragraphs_added" => {
                let mut b = body.clone();
                for p in filler.iter().take(3) {
                    let at = rng.below(b.len() + 1);
                    b.insert(at, p.clone());
                }
                b.push("Additional reporting by the newsroom staff.".into());
                b
            }
            "partial_lift" => {
                let share = 30 + rng.below(31);
                let n = (body.len() * share).div_ceil(100).max(2).min(body.len());
                let start = rng.below(body.len() - n + 1);
                let lifted = &body[start..start + n];
                let mut b: Vec<String> = filler.clone();
                let at = rng.below(b.len() + 1);
                for (k, p) in lifted.iter().enumerate() {
                    b.insert(at + k, p.clone());
                }
                b
            }
            _ => body.iter().map(|p| light_edit(p, &mut rng)).collect(),
        };
        let mut sources = vec![i];
        if matches!(kind, "paragraphs_added" | "partial_lift") {
            sources.push(filler_base + filler_i);
        }
        // two outlets carry a disclaimer under every article
        if (i + rep) % 5 < 2 {
            copy.push(DISCLAIMER.to_string());
        }
        let d = push(&mut c, outlet, copy, sources);
        c.pairs.push(Labelled {
            a: o,
            b: d,
            kind,
            positive: true,
        });
    }
    // negatives: one shared quoted sentence in filler text
    for (i, &o) in orig_ids.iter().enumerate().step_by(2) {
        let Some(quote) = a_sentence(&c.docs[o].body) else {
            continue;
        };
        let fi = rng.below(fillers.len().max(1));
        let mut b: Vec<String> = fillers.get(fi).map(|f| (*f).clone()).unwrap_or_default();
        if b.is_empty() {
            continue;
        }
        let at = rng.below(b.len());
        if i % 4 == 0 {
            // the quote as a paragraph of its own
            b.insert(at, format!("“{quote}”"));
        } else {
            b[at] = format!("{} As one report put it: “{quote}”", b[at]);
        }
        let d = push(
            &mut c,
            format!("quoter{}.example", i % 3),
            b,
            vec![filler_base + fi],
        );
        c.pairs.push(Labelled {
            a: o,
            b: d,
            kind: "neg_quote",
            positive: false,
        });
    }
    // negatives: two different stories under the same disclaimer, at two
    // outlets that carry it under every article
    let disc: Vec<usize> = (0..c.docs.len())
        .filter(|&d| c.docs[d].body.last().map(String::as_str) == Some(DISCLAIMER))
        .collect();
    for w in disc.windows(2) {
        let (a, b) = (w[0], w[1]);
        let shared = c.docs[a]
            .sources
            .iter()
            .any(|s| c.docs[b].sources.contains(s));
        if c.docs[a].outlet != c.docs[b].outlet && !shared {
            c.pairs.push(Labelled {
                a,
                b,
                kind: "neg_disclaimer",
                positive: false,
            });
        }
    }
    // negatives: unrelated originals
    for k in 0..orig_ids.len() {
        let (a, b) = (orig_ids[k], orig_ids[(k * 7 + 3) % orig_ids.len()]);
        if a != b {
            c.pairs.push(Labelled {
                a,
                b,
                kind: "neg_unrelated",
                positive: false,
            });
        }
    }
    c
}

/// Counts of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KindStats {
    /// Labelled pairs of the kind.
    pub pairs: usize,
    /// Reported as a match.
    pub reported: usize,
    /// Found as a candidate by the index (before verification).
    pub candidates: usize,
}

/// The evaluation result at one set of thresholds.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The counts of each kind of labelled pair.
    pub per_kind: BTreeMap<&'static str, KindStats>,
    /// Reported pairs between docs with no source in common that are not
    /// labelled (false positives found by the index across the corpus).
    pub unlabelled_false: usize,
    /// The first few unlabelled false positives, for inspection.
    pub unlabelled_examples: Vec<(usize, usize, Scores)>,
    /// Positive pairs reported.
    pub true_positives: usize,
    /// Negative pairs reported, and unlabelled ones between unrelated docs.
    pub false_positives: usize,
    /// Positive pairs not reported.
    pub false_negatives: usize,
}

impl Report {
    /// Share of reported pairs that are true (1 when none is reported).
    pub fn precision(&self) -> f64 {
        let d = self.true_positives + self.false_positives;
        if d == 0 {
            1.0
        } else {
            self.true_positives as f64 / d as f64
        }
    }
    /// Share of positive pairs reported (1 when there is none).
    pub fn recall(&self) -> f64 {
        let d = self.true_positives + self.false_negatives;
        if d == 0 {
            1.0
        } else {
            self.true_positives as f64 / d as f64
        }
    }
}

/// The corpus indexed once: every candidate pair with its verified scores.
pub struct Scored {
    /// The corpus.
    pub corpus: Corpus,
    /// Its docs indexed, in order (a doc's id is its index).
    pub index: MemIndex,
    /// Verified scores of every pair the index proposed (a < b).
    pub found: HashMap<(usize, usize), Scores>,
    /// Scores of every labelled pair, candidate or not (a < b): what the
    /// threshold curve is drawn from.
    pub direct: HashMap<(usize, usize), Scores>,
}

/// Index the corpus (thresholds that shape the index: paragraph length,
/// boilerplate) and verify every candidate pair.
pub fn score(corpus: Corpus, t: Thresholds) -> Scored {
    let mut index = MemIndex::new(t);
    for d in &corpus.docs {
        index.insert(&d.outlet, &d.body);
    }
    let found = index
        .matches()
        .into_iter()
        .map(|f| ((f.a as usize, f.b as usize), f.scores))
        .collect();
    let direct = corpus
        .pairs
        .iter()
        .filter_map(|p| {
            let (a, b) = (p.a.min(p.b), p.a.max(p.b));
            index.verify(a as u64, b as u64).map(|s| ((a, b), s))
        })
        .collect();
    Scored {
        corpus,
        index,
        found,
        direct,
    }
}

impl Scored {
    /// Precision and recall of the decision alone at thresholds `t`: every
    /// labelled pair verified directly, as if the index proposed it (the
    /// threshold curve; the index's own recall is in [`Scored::report`]).
    pub fn curve_point(&self, t: &Thresholds) -> Report {
        let mut r = Report::default();
        for p in &self.corpus.pairs {
            let key = (p.a.min(p.b), p.a.max(p.b));
            let reported = self
                .direct
                .get(&key)
                .is_some_and(|s| classify(s, t).is_some());
            let s = r.per_kind.entry(p.kind).or_default();
            s.pairs += 1;
            s.reported += usize::from(reported);
            match (p.positive, reported) {
                (true, true) => r.true_positives += 1,
                (true, false) => r.false_negatives += 1,
                (false, true) => r.false_positives += 1,
                (false, false) => {}
            }
        }
        r
    }

    /// Precision and recall at decision thresholds `t`.
    pub fn report(&self, t: &Thresholds) -> Report {
        let mut r = Report::default();
        let mut labelled = HashSet::new();
        for p in &self.corpus.pairs {
            let key = (p.a.min(p.b), p.a.max(p.b));
            labelled.insert(key);
            let s = r.per_kind.entry(p.kind).or_default();
            s.pairs += 1;
            let scores = self.found.get(&key);
            let reported = scores.is_some_and(|s| classify(s, t).is_some());
            s.candidates += usize::from(scores.is_some());
            s.reported += usize::from(reported);
            match (p.positive, reported) {
                (true, true) => r.true_positives += 1,
                (true, false) => r.false_negatives += 1,
                (false, true) => r.false_positives += 1,
                (false, false) => {}
            }
        }
        for (&(a, b), s) in &self.found {
            if labelled.contains(&(a, b)) || classify(s, t).is_none() {
                continue;
            }
            let (da, db) = (&self.corpus.docs[a], &self.corpus.docs[b]);
            if !da.sources.iter().any(|x| db.sources.contains(x)) {
                r.unlabelled_false += 1;
                r.false_positives += 1;
                if r.unlabelled_examples.len() < 10 {
                    r.unlabelled_examples.push((a, b, *s));
                }
            }
        }
        r
    }
}
