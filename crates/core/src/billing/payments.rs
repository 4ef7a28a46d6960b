//! Money in and out of issued invoices: payments (cash with change, card, transfer, insurance,
//! the patient's credit, other), refunds, handing back a patient's credit, voids and credit
//! notes. Each is one transaction with its audit entry, and each payment or refund gets a
//! receipt number from this desk's series.

use chrono::Datelike;
use rust_decimal::Decimal;
use serde_json::json;
use tend_domain::billing::{
    CreditNote, Invoice, InvoiceStage, Money, Payment, PaymentKind, PaymentMethod,
    check_credit_note, check_refund, check_void, take_payment,
};
use tend_domain::error::{optional_text, required_text};
use tend_domain::words;
use tend_domain::{Action, Entity, ValidationError};
use tend_store::billing::{credit_note_fields, invoice_fields, payment_fields};
use tend_store::{AuditEntry, Outcome, WriteTx};
use uuid::Uuid;

use super::invoices::dto;
use super::{Books, find_invoice, minor, patient_ref, user_name};
use crate::api::{CreditIssuedDto, CreditNoteDto, InvoiceDto, PaymentDto, PaymentTakenDto};
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

#[derive(Debug, Clone, Copy)]
pub struct PaymentForm<'a> {
    /// `cash`, `card`, `bank transfer`, `insurance`, `patient credit` or `other`.
    pub method: &'a str,
    /// For cash, what was handed over; otherwise what is paid.
    pub amount: &'a str,
    /// Keep what is over the balance as the patient's credit (instead of change for cash).
    pub keep_as_credit: bool,
    /// Card slip, transfer or claim reference.
    pub reference: &'a str,
    pub note: &'a str,
}

fn issued(invoice: &Invoice) -> Result<String> {
    match (invoice.stage, &invoice.number) {
        (InvoiceStage::Issued | InvoiceStage::Void, Some(n)) => Ok(n.clone()),
        _ => Err(CoreError::refused(
            "invoice_is_draft",
            Some("invoice"),
            "this invoice is a draft: issue it first",
        )),
    }
}

