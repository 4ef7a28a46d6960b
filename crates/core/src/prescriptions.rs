//! Prescribing: drug search, drafts, the safety checks, signing (with reasons for the warnings
//! signed over), cancelling and renewing; and the clinic's own drugs and brand names.
//!
//! A signed prescription is frozen (its content hash is checked on every read), adds its items
//! to the patient's medication list in the same transaction, and is only ever cancelled or
//! renewed as a new draft. Receptionists find and print signed prescriptions; drafts are the
//! prescriber's.

use chrono::{DateTime, Utc};
use serde_json::json;
use tend_domain::clinical::{Category, ChartFacts, EventData, Status, fold_events};
use tend_domain::prescribing::catalog::{CLINIC_PREFIX, Catalog};
use tend_domain::prescribing::checks::{CheckInput, Warning, check};
use tend_domain::prescribing::notation;
use tend_domain::prescribing::prescription::{
    ItemForm, Override, Prescription, RxStatus, content_hash,
};
use tend_domain::prescribing::{Amount, ClinicDrug, DecimalMark, Item};
use tend_domain::{Action, Entity, ValidationError};
use tend_store::prescriptions::{clinic_drug_fields, prescription_fields};
use tend_store::{AuditEntry, Outcome, PatientRecord, Reader, StoreError, WriteTx};
use uuid::Uuid;

use crate::api::{DrugDto, OverrideDto, RxDto, RxItemDto, WarningDto};
use crate::chart::{name_of, user_names};

#[cfg(test)]
mod legacy_tests;
use crate::api::{DrugClassDto, PrintedDto};
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

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

