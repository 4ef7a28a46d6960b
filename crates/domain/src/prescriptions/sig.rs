//! How a prescription says what to take: amounts and strengths, doses, frequencies (with the
//! common abbreviations read and written out: BID, TID, q8h, PRN), routes, and the daily amount
//! the dose checks compare with a maximum. Everything printed is in full words.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::notation::{
    DecimalMark, Kind, Measure, NotationError, Term, UnitName, format_number, parse_number,
};
use crate::ValidationError;
use crate::{Words, words};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Mg,
    Mcg,
    G,
    Units,
    Meq,
    Mmol,
    Ml,
}

impl Unit {
    /// The unit of a canonical or typed spelling (`µg` is mcg, `IU` units, `cc` mL).
    fn parse(s: &str) -> Option<Unit> {
        UnitName::lookup(s).and_then(Unit::of)
    }

    fn of(name: UnitName) -> Option<Unit> {
        Some(match name.canonical {
            "mg" => Unit::Mg,
            "mcg" => Unit::Mcg,
            "g" => Unit::G,
            "units" => Unit::Units,
            "mEq" => Unit::Meq,
            "mmol" => Unit::Mmol,
            "mL" => Unit::Ml,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Mg => "mg",
            Unit::Mcg => "mcg",
            Unit::G => "g",
            Unit::Units => "units",
            Unit::Meq => "mEq",
            Unit::Mmol => "mmol",
            Unit::Ml => "mL",
        }
    }
}

/// A number with a unit: `500 mg`, `4 g`, `100 units`, `5 mL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub value: Decimal,
    pub unit: Unit,
}

impl Amount {
    /// A stored amount (canonical, decimal point).
    pub fn parse(s: &str) -> Option<Amount> {
        Amount::read(s, DecimalMark::Point).ok()
    }

    /// A typed amount in the clinic's notation, refused with a reason when it is not one
    /// amount of mg, mcg, g, units, mEq, mmol or mL.
    pub fn read(s: &str, mark: DecimalMark) -> Result<Amount, NotationError> {
        let measure = Measure::parse(s, mark)?;
        match (measure.terms.as_slice(), &measure.per) {
            (
                [
                    Term {
                        value: Some(value),
                        unit,
                    },
                ],
                None,
            ) => Unit::of(*unit)
                .map(|unit| Amount {
                    value: *value,
                    unit,
                })
                .ok_or_else(|| {
                    NotationError(words!(
                        "write an amount in mg, mcg, g, units, mEq, mmol or mL, not {canonical}",
                        canonical = unit.canonical
                    ))
                }),
            _ => Err(NotationError("write one amount, such as 4000 mg".into())),
        }
    }

    /// In milligrams, for masses.
    pub fn mg(self) -> Option<Decimal> {
        match self.unit {
            Unit::Mg => Some(self.value),
            Unit::Mcg => Some(self.value / Decimal::from(1000)),
            Unit::G => Some(self.value * Decimal::from(1000)),
            _ => None,
        }
    }

    /// The same quantity in `other`'s unit, when they measure the same thing.
    pub fn in_unit_of(self, other: Amount) -> Option<Decimal> {
        if self.unit == other.unit {
            return Some(self.value);
        }
        let mg = self.mg()?;
        Amount {
            value: Decimal::ONE,
            unit: other.unit,
        }
        .mg()
        .map(|one| mg / one)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_number(self.value), self.unit.as_str())
    }
}

/// A product's strength: an amount per unit dose (`500 mg`, `100 mcg/puff`, `875 mg/125 mg`
/// for a combination, whose first component is the one counted) or per volume (`250 mg/5 mL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strength {
    pub amount: Amount,
    /// The volume it is in, for liquids.
    pub per_ml: Option<Decimal>,
}

