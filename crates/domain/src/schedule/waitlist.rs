//! The waitlist's preferred times, and reminder messages from the clinic's template.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::hours::{parse_span, parse_weekdays};
use crate::ValidationError;

/// When a waiting patient can come. Empty parts mean "any".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Preference {
    #[serde(default, with = "weekday_list")]
    pub weekdays: Vec<Weekday>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<NaiveDate>,
}

mod weekday_list {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(w: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(w.iter().map(|d| super::super::hours::weekday_str(*d)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| {
                super::super::hours::parse_weekday(s)
                    .ok_or_else(|| serde::de::Error::custom(format!("not a weekday: {s}")))
            })
            .collect()
    }
}

impl Preference {
    /// Reads `mon,wed 09:00-12:00`, `fri`, `14:00-18:00` or nothing (any time), and dates.
    pub fn parse(
        times: &str,
        earliest: Option<NaiveDate>,
        latest: Option<NaiveDate>,
    ) -> Result<Self, ValidationError> {
        let mut p = Preference {
            earliest,
            latest,
            ..Default::default()
        };
        if let (Some(a), Some(b)) = (earliest, latest)
            && b < a
        {
            return Err(ValidationError::new(
                "latest",
                "is before the earliest date",
            ));
        }
        for part in times.split_whitespace() {
            if part.contains(':') {
                let (from, to) = parse_span("prefer", part)?;
                p.from = Some(from);
                p.to = Some(to);
            } else {
                p.weekdays = parse_weekdays("prefer", part)?;
            }
        }
        Ok(p)
    }
}

/// Whether a slot (local start and end) suits the preference.
pub fn matches_preference(p: &Preference, start: NaiveDateTime, end: NaiveDateTime) -> bool {
    let day = start.date();
    (p.weekdays.is_empty() || p.weekdays.contains(&day.weekday()))
        && p.from.is_none_or(|f| start.time() >= f)
        && p.to.is_none_or(|t| end.time() <= t)
        && p.earliest.is_none_or(|e| day >= e)
        && p.latest.is_none_or(|l| day <= l)
}

/// The reminder message: the clinic's template with `{patient}`, `{provider}`, `{date}`,
/// `{time}`, `{clinic}` and `{type}` filled in, in one pass over the template: a value is
/// written as it is, so a patient named "{date}" is printed "{date}", not expanded. A brace
/// that opens no known placeholder is kept as written.
pub fn render_reminder(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let filled = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, value)| (*value, close))
        });
        match filled {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
