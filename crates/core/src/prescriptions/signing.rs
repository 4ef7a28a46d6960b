//! The safety checks, signing over warnings with a reason for each (the items join the
//! patient's medication list in the same transaction), cancelling and renewing.

use chrono::{DateTime, Utc};
use serde_json::json;
use tend_domain::chart::{Category, ChartFacts, EventData, Status, fold_events};
use tend_domain::prescriptions::Item;
use tend_domain::prescriptions::checks::{CheckInput, Warning, check};
use tend_domain::prescriptions::notation;
use tend_domain::prescriptions::prescription::{Override, Prescription, RxStatus, content_hash};
use tend_domain::{Action, Entity, ValidationError};
use tend_store::prescriptions::prescription_fields;
use tend_store::{AuditEntry, Outcome, PatientRecord, Reader, StoreError, WriteTx};
use uuid::Uuid;

use crate::api::{RxDto, WarningDto};
use crate::{CoreError, Result, Session, Tend};

use super::drafts::check_strengths;
use super::{catalog_of, dto, load};

/// The patient's allergies, medications, birth date and latest weight, as the checks need them.
struct Patient {
    record: PatientRecord,
    facts: ChartFacts,
    weight: Option<(u32, chrono::NaiveDate)>,
}

fn patient_facts(r: &Reader<'_>, rx: &Prescription, tz: chrono_tz::Tz) -> Result<Patient> {
    let record = r
        .patient(rx.patient_id)?
        .ok_or(StoreError::NotFound { entity: "patient" })?;
    let facts =
        fold_events(&r.events_of(rx.patient_id, &[Category::Allergy, Category::Medication])?);
    let vitals = fold_events(&r.recent_events_of(rx.patient_id, Category::Vitals, 50)?);
    let weight = vitals
        .vitals
        .iter()
        .filter(|v| !v.entered_in_error)
        .filter_map(|v| v.vitals.weight_g.map(|g| (g, v.taken_at)))
        .max_by_key(|(_, at)| *at)
        .map(|(g, at)| (g, at.with_timezone(&tz).date_naive()));
    Ok(Patient {
        record,
        facts,
        weight,
    })
}

fn run_checks(
    r: &Reader<'_>,
    rx: &Prescription,
    tz: chrono_tz::Tz,
    today: chrono::NaiveDate,
) -> Result<(Patient, Vec<Warning>)> {
    let patient = patient_facts(r, rx, tz)?;
    let catalog = catalog_of(r)?;
    let active: Vec<_> = patient
        .facts
        .medications
        .iter()
        .filter(|m| m.status == Status::Active)
        .cloned()
        .collect();
    let warnings = check(&CheckInput {
        catalog: &catalog,
        items: &rx.items,
        allergies: &patient.facts.allergies,
        medications: &active,
        birth_date: patient.record.demographics.birth_date,
        latest_weight: patient.weight,
        today,
    });
    Ok((patient, warnings))
}

/// The warnings signing would meet now.
pub fn check_draft(tend: &Tend, session: &Session, id: &str) -> Result<Vec<WarningDto>> {
    tend.authorize(session, Action::PrescriptionWrite)?;
    let tz = tend.clinic_context()?.timezone;
    let today = tend.today()?;
    tend.store().read(|r| {
        let rx = load(r, id)?;
        rx.check_edit()
            .map_err(|e| CoreError::refused(e.code(), None, e.words()))?;
        let warnings = run_checks(r, &rx, tz, today)?.1;
        Ok(warnings.iter().map(WarningDto::from).collect())
    })
}

/// Signs a draft. Every warning that needs a reason must have one in `reasons` (by its key);
/// otherwise nothing is signed and the warnings are returned in the error. The signed-over
/// warnings and reasons are recorded with the prescription and in the audit log; the items join
/// the patient's medication list in the same transaction.
pub fn sign(
    tend: &Tend,
    session: &Session,
    id: &str,
    reasons: &[(String, String)],
) -> Result<RxDto> {
    tend.authorize(session, Action::PrescriptionSign)?;
    // A reason is kept with the prescription and in the audit log: a sentence, not a file.
    if reasons.len() > 100 {
        return Err(ValidationError::new("reason", "give at most 100 reasons").into());
    }
    for (key, reason) in reasons {
        tend_domain::error::optional_text("reason", reason, 500)?;
        tend_domain::error::optional_text("reason", key, 200)?;
    }
    let tz = tend.clinic_context()?.timezone;
    let today = tend.today()?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let signer = r.user(session.user_id())?.ok_or(CoreError::SessionEnded)?;
        if signer.user.licence_number.is_none() {
            return Err(CoreError::refused( "rx_needs_licence", None,
                "only a prescriber with a licence number on their user account can sign; ask an administrator to record it",
            ));
        }
        let mut rx = load(&r, id)?;
        rx.check_sign().map_err(|e| CoreError::refused(e.code(), None, e.words()))?;
        if rx.prescriber_id != session.user_id() {
            return Err(CoreError::refused( "rx_not_your_draft", None, "only the prescriber who wrote this draft can sign it; renew it as your own"));
        }
        check_strengths(&catalog_of(&r)?, &rx.items)?;
        let (patient, warnings) = run_checks(&r, &rx, tz, today)?;
        let reason_for = |key: &str| {
            reasons
                .iter()
                .find(|(k, _)| k == key || k == "all")
                .map(|(_, reason)| reason.trim())
                .filter(|reason| reason.chars().count() >= 3)
        };
        let missing: Vec<Warning> = warnings
            .iter()
            .filter(|w| w.severity.needs_override() && reason_for(&w.key).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(CoreError::Warnings(missing));
        }
        rx.overrides = warnings
            .iter()
            .filter_map(|w| {
                reason_for(&w.key).map(|reason| Override {
                    key: w.key.clone(),
                    kind: w.kind,
                    severity: w.severity,
                    message: w.message.clone(),
                    reason: reason.to_owned(),
                })
            })
            .collect();
        rx.number = Some(tx.allocate_rx_number()?);
        rx.status = RxStatus::Signed;
        rx.signed_at = Some(now);
        rx.content_hash = Some(content_hash(&rx));
        tx.update(Entity::Prescription, rx.id, prescription_fields(&rx))?;
        tx.audit(
            AuditEntry::new("rx.sign", Outcome::Ok)
                .record(Entity::Prescription, rx.id)
                .detail(json!({
                    "number": rx.number,
                    "patient": rx.patient_id,
                    "items": rx.items.len(),
                    "warnings": warnings.iter().map(|w| json!({ "key": w.key, "severity": w.severity })).collect::<Vec<_>>(),
                    "overrides": rx.overrides.iter().map(|o| json!({ "key": o.key, "severity": o.severity, "reason": o.reason })).collect::<Vec<_>>(),
                })),
        )?;
        add_to_medications(tx, session, &rx, &patient, today, now)?;
        dto(&tx.read(), &rx)
    })
}

