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
