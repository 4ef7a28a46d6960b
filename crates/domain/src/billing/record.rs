//! Billing's records as they are kept: the fee schedule and its tax rates, services recorded on
//! a visit, invoices with their lines, payments and refunds, and credit notes.
//!
//! Ledger amounts (an issued invoice's total, payments, credit notes) are kept as whole minor
//! units of the record's currency, so the store sums them exactly; prices and lines keep their
//! `Decimal`s.

use chrono::{DateTime, Utc};
use iso_currency::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::invoice::PaymentMethod;
use super::money::Money;
use super::totals::{Discount, LineInput, TaxRate};
use crate::ValidationError;
use crate::patients::PatientId;
use crate::words;
use crate::{DeviceId, UserId};

/// A tax rate in the clinic's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxRateRecord {
    pub id: Uuid,
    pub rate: TaxRate,
    pub archived: bool,
}

/// Whether a fee is for work done or for something handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    Service,
    Item,
}

impl FeeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeeKind::Service => "service",
            FeeKind::Item => "item",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "service" => Ok(FeeKind::Service),
            "item" | "product" => Ok(FeeKind::Item),
            other => Err(ValidationError::new(
                "kind",
                words!(
                    "\"{other}\" is not a kind of fee; use service or item",
                    other = other
                ),
            )),
        }
    }
}

/// One entry of the fee schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeItem {
    pub id: Uuid,
    /// What the desk types: `CONS`, `ECG`, `VAC-FLU`.
    pub code: String,
    pub name: String,
    pub kind: FeeKind,
    /// In the clinic's currency, with or without tax as the rate says.
    pub price: Decimal,
    /// `None`: not taxed.
    pub tax_rate_id: Option<Uuid>,
    pub archived: bool,
}

/// A fee code as the clinic writes it: letters, digits, `-`, `_` and `.`, up to 20, upper case.
pub fn parse_fee_code(s: &str) -> Result<String, ValidationError> {
    let code = s.trim().to_uppercase();
    if code.is_empty() {
        return Err(ValidationError::new("code", "is required"));
    }
    if code.chars().count() > 20 {
        return Err(ValidationError::new("code", "is longer than 20 characters"));
    }
    if let Some(c) = code
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(ValidationError::new(
            "code",
            words!(
                "may hold letters, digits, '-', '_' and '.', not “{c}”",
                c = c
            ),
        ));
    }
    Ok(code)
}

/// A billable service recorded on a visit by whoever did it, for the desk to invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitService {
    pub id: Uuid,
    pub encounter_id: Uuid,
    pub patient_id: PatientId,
    pub fee_code: String,
    pub quantity: Decimal,
    pub added_by: UserId,
    pub removed: bool,
}

/// One line of an invoice. Prices and tax are copied from the fee schedule when the line is
/// added, so a later price change never reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// The fee code it came from; `None` for a line typed by hand.
    pub code: Option<String>,
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    #[serde(default)]
    pub discount: Discount,
    pub tax: TaxRate,
}

impl InvoiceLine {
    pub fn input(&self) -> LineInput {
        LineInput {
            quantity: self.quantity,
            unit_price: self.unit_price,
            discount: self.discount,
            tax: self.tax.clone(),
        }
    }
}

/// Where an invoice is in its life, as stored. Whether it is paid comes from its
/// [`Ledger`](super::Ledger), not from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStage {
    Draft,
    Issued,
    Void,
    /// A draft thrown away. It never had a number.
    Deleted,
}

impl InvoiceStage {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStage::Draft => "draft",
            InvoiceStage::Issued => "issued",
            InvoiceStage::Void => "void",
            InvoiceStage::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            InvoiceStage::Draft,
            InvoiceStage::Issued,
            InvoiceStage::Void,
            InvoiceStage::Deleted,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// The most lines an invoice may have.
pub const MAX_LINES: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invoice {
    pub id: Uuid,
    /// Given at issue from the device's yearly series: `K7-2026-000045`.
    pub number: Option<String>,
    pub patient_id: PatientId,
    /// The visit it bills, if any.
    pub encounter_id: Option<Uuid>,
    /// The device that made it; only that device edits the draft.
    pub device_id: DeviceId,
    pub stage: InvoiceStage,
    #[serde(with = "super::money::currency_code")]
    pub currency: Currency,
    pub lines: Vec<InvoiceLine>,
    pub discount: Discount,
    /// Printed under the lines.
    pub note: Option<String>,
    /// Frozen at issue, in minor units.
    pub total_minor: Option<i64>,
    pub issued_at: Option<DateTime<Utc>>,
    pub issued_by: Option<UserId>,
    pub voided_at: Option<DateTime<Utc>>,
    pub voided_by: Option<UserId>,
    pub void_reason: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl Invoice {
    pub fn total(&self) -> Option<Money> {
        self.total_minor
            .map(|minor| Money::from_minor(minor, self.currency))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Payment,
    Refund,
}

impl PaymentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Payment => "payment",
            PaymentKind::Refund => "refund",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "payment" => Some(PaymentKind::Payment),
            "refund" => Some(PaymentKind::Refund),
            _ => None,
        }
    }
}

/// Money taken or given back. A payment's `amount` is what the invoice received; anything kept
/// for later is `to_credit`; for cash, `tendered` is what was handed over and `change` what went
/// back. A refund's `amount` is what left the invoice, by `method` (patient credit: kept as the
/// patient's credit rather than handed back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub id: Uuid,
    /// The receipt number: `K7-R-2026-000012`.
    pub number: String,
    pub patient_id: PatientId,
    pub invoice_id: Option<Uuid>,
    pub kind: PaymentKind,
    pub method: PaymentMethod,
    #[serde(with = "super::money::currency_code")]
    pub currency: Currency,
    pub amount_minor: i64,
    pub to_credit_minor: i64,
    pub tendered_minor: Option<i64>,
    pub change_minor: i64,
    /// Card slip, transfer or claim reference.
    pub reference: Option<String>,
    pub note: Option<String>,
    pub taken_by: UserId,
    pub taken_at: DateTime<Utc>,
}

impl Payment {
    pub fn amount(&self) -> Money {
        Money::from_minor(self.amount_minor, self.currency)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditNote {
    pub id: Uuid,
    /// `K7-CN-2026-000003`.
    pub number: String,
    pub invoice_id: Uuid,
    pub patient_id: PatientId,
    #[serde(with = "super::money::currency_code")]
    pub currency: Currency,
    pub amount_minor: i64,
    pub reason: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: UserId,
}

/// A receipt number from the device's receipt series: `K7-R-2026-000012`.
pub fn receipt_number(device: crate::DeviceCode, year: i32, n: u64) -> String {
    format!("{device}-R-{year}-{n:06}")
}