impl Strength {
    /// A stored strength; `None` when it is not an amount per dose or per volume (a patch's
    /// rate, `25 mcg/h`; a cream's `1 %`).
    pub fn parse(s: &str) -> Option<Strength> {
        let measure = Measure::parse(s, DecimalMark::Point).ok()?;
        let first = measure.first();
        let amount = Amount {
            value: first.value?,
            unit: Unit::of(first.unit)?,
        };
        let volume = |t: &Term| (t.unit.canonical == "mL").then(|| t.value.unwrap_or(Decimal::ONE));
        let per_ml = match (measure.terms.get(1), &measure.per) {
            (_, Some(per)) => Some(volume(per)?),
            (Some(t), None) if t.unit.kind == Kind::Time => return None,
            (Some(t), None) => volume(t),
            (None, None) => None,
        };
        Some(Strength { amount, per_ml })
    }
}

/// What one dose is: an amount (`500 mg`, `5 mL`) or a count of a form (`1 tablet`, `2 puffs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dose {
    pub amount: Decimal,
    /// `mg`, `mL`, `tablet`, `puff` …, singular and lowercase (mL and mEq as written).
    pub unit: String,
}

/// Forms a dose can be counted in, singular → plural.
const COUNTS: &[(&str, &str)] = &[
    ("tablet", "tablets"),
    ("capsule", "capsules"),
    ("puff", "puffs"),
    ("inhalation", "inhalations"),
    ("spray", "sprays"),
    ("drop", "drops"),
    ("patch", "patches"),
    ("sachet", "sachets"),
    ("suppository", "suppositories"),
    ("application", "applications"),
    ("lozenge", "lozenges"),
    ("pessary", "pessaries"),
    ("vial", "vials"),
    ("ampoule", "ampoules"),
    ("injection", "injections"),
    ("scoop", "scoops"),
];

impl Dose {
    /// A stored or typed dose with a decimal point.
    pub fn parse(s: &str) -> Result<Dose, ValidationError> {
        Dose::read(s, DecimalMark::Point)
    }

    /// A typed dose in the clinic's notation: `1 tablet`, `½ tab`, `1/2 tablet`, `0,5 mL`,
    /// `10 U` (written `10 units`), `2 puffs`.
    pub fn read(s: &str, mark: DecimalMark) -> Result<Dose, ValidationError> {
        let bad = |why: Words| ValidationError::new("dose", why);
        let s = s.trim();
        if s.chars().count() > 60 || s.chars().any(char::is_control) {
            return Err(bad(
                "write an amount and a unit, such as 500 mg, 5 mL or 1 tablet".into(),
            ));
        }
        let s = s.replace('½', ".5").replace('¼', ".25").replace('¾', ".75");
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(s.len());
        if split == 0 {
            return Err(bad(
                "write an amount and a unit, such as 500 mg, 5 mL or 1 tablet".into(),
            ));
        }
        let mut amount = parse_number(&s[..split], mark).map_err(|e| bad(e.0))?;
        let mut rest = s[split..].trim();
        // "1/2 tablet": a half, not a ratio.
        if let Some(after) = rest.strip_prefix('/') {
            let end = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            let below: Decimal = after[..end]
                .parse()
                .ok()
                .filter(|d: &Decimal| !d.is_zero() && *d <= Decimal::from(8))
                .ok_or_else(|| bad("write a fraction as a decimal, such as 0.5 tablet".into()))?;
            let exact = amount / below;
            if exact.round_dp(2) != exact {
                return Err(bad(
                    "write a fraction as a decimal, such as 0.5 tablet".into()
                ));
            }
            amount = exact.normalize();
            rest = after[end..].trim();
        }
        if amount > Decimal::from(100_000) {
            return Err(bad("is too large".into()));
        }
        let unit = match UnitName::lookup(rest) {
            Some(u) if u.kind == Kind::Count => u.canonical.to_owned(),
            Some(u) if Unit::of(u).is_some() => u.canonical.to_owned(),
            Some(u) => {
                return Err(bad(words!("a dose cannot be in {canonical}: use mg, mcg, g, units, mL, or a count such as 1 tablet", canonical = u.canonical)));
            }
            None => COUNTS
                .iter()
                .find(|(one, many)| rest.eq_ignore_ascii_case(one) || rest.eq_ignore_ascii_case(many))
                .map(|(one, _)| (*one).to_owned())
                .ok_or_else(|| {
                    bad(words!("“{rest}” is not a unit Tend knows: use mg, mcg, g, units, mL, or tablet, capsule, puff, spray, drop, patch, sachet, suppository, application", rest = rest))
                })?,
        };
        Ok(Dose { amount, unit })
    }

