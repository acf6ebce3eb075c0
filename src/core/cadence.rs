//! When a watch is next due: its crontab schedule, or the adaptive cadence
//! for young articles, then jitter, failure backoff and `Retry-After`. Pure
//! arithmetic over times; the daemon and `check` both call [`next_due`].

use crate::core::schedule::{Schedule, ScheduleError};
use chrono::{DateTime, Duration, Utc};

/// The word that selects the adaptive cadence where a crontab line goes.
pub const ADAPTIVE: &str = "adaptive";

/// Share of the interval added as jitter, so that watches on one schedule do
/// not all fire in the same second.
pub const JITTER_SHARE: f64 = 0.1;
/// Jitter never exceeds this, whatever the interval.
pub const MAX_JITTER: Duration = Duration::seconds(120);
/// Longest wait that failure backoff imposes.
pub const MAX_BACKOFF: Duration = Duration::hours(6);

/// `t + d`, or the latest representable time when that overflows: a
/// schedule as long as the config allows must never crash a check.
pub fn later(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Check young articles often and old ones rarely: each step is (age up to,
/// check every); past the last step `then`; past `stop_after` not at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Adaptive {
    /// `(age up to, check every)`, in increasing age; the first step whose
    /// age bound the article is under gives its interval.
    pub steps: Vec<(Duration, Duration)>,
    /// The interval for an article older than every step.
    pub then: Duration,
    /// Past this age (counted from the earlier of first seen and published)
    /// the watch is no longer checked.
    pub stop_after: Duration,
}

impl Default for Adaptive {
    /// Every 10 min in the first 3 hours, hourly in the first day, every
    /// 6 hours in the first week, then daily; stop after 30 days.
    fn default() -> Self {
        Adaptive {
            steps: vec![
                (Duration::hours(3), Duration::minutes(10)),
                (Duration::hours(24), Duration::hours(1)),
                (Duration::days(7), Duration::hours(6)),
            ],
            then: Duration::days(1),
            stop_after: Duration::days(30),
        }
    }
}

impl Adaptive {
    /// The interval for an article of this age.
    pub fn interval(&self, age: Duration) -> Duration {
        self.steps
            .iter()
            .find(|(upto, _)| age < *upto)
            .map(|(_, every)| *every)
            .unwrap_or(self.then)
    }
}

/// How a watch is scheduled.
#[derive(Debug, Clone)]
pub enum Plan {
    /// At the times of a crontab line (with jitter).
    Cron(Schedule),
    /// By the article's age and its last change, with these steps.
    Adaptive(Adaptive),
}

/// A schedule as written in the config or on the command line: a crontab
/// line, or [`ADAPTIVE`] (whose parameters come from `[schedule.adaptive]`).
#[derive(Debug, Clone)]
pub enum ScheduleSpec {
    /// A crontab line, parsed.
    Cron(Schedule),
    /// The word [`ADAPTIVE`]; its steps are filled in by [`ScheduleSpec::plan`].
    Adaptive,
}

impl ScheduleSpec {
    /// [`ADAPTIVE`] (any case, surrounding spaces ignored) or a crontab
    /// line; a line the crontab parser refuses is an error.
    pub fn parse(text: &str) -> Result<ScheduleSpec, ScheduleError> {
        if text.trim().eq_ignore_ascii_case(ADAPTIVE) {
            return Ok(ScheduleSpec::Adaptive);
        }
        Schedule::parse(text).map(ScheduleSpec::Cron)
    }

    /// The plan to schedule with, taking the adaptive steps from
    /// `adaptive` (the config's `[schedule.adaptive]`) when this is
    /// [`ScheduleSpec::Adaptive`].
    pub fn plan(&self, adaptive: &Adaptive) -> Plan {
        match self {
            ScheduleSpec::Cron(s) => Plan::Cron(s.clone()),
            ScheduleSpec::Adaptive => Plan::Adaptive(adaptive.clone()),
        }
    }
}

impl std::fmt::Display for ScheduleSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScheduleSpec::Cron(s) => s.fmt(f),
            ScheduleSpec::Adaptive => f.write_str(ADAPTIVE),
        }
    }
}

