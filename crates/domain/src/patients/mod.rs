//! Patients: who they are (demographics), their human-readable number, their age, and the
//! checks a registration form must pass. Every error names the field it concerns.

mod age;
mod duplicate;
mod mrn;
pub mod search;

use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

pub use age::{Age, age_on};
pub use duplicate::{
    DuplicateReason, DuplicateScore, LIKELY_DUPLICATE, PersonKey, candidate_birth_dates,
    duplicate_score,
};
pub use mrn::Mrn;

use crate::ValidationError;
use crate::error::optional_text;
use crate::text::phone_digits;
use crate::words;

crate::ids::record_id!(
    /// A patient.
    PatientId
);

/// Administrative sex, as registration records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Female,
    Male,
    Other,
    #[default]
    Unknown,
}

impl Sex {
    pub const fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Sex {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f" | "female" => Ok(Sex::Female),
            "m" | "male" => Ok(Sex::Male),
            "o" | "other" => Ok(Sex::Other),
            "" | "u" | "unknown" => Ok(Sex::Unknown),
            _ => Err(ValidationError::new(
                "sex",
                "must be female, male, other or unknown",
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum PhoneKind {
    #[default]
    Mobile,
    Home,
    Work,
    Other,
}

impl PhoneKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PhoneKind::Mobile => "mobile",
            PhoneKind::Home => "home",
            PhoneKind::Work => "work",
            PhoneKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Phone {
    pub kind: PhoneKind,
    /// As the person wrote it, trimmed.
    pub number: String,
}

impl Phone {
    pub fn digits(&self) -> String {
        self.number.chars().filter(char::is_ascii_digit).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct Address {
    pub line1: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub line2: String,
    pub city: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub postal_code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub country: String,
}

impl Address {
    /// The address as it is written on an envelope, one line each: the street lines, the postal
    /// code and town, the region and the country, leaving out what is empty. Every printed
    /// document and screen that writes an address writes it this way.
    pub fn lines(&self) -> Vec<String> {
        let town = [self.postal_code.trim(), self.city.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        [
            self.line1.trim(),
            self.line2.trim(),
            town.as_str(),
            self.region.trim(),
            self.country.trim(),
        ]
        .into_iter()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct EmergencyContact {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub relationship: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Insurance {
    pub payer: String,
    pub member_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
}

/// Who a patient is, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demographics {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub birth_date: NaiveDate,
    /// The patient does not know the date; it was worked out from an age.
    pub birth_date_estimated: bool,
    pub sex: Sex,
    pub gender_identity: Option<String>,
    pub phones: Vec<Phone>,
    pub email: Option<String>,
    pub address: Option<Address>,
    pub emergency_contact: Option<EmergencyContact>,
    pub language: Option<String>,
    pub front_desk_note: Option<String>,
    pub national_id: Option<String>,
    pub insurance: Option<Insurance>,
}

impl Demographics {
    /// The name as a person reads it: preferred or given, then family.
    pub fn display_name(&self) -> String {
        display_name(
            self.preferred_name.as_deref(),
            &self.given_name,
            &self.family_name,
        )
    }
}

pub fn display_name(preferred: Option<&str>, given: &str, family: &str) -> String {
    let first = preferred.filter(|p| !p.is_empty()).unwrap_or(given);
    match (first.is_empty(), family.is_empty()) {
        (true, _) => family.to_owned(),
        (false, true) => first.to_owned(),
        (false, false) => format!("{first} {family}"),
    }
}

/// The registration form as typed: every field a string, empty when not given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatientForm {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: String,
    /// `YYYY-MM-DD`, or `DD/MM/YYYY`, or `DD.MM.YYYY`.
    pub birth_date: String,
    /// For a patient who does not know their birth date: their age in years.
    pub estimated_age_years: String,
    pub sex: String,
    pub gender_identity: String,
    /// `kind:number` or just `number` (mobile), one per entry.
    pub phones: Vec<String>,
    pub email: String,
    pub address: Option<Address>,
    pub emergency_contact: Option<EmergencyContact>,
    pub language: String,
    pub front_desk_note: String,
    pub national_id: String,
    pub insurance: Option<Insurance>,
}

const NAME_MAX: usize = 100;

/// A free-text note: line breaks allowed, other control characters not.
pub fn parse_note(
    field: &'static str,
    s: &str,
    max_chars: usize,
) -> Result<Option<String>, ValidationError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max_chars {
        return Err(ValidationError::new(
            field,
            words!(
                "must be at most {max_chars} characters",
                max_chars = max_chars
            ),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(s.replace("\r\n", "\n")))
}

/// Reads a date as people write it: `2024-03-09`, `09/03/2024` or `9.3.2024` (day first).
pub fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate, ValidationError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ValidationError::new(field, "is required"));
    }
    for format in ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"] {
        if let Ok(date) = NaiveDate::parse_from_str(s, format) {
            return Ok(date);
        }
    }
    Err(ValidationError::new(
        field,
        words!(
            "\"{s}\" is not a date; write it as YYYY-MM-DD or DD/MM/YYYY",
            s = s
        ),
    ))
}

fn parse_phone(entry: &str) -> Result<Option<Phone>, ValidationError> {
    let entry = entry.trim();
    if entry.is_empty() {
        return Ok(None);
    }
    let (kind, number) = match entry.split_once(':') {
        Some((kind, number)) => {
            let kind = match kind.trim().to_ascii_lowercase().as_str() {
                "mobile" | "cell" => PhoneKind::Mobile,
                "home" => PhoneKind::Home,
                "work" => PhoneKind::Work,
                "other" => PhoneKind::Other,
                other => {
                    return Err(ValidationError::new(
                        "phones",
                        words!(
                            "\"{other}\" is not a kind of phone; use mobile, home, work or other",
                            other = other
                        ),
                    ));
                }
            };
            (kind, number.trim())
        }
        None => (PhoneKind::Mobile, entry),
    };
    if phone_digits(number).is_none() {
        return Err(ValidationError::new(
            "phones",
            words!(
                "\"{number}\" is not a phone number (4 to 15 digits, with spaces, +, - or brackets)",
                number = number
            ),
        ));
    }
    Ok(Some(Phone {
        kind,
        number: number.to_owned(),
    }))
}

fn parse_email(s: &str) -> Result<Option<String>, ValidationError> {
    let Some(email) = optional_text("email", s, 254)? else {
        return Ok(None);
    };
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if valid {
        Ok(Some(email))
    } else {
        Err(ValidationError::new(
            "email",
            words!("\"{email}\" is not an email address", email = email),
        ))
    }
}

fn parse_address(a: &Address) -> Result<Option<Address>, ValidationError> {
    let field = |name: &'static str, value: &str, max| {
        optional_text(name, value, max).map(Option::unwrap_or_default)
    };
    let address = Address {
        line1: field("address.line1", &a.line1, 120)?,
        line2: field("address.line2", &a.line2, 120)?,
        city: field("address.city", &a.city, 80)?,
        region: field("address.region", &a.region, 80)?,
        postal_code: field("address.postal_code", &a.postal_code, 20)?,
        country: field("address.country", &a.country, 60)?,
    };
    if address == Address::default() {
        return Ok(None);
    }
    if address.line1.is_empty() && address.city.is_empty() {
        return Err(ValidationError::new(
            "address.line1",
            "an address needs at least a street line or a city",
        ));
    }
    Ok(Some(address))
}

fn parse_emergency_contact(
    c: &EmergencyContact,
) -> Result<Option<EmergencyContact>, ValidationError> {
    let name = optional_text("emergency_contact.name", &c.name, NAME_MAX)?;
    let relationship = optional_text("emergency_contact.relationship", &c.relationship, 40)?;
    let phone = optional_text("emergency_contact.phone", &c.phone, 40)?;
    match (name, phone) {
        (None, None) if relationship.is_none() => Ok(None),
        (Some(name), Some(phone)) => {
            if phone_digits(&phone).is_none() {
                return Err(ValidationError::new(
                    "emergency_contact.phone",
                    words!("\"{phone}\" is not a phone number", phone = phone),
                ));
            }
            Ok(Some(EmergencyContact {
                name,
                relationship: relationship.unwrap_or_default(),
                phone,
            }))
        }
        (None, _) => Err(ValidationError::new(
            "emergency_contact.name",
            "is required for an emergency contact",
        )),
        (_, None) => Err(ValidationError::new(
            "emergency_contact.phone",
            "is required for an emergency contact",
        )),
    }
}

fn parse_insurance(i: &Insurance) -> Result<Option<Insurance>, ValidationError> {
    let payer = optional_text("insurance.payer", &i.payer, 80)?;
    let member_id = optional_text("insurance.member_id", &i.member_id, 40)?;
    let group = optional_text("insurance.group", &i.group, 40)?;
    match (payer, member_id) {
        (None, None) if group.is_none() => Ok(None),
        (Some(payer), Some(member_id)) => Ok(Some(Insurance {
            payer,
            member_id,
            group: group.unwrap_or_default(),
        })),
        (None, _) => Err(ValidationError::new(
            "insurance.payer",
            "is required when insurance is given",
        )),
        (_, None) => Err(ValidationError::new(
            "insurance.member_id",
            "is required when insurance is given",
        )),
    }
}

/// Oldest plausible patient, in years.
const MAX_AGE_YEARS: u32 = 130;

impl PatientForm {
    /// Checks every field against the rules, with `today` in the clinic's time zone.
    pub fn validate(&self, today: NaiveDate) -> Result<Demographics, ValidationError> {
        let given_name =
            optional_text("given_name", &self.given_name, NAME_MAX)?.unwrap_or_default();
        let family_name =
            optional_text("family_name", &self.family_name, NAME_MAX)?.unwrap_or_default();
        if given_name.is_empty() && family_name.is_empty() {
            return Err(ValidationError::new(
                "family_name",
                "enter the patient's name (family name, given name, or both)",
            ));
        }
        let preferred_name = optional_text("preferred_name", &self.preferred_name, NAME_MAX)?;
        let (birth_date, birth_date_estimated) = self.birth_date(today)?;
        let phones: Vec<Phone> = self
            .phones
            .iter()
            .map(|p| parse_phone(p))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        if phones.is_empty() {
            return Err(ValidationError::new(
                "phones",
                "enter a phone number to reach the patient (a relative's will do)",
            ));
        }
        if phones.len() > 5 {
            return Err(ValidationError::new("phones", "at most five phone numbers"));
        }
        Ok(Demographics {
            given_name,
            family_name,
            preferred_name,
            birth_date,
            birth_date_estimated,
            sex: self.sex.parse()?,
            gender_identity: optional_text("gender_identity", &self.gender_identity, 60)?,
            phones,
            email: parse_email(&self.email)?,
            address: self
                .address
                .as_ref()
                .map(parse_address)
                .transpose()?
                .flatten(),
            emergency_contact: self
                .emergency_contact
                .as_ref()
                .map(parse_emergency_contact)
                .transpose()?
                .flatten(),
            language: optional_text("language", &self.language, 40)?,
            front_desk_note: parse_note("front_desk_note", &self.front_desk_note, 500)?,
            national_id: optional_text("national_id", &self.national_id, 40)?,
            insurance: self
                .insurance
                .as_ref()
                .map(parse_insurance)
                .transpose()?
                .flatten(),
        })
    }

    fn birth_date(&self, today: NaiveDate) -> Result<(NaiveDate, bool), ValidationError> {
        let age = self.estimated_age_years.trim();
        match (self.birth_date.trim().is_empty(), age.is_empty()) {
            (true, true) => Err(ValidationError::new(
                "birth_date",
                "is required (if the patient does not know it, give an estimated age instead)",
            )),
            (false, false) => Err(ValidationError::new(
                "estimated_age_years",
                "give either a birth date or an estimated age, not both",
            )),
            (false, true) => {
                let date = parse_date("birth_date", &self.birth_date)?;
                if date > today {
                    return Err(ValidationError::new(
                        "birth_date",
                        "cannot be in the future",
                    ));
                }
                if today.years_since(date).is_some_and(|y| y > MAX_AGE_YEARS) {
                    return Err(ValidationError::new(
                        "birth_date",
                        words!(
                            "would make the patient older than {max_age_years}",
                            max_age_years = MAX_AGE_YEARS
                        ),
                    ));
                }
                Ok((date, false))
            }
            (true, false) => {
                let years: u32 = age.parse().map_err(|_| {
                    ValidationError::new("estimated_age_years", "must be a whole number of years")
                })?;
                if years > MAX_AGE_YEARS {
                    return Err(ValidationError::new(
                        "estimated_age_years",
                        words!(
                            "must be at most {max_age_years}",
                            max_age_years = MAX_AGE_YEARS
                        ),
                    ));
                }
                // The same day and month, that many years ago (28 February for 29 February).
                let date = today
                    .checked_sub_months(Months::new(years * 12))
                    .unwrap_or(NaiveDate::MIN);
                Ok((date, true))
            }
        }
    }
}

#[cfg(test)]
mod tests;
