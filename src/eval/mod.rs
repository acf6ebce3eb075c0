//! Evaluation: how well extraction and republication matching do on
//! labelled data. Not on the shipped path: nothing the binary runs calls
//! it; the tests, examples and benches that measure quality do (figures in
//! BENCHMARKS.md). Pure like [`crate::core`]: values in, values out.
//!
//! - [`score`]: the article-extraction-benchmark's metric (token shingles,
//!   precision, recall, F1), and what a prediction leaks;
//! - [`match_corpus`]: the labelled matching corpus (copies of every kind,
//!   negatives) built from real bodies, and its precision/recall;
//! - [`match_pages`]: the real-page matching evaluation (bodies planted
//!   into other real pages by [`plant`]) and its judge.

pub mod match_corpus;
pub mod match_pages;
pub mod plant;
pub mod score;