/// What the schedule needs to know about a watch.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    /// When copydesk first saw the article (the watch was added).
    pub first_seen: Option<DateTime<Utc>>,
    /// The article's own published time, when the page gives one.
    pub published: Option<DateTime<Utc>>,
    /// When the latest version was stored.
    pub last_changed: Option<DateTime<Utc>>,
    /// Failed checks in a row (0 after a success); from the second one on,
    /// each doubles the wait, up to [`MAX_BACKOFF`].
    pub consecutive_failures: u32,
    /// The server asked to wait this long (`Retry-After`).
    pub retry_after: Option<std::time::Duration>,
}

/// The next time to check, after a check that ended at `now`; `None` when
/// an adaptive watch is past its `stop_after` age. `key` spreads the jitter
/// (use a hash of the URL): the same key and time give the same answer.
pub fn next_due(plan: &Plan, t: &Timing, now: DateTime<Utc>, key: u64) -> Option<DateTime<Utc>> {
    let (base, interval) = match plan {
        Plan::Cron(s) => {
            let next = s.next_after(now)?;
            let after = s
                .next_after(next)
                .unwrap_or_else(|| later(next, Duration::days(1)));
            (next, after - next)
        }
        Plan::Adaptive(a) => {
            // the article's age, from its published time when that is earlier
            let born = match (t.first_seen, t.published) {
                (Some(f), Some(p)) => f.min(p),
                (f, p) => f.or(p).unwrap_or(now),
            };
            let age = now.signed_duration_since(born);
            if age > a.stop_after {
                return None;
            }
            // a recent change makes an article count as young again
            let since_change = t.last_changed.map(|c| now - c).unwrap_or(age);
            let every = a.interval(age).min(a.interval(since_change));
            (later(now, every), every)
        }
    };
    let mut due = later(base, jitter(interval, key, base));
    if t.consecutive_failures > 0 {
        let doublings = (t.consecutive_failures - 1).min(16);
        let wait = interval
            .checked_mul(1 << doublings)
            .unwrap_or(MAX_BACKOFF)
            .min(MAX_BACKOFF)
            .max(interval);
        due = due.max(later(now, wait));
    }
    if let Some(ra) = t.retry_after.and_then(|d| Duration::from_std(d).ok()) {
        due = due.max(later(now, ra.min(MAX_BACKOFF * 4)));
    }
    Some(due)
}

