//! The real-page republication evaluation, its pure part: which pages to
//! serve (real pages of the extraction benchmarks, with annotated bodies
//! planted into other pages' templates by [`super::plant`]) and how to
//! judge what copydesk reported about them. The shell part (loopback
//! outlets, the real binary) is in `tests/it/common/match_pages.rs`.
//!
//! What is built, from one seeded shuffle of the source pages:
//! - **wire stories**: a source page served as it is (the original) and
//!   copied into other pages' templates at other outlets, whole, half (a
//!   contiguous half with its own introduction and ending taken from an
//!   unserved page), lightly edited, or half and edited; each copy carries
//!   a wire credit line under it, as agencies' clients print it;
//! - **networks**: one host template served under several domains, each
//!   with a different story (bodies of pages not served otherwise) and the
//!   network's two-paragraph footer inside the article container, plus the
//!   host's own story under its own domain; and **pair networks**, the
//!   same with two sites only (the host's own page not served);
//! - **quotes**: a page whose own story quotes one sentence of a wire story;
//! - every other source page served as it is.
//!
//! Truth comes from the bodies placed: two pages carry the same story when
//! both hold at least [`MIN_SHARED_SOURCE_PARAGRAPHS`] of its paragraphs
//! (or both the whole of it: a body annotated without paragraph breaks is
//! one paragraph), or bodies that a data set holds twice.

use super::match_corpus::{a_sentence, light_edit, split_body, Rng};
use super::plant::{plant, words};
use std::collections::{HashMap, HashSet};

mod extracted;
pub mod judge;
mod texts;

use extracted::{extracted, share, shingles_of, stories_of};
pub use extracted::{extracted_share, MAX_HOST_LEFT, MIN_EXTRACTED, MIN_HOST_PRECISION};
use texts::NETWORK_NAMES;
pub use texts::{network_footer, WIRE_CREDIT};

/// A real page with its human-annotated body.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its id in its data set.
    pub id: String,
    /// The URL it was fetched from (outlet and extraction go by it).
    pub url: String,
    /// The page as fetched.
    pub html: String,
    /// Its body as people annotated it (paragraphs split by blank lines).
    pub annotated: String,
}

/// What a served page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A source page as it is (a wire original, a host, or any other).
    Own,
    /// A wire story copied whole into another outlet's template.
    Whole,
    /// A contiguous half of a wire story, with an introduction and an
    /// ending of its own.
    Half,
    /// A wire story copied whole, lightly edited.
    Edited,
    /// Half of a wire story, lightly edited.
    EditedHalf,
    /// The host of a network, its own story under the network footer.
    NetworkHome,
    /// Another site of a network with a story of its own.
    Sister,
    /// A page whose story quotes one sentence of a wire story.
    Quote,
}

impl Kind {
    /// The name in reports (`own`, `whole`, `edited_half`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Own => "own",
            Kind::Whole => "whole",
            Kind::Half => "half",
            Kind::Edited => "edited",
            Kind::EditedHalf => "edited_half",
            Kind::NetworkHome => "network_home",
            Kind::Sister => "sister",
            Kind::Quote => "quote",
        }
    }
    /// A copy of a wire story (whole or half, edited or not): a true
    /// republication.
    pub fn is_copy(self) -> bool {
        matches!(
            self,
            Kind::Whole | Kind::Half | Kind::Edited | Kind::EditedHalf
        )
    }
}

const COPY_KINDS: [Kind; 4] = [Kind::Whole, Kind::Half, Kind::Edited, Kind::EditedHalf];

/// Paragraphs of one source story that two pages must both carry to be
/// the same story.
pub const MIN_SHARED_SOURCE_PARAGRAPHS: usize = 2;

/// Share of a host's annotated words that planting must locate.
pub const MIN_COVERAGE: f64 = 0.7;

