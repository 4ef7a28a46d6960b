//! The clinic's own settings, and the device short code that keeps numbers from colliding.

use std::fmt;

use chrono_tz::Tz;
use iso_currency::Currency;
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::required_text;
use crate::words;

pub fn parse_clinic_name(s: &str) -> Result<String, ValidationError> {
    required_text("clinic_name", s, 120)
}

/// An IANA time zone such as `Europe/Madrid` or `America/Mexico_City`.
pub fn parse_timezone(s: &str) -> Result<Tz, ValidationError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ValidationError::new("timezone", "is required"));
    }
    s.parse::<Tz>().map_err(|_| {
        ValidationError::new(
            "timezone",
            words!(
                "\"{s}\" is not a time zone; use a name such as Europe/Madrid or America/Chicago",
                s = s
            ),
        )
    })
}

/// An ISO 4217 currency code such as `EUR` or `USD`.
pub fn parse_currency(s: &str) -> Result<Currency, ValidationError> {
    let code = s.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(ValidationError::new("currency", "is required"));
    }
    Currency::from_code(&code).ok_or_else(|| {
        ValidationError::new(
            "currency",
            words!(
                "\"{code}\" is not a currency code; use a code such as EUR, USD or MXN",
                code = code
            ),
        )
    })
}

/// A device's short code, printed in the numbers it issues (`K7-000123`): one letter and one
/// digit, avoiding the look-alikes I, O, 0 and 1.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceCode(#[ts(type = "string")] [u8; 2]);

const CODE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const CODE_DIGITS: &[u8] = b"23456789";

impl DeviceCode {
    /// A code chosen by two random bytes (the caller supplies the randomness).
    pub fn from_random(bytes: [u8; 2]) -> Self {
        let letter = CODE_LETTERS[usize::from(bytes[0]) % CODE_LETTERS.len()];
        let digit = CODE_DIGITS[usize::from(bytes[1]) % CODE_DIGITS.len()];
        DeviceCode([letter, digit])
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let b = s.trim().to_ascii_uppercase().into_bytes();
        match b.as_slice() {
            [l, d] if CODE_LETTERS.contains(l) && CODE_DIGITS.contains(d) => {
                Ok(DeviceCode([*l, *d]))
            }
            _ => Err(ValidationError::new(
                "device_code",
                "must be a letter and a digit such as K7 (not I, O, 0 or 1)",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        // Both bytes come from the ASCII tables above.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for DeviceCode {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DeviceCode::parse(&s)
    }
}

impl From<DeviceCode> for String {
    fn from(c: DeviceCode) -> String {
        c.as_str().to_owned()
    }
}

/// The clinic's settings as validated values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicSettings {
    pub name: String,
    pub timezone: Tz,
    pub currency: Currency,
}

impl ClinicSettings {
    pub fn parse(name: &str, timezone: &str, currency: &str) -> Result<Self, ValidationError> {
        Ok(ClinicSettings {
            name: parse_clinic_name(name)?,
            timezone: parse_timezone(timezone)?,
            currency: parse_currency(currency)?,
        })
    }
}

/// The paper the clinic prints on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    A4,
    Letter,
    A5,
}

impl Paper {
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
            Paper::A5 => "a5",
        }
    }

    /// Width and height in millimetres, portrait.
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
            Paper::A5 => (148.0, 210.0),
        }
    }
}

impl std::str::FromStr for Paper {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "letter" | "us letter" | "us-letter" => Ok(Paper::Letter),
            "a5" => Ok(Paper::A5),
            other => Err(ValidationError::new(
                "paper",
                words!(
                    "\"{other}\" is not a paper size; use a4, letter or a5",
                    other = other
                ),
            )),
        }
    }
}

impl fmt::Display for Paper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What every printed document carries at its head, as validated values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// Up to six lines, as they are printed.
    pub address: String,
    pub phone: String,
    /// The registration, licence or tax number printed under the name.
    pub registration: String,
    pub paper: Paper,
}

