//! The pure core: values in, values out. Nothing here touches the network,
//! the disk or an async runtime, so every piece can be tested and benchmarked
//! on its own.

pub mod article;
pub mod cadence;
pub mod diff;
pub mod event;
pub mod extract;
pub mod feed;
pub mod liveness;
// The republication work in progress (issue 14) changes these files; their
// docs are filled after it lands.
#[allow(missing_docs)]
pub mod matching;
pub mod netaddr;
pub mod normalize;
pub mod outlet;
pub mod robots;
pub mod schedule;
pub mod sitemap;
pub mod space;
pub mod template;
pub mod url;
pub mod wire;

pub use article::Article;