fn drug_dto(catalog: &Catalog, d: &tend_domain::prescribing::Drug) -> DrugDto {
    DrugDto {
        code: d.code.clone(),
        generic: d.generic.clone(),
        class: d.class.clone(),
        class_label: catalog
            .class(&d.class)
            .map_or_else(|| d.class.clone(), |c| c.label.clone()),
        forms: d.forms.clone(),
        strengths: d.strengths.clone(),
        routes: d.routes.clone(),
        usual_adult_dose: d.usual_adult_dose.clone(),
        max_daily: d.max_daily.map(|a| a.to_string()),
        brands: d.brands.clone(),
        clinic_added: d.is_clinic_drug(),
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

/// Drugs whose name (generic or brand) starts with the words typed.
pub fn search_drugs(
    tend: &Tend,
    session: &Session,
    query: &str,
    limit: usize,
) -> Result<Vec<DrugDto>> {
    tend.authorize(session, Action::PrescriptionWrite)?;
    let query = tend_domain::error::search_text("query", query)?;
    let catalog = tend.store().read(catalog_of)?;
    Ok(catalog
        .search(query, limit.clamp(1, 100))
        .into_iter()
        .map(|d| drug_dto(&catalog, d))
        .collect())
}

/// The classes a clinic's own drug can belong to (public reference data: no sign-in).
pub fn drug_classes() -> Vec<DrugClassDto> {
    let mut list: Vec<DrugClassDto> = tend_domain::prescribing::shipped()
        .classes()
        .map(|c| DrugClassDto {
            id: c.id.clone(),
            label: c.label.clone(),
            duplicate_warning: c.duplicate_warning,
        })
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list
}

/// One drug by code or name.
pub fn drug(tend: &Tend, session: &Session, name: &str) -> Result<DrugDto> {
    tend.authorize(session, Action::PrescriptionWrite)?;
    let catalog = tend.store().read(catalog_of)?;
    catalog
        .get(name)
        .or_else(|| catalog.resolve(name))
        .map(|d| drug_dto(&catalog, d))
        .ok_or_else(|| {
            CoreError::refused(
                Some("drug"),
                format!("there is no drug {name:?} in the catalog"),
            )
        })
}

/// A drug the clinic adds to its catalog.
#[derive(Debug, Clone, Default)]
pub struct ClinicDrugForm<'a> {
    pub generic: &'a str,
    pub class: &'a str,
    pub forms: &'a str,
    pub strengths: &'a str,
    pub routes: &'a str,
    pub max_daily: &'a str,
}

fn split(field: &'static str, s: &str) -> Result<Vec<String>> {
    let list: Vec<String> = s
        .split([',', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if list.is_empty() {
        return Err(ValidationError::new(field, "give at least one, separated by commas").into());
    }
    Ok(list)
}

pub fn add_clinic_drug(
    tend: &Tend,
    session: &Session,
    form: &ClinicDrugForm<'_>,
) -> Result<DrugDto> {
    tend.authorize(session, Action::DrugCatalogEdit)?;
    let generic = tend_domain::clinical::required("generic", form.generic, 120)?;
    let class = if form.class.trim().is_empty() {
        "other".to_owned()
    } else {
        form.class.trim().to_owned()
    };
    if tend_domain::prescribing::shipped().class(&class).is_none() {
        return Err(ValidationError::new(
            "class",
            format!("{class:?} is not a drug class (see `tend drug classes`)"),
        )
        .into());
    }
    let routes = split("routes", form.routes)?;
    for r in &routes {
        tend_domain::prescribing::sig::parse_route(r)?;
    }
    let mark = tend.store().read(decimal_mark)?;
    let max_daily = match form.max_daily.trim() {
        "" => None,
        s => Some(
            Amount::read(s, mark)
                .map_err(|e| ValidationError::new("max_daily", format!("{e} (such as 4000 mg)")))?,
        ),
    };
    // Strengths are separated by semicolons (or commas, which a decimal comma rules out).
    let strengths = split_strengths(form.strengths, mark)?
        .iter()
        .map(|s| {
            notation::canonical(s, mark)
                .map_err(|e| ValidationError::new("strengths", format!("{s}: {e}")))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let id = Uuid::now_v7();
    let drug = ClinicDrug {
        code: format!("{CLINIC_PREFIX}{id}"),
        generic,
        class,
        forms: split("forms", form.forms)?,
        strengths,
        routes,
        max_daily,
    };
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        if catalog_of(&tx.read())?
            .resolve(&drug.generic)
            .is_some_and(|d| {
                tend_domain::text::fold(&d.generic) == tend_domain::text::fold(&drug.generic)
            })
        {
            return Err(CoreError::refused(
                Some("generic"),
                format!("{} is already in the catalog", drug.generic),
            ));
        }
        tx.create(Entity::ClinicDrug, id, clinic_drug_fields(&drug))?;
        tx.audit(AuditEntry::new("drug.add", Outcome::Ok).record(Entity::ClinicDrug, id))?;
        let catalog = catalog_of(&tx.read())?;
        let d = catalog
            .get(&drug.code)
            .ok_or(StoreError::NotFound { entity: "drug" })?;
        Ok(drug_dto(&catalog, d))
    })
}

/// A list of strengths as typed: separated by semicolons, or by commas where commas are not
/// the clinic's decimal mark ("2.5 mg, 5 mg").
fn split_strengths(s: &str, mark: DecimalMark) -> Result<Vec<String>> {
    let separators: &[char] = if s.contains(';') || mark == DecimalMark::Comma {
        &[';']
    } else {
        &[',', ';']
    };
    let list: Vec<String> = s
        .split(separators)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if list.is_empty() {
        return Err(ValidationError::new(
            "strengths",
            "give at least one, separated by semicolons",
        )
        .into());
    }
    Ok(list)
}

/// Adds a strength to a drug of the catalog (shipped or the clinic's own), so it can be
/// prescribed: a prescription names only strengths its drug is known in.
pub fn add_strength(tend: &Tend, session: &Session, drug: &str, strength: &str) -> Result<DrugDto> {
    tend.authorize(session, Action::DrugCatalogEdit)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let mark = decimal_mark(&r)?;
        let measure = tend_domain::prescribing::Measure::parse(strength, mark)
            .map_err(|e| ValidationError::new("strength", e.0))?;
        let catalog = catalog_of(&r)?;
        let target = catalog
            .get(drug)
            .or_else(|| catalog.resolve(drug))
            .ok_or_else(|| {
                CoreError::refused(
                    Some("drug"),
                    format!("there is no drug {drug:?} in the catalog"),
                )
            })?;
        if let Some(known) = target.strengths.iter().find(|k| {
            tend_domain::prescribing::Measure::parse(k, DecimalMark::Point)
                .is_ok_and(|k| k.same_as(&measure))
        }) {
            return Err(CoreError::refused(
                Some("strength"),
                format!("{} already comes in {known}", target.generic),
            ));
        }
        let code = target.code.clone();
        let id = Uuid::now_v7();
        let strength = measure.to_string();
        tx.create(
            Entity::DrugStrength,
            id,
            [
                ("drug_code", code.as_str().into()),
                ("strength", strength.as_str().into()),
                ("archived", false.into()),
            ]
            .into_iter()
            .map(|(k, v): (&str, tend_domain::Value)| (k.to_owned(), v))
            .collect(),
        )?;
        tx.audit(
            AuditEntry::new("drug.strength_add", Outcome::Ok)
                .record(Entity::DrugStrength, id)
                .detail(json!({ "drug": code, "strength": strength })),
        )?;
        let catalog = catalog_of(&tx.read())?;
        let d = catalog
            .get(&code)
            .ok_or(StoreError::NotFound { entity: "drug" })?;
        Ok(drug_dto(&catalog, d))
    })
}

/// A brand name for a drug in the catalog.
pub fn add_brand(tend: &Tend, session: &Session, brand: &str, drug: &str) -> Result<DrugDto> {
    tend.authorize(session, Action::DrugCatalogEdit)?;
    let brand = tend_domain::clinical::required("brand", brand, 80)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let catalog = catalog_of(&tx.read())?;
        let target = catalog
            .get(drug)
            .or_else(|| catalog.resolve(drug))
            .ok_or_else(|| {
                CoreError::refused(
                    Some("drug"),
                    format!("there is no drug {drug:?} in the catalog"),
                )
            })?;
        if let Some(taken) = catalog.resolve(&brand).filter(|d| {
            tend_domain::text::fold(&brand) == tend_domain::text::fold(&d.generic)
                || d.brands
                    .iter()
                    .any(|b| tend_domain::text::fold(b) == tend_domain::text::fold(&brand))
        }) {
            return Err(CoreError::refused(
                Some("brand"),
                format!("{brand} already names {}", taken.generic),
            ));
        }
        let code = target.code.clone();
        let id = Uuid::now_v7();
        tx.create(
            Entity::DrugBrand,
            id,
            [
                ("brand", brand.as_str().into()),
                ("drug_code", code.as_str().into()),
                ("archived", false.into()),
            ]
            .into_iter()
            .map(|(k, v): (&str, tend_domain::Value)| (k.to_owned(), v))
            .collect(),
        )?;
        tx.audit(AuditEntry::new("drug.brand_add", Outcome::Ok).record(Entity::DrugBrand, id))?;
        let catalog = catalog_of(&tx.read())?;
        let d = catalog
            .get(&code)
            .ok_or(StoreError::NotFound { entity: "drug" })?;
        Ok(drug_dto(&catalog, d))
    })
}

