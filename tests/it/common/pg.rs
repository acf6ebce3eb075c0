//! A PostgreSQL cluster for the tests: the one `COPYDESK_TEST_PG` names
//! (`postgres://postgres@127.0.0.1:PORT/postgres`; `.ci/run` starts one),
//! a fresh schema per store so that tests run in parallel as sled's temp
//! dirs do. Without the variable the postgres tests print a notice and
//! pass; with `CI` set that is a failure.

use copydesk::config::{StorageBackend, StorageConfig};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The variable that names the test cluster.
pub const TEST_PG: &str = "COPYDESK_TEST_PG";

/// The cluster's URL, or `None` (after a notice) when the tests are to
/// skip. Panics in CI without one, and when the named cluster cannot be
/// reached.
pub fn cluster() -> Option<&'static str> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        let Some(url) = std::env::var(TEST_PG).ok().filter(|u| !u.is_empty()) else {
            assert!(
                !super::env::in_ci(),
                "CI is set but {TEST_PG} is not: the PostgreSQL backend's tests need a cluster \
                 (.ci/run starts one)"
            );
            eprintln!("notice: {TEST_PG} is not set: the PostgreSQL backend's tests are skipped");
            return None;
        };
        if let Err(e) = postgres::Client::connect(&url, postgres::NoTls) {
            panic!("{TEST_PG}={url} cannot be reached: {e}");
        }
        Some(url)
    })
    .as_deref()
}

/// A fresh, empty schema on the test cluster, dropped with it.
pub struct Schema {
    /// The cluster's URL.
    pub cluster: String,
    /// The schema's name.
    pub name: String,
}

impl Schema {
    /// A new schema on `cluster`.
    pub fn new(cluster: &str) -> Schema {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "copydesk_test_{}_{}_{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut c = postgres::Client::connect(cluster, postgres::NoTls).expect("connect");
        c.batch_execute(&format!("CREATE SCHEMA {name}"))
            .expect("create schema");
        Schema {
            cluster: cluster.to_string(),
            name,
        }
    }

    /// The URL of a connection whose tables are this schema's.
    pub fn url(&self) -> String {
        let sep = if self.cluster.contains('?') { '&' } else { '?' };
        format!(
            "{}{sep}options=-c%20search_path%3D{}",
            self.cluster, self.name
        )
    }

    /// `[storage]` of a postgres store in this schema.
    pub fn storage(&self) -> StorageConfig {
        StorageConfig {
            backend: StorageBackend::Postgres,
            url: Some(self.url()),
            pool_size: Some(2),
            ..StorageConfig::default()
        }
    }

    /// A plain connection to the schema (to look at or change tables).
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).expect("connect")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.cluster, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}
