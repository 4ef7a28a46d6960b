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
    Int,
    /// Nullable integer.
    OptInt,
}

#[derive(Debug)]
pub(crate) struct Table {
    pub entity: Entity,
    /// Columns a change sets, besides `id`, `created_at` and `updated_at`.
    pub columns: &'static [(&'static str, ColumnType)],
}

use ColumnType::{Bool, Int, OptInt, OptText, Text};

const CLINIC: Table = Table {
    entity: Entity::Clinic,
    columns: &[
        ("name", Text),
        ("timezone", Text),
        ("currency", Text),
        ("units", Text),
        ("reminder_template", Text),
        ("address", Text),
        ("phone", Text),
        ("registration", Text),
        ("paper", Text),
        ("logo", OptText),
        ("locale", Text),
        ("tax_id", Text),
        ("invoice_footer", Text),
        ("idle_lock_minutes", Int),
        ("break_glass_minutes", Int),
    ],
};

const DEVICE: Table = Table {
    entity: Entity::Device,
    columns: &[("code", Text), ("name", Text), ("public_key", OptText)],
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

const ROOM: Table = Table {
    entity: Entity::Room,
    columns: &[("name", Text), ("hours", Text), ("archived", Bool)],
};

const APPOINTMENT_TYPE: Table = Table {
    entity: Entity::AppointmentType,
    columns: &[
        ("name", Text),
        ("minutes", Int),
        ("colour", Text),
        ("needs_room", Bool),
        ("archived", Bool),
    ],
};

const PROVIDER_HOURS: Table = Table {
    entity: Entity::ProviderHours,
    columns: &[("hours", Text)],
};

const SCHEDULE_EXCEPTION: Table = Table {
    entity: Entity::ScheduleException,
    columns: &[
        ("resource_id", OptText),
        ("date", Text),
        ("kind", Text),
        ("note", OptText),
        ("removed", Bool),
    ],
};

const APPOINTMENT: Table = Table {
    entity: Entity::Appointment,
    columns: &[
        ("patient_id", Text),
        ("provider_id", Text),
        ("room_id", OptText),
        ("type_id", Text),
        ("starts_at", Text),
        ("ends_at", Text),
        ("status", Text),
        ("series_id", OptText),
        ("series_index", OptInt),
        ("note", OptText),
        ("cancel_reason", OptText),
        ("overrides", Text),
        ("checked_in_at", OptText),
        ("started_at", OptText),
        ("completed_at", OptText),
        ("booked_by", Text),
    ],
};

const APPOINTMENT_SERIES: Table = Table {
    entity: Entity::AppointmentSeries,
    columns: &[
        ("patient_id", Text),
        ("provider_id", Text),
        ("room_id", OptText),
        ("type_id", Text),
        ("rule", Text),
        ("first_start", Text),
        ("minutes", Int),
        ("note", OptText),
        ("generated_through", Text),
        ("ended", Bool),
    ],
};

const WAITLIST_ENTRY: Table = Table {
    entity: Entity::WaitlistEntry,
    columns: &[
        ("patient_id", Text),
        ("provider_id", OptText),
        ("type_id", Text),
        ("preference", Text),
        ("note", OptText),
        ("status", Text),
        ("appointment_id", OptText),
    ],
};

const PRESCRIPTION: Table = Table {
    entity: Entity::Prescription,
    columns: &[
        ("number", OptText),
        ("patient_id", Text),
        ("prescriber_id", Text),
        ("encounter_id", OptText),
        ("status", Text),
        ("items", Text),
        ("overrides", Text),
        ("signed_at", OptText),
        ("cancelled_at", OptText),
        ("cancel_reason", OptText),
        ("renewed_from", OptText),
        ("content_hash", OptText),
    ],
};

const CLINIC_DRUG: Table = Table {
    entity: Entity::ClinicDrug,
    columns: &[
        ("generic", Text),
        ("class", Text),
        ("forms", Text),
        ("strengths", Text),
        ("routes", Text),
        ("max_daily", OptText),
        ("archived", Bool),
    ],
};

const DRUG_BRAND: Table = Table {
    entity: Entity::DrugBrand,
    columns: &[("brand", Text), ("drug_code", Text), ("archived", Bool)],
};

const DRUG_STRENGTH: Table = Table {
    entity: Entity::DrugStrength,
    columns: &[("drug_code", Text), ("strength", Text), ("archived", Bool)],
};

const TAX_RATE: Table = Table {
    entity: Entity::TaxRate,
    columns: &[
        ("name", Text),
        ("percent", Text),
        ("inclusive", Bool),
        ("archived", Bool),
    ],
};

const FEE_ITEM: Table = Table {
    entity: Entity::FeeItem,
    columns: &[
        ("code", Text),
        ("name", Text),
        ("kind", Text),
        ("price", Text),
        ("tax_rate_id", OptText),
        ("archived", Bool),
    ],
};

const VISIT_SERVICE: Table = Table {
    entity: Entity::VisitService,
    columns: &[
        ("encounter_id", Text),
        ("patient_id", Text),
        ("fee_code", Text),
        ("quantity", Text),
        ("added_by", Text),
        ("removed", Bool),
    ],
};

const INVOICE: Table = Table {
    entity: Entity::Invoice,
    columns: &[
        ("number", OptText),
        ("patient_id", Text),
        ("encounter_id", OptText),
        ("device_id", Text),
        ("status", Text),
        ("currency", Text),
        ("lines", Text),
        ("discount", Text),
        ("note", OptText),
        ("total_minor", OptInt),
        ("issued_at", OptText),
        ("issued_by", OptText),
        ("voided_at", OptText),
        ("voided_by", OptText),
        ("void_reason", OptText),
        ("created_by", Text),
    ],
};

const PAYMENT: Table = Table {
    entity: Entity::Payment,
    columns: &[
        ("number", Text),
        ("patient_id", Text),
        ("invoice_id", OptText),
        ("kind", Text),
        ("method", Text),
        ("currency", Text),
        ("amount_minor", Int),
        ("to_credit_minor", Int),
        ("tendered_minor", OptInt),
        ("change_minor", Int),
        ("reference", OptText),
        ("note", OptText),
        ("taken_by", Text),
        ("taken_at", Text),
    ],
};

const CREDIT_NOTE: Table = Table {
    entity: Entity::CreditNote,
    columns: &[
        ("number", Text),
        ("invoice_id", Text),
        ("patient_id", Text),
        ("currency", Text),
        ("amount_minor", Int),
        ("reason", Text),
        ("issued_at", Text),
        ("issued_by", Text),
    ],
};

/// Records filed under a patient, which a merge moves to the surviving patient.
pub const FILED_UNDER_PATIENT: &[Entity] = &[
    Entity::Encounter,
    Entity::ClinicalEvent,
    Entity::Appointment,
    Entity::AppointmentSeries,
    Entity::WaitlistEntry,
    Entity::Prescription,
    Entity::VisitService,
    Entity::Invoice,
    Entity::Payment,
    Entity::CreditNote,
];

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
            Entity::Room => &ROOM,
            Entity::AppointmentType => &APPOINTMENT_TYPE,
            Entity::ProviderHours => &PROVIDER_HOURS,
            Entity::ScheduleException => &SCHEDULE_EXCEPTION,
            Entity::Appointment => &APPOINTMENT,
            Entity::AppointmentSeries => &APPOINTMENT_SERIES,
            Entity::WaitlistEntry => &WAITLIST_ENTRY,
            Entity::Prescription => &PRESCRIPTION,
            Entity::ClinicDrug => &CLINIC_DRUG,
            Entity::DrugBrand => &DRUG_BRAND,
            Entity::DrugStrength => &DRUG_STRENGTH,
            Entity::TaxRate => &TAX_RATE,
            Entity::FeeItem => &FEE_ITEM,
            Entity::VisitService => &VISIT_SERVICE,
            Entity::Invoice => &INVOICE,
            Entity::Payment => &PAYMENT,
            Entity::CreditNote => &CREDIT_NOTE,
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
                | (Int, Value::Int(_))
                | (OptInt, Value::Int(_) | Value::Null)
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
        (OptText | OptInt, ValueRef::Null) => Value::Null,
        (Bool, raw) => Value::Bool(i64::column_result(raw)? != 0),
        (Int | OptInt, raw) => Value::Int(i64::column_result(raw)?),
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