/// The largest logo accepted, decoded.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;
/// The most pixels a logo may have on a side, read from the image's header before it is
/// decoded: a small file can hold a huge blank picture that would take gigabytes to decode.
pub const MAX_LOGO_SIDE: u32 = 4000;

impl Letterhead {
    pub fn parse(
        address: &str,
        phone: &str,
        registration: &str,
        paper: &str,
    ) -> Result<Self, ValidationError> {
        let lines: Vec<&str> = address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > 6 {
            return Err(ValidationError::new(
                "address",
                "has more than 6 lines; a letterhead has room for 6",
            ));
        }
        if lines.iter().any(|l| l.chars().count() > 80) {
            return Err(ValidationError::new(
                "address",
                "has a line longer than 80 characters; break it into lines",
            ));
        }
        let short = |field: &'static str, s: &str, max: usize| {
            let s = s.trim();
            if s.chars().count() > max {
                Err(ValidationError::new(
                    field,
                    words!("is longer than {max} characters", max = max),
                ))
            } else if s.chars().any(char::is_control) {
                Err(ValidationError::new(field, "must be one line"))
            } else {
                Ok(s.to_owned())
            }
        };
        Ok(Letterhead {
            address: lines.join("\n"),
            phone: short("phone", phone, 40)?,
            registration: short("registration", registration, 80)?,
            paper: paper.parse()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        let s = ClinicSettings::parse(" Clínica Sol ", "Europe/Madrid", "eur").unwrap();
        assert_eq!(s.name, "Clínica Sol");
        assert_eq!(s.currency.code(), "EUR");
        let field = |r: Result<ClinicSettings, ValidationError>| r.map(|_| ()).map_err(|e| e.field);
        assert_eq!(
            field(ClinicSettings::parse("", "UTC", "EUR")),
            Err("clinic_name")
        );
        assert_eq!(
            field(ClinicSettings::parse("A", "Mars/Olympus", "EUR")),
            Err("timezone")
        );
        assert_eq!(
            field(ClinicSettings::parse("A", "UTC", "XYZ")),
            Err("currency")
        );
        assert_eq!(
            field(ClinicSettings::parse("A", "UTC", "")),
            Err("currency")
        );
    }

    #[test]
    fn letterhead() {
        let l = Letterhead::parse(
            " Calle Mayor 1\n\n28013 Madrid ",
            "+34 910 000 000",
            "CIF B-12345678",
            "A5",
        )
        .unwrap();
        assert_eq!(l.address, "Calle Mayor 1\n28013 Madrid");
        assert_eq!(l.paper, Paper::A5);
        assert_eq!("Letter".parse::<Paper>(), Ok(Paper::Letter));
        let field = |r: Result<Letterhead, ValidationError>| r.map(|_| ()).map_err(|e| e.field);
        assert_eq!(field(Letterhead::parse("", "", "", "b5")), Err("paper"));
        assert_eq!(
            field(Letterhead::parse("1\n2\n3\n4\n5\n6\n7", "", "", "a4")),
            Err("address")
        );
        assert_eq!(
            field(Letterhead::parse(&"x".repeat(81), "", "", "a4")),
            Err("address")
        );
        assert_eq!(field(Letterhead::parse("", "1\n2", "", "a4")), Err("phone"));
        assert_eq!(
            field(Letterhead::parse("", "", &"9".repeat(81), "a4")),
            Err("registration")
        );
        assert_eq!(field(Letterhead::parse("", "", "", "letter")), Ok(()));
    }

    #[test]
    fn device_codes() {
        for a in 0..=255u8 {
            let code = DeviceCode::from_random([a, a.wrapping_mul(7)]);
            assert_eq!(DeviceCode::parse(code.as_str()), Ok(code));
        }
        assert_eq!(DeviceCode::parse("k7").unwrap().as_str(), "K7");
        assert!(DeviceCode::parse("I1").is_err());
        assert!(DeviceCode::parse("K77").is_err());
    }
}
