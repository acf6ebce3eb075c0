//! Where in the config text an error is: line number and dotted key.

use super::ConfigError;
use std::path::Path;

pub(super) fn invalid(path: &Path, text: &str, offset: usize, message: String) -> ConfigError {
    let offset = offset.min(text.len());
    let line = text[..offset].matches('\n').count() + 1;
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        key: key_at(text, offset),
        message,
    }
}

/// The dotted key of the `key = value` line containing `offset`, prefixed by
/// the nearest table header above it (`watch.schedule`, `storage.path`).
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    if line.starts_with('[') {
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())?;
    Some(match header {
        Some(h) => format!("{h}.{key}"),
        None => key,
    })
}

/// Byte offset of `key = ` inside `[table]`, or 0.
pub(super) fn find_key(text: &str, table: &str, key: &str) -> usize {
    let mut in_table = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            in_table = t.trim_matches(|c| c == '[' || c == ']').trim() == table;
        } else if in_table && t.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
            return offset;
        }
        offset += line.len();
    }
    0
}
