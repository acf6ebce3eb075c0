//! `[retention]`: what the daemon may drop from the store as it ages.
//! Only the event log, and only when the operator asks: without this
//! section nothing is dropped (versions never are; check records are
//! always kept to [`crate::store::CHECKS_KEPT_PER_WATCH`] per watch).

use super::{Positive, Span};
use serde::Deserialize;

/// `[retention]`: limits on the event log, each off unless set
/// (`daemon::gc` turns them into the store's `EventRetention`).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Events older than this are dropped (e.g. `"180d"`).
    pub events_max_age: Option<Span>,
    /// At most this many events are kept (the oldest beyond are dropped).
    pub events_max: Option<Positive>,
}

impl RetentionConfig {
    /// Whether any limit is set.
    pub fn is_set(&self) -> bool {
        self.events_max_age.is_some() || self.events_max.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, ConfigError};
    use std::path::Path;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/copydesk/test.toml"))
    }

    #[test]
    fn nothing_is_dropped_unless_asked() {
        let c = parse("").unwrap();
        assert!(!c.retention.is_set());
    }

    #[test]
    fn both_limits_are_read() {
        let c = parse("[retention]\nevents_max_age = \"30d\"\nevents_max = 1000\n").unwrap();
        assert!(c.retention.is_set());
        let age = c.retention.events_max_age.map(|s| s.0);
        assert_eq!(age, Some(std::time::Duration::from_secs(30 * 86_400)));
        assert_eq!(c.retention.events_max.map(|k| k.0), Some(1000));
    }

    #[test]
    fn a_bad_limit_names_its_key() {
        for (text, key) in [
            ("[retention]\nevents_max = 0\n", "retention.events_max"),
            (
                "[retention]\nevents_max_age = \"soon\"\n",
                "retention.events_max_age",
            ),
            ("[retention]\nversions_max = 3\n", "retention"),
        ] {
            match parse(text) {
                Err(ConfigError::Invalid { line, key: k, .. }) => {
                    assert_eq!(line, 2, "{text}");
                    assert!(
                        k.as_deref().is_some_and(|k| k.starts_with(key)),
                        "{text}: {k:?}"
                    );
                }
                other => panic!("{text}: expected an Invalid error, got {other:?}"),
            }
        }
    }
}
