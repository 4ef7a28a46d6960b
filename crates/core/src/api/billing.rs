//! Billing as the UI and the CLI's `--json` see it: fees, tax rates and visit services,
//! invoices and their lines, payments and credit notes, balances, statements, the unpaid list
//! and the daily close-out.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use tend_domain::billing::{Discount, LineTotals, TaxTotal};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PatientRefDto {
    pub mrn: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PaymentDto {
    pub id: Uuid,
    /// The receipt number.
    pub number: String,
    /// `payment` or `refund`.
    pub kind: &'static str,
    pub method: &'static str,
    pub invoice_number: Option<String>,
    pub patient: PatientRefDto,
    pub currency: String,
    /// What the invoice received, or what was given back.
    #[ts(type = "string")]
    pub amount: Decimal,
    /// Kept as the patient's credit.
    #[ts(type = "string")]
    pub to_credit: Decimal,
    /// For cash: what was handed over, and the change given.
    #[ts(as = "Option<String>")]
    pub tendered: Option<Decimal>,
    #[ts(type = "string")]
    pub change: Decimal,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub taken_by: String,
    pub taken_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CreditNoteDto {
    pub id: Uuid,
    pub number: String,
    pub invoice_number: String,
    pub currency: String,
    #[ts(type = "string")]
    pub amount: Decimal,
    pub reason: String,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TaxRateDto {
    pub id: Uuid,
    pub name: String,
    #[ts(type = "string")]
    pub percent: Decimal,
    /// Prices already include it.
    pub inclusive: bool,
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FeeDto {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    #[ts(type = "string")]
    pub price: Decimal,
    pub currency: String,
    /// The tax rate's name; `None` when not taxed.
    pub tax: Option<String>,
    #[ts(type = "string")]
    pub tax_percent: Decimal,
    pub tax_inclusive: bool,
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VisitServiceDto {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    #[ts(type = "string")]
    pub quantity: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LineDto {
    /// 1-based, as the desk counts.
    pub line: usize,
    pub code: Option<String>,
    pub description: String,
    #[ts(type = "string")]
    pub quantity: Decimal,
    #[ts(type = "string")]
    pub unit_price: Decimal,
    pub discount: Discount,
    pub tax_name: String,
    #[ts(type = "string")]
    pub tax_percent: Decimal,
    pub tax_inclusive: bool,
    pub totals: LineTotals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct InvoiceDto {
    pub id: Uuid,
    /// `None` while a draft.
    pub number: Option<String>,
    /// `draft`, `issued`, `partially_paid`, `paid`, `credited` or `void`.
    pub status: &'static str,
    pub patient: PatientRefDto,
    pub visit_id: Option<Uuid>,
    pub currency: String,
    pub lines: Vec<LineDto>,
    pub discount: Discount,
    /// Σ quantity × price.
    #[ts(type = "string")]
    pub subtotal: Decimal,
    /// Line discounts and the invoice discount together.
    #[ts(type = "string")]
    pub discounts: Decimal,
    #[ts(type = "string")]
    pub invoice_discount: Decimal,
    #[ts(type = "string")]
    pub tax: Decimal,
    pub taxes: Vec<TaxTotal>,
    #[ts(type = "string")]
    pub total: Decimal,
    #[ts(type = "string")]
    pub paid: Decimal,
    #[ts(type = "string")]
    pub refunded: Decimal,
    #[ts(type = "string")]
    pub credited: Decimal,
    #[ts(type = "string")]
    pub balance: Decimal,
    /// The patient's credit, which can pay this invoice.
    #[ts(type = "string")]
    pub patient_credit: Decimal,
    pub payments: Vec<PaymentDto>,
    pub credit_notes: Vec<CreditNoteDto>,
    pub note: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub issued_by: Option<String>,
    pub voided_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Whether this desk can edit it (a draft made here).
    pub editable_here: bool,
}

/// A visit as the front desk sees it for billing: when, with whom, how many services were
/// recorded, and the invoice already made for it. No clinical content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BillableVisitDto {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub provider: String,
    pub services: usize,
    /// The invoice's number, `draft` for a draft, or none yet.
    pub invoice: Option<String>,
}

/// A payment taken, with the invoice as it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PaymentTakenDto {
    pub payment: PaymentDto,
    pub invoice: InvoiceDto,
}

/// A credit note issued, with the invoice as it now stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CreditIssuedDto {
    pub credit_note: CreditNoteDto,
    pub invoice: InvoiceDto,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct UnpaidDto {
    pub number: String,
    pub patient: PatientRefDto,
    pub issued_at: DateTime<Utc>,
    /// Days since it was issued, in the clinic's calendar.
    pub days: i64,
    pub currency: String,
    #[ts(type = "string")]
    pub total: Decimal,
    #[ts(type = "string")]
    pub balance: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BalanceDto {
    pub patient: PatientRefDto,
    pub currency: String,
    /// Still owed across all issued invoices.
    #[ts(type = "string")]
    pub owed: Decimal,
    /// Kept for the patient from overpayments; pays later invoices.
    #[ts(type = "string")]
    pub credit: Decimal,
    pub unpaid: Vec<UnpaidDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementEntryDto {
    pub at: DateTime<Utc>,
    /// `invoice`, `payment`, `refund`, `credit_note` or `void`.
    pub kind: &'static str,
    /// The invoice, receipt or credit note number.
    pub reference: String,
    pub description: String,
    /// What it added to what is owed.
    pub charge: Decimal,
    /// What it took off.
    pub credit: Decimal,
    /// Owed after it.
    pub balance: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementDto {
    pub patient: PatientRefDto,
    pub address: Vec<String>,
    pub currency: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Owed at the start of `from`.
    pub opening: Decimal,
    pub entries: Vec<StatementEntryDto>,
    /// Owed at the end of `to`.
    pub closing: Decimal,
    /// The patient's credit now.
    pub patient_credit: Decimal,
    pub unpaid: Vec<UnpaidDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct MethodTotalDto {
    pub method: &'static str,
    pub payments: usize,
    /// Money received: applied to invoices plus kept as credit (for cash, net of change).
    #[ts(type = "string")]
    pub received: Decimal,
    pub refunds: usize,
    #[ts(type = "string")]
    pub refunded: Decimal,
    /// Received less refunded.
    #[ts(type = "string")]
    pub net: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CloseoutDto {
    pub date: NaiveDate,
    /// The user it covers, or `None` for everyone.
    pub user: Option<String>,
    pub currency: String,
    /// By method, in a fixed order; methods with nothing are left out.
    pub methods: Vec<MethodTotalDto>,
    /// What the cash drawer should hold beyond its float: cash received less cash refunded.
    #[ts(type = "string")]
    pub cash_expected: Decimal,
    /// Change handed back with cash payments (already out of `received`).
    #[ts(type = "string")]
    pub change_given: Decimal,
    /// Money received by every method that brings money in (not patient credit).
    #[ts(type = "string")]
    pub total_received: Decimal,
    /// Money given back by every method that takes money out (not into patient credit).
    #[ts(type = "string")]
    pub total_refunded: Decimal,
    #[ts(type = "string")]
    pub net: Decimal,
    /// Paid from patients' credit (no money changed hands).
    #[ts(type = "string")]
    pub paid_from_credit: Decimal,
    /// Overpayments kept as patients' credit.
    #[ts(type = "string")]
    pub kept_as_credit: Decimal,
    pub invoices_issued: usize,
    #[ts(type = "string")]
    pub invoiced: Decimal,
    pub invoices_voided: usize,
    #[ts(type = "string")]
    pub voided: Decimal,
    pub credit_notes: usize,
    #[ts(type = "string")]
    pub credited: Decimal,
    /// Every payment and refund, in the order taken.
    pub transactions: Vec<PaymentDto>,
}
