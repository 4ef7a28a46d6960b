//! Automatic backups: when the next one is due, whether the clinic should be warned, and which
//! backups a destination keeps. Pure functions of the schedule, the backups already taken and
//! the time; the clock and the files belong to the caller.
//!
//! The rules are the ones people trust in restic and Time Machine: a desktop that was off for a
//! week takes one backup when it comes back, not seven; a failed attempt is retried after a
//! pause, not every minute; a wall clock set back (or forward) never stops backups; retention
//! keeps the newest backup of each of the last N days, weeks and months that have one, and
//! always the newest of all.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::schedule::to_utc;
use crate::words;

/// How long after a failed attempt the next one is made.
pub const RETRY_AFTER: Duration = Duration::minutes(15);
/// Quitting the app takes a backup when the last good one is older than this.
pub const ON_QUIT_AFTER: Duration = Duration::hours(24);
/// Admins are warned when the last good backup is older than this.
pub const OVERDUE_AFTER: Duration = Duration::hours(26);
/// A last backup further ahead of the clock than this means the clock was set back.
const CLOCK_SLACK: Duration = Duration::minutes(5);
/// The most of each kind of backup a destination can be told to keep.
pub const MAX_KEEP: u32 = 1000;

/// A daily backup at a local time of the clinic's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub at: NaiveTime,
}

impl Default for Schedule {
    /// At closing: a quarter to six, when the last patient has usually left.
    fn default() -> Self {
        Self {
            at: NaiveTime::from_hms_opt(17, 45, 0).unwrap_or_default(),
        }
    }
}

impl Schedule {
    /// Reads a time of day as people type it: `17:45`, `7:30`, `1745`, `17.45`, `17h45`, `17h`.
    pub fn parse(typed: &str) -> Result<Self, ValidationError> {
        let err = || ValidationError::new("backup_time", "must be a time of day such as 17:45");
        let trimmed = typed.trim();
        if trimmed.is_empty() || trimmed.len() > 8 {
            return Err(err());
        }
        // The separators clinics write besides the colon: 17.45 and 17h45 (17h is 17:00).
        let mut t = trimmed.replace(['.', 'h', 'H'], ":");
        if t.ends_with(':') {
            t.push_str("00");
        }
        let t = t.as_str();
        // 17:4 could mean 17:04 or 17:40: minutes are two digits.
        if t.split(':').skip(1).any(|part| part.len() != 2) {
            return Err(err());
        }
        let at = NaiveTime::parse_from_str(t, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H%M"))
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
            .map_err(|_| err())?;
        Ok(Self { at })
    }

    /// The instant this schedule names on a local date. A time that does not exist that day
    /// (clocks went forward across it) is moved by the gap, as appointments are; a time that
    /// happens twice (clocks went back) runs the first time.
    fn on(self, date: NaiveDate, tz: Tz) -> DateTime<Utc> {
        to_utc(date.and_time(self.at), tz)
    }

    /// The latest scheduled instant at or before `now`.
    pub fn previous(self, tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.with_timezone(&tz).date_naive();
        let mut date = today;
        for _ in 0..3 {
            let t = self.on(date, tz);
            if t <= now {
                return t;
            }
            date = date.pred_opt().unwrap_or(date);
        }
        self.on(date, tz)
    }

    /// The first scheduled instant after `now`.
    pub fn next(self, tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
        let mut date = now.with_timezone(&tz).date_naive();
        for _ in 0..3 {
            let t = self.on(date, tz);
            if t > now {
                return t;
            }
            date = date.succ_opt().unwrap_or(date);
        }
        self.on(date, tz)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.at.format("%H:%M"))
    }
}

/// What a destination has seen: the last good backup and the last failed attempt, if any
/// (whichever happened last is the one that counts for retrying).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    /// When the most recently written good backup was taken (by the order they were written,
    /// not the largest time: a clock set back must not hide a newer backup behind an older).
    pub last_good: Option<DateTime<Utc>>,
    /// When the last attempt failed, if it failed after the last good one.
    pub failed_since: Option<DateTime<Utc>>,
}

/// Why a backup is due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// This destination has no good backup yet.
    NoneYet,
    /// The scheduled time passed since the last good backup (once, however many days the
    /// desktop was off).
    Scheduled,
    /// The last good backup is dated ahead of the clock: the clock was set back.
    ClockSetBack,
    /// The last attempt failed and the pause before trying again is over.
    Retry,
}

/// When the next backup should run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Now(Why),
    At(DateTime<Utc>),
}

impl Due {
    pub fn is_now(self) -> bool {
        matches!(self, Due::Now(_))
    }

    /// The time it is due, `now` when it is due already.
    pub fn time(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Due::Now(_) => now,
            Due::At(t) => t,
        }
    }
}

