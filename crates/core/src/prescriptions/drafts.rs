//! Drafts: written and edited by their prescriber, every item checked against the drug list and
//! the notation rules.

use serde_json::json;
use tend_domain::prescriptions::catalog::Catalog;
use tend_domain::prescriptions::notation;
use tend_domain::prescriptions::prescription::{ItemForm, Prescription, RxStatus};
use tend_domain::prescriptions::{DecimalMark, Item};
use tend_domain::words;
use tend_domain::{Action, Entity, ValidationError};
use tend_store::prescriptions::prescription_fields;
use tend_store::{AuditEntry, Outcome};
use uuid::Uuid;

use crate::api::RxDto;
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

use super::{catalog_of, decimal_mark, dto, load};

fn validate_items(catalog: &Catalog, forms: &[ItemForm], mark: DecimalMark) -> Result<Vec<Item>> {
    if forms.is_empty() {
        return Err(ValidationError::new("items", "add at least one drug").into());
    }
    if forms.len() > tend_domain::prescriptions::prescription::MAX_ITEMS {
        return Err(ValidationError::new("items", "a prescription holds at most 20 items").into());
    }
    forms
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f.validate(catalog, mark)
                .map_err(|error| CoreError::InItem { item: i + 1, error })
        })
        .collect()
}

/// Every catalog drug on the prescription is in a strength it is known in (a draft written
/// before strengths were checked, or with a strength since withdrawn, is refused at signing).
pub(super) fn check_strengths(catalog: &Catalog, items: &[Item]) -> Result<()> {
    for (i, item) in items.iter().enumerate() {
        let Some(drug) = item.drug_code.as_deref().and_then(|c| catalog.get(c)) else {
            continue;
        };
        let known = tend_domain::prescriptions::Measure::parse(&item.strength, DecimalMark::Point)
            .is_ok_and(|m| {
                drug.strengths.iter().any(|k| {
                    tend_domain::prescriptions::Measure::parse(k, DecimalMark::Point)
                        .is_ok_and(|k| k.same_as(&m))
                })
            });
        if !known {
            let reason = words!(
                "{drug} comes in {strengths}; {strength} is not one of them. Change the \
                 strength, or add it to {drug}'s strengths first",
                drug = drug.generic,
                strengths = drug.strengths.join(", "),
                strength = notation::shown(&item.strength)
            );
            return Err(CoreError::InItem {
                item: i + 1,
                error: ValidationError::new("strength", reason),
            });
        }
    }
    Ok(())
}

/// A new draft for the patient.
pub fn create_draft(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    items: &[ItemForm],
) -> Result<RxDto> {
    tend.authorize(session, Action::PrescriptionWrite)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let patient = find(&r, mrn)?;
        let items = validate_items(&catalog_of(&r)?, items, decimal_mark(&r)?)?;
        let rx = Prescription {
            id: Uuid::now_v7(),
            number: None,
            patient_id: patient.id,
            prescriber_id: session.user_id(),
            status: RxStatus::Draft,
            items,
            overrides: Vec::new(),
            created_at: now,
            signed_at: None,
            cancelled_at: None,
            cancel_reason: None,
            renewed_from: None,
            content_hash: None,
        };
        tx.create(Entity::Prescription, rx.id, prescription_fields(&rx))?;
        tx.audit(
            AuditEntry::new("rx.draft", Outcome::Ok)
                .record(Entity::Prescription, rx.id)
                .detail(json!({ "patient": patient.id, "items": rx.items.len() })),
        )?;
        dto(&tx.read(), &rx)
    })
}

/// Replaces a draft's items.
pub fn edit_draft(tend: &Tend, session: &Session, id: &str, items: &[ItemForm]) -> Result<RxDto> {
    tend.authorize(session, Action::PrescriptionWrite)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let mut rx = load(&r, id)?;
        rx.check_edit()
            .map_err(|e| CoreError::refused(e.code(), None, e.words()))?;
        rx.items = validate_items(&catalog_of(&r)?, items, decimal_mark(&r)?)?;
        tx.update(Entity::Prescription, rx.id, prescription_fields(&rx))?;
        tx.audit(
            AuditEntry::new("rx.edit", Outcome::Ok)
                .record(Entity::Prescription, rx.id)
                .detail(json!({ "items": rx.items.len() })),
        )?;
        dto(&tx.read(), &rx)
    })
}
