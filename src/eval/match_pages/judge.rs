//! Judging what copydesk reported on the real-page evaluation against the
//! bodies that were placed: precision and recall by cluster (every pair of
//! pages put in one reported story, against every pair of pages carrying
//! one source story), per-pair figures, and the false pairs by cause.

use super::{Kind, Page, Plan, MIN_SHARED_SOURCE_PARAGRAPHS};
use std::collections::{BTreeMap, HashMap};

/// A pair as copydesk stored it, by page index.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedPair {
    /// The original's page.
    pub a: usize,
    /// The copy's page.
    pub b: usize,
    /// `copy` or `partial`.
    pub class: String,
    /// As stored ([`crate::core::matching::cluster::MatchPair`]).
    pub similarity: f64,
    /// As stored.
    pub containment: f64,
    /// As stored.
    pub shared_paragraphs: usize,
}

/// What copydesk reported, by page index.
#[derive(Debug, Clone, Default)]
pub struct Reported {
    /// The story clusters: the pages of each.
    pub clusters: Vec<Vec<usize>>,
    /// Every stored pair.
    pub pairs: Vec<ReportedPair>,
    /// `republication` events delivered: (original, copy).
    pub events: Vec<(usize, usize)>,
}

/// The figures of one run.
#[derive(Debug, Clone, Default)]
pub struct PageReport {
    /// Pages served.
    pub pages: usize,
    /// Outlets they belong to.
    pub outlets: usize,
    /// Source stories carried by two pages or more.
    pub true_clusters: usize,
    /// Clusters copydesk reported.
    pub reported_clusters: usize,
    /// True clusters reported as exactly one cluster with the same pages.
    pub clusters_exact: usize,
    /// Reported clusters whose pages all carry one story.
    pub reported_pure: usize,
    /// Page pairs in one reported cluster that carry one story.
    pub co_tp: usize,
    /// Page pairs in one reported cluster that do not carry one story.
    pub co_fp: usize,
    /// Page pairs carrying one story not in one reported cluster.
    pub co_fn: usize,
    /// Per copy kind: (copies, copies in the same reported cluster as
    /// their original).
    pub copies: BTreeMap<&'static str, (usize, usize)>,
    /// Reported pairs that are true.
    pub pair_tp: usize,
    /// Reported pairs that are false (pages that carry no story in
    /// common).
    pub pair_fp: usize,
    /// True pairs (a copy and what it copied) not reported.
    pub pair_fn: usize,
    /// False reported pairs by cause (`sister`, `quote`, `same_template`,
    /// `other`).
    pub false_pairs: BTreeMap<&'static str, usize>,
    /// Negative pairs of each cause (pages of one network, a quote and
    /// the story quoted, two stories in one template).
    pub negatives: BTreeMap<&'static str, usize>,
    /// The first 20 false pairs, described (cause, pages, figures).
    pub false_examples: Vec<String>,
    /// Copies not in the same reported cluster as their original.
    pub missed_examples: Vec<String>,
    /// `republication` events delivered.
    pub events: usize,
    /// Events between pages that carry no story in common.
    pub false_events: usize,
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        1.0
    } else {
        n as f64 / d as f64
    }
}

impl PageReport {
    /// Precision by cluster (pairs of pages put together).
    pub fn precision(&self) -> f64 {
        ratio(self.co_tp, self.co_tp + self.co_fp)
    }
    /// Recall by cluster.
    pub fn recall(&self) -> f64 {
        ratio(self.co_tp, self.co_tp + self.co_fn)
    }
    /// Precision by stored pair.
    pub fn pair_precision(&self) -> f64 {
        ratio(self.pair_tp, self.pair_tp + self.pair_fp)
    }
    /// Recall by stored pair.
    pub fn pair_recall(&self) -> f64 {
        ratio(self.pair_tp, self.pair_tp + self.pair_fn)
    }
}

/// Does a page carry source `s`'s paragraphs `ps` whole? (A body
/// annotated without paragraph breaks is one paragraph: a page carrying
/// all of it carries the story, however few paragraphs that is.)
fn whole(plan: &Plan, s: usize, ps: &[usize]) -> bool {
    plan.source_paragraphs
        .get(s)
        .is_some_and(|&n| n > 0 && ps.len() == n)
}

/// The sources a page carries with enough paragraphs to count: at least
/// [`MIN_SHARED_SOURCE_PARAGRAPHS`], or the whole body.
fn stories<'p>(plan: &'p Plan, p: &'p Page) -> impl Iterator<Item = (usize, &'p Vec<usize>)> {
    p.carries
        .iter()
        .filter(|(s, ps)| ps.len() >= MIN_SHARED_SOURCE_PARAGRAPHS || whole(plan, *s, ps))
        .map(|(s, ps)| (*s, ps))
}

/// The story of a source (a source of its own when the plan has none).
fn story(plan: &Plan, s: usize) -> usize {
    plan.story_of.get(s).copied().unwrap_or(s)
}

