//! Working hours: a weekly pattern of open hours and breaks, and dated exceptions (a day off, a
//! clinic holiday, extra hours), turned into the instants a provider or room can be booked on
//! a given day.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ExceptionId, Interval, to_utc};
use crate::ValidationError;
use crate::words;

/// One span of a weekday: `mon 09:00-13:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRule {
    #[serde(with = "weekday_name")]
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

mod weekday_name {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(w: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::weekday_str(*w))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_weekday(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not a weekday: {s}")))
    }
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub(crate) fn weekday_str(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

pub(crate) fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    WEEK.into_iter()
        .find(|w| s.starts_with(weekday_str(*w)) && s.len() >= 3)
}

/// Weekdays as written: `mon-fri`, `sat`, `mon,wed,fri`, `mon-wed,fri`.
pub(crate) fn parse_weekdays(
    field: &'static str,
    s: &str,
) -> Result<Vec<Weekday>, ValidationError> {
    let bad = || {
        ValidationError::new(
            field,
            words!("\"{s}\" is not a weekday or range such as mon-fri", s = s),
        )
    };
    let mut days = Vec::new();
    for part in s.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (
                    parse_weekday(a).ok_or_else(bad)?,
                    parse_weekday(b).ok_or_else(bad)?,
                );
                let (from, to) = (a.num_days_from_monday(), b.num_days_from_monday());
                if from > to {
                    return Err(bad());
                }
                days.extend(WEEK[from as usize..=to as usize].iter().copied());
            }
            None => days.push(parse_weekday(part).ok_or_else(bad)?),
        }
    }
    Ok(days)
}

pub(crate) fn parse_time(field: &'static str, s: &str) -> Result<NaiveTime, ValidationError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| {
        ValidationError::new(
            field,
            words!("\"{s}\" is not a time such as 09:30", s = s.trim()),
        )
    })
}

/// `09:00-13:00` as two times, the first earlier.
pub(crate) fn parse_span(
    field: &'static str,
    s: &str,
) -> Result<(NaiveTime, NaiveTime), ValidationError> {
    let (a, b) = s.split_once('-').ok_or_else(|| {
        ValidationError::new(
            field,
            words!("\"{s}\" is not a span such as 09:00-13:00", s = s.trim()),
        )
    })?;
    let (start, end) = (parse_time(field, a)?, parse_time(field, b)?);
    if end <= start {
        return Err(ValidationError::new(
            field,
            words!("{s} ends before it starts", s = s.trim()),
        ));
    }
    Ok((start, end))
}

/// Parses `mon-fri 09:00-13:00,14:00-18:00; sat 09:00-12:00`.
fn parse_rules(field: &'static str, s: &str) -> Result<Vec<DayRule>, ValidationError> {
    let mut rules = Vec::new();
    for group in s.split(';').map(str::trim).filter(|g| !g.is_empty()) {
        let (days, spans) = group.split_once(' ').ok_or_else(|| {
            ValidationError::new(
                field,
                words!(
                    "\"{group}\" should be days then hours, such as mon-fri 09:00-18:00",
                    group = group
                ),
            )
        })?;
        for day in parse_weekdays(field, days)? {
            for span in spans.split(',') {
                let (start, end) = parse_span(field, span)?;
                rules.push(DayRule {
                    weekday: day,
                    start,
                    end,
                });
            }
        }
    }
    Ok(rules)
}

/// A provider's or room's week.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WeeklyHours {
    pub hours: Vec<DayRule>,
    #[serde(default)]
    pub breaks: Vec<DayRule>,
}

impl WeeklyHours {
    /// `hours`: `mon-fri 09:00-14:00,16:00-19:00; sat 10:00-13:00`; `breaks` in the same form.
    pub fn parse(hours: &str, breaks: &str) -> Result<Self, ValidationError> {
        let hours = parse_rules("hours", hours)?;
        let breaks = parse_rules("breaks", breaks)?;
        for b in &breaks {
            if !hours
                .iter()
                .any(|h| h.weekday == b.weekday && h.start <= b.start && b.end <= h.end)
            {
                return Err(ValidationError::new(
                    "breaks",
                    words!(
                        "the {weekday} break at {start} is outside working hours",
                        weekday = weekday_str(b.weekday),
                        start = b.start.format("%H:%M")
                    ),
                ));
            }
        }
        Ok(WeeklyHours { hours, breaks })
    }
}

impl WeeklyHours {
    /// The breaks in the form `parse` reads (empty when there are none).
    pub fn breaks_text(&self) -> String {
        Rules(&self.breaks).to_string()
    }
}

