//! Billing as stored: the fee schedule and tax rates, visit services, invoices, payments and
//! credit notes; the ledger sums that give an invoice's balance and a patient's credit; and the
//! device's yearly number series for invoices, credit notes and receipts.

use chrono::{DateTime, Utc};
use iso_currency::Currency;
use rusqlite::{OptionalExtension, Row, params};
use tend_domain::billing::{
    CreditNote, Discount, FeeItem, FeeKind, Invoice, InvoiceStage, Ledger, Money, Payment,
    PaymentKind, PaymentMethod, TaxRate, TaxRateRecord, VisitService, credit_note_number,
    invoice_number, receipt_number,
};
use tend_domain::patients::PatientId;
use tend_domain::{Fields, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::rows::{bad, fields, from_json, instant, json};
use crate::{Reader, WriteTx, parse_id};

fn opt_id<T: std::str::FromStr>(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<T>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        raw => parse_id(raw).map(Some),
    }
}

fn decimal(r: &Row<'_>, i: usize, what: &str) -> rusqlite::Result<rust_decimal::Decimal> {
    let s: String = r.get(i)?;
    s.parse().map_err(|_| bad(what))
}

fn currency(r: &Row<'_>, i: usize) -> rusqlite::Result<Currency> {
    let s: String = r.get(i)?;
    Currency::from_code(&s).ok_or_else(|| bad("currency"))
}

fn method(r: &Row<'_>, i: usize) -> rusqlite::Result<PaymentMethod> {
    let s: String = r.get(i)?;
    s.parse().map_err(|_| bad("payment method"))
}

// ---- tax rates and the fee schedule ----

pub fn tax_rate_fields(rate: &TaxRate, archived: bool) -> Fields {
    fields(vec![
        ("name", Value::from(rate.name.as_str())),
        ("percent", Value::from(rate.percent.normalize().to_string())),
        ("inclusive", Value::Bool(rate.inclusive)),
        ("archived", Value::Bool(archived)),
    ])
}

pub fn fee_item_fields(item: &FeeItem) -> Fields {
    fields(vec![
        ("code", Value::from(item.code.as_str())),
        ("name", Value::from(item.name.as_str())),
        ("kind", Value::from(item.kind.as_str())),
        ("price", Value::from(item.price.to_string())),
        (
            "tax_rate_id",
            Value::from(item.tax_rate_id.map(|id| id.to_string())),
        ),
        ("archived", Value::Bool(item.archived)),
    ])
}

fn tax_rate_row(r: &Row<'_>) -> rusqlite::Result<TaxRateRecord> {
    Ok(TaxRateRecord {
        id: parse_id(r.get_ref(0)?)?,
        rate: TaxRate {
            name: r.get(1)?,
            percent: decimal(r, 2, "tax percent")?,
            inclusive: r.get(3)?,
        },
        archived: r.get(4)?,
    })
}

const FEE_COLUMNS: &str = "id, code, name, kind, price, tax_rate_id, archived";

fn fee_row(r: &Row<'_>) -> rusqlite::Result<FeeItem> {
    let kind: String = r.get(3)?;
    Ok(FeeItem {
        id: parse_id(r.get_ref(0)?)?,
        code: r.get(1)?,
        name: r.get(2)?,
        kind: FeeKind::parse(&kind).map_err(|_| bad("fee kind"))?,
        price: decimal(r, 4, "fee price")?,
        tax_rate_id: opt_id(r, 5)?,
        archived: r.get(6)?,
    })
}

// ---- visit services ----

pub fn visit_service_fields(s: &VisitService) -> Fields {
    fields(vec![
        ("encounter_id", Value::from(s.encounter_id.to_string())),
        ("patient_id", Value::from(s.patient_id.to_string())),
        ("fee_code", Value::from(s.fee_code.as_str())),
        ("quantity", Value::from(s.quantity.to_string())),
        ("added_by", Value::from(s.added_by.to_string())),
        ("removed", Value::Bool(s.removed)),
    ])
}

fn visit_service_row(r: &Row<'_>) -> rusqlite::Result<VisitService> {
    Ok(VisitService {
        id: parse_id(r.get_ref(0)?)?,
        encounter_id: parse_id(r.get_ref(1)?)?,
        patient_id: parse_id(r.get_ref(2)?)?,
        fee_code: r.get(3)?,
        quantity: decimal(r, 4, "service quantity")?,
        added_by: parse_id(r.get_ref(5)?)?,
        removed: r.get(6)?,
    })
}

// ---- invoices ----

