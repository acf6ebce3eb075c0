//! The daemon's HTTP layer: one router ([`router()`]) over one state
//! ([`AppState`]): the JSON API ([`api`]), the server-rendered web UI
//! ([`ui`]), Atom output ([`atom`]), `/healthz` and `/metrics`
//! ([`health`]), behind the checks of [`auth`]. Everything here reads the
//! store through [`crate::store::Store`] and diffs with [`crate::core::diff`];
//! what it asks of the daemon (reschedule a watch, deliver now, health and
//! metrics) goes through the [`DaemonHandle`] the daemon hands it.
//!
//! One module per resource on each side: `api/{watches,versions,events,
//! clusters,outlets,alerts,matches,feeds,identity}.rs` and
//! `ui/{dashboard,watches,diff,clusters,outlets}.rs`; what both sides read
//! from the store is in [`views`]. Errors are [`error::WebError`], rendered
//! as JSON by [`api::ApiError`] and as a page by [`ui::PageError`]; store
//! calls run through [`crate::store::run_blocking`].

pub mod api;
pub mod atom;
pub mod auth;
pub mod error;
pub mod health;
pub mod router;
pub mod state;
pub mod ui;
pub mod views;

pub use router::router;
pub use state::{AppState, DaemonHandle};
