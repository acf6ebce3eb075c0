//! copydesk: watches news articles, keeps every version, diffs edits and alerts.
//!
//! The crate is split in two halves:
//! - [`core`] is pure: extraction, normalization, diffing, outlet identity and
//!   schedule arithmetic. Values in, values out; no tokio, no sled, no network.
//! - the shell ([`config`], [`fetch`], [`store`], [`alert`], [`pipeline`],
//!   [`republish`], [`cli`], [`web`]) does the I/O and calls into the core;
//!   the scheduler and the outbox read the time from a [`clock`].
//!
//! [`eval`] measures extraction and matching on labelled data for the
//! tests, examples and benches; the binary does not use it.

// Every public item says what it is for. The exceptions are narrow
// `allow(missing_docs)` marks, each with its reason: `cli`'s clap types
// (their `///` comments are the `--help` text, so they carry `//` comments
// instead), value-enum variants whose names say everything, and error
// variants whose `#[error]` text documents them.
#![warn(missing_docs)]

pub mod alert;
pub mod cli;
pub mod clock;
pub mod config;
pub mod core;
pub mod daemon;
pub mod eval;
pub mod fetch;
pub mod pipeline;
pub mod republish;
pub mod store;
pub mod web;
