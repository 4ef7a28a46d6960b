//! The chart as the UI and `--json` see it: banner, lists, vitals with their units and flags,
//! visits and notes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tend_domain::chart::{
    AllergyCategory, AllergyView, Encounter, EncounterStatus, Flag, FlagLevel, ImmunizationView,
    Measure, MedicationView, NoteTemplate, ProblemView, Severity, Soap, Status, UnitSystem,
    VitalsEntry, bmi_tenths, flags, format_measure,
};
use uuid::Uuid;

/// The allergy section in any view: not asked, none known, or the active ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AllergiesDto {
    /// `not_asked`, `none_known` or `recorded`.
    pub state: &'static str,
    pub active: Vec<AllergyDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AllergyDto {
    pub id: Uuid,
    pub substance: String,
    pub category: AllergyCategory,
    pub reaction: Option<String>,
    pub severity: Severity,
    pub note: Option<String>,
    pub status: Status,
    pub recorded_at: DateTime<Utc>,
}

impl From<&AllergyView> for AllergyDto {
    fn from(a: &AllergyView) -> Self {
        AllergyDto {
            id: a.id,
            substance: a.substance.clone(),
            category: a.category,
            reaction: a.reaction.clone(),
            severity: a.severity,
            note: a.note.clone(),
            status: a.status,
            recorded_at: a.recorded_at,
        }
    }
}

/// What is always on screen above a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BannerDto {
    pub patient_id: Uuid,
    pub mrn: String,
    pub display_name: String,
    pub birth_date: NaiveDate,
    pub age: String,
    pub sex: &'static str,
    pub allergies: AllergiesDto,
    /// Safety-list fields (date of birth, sex, identifiers) two desktops changed at once: the
    /// record is flagged until a clinician chooses.
    pub conflicts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ProblemDto {
    pub id: Uuid,
    pub code: Option<String>,
    pub display: String,
    pub onset: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub status: Status,
}

