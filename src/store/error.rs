//! What can go wrong with the store, in words that say what to do about it.

/// What to do about a damaged database (in error messages).
pub const RECOVERY: &str =
    "restore the last backup (see \"Recovery\" in docs/operations.md), or move the database \
     aside and `copydesk import` your last export into a new one";

/// Said when a write failed for lack of space.
pub const DISK_FULL_HINT: &str =
    " (the disk is full: free some space; `copydesk run` pauses its checks and resumes by itself)";

/// A storage failure.
// The variants' fields are the placeholders of their messages.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such watch, version, feed or rule: what was looked for.
    #[error("not found: {0}")]
    NotFound(String),
    /// Another process holds the database (sled's file lock).
    #[error("the database at {path} is in use by another copydesk process (is the daemon running? stop it or use its API)")]
    Locked { path: String },
    /// A layout written by a newer copydesk: refused, never downgraded.
    #[error("the database at {path} has layout version {found}, but this copydesk understands only up to {supported}: upgrade copydesk (or restore a backup made by this version)")]
    NewerSchema {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error(
        "the database at {path} is not a copydesk database (no schema version key but not empty)"
    )]
    /// A sled database without copydesk's schema key: not ours, not
    /// touched.
    Foreign { path: String },
    /// A version number already stored by another writer: the check's
    /// commit is refused whole.
    #[error("version {number} of {url} was written by someone else meanwhile")]
    Conflict { url: String, number: u32 },
    /// A record that does not decode (or a blocking task that died): the
    /// tree and what went wrong.
    #[error("corrupt record in {tree}: {detail}")]
    Corrupt { tree: &'static str, detail: String },
    /// The database files are damaged: the message says how to recover.
    #[error("the database at {path} is damaged ({detail}); {RECOVERY}")]
    Damaged { path: String, detail: String },
    /// A read or write failed (the disk is full, a permission, an I/O
    /// error).
    #[error("the database at {path} could not be read or written: {detail}{}", if *.disk_full { DISK_FULL_HINT } else { "" })]
    Io {
        path: String,
        detail: String,
        /// The file system is full (or over quota).
        disk_full: bool,
    },
    /// Any other error of the engine.
    #[error("database error: {0}")]
    Db(#[from] sled::Error),
}
