//! The clinical record as events: facts appended and never edited (an allergy recorded, a
//! problem resolved, vitals taken, a value entered in error). Current lists are folds over a
//! patient's events, so two desktops that each appended events agree once they hold the same set.

mod encounter;
mod fold;
mod vitals;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use encounter::{
    Encounter, EncounterId, EncounterStatus, NoteRefusal, NoteTemplate, NoteTemplateId, Soap,
    content_hash, note_field_limit,
};
pub use fold::{
    AddendumView, AllergyList, AllergyView, ChartFacts, ImmunizationView, MedicationView,
    ProblemView, Status, VitalsEntry, fold_events,
};
pub use vitals::{
    Flag, FlagLevel, Measure, UnitSystem, Vitals, VitalsForm, bmi_tenths, flags, format_measure,
};

use crate::ValidationError;
use crate::error::optional_text;
use crate::ids::UserId;
use crate::patients::{PatientId, parse_note};

crate::ids::record_id!(
    /// One clinical event.
    EventId
);

/// Which list an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Allergy,
    Problem,
    Medication,
    Vitals,
    Immunization,
    Note,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Allergy,
        Category::Problem,
        Category::Medication,
        Category::Vitals,
        Category::Immunization,
        Category::Note,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Allergy => "allergy",
            Category::Problem => "problem",
            Category::Medication => "medication",
            Category::Vitals => "vitals",
            Category::Immunization => "immunization",
            Category::Note => "note",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "AllergySeverity")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

impl std::str::FromStr for Severity {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mild" => Ok(Severity::Mild),
            "" | "moderate" => Ok(Severity::Moderate),
            "severe" => Ok(Severity::Severe),
            _ => Err(ValidationError::new(
                "severity",
                "must be mild, moderate or severe",
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum AllergyCategory {
    Medication,
    Food,
    Environment,
    Other,
}

impl std::str::FromStr for AllergyCategory {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "medication" | "drug" => Ok(AllergyCategory::Medication),
            "food" => Ok(AllergyCategory::Food),
            "environment" | "environmental" => Ok(AllergyCategory::Environment),
            "other" => Ok(AllergyCategory::Other),
            _ => Err(ValidationError::new(
                "category",
                "must be medication, food, environment or other",
            )),
        }
    }
}

/// What happened, with what the event's kind needs. The serialised tag is the event's kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum EventData {
    /// A new allergy or intolerance, or a revision of one (same subject: the later one shows).
    #[serde(rename = "allergy.recorded")]
    AllergyRecorded {
        substance: String,
        /// A drug catalog code when the substance came from the catalog.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        substance_code: Option<String>,
        category: AllergyCategory,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reaction: Option<String>,
        severity: Severity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The allergy no longer applies (outgrown, desensitised).
    #[serde(rename = "allergy.resolved")]
    AllergyResolved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Shown by testing not to be an allergy.
    #[serde(rename = "allergy.refuted")]
    AllergyRefuted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The patient was asked and has no known allergies (a fact, unlike "not asked").
    #[serde(rename = "allergy.none_known")]
    NoKnownAllergies,
    #[serde(rename = "problem.added")]
    ProblemAdded {
        /// ICD-10-CM code, when coded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        display: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        onset: Option<NaiveDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    #[serde(rename = "problem.resolved")]
    ProblemResolved { resolved_on: NaiveDate },
    #[serde(rename = "medication.started")]
    MedicationStarted {
        drug: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        drug_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dose: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        route: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frequency: Option<String>,
        started_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        indication: Option<String>,
    },
    /// New dose, route or frequency for a running medication.
    #[serde(rename = "medication.changed")]
    MedicationChanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dose: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        route: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frequency: Option<String>,
        changed_on: NaiveDate,
    },
    #[serde(rename = "medication.stopped")]
    MedicationStopped {
        stopped_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    #[serde(rename = "vitals.recorded")]
    VitalsRecorded(Vitals),
    #[serde(rename = "immunization.recorded")]
    ImmunizationRecorded {
        vaccine: String,
        given_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lot: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        given_by: Option<String>,
    },
    /// Text added to a signed note; the note itself never changes.
    #[serde(rename = "note.addendum")]
    Addendum { text: String },
    /// The subject (an allergy, problem, medication, vitals or immunization) was recorded by
    /// mistake: it leaves the current lists and stays in the history, struck through.
    #[serde(rename = "entered_in_error")]
    EnteredInError { reason: String },
}

impl EventData {
    /// The kind as stored (`allergy.recorded`).
    pub fn kind(&self) -> &'static str {
        match self {
            EventData::AllergyRecorded { .. } => "allergy.recorded",
            EventData::AllergyResolved { .. } => "allergy.resolved",
            EventData::AllergyRefuted { .. } => "allergy.refuted",
            EventData::NoKnownAllergies => "allergy.none_known",
            EventData::ProblemAdded { .. } => "problem.added",
            EventData::ProblemResolved { .. } => "problem.resolved",
            EventData::MedicationStarted { .. } => "medication.started",
            EventData::MedicationChanged { .. } => "medication.changed",
            EventData::MedicationStopped { .. } => "medication.stopped",
            EventData::VitalsRecorded(_) => "vitals.recorded",
            EventData::ImmunizationRecorded { .. } => "immunization.recorded",
            EventData::Addendum { .. } => "note.addendum",
            EventData::EnteredInError { .. } => "entered_in_error",
        }
    }
}

/// One appended fact about one patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicalEvent {
    pub id: EventId,
    pub patient_id: PatientId,
    pub category: Category,
    /// The thing the event is about: an allergy, a problem, a medication course, a set of
    /// vitals, an immunization, or (for addenda) the encounter.
    pub subject_id: Uuid,
    pub encounter_id: Option<EncounterId>,
    /// When it happened clinically.
    pub occurred_at: DateTime<Utc>,
    /// When it was written down, and by whom.
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: UserId,
    pub data: EventData,
}

/// A required short text of an event.
pub fn required(field: &'static str, s: &str, max: usize) -> Result<String, ValidationError> {
    crate::error::required_text(field, s, max)
}

/// An optional short text of an event.
pub fn optional(
    field: &'static str,
    s: &str,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    optional_text(field, s, max)
}

/// An optional free-text note of an event (line breaks allowed).
pub fn note(field: &'static str, s: &str) -> Result<Option<String>, ValidationError> {
    parse_note(field, s, 2000)
}

#[cfg(test)]
mod tests;
