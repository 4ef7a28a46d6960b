//! Which table holds each kind of record and which columns a change may set. The change log is
//! the truth and these tables are its projection; every column a change names is checked
//! against this list, so a field name is never taken from a change into SQL unchecked.

use rusqlite::ToSql;
use rusqlite::types::{ToSqlOutput, ValueRef};
use tend_domain::{Entity, Value};

use crate::error::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Text,
    /// Nullable text.
    OptText,
    Bool,
}

#[derive(Debug)]
pub(crate) struct Table {
    pub entity: Entity,
    /// Columns a change sets, besides `id`, `created_at` and `updated_at`.
    pub columns: &'static [(&'static str, ColumnType)],
}

use ColumnType::{Bool, OptText, Text};

const CLINIC: Table = Table {
    entity: Entity::Clinic,
    columns: &[
        ("name", Text),
        ("timezone", Text),
        ("currency", Text),
        ("units", Text),
    ],
};

const DEVICE: Table = Table {
    entity: Entity::Device,
    columns: &[("code", Text), ("name", Text)],
};

const USER: Table = Table {
    entity: Entity::User,
    columns: &[
        ("username", Text),
        ("display_name", Text),
        ("password_hash", Text),
        ("roles", Text),
        ("licence_number", OptText),
        ("disabled", Bool),
        ("locked", Bool),
    ],
};

const PATIENT: Table = Table {
    entity: Entity::Patient,
    columns: &[
        ("mrn", Text),
        ("given_name", Text),
        ("family_name", Text),
        ("preferred_name", OptText),
        ("birth_date", Text),
        ("birth_date_estimated", Bool),
        ("sex", Text),
        ("gender_identity", OptText),
        ("phones", Text),
        ("email", OptText),
        ("address", OptText),
        ("emergency_contact", OptText),
        ("language", OptText),
        ("front_desk_note", OptText),
        ("national_id", OptText),
        ("insurance", OptText),
        ("merged_into", OptText),
    ],
};

const ENCOUNTER: Table = Table {
    entity: Entity::Encounter,
    columns: &[
        ("patient_id", Text),
        ("provider_id", Text),
        ("starts_at", Text),
        ("reason", OptText),
        ("subjective", Text),
        ("objective", Text),
        ("assessment", Text),
        ("plan", Text),
        ("template_id", OptText),
        ("status", Text),
        ("signed_at", OptText),
        ("signed_by", OptText),
        ("content_hash", OptText),
        ("error_reason", OptText),
    ],
};

const CLINICAL_EVENT: Table = Table {
    entity: Entity::ClinicalEvent,
    columns: &[
        ("patient_id", Text),
        ("category", Text),
        ("kind", Text),
        ("subject_id", Text),
        ("encounter_id", OptText),
        ("occurred_at", Text),
        ("recorded_by", Text),
        ("data", Text),
    ],
};

const NOTE_TEMPLATE: Table = Table {
    entity: Entity::NoteTemplate,
    columns: &[
        ("name", Text),
        ("reason", OptText),
        ("subjective", Text),
        ("objective", Text),
        ("assessment", Text),
        ("plan", Text),
        ("archived", Bool),
    ],
};

/// Records filed under a patient, which a merge moves to the surviving patient.
pub const FILED_UNDER_PATIENT: &[Entity] = &[Entity::Encounter, Entity::ClinicalEvent];

impl Table {
    /// The table of `entity`. A new entity without a table does not compile.
    pub fn of(entity: Entity) -> &'static Table {
        match entity {
            Entity::Clinic => &CLINIC,
            Entity::Device => &DEVICE,
            Entity::User => &USER,
            Entity::Patient => &PATIENT,
            Entity::Encounter => &ENCOUNTER,
            Entity::ClinicalEvent => &CLINICAL_EVENT,
            Entity::NoteTemplate => &NOTE_TEMPLATE,
        }
    }

    /// The table's name, which is the entity's name.
    pub fn name(&self) -> &'static str {
        self.entity.as_str()
    }

    pub fn column(&self, field: &str) -> Result<(&'static str, ColumnType)> {
        self.columns
            .iter()
            .find(|(name, _)| *name == field)
            .copied()
            .ok_or_else(|| {
                StoreError::Corrupt(format!("a {} change names an unknown field", self.entity))
            })
    }

    /// Checks that `value` fits the column, so a bad change fails before it is written.
    pub fn check(&self, field: &str, value: &Value) -> Result<&'static str> {
        let (name, ty) = self.column(field)?;
        let fits = matches!(
            (ty, value),
            (Text, Value::Text(_))
                | (OptText, Value::Text(_) | Value::Null)
                | (Bool, Value::Bool(_))
        );
        if fits {
            Ok(name)
        } else {
            Err(StoreError::Corrupt(format!(
                "a {} change gives {field} a value of the wrong type",
                self.entity
            )))
        }
    }
}

/// Reads a column back as the domain value its type says.
pub(crate) fn read_value(ty: ColumnType, raw: ValueRef<'_>) -> rusqlite::Result<Value> {
    use rusqlite::types::FromSql;
    Ok(match (ty, raw) {
        (OptText, ValueRef::Null) => Value::Null,
        (Bool, raw) => Value::Bool(i64::column_result(raw)? != 0),
        (_, raw) => Value::Text(String::column_result(raw)?),
    })
}

/// A domain [`Value`] as a SQL parameter.
pub(crate) struct Sql<'a>(pub &'a Value);

impl ToSql for Sql<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Bool(b) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(i64::from(*b))),
            Value::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_cover_every_entity() {
        for entity in Entity::ALL {
            assert_eq!(Table::of(entity).entity, entity);
        }
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_refused() {
        let users = Table::of(Entity::User);
        assert!(users.check("username", &Value::from("ana")).is_ok());
        assert!(users.check("licence_number", &Value::Null).is_ok());
        assert!(users.check("username", &Value::Null).is_err());
        assert!(users.check("disabled", &Value::from("yes")).is_err());
        assert!(users.check("id", &Value::from("x")).is_err());
        assert!(
            users
                .check("username = 'x'; --", &Value::from("x"))
                .is_err()
        );
    }
}
