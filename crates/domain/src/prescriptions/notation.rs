//! Safe notation for amounts: how whatever a person typed for a strength, dose, quantity or
//! maximum daily dose ("5.0 mg", ".25 mg", "0,5 mg", "50 µg", "100 U/mL", "10 cc") becomes the
//! one form Tend stores, shows and prints ("5 mg", "0.25 mg", "0.5 mg", "50 mcg",
//! "100 units/mL", "10 mL").
//!
//! The rules are those of ISMP's list of error-prone abbreviations and The Joint Commission's
//! "Do Not Use" list: no trailing zero after a decimal point (5.0 is read as 50), always a zero
//! before one (.25 is read as 25), "mcg" never "µg" or "ug" (read as mg), "units" never "U" or
//! "IU" (read as 0, 4 or 10), "mL" never "cc" (read as U), and no thousands separator that could
//! be read as a decimal mark. Input is generous: either decimal mark, any case, with or without
//! spaces. Output is one form. A number that could be read two ways ("1,000 mg": one milligram
//! or a thousand?) is refused with both readings named, never guessed.

use std::fmt;

use crate::{Words, words};
use rust_decimal::Decimal;

/// Which mark the clinic writes decimals with. The other mark is its thousands separator, so a
/// number where that mark is followed by exactly three digits ("1.000" in a clinic that writes
/// 0,5) could be either and is refused. Stored values are always read with `Point`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalMark {
    #[default]
    Point,
    Comma,
}

impl DecimalMark {
    pub fn of(c: char) -> DecimalMark {
        if c == ',' {
            DecimalMark::Comma
        } else {
            DecimalMark::Point
        }
    }

    fn char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }
}

/// What a unit measures, which decides what a strength means and what can be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Mass,
    /// International units.
    Units,
    /// Milliequivalents and millimoles.
    Chemical,
    Volume,
    Percent,
    Time,
    /// A dose form counted: puff, spray, capsule, tablet.
    Count,
}

/// A unit as Tend writes it, with every spelling it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UnitName {
    pub canonical: &'static str,
    /// For counted forms, the plural (`tablets`); otherwise the same as `canonical`.
    plural: &'static str,
    pub kind: Kind,
}

const fn unit(canonical: &'static str, kind: Kind) -> UnitName {
    UnitName {
        canonical,
        plural: canonical,
        kind,
    }
}

const fn count(canonical: &'static str, plural: &'static str) -> UnitName {
    UnitName {
        canonical,
        plural,
        kind: Kind::Count,
    }
}

/// Every unit Tend reads, canonical spelling first, then the spellings it accepts (lowercase,
/// with µ already written as u).
const UNITS: &[(UnitName, &[&str])] = &[
    (
        unit("mg", Kind::Mass),
        &[
            "mg",
            "mgs",
            "milligram",
            "milligrams",
            "milligramme",
            "milligrammes",
        ],
    ),
    (
        unit("mcg", Kind::Mass),
        &[
            "mcg",
            "mcgs",
            "ug",
            "microgram",
            "micrograms",
            "microgramme",
            "microgrammes",
        ],
    ),
    (
        unit("g", Kind::Mass),
        &["g", "gm", "gram", "grams", "gramme", "grammes"],
    ),
    (unit("kg", Kind::Mass), &["kg", "kilogram", "kilograms"]),
    (unit("ng", Kind::Mass), &["ng", "nanogram", "nanograms"]),
    (
        unit("units", Kind::Units),
        &[
            "units",
            "unit",
            "u",
            "iu",
            "i.u.",
            "i.u",
            "ui",
            "international unit",
            "international units",
        ],
    ),
    (
        unit("million units", Kind::Units),
        &[
            "million units",
            "million unit",
            "million iu",
            "million international units",
        ],
    ),
    (
        unit("mEq", Kind::Chemical),
        &["meq", "milliequivalent", "milliequivalents"],
    ),
    (
        unit("mmol", Kind::Chemical),
        &["mmol", "millimole", "millimoles"],
    ),
    (
        unit("mL", Kind::Volume),
        &[
            "ml",
            "mls",
            "cc",
            "milliliter",
            "milliliters",
            "millilitre",
            "millilitres",
        ],
    ),
    (
        unit("L", Kind::Volume),
        &["l", "liter", "liters", "litre", "litres"],
    ),
    (unit("%", Kind::Percent), &["%", "percent", "per cent"]),
    (unit("h", Kind::Time), &["h", "hr", "hrs", "hour", "hours"]),
    (
        UnitName {
            canonical: "day",
            plural: "days",
            kind: Kind::Time,
        },
        &["day", "days", "d"],
    ),
    (count("puff", "puffs"), &["puff", "puffs"]),
    (count("spray", "sprays"), &["spray", "sprays"]),
    (
        count("actuation", "actuations"),
        &["actuation", "actuations"],
    ),
    (count("dose", "doses"), &["dose", "doses"]),
    (
        count("tablet", "tablets"),
        &["tablet", "tablets", "tab", "tabs"],
    ),
    (
        count("capsule", "capsules"),
        &["capsule", "capsules", "cap", "caps"],
    ),
    (count("sachet", "sachets"), &["sachet", "sachets"]),
    (count("patch", "patches"), &["patch", "patches"]),
    (count("drop", "drops"), &["drop", "drops"]),
    (count("vial", "vials"), &["vial", "vials"]),
    (
        count("ampoule", "ampoules"),
        &["ampoule", "ampoules", "ampule", "ampules"],
    ),
    (
        count("inhalation", "inhalations"),
        &["inhalation", "inhalations"],
    ),
    (count("lozenge", "lozenges"), &["lozenge", "lozenges"]),
    (
        count("suppository", "suppositories"),
        &["suppository", "suppositories"],
    ),
    (
        count("application", "applications"),
        &["application", "applications"],
    ),
];

