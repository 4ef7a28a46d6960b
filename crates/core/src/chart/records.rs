//! Recording clinical facts: allergies (and "no known allergies"), problems coded from
//! ICD-10-CM, medications, vital signs and immunizations, and marking any of them entered in
//! error. Each is one appended event, permission-checked and audited.

use chrono::{DateTime, Utc};
use serde_json::json;
use tend_domain::chart::{
    AllergyCategory, Category, ClinicalEvent, EventData, EventId, Severity, VitalsEntry,
    VitalsForm, fold_events, note, optional, required,
};
use tend_domain::icd10cm;
use tend_domain::patients::{PatientId, age_on, parse_date};
use tend_domain::words;
use tend_domain::{Action, Entity};
use tend_store::{AuditEntry, Outcome, WriteTx};
use uuid::Uuid;

use crate::api::{IcdDto, VitalsDto};
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

/// One event to append, and the audit action it is recorded under.
pub(crate) struct NewEvent {
    pub patient: PatientId,
    pub category: Category,
    pub subject: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub action: &'static str,
    pub data: EventData,
}

/// Appends one event about `subject` of the patient and audits it as `action`.
pub(crate) fn append(tx: &mut WriteTx<'_>, session: &Session, new: NewEvent) -> Result<Uuid> {
    let NewEvent {
        patient,
        category,
        subject,
        occurred_at,
        action,
        data,
    } = new;
    let now = tx.ctx().now;
    let event = ClinicalEvent {
        id: EventId::new(),
        patient_id: patient,
        category,
        subject_id: subject,
        encounter_id: None,
        occurred_at,
        recorded_at: now,
        recorded_by: session.user_id(),
        data,
    };
    tx.append_event(&event)?;
    tx.audit(
        AuditEntry::new(action, Outcome::Ok)
            .record(Entity::ClinicalEvent, event.id)
            .detail(json!({ "patient": patient, "subject": subject, "kind": event.data.kind() })),
    )?;
    Ok(subject)
}

/// The events about an existing subject, with the patient it belongs to and its category.
fn subject(
    r: &tend_store::Reader<'_>,
    id: &str,
) -> Result<(Uuid, PatientId, Category, Vec<ClinicalEvent>)> {
    let subject: Uuid = crate::ids::parse_id(
        "id",
        "an allergy, problem, medication, vitals or immunization",
        id,
    )?;
    let events = r.events_about(subject)?;
    let first = events
        .iter()
        .find(|e| !matches!(e.data, EventData::EnteredInError { .. }))
        .ok_or_else(|| {
            CoreError::refused(
                "no_such_chart_entry",
                Some("id"),
                "there is no such allergy, problem, medication, vitals or immunization",
            )
        })?;
    Ok((subject, first.patient_id, first.category, events))
}

fn expect_category(found: Category, wanted: Category) -> Result<()> {
    if found == wanted {
        Ok(())
    } else {
        Err(CoreError::refused(
            "wrong_chart_entry_kind",
            Some("id"),
            words!(
                "that is a {found} entry, not a {wanted} entry",
                found = found.as_str(),
                wanted = wanted.as_str()
            ),
        ))
    }
}

fn voided(events: &[ClinicalEvent]) -> bool {
    events
        .iter()
        .any(|e| matches!(e.data, EventData::EnteredInError { .. }))
}

/// The allergy form.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllergyForm<'a> {
    pub substance: &'a str,
    /// medication, food, environment or other (default medication).
    pub category: &'a str,
    pub reaction: &'a str,
    /// mild, moderate or severe (default moderate).
    pub severity: &'a str,
    pub note: &'a str,
}

fn allergy_data(form: &AllergyForm<'_>) -> Result<EventData> {
    Ok(EventData::AllergyRecorded {
        substance: required("substance", form.substance, 120)?,
        substance_code: None,
        category: form.category.parse::<AllergyCategory>()?,
        reaction: optional("reaction", form.reaction, 200)?,
        severity: form.severity.parse::<Severity>()?,
        note: note("note", form.note)?,
    })
}

/// Records an allergy or intolerance; returns its id.
pub fn record_allergy(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    form: &AllergyForm<'_>,
) -> Result<Uuid> {
    tend.authorize(session, Action::AllergyWrite)?;
    let data = allergy_data(form)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        append(
            tx,
            session,
            NewEvent {
                patient: p.id,
                category: Category::Allergy,
                subject: Uuid::now_v7(),
                occurred_at: now,
                action: "allergy.record",
                data,
            },
        )
    })
}

