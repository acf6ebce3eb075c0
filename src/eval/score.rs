//! Extraction quality, measured as the [article-extraction-benchmark] does.
//!
//! The benchmark (Scrapinghub, MIT; data in
//! `tests/data/article-extraction-benchmark/`) pairs 181 news pages with a
//! human-annotated `articleBody`. This module is a faithful port of its
//! `evaluate.py`, so that our figures can be compared with the published ones
//! (trafilatura, dom_smoothie, ...). It is pure: strings in, numbers out.
//!
//! # The metric
//!
//! 1. **Tokens**: maximal runs of word characters, Python's `re` `\w+` in
//!    Unicode mode, i.e. letters (`\p{L}`), numbers (`\p{N}`, which includes
//!    `²` and `½`) and `_`. Unlike Rust's `\w`, combining marks are *not*
//!    word characters there, so a decomposed `e\u{301}` splits a token; we
//!    reproduce that. Case is kept.
//! 2. **Shingles**: every window of 4 consecutive tokens, counted as a
//!    multiset. A text of 1 to 3 tokens has exactly one, shorter, shingle
//!    (all its tokens); an empty text has none.
//! 3. **Per page**: `matched` = size of the multiset intersection of the
//!    predicted and true shingles, `extra` = predicted shingles not matched,
//!    `missed` = true shingles not matched. Precision is
//!    `matched / (matched + extra)` and recall `matched / (matched + missed)`.
//! 4. **Over the pages**: precision is averaged over the pages whose
//!    prediction has at least one shingle, recall over the pages whose truth
//!    has at least one. So an empty prediction costs recall (0 on that page)
//!    but not precision, as upstream. F1 is the harmonic mean of the two
//!    *averages* (not the mean of per-page F1s).
//! 5. **Accuracy**: the share of all pages whose predicted token sequence
//!    equals the true one exactly (two empty texts are equal).
//!
//! Upstream normalizes each page's counts to sum to 1 before taking ratios;
//! that does not change any ratio, so the counts are kept as integers here.
//! Where upstream would raise (no page to average over, or precision and
//! recall both 0), [`summarize`] gives 0.
//!
//! [article-extraction-benchmark]: https://github.com/scrapinghub/article-extraction-benchmark

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// Tokens per shingle.
pub const SHINGLE_LEN: usize = 4;

/// Python's Unicode `\w`: `str.isalnum()` (letters and numbers) or `_`.
static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}\p{N}_]+").expect("static regex"));

/// The benchmark's tokens of `text` (see the module docs). This is not
/// [`crate::core::normalize::tokens`], which keeps "don't" whole and splits
/// CJK per character; the metric must tokenize exactly as upstream.
pub fn tokens(text: &str) -> Vec<&str> {
    TOKEN.find_iter(text).map(|m| m.as_str()).collect()
}

/// The shingles of a token sequence, in order, with repetitions.
fn shingles<'a, 't>(toks: &'a [&'t str]) -> impl Iterator<Item = &'a [&'t str]> {
    let whole = (!toks.is_empty() && toks.len() < SHINGLE_LEN).then_some(toks);
    whole.into_iter().chain(toks.windows(SHINGLE_LEN))
}

/// How one predicted body compares with the true one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PageScore {
    /// Shingles in both texts (multiset intersection): true positives.
    pub matched: usize,
    /// Predicted shingles not in the truth: false positives.
    pub extra: usize,
    /// True shingles missing from the prediction: false negatives.
    pub missed: usize,
    /// The token sequences are identical.
    pub exact: bool,
}

impl PageScore {
    /// `matched / (matched + extra)`; `None` when the prediction has no
    /// shingle (the page then does not count towards average precision).
    pub fn precision(&self) -> Option<f64> {
        let predicted = self.matched + self.extra;
        (predicted > 0).then(|| self.matched as f64 / predicted as f64)
    }

    /// `matched / (matched + missed)`; `None` when the truth has no shingle
    /// (the page then does not count towards average recall).
    pub fn recall(&self) -> Option<f64> {
        let truth = self.matched + self.missed;
        (truth > 0).then(|| self.matched as f64 / truth as f64)
    }

