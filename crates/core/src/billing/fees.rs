//! The fee schedule and its tax rates, which an admin keeps; and the billable services a
//! clinician records on a visit, which the desk's invoice is filled from.

use rust_decimal::Decimal;
use serde_json::json;
use tend_domain::billing::{
    FeeItem, FeeKind, Money, TaxRate, TaxRateRecord, VisitService, parse_amount, parse_fee_code,
};
use tend_domain::chart::EncounterStatus;
use tend_domain::error::required_text;
use tend_domain::words;
use tend_domain::{Action, Entity, ValidationError};
use tend_store::billing::{fee_item_fields, tax_rate_fields, visit_service_fields};
use tend_store::{AuditEntry, Outcome, Reader};
use uuid::Uuid;

use super::Books;
use crate::api::{FeeDto, TaxRateDto, VisitServiceDto};
use crate::ids::parse_id;
use crate::{CoreError, Result, Session, Tend};

impl From<&TaxRateRecord> for TaxRateDto {
    fn from(t: &TaxRateRecord) -> Self {
        TaxRateDto {
            id: t.id,
            name: t.rate.name.clone(),
            percent: t.rate.percent.normalize(),
            inclusive: t.rate.inclusive,
            archived: t.archived,
        }
    }
}

fn fee_dto(f: &FeeItem, rate: Option<&TaxRateRecord>, books: &Books) -> FeeDto {
    FeeDto {
        code: f.code.clone(),
        name: f.name.clone(),
        kind: f.kind.as_str(),
        price: Money::new(f.price, books.currency).amount,
        currency: books.currency.code().to_owned(),
        tax: rate.map(|r| r.rate.name.clone()),
        tax_percent: rate.map_or(Decimal::ZERO, |r| r.rate.percent.normalize()),
        tax_inclusive: rate.is_some_and(|r| r.rate.inclusive),
        archived: f.archived,
    }
}

/// The clinic's tax rates in use.
pub fn tax_rates(tend: &Tend, session: &Session) -> Result<Vec<TaxRateDto>> {
    tend.authorize(session, Action::BillingView)?;
    let rates = tend.store().read(|r| r.tax_rates(false))?;
    Ok(rates.iter().map(TaxRateDto::from).collect())
}

#[derive(Debug, Clone, Copy)]
pub struct TaxRateForm<'a> {
    /// `VAT 21 %`.
    pub name: &'a str,
    /// `21`, `10,5`.
    pub percent: &'a str,
    /// Whether the prices it applies to already include it.
    pub inclusive: bool,
}

/// An admin adds a tax rate. Rates are never edited, only archived and replaced, so what an
/// issued invoice says it charged stays true.
pub fn add_tax_rate(tend: &Tend, session: &Session, form: &TaxRateForm<'_>) -> Result<TaxRateDto> {
    tend.authorize(session, Action::FeeScheduleEdit)?;
    let name = required_text("name", form.name, 40)?;
    let percent = parse_amount("percent", form.percent)?;
    if percent < Decimal::ZERO || percent >= Decimal::ONE_HUNDRED {
        return Err(ValidationError::new("percent", "must be from 0 to less than 100").into());
    }
    let rate = TaxRate {
        name,
        percent: percent.normalize(),
        inclusive: form.inclusive,
    };
    let id = Uuid::now_v7();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        if tx
            .read()
            .tax_rates(false)?
            .iter()
            .any(|t| t.rate.name.eq_ignore_ascii_case(&rate.name))
        {
            return Err(CoreError::refused( "tax_rate_exists", Some("name"),
                words!("there is already a tax rate called {name}", name = rate.name),
            ));
        }
        tx.create(Entity::TaxRate, id, tax_rate_fields(&rate, false))?;
        tx.audit(
            AuditEntry::new("tax_rate.add", Outcome::Ok)
                .record(Entity::TaxRate, id)
                .detail(json!({ "name": rate.name, "percent": rate.percent, "inclusive": rate.inclusive })),
        )?;
        Ok(())
    })?;
    Ok(TaxRateDto::from(&TaxRateRecord {
        id,
        rate,
        archived: false,
    }))
}

/// A tax rate by its name (any case) or id, among those in use.
pub(crate) fn find_tax_rate(r: &Reader<'_>, s: &str) -> Result<TaxRateRecord> {
    let s = s.trim();
    let rates = r.tax_rates(false)?;
    rates
        .into_iter()
        .find(|t| t.rate.name.eq_ignore_ascii_case(s) || t.id.to_string() == s)
        .ok_or_else(|| {
            CoreError::refused(
                "no_such_tax_rate",
                Some("tax"),
                words!(
                    "there is no tax rate \"{s}\"; see the list of tax rates",
                    s = s
                ),
            )
        })
}

