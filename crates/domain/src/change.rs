//! A change to one record: the unit the change log stores and sync sends.
//!
//! Every write in Tend becomes a `Change`: which record, which fields took which values, when
//! (a hybrid logical clock), on which device, by whom, and, for an edit, the clock of each value
//! it replaced (so a merge can tell a sequential edit from a concurrent one).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hlc::Hlc;
use crate::ids::{ChangeId, DeviceId, UserId};

/// The largest a change may be, serialized: what sync seals and carries. A change larger than
/// this is refused when it is written (naming its largest field), since sync could never send
/// it and it would block its desktop's outbox. A note with a long plan is a few KiB.
pub const MAX_CHANGE_BYTES: usize = 1 << 20;

/// The kinds of record the change log knows. Each maps to one table in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Clinic,
    Device,
    User,
    Patient,
    Encounter,
    ClinicalEvent,
    NoteTemplate,
    Room,
    AppointmentType,
    ProviderHours,
    ScheduleException,
    Appointment,
    AppointmentSeries,
    WaitlistEntry,
    Prescription,
    ClinicDrug,
    DrugBrand,
    DrugStrength,
    TaxRate,
    FeeItem,
    VisitService,
    Invoice,
    Payment,
    CreditNote,
}

impl Entity {
    pub const ALL: [Entity; 24] = [
        Entity::Clinic,
        Entity::Device,
        Entity::User,
        Entity::Patient,
        Entity::Encounter,
        Entity::ClinicalEvent,
        Entity::NoteTemplate,
        Entity::Room,
        Entity::AppointmentType,
        Entity::ProviderHours,
        Entity::ScheduleException,
        Entity::Appointment,
        Entity::AppointmentSeries,
        Entity::WaitlistEntry,
        Entity::Prescription,
        Entity::ClinicDrug,
        Entity::DrugBrand,
        Entity::DrugStrength,
        Entity::TaxRate,
        Entity::FeeItem,
        Entity::VisitService,
        Entity::Invoice,
        Entity::Payment,
        Entity::CreditNote,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Entity::Clinic => "clinic",
            Entity::Device => "device",
            Entity::User => "user",
            Entity::Patient => "patient",
            Entity::Encounter => "encounter",
            Entity::ClinicalEvent => "clinical_event",
            Entity::NoteTemplate => "note_template",
            Entity::Room => "room",
            Entity::AppointmentType => "appointment_type",
            Entity::ProviderHours => "provider_hours",
            Entity::ScheduleException => "schedule_exception",
            Entity::Appointment => "appointment",
            Entity::AppointmentSeries => "appointment_series",
            Entity::WaitlistEntry => "waitlist_entry",
            Entity::Prescription => "prescription",
            Entity::ClinicDrug => "clinic_drug",
            Entity::DrugBrand => "drug_brand",
            Entity::DrugStrength => "drug_strength",
            Entity::TaxRate => "tax_rate",
            Entity::FeeItem => "fee_item",
            Entity::VisitService => "visit_service",
            Entity::Invoice => "invoice",
            Entity::Payment => "payment",
            Entity::CreditNote => "credit_note",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown record kind {0:?}")]
pub struct UnknownEntity(String);

impl FromStr for Entity {
    type Err = UnknownEntity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Entity::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| UnknownEntity(s.chars().take(40).collect()))
    }
}

/// One field's value, in the shapes a database column holds. Money, dates and times travel as
/// text in their canonical forms; there are no floating-point values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Field name → new value, in a stable order.
pub type Fields = BTreeMap<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new record with all its fields.
    Create,
    /// New values for some fields of an existing record.
    Update,
}

impl ChangeKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
        }
    }
}

impl FromStr for ChangeKind {
    type Err = UnknownEntity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "create" => Ok(ChangeKind::Create),
            "update" => Ok(ChangeKind::Update),
            other => Err(UnknownEntity(other.chars().take(40).collect())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub id: ChangeId,
    /// The device that made the change, and its gap-free sequence number there (1, 2, 3, …).
    pub device_id: DeviceId,
    pub device_seq: u64,
    pub hlc: Hlc,
    /// Who made it; `None` only for what the system does by itself (creating the clinic).
    pub user_id: Option<UserId>,
    pub entity: Entity,
    pub record_id: Uuid,
    pub kind: ChangeKind,
    pub fields: Fields,
    /// For an update: the clock of the value each field had before this change
    /// (`Hlc::ZERO` when it had none).
    pub base: BTreeMap<String, Hlc>,
    /// For an update: the change ids of every value of each field it replaced — the one shown,
    /// or all of them when the field was in conflict. Sync's merge reads this; `base` stays for
    /// changes written before it existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub replaces: BTreeMap<String, Vec<ChangeId>>,
    pub recorded_at: DateTime<Utc>,
}

impl Change {
    /// Whether a change that arrived from another desktop holds only text Tend would have
    /// written: no control character but line breaks and tabs (an escape sequence in a name
    /// would drive the terminal of whoever lists it, or a printer). The reason names the field,
    /// never its value.
    pub fn check_text(&self) -> Result<(), String> {
        for (field, value) in &self.fields {
            if let Value::Text(text) = value
                && text
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                let field: String = field
                    .chars()
                    .filter(char::is_ascii_graphic)
                    .take(40)
                    .collect();
                return Err(format!(
                    "its field {field} holds control characters Tend never writes"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_plain_json() {
        let fields: Fields = [
            ("a".to_owned(), Value::Null),
            ("b".to_owned(), Value::Bool(true)),
            ("c".to_owned(), Value::Int(-3)),
            ("d".to_owned(), Value::from("Zoë")),
        ]
        .into();
        let json = serde_json::to_string(&fields).unwrap();
        assert_eq!(json, r#"{"a":null,"b":true,"c":-3,"d":"Zoë"}"#);
        assert_eq!(serde_json::from_str::<Fields>(&json).unwrap(), fields);
        assert!(serde_json::from_str::<Value>("1.5").is_err());
    }

    #[test]
    fn entities_round_trip() {
        for e in Entity::ALL {
            assert_eq!(e.as_str().parse::<Entity>().unwrap(), e);
        }
        assert!("patients; drop table x".parse::<Entity>().is_err());
    }
}
