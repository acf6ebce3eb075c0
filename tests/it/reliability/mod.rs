//! Reliability (issue 13): each defect a hostile run found, reproduced with
//! the real binary, real loopback listeners and real sled stores in temp
//! directories. One module per defect.

mod backup;
mod config_limits;
mod cron;
mod csrf;
mod daemon_file;
mod damaged_store;
mod disk_full;
mod export_end;
mod fuzz;
mod http;
mod import_checks;
mod listener;
mod matrix;
mod pipe;
mod schedule_default;
mod web_surface;