/// A delay in `[0, min(interval * JITTER_SHARE, MAX_JITTER))`, fixed by
/// `key` and the nominal time.
pub fn jitter(interval: Duration, key: u64, at: DateTime<Utc>) -> Duration {
    let span = (interval.num_milliseconds() as f64 * JITTER_SHARE)
        .min(MAX_JITTER.num_milliseconds() as f64)
        .max(0.0) as u64;
    if span == 0 {
        return Duration::zero();
    }
    let h = xxhash_rust::xxh3::xxh3_64_with_seed(&at.timestamp_millis().to_le_bytes(), key);
    Duration::milliseconds((h % span) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn specs_parse() {
        assert!(matches!(
            ScheduleSpec::parse(" Adaptive "),
            Ok(ScheduleSpec::Adaptive)
        ));
        let s = ScheduleSpec::parse("*/5 * * * *").unwrap();
        assert_eq!(s.to_string(), "*/5 * * * *");
        let e = ScheduleSpec::parse("hourly").unwrap_err().to_string();
        assert!(e.contains("adaptive"), "{e}");
    }

    #[test]
    fn cron_plan_fires_on_schedule_plus_small_jitter() {
        let plan = Plan::Cron(Schedule::parse("*/30 * * * *").unwrap());
        let now = t("2026-11-25T10:07:00Z");
        let due = next_due(&plan, &Timing::default(), now, 42).unwrap();
        assert!(
            due >= t("2026-11-25T10:30:00Z") && due < t("2026-11-25T10:32:00Z"),
            "{due}"
        );
        // different keys spread out
        let dues: std::collections::HashSet<_> = (0..50)
            .map(|k| next_due(&plan, &Timing::default(), now, k).unwrap())
            .collect();
        assert!(dues.len() > 40);
        // a 2-second schedule gets at most 0.2 s of jitter
        let fast = Plan::Cron(Schedule::parse("*/2 * * * * *").unwrap());
        let due = next_due(&fast, &Timing::default(), t("2026-11-25T10:00:00.500Z"), 7).unwrap();
        assert!(
            due >= t("2026-11-25T10:00:02Z") && due < t("2026-11-25T10:00:02.200Z"),
            "{due}"
        );
    }

    #[test]
    fn adaptive_slows_with_age_and_stops() {
        let plan = Plan::Adaptive(Adaptive::default());
        let born = t("2026-11-25T00:00:00Z");
        let timing = Timing {
            first_seen: Some(born),
            last_changed: Some(born),
            ..Timing::default()
        };
        let gap = |now: DateTime<Utc>| next_due(&plan, &timing, now, 1).map(|d| d - now);
        let g = gap(born + Duration::hours(1)).unwrap();
        assert!(
            g >= Duration::minutes(10) && g < Duration::minutes(11),
            "{g}"
        );
        let g = gap(born + Duration::hours(10)).unwrap();
        assert!(g >= Duration::hours(1) && g < Duration::minutes(67), "{g}");
        let g = gap(born + Duration::days(3)).unwrap();
        assert!(g >= Duration::hours(6), "{g}");
        let g = gap(born + Duration::days(10)).unwrap();
        assert!(g >= Duration::days(1), "{g}");
        assert_eq!(gap(born + Duration::days(31)), None);
    }

    #[test]
    fn a_recent_change_or_an_old_published_time_moves_the_cadence() {
        let plan = Plan::Adaptive(Adaptive::default());
        let born = t("2026-11-20T00:00:00Z");
        let now = born + Duration::days(5);
        let changed = Timing {
            first_seen: Some(born),
            last_changed: Some(now - Duration::minutes(30)),
            ..Timing::default()
        };
        let g = next_due(&plan, &changed, now, 1).unwrap() - now;
        assert!(g < Duration::minutes(11), "changed 30 min ago: {g}");
        // first seen today, but published a week and a half ago
        let old = Timing {
            first_seen: Some(now),
            published: Some(now - Duration::days(10)),
            ..Timing::default()
        };
        let g = next_due(&plan, &old, now, 1).unwrap() - now;
        assert!(g >= Duration::days(1), "{g}");
    }

    #[test]
    fn huge_durations_saturate_instead_of_overflowing() {
        let now = t("2026-11-25T10:00:00Z");
        let huge = Plan::Adaptive(Adaptive {
            steps: vec![(Duration::hours(3), Duration::MAX)],
            then: Duration::MAX,
            stop_after: Duration::MAX,
        });
        let timing = Timing {
            first_seen: Some(now),
            consecutive_failures: 3,
            retry_after: Some(std::time::Duration::from_secs(u64::MAX / 4)),
            ..Timing::default()
        };
        let due = next_due(&huge, &timing, now, 9).expect("not retired");
        assert!(due > now + Duration::days(365 * 1000), "{due}");
        let born_long_ago = Timing {
            first_seen: Some(DateTime::<Utc>::MIN_UTC),
            ..Timing::default()
        };
        assert!(next_due(&huge, &born_long_ago, now, 9).is_some());
    }

    #[test]
    fn failures_back_off_and_retry_after_is_honoured() {
        let plan = Plan::Cron(Schedule::parse("*/5 * * * *").unwrap());
        let now = t("2026-11-25T10:00:00Z");
        let after = |failures, retry_after| {
            let timing = Timing {
                consecutive_failures: failures,
                retry_after,
                ..Timing::default()
            };
            next_due(&plan, &timing, now, 3).unwrap() - now
        };
        assert!(after(0, None) <= Duration::minutes(6));
        assert!(after(1, None) <= Duration::minutes(6));
        assert!(after(3, None) >= Duration::minutes(20));
        assert!(after(30, None) <= MAX_BACKOFF + MAX_JITTER);
        assert!(after(30, None) >= MAX_BACKOFF);
        let ra = after(0, Some(std::time::Duration::from_secs(3600)));
        assert!(ra >= Duration::hours(1), "{ra}");
    }
}
