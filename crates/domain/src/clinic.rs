//! The clinic's own settings, and the device short code that keeps numbers from colliding.

use std::fmt;

use chrono_tz::Tz;
use iso_currency::Currency;
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::required_text;

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
            format!(
                "\"{s}\" is not a time zone; use a name such as Europe/Madrid or America/Chicago"
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
            format!("\"{code}\" is not a currency code; use a code such as EUR, USD or MXN"),
        )
    })
}

/// A device's short code, printed in the numbers it issues (`K7-000123`): one letter and one
/// digit, avoiding the look-alikes I, O, 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceCode([u8; 2]);

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