/// When the next scheduled backup of a destination is due.
pub fn due(schedule: Schedule, tz: Tz, history: History, now: DateTime<Utc>) -> Due {
    let wanted = match history.last_good {
        None => Some(Why::NoneYet),
        Some(good) if good > now + CLOCK_SLACK => Some(Why::ClockSetBack),
        Some(good) if good < schedule.previous(tz, now) => Some(Why::Scheduled),
        Some(_) => None,
    };
    let Some(why) = wanted else {
        return Due::At(schedule.next(tz, now));
    };
    match history.failed_since {
        // A failure dated ahead of the clock (set back since) does not hold backups off.
        Some(failed) if failed <= now + CLOCK_SLACK => {
            let retry = failed + RETRY_AFTER;
            if now >= retry {
                Due::Now(if why == Why::Scheduled {
                    Why::Retry
                } else {
                    why
                })
            } else {
                Due::At(retry)
            }
        }
        _ => Due::Now(why),
    }
}

/// Whether quitting the app should take a backup first: the last good one is more than a day
/// old, there is none, or it is dated ahead of the clock.
pub fn due_on_quit(last_good: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match last_good {
        None => true,
        Some(good) => good > now + CLOCK_SLACK || now - good > ON_QUIT_AFTER,
    }
}

/// Whether admins should see the red badge: no good backup anywhere, or the newest is more than
/// 26 hours old.
pub fn overdue(last_good: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    match last_good {
        None => true,
        Some(good) => now - good > OVERDUE_AFTER,
    }
}

/// How many backups a destination keeps: the newest of each of the last `daily` days, `weekly`
/// weeks and `monthly` months that have one (the newest backup of all is always kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Retention {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            daily: 7,
            weekly: 4,
            monthly: 12,
        }
    }
}

impl Retention {
    /// Reads the counts as an admin typed them (whole numbers, 0 to 1000), naming the field.
    pub fn parse(daily: &str, weekly: &str, monthly: &str) -> Result<Self, ValidationError> {
        let number = |field: &'static str, typed: &str| -> Result<u32, ValidationError> {
            let t = typed.trim();
            if t.is_empty() {
                return Err(ValidationError::new(field, "is required"));
            }
            if t.len() > 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ValidationError::new(
                    field,
                    words!(
                        "must be a whole number from 0 to {max_keep}",
                        max_keep = MAX_KEEP
                    ),
                ));
            }
            t.parse()
                .map_err(|_| ValidationError::new(field, "must be a whole number"))
        };
        Self::new(
            number("keep_daily", daily)?,
            number("keep_weekly", weekly)?,
            number("keep_monthly", monthly)?,
        )
    }

    /// Checks the counts an admin typed, naming the field.
    pub fn new(daily: u32, weekly: u32, monthly: u32) -> Result<Self, ValidationError> {
        for (field, n) in [
            ("keep_daily", daily),
            ("keep_weekly", weekly),
            ("keep_monthly", monthly),
        ] {
            if n > MAX_KEEP {
                return Err(ValidationError::new(
                    field,
                    words!("must be at most {max_keep}", max_keep = MAX_KEEP),
                ));
            }
        }
        if daily == 0 {
            return Err(ValidationError::new(
                "keep_daily",
                "must keep at least one daily backup",
            ));
        }
        Ok(Self {
            daily,
            weekly,
            monthly,
        })
    }
}

/// The spans retention counts in, on the clinic's calendar.
#[derive(Debug, Clone, Copy)]
enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// Which span of this kind `t` falls in, as (year, number within the year).
    fn of(self, t: DateTime<Utc>, tz: Tz) -> (i32, u32) {
        let d = t.with_timezone(&tz).date_naive();
        match self {
            Period::Day => (d.year(), d.ordinal()),
            Period::Week => (d.iso_week().year(), d.iso_week().week()),
            Period::Month => (d.year(), d.month()),
        }
    }
}

/// A verified backup at one destination, known to the caller by `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken<K> {
    pub key: K,
    pub at: DateTime<Utc>,
}

/// The verified backups of one destination that retention no longer keeps, oldest first. Only
/// verified backups may be passed in; the newest of them is always kept, so nothing is removed
/// unless a newer verified backup stays at that destination.
pub fn to_remove<K: Clone + Eq + std::hash::Hash>(
    retention: Retention,
    tz: Tz,
    taken: &[Taken<K>],
) -> Vec<K> {
    let mut newest_first: Vec<&Taken<K>> = taken.iter().collect();
    newest_first.sort_by_key(|t| std::cmp::Reverse(t.at));
    let mut keep: HashSet<K> = HashSet::new();
    if let Some(newest) = newest_first.first() {
        keep.insert(newest.key.clone());
    }
    let periods = [
        (retention.daily, Period::Day),
        (retention.weekly, Period::Week),
        (retention.monthly, Period::Month),
    ];
    for (wanted, period) in periods {
        let mut kept = 0;
        let mut last = None;
        for t in &newest_first {
            if kept >= wanted {
                break;
            }
            let b = period.of(t.at, tz);
            if last != Some(b) {
                keep.insert(t.key.clone());
                kept += 1;
                last = Some(b);
            }
        }
    }
    newest_first
        .iter()
        .rev()
        .filter(|t| !keep.contains(&t.key))
        .map(|t| t.key.clone())
        .collect()
}

#[cfg(test)]
mod tests;
