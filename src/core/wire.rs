//! The spellings values have on the wire (the JSON API, payloads, exports),
//! for log fields: a log pipeline sees `new_version`, not `NewVersion`.

use chrono::{DateTime, Utc};

/// The JSON spelling of a value: a string as it is serialized
/// (`not_modified`), anything else as its JSON text.
pub fn name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(v) => v.to_string(),
        Err(_) => String::new(),
    }
}

/// An optional time as the API writes it (RFC 3339), or `none`.
pub fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(super::event::rfc3339)
        .unwrap_or_else(|| "none".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Outcome {
        NotModified,
    }

    #[test]
    fn spellings_are_the_json_ones() {
        assert_eq!(name(&Outcome::NotModified), "not_modified");
        assert_eq!(name(&3), "3");
        let t = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(time(Some(t)), "2026-11-30T10:00:00Z");
        assert_eq!(time(None), "none");
    }
}
