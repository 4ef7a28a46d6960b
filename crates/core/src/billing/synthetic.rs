//! A synthetic year of billing for benchmarks and the demo: every working day, invoices for real
//! patients of the clinic from its fee schedule, issued under the desk's series, most paid that
//! day (cash with change, card, transfer, insurance), some in part, some left unpaid, a few
//! corrected by credit notes. Written through the one write path, one transaction per day,
//! with audit entries, so the books add up exactly as if the desk had done it.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;
use tend_domain::billing::{
    CreditNote, Discount, Invoice, InvoiceLine, InvoiceStage, Money, Payment, PaymentKind,
    PaymentMethod,
};
use tend_domain::{Action, Entity};
use tend_store::billing::{credit_note_fields, invoice_fields, payment_fields};
use tend_store::{AuditEntry, Outcome, WriteCtx};
use uuid::Uuid;

use super::fees::{self, FeeForm, TaxRateForm, fee_for_billing};
use super::invoices::compute;
use super::{Books, minor};
use crate::{CoreError, Result, Session, Tend};

#[derive(Debug, Clone, Copy)]
pub struct BillingFill {
    /// The day after the last day billed.
    pub until: NaiveDate,
    pub days: u32,
    /// Invoices on a working day.
    pub per_day: usize,
    /// Patients drawn from (the first this many of the clinic).
    pub patients: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct BillingReport {
    pub invoices: usize,
    pub payments: usize,
    pub credit_notes: usize,
    pub days: usize,
}

/// The fee schedule of a small Spanish practice: consultations exempt from VAT, certificates
/// and products with it.
pub fn standard_fee_schedule(tend: &Tend, admin: &Session) -> Result<()> {
    if !fees::tax_rates(tend, admin)?.is_empty() {
        return Ok(());
    }
    for (name, percent, inclusive) in [("VAT 21 %", "21", false), ("VAT 10 %", "10", true)] {
        fees::add_tax_rate(
            tend,
            admin,
            &TaxRateForm {
                name,
                percent,
                inclusive,
            },
        )?;
    }
    for (code, name, kind, price, tax) in [
        ("CONS", "General consultation", "service", "60", "none"),
        ("FIRST", "First visit", "service", "80", "none"),
        ("FU", "Follow-up visit", "service", "40", "none"),
        ("ECG", "Electrocardiogram", "service", "35.50", "none"),
        ("SPIRO", "Spirometry", "service", "45", "none"),
        ("INJ", "Injection (administration)", "service", "12", "none"),
        (
            "VAC",
            "Vaccination (administration)",
            "service",
            "15",
            "none",
        ),
        ("DRESS", "Wound dressing", "service", "18", "none"),
        ("SUTURE", "Suture, minor wound", "service", "65", "none"),
        ("CERT", "Medical certificate", "service", "20", "VAT 21 %"),
        (
            "REPORT",
            "Medical report for a third party",
            "service",
            "50",
            "VAT 21 %",
        ),
        ("BAND", "Elastic bandage", "item", "4.95", "VAT 10 %"),
        ("KIT", "Dressing kit", "item", "7.50", "VAT 10 %"),
    ] {
        fees::save_fee(
            tend,
            admin,
            &FeeForm {
                code,
                name,
                kind,
                price,
                tax,
            },
        )?;
    }
    Ok(())
}

/// Lines of a typical invoice: a visit, sometimes a procedure, now and then a certificate or a
/// product.
const BASKETS: &[&[&str]] = &[
    &["CONS"],
    &["CONS"],
    &["CONS"],
    &["FU"],
    &["FU"],
    &["FIRST"],
    &["CONS", "ECG"],
    &["CONS", "CERT"],
    &["FU", "INJ"],
    &["VAC"],
    &["CONS", "SPIRO"],
    &["DRESS", "KIT"],
    &["SUTURE", "DRESS", "BAND"],
    &["REPORT"],
];

/// Fills `fill.days` days before `fill.until` with the clinic's billing, as `admin`.
pub fn populate(
    tend: &Tend,
    admin: &Session,
    fill: BillingFill,
    progress: &dyn Fn(NaiveDate, usize),
) -> Result<BillingReport> {
    tend.authorize(admin, Action::InvoiceWrite)?;
    standard_fee_schedule(tend, admin)?;
    let mut rng = fastrand::Rng::with_seed(fill.seed);
    let (books, patients) = tend
        .store()
        .read(|r| Ok::<_, CoreError>((Books::of(r)?, r.patient_ids(fill.patients)?)))?;
    if patients.is_empty() {
        return Err(CoreError::refused(
            "bench_no_patients",
            None,
            "the clinic has no patients to bill",
        ));
    }
    let lines_of = |codes: &[&str]| -> Result<Vec<InvoiceLine>> {
        tend.store().read(|r| {
            codes
                .iter()
                .map(|code| {
                    let (fee, tax) = fee_for_billing(r, code)?;
                    Ok(InvoiceLine {
                        code: Some(fee.code),
                        description: fee.name,
                        quantity: Decimal::ONE,
                        unit_price: fee.price,
                        discount: Discount::None,
                        tax,
                    })
                })
                .collect()
        })
    };
    let baskets: Vec<Vec<InvoiceLine>> =
        BASKETS.iter().map(|b| lines_of(b)).collect::<Result<_>>()?;
    let device = tend.store().identity().device_id;
    let user = admin.user_id();
    let mut report = BillingReport {
        invoices: 0,
        payments: 0,
        credit_notes: 0,
        days: 0,
    };
    let first = fill.until - Duration::days(i64::from(fill.days));
    let mut day = first;
    while day < fill.until {
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            day += Duration::days(1);
            continue;
        }
        let opens = day
            .and_hms_opt(8, 30, 0)
            .and_then(|t| books.tz.from_local_datetime(&t).earliest())
            .ok_or_else(|| {
                CoreError::refused(
                    "bench_no_open_day",
                    Some("date"),
                    "a day the clinic cannot open",
                )
            })?
            .with_timezone(&chrono::Utc);
        let mut counts = (0, 0, 0);
        tend.store().write(
            WriteCtx {
                user: Some(user),
                now: opens,
            },
            |tx| {
                for i in 0..fill.per_day {
                    // Spread through a 10-hour day.
                    let at = opens + Duration::seconds((i as i64 * 36_000) / fill.per_day as i64);
                    let patient = patients[rng.usize(..patients.len())];
                    let mut lines = baskets[rng.usize(..baskets.len())].clone();
                    if rng.u8(..10) == 0 {
                        lines[0].discount = Discount::Percent(Decimal::from(10));
                    }
                    let mut invoice = Invoice {
                        id: Uuid::now_v7(),
                        number: None,
                        patient_id: patient,
                        encounter_id: None,
                        device_id: device,
                        stage: InvoiceStage::Issued,
                        currency: books.currency,
                        lines,
                        discount: Discount::None,
                        note: None,
                        total_minor: None,
                        issued_at: Some(at),
                        issued_by: Some(user),
                        voided_at: None,
                        voided_by: None,
                        void_reason: None,
                        created_by: user,
                        created_at: at,
                    };
                    let total = Money::new(compute(&invoice)?.total, books.currency);
                    invoice.total_minor = Some(minor("total", total)?);
                    let number = tx.allocate_invoice_number(day.year())?;
                    invoice.number = Some(number.clone());
                    tx.create(Entity::Invoice, invoice.id, invoice_fields(&invoice))?;
                    tx.audit(
                        AuditEntry::new("invoice.issue", Outcome::Ok)
                            .record(Entity::Invoice, invoice.id)
                            .detail(json!({ "number": number, "synthetic": true })),
                    )?;
                    counts.0 += 1;
                    // 80 % paid in full, 10 % in part, 10 % left owing.
                    let roll = rng.u8(..100);
                    let paid = match roll {
                        0..80 => total.amount,
                        80..90 => (total.amount / Decimal::from(2)).round_dp(0),
                        _ => Decimal::ZERO,
                    };
                    if paid > Decimal::ZERO {
                        let method = match rng.u8(..20) {
                            0..10 => PaymentMethod::Cash,
                            10..18 => PaymentMethod::Card,
                            18 => PaymentMethod::BankTransfer,
                            _ => PaymentMethod::Insurance,
                        };
                        let cash = method == PaymentMethod::Cash;
                        // Cash is handed over in round notes.
                        let tendered = if cash {
                            (paid / Decimal::from(10)).ceil() * Decimal::from(10)
                        } else {
                            paid
                        };
                        let m = |d: Decimal| minor("amount", Money::new(d, books.currency));
                        let payment = Payment {
                            id: Uuid::now_v7(),
                            number: tx.allocate_receipt_number(day.year())?,
                            patient_id: patient,
                            invoice_id: Some(invoice.id),
                            kind: PaymentKind::Payment,
                            method,
                            currency: books.currency,
                            amount_minor: m(paid)?,
                            to_credit_minor: 0,
                            tendered_minor: cash.then(|| m(tendered)).transpose()?,
                            change_minor: m(tendered - paid)?,
                            reference: None,
                            note: None,
                            taken_by: user,
                            taken_at: at + Duration::minutes(2),
                        };
                        tx.create(Entity::Payment, payment.id, payment_fields(&payment))?;
                        tx.audit(
                            AuditEntry::new("payment.take", Outcome::Ok)
                                .record(Entity::Payment, payment.id)
                                .detail(json!({ "receipt": payment.number, "synthetic": true })),
                        )?;
                        counts.1 += 1;
                    }
                    if roll == 99 {
                        let note = CreditNote {
                            id: Uuid::now_v7(),
                            number: tx.allocate_credit_note_number(day.year())?,
                            invoice_id: invoice.id,
                            patient_id: patient,
                            currency: books.currency,
                            amount_minor: minor("amount", total)?,
                            reason: "Billed in error".into(),
                            issued_at: at + Duration::minutes(30),
                            issued_by: user,
                        };
                        tx.create(Entity::CreditNote, note.id, credit_note_fields(&note))?;
                        tx.audit(
                            AuditEntry::new("credit_note.issue", Outcome::Ok)
                                .record(Entity::CreditNote, note.id)
                                .detail(json!({ "number": note.number, "synthetic": true })),
                        )?;
                        counts.2 += 1;
                    }
                }
                Ok::<_, CoreError>(())
            },
        )?;
        report.invoices += counts.0;
        report.payments += counts.1;
        report.credit_notes += counts.2;
        report.days += 1;
        progress(day, report.invoices);
        day += Duration::days(1);
    }
    Ok(report)
}
