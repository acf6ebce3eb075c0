//! The `Article`: what extraction makes of a page, and what a version stores.

use serde::{Deserialize, Serialize};

/// One article as extracted from a page.
///
/// `body` keeps the paragraph structure: the diff aligns paragraphs and the
/// republication matcher fingerprints them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Headline, without a site-name suffix.
    pub title: String,
    /// Author line as the page gives it ("Jane Doe and John Roe").
    pub byline: Option<String>,
    /// Publication time, RFC 3339 when the page's value could be parsed,
    /// otherwise the page's own text.
    pub published: Option<String>,
    /// Last-modified time, same format as `published`.
    pub modified: Option<String>,
    /// `<link rel=canonical>` or `og:url`, absolute.
    pub canonical_url: Option<String>,
    /// BCP 47 language tag from `<html lang>` or meta tags.
    pub language: Option<String>,
    /// Body paragraphs, in page order, each non-empty.
    pub body: Vec<String>,
}

impl Article {
    /// Number of words in the body (by [`crate::core::normalize::tokens`]).
    pub fn word_count(&self) -> usize {
        self.body
            .iter()
            .map(|p| crate::core::normalize::tokens(p).len())
            .sum()
    }
}
