//! Why a check or a feed poll failed, as recorded on it: one enum for the
//! kinds a user sees in the JSON API, the CLI and the logs.
//!
//! On the wire a kind is one snake_case string (`"timeout"`, `"no_article"`,
//! `"bad_feed"`, ...): the fetch's own kinds keep the spelling of
//! [`FailureKind`], the others are listed here once.

use crate::fetch::FailureKind;
use serde::de::IntoDeserializer;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The kind of a failed check or feed poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The fetch gave no page or feed (`timeout`, `http_status`, `tls`,
    /// `bad_url`, ...).
    Fetch(FailureKind),
    /// The page had no article text (`no_article`).
    NoArticle,
    /// Extraction panicked or its thread died (`extract_crashed`); the page
    /// cost one failed check, not the daemon.
    ExtractCrashed,
    /// Two fetches a few seconds apart shared too little text to be one
    /// article (`unstable`); nothing was stored.
    Unstable,
    /// A feed body that the feed parser refused (`bad_feed`).
    BadFeed,
    /// A kind this build does not know (a record written by another
    /// version), kept as written so that reading it never fails.
    Other(String),
}

impl Failure {
    /// The wire spelling of the kinds that are not a fetch's.
    fn own_name(&self) -> Option<&str> {
        Some(match self {
            Failure::Fetch(_) => return None,
            Failure::NoArticle => "no_article",
            Failure::ExtractCrashed => "extract_crashed",
            Failure::Unstable => "unstable",
            Failure::BadFeed => "bad_feed",
            Failure::Other(s) => s,
        })
    }

    /// The kind read from its wire spelling; an unknown one is
    /// [`Failure::Other`].
    pub fn from_name(name: &str) -> Failure {
        let fetch: Result<FailureKind, serde::de::value::Error> =
            FailureKind::deserialize(name.into_deserializer());
        if let Ok(kind) = fetch {
            return Failure::Fetch(kind);
        }
        [
            Failure::NoArticle,
            Failure::ExtractCrashed,
            Failure::Unstable,
            Failure::BadFeed,
        ]
        .into_iter()
        .find(|f| f.own_name() == Some(name))
        .unwrap_or_else(|| Failure::Other(name.to_string()))
    }
}

impl From<FailureKind> for Failure {
    fn from(kind: FailureKind) -> Failure {
        Failure::Fetch(kind)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Fetch(kind) => f.write_str(&crate::core::wire::name(kind)),
            other => f.write_str(other.own_name().unwrap_or_default()),
        }
    }
}

impl Serialize for Failure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Failure::Fetch(kind) => kind.serialize(serializer),
            other => serializer.serialize_str(other.own_name().unwrap_or_default()),
        }
    }
}

impl<'de> Deserialize<'de> for Failure {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Failure, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Failure::from_name(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_keeps_its_wire_spelling_and_reads_back() {
        let cases = [
            (Failure::Fetch(FailureKind::BadUrl), "bad_url"),
            (Failure::Fetch(FailureKind::Tls), "tls"),
            (Failure::Fetch(FailureKind::HttpStatus), "http_status"),
            (Failure::Fetch(FailureKind::NotFeed), "not_feed"),
            (Failure::Fetch(FailureKind::Timeout), "timeout"),
            (Failure::NoArticle, "no_article"),
            (Failure::ExtractCrashed, "extract_crashed"),
            (Failure::Unstable, "unstable"),
            (Failure::BadFeed, "bad_feed"),
            (Failure::Other("fetch".into()), "fetch"),
        ];
        for (failure, name) in cases {
            let json = serde_json::to_string(&failure).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(failure.to_string(), name);
            assert_eq!(serde_json::from_str::<Failure>(&json).unwrap(), failure);
        }
    }
}
