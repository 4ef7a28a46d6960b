//! Identifiers as the page and the CLI send them: one parser and one message for all of them,
//! naming the field it concerns and what the id should have been of.

use std::str::FromStr;

use crate::{CoreError, Result};
use tend_domain::words;

/// Reads the id of a record (`what`: "a visit", "an appointment") sent in `field`, trimmed.
pub(crate) fn parse_id<T: FromStr>(field: &'static str, what: &str, s: &str) -> Result<T> {
    let s = s.trim();
    s.parse().map_err(|_| {
        // What was sent is shown back only in part: a pasted page is not an id.
        let shown: String = s.chars().filter(|c| !c.is_control()).take(40).collect();
        let more = if s.chars().count() > 40 { "…" } else { "" };
        CoreError::refused(
            "bad_id",
            Some(field),
            words!(
                "\"{shown}{more}\" is not the id of {what}",
                shown = shown,
                more = more,
                what = what
            ),
        )
    })
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
        // A pasted page, control characters and other scripts are shown back short and clean.
        let pasted = format!("ÁÉÍ\u{7}\n{}", "x".repeat(5000));
        let e = parse_id::<uuid::Uuid>("visit", "a visit", &pasted).unwrap_err();
        let m = e.user_message();
        assert!(m.starts_with("\"ÁÉÍxxx"), "{m}");
        assert!(m.ends_with("…\" is not the id of a visit"), "{m}");
        assert!(m.chars().count() < 80, "{m}");
        assert!(parse_id::<uuid::Uuid>("visit", "a visit", "").is_err());
    }
}