    /// `1 tablet`, `2 tablets`, `500 mg`, `0.5 tablet`.
    pub fn words(&self) -> String {
        let n = self.amount.normalize();
        let unit = match COUNTS.iter().find(|(one, _)| *one == self.unit) {
            Some((one, many)) => {
                if n <= Decimal::ONE {
                    *one
                } else {
                    *many
                }
            }
            None => self.unit.as_str(),
        };
        format!("{n} {unit}")
    }

    /// The amount of drug in one dose, from the chosen strength when the dose is a count or a
    /// volume.
    pub fn amount_of_drug(&self, strength: Option<Strength>) -> Option<Amount> {
        if let Some(unit) = Unit::parse(&self.unit).filter(|u| *u != Unit::Ml) {
            return Some(Amount {
                value: self.amount,
                unit,
            });
        }
        let strength = strength?;
        if self.unit == "mL" {
            let per = strength.per_ml?;
            return Some(Amount {
                value: strength.amount.value * self.amount / per,
                unit: strength.amount.unit,
            });
        }
        if strength.per_ml.is_some() {
            return None;
        }
        Some(Amount {
            value: strength.amount.value * self.amount,
            unit: strength.amount.unit,
        })
    }
}

/// How often: a canonical code, doses per day (when it can be known), whether only when
/// needed, and the words a patient reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frequency {
    /// `BID`, `Q8H`, `QHS`, `WEEKLY`, `ONCE`, with ` PRN` when only as needed.
    pub code: String,
    /// Doses per day at most; `None` for "when needed" with no interval.
    pub per_day: Option<Decimal>,
    pub prn: bool,
    /// `three times a day`, `every 8 hours when needed`.
    pub words: String,
}

impl FromStr for Frequency {
    type Err = ValidationError;

    fn from_str(input: &str) -> Result<Frequency, ValidationError> {
        let mut s = format!(" {} ", input.trim().to_ascii_lowercase().replace('.', ""));
        let mut prn = false;
        for marker in [
            " prn ",
            " as needed ",
            " when needed ",
            " as required ",
            " if needed ",
        ] {
            if s.contains(marker) {
                prn = true;
                s = s.replace(marker, " ");
            }
        }
        let core = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let day = |n: i64, code: &str, words: &str| {
            (Some(Decimal::from(n)), code.to_owned(), words.to_owned())
        };
        let (per_day, code, words) = match core.as_str() {
            "" if prn => (None, String::new(), String::new()),
            "od" | "qd" | "daily" | "once daily" | "once a day" | "1x daily" | "q24h" | "every 24 hours" => {
                day(1, "OD", "once a day")
            }
            "bid" | "bd" | "twice daily" | "twice a day" | "2x daily" => day(2, "BID", "twice a day"),
            "tid" | "tds" | "three times daily" | "three times a day" | "3x daily" => {
                day(3, "TID", "three times a day")
            }
            "qid" | "qds" | "four times daily" | "four times a day" | "4x daily" => {
                day(4, "QID", "four times a day")
            }
            "5x daily" | "five times daily" | "five times a day" => day(5, "5X", "five times a day"),
            "qam" | "every morning" | "in the morning" | "om" => day(1, "QAM", "every morning"),
            "qpm" | "every evening" | "in the evening" => day(1, "QPM", "every evening"),
            "qhs" | "hs" | "at bedtime" | "nightly" | "on" | "at night" => day(1, "QHS", "at bedtime"),
            "weekly" | "once weekly" | "once a week" | "qweek" | "every week" | "qw" => (
                Some(Decimal::ONE / Decimal::from(7)),
                "WEEKLY".into(),
                "once a week".into(),
            ),
            "twice weekly" | "twice a week" | "biw" => (
                Some(Decimal::from(2) / Decimal::from(7)),
                "2XWEEKLY".into(),
                "twice a week".into(),
            ),
            "monthly" | "once monthly" | "once a month" | "every month" => (
                Some(Decimal::ONE / Decimal::from(30)),
                "MONTHLY".into(),
                "once a month".into(),
            ),
            "once" | "stat" | "once only" | "single dose" | "now" => day(1, "ONCE", "once only"),
            "qod" | "every other day" | "alternate days" | "on alternate days" => (
                Some(Decimal::ONE / Decimal::from(2)),
                "Q2D".into(),
                "every other day".into(),
            ),
            other => parse_interval(other).ok_or_else(|| {
                ValidationError::new(
                    "frequency",
                    words!("“{input}” is not a frequency Tend reads: try OD, BID, TID, QID, q8h, QHS, weekly, once, or add PRN", input = input.trim()),
                )
            })?,
        };
        let code = match (code.is_empty(), prn) {
            (true, _) => "PRN".to_owned(),
            (false, true) => format!("{code} PRN"),
            (false, false) => code,
        };
        let words = match (words.is_empty(), prn) {
            (true, _) => "when needed".to_owned(),
            (false, true) => format!("{words} when needed"),
            (false, false) => words,
        };
        Ok(Frequency {
            code,
            per_day,
            prn,
            words,
        })
    }
}

