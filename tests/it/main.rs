//! The integration tests, in one binary (one link of the library instead of
//! one per test file): one module per area, each with its own `//!` line
//! saying what it covers. Run one area with `cargo test --test it AREA::`
//! (for example `cargo test --test it store::`; the store's conformance
//! suite, for every backend: `cargo test --test it conformance::`).
//!
//! Helpers shared by the modules: `common` (loopback servers, pages, the
//! real binary and its config, a `copydesk run` child process, reopening a
//! store), `inproc` (the daemon in the test's own runtime), `webcommon` (the
//! web layer on a loopback port over a real store), `tlscommon` (test
//! certificates, a TLS front, an SMTP server), `noise` (the noise corpus) and
//! `plain_store` (a store that overrides none of `Store`'s default methods).
//!
//! The tests of all modules run as threads of one process: a test must not
//! set environment variables, change the current directory or rely on
//! anything else global to the process; it passes such values explicitly
//! (to the child process it starts, to the config it writes).
//!
//! `tests/web_browser.rs` stays its own binary (its own `main`, see
//! Cargo.toml).

mod common;
mod conformance;
mod inproc;
mod noise;
mod plain_store;
mod tlscommon;
mod webcommon;

mod alert_sinks;
mod alerts;
mod check_e2e;
mod check_hostile;
mod cli_extract;
mod daemon;
mod demo;
mod export_import;
mod extract_benchmark;
mod extract_pages;
mod feeds;
mod fetch;
mod first_hour;
mod furniture;
mod lifecycle;
mod lifecycle_daemon;
mod maintenance;
mod match_corpus;
mod match_pages;
mod match_store;
mod noise_corpus;
mod openapi;
mod pg_daemons;
mod pg_import;
mod pg_lease;
mod pg_store;
mod reliability;
mod republish_alerts;
mod republish_daemon;
mod republish_e2e;
mod republish_templates;
mod retention;
mod robots;
mod sitemaps;
mod storage_upkeep;
mod store;
mod template_layout;
mod text_deltas;
mod tls;
mod url_canonical;
mod web_api;
mod web_outlets;
mod web_pages;
