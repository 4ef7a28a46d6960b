//! The printed prescription: the view tend-print draws, and the audited print.

use serde_json::json;
use tend_domain::chart::{Category, fold_events};
use tend_domain::prescriptions::prescription::{Prescription, RxStatus};
use tend_domain::{Action, Entity};
use tend_store::{AuditEntry, Outcome, Reader, StoreError};

use crate::api::PrintedDto;
use crate::{CoreError, Result, Session, Tend};

use super::load;

/// Prints a signed prescription (a draft is not valid and a cancelled one must not be handed
/// out) on the clinic's letterhead and paper. The print is audited; the PDF is returned only
/// once its audit entry is committed.
pub fn print(tend: &Tend, session: &Session, id: &str) -> Result<PrintedDto> {
    tend.authorize(session, Action::PrescriptionPrint)?;
    let tz = tend.clinic_context()?.timezone;
    let (rx, view) = tend.store().read(|r| {
        let rx = load(r, id)?;
        match rx.status {
            RxStatus::Signed => {}
            RxStatus::Draft => {
                return Err(CoreError::refused(
                    "rx_draft_not_printable",
                    None,
                    "a draft cannot be printed: sign it first",
                ));
            }
            RxStatus::Cancelled => {
                return Err(CoreError::refused(
                    "rx_cancelled_not_printable",
                    None,
                    "this prescription was cancelled and cannot be printed; renew it instead",
                ));
            }
        }
        let view = print_view(r, &rx, tz)?;
        Ok((rx, view))
    })?;
    let pdf = tend_print::prescription(&view).map_err(|e| match e {
        tend_print::PrintError::Font => CoreError::refused("print_fonts", None, e.words()),
        _ => CoreError::refused("bad_logo", Some("logo"), e.words()),
    })?;
    let number = view.number.clone();
    let pages = pdf.pages;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("rx.print", Outcome::Ok)
                    .record(Entity::Prescription, rx.id)
                    .detail(json!({ "number": number, "patient": rx.patient_id, "pages": pages })),
            )?;
            Ok::<_, CoreError>(())
        })?;
    Ok(PrintedDto {
        file_name: format!("{number}.pdf"),
        number,
        pdf: pdf.bytes,
        pages,
    })
}

fn print_view(
    r: &Reader<'_>,
    rx: &Prescription,
    tz: chrono_tz::Tz,
) -> Result<tend_print::PrescriptionView> {
    use tend_domain::chart::{AllergyList, Severity};
    use tend_print::{AllergiesView, PatientView, RxItemView};
    let clinic = r.clinic()?;
    let patient = r
        .patient(rx.patient_id)?
        .ok_or(StoreError::NotFound { entity: "patient" })?;
    let prescriber = r
        .user(rx.prescriber_id)?
        .ok_or(StoreError::NotFound { entity: "user" })?;
    let facts = fold_events(&r.events_of(rx.patient_id, &[Category::Allergy])?);
    let signed = rx
        .signed_at
        .ok_or(StoreError::NotFound {
            entity: "signing time",
        })?
        .with_timezone(&tz);
    let d = &patient.demographics;
    let allergies = match &facts.allergies {
        AllergyList::NotAsked => AllergiesView::NotRecorded,
        AllergyList::NoneKnown { .. } => AllergiesView::NoneKnown,
        list @ AllergyList::Recorded { .. } => AllergiesView::Current(
            list.active()
                .iter()
                .map(|a| {
                    let severity = match a.severity {
                        Severity::Mild => "mild",
                        Severity::Moderate => "moderate",
                        Severity::Severe => "severe",
                    };
                    match &a.reaction {
                        Some(reaction) => format!("{} ({severity}: {reaction})", a.substance),
                        None => format!("{} ({severity})", a.substance),
                    }
                })
                .collect(),
        ),
    };
    let date = signed.date_naive();
    let locale = crate::billing::Books::of(r)?.locale;
    Ok(tend_print::PrescriptionView {
        letterhead: crate::clinic::letterhead_view(&clinic)?,
        number: rx.number.clone().unwrap_or_default(),
        locale,
        date,
        patient: PatientView {
            // The legal name, as the pharmacy will check it against an ID.
            name: format!("{} {}", d.given_name, d.family_name),
            mrn: patient.mrn.to_string(),
            birth_date: (!d.birth_date_estimated).then_some(d.birth_date),
            estimated_age: d.birth_date_estimated.then(|| {
                format!(
                    "about {} years",
                    tend_domain::patients::age_on(d.birth_date, date).years
                )
            }),
            sex: d.sex.as_str().to_owned(),
            allergies,
        },
        items: rx
            .items
            .iter()
            .map(|i| RxItemView {
                title: i.title(),
                directions: i.directions(),
                quantity: i.quantity_words(),
                refills: i.refills_words(),
                instructions: i.printed_instructions(),
            })
            .collect(),
        prescriber: prescriber.user.display_name.clone(),
        licence: prescriber.user.licence_number.clone().unwrap_or_default(),
        signed_at: format!("{} at {}", locale.date(date), signed.format("%H:%M")),
    })
}