/// Revises an allergy (new severity, reaction…): the latest version shows.
pub fn revise_allergy(
    tend: &Tend,
    session: &Session,
    allergy: &str,
    form: &AllergyForm<'_>,
) -> Result<Uuid> {
    tend.authorize(session, Action::AllergyWrite)?;
    let data = allergy_data(form)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let (id, patient, category, events) = subject(&tx.read(), allergy)?;
        expect_category(category, Category::Allergy)?;
        if voided(&events) {
            return Err(CoreError::refused(
                "allergy_entered_in_error",
                Some("id"),
                "this allergy was entered in error",
            ));
        }
        append(
            tx,
            session,
            NewEvent {
                patient,
                category: Category::Allergy,
                subject: id,
                occurred_at: now,
                action: "allergy.revise",
                data,
            },
        )
    })
}

/// An allergy that no longer applies (`refuted`: testing showed it never was one).
pub fn end_allergy(
    tend: &Tend,
    session: &Session,
    allergy: &str,
    refuted: bool,
    why: &str,
) -> Result<Uuid> {
    tend.authorize(session, Action::AllergyWrite)?;
    let why = note("note", why)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let (id, patient, category, _) = subject(&tx.read(), allergy)?;
        expect_category(category, Category::Allergy)?;
        let data = if refuted {
            EventData::AllergyRefuted { note: why }
        } else {
            EventData::AllergyResolved { note: why }
        };
        append(
            tx,
            session,
            NewEvent {
                patient,
                category: Category::Allergy,
                subject: id,
                occurred_at: now,
                action: "allergy.end",
                data,
            },
        )
    })
}

/// Records that the patient was asked and has no known allergies.
pub fn no_known_allergies(tend: &Tend, session: &Session, mrn: &str) -> Result<()> {
    tend.authorize(session, Action::AllergyWrite)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        let facts = fold_events(&tx.read().events_of(p.id, &[Category::Allergy])?);
        if !facts.allergies.active().is_empty() {
            return Err(CoreError::refused(
                "active_allergies_recorded",
                None,
                "the patient has active allergies recorded; resolve or refute them first",
            ));
        }
        append(
            tx,
            session,
            NewEvent {
                patient: p.id,
                category: Category::Allergy,
                subject: p.id.as_uuid(),
                occurred_at: now,
                action: "allergy.none_known",
                data: EventData::NoKnownAllergies,
            },
        )?;
        Ok(())
    })
}

/// The problem form: an ICD-10-CM code, or a description, or both.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProblemForm<'a> {
    pub code: &'a str,
    pub description: &'a str,
    pub onset: &'a str,
    pub note: &'a str,
}

pub fn add_problem(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    form: &ProblemForm<'_>,
) -> Result<Uuid> {
    tend.authorize(session, Action::ProblemWrite)?;
    let today = tend.today()?;
    let (code, display) = match form.code.trim() {
        "" => (None, required("description", form.description, 200)?),
        code => {
            let entry = icd10cm::catalog().recordable(code)?;
            let display =
                optional("description", form.description, 200)?.unwrap_or(entry.description);
            (Some(entry.code), display)
        }
    };
    let onset = match form.onset.trim() {
        "" => None,
        s => {
            let d = parse_date("onset", s)?;
            if d > today {
                return Err(
                    tend_domain::ValidationError::new("onset", "cannot be in the future").into(),
                );
            }
            Some(d)
        }
    };
    let data = EventData::ProblemAdded {
        code,
        display,
        onset,
        note: note("note", form.note)?,
    };
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        append(
            tx,
            session,
            NewEvent {
                patient: p.id,
                category: Category::Problem,
                subject: Uuid::now_v7(),
                occurred_at: now,
                action: "problem.add",
                data,
            },
        )
    })
}

pub fn resolve_problem(
    tend: &Tend,
    session: &Session,
    problem: &str,
    resolved_on: &str,
) -> Result<Uuid> {
    tend.authorize(session, Action::ProblemWrite)?;
    let today = tend.today()?;
    let resolved_on = if resolved_on.trim().is_empty() {
        today
    } else {
        parse_date("resolved_on", resolved_on)?
    };
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let (id, patient, category, _) = subject(&tx.read(), problem)?;
        expect_category(category, Category::Problem)?;
        append(
            tx,
            session,
            NewEvent {
                patient,
                category: Category::Problem,
                subject: id,
                occurred_at: now,
                action: "problem.resolve",
                data: EventData::ProblemResolved { resolved_on },
            },
        )
    })
}

