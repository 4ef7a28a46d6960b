//! Billing: the fee schedule and tax rates, services recorded on visits, invoices from draft to
//! issued, payments (with change and patient credit), refunds, voids and credit notes, balances,
//! statements, the unpaid list, the daily close-out, and their printed documents.
//!
//! Receptionists create and issue invoices and take payments; only admins void, issue credit
//! notes and give money back. Every step is audited in the transaction that makes it. An issued
//! invoice never changes: its lines, prices and taxes were copied in when they were added, and
//! its total was frozen at issue; only payments and credit notes move its balance.

pub mod fees;
pub mod invoices;
pub mod payments;
pub mod printing;
pub mod reports;
#[cfg(feature = "fixtures")]
pub mod synthetic;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use iso_currency::Currency;
use rust_decimal::Decimal;
use tend_domain::Locale;
use tend_domain::billing::{
    CreditNote, Discount, Invoice, InvoiceStage, InvoiceStatus, Ledger, Money, Payment,
    PaymentKind, parse_amount,
};
use tend_domain::words;
use tend_domain::{UserId, ValidationError};
use tend_store::Reader;
use uuid::Uuid;

use crate::api::{CreditNoteDto, PatientRefDto, PaymentDto};
use crate::{CoreError, Result};

/// What every billing step needs to know about the clinic: its currency, how it writes money
/// and dates, and its time zone (which decides the day a payment belongs to).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Books {
    pub currency: Currency,
    pub locale: Locale,
    pub tz: Tz,
}

impl Books {
    pub fn of(r: &Reader<'_>) -> Result<Books> {
        let clinic = r.clinic()?;
        let currency = tend_domain::clinic::parse_currency(&clinic.currency)?;
        let locale = if clinic.locale.is_empty() {
            Locale::for_currency(currency)
        } else {
            clinic.locale.parse()?
        };
        Ok(Books {
            currency,
            locale,
            tz: tend_domain::clinic::parse_timezone(&clinic.timezone)?,
        })
    }

    /// An amount typed at the desk, in the clinic's currency.
    pub fn parse(&self, field: &'static str, s: &str) -> Result<Money> {
        Ok(Money::parse(field, s, self.currency)?)
    }

    /// `1.234,50 €` as the clinic writes it.
    pub fn show(&self, money: Money) -> String {
        self.locale.money(money)
    }

    pub fn date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// The first instant of `day` and of the day after, where the clinic is.
    pub fn day_bounds(&self, day: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
        let start = |d: NaiveDate| -> Result<DateTime<Utc>> {
            let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            // A day that starts inside a DST gap starts at the gap's end.
            let local = self
                .tz
                .from_local_datetime(&midnight)
                .earliest()
                .or_else(|| {
                    self.tz
                        .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                        .earliest()
                })
                .ok_or_else(|| {
                    CoreError::refused("no_such_day", Some("date"), "that day does not exist here")
                })?;
            Ok(local.with_timezone(&Utc))
        };
        let next = day.succ_opt().ok_or_else(|| {
            CoreError::refused("date_out_of_range", Some("date"), "is out of range")
        })?;
        Ok((start(day)?, start(next)?))
    }
}

/// A date typed as `2026-11-24`, or `today`.
pub(crate) fn parse_day(field: &'static str, s: &str, today: NaiveDate) -> Result<NaiveDate> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("today") {
        return Ok(today);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ValidationError::new(
            field,
            words!("\"{s}\" is not a date; write it as 2026-11-24", s = s),
        )
        .into()
    })
}

/// A discount as typed: empty for none, `10%` for a percentage, `5` or `5,00` for an amount.
pub(crate) fn parse_discount(field: &'static str, s: &str, books: &Books) -> Result<Discount> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("none") || s == "0" {
        return Ok(Discount::None);
    }
    if let Some(percent) = s.strip_suffix('%') {
        let p = parse_amount(field, percent)?;
        if p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED {
            return Err(ValidationError::new(
                field,
                "a percentage must be more than 0 and at most 100",
            )
            .into());
        }
        return Ok(Discount::Percent(p));
    }
    let amount = books.parse(field, s)?;
    if amount.is_zero() {
        return Ok(Discount::None);
    }
    Ok(Discount::Amount(amount.amount))
}

/// An invoice by its number (`K7-2026-000045`) or its id.
pub(crate) fn find_invoice(r: &Reader<'_>, s: &str) -> Result<Invoice> {
    let s = s.trim();
    let found = match s.parse::<Uuid>() {
        Ok(id) => r.invoice(id)?,
        Err(_) => r.invoice_by_number(&s.to_uppercase())?,
    };
    found
        .filter(|i| i.stage != InvoiceStage::Deleted)
        .ok_or_else(|| {
            CoreError::refused(
                "no_such_invoice",
                Some("invoice"),
                words!("there is no invoice {s}", s = s),
            )
        })
}

/// How an invoice stands, as the desk says it.
pub(crate) fn status_of(invoice: &Invoice, ledger: &Ledger) -> InvoiceStatus {
    match invoice.stage {
        InvoiceStage::Draft | InvoiceStage::Deleted => InvoiceStatus::Draft,
        _ => ledger.status(),
    }
}

impl PaymentDto {
    pub(crate) fn new(
        p: &Payment,
        invoice_number: Option<String>,
        patient: PatientRefDto,
        taken_by: String,
    ) -> Self {
        let money = |minor| Money::from_minor(minor, p.currency).amount;
        PaymentDto {
            id: p.id,
            number: p.number.clone(),
            kind: p.kind.as_str(),
            method: p.method.as_str(),
            invoice_number,
            patient,
            currency: p.currency.code().to_owned(),
            amount: money(p.amount_minor),
            to_credit: money(p.to_credit_minor),
            tendered: p.tendered_minor.map(money),
            change: money(p.change_minor),
            reference: p.reference.clone(),
            note: p.note.clone(),
            taken_by,
            taken_at: p.taken_at,
        }
    }

    pub fn is_refund(&self) -> bool {
        self.kind == PaymentKind::Refund.as_str()
    }
}

impl CreditNoteDto {
    pub(crate) fn new(c: &CreditNote, invoice_number: String, issued_by: String) -> Self {
        CreditNoteDto {
            id: c.id,
            number: c.number.clone(),
            invoice_number,
            currency: c.currency.code().to_owned(),
            amount: Money::from_minor(c.amount_minor, c.currency).amount,
            reason: c.reason.clone(),
            issued_by,
            issued_at: c.issued_at,
        }
    }
}

/// Minor units of `money`, or a refusal naming `field` (an amount too large to keep).
pub(crate) fn minor(field: &'static str, money: Money) -> Result<i64> {
    money
        .to_minor()
        .ok_or_else(|| ValidationError::new(field, "is too large").into())
}

pub(crate) fn user_name(r: &Reader<'_>, id: UserId) -> Result<String> {
    Ok(r.user(id)?
        .map_or_else(|| "unknown user".to_owned(), |u| u.user.display_name))
}

pub(crate) fn patient_ref(
    r: &Reader<'_>,
    id: tend_domain::patients::PatientId,
) -> Result<PatientRefDto> {
    let p = r
        .patient(id)?
        .ok_or(tend_store::StoreError::NotFound { entity: "patient" })?;
    let d = &p.demographics;
    Ok(PatientRefDto {
        mrn: p.mrn.to_string(),
        name: format!("{} {}", d.given_name, d.family_name),
    })
}
