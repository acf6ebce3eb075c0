//! Reliability (issue 13): each defect a hostile run found, reproduced with
//! the real binary, real loopback listeners and real sled stores in temp
//! directories. One test binary, one module per defect.

#[path = "../common/mod.rs"]
mod common;

mod config_limits;
mod daemon_file;
mod damaged_store;
mod export_end;
mod http;
mod listener;
