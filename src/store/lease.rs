//! Work shared by several processes on one store: a due check is leased
//! by one process at a time ([`Claim`]), and each process is known by its
//! [`instance_id`] and heartbeat ([`Instances`]). A store held by one
//! process (sled) grants every claim: its defaults in `Store` keep its
//! behaviour exactly as it was.

use super::Watch;
use chrono::{DateTime, Utc};
use std::sync::OnceLock;

/// How long a lease lasts when `[storage] lease` is not set; the config
/// owns the default, as it does every `[storage]` default.
pub use crate::config::DEFAULT_LEASE;

/// What a process asking for a due watch gets.
#[derive(Debug, Clone)]
pub enum Claim {
    /// The watch (as stored now) is this process's to check until its
    /// lease runs out or the check's commit releases it.
    Granted(Watch),
    /// The watch (as stored now) is not due: another process checked it
    /// meanwhile, or it left the schedule.
    NotDue(Watch),
    /// Another process holds the watch (`owner`, when known) until
    /// `until` (the database's time).
    Busy {
        /// The process holding it (its [`instance_id`]), when known.
        owner: Option<String>,
        /// When its lease runs out.
        until: DateTime<Utc>,
    },
}

/// The processes sharing a store, as a heartbeat sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instances {
    /// Processes whose heartbeat is younger than the lease (this one
    /// included): at least 1.
    pub live: usize,
}

/// This process's name among those sharing a store: `host:pid` (the
/// host's name from `gethostname`, else `HOSTNAME`, else `localhost`).
pub fn instance_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let host = hostname::get()
            .ok()
            .and_then(|h| h.into_string().ok())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
            .unwrap_or_else(|| "localhost".into());
        format!("{host}:{}", std::process::id())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_instance_id_names_this_process() {
        let id = instance_id();
        assert!(id.ends_with(&format!(":{}", std::process::id())), "{id}");
        assert!(!id.starts_with(':'), "{id}");
        assert_eq!(instance_id(), id, "stable");
    }
}
