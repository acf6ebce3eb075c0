//! The PostgreSQL schema: versioned migrations embedded in the binary,
//! applied on open in one transaction under an advisory lock (so that
//! processes started together migrate once), and the store's identity.
//! `copydesk_meta` holds `schema_version` and `store_id`; a version newer
//! than this build knows is [`StoreError::NewerSchema`].

use crate::store::StoreError;

/// The table that holds the schema version and the store id.
pub(super) const SCHEMA_TABLE: &str = "copydesk_meta";

/// `pg_advisory_xact_lock` key of copydesk's migrations ("copydesk" in
/// ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x636f_7079_6465_736b;

/// The migrations, in order: migration `i` takes the schema from version
/// `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first layout (see docs/postgres.md)
    r#"
CREATE SEQUENCE watch_ids MINVALUE 0 START 0;
CREATE TABLE watches (
    id bigint PRIMARY KEY,
    record json NOT NULL
);
CREATE TABLE watch_urls (
    url text PRIMARY KEY,
    watch_id bigint NOT NULL REFERENCES watches (id) ON DELETE CASCADE
);
CREATE INDEX watch_urls_watch ON watch_urls (watch_id);
CREATE TABLE texts (
    hash bytea PRIMARY KEY,
    body bytea NOT NULL
);
ALTER TABLE texts ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE versions (
    watch_id bigint NOT NULL,
    number integer NOT NULL,
    hash bytea NOT NULL REFERENCES texts (hash) ON DELETE RESTRICT,
    record json NOT NULL,
    PRIMARY KEY (watch_id, number)
);
CREATE INDEX versions_hash ON versions (hash);
CREATE TABLE checks (
    watch_id bigint NOT NULL,
    at timestamptz NOT NULL,
    n bigint GENERATED ALWAYS AS IDENTITY,
    record json NOT NULL,
    PRIMARY KEY (watch_id, at, n)
);
CREATE TABLE event_seq (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    last bigint NOT NULL
);
INSERT INTO event_seq (one, last) VALUES (true, 0);
CREATE TABLE events (
    seq bigint PRIMARY KEY,
    event_id text NOT NULL,
    created_at timestamptz NOT NULL,
    record json NOT NULL
);
CREATE INDEX events_event_id ON events (event_id);
CREATE TABLE outbox (
    sink text NOT NULL,
    seq bigint NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    next_attempt timestamptz NOT NULL,
    dead boolean NOT NULL,
    record json NOT NULL,
    PRIMARY KEY (sink, seq)
);
CREATE INDEX outbox_seq ON outbox (seq);
CREATE TABLE sink_state (
    sink text PRIMARY KEY,
    state bytea NOT NULL
);
CREATE TABLE feeds (
    url text PRIMARY KEY,
    record json NOT NULL
);
CREATE SEQUENCE gc_markers;
CREATE TABLE gc_candidates (
    hash bytea PRIMARY KEY,
    marker bigint NOT NULL
);
CREATE TABLE fp_docs (
    watch_id bigint PRIMARY KEY,
    record json NOT NULL
);
CREATE TABLE band_postings (
    band bigint NOT NULL,
    watch_id bigint NOT NULL,
    PRIMARY KEY (band, watch_id)
);
CREATE INDEX band_postings_watch ON band_postings (watch_id);
CREATE TABLE para_postings (
    para bigint NOT NULL,
    watch_id bigint NOT NULL,
    outlet bigint NOT NULL,
    PRIMARY KEY (para, watch_id)
);
CREATE INDEX para_postings_watch ON para_postings (watch_id);
CREATE TABLE match_pairs (
    lo bigint NOT NULL,
    hi bigint NOT NULL,
    record json NOT NULL,
    PRIMARY KEY (lo, hi)
);
CREATE INDEX match_pairs_hi ON match_pairs (hi);
CREATE TABLE tmpl_outlets (
    outlet text PRIMARY KEY,
    record json NOT NULL
);
CREATE TABLE tmpl_rules (
    outlet text NOT NULL,
    line bigint NOT NULL,
    record json NOT NULL,
    PRIMARY KEY (outlet, line)
);
CREATE TABLE tmpl_seen (
    outlet text NOT NULL,
    line bigint NOT NULL,
    record json NOT NULL,
    PRIMARY KEY (outlet, line)
);
"#,
    // 2: several daemons on one store: leases on due checks and outbox
    // deliveries, and the processes' heartbeats
    r#"
ALTER TABLE watches ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz;
ALTER TABLE outbox ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz;
CREATE TABLE instances (
    id text PRIMARY KEY,
    started_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL
);
"#,
];

/// The schema version this build makes and reads.
pub const PG_SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Make or upgrade the schema of the database `client` is connected to
/// (`shown` names it in errors); the store id.
pub(super) fn migrate(client: &mut postgres::Client, shown: &str) -> Result<String, StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    let has_meta: bool = tx
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&SCHEMA_TABLE])?
        .get(0);
    if !has_meta {
        let has_watches: bool = tx
            .query_one("SELECT to_regclass('watches') IS NOT NULL", &[])?
            .get(0);
        if has_watches {
            return Err(StoreError::Foreign {
                path: shown.to_string(),
            });
        }
        tx.batch_execute(&format!(
            "CREATE TABLE {SCHEMA_TABLE} (key text PRIMARY KEY, value text NOT NULL)"
        ))?;
    }
    let found: u32 = match tx.query_opt(
        &format!("SELECT value FROM {SCHEMA_TABLE} WHERE key = 'schema_version'"),
        &[],
    )? {
        Some(row) => row
            .get::<_, String>(0)
            .parse()
            .map_err(|_| StoreError::Foreign {
                path: shown.to_string(),
            })?,
        None => 0,
    };
    if found > PG_SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: shown.to_string(),
            found,
            supported: PG_SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql)?;
        tracing::info!(database = %shown, to = i + 1, "PostgreSQL schema migrated");
    }
    tx.execute(
        &format!(
            "INSERT INTO {SCHEMA_TABLE} (key, value) VALUES ('schema_version', $1) \
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
        ),
        &[&PG_SCHEMA_VERSION.to_string()],
    )?;
    tx.execute(
        &format!(
            "INSERT INTO {SCHEMA_TABLE} (key, value) VALUES ('store_id', $1) \
             ON CONFLICT (key) DO NOTHING"
        ),
        &[&crate::store::new_store_id()],
    )?;
    let id: String = tx
        .query_one(
            &format!("SELECT value FROM {SCHEMA_TABLE} WHERE key = 'store_id'"),
            &[],
        )?
        .get(0);
    tx.commit()?;
    Ok(id)
}
