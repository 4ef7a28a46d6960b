//! Is this new registration someone we already have? A score from 0 to 100 built from the name
//! (spelling and sound, in either order), the birth date (equal, or one slip of the pen away)
//! and a shared phone number, with the reasons spelled out for the person deciding.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::text::{fold, phonetic, same_phone};

/// What the comparison needs of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonKey {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    /// Phone numbers as digits.
    pub phones: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    SameName,
    SimilarName,
    NameSoundsAlike,
    SameBirthDate,
    NearBirthDate,
    SamePhone,
}

impl DuplicateReason {
    pub fn describe(self) -> &'static str {
        match self {
            DuplicateReason::SameName => "the same name",
            DuplicateReason::SimilarName => "a similar name",
            DuplicateReason::NameSoundsAlike => "a name that sounds alike",
            DuplicateReason::SameBirthDate => "the same birth date",
            DuplicateReason::NearBirthDate => "a birth date one slip of the pen away",
            DuplicateReason::SamePhone => "the same phone number",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateScore {
    /// 0 to 100.
    pub score: u8,
    pub reasons: Vec<DuplicateReason>,
}

/// Scores at or above this are shown as "possible duplicate" before saving.
pub const LIKELY_DUPLICATE: u8 = 50;

fn full(given: &str, family: &str) -> String {
    fold(&format!("{given} {family}"))
}

/// How alike two names are (0 to 1), trying the second one's words in both orders.
fn name_similarity(a: &PersonKey, b: &PersonKey) -> f64 {
    let a_name = full(&a.given_name, &a.family_name);
    let straight = full(&b.given_name, &b.family_name);
    let swapped = full(&b.family_name, &b.given_name);
    strsim::jaro_winkler(&a_name, &straight).max(strsim::jaro_winkler(&a_name, &swapped))
}

fn sounds_alike(a: &PersonKey, b: &PersonKey) -> bool {
    let key = |p: &PersonKey| {
        let mut words: Vec<String> = fold(&format!("{} {}", p.given_name, p.family_name))
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(phonetic)
            .collect();
        words.sort();
        words
    };
    let (ka, kb) = (key(a), key(b));
    !ka.is_empty() && ka == kb
}

/// Two dates that differ as a typing slip would make them: day and month swapped, one digit of
/// the day or the year wrong, or the year off by one.
fn near_date(a: NaiveDate, b: NaiveDate) -> bool {
    if a == b {
        return false;
    }
    let swapped = a.year() == b.year() && a.day() == b.month() && a.month() == b.day();
    let one_field = |x: u32, y: u32| {
        let (sx, sy) = (format!("{x:02}"), format!("{y:02}"));
        sx.chars().zip(sy.chars()).filter(|(p, q)| p != q).count() == 1
    };
    let day_slip = a.year() == b.year() && a.month() == b.month() && one_field(a.day(), b.day());
    let year_slip = a.month() == b.month()
        && a.day() == b.day()
        && ((a.year() - b.year()).abs() == 1
            || format!("{:04}", a.year())
                .chars()
                .zip(format!("{:04}", b.year()).chars())
                .filter(|(p, q)| p != q)
                .count()
                == 1);
    swapped || day_slip || year_slip
}

/// Every date `near_date` would call one slip away from `d`, for looking candidates up by index.
pub fn candidate_birth_dates(d: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let (y, m, day) = (d.year(), d.month(), d.day());
    let mut push = |y: i32, m: u32, day: u32| {
        if let Some(c) = NaiveDate::from_ymd_opt(y, m, day)
            && c != d
            && !out.contains(&c)
        {
            out.push(c);
        }
    };
    push(y, day, m);
    push(y - 1, m, day);
    push(y + 1, m, day);
    let (d1, d2) = (day / 10, day % 10);
    for digit in 0..10 {
        push(y, m, digit * 10 + d2);
        push(y, m, d1 * 10 + digit);
    }
    let year = format!("{y:04}");
    for pos in 0..4 {
        for digit in b'0'..=b'9' {
            let mut bytes = year.clone().into_bytes();
            bytes[pos] = digit;
            if let Ok(other) = String::from_utf8(bytes).unwrap_or_default().parse::<i32>() {
                push(other, m, day);
            }
        }
    }
    out
}

pub fn duplicate_score(new: &PersonKey, existing: &PersonKey) -> DuplicateScore {
    let mut score = 0u32;
    let mut reasons = Vec::new();

    let similarity = name_similarity(new, existing);
    if similarity >= 0.99 {
        score += 45;
        reasons.push(DuplicateReason::SameName);
    } else if similarity >= 0.9 {
        score += 35;
        reasons.push(DuplicateReason::SimilarName);
    } else if sounds_alike(new, existing) {
        score += 30;
        reasons.push(DuplicateReason::NameSoundsAlike);
    } else if similarity >= 0.85 {
        score += 20;
        reasons.push(DuplicateReason::SimilarName);
    }

    if new.birth_date == existing.birth_date {
        score += 35;
        reasons.push(DuplicateReason::SameBirthDate);
    } else if near_date(new.birth_date, existing.birth_date) {
        score += 20;
        reasons.push(DuplicateReason::NearBirthDate);
    }

    if new
        .phones
        .iter()
        .any(|p| existing.phones.iter().any(|q| same_phone(p, q)))
    {
        score += 20;
        reasons.push(DuplicateReason::SamePhone);
    }

    DuplicateScore {
        score: score.min(100) as u8,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(given: &str, family: &str, born: &str, phone: &str) -> PersonKey {
        PersonKey {
            given_name: given.into(),
            family_name: family.into(),
            birth_date: NaiveDate::parse_from_str(born, "%Y-%m-%d").unwrap(),
            phones: crate::text::phone_digits(phone).into_iter().collect(),
        }
    }

    #[test]
    fn scores() {
        let ana = person("Ana", "García-López", "1979-03-14", "612345678");
        let cases = [
            // The journey in docs/design.md: typed without accents, same birth date.
            (person("Ana", "Garcia Lopez", "1979-03-14", ""), 80, true),
            (
                person("Ana", "Garcia Lopez", "1979-03-14", "+34 612 345 678"),
                100,
                true,
            ),
            // Given and family swapped.
            (person("García-López", "Ana", "1979-03-14", ""), 80, true),
            // A typo and a day/month swap.
            (person("Ana", "Garica Lopez", "1979-03-15", ""), 55, true),
            (person("Ana", "García-López", "1979-04-13", ""), 45, false),
            // Her daughter: same phone and family name, other given name and year.
            (
                person("Lucía", "García-López", "2008-06-02", "612345678"),
                20,
                false,
            ),
            // A stranger.
            (
                person("Kwame", "Mensah", "1990-01-01", "700000000"),
                0,
                false,
            ),
        ];
        for (new, expected, likely) in cases {
            let s = duplicate_score(&new, &ana);
            assert!(
                (i32::from(s.score) - expected).abs() <= 10,
                "{new:?}: {} (expected about {expected}) {:?}",
                s.score,
                s.reasons
            );
            assert_eq!(s.score >= LIKELY_DUPLICATE, likely, "{new:?}: {s:?}");
        }
    }

    #[test]
    fn near_dates() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(
            near_date(d("1979-03-04"), d("1979-04-03")),
            "day and month swapped"
        );
        assert!(
            near_date(d("1979-03-14"), d("1979-03-15")),
            "one digit of the day"
        );
        assert!(
            near_date(d("1979-03-14"), d("1978-03-14")),
            "year off by one"
        );
        assert!(
            near_date(d("1979-03-14"), d("1989-03-14")),
            "one digit of the year"
        );
        assert!(!near_date(d("1979-03-14"), d("1979-05-20")));
        assert!(!near_date(d("1979-03-14"), d("1979-03-14")));
        // Every candidate is near, and every near date in a range is a candidate.
        let base = d("1979-03-14");
        let candidates = candidate_birth_dates(base);
        assert!(candidates.iter().all(|c| near_date(base, *c)));
        let mut day = d("1950-01-01");
        while day < d("2010-01-01") {
            assert_eq!(near_date(base, day), candidates.contains(&day), "{day}");
            day = day.succ_opt().unwrap();
        }
    }
}
