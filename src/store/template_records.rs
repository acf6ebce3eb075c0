//! What copydesk knows of an outlet's pages, as every backend stores and
//! lists it (the rules themselves are [`crate::core::template::Rule`]).

use crate::core::template::Rule;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What copydesk knows of one outlet's pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutletStats {
    /// Different articles observed (first versions stored).
    pub articles: u64,
    /// When its first article was observed.
    pub first_seen: Option<DateTime<Utc>>,
    /// When its latest article was observed.
    pub last_seen: Option<DateTime<Utc>>,
}

/// One outlet's learned template, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletTemplate {
    /// The outlet name (`[[outlet]] name` or registrable domain).
    pub outlet: String,
    /// What was observed of its pages.
    #[serde(flatten)]
    pub stats: OutletStats,
    /// Every rule, active or not, newest first.
    pub rules: Vec<Rule>,
}