/// An admin archives a tax rate. Fees that use it must be moved to another rate first.
pub fn archive_tax_rate(tend: &Tend, session: &Session, name: &str) -> Result<()> {
    tend.authorize(session, Action::FeeScheduleEdit)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let rate = find_tax_rate(&tx.read(), name)?;
        let users: Vec<String> = tx
            .read()
            .fee_items(false)?
            .into_iter()
            .filter(|f| f.tax_rate_id == Some(rate.id))
            .map(|f| f.code)
            .collect();
        if !users.is_empty() {
            return Err(CoreError::refused(
                "tax_rate_in_use",
                Some("tax"),
                words!(
                    "{name} is used by {users}; give those fees another rate first",
                    name = rate.rate.name,
                    users = users.join(", ")
                ),
            ));
        }
        tx.update(
            Entity::TaxRate,
            rate.id,
            [("archived".to_owned(), true.into())].into(),
        )?;
        tx.audit(
            AuditEntry::new("tax_rate.archive", Outcome::Ok).record(Entity::TaxRate, rate.id),
        )?;
        Ok(())
    })
}

/// The fee schedule by code; archived fees too when `all`.
pub fn schedule(tend: &Tend, session: &Session, all: bool) -> Result<Vec<FeeDto>> {
    tend.authorize(session, Action::BillingView)?;
    tend.store().read(|r| {
        let books = Books::of(r)?;
        let rates = r.tax_rates(true)?;
        Ok(r.fee_items(all)?
            .iter()
            .map(|f| {
                let rate = f
                    .tax_rate_id
                    .and_then(|id| rates.iter().find(|t| t.id == id));
                fee_dto(f, rate, &books)
            })
            .collect())
    })
}

#[derive(Debug, Clone, Copy)]
pub struct FeeForm<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// `service` or `item`.
    pub kind: &'a str,
    pub price: &'a str,
    /// A tax rate's name or id; empty or `none` for a fee that is not taxed.
    pub tax: &'a str,
}

/// An admin adds a fee, or changes the one with that code (bringing it back if archived).
/// Invoices already issued keep the price they were issued at.
pub fn save_fee(tend: &Tend, session: &Session, form: &FeeForm<'_>) -> Result<FeeDto> {
    tend.authorize(session, Action::FeeScheduleEdit)?;
    let code = parse_fee_code(form.code)?;
    let name = required_text("name", form.name, 120)?;
    let kind = FeeKind::parse(form.kind)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let books = Books::of(&tx.read())?;
        let price = books.parse("price", form.price)?;
        let tax = form.tax.trim();
        let rate = if tax.is_empty() || tax.eq_ignore_ascii_case("none") {
            None
        } else {
            Some(find_tax_rate(&tx.read(), tax)?)
        };
        let existing = tx.read().fee_item_by_code(&code)?;
        let item = FeeItem {
            id: existing.as_ref().map_or_else(Uuid::now_v7, |f| f.id),
            code: code.clone(),
            name,
            kind,
            price: price.amount,
            tax_rate_id: rate.as_ref().map(|r| r.id),
            archived: false,
        };
        let detail = json!({
            "code": code,
            "price": price.amount,
            "tax": rate.as_ref().map(|r| r.rate.name.clone()),
            "old_price": existing.as_ref().map(|f| f.price),
        });
        match &existing {
            None => {
                tx.create(Entity::FeeItem, item.id, fee_item_fields(&item))?;
                tx.audit(
                    AuditEntry::new("fee.add", Outcome::Ok)
                        .record(Entity::FeeItem, item.id)
                        .detail(detail),
                )?;
            }
            Some(_) => {
                if tx
                    .update(Entity::FeeItem, item.id, fee_item_fields(&item))?
                    .is_some()
                {
                    tx.audit(
                        AuditEntry::new("fee.update", Outcome::Ok)
                            .record(Entity::FeeItem, item.id)
                            .detail(detail),
                    )?;
                }
            }
        }
        Ok(fee_dto(&item, rate.as_ref(), &books))
    })
}

/// An admin takes a fee off the schedule; lines already on invoices keep it.
pub fn archive_fee(tend: &Tend, session: &Session, code: &str) -> Result<()> {
    tend.authorize(session, Action::FeeScheduleEdit)?;
    let code = parse_fee_code(code)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let fee = tx.read().fee_item_by_code(&code)?.ok_or_else(|| {
            CoreError::refused(
                "no_such_fee",
                Some("code"),
                words!("there is no fee {code}", code = code),
            )
        })?;
        if tx
            .update(
                Entity::FeeItem,
                fee.id,
                [("archived".to_owned(), true.into())].into(),
            )?
            .is_some()
        {
            tx.audit(AuditEntry::new("fee.archive", Outcome::Ok).record(Entity::FeeItem, fee.id))?;
        }
        Ok(())
    })
}

/// A fee in use by its code, with its tax rate (`None`: not taxed).
pub(crate) fn fee_for_billing(r: &Reader<'_>, code: &str) -> Result<(FeeItem, TaxRate)> {
    let code = parse_fee_code(code)?;
    let fee = r
        .fee_item_by_code(&code)?
        .filter(|f| !f.archived)
        .ok_or_else(|| {
            CoreError::refused(
                "no_such_fee",
                Some("code"),
                words!("there is no fee {code} in the fee schedule", code = code),
            )
        })?;
    let rate = match fee.tax_rate_id {
        None => TaxRate::exempt(),
        Some(id) => r
            .tax_rate(id)?
            .map(|t| t.rate)
            .ok_or(tend_store::StoreError::NotFound { entity: "tax rate" })?,
    };
    Ok((fee, rate))
}