/// Money given back: to the patient by `method`, or into their credit.
fn refund_row(
    patient_id: tend_domain::patients::PatientId,
    invoice_id: Option<Uuid>,
    method: PaymentMethod,
    amount: Money,
    reason: String,
    session: &Session,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Payment> {
    Ok(Payment {
        id: Uuid::now_v7(),
        number: String::new(),
        patient_id,
        invoice_id,
        kind: PaymentKind::Refund,
        method,
        currency: amount.currency,
        amount_minor: minor("amount", amount)?,
        to_credit_minor: 0,
        tendered_minor: None,
        change_minor: 0,
        reference: None,
        note: Some(reason),
        taken_by: session.user_id(),
        taken_at: now,
    })
}

/// Writes a payment or refund row with its receipt number and audit entry.
fn record(
    tx: &mut WriteTx<'_>,
    books: &Books,
    mut payment: Payment,
    action: &'static str,
    detail: serde_json::Value,
) -> Result<Payment> {
    let year = books.date(payment.taken_at).year();
    payment.number = tx.allocate_receipt_number(year)?;
    tx.create(Entity::Payment, payment.id, payment_fields(&payment))?;
    let mut detail = detail;
    detail["receipt"] = json!(payment.number);
    detail["method"] = json!(payment.method.as_str());
    detail["amount"] = json!(payment.amount().amount);
    tx.audit(
        AuditEntry::new(action, Outcome::Ok)
            .record(Entity::Payment, payment.id)
            .detail(detail),
    )?;
    Ok(payment)
}

fn payment_dto(tx: &WriteTx<'_>, p: &Payment, invoice: Option<String>) -> Result<PaymentDto> {
    let r = tx.read();
    Ok(PaymentDto::new(
        p,
        invoice,
        patient_ref(&r, p.patient_id)?,
        user_name(&r, p.taken_by)?,
    ))
}

/// Takes a payment on an issued invoice. Cash over the balance is change, unless kept as the
/// patient's credit; other methods may not pay more than the balance unless the rest is kept
/// as credit. Paying from the patient's credit never takes more than they have.
pub fn pay(
    tend: &Tend,
    session: &Session,
    invoice: &str,
    form: &PaymentForm<'_>,
) -> Result<PaymentTakenDto> {
    tend.authorize(session, Action::PaymentTake)?;
    let method: PaymentMethod = form.method.parse()?;
    let reference = optional_text("reference", form.reference, 80)?;
    let note = optional_text("note", form.note, 300)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let invoice = find_invoice(&tx.read(), invoice)?;
        let number = issued(&invoice)?;
        let books = Books::of(&tx.read())?;
        let amount = Money::parse("amount", form.amount, invoice.currency)?;
        let ledger = tx.read().ledger(&invoice)?;
        let credit = Money::from_minor(
            tx.read().patient_credit_minor(invoice.patient_id)?,
            invoice.currency,
        );
        let outcome = take_payment(
            &ledger,
            method,
            amount.amount,
            form.keep_as_credit,
            credit.amount,
        )?;
        let m = |field, d: Decimal| minor(field, Money::new(d, invoice.currency));
        let payment = Payment {
            id: Uuid::now_v7(),
            number: String::new(),
            patient_id: invoice.patient_id,
            invoice_id: Some(invoice.id),
            kind: PaymentKind::Payment,
            method,
            currency: invoice.currency,
            amount_minor: m("amount", outcome.applied)?,
            to_credit_minor: m("amount", outcome.to_credit)?,
            tendered_minor: (method == PaymentMethod::Cash)
                .then(|| m("amount", amount.amount))
                .transpose()?,
            change_minor: m("amount", outcome.change)?,
            reference,
            note,
            taken_by: session.user_id(),
            taken_at: now,
        };
        let payment = record(
            tx,
            &books,
            payment,
            "payment.take",
            json!({
                "invoice": number,
                "to_credit": outcome.to_credit,
                "change": outcome.change,
            }),
        )?;
        Ok(PaymentTakenDto {
            payment: payment_dto(tx, &payment, Some(number))?,
            invoice: dto(&tx.read(), tend, &invoice)?,
        })
    })
}

#[derive(Debug, Clone, Copy)]
pub struct RefundForm<'a> {
    /// How the money goes back; `patient credit` keeps it as the patient's credit.
    pub method: &'a str,
    pub amount: &'a str,
    pub reason: &'a str,
}

/// An admin gives back some of what was paid on an invoice.
pub fn refund(
    tend: &Tend,
    session: &Session,
    invoice: &str,
    form: &RefundForm<'_>,
) -> Result<PaymentTakenDto> {
    tend.authorize(session, Action::PaymentRefund)?;
    let method: PaymentMethod = form.method.parse()?;
    let reason = required_text("reason", form.reason, 300)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let invoice = find_invoice(&tx.read(), invoice)?;
        let number = issued(&invoice)?;
        let books = Books::of(&tx.read())?;
        let amount = Money::parse("amount", form.amount, invoice.currency)?;
        check_refund(&tx.read().ledger(&invoice)?, amount.amount)?;
        let payment = refund_row(
            invoice.patient_id,
            Some(invoice.id),
            method,
            amount,
            reason,
            session,
            now,
        )?;
        let payment = record(
            tx,
            &books,
            payment,
            "payment.refund",
            json!({ "invoice": number }),
        )?;
        Ok(PaymentTakenDto {
            payment: payment_dto(tx, &payment, Some(number))?,
            invoice: dto(&tx.read(), tend, &invoice)?,
        })
    })
}

