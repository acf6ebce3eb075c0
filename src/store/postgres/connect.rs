//! `[storage]` of `backend = "postgres"` made into connection options: the
//! URL, the password (never needed in the config: `password_file`, else
//! `PGPASSWORD`, else a `DATABASE_URL` that carries one) and the pool size.

use crate::config::{shown_url, StorageConfig};
use crate::store::StoreError;
use std::str::FromStr;

/// How to reach the database.
pub struct ConnectOptions {
    /// The client's configuration (password included).
    pub config: postgres::Config,
    /// The URL without its password, as errors name the database.
    pub shown: String,
    /// Connections per process.
    pub pool_size: u32,
    /// How long a lease (a due check, an outbox delivery) and a heartbeat
    /// last (`[storage] lease`).
    pub lease: std::time::Duration,
}

/// The options `storage` gives, the password taken from `password_file`
/// or the environment (`PGPASSWORD`, `DATABASE_URL`) as looked up by `env`.
/// A URL that asks for TLS is refused: this build does not speak it yet.
pub fn connect_options(
    storage: &StorageConfig,
    env: impl Fn(&str) -> Option<String>,
) -> Result<ConnectOptions, StoreError> {
    let url = storage.url.as_deref().unwrap_or_default();
    let refused = |detail: String| StoreError::Io {
        path: shown_url(url),
        disk_full: false,
        detail,
    };
    if let Some(mode) = ssl_mode(url) {
        if matches!(mode.as_str(), "require" | "verify-ca" | "verify-full") {
            return Err(refused(format!(
                "sslmode={mode}: TLS to PostgreSQL is not supported yet (see docs/postgres.md); \
                 connect over a loopback address, a Unix socket or an SSH/stunnel tunnel"
            )));
        }
    }
    let mut config = postgres::Config::from_str(url)
        .map_err(|e| refused(format!("not a usable PostgreSQL URL: {e}")))?;
    if config.get_password().is_some() {
        tracing::warn!(database = %shown_url(url), "[storage] url carries a password: configs are often shared; prefer password_file or PGPASSWORD");
    }
    if let Some(file) = &storage.password_file {
        let text = std::fs::read_to_string(file).map_err(|e| {
            refused(format!(
                "cannot read [storage] password_file {}: {e}",
                file.display()
            ))
        })?;
        config.password(text.trim_end_matches(['\n', '\r']));
    } else if let Some(p) = env("PGPASSWORD").filter(|p| !p.is_empty()) {
        config.password(p);
    } else if config.get_password().is_none() {
        if let Some(from_env) = env("DATABASE_URL")
            .and_then(|u| postgres::Config::from_str(&u).ok())
            .and_then(|c| c.get_password().map(<[u8]>::to_vec))
        {
            config.password(from_env);
        }
    }
    if config.get_application_name().is_none() {
        config.application_name("copydesk");
    }
    config.connect_timeout(std::time::Duration::from_secs(10));
    ConnectOptions {
        config,
        shown: shown_url(url),
        pool_size: storage.pool_size(),
        lease: storage.lease(),
    }
    .checked()
}

impl ConnectOptions {
    fn checked(self) -> Result<ConnectOptions, StoreError> {
        if self.config.get_hosts().is_empty() {
            return Err(StoreError::Io {
                path: self.shown,
                disk_full: false,
                detail: "the URL names no host".into(),
            });
        }
        Ok(self)
    }
}

/// The value of `sslmode` in the URL's query, if any.
fn ssl_mode(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "sslmode")
        .map(|(_, v)| v.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(url: &str) -> StorageConfig {
        StorageConfig {
            backend: crate::config::StorageBackend::Postgres,
            url: Some(url.into()),
            ..StorageConfig::default()
        }
    }

    #[test]
    fn the_password_comes_from_the_file_then_pgpassword_then_database_url() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-file\n").unwrap();
        let env = |k: &str| match k {
            "PGPASSWORD" => Some("from-env".to_string()),
            "DATABASE_URL" => Some("postgres://u:from-url@h/d".to_string()),
            _ => None,
        };
        let mut s = storage("postgres://copydesk@db.example:5433/copydesk");
        s.password_file = Some(file);
        let o = connect_options(&s, env).unwrap();
        assert_eq!(o.config.get_password(), Some(&b"from-file"[..]));
        assert_eq!(o.shown, "postgres://copydesk@db.example:5433/copydesk");
        s.password_file = None;
        let o = connect_options(&s, env).unwrap();
        assert_eq!(o.config.get_password(), Some(&b"from-env"[..]));
        let only_url = |k: &str| (k == "DATABASE_URL").then(|| "postgres://u:from-url@h/d".into());
        let o = connect_options(&s, only_url).unwrap();
        assert_eq!(o.config.get_password(), Some(&b"from-url"[..]));
        let o = connect_options(&s, |_| None).unwrap();
        assert_eq!(o.config.get_password(), None);
        assert_eq!(o.pool_size, crate::config::DEFAULT_POOL_SIZE);
    }

    #[test]
    fn tls_and_a_missing_password_file_are_clear_errors() {
        let e = connect_options(&storage("postgres://u:secret@h/d?sslmode=require"), |_| {
            None
        })
        .err()
        .expect("refused");
        let text = e.to_string();
        assert!(text.contains("not supported yet"), "{text}");
        assert!(!text.contains("secret"), "{text}");
        let mut s = storage("postgres://u@h/d");
        s.password_file = Some("/nonexistent/pw".into());
        let text = connect_options(&s, |_| None)
            .err()
            .expect("refused")
            .to_string();
        assert!(text.contains("password_file /nonexistent/pw"), "{text}");
    }
}
