//! Stored match pairs and the story clusters they form: articles linked by
//! republication (or alias) are one story, whose first publisher is the
//! earliest-seen article.

use super::MatchClass;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// An article as named in a match: the payload's `original` / `copy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedArticle {
    /// Its URL (the watch's).
    pub url: String,
    /// Its outlet's name.
    pub outlet: String,
    /// Its title when the match was found.
    pub title: String,
    /// When copydesk first stored a version of it (RFC 3339).
    pub first_seen: String,
}

/// Same outlet (`alias`: one article at two URLs, never alerted) or
/// different outlets (`republication`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// One article at two URLs of the same outlet.
    Alias,
    /// An article of one outlet found at another.
    Republication,
}

/// A matched pair as stored, once per pair of articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchPair {
    /// Alias (same outlet) or republication.
    pub relation: Relation,
    /// A whole copy or lifted paragraphs.
    pub class: MatchClass,
    /// The article seen first.
    pub original: MatchedArticle,
    /// The article seen later, that carries the original's text.
    pub copy: MatchedArticle,
    /// Jaccard of the two articles' shingle sets (0..1).
    pub similarity: f64,
    /// Share of the original's shingles found in the copy (0..1).
    pub containment: f64,
    /// Paragraphs found in both, boilerplate left out.
    pub shared_paragraphs: usize,
    /// The copy's paragraphs that decided the match (not boilerplate, at
    /// least half their shingles found in the original), cut to
    /// [`super::MAX_PASSAGE_CHARS`]; empty in pairs stored before it was
    /// recorded.
    #[serde(default)]
    pub shared_text: Vec<String>,
    /// When the pair was first found (RFC 3339).
    pub detected_at: String,
    /// When the pair was last re-verified (RFC 3339).
    pub updated_at: String,
    /// The last `republication` event sent for the pair.
    pub event_id: Option<String>,
    /// The original's watch id.
    pub original_id: u64,
    /// The copy's watch id.
    pub copy_id: u64,
}

/// Linked articles with their first publisher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// The earliest-seen article of the story.
    pub first_publisher: MatchedArticle,
    /// Every article of the story, earliest first.
    pub articles: Vec<MatchedArticle>,
    /// The matched pairs that link the articles.
    pub pairs: Vec<MatchPair>,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Group pairs into clusters (connected components over URLs), earliest
/// first publisher first.
pub fn clusters(pairs: &[MatchPair]) -> Vec<Cluster> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut articles: Vec<&MatchedArticle> = Vec::new();
    for p in pairs {
        for a in [&p.original, &p.copy] {
            index.entry(a.url.as_str()).or_insert_with(|| {
                articles.push(a);
                articles.len() - 1
            });
        }
    }
    let mut parent: Vec<usize> = (0..articles.len()).collect();
    for p in pairs {
        let (a, b) = (index[p.original.url.as_str()], index[p.copy.url.as_str()]);
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra] = rb;
        }
    }
    let mut groups: BTreeMap<usize, (Vec<MatchedArticle>, Vec<MatchPair>)> = BTreeMap::new();
    for (i, a) in articles.iter().enumerate() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().0.push((*a).clone());
    }
    for p in pairs {
        let r = find(&mut parent, index[p.original.url.as_str()]);
        groups.entry(r).or_default().1.push(p.clone());
    }
    let mut out: Vec<Cluster> = groups
        .into_values()
        .filter_map(|(mut arts, pairs)| {
            arts.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.url.cmp(&b.url)));
            // the first publisher: an article that is never a copy, earliest
            let first = arts
                .iter()
                .find(|a| !pairs.iter().any(|p| p.copy.url == a.url))
                .or(arts.first())?
                .clone();
            Some(Cluster {
                first_publisher: first,
                articles: arts,
                pairs,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.first_publisher
            .first_seen
            .cmp(&b.first_publisher.first_seen)
            .then(a.first_publisher.url.cmp(&b.first_publisher.url))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(url: &str, t: &str) -> MatchedArticle {
        MatchedArticle {
            url: url.into(),
            outlet: url.split('/').nth(2).unwrap_or("").into(),
            title: "T".into(),
            first_seen: t.into(),
        }
    }

    fn pair(o: MatchedArticle, c: MatchedArticle) -> MatchPair {
        MatchPair {
            relation: Relation::Republication,
            class: MatchClass::Copy,
            original: o,
            copy: c,
            similarity: 1.0,
            containment: 1.0,
            shared_paragraphs: 3,
            shared_text: Vec::new(),
            detected_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            event_id: None,
            original_id: 0,
            copy_id: 0,
        }
    }

    #[test]
    fn linked_pairs_form_one_cluster_with_the_first_publisher() {
        let a = art("http://a.example/1", "2026-01-01T00:00:00Z");
        let b = art("http://b.example/1", "2026-01-01T01:00:00Z");
        let c = art("http://c.example/1", "2026-01-01T02:00:00Z");
        let x = art("http://x.example/9", "2025-01-01T00:00:00Z");
        let y = art("http://y.example/9", "2025-01-02T00:00:00Z");
        let cs = clusters(&[
            pair(a.clone(), b.clone()),
            pair(b.clone(), c.clone()),
            pair(x.clone(), y),
        ]);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].first_publisher, x);
        assert_eq!(cs[1].first_publisher, a);
        assert_eq!(cs[1].articles.len(), 3);
        assert_eq!(cs[1].pairs.len(), 2);
        assert!(clusters(&[]).is_empty());
    }
}
