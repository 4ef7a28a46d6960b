//! Patients as the UI and `--json` see them.

use chrono::NaiveDate;
use serde::Serialize;
use tend_domain::patients::{
    Address, Demographics, DuplicateScore, EmergencyContact, Insurance, PatientId, Phone, age_on,
};
use tend_store::PatientRecord;

/// A search hit or a duplicate candidate: enough to tell people apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PatientSummaryDto {
    pub id: PatientId,
    pub mrn: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub birth_date_estimated: bool,
    /// `47 y`, `8 mo`, `12 d`.
    pub age: String,
    pub sex: &'static str,
    pub phone: Option<String>,
    /// When this record was merged: the MRN of the one it now lives in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub merged_into_mrn: Option<String>,
}

impl PatientSummaryDto {
    pub(crate) fn new(
        p: &PatientRecord,
        today: NaiveDate,
        merged_into_mrn: Option<String>,
    ) -> Self {
        let d = &p.demographics;
        PatientSummaryDto {
            id: p.id,
            mrn: p.mrn.to_string(),
            display_name: d.display_name(),
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            birth_date: d.birth_date,
            birth_date_estimated: d.birth_date_estimated,
            age: age_on(d.birth_date, today).to_string(),
            sex: d.sex.as_str(),
            phone: d.phones.first().map(|p| p.number.clone()),
            merged_into_mrn,
        }
    }
}

/// Everything registration holds about a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PatientDto {
    pub id: PatientId,
    pub mrn: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub birth_date: NaiveDate,
    pub birth_date_estimated: bool,
    pub age: String,
    pub age_years: u32,
    pub sex: &'static str,
    pub gender_identity: Option<String>,
    pub phones: Vec<Phone>,
    pub email: Option<String>,
    pub address: Option<Address>,
    /// The address as written on an envelope (`Address::lines`, as the invoice prints it).
    pub address_lines: Vec<String>,
    pub emergency_contact: Option<EmergencyContact>,
    pub language: Option<String>,
    pub front_desk_note: Option<String>,
    pub national_id: Option<String>,
    pub insurance: Option<Insurance>,
}

impl PatientDto {
    pub(crate) fn new(p: &PatientRecord, today: NaiveDate) -> Self {
        let d: &Demographics = &p.demographics;
        let age = age_on(d.birth_date, today);
        PatientDto {
            id: p.id,
            mrn: p.mrn.to_string(),
            display_name: d.display_name(),
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            preferred_name: d.preferred_name.clone(),
            birth_date: d.birth_date,
            birth_date_estimated: d.birth_date_estimated,
            age: age.to_string(),
            age_years: age.years,
            sex: d.sex.as_str(),
            gender_identity: d.gender_identity.clone(),
            phones: d.phones.clone(),
            email: d.email.clone(),
            address: d.address.clone(),
            address_lines: d.address.as_ref().map(Address::lines).unwrap_or_default(),
            emergency_contact: d.emergency_contact.clone(),
            language: d.language.clone(),
            front_desk_note: d.front_desk_note.clone(),
            national_id: d.national_id.clone(),
            insurance: d.insurance.clone(),
        }
    }
}

/// A registered patient that may be the one being registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DuplicateDto {
    pub patient: PatientSummaryDto,
    /// 0 to 100.
    pub score: u8,
    /// In words: "the same birth date".
    pub reasons: Vec<&'static str>,
}

impl DuplicateDto {
    pub(crate) fn new(p: &PatientRecord, score: &DuplicateScore, today: NaiveDate) -> Self {
        DuplicateDto {
            patient: PatientSummaryDto::new(p, today, None),
            score: score.score,
            reasons: score.reasons.iter().map(|r| r.describe()).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeDto {
    pub survivor_mrn: String,
    pub merged_mrn: String,
    pub visits_moved: usize,
    pub events_moved: usize,
}
