//! The daemon file next to the database (`<storage path>.daemon.json`): how
//! CLI commands find the daemon that holds the store. The daemon writes it
//! atomically once its listener is bound and removes it on every exit it
//! lives through ([`DaemonFile`] removes it when dropped, on errors and
//! panics too); a `kill -9` leaves it behind, so a reader trusts it only
//! when the pid is alive and the daemon at its address confirms that it
//! serves this very store (the store id, see `GET /api/v1/identity`).

use std::path::{Path, PathBuf};

/// The file next to the database that names the running daemon's API.
pub fn daemon_file(storage_path: &Path) -> PathBuf {
    let mut name = storage_path.as_os_str().to_owned();
    name.push(".daemon.json");
    PathBuf::from(name)
}

/// What the daemon file holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DaemonInfo {
    /// Base URL of the API, e.g. `http://127.0.0.1:8765`.
    pub url: String,
    /// The daemon's process id (a file whose process is gone is stale).
    pub pid: u32,
    /// The id of the store the daemon holds (absent in files written before
    /// store ids existed: such a file is not trusted).
    #[serde(default)]
    pub store_id: Option<String>,
}

/// What `GET /api/v1/identity` answers: which store this daemon holds.
pub use crate::web::api::identity::Identity;

/// The daemon file of a running daemon; removed when dropped.
pub struct DaemonFile {
    path: PathBuf,
}

impl DaemonFile {
    /// Write `info` to `path` (through a temp file and a rename, so that a
    /// reader never sees half a file).
    pub fn write(path: &Path, info: &DaemonInfo) -> std::io::Result<DaemonFile> {
        let text = serde_json::to_string(info).map_err(std::io::Error::other)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text)?;
        if let Err(e) = std::fs::rename(&tmp, path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(DaemonFile {
            path: path.to_path_buf(),
        })
    }
}

impl Drop for DaemonFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Read a daemon file; `None` when absent or unreadable.
pub fn read(path: &Path) -> Option<DaemonInfo> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
}

/// Whether a process with this pid runs on this machine; `None` where that
/// cannot be told (no `/proc`).
pub fn pid_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    Some(pid != 0 && proc.join(pid.to_string()).exists())
}
