//! What can go wrong with the store, in words that say what to do about it.

/// What to do about a damaged database (in error messages).
pub const RECOVERY: &str =
    "restore the last backup (see \"Recovery\" in docs/operations.md), or move the database \
     aside and `copydesk import` your last export into a new one";

/// Said when a write failed for lack of space.
pub const DISK_FULL_HINT: &str =
    " (the disk is full: free some space; `copydesk run` pauses its checks and resumes by itself)";

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("the database at {path} is in use by another copydesk process (is the daemon running? stop it or use its API)")]
    Locked { path: String },
    #[error("the database at {path} has layout version {found}, but this copydesk understands only up to {supported}: upgrade copydesk (or restore a backup made by this version)")]
    NewerSchema {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error(
        "the database at {path} is not a copydesk database (no schema version key but not empty)"
    )]
    Foreign { path: String },
    #[error("version {number} of {url} was written by someone else meanwhile")]
    Conflict { url: String, number: u32 },
    #[error("corrupt record in {tree}: {detail}")]
    Corrupt { tree: &'static str, detail: String },
    #[error("the database at {path} is damaged ({detail}); {RECOVERY}")]
    Damaged { path: String, detail: String },
    #[error("the database at {path} could not be read or written: {detail}{}", if *.disk_full { DISK_FULL_HINT } else { "" })]
    Io {
        path: String,
        detail: String,
        /// The file system is full (or over quota).
        disk_full: bool,
    },
    #[error("database error: {0}")]
    Db(#[from] sled::Error),
}
