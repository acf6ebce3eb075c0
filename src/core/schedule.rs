//! Schedule arithmetic: crontab lines (5 fields, or 6 with seconds) with
//! crontab meaning, translated for the `cron` crate, and next-due times.
//!
//! The `cron` crate wants 6 or 7 fields, numbers Sunday as 1 and ANDs
//! day-of-month with day-of-week. Crontab numbers Sunday 0 (or 7) and ORs the
//! two day fields when both are restricted. [`Schedule`] accepts crontab text
//! and keeps crontab meaning.

use chrono::{DateTime, Utc};
use std::str::FromStr;

/// A parsed crontab schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    source: String,
    /// One cron schedule, or two whose union is the crontab meaning (day of
    /// month OR day of week).
    parts: Vec<cron::Schedule>,
}

/// A schedule that could not be parsed; the message says what to write.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("invalid schedule {expr:?}: {reason} (write crontab's 5 fields \"min hour day month weekday\", e.g. \"*/15 * * * *\", or 6 with seconds first, or \"adaptive\" for the young-article cadence)")]
pub struct ScheduleError {
    /// The schedule as written.
    pub expr: String,
    /// What is wrong with it (the field out of range, the field count, ...).
    pub reason: String,
}

impl Schedule {
    /// A crontab line: 5 fields (minute first), or 6 with seconds first;
    /// when both day fields are restricted a day matches if either does,
    /// as in crontab.
    pub fn parse(expr: &str) -> Result<Schedule, ScheduleError> {
        let err = |reason: String| ScheduleError {
            expr: expr.to_string(),
            reason,
        };
        let fields: Vec<&str> = expr.split_whitespace().collect();
        let (sec, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 => (fields[0], &fields[1..]),
            n => return Err(err(format!("{n} fields"))),
        };
        let (min, hour, dom, month, dow) = (rest[0], rest[1], rest[2], rest[3], rest[4]);
        for (name, field, lo, hi) in [
            ("second", sec, 0, 59),
            ("minute", min, 0, 59),
            ("hour", hour, 0, 23),
            ("day of month", dom, 1, 31),
            ("month", month, 1, 12),
        ] {
            check_field(name, field, lo, hi).map_err(err)?;
        }
        let dow = translate_dow(dow).map_err(err)?;
        let build = |dom: &str, dow: &str| {
            let text = format!("{sec} {min} {hour} {dom} {month} {dow}");
            cron::Schedule::from_str(&text).map_err(|e| err(e.to_string()))
        };
        // crontab: when both day fields are restricted, a day matches if either does.
        let restricted = |f: &str| !(f == "*" || f == "?");
        let parts = if restricted(dom) && restricted(&dow) {
            vec![build(dom, "*")?, build("*", &dow)?]
        } else {
            vec![build(dom, &dow)?]
        };
        let schedule = Schedule {
            source: expr.to_string(),
            parts,
        };
        // `0 0 31 2 *` parses but never fires: refuse it here rather than
        // retire the watch later. Every date pattern repeats within four
        // years (29 February included), so one firing within four years
        // of a fixed day says it fires.
        let reference = NEVER_FIRES_REFERENCE.and_utc();
        let horizon = reference + chrono::Duration::days(NEVER_FIRES_DAYS);
        if schedule
            .next_after(reference)
            .is_none_or(|next| next > horizon)
        {
            return Err(err(
                "it never fires (no date within four years matches all its fields)".into(),
            ));
        }
        Ok(schedule)
    }

    /// The first time strictly after `after` that the schedule fires.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.parts
            .iter()
            .filter_map(|s| s.after(&after).next())
            .min()
    }

    /// The expression as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

/// The day from which [`Schedule::parse`] looks for a firing: the day
/// after a 29 February, so that a leap-day schedule fires within the
/// horizon.
const NEVER_FIRES_REFERENCE: chrono::NaiveDateTime =
    match chrono::NaiveDate::from_ymd_opt(2024, 3, 1) {
        Some(d) => d.and_time(chrono::NaiveTime::MIN),
        None => chrono::NaiveDateTime::MIN,
    };
/// Four years and a day: every date pattern that fires at all fires within it.
const NEVER_FIRES_DAYS: i64 = 4 * 365 + 2;

/// Numbers in one field (`*`, `a`, `a-b`, with an optional `/step`, comma
/// separated) within `lo..=hi`, named with the field's real range (the
/// `cron` crate's own message says "less than 59" for minutes).
fn check_field(name: &str, field: &str, lo: u32, hi: u32) -> Result<(), String> {
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(step) = step {
            match step.parse::<u32>() {
                Ok(0) => return Err(format!("{name} step 0 never advances (write 1 or more)")),
                Ok(n) if n > hi => return Err(format!("{name} step {n} is out of range 1-{hi}")),
                Ok(_) => {}
                Err(_) => return Err(format!("{name} step {step:?} is not a number")),
            }
        }
        let ends: Vec<&str> = match range.split_once('-') {
            Some((a, b)) => vec![a, b],
            None => vec![range],
        };
        for end in ends {
            // `*`, `?` and names (JAN) are left to the cron crate
            if let Ok(n) = end.parse::<u32>() {
                if n < lo || n > hi {
                    return Err(format!("{name} {n} is out of range {lo}-{hi}"));
                }
            }
        }
    }
    Ok(())
}

