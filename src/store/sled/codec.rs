//! Keys and values of the sled layout. Keys are big-endian so that prefix and
//! range scans come out in order; values are JSON (version texts: `text_codec`).

use super::{StoreError, WatchId};
use serde::{de::DeserializeOwned, Serialize};

pub fn watch_key(id: WatchId) -> [u8; 8] {
    id.to_be_bytes()
}

/// `watch id ++ version number`
pub fn version_key(id: WatchId, number: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&id.to_be_bytes());
    k[8..].copy_from_slice(&number.to_be_bytes());
    k
}

/// `watch id ++ millis ++ unique` so that a watch's checks scan in time order.
pub fn check_key(id: WatchId, at_ms: i64, unique: u64) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..8].copy_from_slice(&id.to_be_bytes());
    k[8..16].copy_from_slice(&(at_ms.max(0) as u64).to_be_bytes());
    k[16..].copy_from_slice(&unique.to_be_bytes());
    k
}

/// `sink name ++ 0 ++ event seq`
pub fn outbox_key(sink: &str, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(sink.len() + 9);
    k.extend_from_slice(sink.as_bytes());
    k.push(0);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // Serializing our own plain structs to JSON cannot fail.
    serde_json::to_vec(v).unwrap_or_default()
}

pub fn decode<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        tree,
        detail: e.to_string(),
    })
}

pub fn be_u64(tree: &'static str, bytes: &[u8]) -> Result<u64, StoreError> {
    let arr: [u8; 8] = bytes.try_into().map_err(|_| StoreError::Corrupt {
        tree,
        detail: format!("expected 8 bytes, got {}", bytes.len()),
    })?;
    Ok(u64::from_be_bytes(arr))
}

/// Whether `bytes` is a record in JSON, the form every tree was written in
/// before its binary layout (`fp_codec` from 5, `check_codec` from 6,
/// `seen_codec` from 7).
pub fn is_json(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'{')
}

/// Rewrite each record of `tree` that `is_old` says is in an earlier form
/// as `rewrite` gives it back (`None`: left as it is); the number
/// rewritten. A record changed meanwhile is left to its writer
/// (compare-and-swap), so a layout upgrade can run again over its own
/// partial work.
pub fn rewrite_records(
    tree: &sled::Tree,
    is_old: fn(&[u8]) -> bool,
    rewrite: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, StoreError>,
) -> Result<u64, StoreError> {
    let mut rewritten = 0;
    for kv in tree.iter() {
        let (k, v) = kv?;
        if !is_old(&v) {
            continue;
        }
        let Some(new) = rewrite(&v)? else { continue };
        if tree.compare_and_swap(&k, Some(&v), Some(new))?.is_ok() {
            rewritten += 1;
        }
    }
    Ok(rewritten)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_numerically() {
        assert!(version_key(1, 2) < version_key(1, 10));
        assert!(version_key(1, u32::MAX) < version_key(2, 0));
        assert!(check_key(1, 5, 0) < check_key(1, 300, 0));
        assert!(outbox_key("a", 2) < outbox_key("a", 256));
    }
}
