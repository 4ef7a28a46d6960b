//! Prescribing as the UI and the CLI's `--json` see it: drugs, prescriptions and their items,
//! and the safety checks' warnings.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tend_domain::prescriptions::Severity;
use tend_domain::prescriptions::checks::{Warning, WarningKind};
use tend_domain::prescriptions::prescription::{Override, RxStatus};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DrugDto {
    pub code: String,
    pub generic: String,
    pub class: String,
    pub class_label: String,
    pub forms: Vec<String>,
    pub strengths: Vec<String>,
    pub routes: Vec<String>,
    pub usual_adult_dose: String,
    pub max_daily: Option<String>,
    pub brands: Vec<String>,
    pub clinic_added: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RxItemDto {
    /// `amoxicillin 500 mg capsule`.
    pub title: String,
    pub drug: String,
    pub drug_code: Option<String>,
    pub strength: String,
    pub form: String,
    pub dose: String,
    pub route: String,
    pub frequency: String,
    pub duration_days: Option<u32>,
    /// The directions in full words.
    pub directions: String,
    /// `21 (twenty-one) capsules`.
    pub quantity: String,
    pub refills: String,
    pub instructions: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RxDto {
    pub id: Uuid,
    pub number: Option<String>,
    pub status: RxStatus,
    pub patient_mrn: String,
    pub patient_name: String,
    pub prescriber: String,
    pub prescriber_licence: Option<String>,
    pub items: Vec<RxItemDto>,
    pub overrides: Vec<OverrideDto>,
    pub created_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub renewed_from: Option<Uuid>,
}

/// A finding of the safety checks, for a person to read and, from moderate up, sign over with a
/// reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct WarningDto {
    pub kind: WarningKind,
    pub severity: Severity,
    /// Stable for the same finding: the reason given at signing is matched by it.
    pub key: String,
    /// The prescribed drug it concerns (generic name).
    pub drug: String,
    /// The other drug or the allergy, when there is one.
    pub other: Option<String>,
    /// Why, for a person: what was found and what it means.
    pub message: String,
}

impl From<&Warning> for WarningDto {
    fn from(w: &Warning) -> Self {
        WarningDto {
            kind: w.kind,
            severity: w.severity,
            key: w.key.clone(),
            drug: w.drug.clone(),
            other: w.other.clone(),
            message: w.message.clone(),
        }
    }
}

/// A warning signed over, with the prescriber's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OverrideDto {
    pub key: String,
    pub kind: WarningKind,
    pub severity: Severity,
    pub message: String,
    pub reason: String,
}

impl From<&Override> for OverrideDto {
    fn from(o: &Override) -> Self {
        OverrideDto {
            key: o.key.clone(),
            kind: o.kind,
            severity: o.severity,
            message: o.message.clone(),
            reason: o.reason.clone(),
        }
    }
}

/// A therapeutic class of the shipped catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrugClassDto {
    pub id: String,
    pub label: String,
    /// Two drugs of this class in one patient's list are flagged as duplicate therapy.
    pub duplicate_warning: bool,
}

/// A printed prescription: the PDF and what to call the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintedDto {
    pub number: String,
    /// `K7-RX-000045.pdf`.
    pub file_name: String,
    #[serde(skip)]
    pub pdf: Vec<u8>,
    pub pages: usize,
}