/// Spellings refused outright, because they stand for something else too.
const REFUSED_UNITS: &[(&str, &str)] = &[
    (
        "gr",
        "\"gr\" means grain (about 65 mg) and is mistaken for gram: write g or mg",
    ),
    (
        "mu",
        "\"MU\" can mean million units or milliunits: write \"million units\"",
    ),
    (
        "miu",
        "\"MIU\" can mean million or milli- international units: write \"million units\"",
    ),
    ("cm3", "write mL"),
];

impl UnitName {
    /// The unit a typed spelling stands for, if Tend reads it.
    pub fn lookup(typed: &str) -> Option<UnitName> {
        let key = unit_key(typed);
        UNITS
            .iter()
            .find(|(_, spellings)| spellings.contains(&key.as_str()))
            .map(|(u, _)| *u)
    }

    /// `tablet` for 1, `tablets` for 2.
    pub fn for_value(self, value: Option<Decimal>) -> &'static str {
        match value {
            Some(v) if v > Decimal::ONE => self.plural,
            _ => self.canonical,
        }
    }
}

/// A typed unit as looked up: lowercase, µ and μ as u, runs of spaces as one, a final full stop
/// dropped ("mg." is mg).
fn unit_key(typed: &str) -> String {
    let lower = typed.trim().to_lowercase().replace(['µ', 'μ'], "u");
    let words: Vec<&str> = lower.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.strip_suffix('.') {
        Some(s) if !s.ends_with('.') && !s.contains('.') => s.to_owned(),
        _ => joined,
    }
}

/// Why a typed amount was refused, as a sentence for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotationError(pub Words);

impl fmt::Display for NotationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn refuse<T>(reason: impl Into<Words>) -> Result<T, NotationError> {
    Err(NotationError(reason.into()))
}

/// Most digits before and after the decimal mark: enough for 100000 units/g and 0.025 %.
const MAX_WHOLE_DIGITS: usize = 9;
const MAX_DECIMALS: usize = 6;

