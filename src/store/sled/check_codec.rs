//! The binary form of a [`CheckRecord`] in `checks` (layout 6 on): a
//! watch keeps its last [`crate::store::CHECKS_KEPT_PER_WATCH`] checks, and
//! as JSON an ordinary check cost about 160 bytes; this form costs about 20.
//!
//! ```text
//! 0x01  at (secs i64, nanos u32) | outcome u8 | flags u8
//!       | http_status u16 (flag 1) | version u32 (flag 2)
//!       | duration_ms varint
//!       | the rest as JSON, to the end (flag 4): failure, reason,
//!         final_url, confirmation (only on checks that failed, were
//!         redirected or confirmed a change)
//! ```
//!
//! A JSON record (it starts with `{`) is still read: layouts 1-5 wrote
//! them, and the upgrade to 6 rewrites them one by one.

use super::bin::{put_time, put_varint, Reader};
use super::codec::{decode, encode};
use crate::store::{CheckRecord, Confirmation, Failure, Outcome, StoreError};
use serde::{Deserialize, Serialize};

const TAG: u8 = 0x01;
const TREE: &str = "checks";
const HAS_STATUS: u8 = 1;
const HAS_VERSION: u8 = 2;
const HAS_REST: u8 = 4;

/// The fields a check has only when something unusual happened.
#[derive(Serialize, Deserialize, Default)]
struct Rest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<Failure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    final_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confirmation: Option<Confirmation>,
}

fn outcome_byte(o: Outcome) -> u8 {
    match o {
        Outcome::NewVersion => 0,
        Outcome::Unchanged => 1,
        Outcome::NotModified => 2,
        Outcome::Failed => 3,
    }
}

/// The binary record.
pub fn encode_check(r: &CheckRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    out.push(TAG);
    put_time(&mut out, r.at);
    out.push(outcome_byte(r.outcome));
    let rest = Rest {
        failure: r.failure.clone(),
        reason: r.reason.clone(),
        final_url: r.final_url.clone(),
        confirmation: r.confirmation.clone(),
    };
    let has_rest = rest.failure.is_some()
        || rest.reason.is_some()
        || rest.final_url.is_some()
        || rest.confirmation.is_some();
    let flags = u8::from(r.http_status.is_some()) * HAS_STATUS
        + u8::from(r.version.is_some()) * HAS_VERSION
        + u8::from(has_rest) * HAS_REST;
    out.push(flags);
    if let Some(s) = r.http_status {
        out.extend_from_slice(&s.to_be_bytes());
    }
    if let Some(v) = r.version {
        out.extend_from_slice(&v.to_be_bytes());
    }
    put_varint(&mut out, r.duration_ms);
    if has_rest {
        out.extend_from_slice(&encode(&rest));
    }
    out
}

/// A record in either form: binary, or the JSON of layouts 1-5.
pub fn decode_check(bytes: &[u8]) -> Result<CheckRecord, StoreError> {
    match bytes.first() {
        Some(&TAG) => read(Reader::new(TREE, bytes, 1)),
        _ => decode(TREE, bytes),
    }
}

pub use super::codec::is_json;

fn read(mut r: Reader<'_>) -> Result<CheckRecord, StoreError> {
    let at = r.time()?;
    let outcome = match r.array::<1>()?[0] {
        0 => Outcome::NewVersion,
        1 => Outcome::Unchanged,
        2 => Outcome::NotModified,
        3 => Outcome::Failed,
        b => return Err(r.corrupt(format!("outcome {b}"))),
    };
    let flags = r.array::<1>()?[0];
    if flags & !(HAS_STATUS | HAS_VERSION | HAS_REST) != 0 {
        return Err(r.corrupt(format!("flags {flags:#04x}")));
    }
    let http_status = (flags & HAS_STATUS != 0)
        .then(|| r.array().map(u16::from_be_bytes))
        .transpose()?;
    let version = (flags & HAS_VERSION != 0)
        .then(|| r.array().map(u32::from_be_bytes))
        .transpose()?;
    let duration_ms = r.varint()?;
    let rest: Rest = if flags & HAS_REST != 0 {
        decode(TREE, r.rest())?
    } else {
        r.end()?;
        Rest::default()
    };
    Ok(CheckRecord {
        at,
        outcome,
        http_status,
        failure: rest.failure,
        reason: rest.reason,
        version,
        duration_ms,
        final_url: rest.final_url,
        confirmation: rest.confirmation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConfirmResult;
    use chrono::DateTime;

    fn plain() -> CheckRecord {
        CheckRecord {
            at: DateTime::from_timestamp(1_767_225_600, 123_456_789).unwrap(),
            outcome: Outcome::Unchanged,
            http_status: Some(200),
            failure: None,
            reason: None,
            version: None,
            duration_ms: 312,
            final_url: None,
            confirmation: None,
        }
    }

    fn unusual() -> CheckRecord {
        CheckRecord {
            outcome: Outcome::NewVersion,
            failure: Some(Failure::Other("a kind from elsewhere".into())),
            reason: Some("the reason — ü".into()),
            version: Some(u32::MAX),
            duration_ms: u64::MAX,
            final_url: Some("https://a.example/b".into()),
            confirmation: Some(Confirmation {
                result: ConfirmResult::NoiseDropped,
                delay_ms: 3_000,
                noise_lines: 2,
                headline_differed: true,
                reason: None,
                fetches: 3,
            }),
            ..plain()
        }
    }

    #[test]
    fn records_round_trip_and_a_plain_one_is_small() {
        for r in [plain(), unusual()] {
            let bin = encode_check(&r);
            assert!(!is_json(&bin));
            assert_eq!(decode_check(&bin).unwrap(), r);
            let json = encode(&r);
            assert!(is_json(&json));
            assert_eq!(
                decode_check(&json).unwrap(),
                r,
                "the old form is still read"
            );
        }
        let failed = CheckRecord {
            outcome: Outcome::Failed,
            http_status: None,
            failure: Some(Failure::NoArticle),
            ..plain()
        };
        assert_eq!(decode_check(&encode_check(&failed)).unwrap(), failed);
        let (bin, json) = (encode_check(&plain()), encode(&plain()));
        assert!(bin.len() <= 20, "{} bytes", bin.len());
        assert!(
            bin.len() * 5 < json.len(),
            "{} vs {}",
            bin.len(),
            json.len()
        );
    }

    #[test]
    fn a_damaged_record_is_an_error_not_a_panic() {
        for r in [plain(), unusual()] {
            let bin = encode_check(&r);
            for cut in 0..bin.len() {
                assert!(decode_check(&bin[..cut]).is_err(), "cut at {cut}");
            }
        }
        let mut longer = encode_check(&plain());
        longer.push(0);
        assert!(decode_check(&longer).is_err());
        let mut bad_outcome = encode_check(&plain());
        bad_outcome[13] = 9;
        assert!(matches!(
            decode_check(&bad_outcome),
            Err(StoreError::Corrupt { tree: "checks", .. })
        ));
        let mut bad_flags = encode_check(&plain());
        bad_flags[14] = 0x80;
        assert!(decode_check(&bad_flags).is_err());
    }
}
