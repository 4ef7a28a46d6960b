//! The one error every validation in the domain returns: which field, and why, in words a
//! receptionist can act on.

use std::fmt;

/// A value a person typed (or a file held) that Tend will not accept.
///
/// `field` is the stable name of the input (`"username"`, `"timezone"`) so a form can put the
/// message next to the right box; `reason` is a complete sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    pub field: &'static str,
    pub reason: String,
}

impl ValidationError {
    pub fn new(field: &'static str, reason: impl fmt::Display) -> Self {
        Self {
            field,
            reason: reason.to_string(),
        }
    }
}

/// Trims a required text field and rejects it when empty, too long, or holding control
/// characters (which have no place in a name and break printing).
pub fn required_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new(field, "is required"));
    }
    optional_text(field, trimmed, max_chars).map(|v| v.unwrap_or_default())
}

/// Like [`required_text`], but an empty value is `None`.
pub fn optional_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> Result<Option<String>, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > max_chars {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "must not contain control characters such as tabs or line breaks",
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str, expected: Result<&str, &str>) {
        let got = required_text("name", value, 10);
        match expected {
            Ok(v) => assert_eq!(got, Ok(v.to_owned()), "input {value:?}"),
            Err(reason) => assert_eq!(got.map_err(|e| e.reason), Err(reason.to_owned())),
        }
    }

    #[test]
    fn required_text_rules() {
        check("  Zoë  ", Ok("Zoë"));
        check("", Err("is required"));
        check("   ", Err("is required"));
        check("Ørsted-Nguyễn", Err("must be at most 10 characters"));
        check(
            "a\tb",
            Err("must not contain control characters such as tabs or line breaks"),
        );
        check("0123456789", Ok("0123456789"));
    }
}