/// A number as a person typed it, in the clinic's notation: digits with at most one decimal
/// mark, either mark read as decimal unless it could be a thousands separator.
pub fn parse_number(typed: &str, mark: DecimalMark) -> Result<Decimal, NotationError> {
    let s = typed.trim();
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return refuse(words!("“{s}” is not a number", s = s));
    }
    let marks: Vec<(usize, char)> = s
        .char_indices()
        .filter(|(_, c)| !c.is_ascii_digit())
        .collect();
    let (whole, fraction) = match marks.as_slice() {
        [] => (s, ""),
        [(i, used)] => {
            let (whole, fraction) = (&s[..*i], &s[i + 1..]);
            if fraction.is_empty() {
                return refuse(words!(
                    "“{s}” ends with a decimal mark: write {whole}",
                    s = s,
                    whole = whole
                ));
            }
            // The clinic's own thousands separator followed by a group of three could be a
            // thousand times the decimal reading.
            let could_be_thousands = *used != mark.char()
                && fraction.len() == 3
                && whole.chars().any(|c| c != '0')
                && whole.len() <= 3;
            if could_be_thousands {
                let decimal = number_text(&format!("{whole}.{fraction}"));
                let thousands = number_text(&format!("{whole}{fraction}"));
                return refuse(words!(
                    "“{s}” could be read as {decimal} or as {thousands}: write {thousands} (with no thousands separator) or {decimal}",
                    s = s,
                    decimal = decimal,
                    thousands = thousands
                ));
            }
            (whole, fraction)
        }
        _ => {
            return refuse(words!(
                "“{s}” has more than one mark in it: write the number with one decimal point and no thousands separator, such as 1000 or 2.5",
                s = s
            ));
        }
    };
    let whole = whole.trim_start_matches('0');
    if whole.len() > MAX_WHOLE_DIGITS {
        return refuse(words!("“{s}” is too large", s = s));
    }
    if fraction.trim_end_matches('0').len() > MAX_DECIMALS {
        return refuse(words!(
            "“{s}” has more than {max_decimals} decimal places",
            s = s,
            max_decimals = MAX_DECIMALS
        ));
    }
    let text = format!(
        "{}.{}",
        if whole.is_empty() { "0" } else { whole },
        if fraction.is_empty() { "0" } else { fraction }
    );
    let value: Decimal = text
        .parse()
        .map_err(|_| NotationError(words!("“{s}” is not a number", s = s)))?;
    if value.is_zero() {
        return refuse("must be more than 0");
    }
    Ok(value.normalize())
}

/// `5.000` → `5`, `.25` → `0.25`: a decimal written by the rules.
fn number_text(s: &str) -> String {
    s.parse::<Decimal>()
        .map(format_number)
        .unwrap_or_else(|_| s.to_owned())
}

/// A number as Tend writes it: no trailing zeros, a zero before the point, no separators.
pub fn format_number(value: Decimal) -> String {
    value.normalize().to_string()
}

/// One part of a measure: `250 mg`, `5 mL`, `24 h`, or a unit alone after a slash (`/mL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Term {
    pub value: Option<Decimal>,
    pub unit: UnitName,
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Some(v) => write!(f, "{} {}", format_number(v), self.unit.for_value(Some(v))),
            None => f.write_str(self.unit.canonical),
        }
    }
}

/// A strength, dose or amount as prescriptions write it: one or more terms joined by slashes
/// (`250 mg/5 mL`, `49 mg/51 mg`, `100 mcg/puff`, `4.6 mg/24 h`) and, for a combination in a
/// liquid, a volume it is all in (`200 mg/40 mg per 5 mL`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Measure {
    pub terms: Vec<Term>,
    pub per: Option<Term>,
}

/// Longest text read as a measure; anything longer is not one.
const MAX_CHARS: usize = 80;
/// Most terms between slashes (a three-drug combination).
const MAX_TERMS: usize = 4;

const UNITS_HINT: &str = "mg, mcg, g, units, mEq, mmol, mL or %";