fn services_dto(r: &Reader<'_>, visit: Uuid) -> Result<Vec<VisitServiceDto>> {
    r.visit_services(visit)?
        .into_iter()
        .map(|s| {
            let name = r
                .fee_item_by_code(&s.fee_code)?
                .map_or_else(String::new, |f| f.name);
            Ok(VisitServiceDto {
                id: s.id,
                code: s.fee_code,
                name,
                quantity: s.quantity,
            })
        })
        .collect()
}

/// The billable services recorded on a visit.
pub fn visit_services(tend: &Tend, session: &Session, visit: &str) -> Result<Vec<VisitServiceDto>> {
    tend.authorize(session, Action::BillingView)?;
    let visit = parse_id::<Uuid>("visit", "a visit", visit)?;
    tend.store().read(|r| services_dto(r, visit))
}

/// A clinician records a service done in a visit (`CONS`, `ECG` × 1), for the desk to invoice.
pub fn add_visit_service(
    tend: &Tend,
    session: &Session,
    visit: &str,
    code: &str,
    quantity: &str,
) -> Result<Vec<VisitServiceDto>> {
    tend.authorize(session, Action::VisitServiceWrite)?;
    let visit_id = parse_id::<Uuid>("visit", "a visit", visit)?;
    let quantity = if quantity.trim().is_empty() {
        Decimal::ONE
    } else {
        parse_amount("quantity", quantity)?
    };
    if quantity <= Decimal::ZERO {
        return Err(ValidationError::new("quantity", "must be more than 0").into());
    }
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let encounter = tx
            .read()
            .encounter(tend_domain::chart::EncounterId::from_uuid(visit_id))?
            .ok_or_else(|| CoreError::refused( "no_such_visit", Some("visit"), "there is no such visit"))?;
        if encounter.status == EncounterStatus::EnteredInError {
            return Err(CoreError::refused( "visit_entered_in_error", Some("visit"),
                "this visit was entered in error",
            ));
        }
        if let Some(invoice) = tx.read().invoice_for_visit(visit_id)?
            && invoice.number.is_some()
        {
            return Err(CoreError::refused( "visit_already_invoiced", Some("visit"),
                words!("this visit is already invoiced on {number}; ask the desk to add it to a new invoice", number = invoice.number.unwrap_or_default()),
            ));
        }
        let (fee, _) = fee_for_billing(&tx.read(), code)?;
        let service = VisitService {
            id: Uuid::now_v7(),
            encounter_id: visit_id,
            patient_id: encounter.patient_id,
            fee_code: fee.code.clone(),
            quantity: quantity.normalize(),
            added_by: session.user_id(),
            removed: false,
        };
        tx.create(
            Entity::VisitService,
            service.id,
            visit_service_fields(&service),
        )?;
        tx.audit(
            AuditEntry::new("visit_service.add", Outcome::Ok)
                .record(Entity::VisitService, service.id)
                .detail(
                    json!({ "visit": visit_id, "code": fee.code, "quantity": service.quantity }),
                ),
        )?;
        services_dto(&tx.read(), visit_id)
    })
}

/// A clinician takes a service off a visit (by its id, or by its code if it is there once).
pub fn remove_visit_service(
    tend: &Tend,
    session: &Session,
    visit: &str,
    service: &str,
) -> Result<Vec<VisitServiceDto>> {
    tend.authorize(session, Action::VisitServiceWrite)?;
    let visit_id = parse_id::<Uuid>("visit", "a visit", visit)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let services = tx.read().visit_services(visit_id)?;
        let wanted = service.trim();
        let matching: Vec<_> = services
            .iter()
            .filter(|s| s.id.to_string() == wanted || s.fee_code.eq_ignore_ascii_case(wanted))
            .collect();
        let target = match matching.as_slice() {
            [one] => *one,
            [] => {
                return Err(CoreError::refused(
                    "service_not_on_visit",
                    Some("service"),
                    words!("{wanted} is not recorded on this visit", wanted = wanted),
                ));
            }
            _ => {
                return Err(CoreError::refused(
                    "service_ambiguous",
                    Some("service"),
                    words!(
                        "{wanted} is on this visit more than once; name it by its id",
                        wanted = wanted
                    ),
                ));
            }
        };
        tx.update(
            Entity::VisitService,
            target.id,
            [("removed".to_owned(), true.into())].into(),
        )?;
        tx.audit(
            AuditEntry::new("visit_service.remove", Outcome::Ok)
                .record(Entity::VisitService, target.id)
                .detail(json!({ "visit": visit_id, "code": target.fee_code })),
        )?;
        services_dto(&tx.read(), visit_id)
    })
}