/// Do two pages hold at least [`MIN_SHARED_SOURCE_PARAGRAPHS`] of the same
/// paragraphs of one source (or both its whole body), or each a part of
/// one story that a data set holds twice (a pair copydesk should link
/// directly)?
pub fn direct(plan: &Plan, a: &Page, b: &Page) -> bool {
    stories(plan, a).any(|(s, pa)| {
        stories(plan, b).any(|(t, pb)| {
            if s == t {
                pa.iter().filter(|x| pb.contains(x)).count() >= MIN_SHARED_SOURCE_PARAGRAPHS
                    || (whole(plan, s, pa) && whole(plan, s, pb))
            } else {
                story(plan, s) == story(plan, t)
            }
        })
    })
}

/// Why a false pair was reported.
pub fn cause(a: &Page, b: &Page) -> &'static str {
    let carries = |p: &Page, s: usize| p.carries.iter().any(|(x, _)| *x == s);
    if a.network.is_some() && a.network == b.network {
        "sister"
    } else if a.quotes.is_some_and(|w| carries(b, w)) || b.quotes.is_some_and(|w| carries(a, w)) {
        "quote"
    } else if a.template == b.template {
        "same_template"
    } else {
        "other"
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The true story of each page (connected through the stories carried).
fn truth(plan: &Plan) -> Vec<usize> {
    let n = plan.pages.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut by_story: HashMap<usize, usize> = HashMap::new();
    for (i, p) in plan.pages.iter().enumerate() {
        for (s, _) in stories(plan, p) {
            let s = story(plan, s);
            match by_story.get(&s) {
                Some(&j) => {
                    let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                    parent[ri] = rj;
                }
                None => {
                    by_story.insert(s, i);
                }
            }
        }
    }
    (0..n).map(|i| find(&mut parent, i)).collect()
}

/// Judge `reported` against the plan.
pub fn judge(plan: &Plan, reported: &Reported) -> PageReport {
    let n = plan.pages.len();
    let mut r = PageReport {
        pages: n,
        outlets: plan.outlets.len(),
        ..PageReport::default()
    };
    let truth = truth(plan);
    let mut predicted: Vec<usize> = (0..n).collect();
    for (ci, c) in reported.clusters.iter().enumerate() {
        for &p in c {
            predicted[p] = n + ci;
        }
    }
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for &t in &truth {
        *sizes.entry(t).or_default() += 1;
    }
    r.true_clusters = sizes.values().filter(|&&s| s >= 2).count();
    r.reported_clusters = reported.clusters.len();
    for i in 0..n {
        for j in i + 1..n {
            match (truth[i] == truth[j], predicted[i] == predicted[j]) {
                (true, true) => r.co_tp += 1,
                (false, true) => r.co_fp += 1,
                (true, false) => r.co_fn += 1,
                (false, false) => {}
            }
            if truth[i] != truth[j] {
                let c = cause(&plan.pages[i], &plan.pages[j]);
                if c != "other" {
                    *r.negatives.entry(c).or_default() += 1;
                }
            }
        }
    }
    for c in &reported.clusters {
        let t = truth[c[0]];
        if c.iter().all(|&p| truth[p] == t) {
            r.reported_pure += 1;
            if sizes[&t] == c.len() {
                r.clusters_exact += 1;
            }
        }
    }
    // copies linked to their original (the wire page served as it is)
    for (me, p) in plan
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind.is_copy())
    {
        let wire = p.carries[0].0;
        let orig = plan
            .pages
            .iter()
            .position(|o| o.kind == Kind::Own && o.carries[0].0 == wire);
        let e = r.copies.entry(p.kind.as_str()).or_default();
        e.0 += 1;
        if let Some(o) = orig {
            let linked = predicted[o] == predicted[me];
            e.1 += usize::from(linked);
            if !linked {
                let po = &plan.pages[o];
                r.missed_examples.push(format!(
                    "{}: {} {} / original {} {}",
                    p.kind.as_str(),
                    plan.outlets[p.outlet],
                    p.path,
                    plan.outlets[po.outlet],
                    po.path
                ));
            }
        }
    }
    let mut reported_direct = std::collections::HashSet::new();
    for pr in &reported.pairs {
        let (a, b) = (pr.a.min(pr.b), pr.a.max(pr.b));
        reported_direct.insert((a, b));
        let (pa, pb) = (&plan.pages[a], &plan.pages[b]);
        if truth[a] == truth[b] {
            r.pair_tp += 1;
        } else {
            r.pair_fp += 1;
            let c = cause(pa, pb);
            *r.false_pairs.entry(c).or_default() += 1;
            if r.false_examples.len() < 20 {
                r.false_examples.push(format!(
                    "{c}: {} {} ({}) / {} {} ({}): {} similarity {:.3} containment {:.3} shared paragraphs {}",
                    plan.outlets[pa.outlet],
                    pa.path,
                    pa.kind.as_str(),
                    plan.outlets[pb.outlet],
                    pb.path,
                    pb.kind.as_str(),
                    pr.class,
                    pr.similarity,
                    pr.containment,
                    pr.shared_paragraphs
                ));
            }
        }
    }
    for a in 0..n {
        for b in a + 1..n {
            if direct(plan, &plan.pages[a], &plan.pages[b]) && !reported_direct.contains(&(a, b)) {
                r.pair_fn += 1;
            }
        }
    }
    r.events = reported.events.len();
    r.false_events = reported
        .events
        .iter()
        .filter(|(a, b)| truth[*a] != truth[*b])
        .count();
    r
}