#[derive(Debug, Clone, Copy, Default)]
pub struct MedicationForm<'a> {
    pub drug: &'a str,
    pub dose: &'a str,
    pub route: &'a str,
    pub frequency: &'a str,
    /// Empty: today.
    pub started_on: &'a str,
    pub indication: &'a str,
}

pub fn start_medication(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    form: &MedicationForm<'_>,
) -> Result<Uuid> {
    tend.authorize(session, Action::MedicationWrite)?;
    let today = tend.today()?;
    let started_on = if form.started_on.trim().is_empty() {
        today
    } else {
        parse_date("started_on", form.started_on)?
    };
    let mark = tend.store().read(crate::prescriptions::decimal_mark)?;
    let data = EventData::MedicationStarted {
        drug: required("drug", form.drug, 120)?,
        drug_code: None,
        dose: recorded("dose", form.dose, 60, mark)?,
        route: optional("route", form.route, 40)?,
        frequency: recorded("frequency", form.frequency, 60, mark)?,
        started_on,
        indication: optional("indication", form.indication, 120)?,
    };
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        append(
            tx,
            session,
            NewEvent {
                patient: p.id,
                category: Category::Medication,
                subject: Uuid::now_v7(),
                occurred_at: now,
                action: "medication.start",
                data,
            },
        )
    })
}

/// A medication's dose or frequency typed by hand, written in safe notation (see
/// `tend_domain::prescriptions::notation`).
fn recorded(
    field: &'static str,
    value: &str,
    max_chars: usize,
    mark: tend_domain::prescriptions::DecimalMark,
) -> Result<Option<String>> {
    Ok(optional(field, value, max_chars)?
        .map(|text| tend_domain::prescriptions::notation::recorded(field, &text, mark))
        .transpose()?)
}

fn running(events: &[ClinicalEvent]) -> bool {
    !voided(events)
        && !events
            .iter()
            .any(|e| matches!(e.data, EventData::MedicationStopped { .. }))
}

pub fn change_medication(
    tend: &Tend,
    session: &Session,
    medication: &str,
    form: &MedicationForm<'_>,
) -> Result<Uuid> {
    tend.authorize(session, Action::MedicationWrite)?;
    let today = tend.today()?;
    let mark = tend.store().read(crate::prescriptions::decimal_mark)?;
    let data = EventData::MedicationChanged {
        dose: recorded("dose", form.dose, 60, mark)?,
        route: optional("route", form.route, 40)?,
        frequency: recorded("frequency", form.frequency, 60, mark)?,
        changed_on: today,
    };
    if let EventData::MedicationChanged {
        dose: None,
        route: None,
        frequency: None,
        ..
    } = data
    {
        return Err(tend_domain::ValidationError::new(
            "dose",
            "give a new dose, route or frequency",
        )
        .into());
    }
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let (id, patient, category, events) = subject(&tx.read(), medication)?;
        expect_category(category, Category::Medication)?;
        if !running(&events) {
            return Err(CoreError::refused(
                "medication_not_running",
                Some("id"),
                "this medication is not running",
            ));
        }
        append(
            tx,
            session,
            NewEvent {
                patient,
                category: Category::Medication,
                subject: id,
                occurred_at: now,
                action: "medication.change",
                data,
            },
        )
    })
}

pub fn stop_medication(
    tend: &Tend,
    session: &Session,
    medication: &str,
    stopped_on: &str,
    reason: &str,
) -> Result<Uuid> {
    tend.authorize(session, Action::MedicationWrite)?;
    let today = tend.today()?;
    let stopped_on = if stopped_on.trim().is_empty() {
        today
    } else {
        parse_date("stopped_on", stopped_on)?
    };
    let reason = optional("reason", reason, 200)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let (id, patient, category, events) = subject(&tx.read(), medication)?;
        expect_category(category, Category::Medication)?;
        if !running(&events) {
            return Err(CoreError::refused(
                "medication_not_running",
                Some("id"),
                "this medication is not running",
            ));
        }
        append(
            tx,
            session,
            NewEvent {
                patient,
                category: Category::Medication,
                subject: id,
                occurred_at: now,
                action: "medication.stop",
                data: EventData::MedicationStopped { stopped_on, reason },
            },
        )
    })
}