/// Each item starts a medication, or changes the running one of the same drug.
fn add_to_medications(
    tx: &mut WriteTx<'_>,
    session: &Session,
    rx: &Prescription,
    patient: &Patient,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Result<()> {
    for item in &rx.items {
        let running = patient.facts.medications.iter().find(|m| {
            m.status == Status::Active
                && (m.drug_code.is_some() && m.drug_code == item.drug_code
                    || tend_domain::text::fold(&m.drug) == tend_domain::text::fold(&item.drug))
        });
        let dose = Some(format!(
            "{} {}",
            notation::shown(&item.strength),
            item.dose.words()
        ));
        let frequency = Some(item.frequency.words.clone());
        let (subject, data) = match running {
            Some(m) => (
                m.id,
                EventData::MedicationChanged {
                    dose,
                    route: Some(item.route.clone()),
                    frequency,
                    changed_on: today,
                },
            ),
            None => (
                Uuid::now_v7(),
                EventData::MedicationStarted {
                    drug: item.drug.clone(),
                    drug_code: item.drug_code.clone(),
                    dose,
                    route: Some(item.route.clone()),
                    frequency,
                    started_on: today,
                    indication: None,
                },
            ),
        };
        crate::chart::records::append(
            tx,
            session,
            crate::chart::records::NewEvent {
                patient: rx.patient_id,
                category: Category::Medication,
                subject,
                occurred_at: now,
                action: "medication.from_rx",
                data,
            },
        )?;
    }
    Ok(())
}

/// Cancels a signed prescription with a reason. Its medications stay on the list until a
/// clinician stops them there: the patient may already have started them.
pub fn cancel(tend: &Tend, session: &Session, id: &str, reason: &str) -> Result<RxDto> {
    tend.authorize(session, Action::PrescriptionCancel)?;
    let reason = tend_domain::chart::required("reason", reason, 500)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut rx = load(&tx.read(), id)?;
        rx.check_cancel()
            .map_err(|e| CoreError::refused(e.code(), None, e.words()))?;
        rx.status = RxStatus::Cancelled;
        rx.cancelled_at = Some(now);
        rx.cancel_reason = Some(reason.clone());
        // Only the fields that changed are written.
        tx.update(Entity::Prescription, rx.id, prescription_fields(&rx))?;
        tx.audit(
            AuditEntry::new("rx.cancel", Outcome::Ok)
                .record(Entity::Prescription, rx.id)
                .detail(json!({ "number": rx.number, "reason": reason })),
        )?;
        dto(&tx.read(), &rx)
    })
}

/// A new draft with the same items as a signed or cancelled prescription, for the current user.
pub fn renew(tend: &Tend, session: &Session, id: &str) -> Result<RxDto> {
    tend.authorize(session, Action::PrescriptionWrite)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let source = load(&tx.read(), id)?;
        if source.status == RxStatus::Draft {
            return Err(CoreError::refused(
                "rx_still_draft",
                None,
                "this is still a draft: edit it instead of renewing it",
            ));
        }
        let rx = Prescription {
            id: Uuid::now_v7(),
            number: None,
            patient_id: source.patient_id,
            prescriber_id: session.user_id(),
            status: RxStatus::Draft,
            items: source.items.iter().map(Item::normalized).collect(),
            overrides: Vec::new(),
            created_at: now,
            signed_at: None,
            cancelled_at: None,
            cancel_reason: None,
            renewed_from: Some(source.id),
            content_hash: None,
        };
        tx.create(Entity::Prescription, rx.id, prescription_fields(&rx))?;
        tx.audit(
            AuditEntry::new("rx.renew", Outcome::Ok)
                .record(Entity::Prescription, rx.id)
                .detail(json!({ "from": source.id })),
        )?;
        dto(&tx.read(), &rx)
    })
}