/// The hours; `breaks_text` gives the breaks.
impl fmt::Display for WeeklyHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Rules(&self.hours).fmt(f)
    }
}

/// Day rules written as `mon 09:00-14:00,16:00-19:00; sat 10:00-13:00`.
struct Rules<'a>(&'a [DayRule]);

impl fmt::Display for Rules<'_> {
    /// Consecutive days with the same spans are written as a range: `mon-fri 09:00-14:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spans_of = |day: Weekday| -> String {
            let mut spans: Vec<&DayRule> = self.0.iter().filter(|r| r.weekday == day).collect();
            spans.sort_by_key(|r| r.start);
            spans
                .iter()
                .map(|r| format!("{}-{}", r.start.format("%H:%M"), r.end.format("%H:%M")))
                .collect::<Vec<_>>()
                .join(",")
        };
        let days: Vec<(Weekday, String)> = WEEK.iter().map(|d| (*d, spans_of(*d))).collect();
        let mut first = true;
        let mut i = 0;
        while i < days.len() {
            let (day, spans) = &days[i];
            let mut j = i;
            while j + 1 < days.len() && days[j + 1].1 == *spans {
                j += 1;
            }
            if !spans.is_empty() {
                if !first {
                    f.write_str("; ")?;
                }
                first = false;
                if j > i {
                    write!(
                        f,
                        "{}-{} {spans}",
                        weekday_str(*day),
                        weekday_str(days[j].0)
                    )?;
                } else {
                    write!(f, "{} {spans}", weekday_str(*day))?;
                }
            }
            i = j + 1;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExceptionKind {
    /// Not working (holiday, leave, training). For the whole clinic when it has no resource.
    DayOff,
    /// Working extra hours that day, on top of (or instead of a day off from) the week.
    ExtraHours { start: NaiveTime, end: NaiveTime },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleException {
    pub id: ExceptionId,
    /// The provider or room, or `None` for the whole clinic (a public holiday).
    pub resource: Option<Uuid>,
    pub date: NaiveDate,
    pub kind: ExceptionKind,
    pub note: Option<String>,
}

/// When a resource can be booked on one day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Availability {
    /// Working hours (with extra hours), breaks not removed.
    pub open: Vec<Interval>,
    /// Breaks within the open hours.
    pub breaks: Vec<Interval>,
    /// A day off or clinic holiday applies.
    pub day_off: bool,
}

impl Availability {
    /// Open hours with the breaks taken out: where appointments fit.
    pub fn bookable(&self) -> Vec<Interval> {
        let mut out = Vec::new();
        for o in &self.open {
            let mut pieces = vec![*o];
            for b in &self.breaks {
                pieces = pieces
                    .into_iter()
                    .flat_map(|p| {
                        if !p.overlaps(b) {
                            return vec![p];
                        }
                        let mut keep = Vec::new();
                        if p.start < b.start {
                            keep.push(Interval::new(p.start, b.start));
                        }
                        if b.end < p.end {
                            keep.push(Interval::new(b.end, p.end));
                        }
                        keep
                    })
                    .collect();
            }
            out.extend(pieces);
        }
        out.sort();
        out
    }
}

/// A resource's availability on `date` in `tz`, given its week and the exceptions that apply
/// (its own and the clinic's, for that date; others are ignored).
pub fn availability(
    week: &WeeklyHours,
    exceptions: &[ScheduleException],
    date: NaiveDate,
    tz: Tz,
) -> Availability {
    let todays: Vec<&ScheduleException> = exceptions.iter().filter(|e| e.date == date).collect();
    let day_off = todays.iter().any(|e| e.kind == ExceptionKind::DayOff);
    let at = |t: NaiveTime| to_utc(date.and_time(t), tz);
    let weekday = date.weekday();
    let mut open: Vec<Interval> = if day_off {
        Vec::new()
    } else {
        week.hours
            .iter()
            .filter(|r| r.weekday == weekday)
            .map(|r| Interval::new(at(r.start), at(r.end)))
            .collect()
    };
    for e in &todays {
        if let ExceptionKind::ExtraHours { start, end } = e.kind {
            open.push(Interval::new(at(start), at(end)));
        }
    }
    open.sort();
    let breaks = if day_off {
        Vec::new()
    } else {
        week.breaks
            .iter()
            .filter(|r| r.weekday == weekday)
            .map(|r| Interval::new(at(r.start), at(r.end)))
            .collect()
    };
    Availability {
        open,
        breaks,
        day_off,
    }
}