/// Records a set of vital signs, typed in the clinic's units; returns them as stored, with
/// the flags for the patient's age.
pub fn record_vitals(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    form: &VitalsForm,
    taken_at: Option<DateTime<Utc>>,
) -> Result<VitalsDto> {
    tend.authorize(session, Action::VitalsWrite)?;
    let ctx = tend.clinic_context()?;
    let vitals = form.validate(ctx.units)?;
    let now = tend.now();
    let taken_at = taken_at.unwrap_or(now);
    if taken_at > now {
        return Err(
            tend_domain::ValidationError::new("taken_at", "cannot be in the future").into(),
        );
    }
    let today = now.with_timezone(&ctx.timezone).date_naive();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        let id = append(
            tx,
            session,
            NewEvent {
                patient: p.id,
                category: Category::Vitals,
                subject: Uuid::now_v7(),
                occurred_at: taken_at,
                action: "vitals.record",
                data: EventData::VitalsRecorded(vitals),
            },
        )?;
        let age = age_on(p.demographics.birth_date, today).years;
        Ok(VitalsDto::new(
            &VitalsEntry {
                id,
                taken_at,
                vitals,
                entered_in_error: false,
            },
            age,
            ctx.units,
        ))
    })
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ImmunizationForm<'a> {
    pub vaccine: &'a str,
    /// Empty: today.
    pub given_on: &'a str,
    pub lot: &'a str,
    pub site: &'a str,
    pub given_by: &'a str,
}

pub fn record_immunization(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    form: &ImmunizationForm<'_>,
) -> Result<Uuid> {
    tend.authorize(session, Action::ImmunizationWrite)?;
    let today = tend.today()?;
    let given_on = if form.given_on.trim().is_empty() {
        today
    } else {
        parse_date("given_on", form.given_on)?
    };
    if given_on > today {
        return Err(
            tend_domain::ValidationError::new("given_on", "cannot be in the future").into(),
        );
    }
    let data = EventData::ImmunizationRecorded {
        vaccine: required("vaccine", form.vaccine, 120)?,
        given_on,
        lot: optional("lot", form.lot, 40)?,
        site: optional("site", form.site, 60)?,
        given_by: optional("given_by", form.given_by, 100)
            .map(|g| g.or_else(|| Some(session.display_name().to_owned())))?,
    };
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let p = find(&tx.read(), mrn)?;
        append(
            tx,
            session,
            NewEvent {
                patient: p.id,
                category: Category::Immunization,
                subject: Uuid::now_v7(),
                occurred_at: now,
                action: "immunization.record",
                data,
            },
        )
    })
}

/// Marks an allergy, problem, medication, vitals or immunization as recorded in error: it
/// leaves the current lists and stays in the history. Whoever may record that kind may void it.
pub fn mark_entered_in_error(tend: &Tend, session: &Session, id: &str, reason: &str) -> Result<()> {
    let reason = required("reason", reason, 500)?;
    let now = tend.now();
    let category = tend.store().read(|r| subject(r, id).map(|s| s.2))?;
    let action = match category {
        Category::Allergy => Action::AllergyWrite,
        Category::Problem => Action::ProblemWrite,
        Category::Medication => Action::MedicationWrite,
        Category::Vitals => Action::VitalsWrite,
        Category::Immunization => Action::ImmunizationWrite,
        Category::Note => Action::NoteAddendum,
    };
    tend.authorize(session, action)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let (subject_id, patient, category, events) = subject(&tx.read(), id)?;
        if category == Category::Note {
            return Err(CoreError::refused(
                "addendum_not_withdrawable",
                Some("id"),
                "an addendum cannot be withdrawn; add another addendum instead",
            ));
        }
        if voided(&events) {
            return Err(CoreError::refused(
                "already_entered_in_error",
                Some("id"),
                "this is already marked as entered in error",
            ));
        }
        append(
            tx,
            session,
            NewEvent {
                patient,
                category,
                subject: subject_id,
                occurred_at: now,
                action: "chart.entered_in_error",
                data: EventData::EnteredInError { reason },
            },
        )?;
        Ok(())
    })
}

/// ICD-10-CM codes for a search box (public reference data: no patient, no audit).
pub fn icd_search(query: &str, limit: usize) -> Result<Vec<IcdDto>> {
    let query = tend_domain::error::search_text("query", query)?;
    Ok(icd10cm::catalog()
        .search(query, limit.clamp(1, 100))
        .into_iter()
        .map(|c| IcdDto {
            code: c.code,
            description: c.description,
            billable: c.billable,
        })
        .collect())
}