    /// This page's own F1, to rank pages (not part of the benchmark's
    /// figures). An undefined precision or recall counts as 0, except that
    /// two empty texts score 1.
    pub fn f1(&self) -> f64 {
        match (self.precision(), self.recall()) {
            (None, None) => 1.0,
            (p, r) => harmonic(p.unwrap_or(0.0), r.unwrap_or(0.0)),
        }
    }
}

fn harmonic(p: f64, r: f64) -> f64 {
    if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    }
}

/// Score a predicted article body against the true one.
pub fn page_score(pred: &str, truth: &str) -> PageScore {
    let pred_toks = tokens(pred);
    let truth_toks = tokens(truth);
    let mut remaining: HashMap<&[&str], usize> = HashMap::new();
    let mut truth_total = 0;
    for s in shingles(&truth_toks) {
        *remaining.entry(s).or_insert(0) += 1;
        truth_total += 1;
    }
    let mut matched = 0;
    let mut pred_total = 0;
    for s in shingles(&pred_toks) {
        pred_total += 1;
        if let Some(n) = remaining.get_mut(s) {
            if *n > 0 {
                *n -= 1;
                matched += 1;
            }
        }
    }
    PageScore {
        matched,
        extra: pred_total - matched,
        missed: truth_total - matched,
        exact: pred_toks == truth_toks,
    }
}

/// The benchmark's figures over a set of pages.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Summary {
    /// Mean per-page precision over the pages with a non-empty prediction.
    pub precision: f64,
    /// Mean per-page recall over the pages with a non-empty truth.
    pub recall: f64,
    /// Harmonic mean of `precision` and `recall`.
    pub f1: f64,
    /// Share of pages predicted exactly (same token sequence).
    pub accuracy: f64,
    /// Number of pages scored.
    pub pages: usize,
}

/// Average page scores as the benchmark does (see the module docs).
pub fn summarize(pages: &[PageScore]) -> Summary {
    fn mean(values: impl Iterator<Item = f64>) -> f64 {
        let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
        if n == 0 {
            0.0
        } else {
            sum / n as f64
        }
    }
    let precision = mean(pages.iter().filter_map(PageScore::precision));
    let recall = mean(pages.iter().filter_map(PageScore::recall));
    let accuracy = mean(pages.iter().map(|p| if p.exact { 1.0 } else { 0.0 }));
    Summary {
        precision,
        recall,
        f1: harmonic(precision, recall),
        accuracy,
        pages: pages.len(),
    }
}

/// One entry of a benchmark JSON file (ground truth or predictions).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct BenchmarkEntry {
    /// `articleBody`; a missing or `null` body is empty, as upstream.
    #[serde(rename = "articleBody", default, deserialize_with = "null_as_empty")]
    pub article_body: String,
    /// `url` (the ground truth has it, predictions usually not).
    #[serde(default)]
    pub url: Option<String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BenchmarkFile {
    Wrapped {
        output: BTreeMap<String, BenchmarkEntry>,
    },
    Plain(BTreeMap<String, BenchmarkEntry>),
}

/// Parse `ground-truth.json` or a prediction file, page id to entry. Both
/// shapes are read: the plain `{"<id>": {"articleBody": ..}, ..}` and the
/// wrapped `{"version": .., "output": {<plain>}}`. Other keys are ignored.
pub fn parse_benchmark_json(
    json: &str,
) -> Result<BTreeMap<String, BenchmarkEntry>, serde_json::Error> {
    Ok(match serde_json::from_str(json)? {
        BenchmarkFile::Wrapped { output } => output,
        BenchmarkFile::Plain(map) => map,
    })
}

/// Dates, times and bylines: what must not leak into an article body. One
/// alternative per kind, so a leak can be reported by what it is.
static LEAK_PATTERNS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    const MONTH: &str = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";
    [
        ("time", r"(?i)\b\d{1,2}:\d{2}(?:\s?[ap]\.?m\b\.?)?".to_string()),
        ("date", r"\b\d{4}-\d{2}-\d{2}\b".to_string()),
        ("date", r"\b\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})\b".to_string()),
        ("date", format!(r"\b{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b")),
        ("date", format!(r"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}\.?,?\s+\d{{4}}\b")),
        ("byline", r"(?m)^[ \t]*(?:By|BY|Von|Por|Par)[ \t]+\p{Lu}[\p{L}.'’-]+(?:[ \t]+\p{Lu}[\p{L}.'’-]+){0,3}".to_string()),
        ("dateline", r"(?mi)^[ \t]*(?:updated|published|posted|last[ \t]+modified)\b[^\n]{0,40}".to_string()),
    ]
    .into_iter()
    .map(|(kind, re)| (kind, Regex::new(&re).expect("static regex")))
    .collect()
});