/// Every field of an invoice.
pub fn invoice_fields(i: &Invoice) -> Fields {
    fields(vec![
        ("number", Value::from(i.number.clone())),
        ("patient_id", Value::from(i.patient_id.to_string())),
        (
            "encounter_id",
            Value::from(i.encounter_id.map(|id| id.to_string())),
        ),
        ("device_id", Value::from(i.device_id.to_string())),
        ("status", Value::from(i.stage.as_str())),
        ("currency", Value::from(i.currency.code())),
        ("lines", json(&i.lines)),
        ("discount", json(&i.discount)),
        ("note", Value::from(i.note.clone())),
        ("total_minor", i.total_minor.map_or(Value::Null, Value::Int)),
        ("issued_at", Value::from(i.issued_at.map(instant))),
        ("issued_by", Value::from(i.issued_by.map(|u| u.to_string()))),
        ("voided_at", Value::from(i.voided_at.map(instant))),
        ("voided_by", Value::from(i.voided_by.map(|u| u.to_string()))),
        ("void_reason", Value::from(i.void_reason.clone())),
        ("created_by", Value::from(i.created_by.to_string())),
    ])
}

const INVOICE_COLUMNS: &str = "id, number, patient_id, encounter_id, device_id, status, currency,
    lines, discount, note, total_minor, issued_at, issued_by, voided_at, void_reason, created_by,
    created_at, voided_by";

fn invoice_row(r: &Row<'_>) -> rusqlite::Result<Invoice> {
    let stage: String = r.get(5)?;
    let lines: String = r.get(7)?;
    let discount: String = r.get(8)?;
    Ok(Invoice {
        id: parse_id(r.get_ref(0)?)?,
        number: r.get(1)?,
        patient_id: parse_id(r.get_ref(2)?)?,
        encounter_id: opt_id(r, 3)?,
        device_id: parse_id(r.get_ref(4)?)?,
        stage: InvoiceStage::parse(&stage).ok_or_else(|| bad("invoice status"))?,
        currency: currency(r, 6)?,
        lines: from_json(&lines, "invoice lines")?,
        discount: from_json::<Discount>(&discount, "invoice discount")?,
        note: r.get(9)?,
        total_minor: r.get(10)?,
        issued_at: r.get(11)?,
        issued_by: opt_id(r, 12)?,
        voided_at: r.get(13)?,
        void_reason: r.get(14)?,
        created_by: parse_id(r.get_ref(15)?)?,
        created_at: r.get(16)?,
        voided_by: opt_id(r, 17)?,
    })
}

// ---- payments and credit notes ----

pub fn payment_fields(p: &Payment) -> Fields {
    fields(vec![
        ("number", Value::from(p.number.as_str())),
        ("patient_id", Value::from(p.patient_id.to_string())),
        (
            "invoice_id",
            Value::from(p.invoice_id.map(|id| id.to_string())),
        ),
        ("kind", Value::from(p.kind.as_str())),
        ("method", Value::from(p.method.as_str())),
        ("currency", Value::from(p.currency.code())),
        ("amount_minor", Value::Int(p.amount_minor)),
        ("to_credit_minor", Value::Int(p.to_credit_minor)),
        (
            "tendered_minor",
            p.tendered_minor.map_or(Value::Null, Value::Int),
        ),
        ("change_minor", Value::Int(p.change_minor)),
        ("reference", Value::from(p.reference.clone())),
        ("note", Value::from(p.note.clone())),
        ("taken_by", Value::from(p.taken_by.to_string())),
        ("taken_at", Value::from(instant(p.taken_at))),
    ])
}

const PAYMENT_COLUMNS: &str = "id, number, patient_id, invoice_id, kind, method, currency,
    amount_minor, to_credit_minor, tendered_minor, change_minor, reference, note, taken_by,
    taken_at";

fn payment_row(r: &Row<'_>) -> rusqlite::Result<Payment> {
    let kind: String = r.get(4)?;
    Ok(Payment {
        id: parse_id(r.get_ref(0)?)?,
        number: r.get(1)?,
        patient_id: parse_id(r.get_ref(2)?)?,
        invoice_id: opt_id(r, 3)?,
        kind: PaymentKind::parse(&kind).ok_or_else(|| bad("payment kind"))?,
        method: method(r, 5)?,
        currency: currency(r, 6)?,
        amount_minor: r.get(7)?,
        to_credit_minor: r.get(8)?,
        tendered_minor: r.get(9)?,
        change_minor: r.get(10)?,
        reference: r.get(11)?,
        note: r.get(12)?,
        taken_by: parse_id(r.get_ref(13)?)?,
        taken_at: r.get(14)?,
    })
}