/// How many pages of each kind to build.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Wire stories (each an original with its copies).
    pub wire: usize,
    /// Copies of each wire story, at other outlets.
    pub copies_per_wire: usize,
    /// Networks: one template under several domains.
    pub networks: usize,
    /// Sister sites per network besides the host's own domain.
    pub network_sites: usize,
    /// Networks of two sites only.
    pub pair_networks: usize,
    /// Pages that quote one sentence of a wire story.
    pub quotes: usize,
    /// Seed of the shuffle of the source pages.
    pub seed: u64,
}

/// One page to serve.
#[derive(Debug, Clone)]
pub struct Page {
    /// Index into [`Plan::outlets`]: one loopback address each.
    pub outlet: usize,
    /// Its path on its outlet's address.
    pub path: String,
    /// What is served.
    pub html: String,
    /// What it is.
    pub kind: Kind,
    /// Source stories carried: (source index, its paragraphs carried).
    pub carries: Vec<(usize, Vec<usize>)>,
    /// The network it belongs to, if any.
    pub network: Option<usize>,
    /// The source page whose HTML template this page is.
    pub template: usize,
    /// The quoted wire story of a [`Kind::Quote`] page.
    pub quotes: Option<usize>,
}

/// The pages, their outlets, and the sources they came from.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Every page to serve.
    pub pages: Vec<Page>,
    /// Outlet names (a registrable domain of a source, or a made-up
    /// domain of a sister site); each is served on its own address.
    pub outlets: Vec<String>,
    /// The source pages as given to [`build`] ([`Page::template`] and
    /// [`Page::carries`] index them).
    pub sources: Vec<Source>,
    /// Planted pages (or wire originals) not used because the extractor
    /// did not keep [`MIN_EXTRACTED`] of the body, or kept more than
    /// [`MAX_HOST_LEFT`] of the host's own story.
    pub lost_to_extraction: usize,
    /// The story of each source (see `stories_of`): judging compares
    /// stories, not sources.
    pub story_of: Vec<usize>,
    /// Paragraphs of each source's annotated body.
    pub source_paragraphs: Vec<usize>,
    /// Hosts not used as templates because the extractor takes mostly
    /// other text than their annotated body ([`MIN_HOST_PRECISION`]).
    pub noisy_hosts: usize,
}

fn word_count(body: &[String]) -> usize {
    body.iter().map(|p| words(p).len()).sum()
}

/// Registrable-ish domain of a source URL (the host without `www.`).
fn domain(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        })
        .unwrap_or_else(|| url.to_string())
}

struct Builder<'a> {
    sources: &'a [Source],
    bodies: Vec<Vec<String>>,
    rng: Rng,
    queue: Vec<usize>,
    plan: Plan,
    outlet_ids: HashMap<String, usize>,
    served_own: HashSet<usize>,
    taken: HashSet<usize>,
}

impl Builder<'_> {
    fn outlet(&mut self, name: &str) -> usize {
        if let Some(&o) = self.outlet_ids.get(name) {
            return o;
        }
        self.plan.outlets.push(name.to_string());
        self.outlet_ids
            .insert(name.to_string(), self.plan.outlets.len() - 1);
        self.plan.outlets.len() - 1
    }

    /// The next unused source that `ok` accepts.
    fn take(&mut self, ok: impl Fn(&[String]) -> bool) -> Option<usize> {
        let at = self.queue.iter().position(|&i| ok(&self.bodies[i]))?;
        let s = self.queue.remove(at);
        self.taken.insert(s);
        Some(s)
    }

    fn push(&mut self, p: Page) {
        self.plan.pages.push(p);
    }

    fn serve_own(&mut self, s: usize) {
        if self.served_own.insert(s) {
            let outlet = self.outlet(&domain(&self.sources[s].url));
            let n = self.bodies[s].len();
            self.push(Page {
                outlet,
                path: format!("/news/own-{s}"),
                html: self.sources[s].html.clone(),
                kind: Kind::Own,
                carries: vec![(s, (0..n).collect())],
                network: None,
                template: s,
                quotes: None,
            });
        }
    }

    /// A host whose annotated body can be located, planted with `placed`.
    fn host_with(&mut self, placed: &[String], after: &[String]) -> Option<(usize, String)> {
        loop {
            let h = self.take(|b| b.len() >= 3)?;
            match self.plant_on(h, placed, after, false) {
                Some(html) => return Some((h, html)),
                // not plantable: served as it is
                None => self.serve_own(h),
            }
        }
    }

    /// `placed` planted into source `h`, if the extractor keeps it and
    /// (`own` false: another story) leaves out the host's own story.
    fn plant_on(
        &mut self,
        h: usize,
        placed: &[String],
        after: &[String],
        own: bool,
    ) -> Option<String> {
        let src = &self.sources[h];
        let own_text = shingles_of(&self.bodies[h]);
        if share(&extracted(&src.html, &src.url), &own_text) < MIN_HOST_PRECISION {
            self.plan.noisy_hosts += 1;
            return None;
        }
        let html = plant(&src.html, &src.annotated, placed, after, MIN_COVERAGE)?.html;
        let got = extracted(&html, &src.url);
        let want = shingles_of(placed);
        let host_left = if own {
            0.0
        } else {
            let host: Vec<u64> = own_text
                .into_iter()
                .filter(|s| want.binary_search(s).is_err())
                .collect();
            share(&host, &got)
        };
        if share(&want, &got) < MIN_EXTRACTED || host_left > MAX_HOST_LEFT {
            self.plan.lost_to_extraction += 1;
            return None;
        }
        Some(html)
    }
}

