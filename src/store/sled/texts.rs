//! Version texts in `texts` and `text_bases` (layout 6 on): a new version's
//! text is stored as a delta against the text of the watch's previous
//! version when that is smaller ([`text_codec`]), and `text_bases` records
//! which texts are the bases of others, so that collecting a text never
//! breaks a delta that is still read.
//!
//! | tree         | key                            | value |
//! |--------------|--------------------------------|-------|
//! | `text_bases` | base hash ++ dependent hash    | empty |
//!
//! A delta is only ever written for a text that is not stored yet, against
//! a text that is, so chains never loop; [`SledStore::text_json`] still
//! refuses a chain longer than [`text_codec::MAX_DEPTH`].

use super::codec::{self, decode};
use super::text_codec::{self, Stored};
use super::{SledStore, StoreError, VersionMeta, WatchId};
use crate::core::normalize::ContentHash;
use crate::core::Article;
use sled::transaction::Transactional;

/// `base ++ dependent` in `text_bases`.
pub(super) fn base_key(base: &[u8; 16], dependent: &[u8; 16]) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(base);
    k[16..].copy_from_slice(dependent);
    k
}

/// A new version's text, ready for the check's transaction.
pub(super) struct NewText {
    /// The whole form (always, in case the base is gone by the commit).
    pub whole: Vec<u8>,
    /// The delta form and its base, when smaller.
    pub delta: Option<([u8; 16], Vec<u8>)>,
}

impl SledStore {
    /// The JSON of the text with `hash` and its depth, undoing its deltas.
    pub(super) fn text_json(&self, hash: &[u8; 16]) -> Result<(Vec<u8>, u8), StoreError> {
        let missing = |h: &[u8; 16]| StoreError::Corrupt {
            tree: "texts",
            detail: format!("text {} is missing", ContentHash::from_bytes(*h)),
        };
        let first = self.texts.get(hash)?.ok_or_else(|| missing(hash))?;
        let depth = text_codec::parse(&first)?.depth();
        // the frames from this text down to a whole one
        let mut chain = vec![first];
        loop {
            let last = chain.last().map(|v| v.to_vec()).unwrap_or_default();
            match text_codec::parse(&last)? {
                Stored::Whole(_) => break,
                Stored::Delta { base, depth: d, .. } => {
                    if chain.len() > usize::from(text_codec::MAX_DEPTH) {
                        return Err(StoreError::Corrupt {
                            tree: "texts",
                            detail: "a chain of deltas longer than allowed (a loop?)".into(),
                        });
                    }
                    let next = self.texts.get(base)?.ok_or_else(|| missing(&base))?;
                    if text_codec::parse(&next)?.depth() + 1 != d {
                        return Err(StoreError::Corrupt {
                            tree: "texts",
                            detail: format!(
                                "a delta of depth {d} on a text of depth {}",
                                text_codec::parse(&next)?.depth()
                            ),
                        });
                    }
                    chain.push(next);
                }
            }
        }
        let mut json = Vec::new();
        for (i, bytes) in chain.iter().rev().enumerate() {
            json = match text_codec::parse(bytes)? {
                Stored::Whole(frame) if i == 0 => text_codec::unpack(frame, None)?,
                Stored::Delta { frame, .. } if i > 0 => text_codec::unpack(frame, Some(&json))?,
                _ => {
                    return Err(StoreError::Corrupt {
                        tree: "texts",
                        detail: "a chain of deltas that does not end in a whole text".into(),
                    })
                }
            };
        }
        Ok((json, depth))
    }

    /// The article with `hash`.
    pub(super) fn load_text(&self, hash: ContentHash) -> Result<Article, StoreError> {
        let (json, _) = self.text_json(&hash.to_bytes())?;
        decode("texts", &json)
    }

