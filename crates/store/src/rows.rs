//! Small helpers every repository uses to turn records into fields and rows back into records.

use chrono::{DateTime, SecondsFormat, Utc};
use tend_domain::{Fields, Value};

/// How instants are stored: `2026-11-24T08:00:00.000Z`.
pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Fields of a change from name–value pairs.
pub(crate) fn fields(pairs: Vec<(&str, Value)>) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A JSON column's value.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> Value {
    Value::Text(serde_json::to_string(v).unwrap_or_default())
}

/// A stored value that does not read back as what it should be.
pub(crate) fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("stored {what} is invalid").into(),
    )
}

/// A JSON column read back.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> rusqlite::Result<T> {
    serde_json::from_str(text).map_err(|_| bad(what))
}
