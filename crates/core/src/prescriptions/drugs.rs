//! The drug list as prescribers search it, and the clinic's own drugs, strengths and brand
//! names.

use serde_json::json;
use tend_domain::prescriptions::catalog::{CLINIC_PREFIX, Catalog};
use tend_domain::prescriptions::notation;
use tend_domain::prescriptions::{Amount, ClinicDrug, DecimalMark};
use tend_domain::words;
use tend_domain::{Action, Entity, ValidationError};
use tend_store::prescriptions::clinic_drug_fields;
use tend_store::{AuditEntry, Outcome, StoreError};
use uuid::Uuid;

use crate::api::{DrugClassDto, DrugDto};
use crate::{CoreError, Result, Session, Tend};

use super::{catalog_of, decimal_mark};

fn drug_dto(catalog: &Catalog, d: &tend_domain::prescriptions::Drug) -> DrugDto {
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
    let mut list: Vec<DrugClassDto> = tend_domain::prescriptions::shipped()
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
                "no_such_drug",
                Some("drug"),
                words!("there is no drug “{name}” in the catalog", name = name),
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
    let generic = tend_domain::chart::required("generic", form.generic, 120)?;
    let class = if form.class.trim().is_empty() {
        "other".to_owned()
    } else {
        form.class.trim().to_owned()
    };
    if tend_domain::prescriptions::shipped()
        .class(&class)
        .is_none()
    {
        return Err(ValidationError::new(
            "class",
            words!(
                "“{class}” is not a drug class (see `tend drug classes`)",
                class = class
            ),
        )
        .into());
    }
    let routes = split("routes", form.routes)?;
    for r in &routes {
        tend_domain::prescriptions::sig::parse_route(r)?;
    }
    let mark = tend.store().read(decimal_mark)?;
    let max_daily = match form.max_daily.trim() {
        "" => None,
        s => Some(Amount::read(s, mark).map_err(|e| {
            ValidationError::new("max_daily", words!("{e} (such as 4000 mg)", e = e))
        })?),
    };
    // Strengths are separated by semicolons (or commas, which a decimal comma rules out).
    let strengths = split_strengths(form.strengths, mark)?
        .iter()
        .map(|s| {
            notation::canonical(s, mark)
                .map_err(|e| ValidationError::new("strengths", words!("{s}: {e}", s = s, e = e)))
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
                "drug_exists",
                Some("generic"),
                words!(
                    "{generic} is already in the catalog",
                    generic = drug.generic
                ),
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
        let measure = tend_domain::prescriptions::Measure::parse(strength, mark)
            .map_err(|e| ValidationError::new("strength", e.0))?;
        let catalog = catalog_of(&r)?;
        let target = catalog
            .get(drug)
            .or_else(|| catalog.resolve(drug))
            .ok_or_else(|| {
                CoreError::refused(
                    "no_such_drug",
                    Some("drug"),
                    words!("there is no drug “{drug}” in the catalog", drug = drug),
                )
            })?;
        if let Some(known) = target.strengths.iter().find(|k| {
            tend_domain::prescriptions::Measure::parse(k, DecimalMark::Point)
                .is_ok_and(|k| k.same_as(&measure))
        }) {
            return Err(CoreError::refused(
                "strength_exists",
                Some("strength"),
                words!(
                    "{generic} already comes in {known}",
                    generic = target.generic,
                    known = known
                ),
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
    let brand = tend_domain::chart::required("brand", brand, 80)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let catalog = catalog_of(&tx.read())?;
        let target = catalog
            .get(drug)
            .or_else(|| catalog.resolve(drug))
            .ok_or_else(|| {
                CoreError::refused(
                    "no_such_drug",
                    Some("drug"),
                    words!("there is no drug “{drug}” in the catalog", drug = drug),
                )
            })?;
        if let Some(taken) = catalog.resolve(&brand).filter(|d| {
            tend_domain::text::fold(&brand) == tend_domain::text::fold(&d.generic)
                || d.brands
                    .iter()
                    .any(|b| tend_domain::text::fold(b) == tend_domain::text::fold(&brand))
        }) {
            return Err(CoreError::refused(
                "brand_taken",
                Some("brand"),
                words!(
                    "{brand} already names {generic}",
                    brand = brand,
                    generic = taken.generic
                ),
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