    /// Encode version `number` of watch `id`: whole, and as a delta against
    /// the text of version `number - 1` when there is one.
    pub(super) fn prepare_text(
        &self,
        id: WatchId,
        number: u32,
        article: &Article,
    ) -> Result<NewText, StoreError> {
        let json = codec::encode(article);
        let whole = text_codec::whole(&json);
        let mut delta = None;
        if let Some(prev) = number.checked_sub(1).filter(|n| *n > 0) {
            if let Some(v) = self.versions.get(codec::version_key(id, prev))? {
                let meta: VersionMeta = decode("versions", &v)?;
                let base = meta.hash.to_bytes();
                if self.texts.contains_key(base)? {
                    let (base_json, depth) = self.text_json(&base)?;
                    delta = text_codec::delta(&json, base, depth, &base_json, whole.len())
                        .map(|d| (base, d));
                }
            }
        }
        Ok(NewText { whole, delta })
    }

    /// The base of the stored text `bytes`, if it is a delta.
    pub(super) fn base_of(bytes: &[u8]) -> Option<[u8; 16]> {
        match text_codec::parse(bytes) {
            Ok(Stored::Delta { base, .. }) => Some(base),
            _ => None,
        }
    }

    /// Whether some stored delta is based on the text with `hash`.
    pub(super) fn has_dependents(&self, hash: &[u8; 16]) -> Result<bool, StoreError> {
        Ok(self
            .text_bases
            .scan_prefix(hash)
            .next()
            .transpose()?
            .is_some())
    }
}

impl SledStore {
    /// Layout 5 -> 6: every whole text of a version that has a previous
    /// version with another text becomes a delta on that text when smaller.
    /// Each text is rewritten in its own transaction and a text already a
    /// delta is left alone, so an upgrade interrupted by a crash finishes at
    /// the next open. Returns the texts rewritten and the bytes saved.
    pub(super) fn rewrite_texts_as_deltas(&self) -> Result<(u64, u64), StoreError> {
        let (mut rewritten, mut saved) = (0u64, 0u64);
        let mut prev: Option<(WatchId, [u8; 16])> = None;
        for kv in self.versions.iter() {
            let (k, v) = kv?;
            let id = codec::be_u64("versions", k.get(..8).unwrap_or_default())?;
            let hash = decode::<VersionMeta>("versions", &v)?.hash.to_bytes();
            let base = match prev {
                Some((pid, b)) if pid == id && b != hash => Some(b),
                _ => None,
            };
            prev = Some((id, hash));
            let Some(base) = base else { continue };
            let Some(current) = self.texts.get(hash)? else {
                continue;
            };
            let Ok(Stored::Whole(frame)) = text_codec::parse(&current) else {
                continue;
            };
            // a text others are deltas on keeps its depth (theirs count on
            // it); a base must not lead back to the text
            if !self.texts.contains_key(base)?
                || self.has_dependents(&hash)?
                || self.chain_contains(&base, &hash)?
            {
                continue;
            }
            let json = text_codec::unpack(frame, None)?;
            let (base_json, depth) = self.text_json(&base)?;
            let Some(delta) = text_codec::delta(&json, base, depth, &base_json, current.len())
            else {
                continue;
            };
            // only over the whole text just read, and only while the base is there
            let done = (&self.texts, &self.text_bases)
                .transaction(|(tt, tb)| -> sled::transaction::ConflictableTransactionResult<bool, StoreError> {
                    if tt.get(hash)?.as_deref() != Some(&current[..]) || tt.get(base)?.is_none() {
                        return Ok(false);
                    }
                    tt.insert(&hash, delta.as_slice())?;
                    tb.insert(&base_key(&base, &hash), &[])?;
                    Ok(true)
                })
                .map_err(super::tx_error)?;
            if done {
                rewritten += 1;
                saved += (current.len() - delta.len()) as u64;
            }
        }
        Ok((rewritten, saved))
    }

    /// Whether `needle` is `from` or one of the texts `from` is a delta on.
    fn chain_contains(&self, from: &[u8; 16], needle: &[u8; 16]) -> Result<bool, StoreError> {
        let mut at = *from;
        for _ in 0..=text_codec::MAX_DEPTH {
            if &at == needle {
                return Ok(true);
            }
            match self.texts.get(at)? {
                Some(bytes) => match SledStore::base_of(&bytes) {
                    Some(b) => at = b,
                    None => return Ok(false),
                },
                None => return Ok(false),
            }
        }
        Ok(true) // too long to tell: leave the text whole
    }
}