impl Measure {
    /// Reads a typed measure in the clinic's notation. Stored values are read with
    /// [`DecimalMark::Point`].
    pub fn parse(typed: &str, mark: DecimalMark) -> Result<Measure, NotationError> {
        let s = typed.trim();
        if s.is_empty() {
            return refuse("write an amount and its unit, such as 500 mg");
        }
        if s.chars().count() > MAX_CHARS || s.chars().any(char::is_control) {
            return refuse(words!(
                "write an amount and its unit, such as 500 mg, in at most {max_chars} characters",
                max_chars = MAX_CHARS
            ));
        }
        let lower = s.to_lowercase();
        let (main, per) = match lower.split_once(" per ") {
            Some((main, per)) => (main.to_owned(), Some(per.to_owned())),
            None => (lower.clone(), None),
        };
        let parts: Vec<&str> = main.split('/').map(str::trim).collect();
        if parts.len() > MAX_TERMS {
            return refuse(words!("“{s}” has too many parts between slashes", s = s));
        }
        let mut terms = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() {
                return refuse(words!("“{s}” has nothing on one side of a slash", s = s));
            }
            terms.push(Term::parse(part, mark, i > 0)?);
        }
        let per = per.map(|p| Term::parse(p.trim(), mark, true)).transpose()?;
        match per {
            // "5 mg per mL" is "5 mg/mL", written one way.
            Some(per) if terms.len() == 1 => {
                terms.push(per);
                Ok(Measure { terms, per: None })
            }
            per => Ok(Measure { terms, per }),
        }
    }

    /// The first amount: what a strength counts (`875 mg` of `875 mg/125 mg`).
    pub fn first(&self) -> Term {
        self.terms[0]
    }

    /// The same quantity however written: `0.4 mg/spray` is `400 mcg/spray`, `10 mg/mL` is
    /// `10 mg/1 mL`, `1.2 million units` is `1200000 units`.
    pub fn same_as(&self, other: &Measure) -> bool {
        self.terms.len() == other.terms.len()
            && self.per.is_some() == other.per.is_some()
            && self
                .terms
                .iter()
                .chain(&self.per)
                .zip(other.terms.iter().chain(&other.per))
                .all(|(a, b)| a.base() == b.base())
    }
}

impl Measure {
    /// Where a strength goes in a drug's list: by shape (single amounts, then combinations and
    /// liquids), then by what it measures, then by the first amount.
    pub fn order(&self) -> (usize, bool, u8, &'static str, Decimal) {
        let (kind, unit, value) = self.terms[0].base();
        (
            self.terms.len(),
            self.per.is_some(),
            kind as u8,
            unit,
            value,
        )
    }
}

impl Term {
    /// The term in its kind's base unit (mg, mL, units), so equal quantities compare equal.
    fn base(&self) -> (Kind, &'static str, Decimal) {
        let value = self.value.unwrap_or(Decimal::ONE);
        let (unit, factor) = match self.unit.canonical {
            "mcg" => ("mg", Decimal::new(1, 3)),
            "ng" => ("mg", Decimal::new(1, 6)),
            "g" => ("mg", Decimal::from(1000)),
            "kg" => ("mg", Decimal::from(1_000_000)),
            "L" => ("mL", Decimal::from(1000)),
            "million units" => ("units", Decimal::from(1_000_000)),
            other => (other, Decimal::ONE),
        };
        (self.unit.kind, unit, (value * factor).normalize())
    }
}

impl Term {
    fn parse(part: &str, mark: DecimalMark, unit_alone: bool) -> Result<Term, NotationError> {
        let split = part
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(part.len());
        let (number, rest) = (&part[..split], part[split..].trim());
        let (value, rest) = if number.is_empty() {
            match rest.split_once(' ') {
                Some(("one", unit)) => (Some(Decimal::ONE), unit.trim()),
                _ if unit_alone => (None, rest),
                _ => {
                    return refuse(words!(
                        "“{part}” needs a number before its unit, such as 500 mg",
                        part = part
                    ));
                }
            }
        } else {
            (Some(parse_number(number, mark)?), rest)
        };
        if rest.is_empty() {
            return refuse(words!(
                "“{part}” needs a unit: {units_hint}",
                part = part,
                units_hint = UNITS_HINT
            ));
        }
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return refuse(words!(
                "“{part}”: write numbers without spaces inside them, such as 1000",
                part = part
            ));
        }
        let key = unit_key(rest);
        if let Some((_, why)) = REFUSED_UNITS.iter().find(|(k, _)| *k == key) {
            return refuse(*why);
        }
        let unit = UnitName::lookup(rest).ok_or_else(|| {
            NotationError(words!("“{rest}” is not a unit Tend reads: use {units_hint} (write only the amount here; the form has its own box)", rest = rest, units_hint = UNITS_HINT))
        })?;
        Ok(Term { value, unit })
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "{t}")?;
        }
        if let Some(per) = &self.per {
            write!(f, " per {per}")?;
        }
        Ok(())
    }
}

/// The canonical form of a typed measure: `".25 mg"` → `"0.25 mg"`.
pub fn canonical(typed: &str, mark: DecimalMark) -> Result<String, NotationError> {
    Measure::parse(typed, mark).map(|m| m.to_string())
}