/// `q8h`, `q 8 h`, `every 8 hours`, `every 3 days`, `3 times a day`.
fn parse_interval(s: &str) -> Option<(Option<Decimal>, String, String)> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let number = |t: &str| t.parse::<u32>().ok().filter(|n| (1..=72).contains(n));
    if let Some(h) = compact
        .strip_prefix('q')
        .and_then(|r| r.strip_suffix('h').or_else(|| r.strip_suffix("hr")))
        .and_then(number)
        .or_else(|| {
            s.strip_prefix("every ")
                .and_then(|r| r.strip_suffix(" hours").or_else(|| r.strip_suffix(" hour")))
                .and_then(number)
        })
    {
        let words = if h == 1 {
            "every hour".to_owned()
        } else {
            format!("every {h} hours")
        };
        return Some((
            Some(Decimal::from(24) / Decimal::from(h)),
            format!("Q{h}H"),
            words,
        ));
    }
    if let Some(d) = compact
        .strip_prefix('q')
        .and_then(|r| r.strip_suffix('d'))
        .and_then(number)
        .or_else(|| {
            s.strip_prefix("every ")
                .and_then(|r| r.strip_suffix(" days"))
                .and_then(number)
        })
    {
        return Some((
            Some(Decimal::ONE / Decimal::from(d)),
            format!("Q{d}D"),
            format!("every {d} days"),
        ));
    }
    for suffix in [" times a day", " times daily", "x daily", " x daily"] {
        if let Some(n) = s
            .strip_suffix(suffix)
            .and_then(|n| number(n.trim()))
            .filter(|n| *n <= 12)
        {
            return Some((
                Some(Decimal::from(n)),
                format!("{n}X"),
                format!("{} times a day", words(u64::from(n))),
            ));
        }
    }
    None
}

/// The routes Tend knows, canonical name first, with the abbreviations it reads.
const ROUTES: &[(&str, &[&str], &str)] = &[
    ("oral", &["po", "by mouth", "mouth", "orally"], "by mouth"),
    (
        "sublingual",
        &["sl", "under the tongue"],
        "under the tongue",
    ),
    ("buccal", &["inside the cheek"], "inside the cheek"),
    ("intramuscular", &["im"], "by injection into a muscle"),
    ("intravenous", &["iv"], "by injection into a vein"),
    (
        "subcutaneous",
        &["sc", "sq", "subcut", "sub-q"],
        "by injection under the skin",
    ),
    ("topical", &["top", "skin", "on the skin"], "to the skin"),
    ("transdermal", &["td", "patch"], "as a patch on the skin"),
    ("inhaled", &["inh", "inhalation", "inhale"], "by inhalation"),
    ("intranasal", &["in", "nasal", "nose"], "into the nose"),
    ("ophthalmic", &["eye", "eyes", "ophth"], "into the eye"),
    ("otic", &["ear", "ears"], "into the ear"),
    ("rectal", &["pr", "rectally"], "rectally"),
    ("vaginal", &["pv", "vaginally"], "vaginally"),
    ("intrauterine", &["iud"], "into the uterus"),
];

