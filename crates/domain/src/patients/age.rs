//! A patient's age on a given day, shown the way clinicians write it: years for adults and
//! children, months under two, days under one month.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Age {
    pub years: u32,
    /// Whole months (total, not after the years).
    pub months: u32,
    pub days: u32,
}

/// The age on `today` of someone born on `birth` (zero if `birth` is later).
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> Age {
    if birth >= today {
        return Age {
            years: 0,
            months: 0,
            days: 0,
        };
    }
    let mut months =
        (today.year() - birth.year()) * 12 + today.month() as i32 - birth.month() as i32;
    if today.day() < birth.day() {
        months -= 1;
    }
    let months = months.max(0) as u32;
    Age {
        years: months / 12,
        months,
        days: (today - birth).num_days().max(0) as u32,
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.years >= 2 {
            write!(f, "{} y", self.years)
        } else if self.months >= 1 {
            write!(f, "{} mo", self.months)
        } else {
            write!(f, "{} d", self.days)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ages() {
        let cases = [
            ("1979-03-14", "2026-11-24", "47 y"),
            ("1979-11-25", "2026-11-24", "46 y"),
            ("1979-11-24", "2026-11-24", "47 y"),
            ("2024-12-01", "2026-11-24", "23 mo"),
            ("2026-10-24", "2026-11-24", "1 mo"),
            ("2026-11-10", "2026-11-24", "14 d"),
            ("2024-02-29", "2025-02-28", "11 mo"),
            ("2024-02-29", "2025-03-01", "12 mo"),
            ("2026-12-01", "2026-11-24", "0 d"),
        ];
        for (birth, today, expected) in cases {
            assert_eq!(
                age_on(d(birth), d(today)).to_string(),
                expected,
                "{birth} on {today}"
            );
        }
    }
}