fn validate_items(catalog: &Catalog, forms: &[ItemForm], mark: DecimalMark) -> Result<Vec<Item>> {
    if forms.is_empty() {
        return Err(ValidationError::new("items", "add at least one drug").into());
    }
    if forms.len() > tend_domain::prescribing::prescription::MAX_ITEMS {
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

fn load(r: &Reader<'_>, id: &str) -> Result<Prescription> {
    let found = match Uuid::parse_str(id.trim()) {
        Ok(uuid) => r.prescription(uuid)?,
        Err(_) => r.prescription_by_number(&id.trim().to_ascii_uppercase())?,
    };
    let rx = found.ok_or_else(|| {
        CoreError::refused(
            Some("id"),
            format!("there is no prescription {}", id.trim()),
        )
    })?;
    if !rx.hash_holds_as(&r.merged_into(rx.patient_id)?) {
        return Err(CoreError::refused(
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

/// Every catalog drug on the prescription is in a strength it is known in (a draft written
/// before strengths were checked, or with a strength since withdrawn, is refused at signing).
fn check_strengths(catalog: &Catalog, items: &[Item]) -> Result<()> {
    for (i, item) in items.iter().enumerate() {
        let Some(drug) = item.drug_code.as_deref().and_then(|c| catalog.get(c)) else {
            continue;
        };
        let known = tend_domain::prescribing::Measure::parse(&item.strength, DecimalMark::Point)
            .is_ok_and(|m| {
                drug.strengths.iter().any(|k| {
                    tend_domain::prescribing::Measure::parse(k, DecimalMark::Point)
                        .is_ok_and(|k| k.same_as(&m))
                })
            });
        if !known {
            let reason = format!(
                "{} comes in {}; {} is not one of them. Change the strength, or add it to {}'s \
                 strengths first",
                drug.generic,
                drug.strengths.join(", "),
                notation::shown(&item.strength),
                drug.generic
            );
            return Err(CoreError::InItem {
                item: i + 1,
                error: ValidationError::new("strength", reason),
            });
        }
    }
    Ok(())
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
            .map_err(|e| CoreError::refused(None, e.message()))?;
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
            .map_err(|e| CoreError::refused(None, e.message()))?;
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
            return Err(CoreError::refused(
                None,
                "only a prescriber with a licence number on their user account can sign; ask an administrator to record it",
            ));
        }
        let mut rx = load(&r, id)?;
        rx.check_sign().map_err(|e| CoreError::refused(None, e.message()))?;
        if rx.prescriber_id != session.user_id() {
            return Err(CoreError::refused(None, "only the prescriber who wrote this draft can sign it; renew it as your own"));
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
        crate::clinical::append(
            tx,
            session,
            crate::clinical::NewEvent {
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
    let reason = tend_domain::clinical::required("reason", reason, 500)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut rx = load(&tx.read(), id)?;
        rx.check_cancel()
            .map_err(|e| CoreError::refused(None, e.message()))?;
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
                    None,
                    "a draft cannot be printed: sign it first",
                ));
            }
            RxStatus::Cancelled => {
                return Err(CoreError::refused(
                    None,
                    "this prescription was cancelled and cannot be printed; renew it instead",
                ));
            }
        }
        let view = print_view(r, &rx, tz)?;
        Ok((rx, view))
    })?;
    let pdf = tend_print::prescription(&view).map_err(|e| match e {
        tend_print::PrintError::Font => CoreError::refused(None, e.to_string()),
        _ => CoreError::refused(Some("logo"), e.to_string()),
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
    use tend_domain::clinical::{AllergyList, Severity};
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
                    tend_domain::patient::age_on(d.birth_date, date).years
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
