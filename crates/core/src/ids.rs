//! Identifiers as the page and the CLI send them: one parser and one message for all of them,
//! naming the field it concerns and what the id should have been of.

use std::str::FromStr;

use crate::{CoreError, Result};

/// Reads the id of a record (`what`: "a visit", "an appointment") sent in `field`, trimmed.
pub(crate) fn parse_id<T: FromStr>(field: &'static str, what: &str, s: &str) -> Result<T> {
    let s = s.trim();
    s.parse()
        .map_err(|_| CoreError::refused(Some(field), format!("\"{s}\" is not the id of {what}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_trimmed_and_a_bad_one_is_named_with_its_field() {
        let id = uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);
        let parsed: uuid::Uuid = parse_id("visit", "a visit", &format!("  {id}\n")).unwrap();
        assert_eq!(parsed, id);
        let e = parse_id::<uuid::Uuid>("appointment", "an appointment", " 12-34 ").unwrap_err();
        assert_eq!(e.field(), Some("appointment"));
        assert_eq!(
            e.user_message(),
            "\"12-34\" is not the id of an appointment"
        );
    }
}
