//! Prescribing: drug search, drafts, the safety checks, signing (with reasons for the warnings
//! signed over), cancelling and renewing; and the clinic's own drugs and brand names.
//!
//! A signed prescription is frozen (its content hash is checked on every read), adds its items
//! to the patient's medication list in the same transaction, and is only ever cancelled or
//! renewed as a new draft. Receptionists find and print signed prescriptions; drafts are the
//! prescriber's.

use serde_json::json;
use tend_domain::prescriptions::catalog::Catalog;
use tend_domain::prescriptions::notation;
use tend_domain::prescriptions::prescription::{Prescription, RxStatus};
use tend_domain::prescriptions::{DecimalMark, Item};
use tend_domain::words;
use tend_domain::{Action, Entity};
use tend_store::{AuditEntry, Outcome, Reader, StoreError};
use uuid::Uuid;

use crate::api::{OverrideDto, RxDto, RxItemDto};
use crate::chart::{name_of, user_names};

#[cfg(test)]
mod legacy_tests;
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

mod drafts;
mod drugs;
mod printing;
mod signing;

pub use drafts::{create_draft, edit_draft};
pub use drugs::{
    ClinicDrugForm, add_brand, add_clinic_drug, add_strength, drug, drug_classes, search_drugs,
};
pub use printing::print;
pub use signing::{cancel, check_draft, renew, sign};

fn item_dto(i: &Item) -> RxItemDto {
    RxItemDto {
        title: i.title(),
        drug: i.drug.clone(),
        drug_code: i.drug_code.clone(),
        strength: notation::shown(&i.strength),
        form: i.form.clone(),
        dose: i.dose.words(),
        route: i.route.clone(),
        frequency: i.frequency.code.clone(),
        duration_days: i.duration_days,
        directions: i.directions(),
        quantity: i.quantity_words(),
        refills: i.refills_words(),
        instructions: i.printed_instructions(),
    }
}

/// The shipped catalog with the clinic's own drugs, brands and added strengths.
pub(crate) fn catalog_of(r: &Reader<'_>) -> Result<Catalog> {
    Ok(Catalog::with_clinic(
        r.clinic_drugs()?,
        &r.drug_brands()?,
        &r.drug_strengths()?,
    ))
}

/// How the clinic writes decimals, which typed amounts are read by.
pub(crate) fn decimal_mark(r: &Reader<'_>) -> Result<DecimalMark> {
    Ok(crate::billing::Books::of(r)?.locale.decimal_mark())
}

fn load(r: &Reader<'_>, id: &str) -> Result<Prescription> {
    let found = match Uuid::parse_str(id.trim()) {
        Ok(uuid) => r.prescription(uuid)?,
        Err(_) => r.prescription_by_number(&id.trim().to_ascii_uppercase())?,
    };
    let rx = found.ok_or_else(|| {
        CoreError::refused(
            "no_such_prescription",
            Some("id"),
            words!("there is no prescription {id}", id = id.trim()),
        )
    })?;
    if !rx.hash_holds_as(&r.merged_into(rx.patient_id)?) {
        return Err(CoreError::refused(
            "rx_tampered",
            None,
            "this prescription's stored content does not match what was signed; it may have been tampered with (see tend audit verify)",
        ));
    }
    Ok(normalized(rx))
}

/// A draft written before the notation rules, or by an older desktop, is read in safe
/// notation, so what is shown, checked and signed is what is stored from then on. Signed
/// items stay as signed (their hash covers them) and are shown in safe notation instead.
fn normalized(mut rx: Prescription) -> Prescription {
    if rx.status == RxStatus::Draft {
        rx.items = rx.items.iter().map(Item::normalized).collect();
    }
    rx
}

fn dto(r: &Reader<'_>, rx: &Prescription) -> Result<RxDto> {
    let patient = r
        .patient(rx.patient_id)?
        .ok_or(StoreError::NotFound { entity: "patient" })?;
    let prescriber = r.user(rx.prescriber_id)?;
    let names = user_names(r)?;
    Ok(RxDto {
        id: rx.id,
        number: rx.number.clone(),
        status: rx.status,
        patient_mrn: patient.mrn.to_string(),
        patient_name: patient.demographics.display_name(),
        prescriber: name_of(&names, rx.prescriber_id.as_uuid()),
        prescriber_licence: prescriber.and_then(|p| p.user.licence_number),
        items: rx.items.iter().map(item_dto).collect(),
        overrides: rx.overrides.iter().map(OverrideDto::from).collect(),
        created_at: rx.created_at,
        signed_at: rx.signed_at,
        cancelled_at: rx.cancelled_at,
        cancel_reason: rx.cancel_reason.clone(),
        renewed_from: rx.renewed_from,
    })
}

fn can_see(tend: &Tend, session: &Session, rx: &Prescription) -> Result<()> {
    if rx.status == RxStatus::Draft {
        tend.authorize(session, Action::PrescriptionWrite)
    } else {
        tend.authorize(session, Action::PrescriptionView)
    }
}

/// One prescription by id or number. Drafts only for prescribers.
pub fn get(tend: &Tend, session: &Session, id: &str) -> Result<RxDto> {
    tend.authorize(session, Action::PrescriptionView)?;
    let rx = tend.store().read(|r| load(r, id))?;
    can_see(tend, session, &rx)?;
    let found = tend.store().read(|r| dto(r, &rx))?;
    crate::audit::record_read(
        tend,
        session,
        AuditEntry::new("rx.read", Outcome::Ok).record(Entity::Prescription, rx.id),
    )?;
    Ok(found)
}

/// A patient's prescriptions, newest first: drafts too for prescribers, signed and cancelled
/// ones for everyone else allowed to see them.
pub fn list(tend: &Tend, session: &Session, mrn: &str) -> Result<Vec<RxDto>> {
    tend.authorize(session, Action::PrescriptionView)?;
    let drafts = session.roles().can(Action::PrescriptionWrite);
    let (patient, found) = tend.store().read(|r| {
        let patient = find(r, mrn)?;
        let found = r
            .prescriptions_of(patient.id)?
            .iter()
            .filter(|rx| drafts || rx.status != RxStatus::Draft)
            .map(|rx| dto(r, rx))
            .collect::<Result<Vec<_>>>()?;
        Ok::<_, CoreError>((patient.id, found))
    })?;
    crate::audit::record_read(
        tend,
        session,
        AuditEntry::new("rx.list", Outcome::Ok)
            .detail(json!({ "patient": patient, "prescriptions": found.len() })),
    )?;
    Ok(found)
}