/// Crontab weekday numbers (0-7, Sunday = 0 or 7) to the cron crate's (1-7,
/// Sunday = 1). Names pass through unchanged.
fn translate_dow(field: &str) -> Result<String, String> {
    let num = |s: &str| -> Result<String, String> {
        match s.parse::<u8>() {
            Ok(n @ 0..=7) => Ok(((n % 7) + 1).to_string()),
            Ok(n) => Err(format!("day of week {n} is out of range 0-7")),
            Err(_) => Ok(s.to_string()), // a name such as MON
        }
    };
    let mut out = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        let range = match range.split_once('-') {
            // 1-7 in crontab means Mon..Sun: keep it a valid ascending range
            Some((a, b)) => {
                let (a2, b2) = (num(a)?, num(b)?);
                match (a2.parse::<u8>(), b2.parse::<u8>()) {
                    (Ok(x), Ok(y)) if x > y => {
                        // wraps past Sunday: split into two ranges
                        out.push(format!("{x}-7"));
                        format!("1-{y}")
                    }
                    _ => format!("{a2}-{b2}"),
                }
            }
            None if range == "*" || range == "?" => range.to_string(),
            None => num(range)?,
        };
        out.push(match step {
            Some(s) => format!("{range}/{s}"),
            None => range,
        });
    }
    Ok(out.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Timelike, Weekday};

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid test time")
    }

    #[test]
    fn five_fields_mean_minutes() {
        let s = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(
            s.next_after(at(2026, 1, 1, 10, 1)),
            Some(at(2026, 1, 1, 10, 15))
        );
    }

    #[test]
    fn six_fields_have_seconds() {
        let s = Schedule::parse("*/2 * * * * *").unwrap();
        let t = at(2026, 1, 1, 10, 0);
        assert_eq!(s.next_after(t), Some(t + chrono::Duration::seconds(2)));
    }

    #[test]
    fn sunday_is_zero_and_seven() {
        // 2026-01-01 is a Thursday
        for expr in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN"] {
            let n = Schedule::parse(expr)
                .unwrap()
                .next_after(at(2026, 1, 1, 0, 0))
                .unwrap();
            assert_eq!(n.weekday(), Weekday::Sun, "{expr}");
            assert_eq!(n.hour(), 9);
        }
        let n = Schedule::parse("0 9 * * 1-5")
            .unwrap()
            .next_after(at(2026, 1, 3, 0, 0))
            .unwrap();
        assert_eq!(n.weekday(), Weekday::Mon, "Saturday -> Monday for 1-5");
        let n = Schedule::parse("0 9 * * 5-0")
            .unwrap()
            .next_after(at(2026, 1, 3, 10, 0))
            .unwrap();
        assert_eq!(n.weekday(), Weekday::Sun, "5-0 wraps to Sunday");
    }

    #[test]
    fn day_fields_are_ored_like_crontab() {
        // the 13th, or any Friday: from Thu 2026-01-01 the next is Fri 2026-01-02
        let s = Schedule::parse("0 0 13 * 5").unwrap();
        assert_eq!(
            s.next_after(at(2026, 1, 1, 0, 0)),
            Some(at(2026, 1, 2, 0, 0))
        );
        // and from Sat 2026-01-10 the next is Tue 13th
        assert_eq!(
            s.next_after(at(2026, 1, 10, 0, 0)),
            Some(at(2026, 1, 13, 0, 0))
        );
    }

    #[test]
    fn ranges_are_named_and_never_firing_lines_refused() {
        let e = Schedule::parse("61 * * * *").unwrap_err();
        assert!(e.reason.contains("minute 61 is out of range 0-59"), "{e}");
        assert!(Schedule::parse("59 23 31 12 *").is_ok());
        let e = Schedule::parse("0 0 31 2 *").unwrap_err();
        assert!(e.reason.contains("never fires"), "{e}");
        assert!(Schedule::parse("0 0 29 2 *").is_ok(), "a leap day fires");
        assert!(Schedule::parse("*/0 * * * *").is_err());
    }

    #[test]
    fn bad_expressions_say_what_to_write() {
        for bad in ["", "* * *", "61 * * * *", "* * * * 9", "every hour"] {
            let e = Schedule::parse(bad).unwrap_err();
            assert!(e.to_string().contains("crontab"), "{bad}: {e}");
        }
    }
}