/// Build the pages from `sources` (sorted by id for reproducibility).
pub fn build(sources: &[Source], params: Params) -> Plan {
    let bodies: Vec<Vec<String>> = sources.iter().map(|s| split_body(&s.annotated)).collect();
    let mut rng = Rng::new(params.seed);
    let mut queue: Vec<usize> = (0..sources.len())
        .filter(|&i| bodies[i].len() >= 2 && word_count(&bodies[i]) >= 60)
        .collect();
    for i in (1..queue.len()).rev() {
        queue.swap(i, rng.below(i + 1));
    }
    let story_of = stories_of(&bodies);
    let mut b = Builder {
        sources,
        bodies,
        rng,
        queue,
        plan: Plan {
            sources: sources.to_vec(),
            ..Plan::default()
        },
        outlet_ids: HashMap::new(),
        served_own: HashSet::new(),
        taken: HashSet::new(),
    };
    let mut wires = Vec::new();
    for _ in 0..params.wire {
        if let Some(w) = b.take(|x| x.len() >= 5 && word_count(x) >= 250) {
            b.serve_own(w);
            let src = &sources[w];
            if extracted_share(&src.html, &src.url, &b.bodies[w]) >= MIN_EXTRACTED {
                wires.push(w);
            } else {
                b.plan.lost_to_extraction += 1;
            }
        }
    }
    let mut fresh = 0usize;
    for (wi, &w) in wires.iter().enumerate() {
        for r in 0..params.copies_per_wire {
            let kind = COPY_KINDS[(wi + r) % COPY_KINDS.len()];
            let body = b.bodies[w].clone();
            let (placed, carries) = match kind {
                Kind::Whole | Kind::Edited => (body.clone(), vec![(w, (0..body.len()).collect())]),
                _ => {
                    let Some(f) = b.take(|x| x.len() >= 3) else {
                        continue;
                    };
                    let fb = b.bodies[f].clone();
                    let n = body.len().div_ceil(2);
                    let start = b.rng.below(body.len() - n + 1);
                    let mut placed = vec![fb[0].clone()];
                    placed.extend(body[start..start + n].iter().cloned());
                    placed.push(fb[fb.len() - 1].clone());
                    let carries = vec![
                        (w, (start..start + n).collect()),
                        (f, vec![0, fb.len() - 1]),
                    ];
                    (placed, carries)
                }
            };
            let placed: Vec<String> = if matches!(kind, Kind::Edited | Kind::EditedHalf) {
                let lifted: HashSet<&String> = body.iter().collect();
                placed
                    .iter()
                    .map(|p| {
                        if lifted.contains(p) {
                            light_edit(p, &mut b.rng)
                        } else {
                            p.clone()
                        }
                    })
                    .collect()
            } else {
                placed
            };
            let after = vec![WIRE_CREDIT.to_string()];
            let Some((h, html)) = b.host_with(&placed, &after) else {
                continue;
            };
            // half the copies at the host's own domain (a partner that
            // also publishes its own stories), half under a new domain with
            // the host's template (the host's own story stays at its own)
            b.serve_own(h);
            let outlet = if (wi + r) % 2 == 0 {
                b.outlet(&domain(&sources[h].url))
            } else {
                fresh += 1;
                b.outlet(&format!("partner{fresh}.example"))
            };
            let n = b.plan.pages.len();
            b.push(Page {
                outlet,
                path: format!("/news/{}-{n}", kind.as_str()),
                html,
                kind,
                carries,
                network: None,
                template: h,
                quotes: None,
            });
        }
    }
    for n in 0..params.networks + params.pair_networks {
        let pair_only = n >= params.networks;
        let footer = network_footer(n);
        let Some(h) = b.take(|x| x.len() >= 3) else {
            break;
        };
        let sites = if pair_only { 2 } else { params.network_sites };
        if !pair_only {
            let own = b.bodies[h].clone();
            let Some(html) = b.plant_on(h, &own, &footer, true) else {
                b.serve_own(h);
                continue;
            };
            b.served_own.insert(h);
            let outlet = b.outlet(&domain(&sources[h].url));
            b.push(Page {
                outlet,
                path: format!("/news/home-{n}"),
                html,
                kind: Kind::NetworkHome,
                carries: vec![(h, (0..own.len()).collect())],
                network: Some(n),
                template: h,
                quotes: None,
            });
        }
        for k in 0..sites {
            let Some(f) = b.take(|x| x.len() >= 2) else {
                break;
            };
            let story = b.bodies[f].clone();
            let mut after = footer.clone();
            if n % 2 == 0 {
                after.insert(0, WIRE_CREDIT.to_string());
            }
            let Some(html) = b.plant_on(h, &story, &after, false) else {
                break;
            };
            let name = NETWORK_NAMES[n % NETWORK_NAMES.len()]
                .to_lowercase()
                .replace(' ', "");
            let outlet = b.outlet(&format!("{name}{k}-{n}.example"));
            b.push(Page {
                outlet,
                path: format!("/news/sister-{n}-{k}"),
                html,
                kind: Kind::Sister,
                carries: vec![(f, (0..story.len()).collect())],
                network: Some(n),
                template: h,
                quotes: None,
            });
        }
    }
    for q in 0..params.quotes {
        let Some(&w) = wires.get(q % wires.len().max(1)) else {
            break;
        };
        let Some(sentence) = a_sentence(&b.bodies[w]) else {
            continue;
        };
        let Some(h) = b.take(|x| x.len() >= 3) else {
            break;
        };
        let mut own = b.bodies[h].clone();
        let at = b.rng.below(own.len());
        if q % 2 == 0 {
            own.insert(at, format!("\u{201c}{sentence}\u{201d}"));
        } else {
            own[at] = format!(
                "{} As one report put it: \u{201c}{sentence}\u{201d}",
                own[at]
            );
        }
        let Some(html) = b.plant_on(h, &own, &[], true) else {
            b.serve_own(h);
            continue;
        };
        b.served_own.insert(h);
        let outlet = b.outlet(&domain(&sources[h].url));
        let n = b.bodies[h].len();
        b.push(Page {
            outlet,
            path: format!("/news/quote-{q}"),
            html,
            kind: Kind::Quote,
            carries: vec![(h, (0..n).collect())],
            network: None,
            template: h,
            quotes: Some(w),
        });
    }
    b.plan.story_of = story_of;
    b.plan.source_paragraphs = b.bodies.iter().map(Vec::len).collect();
    // every source not used otherwise is a negative, served as it is
    for s in 0..sources.len() {
        if !b.taken.contains(&s) {
            b.serve_own(s);
        }
    }
    b.plan
}

#[cfg(test)]
mod tests;
