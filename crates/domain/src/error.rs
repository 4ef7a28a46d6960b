//! The one error every validation in the domain returns: which field, and why, in words a
//! receptionist can act on.

use crate::Words;
use crate::words;

/// A value a person typed (or a file held) that Tend will not accept.
///
/// `field` is the stable name of the input (`"username"`, `"timezone"`) so a form can put the
/// message next to the right box; `reason` is what is wrong with it, in words that go beside it
/// (and that a translation can be made of).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    pub field: &'static str,
    pub reason: Words,
}

impl ValidationError {
    pub fn new(field: &'static str, reason: impl Into<Words>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }

    /// The whole message: the field's name (spaces for underscores) and then the reason.
    pub fn words(&self) -> Words {
        self.reason
            .prefixed("{field}: ", vec![("field", self.field.replace('_', " "))])
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
            words!(
                "must be at most {max_chars} characters",
                max_chars = max_chars
            ),
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

/// Longest text a search box takes: a name with a birth year, a phone number, a record number.
pub const SEARCH_MAX_CHARS: usize = 100;
/// Most words a search reads: the longest names have five or six.
pub const SEARCH_MAX_WORDS: usize = 8;

/// What was typed in a search box, trimmed, or why it is not a search: longer than
/// [`SEARCH_MAX_CHARS`], more than [`SEARCH_MAX_WORDS`] words (a page pasted by mistake is
/// refused at once instead of being searched word by word), or holding control characters.
pub fn search_text<'a>(field: &'static str, value: &'a str) -> Result<&'a str, ValidationError> {
    let trimmed = value.trim();
    if trimmed.chars().count() > SEARCH_MAX_CHARS {
        return Err(ValidationError::new(
            field,
            words!(
                "a search is at most {search_max_chars} characters: type part of a name, a phone number or a record number",
                search_max_chars = SEARCH_MAX_CHARS
            ),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new(
            field,
            "must not contain control characters such as tabs or line breaks",
        ));
    }
    if trimmed.split_whitespace().count() > SEARCH_MAX_WORDS {
        return Err(ValidationError::new(
            field,
            words!(
                "a search reads at most {search_max_words} words",
                search_max_words = SEARCH_MAX_WORDS
            ),
        ));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str, expected: Result<&str, &str>) {
        let got = required_text("name", value, 10);
        match expected {
            Ok(v) => assert_eq!(got, Ok(v.to_owned()), "input {value:?}"),
            Err(reason) => assert_eq!(
                got.map_err(|e| e.reason.to_string()),
                Err(reason.to_owned())
            ),
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

    #[test]
    fn a_search_is_a_few_words_and_a_pasted_page_is_refused_at_once() {
        assert_eq!(
            search_text("query", "  garcia lop 1979 "),
            Ok("garcia lop 1979")
        );
        let page = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(40);
        assert!(
            search_text("query", &page)
                .unwrap_err()
                .reason
                .contains("at most 100")
        );
        let words = "a b c d e f g h i";
        assert!(
            search_text("query", words)
                .unwrap_err()
                .reason
                .contains("8 words")
        );
        assert_eq!(
            search_text("query", "ana\tgarcia").unwrap_err().field,
            "query"
        );
        assert_eq!(
            search_text("query", &"x".repeat(100)).map(str::len),
            Ok(100)
        );
    }
}
