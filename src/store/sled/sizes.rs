//! What each tree holds: records and the bytes of their keys and values
//! (what the records cost before sled's own overhead), for the storage
//! benchmarks and for finding where a store's disk goes.

use super::SledStore;
use crate::store::StoreError;

/// One tree's live records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TreeSize {
    /// The tree's name.
    pub tree: String,
    /// Its records.
    pub records: u64,
    /// The bytes of their keys.
    pub key_bytes: u64,
    /// The bytes of their values.
    pub value_bytes: u64,
}

impl SledStore {
    /// Every tree's records and bytes, in sled's order of tree names (a
    /// walk of the whole store: for tools and benchmarks, not /metrics).
    pub fn tree_sizes(&self) -> Result<Vec<TreeSize>, StoreError> {
        let mut out = Vec::new();
        for name in self.db().tree_names() {
            let tree = self.db().open_tree(&name)?;
            let mut s = TreeSize {
                tree: String::from_utf8_lossy(&name).into_owned(),
                records: 0,
                key_bytes: 0,
                value_bytes: 0,
            };
            for kv in tree.iter() {
                let (k, v) = kv?;
                s.records += 1;
                s.key_bytes += k.len() as u64;
                s.value_bytes += v.len() as u64;
            }
            out.push(s);
        }
        Ok(out)
    }
}