impl From<&ProblemView> for ProblemDto {
    fn from(p: &ProblemView) -> Self {
        ProblemDto {
            id: p.id,
            code: p.code.clone(),
            display: p.display.clone(),
            onset: p.onset,
            resolved_on: p.resolved_on,
            note: p.note.clone(),
            status: p.status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MedicationDto {
    pub id: Uuid,
    pub drug: String,
    pub dose: Option<String>,
    pub route: Option<String>,
    pub frequency: Option<String>,
    pub started_on: NaiveDate,
    pub stopped_on: Option<NaiveDate>,
    pub stop_reason: Option<String>,
    pub indication: Option<String>,
    pub status: Status,
}

impl From<&MedicationView> for MedicationDto {
    fn from(m: &MedicationView) -> Self {
        MedicationDto {
            id: m.id,
            drug: m.drug.clone(),
            dose: m.dose.clone(),
            route: m.route.clone(),
            frequency: m.frequency.clone(),
            started_on: m.started_on,
            stopped_on: m.stopped_on,
            stop_reason: m.stop_reason.clone(),
            indication: m.indication.clone(),
            status: m.status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ImmunizationDto {
    pub id: Uuid,
    pub vaccine: String,
    pub given_on: NaiveDate,
    pub lot: Option<String>,
    pub site: Option<String>,
    pub given_by: Option<String>,
    pub entered_in_error: bool,
}

impl From<&ImmunizationView> for ImmunizationDto {
    fn from(i: &ImmunizationView) -> Self {
        ImmunizationDto {
            id: i.id,
            vaccine: i.vaccine.clone(),
            given_on: i.given_on,
            lot: i.lot.clone(),
            site: i.site.clone(),
            given_by: i.given_by.clone(),
            entered_in_error: i.entered_in_error,
        }
    }
}

/// One measurement, shown in the clinic's units, with its flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MeasureDto {
    pub measure: Measure,
    /// In canonical units (mmHg, /min, tenths of °C, %, g, mm, tenths of kg/m²).
    pub canonical: u32,
    /// `37.1 °C`.
    pub shown: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub flag: Option<FlagLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VitalsDto {
    pub id: Uuid,
    pub taken_at: DateTime<Utc>,
    pub measures: Vec<MeasureDto>,
    pub entered_in_error: bool,
}

impl VitalsDto {
    pub(crate) fn new(v: &VitalsEntry, age_years: u32, units: UnitSystem) -> Self {
        let vitals = &v.vitals;
        let found: Vec<Flag> = flags(vitals, age_years);
        let flag_of = |m: Measure| found.iter().find(|f| f.measure == m).map(|f| f.level);
        let bmi = match (vitals.weight_g, vitals.height_mm) {
            (Some(w), Some(h)) => bmi_tenths(w, h).map(u32::from),
            _ => None,
        };
        let values = [
            (Measure::Systolic, vitals.systolic.map(u32::from)),
            (Measure::Diastolic, vitals.diastolic.map(u32::from)),
            (Measure::Pulse, vitals.pulse.map(u32::from)),
            (Measure::Temperature, vitals.temperature_dc.map(u32::from)),
            (
                Measure::RespiratoryRate,
                vitals.respiratory_rate.map(u32::from),
            ),
            (Measure::Spo2, vitals.spo2.map(u32::from)),
            (Measure::Weight, vitals.weight_g),
            (Measure::Height, vitals.height_mm.map(u32::from)),
            (
                Measure::HeadCircumference,
                vitals.head_circumference_mm.map(u32::from),
            ),
            (Measure::Bmi, bmi),
        ];
        VitalsDto {
            id: v.id,
            taken_at: v.taken_at,
            measures: values
                .into_iter()
                .filter_map(|(m, value)| {
                    value.map(|c| MeasureDto {
                        measure: m,
                        canonical: c,
                        shown: format_measure(m, c, units),
                        flag: flag_of(m),
                    })
                })
                .collect(),
            entered_in_error: v.entered_in_error,
        }
    }
}

/// One point of a trend line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TrendPointDto {
    pub taken_at: DateTime<Utc>,
    pub values: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TrendsDto {
    /// `[systolic, diastolic]`, oldest first.
    pub blood_pressure: Vec<TrendPointDto>,
    /// `[grams]`, oldest first.
    pub weight: Vec<TrendPointDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VisitSummaryDto {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub provider: String,
    pub reason: Option<String>,
    pub status: EncounterStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AddendumDto {
    pub text: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VisitDto {
    pub id: Uuid,
    pub patient_mrn: String,
    pub starts_at: DateTime<Utc>,
    pub provider: String,
    pub reason: Option<String>,
    pub note: Soap,
    pub status: EncounterStatus,
    pub signed_at: Option<DateTime<Utc>>,
    pub signed_by: Option<String>,
    pub content_hash: Option<String>,
    /// False when a signed note no longer matches its hash (changed behind the app's back).
    pub hash_holds: bool,
    pub error_reason: Option<String>,
    pub addenda: Vec<AddendumDto>,
}

impl VisitDto {
    pub(crate) fn new(
        e: &Encounter,
        mrn: String,
        name: &dyn Fn(Uuid) -> String,
        addenda: Vec<AddendumDto>,
        merged: &[tend_domain::patients::PatientId],
    ) -> Self {
        VisitDto {
            id: e.id.as_uuid(),
            patient_mrn: mrn,
            starts_at: e.starts_at,
            provider: name(e.provider_id.as_uuid()),
            reason: e.reason.clone(),
            note: e.note.clone(),
            status: e.status,
            signed_at: e.signed_at,
            signed_by: e.signed_by.map(|u| name(u.as_uuid())),
            content_hash: e.content_hash.clone(),
            hash_holds: e.hash_holds_as(merged),
            error_reason: e.error_reason.clone(),
            addenda,
        }
    }
}

/// The chart at a glance, in one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChartSummaryDto {
    pub banner: BannerDto,
    pub problems: Vec<ProblemDto>,
    pub medications: Vec<MedicationDto>,
    pub last_visits: Vec<VisitSummaryDto>,
    pub visit_count: u64,
    pub latest_vitals: Option<VitalsDto>,
    pub trends: TrendsDto,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TemplateDto {
    pub id: Uuid,
    pub name: String,
    pub reason: Option<String>,
    pub note: Soap,
    pub archived: bool,
}

impl From<&NoteTemplate> for TemplateDto {
    fn from(t: &NoteTemplate) -> Self {
        TemplateDto {
            id: t.id.as_uuid(),
            name: t.name.clone(),
            reason: t.reason.clone(),
            note: t.note.clone(),
            archived: t.archived,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct IcdDto {
    pub code: String,
    pub description: String,
    pub billable: bool,
}

/// Every list of the chart in full, history included (entered-in-error items marked).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ChartListsDto {
    pub banner: BannerDto,
    pub allergies: Vec<AllergyDto>,
    pub problems: Vec<ProblemDto>,
    pub medications: Vec<MedicationDto>,
    pub vitals: Vec<VitalsDto>,
    pub immunizations: Vec<ImmunizationDto>,
}

/// A break-glass opening: the chart of `mrn` may be read by this person until `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BreakGlassDto {
    pub mrn: String,
    pub until: DateTime<Utc>,
}