pub fn credit_note_fields(c: &CreditNote) -> Fields {
    fields(vec![
        ("number", Value::from(c.number.as_str())),
        ("invoice_id", Value::from(c.invoice_id.to_string())),
        ("patient_id", Value::from(c.patient_id.to_string())),
        ("currency", Value::from(c.currency.code())),
        ("amount_minor", Value::Int(c.amount_minor)),
        ("reason", Value::from(c.reason.as_str())),
        ("issued_at", Value::from(instant(c.issued_at))),
        ("issued_by", Value::from(c.issued_by.to_string())),
    ])
}

const CREDIT_COLUMNS: &str =
    "id, number, invoice_id, patient_id, currency, amount_minor, reason, issued_at, issued_by";

fn credit_note_row(r: &Row<'_>) -> rusqlite::Result<CreditNote> {
    Ok(CreditNote {
        id: parse_id(r.get_ref(0)?)?,
        number: r.get(1)?,
        invoice_id: parse_id(r.get_ref(2)?)?,
        patient_id: parse_id(r.get_ref(3)?)?,
        currency: currency(r, 4)?,
        amount_minor: r.get(5)?,
        reason: r.get(6)?,
        issued_at: r.get(7)?,
        issued_by: parse_id(r.get_ref(8)?)?,
    })
}

/// An issued invoice that still has something owed on it: what the unpaid list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpaid {
    pub invoice_id: Uuid,
    pub number: String,
    pub patient_id: PatientId,
    pub mrn: String,
    /// Legal name: given and family.
    pub name: String,
    pub issued_at: DateTime<Utc>,
    pub currency: Currency,
    pub total_minor: i64,
    pub balance_minor: i64,
}

/// What a period's close-out is worked from: every payment and refund taken, every invoice
/// issued and every credit note issued in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodActivity {
    pub payments: Vec<Payment>,
    pub invoices: Vec<Invoice>,
    /// Invoices voided in the period (issued then or earlier).
    pub voided: Vec<Invoice>,
    pub credit_notes: Vec<CreditNote>,
}

/// The sums over an invoice's ledger rows, in minor units.
const LEDGER_SUMS: &str = "
    SELECT COALESCE((SELECT SUM(amount_minor) FROM payment
                      WHERE invoice_id = ?1 AND kind = 'payment'), 0),
           COALESCE((SELECT SUM(amount_minor) FROM payment
                      WHERE invoice_id = ?1 AND kind = 'refund'), 0),
           COALESCE((SELECT SUM(amount_minor) FROM credit_note WHERE invoice_id = ?1), 0)";