/// A stored measure as it should be shown: its canonical form when it reads as one (values
/// written before these rules, or by another desktop), otherwise the text with its amounts
/// tidied.
pub fn shown(stored: &str) -> String {
    canonical(stored, DecimalMark::Point).unwrap_or_else(|_| tidy(stored, DecimalMark::Point))
}

/// Free text (a medication's dose as recorded, a patient instruction) with every amount in it
/// written by the rules: `"5.0 mg 1 tablet"` → `"5 mg 1 tablet"`, `"10U"` → `"10 units"`,
/// `"250mg/5ml"` → `"250 mg/5 mL"`. Words that are not amounts are left as they are.
pub fn tidy(text: &str, mark: DecimalMark) -> String {
    tidy_amounts(text, mark, BadAmount::Keep).unwrap_or_else(|_| text.to_owned())
}

/// Like [`tidy`], for text being typed now: an amount whose number could be read two ways
/// (`1,000 mcg`) is refused rather than kept.
pub fn tidy_typed(text: &str, mark: DecimalMark) -> Result<String, NotationError> {
    tidy_amounts(text, mark, BadAmount::Refuse)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BadAmount {
    Keep,
    Refuse,
}

fn tidy_amounts(text: &str, mark: DecimalMark, bad: BadAmount) -> Result<String, NotationError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            || ((chars[i] == '.' || chars[i] == ',')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '.');
        if !starts_number || after_word {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len()
            && (chars[end].is_ascii_digit() || chars[end] == '.' || chars[end] == ',')
        {
            end += 1;
        }
        // A mark that ends the number ends a clause ("take 2, then"), not the number.
        let mut number_end = end;
        while number_end > i && !chars[number_end - 1].is_ascii_digit() {
            number_end -= 1;
        }
        let number: String = chars[i..number_end].iter().collect();
        let mut unit_start = number_end;
        if number_end == end && chars.get(unit_start) == Some(&' ') {
            unit_start += 1;
        }
        let mut unit_end = unit_start;
        while unit_end < chars.len() && (chars[unit_end].is_alphabetic() || chars[unit_end] == '%')
        {
            unit_end += 1;
        }
        let unit_text: String = chars[unit_start..unit_end].iter().collect();
        // Durations ("for 5 days", "every 8 hours") are words for the patient, left alone.
        let unit = (unit_end > unit_start && number_end == end)
            .then(|| UnitName::lookup(&unit_text))
            .flatten()
            .filter(|u| u.kind != Kind::Time);
        match (unit, parse_number(&number, mark)) {
            (Some(unit), Ok(value)) => {
                out.push_str(
                    &Term {
                        value: Some(value),
                        unit,
                    }
                    .to_string(),
                );
                i = unit_end;
            }
            (Some(_), Err(e)) if bad == BadAmount::Refuse => return Err(e),
            _ => {
                out.push_str(&number);
                i = number_end;
            }
        }
    }
    Ok(out)
}

/// An abbreviation on The Joint Commission's "Do Not Use" list or ISMP's list of error-prone
/// abbreviations, found in free text, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorProne {
    pub found: String,
    pub instead: &'static str,
}

/// Words refused in free text that is printed (patient instructions, a drug typed by hand, a
/// quantity's unit), each with what to write instead. Lowercase; `MS` is matched in capitals
/// only, as "ms" is also a title.
const ERROR_PRONE: &[(&[&str], &str)] = &[
    (&["qd", "q.d.", "q.d", "q1d"], "\"once a day\""),
    (&["qod", "q.o.d.", "q.o.d"], "\"every other day\""),
    (&["u", "iu", "i.u.", "i.u"], "\"units\""),
    (&["cc"], "\"mL\""),
    (&["ug", "µg", "μg"], "\"mcg\""),
    (&["mso4", "ms04"], "\"morphine sulfate\" in full"),
    (&["mgso4", "mgs04"], "\"magnesium sulfate\" in full"),
    (
        &["hs", "h.s.", "h.s"],
        "\"at bedtime\" (or \"half-strength\") in full",
    ),
    (&["tiw", "t.i.w."], "\"three times a week\""),
    (
        &["sc", "sq", "s.c.", "subq", "sub-q"],
        "\"subcutaneously\" or \"under the skin\"",
    ),
    (
        &["od", "o.d."],
        "\"once a day\" (OD is also read as right eye)",
    ),
    (&["ss"], "\"sliding scale\" or \"one-half\" in full"),
];

