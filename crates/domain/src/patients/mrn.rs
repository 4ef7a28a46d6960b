//! The medical record number people read aloud: the issuing device's code and a number from its
//! own series (`K7-000123`), so two offline desktops never issue the same one.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::clinic::DeviceCode;
use crate::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mrn {
    code: DeviceCode,
    number: u32,
}

impl Mrn {
    pub fn new(code: DeviceCode, number: u32) -> Self {
        Mrn { code, number }
    }

    pub fn code(&self) -> DeviceCode {
        self.code
    }

    pub fn number(&self) -> u32 {
        self.number
    }

    /// Reads an MRN as typed: any case, with or without the dash or leading zeros (`k7-123`).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let compact: String = s
            .trim()
            .chars()
            .filter(|c| *c != '-' && *c != ' ')
            .collect();
        let err = || {
            ValidationError::new(
                "mrn",
                words!(
                    "\"{s}\" is not a record number such as K7-000123",
                    s = s.trim()
                ),
            )
        };
        if compact.len() < 3 || !compact.is_ascii() {
            return Err(err());
        }
        let (code, digits) = compact.split_at(2);
        let code = DeviceCode::parse(code).map_err(|_| err())?;
        if digits.len() > 9 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        let number: u32 = digits.parse().map_err(|_| err())?;
        if number == 0 {
            return Err(err());
        }
        Ok(Mrn { code, number })
    }

    /// Whether `s` looks like the start of an MRN (`K7`, `K7-00`), for search as one types.
    pub fn looks_like(s: &str) -> bool {
        let s = s.trim();
        let b = s.as_bytes();
        b.len() >= 2
            && b[0].is_ascii_alphabetic()
            && b[1].is_ascii_digit()
            && s[2..].chars().all(|c| c.is_ascii_digit() || c == '-')
            && (b.len() == 2 || b[2] == b'-' || b[2].is_ascii_digit())
    }
}

impl fmt::Display for Mrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:06}", self.code, self.number)
    }
}

impl TryFrom<String> for Mrn {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Mrn::parse(&s)
    }
}

impl From<Mrn> for String {
    fn from(m: Mrn) -> String {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrns() {
        let cases = [
            ("K7-000123", Some("K7-000123")),
            ("k7-123", Some("K7-000123")),
            ("K7 123", Some("K7-000123")),
            ("K7000123", Some("K7-000123")),
            ("K7-1234567", Some("K7-1234567")),
            ("K7-0", None),
            ("I1-000123", None),
            ("K7-12a", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Mrn::parse(input).ok().map(|m| m.to_string()).as_deref(),
                expected,
                "{input:?}"
            );
        }
        assert!(Mrn::looks_like("K7"));
        assert!(Mrn::looks_like("k7-00"));
        assert!(!Mrn::looks_like("garcia"));
        assert!(!Mrn::looks_like("7K"));
    }
}