impl Reader<'_> {
    /// The clinic's tax rates, archived ones too when `all`.
    pub fn tax_rates(&self, all: bool) -> Result<Vec<TaxRateRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, percent, inclusive, archived FROM tax_rate
             WHERE archived = 0 OR ?1 ORDER BY archived, name",
        )?;
        let rows = stmt.query_map([all], tax_rate_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn tax_rate(&self, id: Uuid) -> Result<Option<TaxRateRecord>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, name, percent, inclusive, archived FROM tax_rate WHERE id = ?1",
            )?
            .query_row([id.to_string()], tax_rate_row)
            .optional()?)
    }

    /// The fee schedule by code, archived entries too when `all`.
    pub fn fee_items(&self, all: bool) -> Result<Vec<FeeItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {FEE_COLUMNS} FROM fee_item WHERE archived = 0 OR ?1 ORDER BY code"
        ))?;
        let rows = stmt.query_map([all], fee_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn fee_item_by_code(&self, code: &str) -> Result<Option<FeeItem>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {FEE_COLUMNS} FROM fee_item WHERE code = ?1"
            ))?
            .query_row([code], fee_row)
            .optional()?)
    }

    /// The services recorded on a visit and not removed, oldest first.
    pub fn visit_services(&self, encounter: Uuid) -> Result<Vec<VisitService>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, encounter_id, patient_id, fee_code, quantity, added_by, removed
             FROM visit_service WHERE encounter_id = ?1 AND removed = 0 ORDER BY id",
        )?;
        let rows = stmt.query_map([encounter.to_string()], visit_service_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn visit_service(&self, id: Uuid) -> Result<Option<VisitService>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, encounter_id, patient_id, fee_code, quantity, added_by, removed
                 FROM visit_service WHERE id = ?1",
            )?
            .query_row([id.to_string()], visit_service_row)
            .optional()?)
    }

    pub fn invoice(&self, id: Uuid) -> Result<Option<Invoice>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {INVOICE_COLUMNS} FROM invoice WHERE id = ?1"
            ))?
            .query_row([id.to_string()], invoice_row)
            .optional()?)
    }

    pub fn invoice_by_number(&self, number: &str) -> Result<Option<Invoice>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {INVOICE_COLUMNS} FROM invoice WHERE number = ?1"
            ))?
            .query_row([number], invoice_row)
            .optional()?)
    }

    /// A patient's invoices (deleted drafts left out), newest first.
    pub fn invoices_of(&self, patient: PatientId) -> Result<Vec<Invoice>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {INVOICE_COLUMNS} FROM invoice
             WHERE patient_id = ?1 AND status <> 'deleted'
             ORDER BY COALESCE(issued_at, created_at) DESC, id DESC"
        ))?;
        let rows = stmt.query_map([patient.to_string()], invoice_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The invoice that bills a visit (a draft or an issued one, not deleted or void).
    pub fn invoice_for_visit(&self, encounter: Uuid) -> Result<Option<Invoice>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {INVOICE_COLUMNS} FROM invoice
                 WHERE encounter_id = ?1 AND status IN ('draft', 'issued')
                 ORDER BY created_at LIMIT 1"
            ))?
            .query_row([encounter.to_string()], invoice_row)
            .optional()?)
    }

    /// What has been paid, refunded and credited on an invoice.
    pub fn ledger(&self, invoice: &Invoice) -> Result<Ledger> {
        let (paid, refunded, credited): (i64, i64, i64) = self
            .conn
            .prepare_cached(LEDGER_SUMS)?
            .query_row([invoice.id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let money = |minor| Money::from_minor(minor, invoice.currency).amount;
        Ok(Ledger {
            total: money(invoice.total_minor.unwrap_or(0)),
            paid: money(paid),
            refunded: money(refunded),
            credited: money(credited),
            voided: invoice.stage == InvoiceStage::Void,
        })
    }

    pub fn payments_of_invoice(&self, invoice: Uuid) -> Result<Vec<Payment>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payment WHERE invoice_id = ?1 ORDER BY taken_at, id"
        ))?;
        let rows = stmt.query_map([invoice.to_string()], payment_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A patient's payments and refunds, oldest first.
    pub fn payments_of(&self, patient: PatientId) -> Result<Vec<Payment>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payment WHERE patient_id = ?1 ORDER BY taken_at, id"
        ))?;
        let rows = stmt.query_map([patient.to_string()], payment_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn payment_by_number(&self, number: &str) -> Result<Option<Payment>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {PAYMENT_COLUMNS} FROM payment WHERE number = ?1"
            ))?
            .query_row([number], payment_row)
            .optional()?)
    }

    pub fn credit_notes_of_invoice(&self, invoice: Uuid) -> Result<Vec<CreditNote>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CREDIT_COLUMNS} FROM credit_note WHERE invoice_id = ?1 ORDER BY issued_at, id"
        ))?;
        let rows = stmt.query_map([invoice.to_string()], credit_note_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn credit_notes_of(&self, patient: PatientId) -> Result<Vec<CreditNote>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CREDIT_COLUMNS} FROM credit_note WHERE patient_id = ?1 ORDER BY issued_at, id"
        ))?;
        let rows = stmt.query_map([patient.to_string()], credit_note_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn credit_note_by_number(&self, number: &str) -> Result<Option<CreditNote>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {CREDIT_COLUMNS} FROM credit_note WHERE number = ?1"
            ))?
            .query_row([number], credit_note_row)
            .optional()?)
    }

    /// The patient's credit, in minor units: overpayments kept and amounts moved off invoices
    /// into credit, less credit spent on invoices and credit handed back.
    pub fn patient_credit_minor(&self, patient: PatientId) -> Result<i64> {
        Ok(self.conn.prepare_cached(
            "SELECT COALESCE(SUM(
                 to_credit_minor
                 + CASE WHEN kind = 'refund' AND method = 'patient_credit' AND invoice_id IS NOT NULL
                        THEN amount_minor ELSE 0 END
                 - CASE WHEN kind = 'payment' AND method = 'patient_credit' THEN amount_minor ELSE 0 END
                 - CASE WHEN kind = 'refund' AND invoice_id IS NULL THEN amount_minor ELSE 0 END), 0)
             FROM payment WHERE patient_id = ?1",
        )?
        .query_row([patient.to_string()], |r| r.get(0))?)
    }

    /// Issued invoices with something still owed, oldest first; one patient's, or everyone's.
    /// One query: each issued invoice's balance from its payments and credit notes (through
    /// their invoice indexes) and its patient's name, without reading its lines.
    pub fn unpaid_invoices(&self, patient: Option<PatientId>) -> Result<Vec<Unpaid>> {
        let mut stmt = self.conn.prepare_cached(
            "WITH owed AS MATERIALIZED (
                 SELECT i.id, i.number, i.patient_id, i.issued_at, i.currency, i.total_minor,
                        i.total_minor
                        - COALESCE((SELECT SUM(amount_minor) FROM credit_note c
                                     WHERE c.invoice_id = i.id), 0)
                        - COALESCE((SELECT SUM(CASE kind WHEN 'payment' THEN amount_minor
                                                         ELSE -amount_minor END)
                                      FROM payment x WHERE x.invoice_id = i.id), 0) AS balance
                 FROM invoice i
                 WHERE i.status = 'issued' AND (?1 IS NULL OR i.patient_id = ?1))
             SELECT i.id, i.number, i.patient_id, p.mrn, p.given_name, p.family_name, i.issued_at,
                    i.currency, i.total_minor, i.balance
             FROM owed i JOIN patient p ON p.id = i.patient_id
             WHERE i.balance > 0
             ORDER BY i.issued_at, i.id",
        )?;
        let rows = stmt.query_map([patient.map(|p| p.to_string())], |r| {
            let given: String = r.get(4)?;
            let family: String = r.get(5)?;
            Ok(Unpaid {
                invoice_id: parse_id(r.get_ref(0)?)?,
                number: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                patient_id: parse_id(r.get_ref(2)?)?,
                mrn: r.get(3)?,
                name: format!("{given} {family}"),
                issued_at: r.get(6)?,
                currency: currency(r, 7)?,
                total_minor: r.get::<_, Option<i64>>(8)?.unwrap_or(0),
                balance_minor: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Everything of money that happened in `[from, to)`, by everyone or by one user.
    pub fn period_activity(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        user: Option<tend_domain::UserId>,
    ) -> Result<PeriodActivity> {
        let (from, to) = (instant(from), instant(to));
        let user = user.map(|u| u.to_string());
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PAYMENT_COLUMNS} FROM payment
             WHERE taken_at >= ?1 AND taken_at < ?2 AND (?3 IS NULL OR taken_by = ?3)
             ORDER BY taken_at, id"
        ))?;
        let payments = stmt
            .query_map(params![from, to, user], payment_row)?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {INVOICE_COLUMNS} FROM invoice
             WHERE issued_at >= ?1 AND issued_at < ?2 AND (?3 IS NULL OR issued_by = ?3)
             ORDER BY issued_at, id"
        ))?;
        let invoices = stmt
            .query_map(params![from, to, user], invoice_row)?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {INVOICE_COLUMNS} FROM invoice
             WHERE voided_at >= ?1 AND voided_at < ?2 AND (?3 IS NULL OR voided_by = ?3)
             ORDER BY voided_at, id"
        ))?;
        let voided = stmt
            .query_map(params![from, to, user], invoice_row)?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CREDIT_COLUMNS} FROM credit_note
             WHERE issued_at >= ?1 AND issued_at < ?2 AND (?3 IS NULL OR issued_by = ?3)
             ORDER BY issued_at, id"
        ))?;
        let credit_notes = stmt
            .query_map(params![from, to, user], credit_note_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(PeriodActivity {
            payments,
            invoices,
            voided,
            credit_notes,
        })
    }

    /// Whether the clinic has any invoice that is not a deleted draft.
    pub fn has_invoices(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM invoice WHERE status <> 'deleted')",
            [],
            |r| r.get(0),
        )?)
    }
}

impl WriteTx<'_> {
    /// The next invoice number of this device's series for `year`: `K7-2026-000045`. The
    /// series is gap-free: the counter moves in the transaction that uses the number.
    pub fn allocate_invoice_number(&mut self, year: i32) -> Result<String> {
        let n = self.next_in_series(&format!("invoice_next_{year}"), "invoice-number")?;
        Ok(invoice_number(
            self.identity().device_code,
            year,
            u64::from(n),
        ))
    }

    /// `K7-CN-2026-000003`, from the device's credit-note series for `year`.
    pub fn allocate_credit_note_number(&mut self, year: i32) -> Result<String> {
        let n = self.next_in_series(&format!("credit_note_next_{year}"), "credit-note-number")?;
        Ok(credit_note_number(
            self.identity().device_code,
            year,
            u64::from(n),
        ))
    }

    /// `K7-R-2026-000012`, from the device's receipt series for `year`.
    pub fn allocate_receipt_number(&mut self, year: i32) -> Result<String> {
        let n = self.next_in_series(&format!("receipt_next_{year}"), "receipt-number")?;
        Ok(receipt_number(
            self.identity().device_code,
            year,
            u64::from(n),
        ))
    }
}