/// The first error-prone abbreviation or number in `text`: the words above, `MS`, and numbers
/// with a trailing zero (`1.0`) or without a leading one (`.5`) that [`tidy`] left (those not
/// followed by a unit).
pub fn error_prone(text: &str) -> Option<ErrorProne> {
    let words = text.split(|c: char| c.is_whitespace() || ",;:()[]/\"'".contains(c));
    for word in words.filter(|w| !w.is_empty()) {
        if word == "MS" {
            return Some(ErrorProne {
                found: word.to_owned(),
                instead: "\"morphine sulfate\" or \"magnesium sulfate\" in full",
            });
        }
        let lower = word.to_lowercase();
        let bare = lower.trim_end_matches(['.', '!', '?']);
        for (spellings, instead) in ERROR_PRONE {
            if spellings.contains(&lower.as_str()) || spellings.contains(&bare) {
                return Some(ErrorProne {
                    found: word.to_owned(),
                    instead,
                });
            }
        }
        let number = lower.trim_end_matches(['!', '?']);
        let number = number.strip_suffix('.').unwrap_or(number);
        if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.') {
            if number.starts_with('.') {
                return Some(ErrorProne {
                    found: word.to_owned(),
                    instead: "a zero before the decimal point (0.5, not .5)",
                });
            }
            if let Some((_, fraction)) = number.split_once('.')
                && fraction.ends_with('0')
                && !fraction.contains('.')
            {
                return Some(ErrorProne {
                    found: word.to_owned(),
                    instead: "the number without a trailing zero (1, not 1.0)",
                });
            }
        }
    }
    None
}

/// Printed text safe whatever was stored: amounts tidied and the unambiguous abbreviations of
/// [`error_prone`] written out (for text saved before these rules, or by an older desktop).
pub fn printable(text: &str) -> String {
    let tidied = tidy(text, DecimalMark::Point);
    let mut out = String::with_capacity(tidied.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_lowercase();
        let bare = lower.trim_end_matches('.');
        let replacement = match bare {
            "qd" | "q.d" | "q1d" => Some("once a day"),
            "qod" | "q.o.d" => Some("every other day"),
            "u" | "iu" | "i.u" => Some("units"),
            "cc" => Some("mL"),
            "ug" | "µg" | "μg" => Some("mcg"),
            "mso4" | "ms04" => Some("morphine sulfate"),
            "mgso4" | "mgs04" => Some("magnesium sulfate"),
            "tiw" | "t.i.w" => Some("three times a week"),
            _ => None,
        };
        match replacement {
            Some(r) => out.push_str(r),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in tidied.chars() {
        if c.is_whitespace() || ",;:()[]/\"'".contains(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Free text that is printed or shown as written (patient instructions, a drug typed by hand,
/// a quantity's unit, a dose on the medication list), typed now: amounts in safe notation, and
/// refused when an error-prone abbreviation or number is left in it.
pub fn checked(
    field: &'static str,
    text: &str,
    mark: DecimalMark,
) -> Result<String, crate::ValidationError> {
    let tidied =
        tidy_typed(text.trim(), mark).map_err(|e| crate::ValidationError::new(field, e.0))?;
    match error_prone(&tidied) {
        Some(e) => Err(crate::ValidationError::new(
            field,
            words!(
                "“{found}” is on the list of error-prone abbreviations (it has caused overdoses when misread): write {instead} instead",
                found = e.found,
                instead = e.instead
            ),
        )),
        None => Ok(tidied),
    }
}

/// A medication's dose or frequency as recorded by hand on the medication list: as
/// [`checked`], and a frequency Tend reads is written in words ("BID" → "twice a day").
pub fn recorded(
    field: &'static str,
    text: &str,
    mark: DecimalMark,
) -> Result<String, crate::ValidationError> {
    if field == "frequency"
        && let Ok(f) = text.parse::<super::Frequency>()
    {
        return Ok(f.words);
    }
    checked(field, text, mark)
}

/// A medication's dose or frequency as shown, whenever and wherever it was recorded.
pub fn shown_recorded(field: &str, text: &str) -> String {
    if field == "frequency"
        && let Ok(f) = text.parse::<super::Frequency>()
    {
        return f.words;
    }
    printable(text)
}