/// `PO` → `oral`.
pub fn parse_route(s: &str) -> Result<&'static str, ValidationError> {
    let s = s.trim().to_ascii_lowercase();
    ROUTES
        .iter()
        .find(|(name, aliases, _)| *name == s || aliases.contains(&s.as_str()))
        .map(|(name, _, _)| *name)
        .ok_or_else(|| {
            ValidationError::new(
                "route",
                words!("“{s}” is not a route Tend knows: try oral (PO), sublingual, IM, IV, SC, topical, transdermal, inhaled, nasal, eye, ear, rectal, vaginal", s = s),
            )
        })
}

/// `oral` → `by mouth`.
pub fn route_words(route: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|(name, _, _)| *name == route)
        .map_or("", |(_, _, words)| words)
}

/// The verb a sig starts with for a route.
pub fn verb(route: &str) -> &'static str {
    match route {
        "oral" | "sublingual" | "buccal" => "Take",
        "inhaled" => "Inhale",
        "topical" | "transdermal" => "Apply",
        "intramuscular" | "intravenous" | "subcutaneous" => "Inject",
        "intranasal" => "Spray",
        "ophthalmic" | "otic" => "Put",
        "rectal" | "vaginal" | "intrauterine" => "Insert",
        _ => "Use",
    }
}

/// A whole number in English words: 21 → `twenty-one`, 1500 → `one thousand five hundred`.
pub fn words(n: u64) -> String {
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 10] = [
        "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    fn below_thousand(n: u64) -> String {
        let mut parts = Vec::new();
        if n >= 100 {
            parts.push(format!("{} hundred", ONES[(n / 100) as usize]));
        }
        let rest = n % 100;
        if rest > 0 || n == 0 {
            parts.push(if rest < 20 {
                ONES[rest as usize].to_owned()
            } else if rest.is_multiple_of(10) {
                TENS[(rest / 10) as usize].to_owned()
            } else {
                format!(
                    "{}-{}",
                    TENS[(rest / 10) as usize],
                    ONES[(rest % 10) as usize]
                )
            });
        }
        parts.join(" ")
    }
    if n < 1000 {
        return below_thousand(n);
    }
    let mut parts = Vec::new();
    for (scale, name) in [
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1000, "thousand"),
    ] {
        if !(n / scale).is_multiple_of(1000) {
            parts.push(format!("{} {name}", below_thousand(n / scale % 1000)));
        }
    }
    if !n.is_multiple_of(1000) {
        parts.push(below_thousand(n % 1000));
    }
    parts.join(" ")
}

/// A quantity in figures and words: `21 (twenty-one)`, `2.5 (two and a half)`.
pub fn figures_and_words(n: Decimal) -> String {
    let n = n.normalize();
    if n.fract().is_zero() {
        return format!("{n} ({})", words(n.trunc().to_u64().unwrap_or(0)));
    }
    let whole = n.trunc().to_u64().unwrap_or(0);
    if n.fract() == Decimal::new(5, 1) {
        return format!("{n} ({} and a half)", words(whole));
    }
    n.to_string()
}

/// The singular count unit (`tablet`) a dose unit is, if it is one.
pub fn parse_count_unit(unit: &str) -> Option<&'static str> {
    COUNTS
        .iter()
        .find(|(one, _)| *one == unit)
        .map(|(one, _)| *one)
}

/// `tablet`, 21 → `tablets`; a form with no known plural gets an `s` unless it already ends so.
pub fn plural(one: &str, n: Decimal) -> String {
    if n <= Decimal::ONE {
        return one.to_owned();
    }
    match COUNTS.iter().find(|(single, _)| *single == one) {
        Some((_, many)) => (*many).to_owned(),
        None if one.ends_with('s') || one.ends_with("drops") => one.to_owned(),
        None => format!("{one}s"),
    }
}