/// An admin hands back some of a patient's credit (an earlier overpayment).
pub fn refund_credit(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    form: &RefundForm<'_>,
) -> Result<PaymentDto> {
    tend.authorize(session, Action::PaymentRefund)?;
    let method: PaymentMethod = form.method.parse()?;
    if method == PaymentMethod::PatientCredit {
        return Err(ValidationError::new(
            "method",
            "credit is handed back in cash, by card or by transfer",
        )
        .into());
    }
    let reason = required_text("reason", form.reason, 300)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let patient = find(&tx.read(), mrn)?;
        let books = Books::of(&tx.read())?;
        let amount = books.parse("amount", form.amount)?;
        let credit = Money::from_minor(tx.read().patient_credit_minor(patient.id)?, books.currency);
        if amount.is_zero() {
            return Err(ValidationError::new("amount", "must be more than 0").into());
        }
        if amount.amount > credit.amount {
            return Err(ValidationError::new(
                "amount",
                words!(
                    "is more than the patient's credit ({books})",
                    books = books.show(credit)
                ),
            )
            .into());
        }
        let payment = refund_row(patient.id, None, method, amount, reason, session, now)?;
        let payment = record(tx, &books, payment, "credit.refund", json!({}))?;
        payment_dto(tx, &payment, None)
    })
}

/// An admin voids an issued invoice on which nothing was paid. Its number stays used.
pub fn void(tend: &Tend, session: &Session, invoice: &str, reason: &str) -> Result<InvoiceDto> {
    tend.authorize(session, Action::InvoiceVoid)?;
    let reason = required_text("reason", reason, 300)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut invoice = find_invoice(&tx.read(), invoice)?;
        let number = issued(&invoice)?;
        check_void(&tx.read().ledger(&invoice)?)?;
        invoice.stage = InvoiceStage::Void;
        invoice.voided_at = Some(now);
        invoice.voided_by = Some(session.user_id());
        invoice.void_reason = Some(reason);
        tx.update(Entity::Invoice, invoice.id, invoice_fields(&invoice))?;
        tx.audit(
            AuditEntry::new("invoice.void", Outcome::Ok)
                .record(Entity::Invoice, invoice.id)
                .detail(json!({ "number": number })),
        )?;
        dto(&tx.read(), tend, &invoice)
    })
}

/// An admin corrects an issued invoice with a credit note for `amount` (empty: all that is
/// left). If the patient had paid more than the invoice now asks, the difference shows as a
/// negative balance, to refund or keep as credit.
pub fn credit_note(
    tend: &Tend,
    session: &Session,
    invoice: &str,
    amount: &str,
    reason: &str,
) -> Result<CreditIssuedDto> {
    tend.authorize(session, Action::CreditNoteIssue)?;
    let reason = required_text("reason", reason, 300)?;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let invoice = find_invoice(&tx.read(), invoice)?;
        let number = issued(&invoice)?;
        let books = Books::of(&tx.read())?;
        let ledger = tx.read().ledger(&invoice)?;
        let amount = if amount.trim().is_empty() {
            Money::new(ledger.total - ledger.credited, invoice.currency)
        } else {
            Money::parse("amount", amount, invoice.currency)?
        };
        check_credit_note(&ledger, amount.amount)?;
        let year = books.date(now).year();
        let note = CreditNote {
            id: Uuid::now_v7(),
            number: tx.allocate_credit_note_number(year)?,
            invoice_id: invoice.id,
            patient_id: invoice.patient_id,
            currency: invoice.currency,
            amount_minor: minor("amount", amount)?,
            reason,
            issued_at: now,
            issued_by: session.user_id(),
        };
        tx.create(Entity::CreditNote, note.id, credit_note_fields(&note))?;
        tx.audit(
            AuditEntry::new("credit_note.issue", Outcome::Ok)
                .record(Entity::CreditNote, note.id)
                .detail(json!({
                    "number": note.number,
                    "invoice": number,
                    "amount": amount.amount,
                })),
        )?;
        let r = tx.read();
        Ok(CreditIssuedDto {
            credit_note: CreditNoteDto::new(&note, number, user_name(&r, note.issued_by)?),
            invoice: dto(&r, tend, &invoice)?,
        })
    })
}
