//! Recurring series: every N days or weeks, monthly on a day of the month or on a weekday of
//! the month (the 2nd Tuesday, the last Friday), until a date or for a number of times.
//! Occurrences are wall-clock times in the clinic's zone, so 09:00 stays 09:00 across
//! daylight-saving changes. A monthly date that a month lacks (the 31st in April) falls on the
//! month's last day.

use std::fmt;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "freq", rename_all = "snake_case")]
pub enum Frequency {
    Daily {
        every: u32,
    },
    /// On the first occurrence's weekday.
    Weekly {
        every: u32,
    },
    /// On the first occurrence's day of the month.
    MonthlyByDay {
        every: u32,
    },
    /// On the first occurrence's weekday of the month (2nd Tuesday; in the last week, "last").
    MonthlyByWeekday {
        every: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RecurrenceEnd {
    Until(NaiveDate),
    Count(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RecurrenceRule {
    pub frequency: Frequency,
    pub end: RecurrenceEnd,
}

/// Longest series, to keep a typo from booking a thousand appointments.
const MAX_COUNT: u32 = 500;

fn days_in_month(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let next = first.and_then(|d| d.checked_add_months(Months::new(1)));
    match (first, next) {
        (Some(a), Some(b)) => (b - a).num_days() as u32,
        _ => 28,
    }
}

/// The `nth` (1-based; 5 means "last") `weekday` of a month.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, nth: u32) -> Option<NaiveDate> {
    if nth >= 5 {
        let last = NaiveDate::from_ymd_opt(year, month, days_in_month(year, month))?;
        let back = (last.weekday().num_days_from_monday() + 7 - weekday.num_days_from_monday()) % 7;
        return Some(last - Duration::days(i64::from(back)));
    }
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, nth as u8)
}

impl RecurrenceRule {
    /// Reads the form: `daily`, `weekly`, `monthly` or `monthly-weekday`, every N, and an end.
    pub fn parse(
        freq: &str,
        every: u32,
        until: Option<NaiveDate>,
        count: Option<u32>,
    ) -> Result<Self, ValidationError> {
        if !(1..=99).contains(&every) {
            return Err(ValidationError::new("every", "must be between 1 and 99"));
        }
        let frequency = match freq.trim().to_ascii_lowercase().as_str() {
            "daily" => Frequency::Daily { every },
            "weekly" => Frequency::Weekly { every },
            "monthly" => Frequency::MonthlyByDay { every },
            "monthly-weekday" | "monthly_weekday" => Frequency::MonthlyByWeekday { every },
            other => {
                return Err(ValidationError::new(
                    "repeat",
                    words!(
                        "\"{other}\" is not a repeat; use daily, weekly, monthly or monthly-weekday",
                        other = other
                    ),
                ));
            }
        };
        let end = match (until, count) {
            (Some(_), Some(_)) => {
                return Err(ValidationError::new(
                    "count",
                    "give an end date or a number of times, not both",
                ));
            }
            (None, None) => {
                return Err(ValidationError::new(
                    "count",
                    "a series needs an end date or a number of times",
                ));
            }
            (Some(d), None) => RecurrenceEnd::Until(d),
            (None, Some(n)) if (1..=MAX_COUNT).contains(&n) => RecurrenceEnd::Count(n),
            (None, Some(_)) => {
                return Err(ValidationError::new(
                    "count",
                    words!("must be between 1 and {max_count}", max_count = MAX_COUNT),
                ));
            }
        };
        Ok(RecurrenceRule { frequency, end })
    }

    /// The `n`-th occurrence (0 is `first`), ignoring the end.
    pub fn occurrence(&self, first: NaiveDateTime, n: u32) -> Option<NaiveDateTime> {
        let time = first.time();
        let date = first.date();
        let d = match self.frequency {
            Frequency::Daily { every } => {
                date.checked_add_signed(Duration::days(i64::from(n.checked_mul(every)?)))?
            }
            Frequency::Weekly { every } => date.checked_add_signed(Duration::days(i64::from(
                n.checked_mul(every)?.checked_mul(7)?,
            )))?,
            Frequency::MonthlyByDay { every } => {
                let month = NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?
                    .checked_add_months(Months::new(n.checked_mul(every)?))?;
                let day = date.day().min(days_in_month(month.year(), month.month()));
                NaiveDate::from_ymd_opt(month.year(), month.month(), day)?
            }
            Frequency::MonthlyByWeekday { every } => {
                let month = NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?
                    .checked_add_months(Months::new(n.checked_mul(every)?))?;
                let nth = (date.day() - 1) / 7 + 1;
                // The fifth weekday of a month is its last.
                let nth = if date.day() + 7 > days_in_month(date.year(), date.month()) {
                    5
                } else {
                    nth
                };
                nth_weekday(month.year(), month.month(), date.weekday(), nth)?
            }
        };
        Some(d.and_time(time))
    }

    /// Occurrences `(index, local time)` from `first` up to and including the day `through`, and
    /// up to the rule's own end.
    pub fn occurrences(
        &self,
        first: NaiveDateTime,
        through: NaiveDate,
    ) -> Vec<(u32, NaiveDateTime)> {
        let mut out = Vec::new();
        for n in 0..MAX_COUNT {
            if let RecurrenceEnd::Count(c) = self.end
                && n >= c
            {
                break;
            }
            let Some(at) = self.occurrence(first, n) else {
                break;
            };
            if at.date() > through {
                break;
            }
            if let RecurrenceEnd::Until(u) = self.end
                && at.date() > u
            {
                break;
            }
            out.push((n, at));
        }
        out
    }

    /// The same rule, restarting at a later occurrence: what "this and following" edits keep.
    pub fn remaining_from(&self, index: u32) -> RecurrenceRule {
        let end = match self.end {
            RecurrenceEnd::Count(c) => RecurrenceEnd::Count(c.saturating_sub(index).max(1)),
            until => until,
        };
        RecurrenceRule {
            frequency: self.frequency,
            end,
        }
    }
}

impl fmt::Display for RecurrenceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, every, suffix) = match self.frequency {
            Frequency::Daily { every } => ("day", every, ""),
            Frequency::Weekly { every } => ("week", every, ""),
            Frequency::MonthlyByDay { every } => ("month", every, ""),
            Frequency::MonthlyByWeekday { every } => ("month", every, " on the same weekday"),
        };
        if every == 1 {
            write!(f, "every {unit}{suffix}")?;
        } else {
            write!(f, "every {every} {unit}s{suffix}")?;
        }
        match self.end {
            RecurrenceEnd::Until(d) => write!(f, " until {d}"),
            RecurrenceEnd::Count(c) => write!(f, ", {c} times"),
        }
    }
}