/// Date, time and byline patterns found in `pred` but not in `truth`: what
/// counts as furniture leaking into the body (issue 3's third target). Each
/// hit is `(kind, text)`; text is compared with runs of whitespace collapsed,
/// so a timestamp the article itself quotes ("at 10:30 the vote...") is not
/// a leak when the ground truth has it too.
pub fn leaks(pred: &str, truth: &str) -> Vec<(&'static str, String)> {
    fn squash(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
    let truth = squash(truth);
    let mut out = Vec::new();
    for (kind, re) in LEAK_PATTERNS.iter() {
        for m in re.find_iter(pred) {
            let hit = squash(m.as_str());
            if !hit.is_empty() && !truth.contains(&hit) && !out.iter().any(|(_, h)| *h == hit) {
                out.push((*kind, hit));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn tokens_follow_python_unicode_word() {
        assert_eq!(
            tokens("Don't stop-the_press: 3.5% in São Paulo, Москва!"),
            [
                "Don",
                "t",
                "stop",
                "the_press",
                "3",
                "5",
                "in",
                "São",
                "Paulo",
                "Москва"
            ]
        );
        // Numbers of every kind are word characters in Python (`isalnum`),
        assert_eq!(tokens("x² ½ Ⅻ"), ["x²", "½", "Ⅻ"]);
        // combining marks are not: a decomposed accent splits the word.
        assert_eq!(tokens("cafe\u{301} ok"), ["cafe", "ok"]);
        assert_eq!(tokens("e\u{301}te"), ["e", "te"]);
        // CJK runs stay one token (no spaces to split on).
        assert_eq!(tokens("東京都 は"), ["東京都", "は"]);
        assert!(tokens(" \n—…!? ").is_empty());
    }

    #[test]
    fn identical_texts_are_perfect() {
        let t = "One two three four five. Six seven!";
        let s = page_score(t, t);
        assert_eq!(
            s,
            PageScore {
                matched: 4,
                extra: 0,
                missed: 0,
                exact: true
            }
        );
        assert_eq!(s.precision(), Some(1.0));
        assert_eq!(s.recall(), Some(1.0));
        assert!(close(s.f1(), 1.0));
        // punctuation and whitespace do not matter, case does
        assert!(page_score("one, two\n\nthree four", "one two three four").exact);
        assert!(!page_score("One two three four", "one two three four").exact);
    }

    #[test]
    fn shingles_are_a_multiset() {
        let truth = "a b c d e";
        // the whole truth twice
        let pred = "a b c d e a b c d e";
        let s = page_score(pred, truth);
        // pred shingles: abcd bcde cdea deab eabc abcd bcde (7), truth: abcd bcde
        assert_eq!((s.matched, s.extra, s.missed, s.exact), (2, 5, 0, false));
        // a repeated true shingle must be predicted twice to be fully matched
        let s = page_score("w x y z", "w x y z q w x y z");
        assert_eq!((s.matched, s.extra, s.missed), (1, 0, 5));
    }

    #[test]
    fn short_texts_have_one_shorter_shingle() {
        let s = page_score("Hello world", "hello, world");
        assert_eq!((s.matched, s.extra, s.missed), (0, 1, 1));
        let s = page_score("hello world", "hello, world");
        assert_eq!((s.matched, s.extra, s.missed, s.exact), (1, 0, 0, true));
        // a 3-token shingle never matches a 4-token one
        let s = page_score("a b c", "a b c d");
        assert_eq!((s.matched, s.extra, s.missed), (0, 1, 1));
    }

    #[test]
    fn empty_texts_follow_upstream_conventions() {
        // empty prediction: no precision (not averaged), recall 0
        let s = page_score("", "some true article text here");
        assert_eq!((s.matched, s.extra, s.missed), (0, 0, 2));
        assert_eq!(s.precision(), None);
        assert_eq!(s.recall(), Some(0.0));
        assert_eq!(s.f1(), 0.0);
        // empty truth: no recall, precision 0
        let s = page_score("menu login subscribe now", "  ");
        assert_eq!(s.precision(), Some(0.0));
        assert_eq!(s.recall(), None);
        // both empty: exact, and counted in neither average
        let s = page_score("...", "");
        assert_eq!((s.precision(), s.recall(), s.exact), (None, None, true));
        assert_eq!(s.f1(), 1.0);
    }

    #[test]
    fn summary_averages_then_takes_harmonic_mean() {
        let truth = "the quick brown fox jumps over the lazy dog";
        let pages = [
            // perfect
            page_score(truth, truth),
            // half the shingles extra: p = 6/12, r = 1
            page_score(
                &format!("{truth} lorem ipsum dolor sit amet consectetur"),
                truth,
            ),
            // nothing predicted: recall 0, precision not averaged
            page_score("", truth),
            // both empty: only counts for accuracy
            page_score("", ""),
        ];
        assert_eq!(pages[1].precision(), Some(0.5));
        let s = summarize(&pages);
        assert_eq!(s.pages, 4);
        assert!(close(s.precision, (1.0 + 0.5) / 2.0));
        assert!(close(s.recall, (1.0 + 1.0 + 0.0) / 3.0));
        let (p, r) = (0.75, 2.0 / 3.0);
        assert!(close(s.f1, 2.0 * p * r / (p + r)));
        assert!(close(s.accuracy, 0.5));
        // the mean of per-page F1s would be different
        let mean_f1 = pages.iter().map(PageScore::f1).sum::<f64>() / 4.0;
        assert!(!close(mean_f1, s.f1));
    }

    #[test]
    fn summary_of_nothing_is_zero() {
        assert_eq!(summarize(&[]), Summary::default());
        let s = summarize(&[page_score("", "")]);
        assert_eq!(
            (s.precision, s.recall, s.f1, s.accuracy),
            (0.0, 0.0, 0.0, 1.0)
        );
    }

    #[test]
    fn parses_plain_and_wrapped_files() {
        let plain = r#"{"a1": {"articleBody": "Text one", "url": "https://x.test/1"},
                        "b2": {"articleBody": null}, "c3": {}}"#;
        let m = parse_benchmark_json(plain).expect("plain form");
        assert_eq!(m.len(), 3);
        assert_eq!(m["a1"].article_body, "Text one");
        assert_eq!(m["a1"].url.as_deref(), Some("https://x.test/1"));
        assert_eq!(m["b2"], BenchmarkEntry::default());
        assert_eq!(m["c3"], BenchmarkEntry::default());

        let wrapped = r#"{"version": "2.3.1", "output": {
            "a1": {"articleBody": "Text", "title": "T", "date": null, "error": "x"}}}"#;
        let m = parse_benchmark_json(wrapped).expect("wrapped form");
        assert_eq!(m.len(), 1);
        assert_eq!(m["a1"].article_body, "Text");

        assert!(parse_benchmark_json("[1, 2]").is_err());
        assert!(parse_benchmark_json(r#"{"a": {"articleBody": 5}}"#).is_err());
        assert!(parse_benchmark_json("{").is_err());
    }

    #[test]
    fn leaks_are_patterns_missing_from_the_truth() {
        let truth = "The council met at 10:30 on March 3, 2024.\nThe vote passed.";
        // The same time and date inside the article are not leaks.
        assert!(leaks(truth, truth).is_empty());
        let pred =
            "By Jane Doe\nUpdated 11:04 PM EST\nThe council met at 10:30 on March 3, 2024.\n\
                    Posted 2024-03-04\n12/03/2024\nThe vote passed.";
        let found = leaks(pred, truth);
        let kinds: Vec<&str> = found.iter().map(|(k, _)| *k).collect();
        let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
        assert!(texts.contains(&"11:04 PM"), "{found:?}");
        assert!(texts.contains(&"2024-03-04"), "{found:?}");
        assert!(texts.contains(&"12/03/2024"), "{found:?}");
        assert!(texts.contains(&"By Jane Doe"), "{found:?}");
        assert!(kinds.contains(&"dateline"), "{found:?}");
        assert!(!texts.contains(&"10:30"), "{found:?}");
        // A sentence that starts with "By" and a lowercase word is prose.
        assert!(leaks("By then the vote had passed.", "").is_empty());
    }
}
