//! Helpers shared by the end-to-end tests, one module per concern; the
//! names most tests use are re-exported here.

pub mod daemon;
pub mod env;
pub mod match_pages;
pub mod pages;
pub mod pg;
pub mod reopen;
pub mod server;

pub use env::{binary, in_ci, run_binary, Env};
pub use pages::{article_page, story, Furniture};
pub use server::{Reply, Server};
