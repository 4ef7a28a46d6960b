//! People who sign in: their usernames, names, licence numbers, and the password policy.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::error::{optional_text, required_text};
use crate::ids::UserId;
use crate::role::Roles;
use crate::words;

/// A sign-in name: 3 to 32 characters of lowercase letters, digits, `.`, `-` and `_`, starting
/// with a letter. Stored lowercase so "Ana" and "ana" are the same person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_lowercase();
        let err = |reason: &'static str| Err(ValidationError::new("username", reason));
        if s.is_empty() {
            return err("is required");
        }
        if !(3..=32).contains(&s.chars().count()) {
            return err("must be 3 to 32 characters long");
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return err("must start with a letter a to z");
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        {
            return err("may contain only letters a to z, digits, '.', '-' and '_'");
        }
        Ok(Username(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Username::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 256;

/// The password policy: at least ten characters, not the username, and not one character
/// repeated. Long passphrases are welcome; there is no rule about symbols.
pub fn check_password(username: &Username, password: &str) -> Result<(), ValidationError> {
    check_secret("password", password)?;
    if password.trim().to_lowercase() == username.as_str() {
        return Err(ValidationError::new(
            "password",
            "must not be the same as the username",
        ));
    }
    Ok(())
}

/// The policy for the clinic passphrase that unlocks the database: the same length rule.
pub fn check_passphrase(passphrase: &str) -> Result<(), ValidationError> {
    check_secret("passphrase", passphrase)
}

fn check_secret(field: &'static str, secret: &str) -> Result<(), ValidationError> {
    let chars = secret.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(ValidationError::new(
            field,
            words!(
                "must be at least {min_password_chars} characters long",
                min_password_chars = MIN_PASSWORD_CHARS
            ),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(ValidationError::new(
            field,
            words!(
                "must be at most {max_password_chars} characters long",
                max_password_chars = MAX_PASSWORD_CHARS
            ),
        ));
    }
    let mut distinct: Vec<char> = secret.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(ValidationError::new(
            field,
            "must use at least four different characters",
        ));
    }
    Ok(())
}

/// What a person is called on screen and on printed documents.
pub fn parse_display_name(s: &str) -> Result<String, ValidationError> {
    required_text("display_name", s, 100)
}

/// A professional licence or registration number, printed on prescriptions.
pub fn parse_licence_number(s: &str) -> Result<Option<String>, ValidationError> {
    optional_text("licence_number", s, 40)
}

/// A user as stored: everything but the password, which only its hash represents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub roles: Roles,
    pub licence_number: Option<String>,
    pub disabled: bool,
    /// Locked after too many failed sign-ins, until an admin unlocks.
    pub locked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_username(input: &str, expected: Result<&str, &str>) {
        let got = Username::parse(input)
            .map(|u| u.0)
            .map_err(|e| e.reason.to_string());
        assert_eq!(
            got,
            expected.map(str::to_owned).map_err(str::to_owned),
            "{input:?}"
        );
    }

    #[test]
    fn usernames() {
        check_username("Ana.Garcia", Ok("ana.garcia"));
        check_username("  dr_lee-2 ", Ok("dr_lee-2"));
        check_username("", Err("is required"));
        check_username("ab", Err("must be 3 to 32 characters long"));
        check_username("2pac", Err("must start with a letter a to z"));
        check_username(
            "zoë",
            Err("may contain only letters a to z, digits, '.', '-' and '_'"),
        );
        check_username(
            "ana garcia",
            Err("may contain only letters a to z, digits, '.', '-' and '_'"),
        );
    }

    fn check_pw(username: &str, password: &str, expected: Result<(), &str>) {
        let u = Username::parse(username).unwrap();
        let got = check_password(&u, password).map_err(|e| e.reason.to_string());
        assert_eq!(got, expected.map_err(str::to_owned), "{password:?}");
    }

    #[test]
    fn password_policy() {
        check_pw("ana", "correct horse battery", Ok(()));
        check_pw("ana", "Zoë-Ørsted-ñ", Ok(()));
        check_pw("ana", "short", Err("must be at least 10 characters long"));
        check_pw(
            "ana",
            "123456789",
            Err("must be at least 10 characters long"),
        );
        check_pw(
            "receptionist",
            "Receptionist",
            Err("must not be the same as the username"),
        );
        check_pw(
            "ana",
            "aaaaaaaaaaaa",
            Err("must use at least four different characters"),
        );
        check_pw(
            "ana",
            &"ab12".repeat(65),
            Err("must be at most 256 characters long"),
        );
    }

    #[test]
    fn licence_numbers_are_optional() {
        assert_eq!(parse_licence_number("  "), Ok(None));
        assert_eq!(
            parse_licence_number(" MD-1234 "),
            Ok(Some("MD-1234".into()))
        );
        assert_eq!(
            parse_display_name("").map_err(|e| e.field),
            Err("display_name")
        );
    }
}
