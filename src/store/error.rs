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
    /// Another process holds the store for itself (sled's exclusive
    /// file lock): a command goes through that process's API instead (see
    /// [`StoreError::held_elsewhere`]). A backend that several processes
    /// share never says this.
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
    /// A database without copydesk's schema key: not ours, not touched.
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
    /// Any other failure of the storage engine, in its own words
    /// (`detail`); `fault` says what kind it is, so that whoever knows the
    /// database's path can name it ([`StoreError::at_path`]). Each backend
    /// maps its engine's errors into this at its boundary.
    #[error("database error: {detail}")]
    Engine { detail: String, fault: EngineFault },
    /// Something this backend cannot do (yet): what, and what to do
    /// instead.
    #[error("not supported by this storage backend: {0}")]
    Unsupported(String),
}

/// What kind of failure a storage engine reported ([`StoreError::Engine`]).
#[derive(Debug)]
pub enum EngineFault {
    /// Reading or writing the engine's files failed (a full disk, a
    /// permission, an I/O error).
    Io(std::io::Error),
    /// The engine found its own data damaged: where, or what it said.
    Damaged(String),
    /// Anything else.
    Other,
}

impl StoreError {
    /// True when another process holds the store for itself, so that a
    /// command must go through that process (the daemon's API) instead of
    /// opening the store: [`StoreError::Locked`].
    pub fn held_elsewhere(&self) -> bool {
        matches!(self, StoreError::Locked { .. })
    }

    /// An engine failure with the database's `path` named: an I/O failure
    /// becomes [`StoreError::Io`] (with the disk-full hint when that is
    /// why), damage [`StoreError::Damaged`] (with what to do); every other
    /// error is returned as it is.
    pub fn at_path(self, path: &str) -> StoreError {
        match self {
            StoreError::Engine {
                fault: EngineFault::Io(io),
                ..
            } => StoreError::Io {
                path: path.to_string(),
                disk_full: is_disk_full(&io),
                detail: io.to_string(),
            },
            StoreError::Engine {
                fault: EngineFault::Damaged(detail),
                ..
            } => StoreError::Damaged {
                path: path.to_string(),
                detail,
            },
            other => other,
        }
    }
}

/// True when an I/O error means the disk (or the quota) is full.
pub fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull
        || e.kind() == std::io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(28) | Some(122))
}

/// The text of a panic's payload (a storage engine's panic is reported as
/// [`StoreError::Damaged`] with it).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}
