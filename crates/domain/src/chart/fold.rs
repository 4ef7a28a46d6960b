//! From a patient's events to what a clinician reads: the allergy list (or "no known allergies",
//! or "not asked"), problems, current medications, immunizations and vitals, with whatever was
//! entered in error left out of the current lists and kept, marked, in the history.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{AllergyCategory, ClinicalEvent, EventData, Severity, Vitals};
use crate::ids::UserId;

/// Whether an item is in the current list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    /// Resolved allergy or problem, stopped medication.
    Inactive,
    /// An allergy shown by testing not to be one.
    Refuted,
    EnteredInError,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllergyView {
    pub id: Uuid,
    pub substance: String,
    pub substance_code: Option<String>,
    pub category: AllergyCategory,
    pub reaction: Option<String>,
    pub severity: Severity,
    pub note: Option<String>,
    pub status: Status,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: UserId,
}

/// The allergy section of a chart: never asked, asked and none known, or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AllergyList {
    NotAsked,
    NoneKnown {
        since: DateTime<Utc>,
    },
    /// Every allergy ever recorded; `active()` are the current ones. Also used when all are
    /// resolved or refuted (then nothing is active, which is not the same as "none known").
    Recorded {
        allergies: Vec<AllergyView>,
    },
}

impl AllergyList {
    pub fn active(&self) -> Vec<&AllergyView> {
        match self {
            AllergyList::Recorded { allergies } => allergies
                .iter()
                .filter(|a| a.status == Status::Active)
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProblemView {
    pub id: Uuid,
    pub code: Option<String>,
    pub display: String,
    pub onset: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub status: Status,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MedicationView {
    pub id: Uuid,
    pub drug: String,
    pub drug_code: Option<String>,
    pub dose: Option<String>,
    pub route: Option<String>,
    pub frequency: Option<String>,
    pub started_on: NaiveDate,
    pub last_changed_on: Option<NaiveDate>,
    pub stopped_on: Option<NaiveDate>,
    pub stop_reason: Option<String>,
    pub indication: Option<String>,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VitalsEntry {
    pub id: Uuid,
    pub taken_at: DateTime<Utc>,
    pub vitals: Vitals,
    pub entered_in_error: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImmunizationView {
    pub id: Uuid,
    pub vaccine: String,
    pub given_on: NaiveDate,
    pub lot: Option<String>,
    pub site: Option<String>,
    pub given_by: Option<String>,
    pub entered_in_error: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddendumView {
    pub encounter_id: Uuid,
    pub text: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: UserId,
}

/// Everything the events say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartFacts {
    pub allergies: AllergyList,
    /// All problems, newest first; filter by status for the active list.
    pub problems: Vec<ProblemView>,
    /// All medication courses, newest first.
    pub medications: Vec<MedicationView>,
    /// All vitals, newest first, including those entered in error (marked).
    pub vitals: Vec<VitalsEntry>,
    pub immunizations: Vec<ImmunizationView>,
    pub addenda: Vec<AddendumView>,
}

/// Folds events (in any order) into the chart. Events are applied in the order they were
/// recorded; a later `allergy.recorded` for the same allergy replaces the earlier version.
pub fn fold_events(events: &[ClinicalEvent]) -> ChartFacts {
    let mut ordered: Vec<&ClinicalEvent> = events.iter().collect();
    ordered.sort_by_key(|e| (e.recorded_at, e.id));

    let voided: HashSet<Uuid> = ordered
        .iter()
        .filter(|e| matches!(e.data, EventData::EnteredInError { .. }))
        .map(|e| e.subject_id)
        .collect();

    let mut allergies: Vec<AllergyView> = Vec::new();
    let mut allergy_index: HashMap<Uuid, usize> = HashMap::new();
    let mut none_known: Option<DateTime<Utc>> = None;
    let mut problems: Vec<ProblemView> = Vec::new();
    let mut problem_index: HashMap<Uuid, usize> = HashMap::new();
    let mut meds: Vec<MedicationView> = Vec::new();
    let mut med_index: HashMap<Uuid, usize> = HashMap::new();
    let mut vitals = Vec::new();
    let mut immunizations = Vec::new();
    let mut addenda = Vec::new();

    for e in ordered {
        match &e.data {
            EventData::AllergyRecorded {
                substance,
                substance_code,
                category,
                reaction,
                severity,
                note,
            } => {
                let view = AllergyView {
                    id: e.subject_id,
                    substance: substance.clone(),
                    substance_code: substance_code.clone(),
                    category: *category,
                    reaction: reaction.clone(),
                    severity: *severity,
                    note: note.clone(),
                    status: Status::Active,
                    recorded_at: e.recorded_at,
                    recorded_by: e.recorded_by,
                };
                match allergy_index.get(&e.subject_id) {
                    Some(&i) => allergies[i] = view,
                    None => {
                        allergy_index.insert(e.subject_id, allergies.len());
                        allergies.push(view);
                    }
                }
                // A recorded allergy ends "no known allergies".
                none_known = None;
            }
            EventData::AllergyResolved { .. } | EventData::AllergyRefuted { .. } => {
                if let Some(&i) = allergy_index.get(&e.subject_id) {
                    allergies[i].status = if matches!(e.data, EventData::AllergyRefuted { .. }) {
                        Status::Refuted
                    } else {
                        Status::Inactive
                    };
                }
            }
            EventData::NoKnownAllergies => none_known = Some(e.occurred_at),
            EventData::ProblemAdded {
                code,
                display,
                onset,
                note,
            } => {
                let view = ProblemView {
                    id: e.subject_id,
                    code: code.clone(),
                    display: display.clone(),
                    onset: *onset,
                    resolved_on: None,
                    note: note.clone(),
                    status: Status::Active,
                    recorded_at: e.recorded_at,
                };
                match problem_index.get(&e.subject_id) {
                    Some(&i) => problems[i] = view,
                    None => {
                        problem_index.insert(e.subject_id, problems.len());
                        problems.push(view);
                    }
                }
            }
            EventData::ProblemResolved { resolved_on } => {
                if let Some(&i) = problem_index.get(&e.subject_id) {
                    problems[i].status = Status::Inactive;
                    problems[i].resolved_on = Some(*resolved_on);
                }
            }
            EventData::MedicationStarted {
                drug,
                drug_code,
                dose,
                route,
                frequency,
                started_on,
                indication,
            } => {
                let view = MedicationView {
                    id: e.subject_id,
                    drug: drug.clone(),
                    drug_code: drug_code.clone(),
                    dose: shown("dose", dose),
                    route: route.clone(),
                    frequency: shown("frequency", frequency),
                    started_on: *started_on,
                    last_changed_on: None,
                    stopped_on: None,
                    stop_reason: None,
                    indication: indication.clone(),
                    status: Status::Active,
                };
                med_index.entry(e.subject_id).or_insert_with(|| {
                    meds.push(view);
                    meds.len() - 1
                });
            }
            EventData::MedicationChanged {
                dose,
                route,
                frequency,
                changed_on,
            } => {
                if let Some(&i) = med_index.get(&e.subject_id) {
                    let m = &mut meds[i];
                    if dose.is_some() {
                        m.dose = shown("dose", dose);
                    }
                    if route.is_some() {
                        m.route.clone_from(route);
                    }
                    if frequency.is_some() {
                        m.frequency = shown("frequency", frequency);
                    }
                    m.last_changed_on = Some(*changed_on);
                }
            }
            EventData::MedicationStopped { stopped_on, reason } => {
                if let Some(&i) = med_index.get(&e.subject_id) {
                    meds[i].status = Status::Inactive;
                    meds[i].stopped_on = Some(*stopped_on);
                    meds[i].stop_reason.clone_from(reason);
                }
            }
            EventData::VitalsRecorded(v) => vitals.push(VitalsEntry {
                id: e.subject_id,
                taken_at: e.occurred_at,
                vitals: *v,
                entered_in_error: false,
            }),
            EventData::ImmunizationRecorded {
                vaccine,
                given_on,
                lot,
                site,
                given_by,
            } => immunizations.push(ImmunizationView {
                id: e.subject_id,
                vaccine: vaccine.clone(),
                given_on: *given_on,
                lot: lot.clone(),
                site: site.clone(),
                given_by: given_by.clone(),
                entered_in_error: false,
            }),
            EventData::Addendum { text } => addenda.push(AddendumView {
                encounter_id: e.subject_id,
                text: text.clone(),
                recorded_at: e.recorded_at,
                recorded_by: e.recorded_by,
            }),
            EventData::EnteredInError { .. } => {}
        }
    }

    for a in &mut allergies {
        if voided.contains(&a.id) {
            a.status = Status::EnteredInError;
        }
    }
    for p in &mut problems {
        if voided.contains(&p.id) {
            p.status = Status::EnteredInError;
        }
    }
    for m in &mut meds {
        if voided.contains(&m.id) {
            m.status = Status::EnteredInError;
        }
    }
    for v in &mut vitals {
        v.entered_in_error = voided.contains(&v.id);
    }
    for i in &mut immunizations {
        i.entered_in_error = voided.contains(&i.id);
    }

    let allergies = match (allergies.is_empty(), none_known) {
        (true, None) => AllergyList::NotAsked,
        (true, Some(since)) => AllergyList::NoneKnown { since },
        (false, _)
            if none_known.is_some() && allergies.iter().all(|a| a.status != Status::Active) =>
        {
            AllergyList::NoneKnown {
                since: none_known.unwrap_or_default(),
            }
        }
        (false, _) => AllergyList::Recorded { allergies },
    };
    problems.reverse();
    meds.sort_by_key(|m| std::cmp::Reverse(m.started_on));
    vitals.sort_by_key(|v| std::cmp::Reverse(v.taken_at));
    immunizations.sort_by_key(|i| std::cmp::Reverse(i.given_on));
    ChartFacts {
        allergies,
        problems,
        medications: meds,
        vitals,
        immunizations,
        addenda,
    }
}

/// A medication's dose or frequency as shown: in safe notation whenever it was recorded (the
/// list, the chart summary, the prescription and the printout never disagree).
fn shown(field: &str, recorded: &Option<String>) -> Option<String> {
    recorded
        .as_deref()
        .map(|text| crate::prescriptions::notation::shown_recorded(field, text))
}
