//! An invoice's life after its totals: the number it is issued under, its balance and state
//! from what was paid, refunded and credited, and the rules for taking a payment (change for
//! cash, patient credit for an overpayment), refunding, crediting and voiding.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::clinic::DeviceCode;
use crate::words;

/// `K7-2026-000045`: the issuing device's code, the year, and that device's gap-free count for
/// the year.
pub fn invoice_number(device: DeviceCode, year: i32, n: u64) -> String {
    format!("{device}-{year}-{n:06}")
}

/// `K7-CN-2026-000003` for a credit note, from its own series.
pub fn credit_note_number(device: DeviceCode, year: i32, n: u64) -> String {
    format!("{device}-CN-{year}-{n:06}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Editable, on the device that made it; no number yet.
    Draft,
    /// Numbered and frozen; nothing paid.
    Issued,
    PartiallyPaid,
    Paid,
    /// Credit notes cover all of it.
    Credited,
    /// Withdrawn before anything was paid; its number stays used.
    Void,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Issued => "issued",
            InvoiceStatus::PartiallyPaid => "partially_paid",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Credited => "credited",
            InvoiceStatus::Void => "void",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    BankTransfer,
    Insurance,
    /// From the patient's credit (an earlier overpayment).
    PatientCredit,
    Other,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Insurance => "insurance",
            PaymentMethod::PatientCredit => "patient_credit",
            PaymentMethod::Other => "other",
        }
    }
}

impl std::str::FromStr for PaymentMethod {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "cash" => Ok(PaymentMethod::Cash),
            "card" | "credit_card" | "debit_card" => Ok(PaymentMethod::Card),
            "bank_transfer" | "transfer" | "bank" => Ok(PaymentMethod::BankTransfer),
            "insurance" => Ok(PaymentMethod::Insurance),
            "patient_credit" | "credit" => Ok(PaymentMethod::PatientCredit),
            "other" => Ok(PaymentMethod::Other),
            other => Err(ValidationError::new(
                "method",
                words!(
                    "\"{other}\" is not a payment method; use cash, card, bank transfer, \
                     insurance, patient credit or other",
                    other = other
                ),
            )),
        }
    }
}

/// What has happened to an issued invoice's money, summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Ledger {
    pub total: Decimal,
    /// Payments applied to this invoice (patient credit used included).
    pub paid: Decimal,
    pub refunded: Decimal,
    /// Credit notes against it.
    pub credited: Decimal,
    pub voided: bool,
}

impl Ledger {
    /// Still owed: the total less credit notes, less what was paid and kept.
    pub fn balance(&self) -> Decimal {
        if self.voided {
            return Decimal::ZERO;
        }
        self.total - self.credited - (self.paid - self.refunded)
    }

    pub fn status(&self) -> InvoiceStatus {
        let kept = self.paid - self.refunded;
        let due = self.total - self.credited;
        if self.voided {
            InvoiceStatus::Void
        } else if self.credited > Decimal::ZERO && due <= Decimal::ZERO && kept <= Decimal::ZERO {
            InvoiceStatus::Credited
        } else if kept >= due {
            InvoiceStatus::Paid
        } else if kept > Decimal::ZERO {
            InvoiceStatus::PartiallyPaid
        } else {
            InvoiceStatus::Issued
        }
    }
}

/// How a payment lands: what the invoice receives, what becomes the patient's credit, and the
/// change to hand back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PaymentOutcome {
    pub applied: Decimal,
    pub to_credit: Decimal,
    pub change: Decimal,
}

/// A payment of `amount` towards `ledger`. For cash, `amount` is what was handed over: the
/// part over the balance is change, or the patient's credit if `keep_as_credit`. For other
/// methods more than the balance is refused unless `keep_as_credit`. Paying from the patient's
/// credit never takes more than `available_credit` or the balance.
pub fn take_payment(
    ledger: &Ledger,
    method: PaymentMethod,
    amount: Decimal,
    keep_as_credit: bool,
    available_credit: Decimal,
) -> Result<PaymentOutcome, ValidationError> {
    if ledger.voided {
        return Err(ValidationError::new(
            "invoice",
            "is void: it takes no payments",
        ));
    }
    if amount <= Decimal::ZERO {
        return Err(ValidationError::new("amount", "must be more than 0"));
    }
    let balance = ledger.balance().max(Decimal::ZERO);
    if balance.is_zero() {
        return Err(ValidationError::new(
            "amount",
            "nothing is owed on this invoice",
        ));
    }
    let applied = amount.min(balance);
    let over = amount - applied;
    match method {
        PaymentMethod::PatientCredit if amount > available_credit => Err(ValidationError::new(
            "amount",
            words!(
                "is more than the patient's credit ({available_credit})",
                available_credit = available_credit
            ),
        )),
        PaymentMethod::PatientCredit if over > Decimal::ZERO => Err(ValidationError::new(
            "amount",
            words!("is more than the balance ({balance})", balance = balance),
        )),
        PaymentMethod::Cash if !keep_as_credit => Ok(PaymentOutcome {
            applied,
            to_credit: Decimal::ZERO,
            change: over,
        }),
        _ if over > Decimal::ZERO && !keep_as_credit => Err(ValidationError::new(
            "amount",
            words!(
                "is more than the balance ({balance}); take the balance, or keep the rest as \
                 the patient's credit",
                balance = balance
            ),
        )),
        _ => Ok(PaymentOutcome {
            applied,
            to_credit: over,
            change: Decimal::ZERO,
        }),
    }
}

/// A refund of `amount` of what was paid on the invoice.
pub fn check_refund(ledger: &Ledger, amount: Decimal) -> Result<(), ValidationError> {
    if amount <= Decimal::ZERO {
        return Err(ValidationError::new("amount", "must be more than 0"));
    }
    let kept = ledger.paid - ledger.refunded;
    if amount > kept {
        return Err(ValidationError::new(
            "amount",
            words!(
                "is more than was paid and not yet refunded ({kept})",
                kept = kept
            ),
        ));
    }
    Ok(())
}

/// A credit note of `amount` against the invoice: never more than is left uncredited.
pub fn check_credit_note(ledger: &Ledger, amount: Decimal) -> Result<(), ValidationError> {
    if ledger.voided {
        return Err(ValidationError::new(
            "invoice",
            "is void: there is nothing to credit",
        ));
    }
    if amount <= Decimal::ZERO {
        return Err(ValidationError::new("amount", "must be more than 0"));
    }
    let left = ledger.total - ledger.credited;
    if amount > left {
        return Err(ValidationError::new(
            "amount",
            words!(
                "is more than the invoice has left to credit ({left})",
                left = left
            ),
        ));
    }
    Ok(())
}

/// Voiding: only an issued invoice on which nothing was ever paid (a paid one is corrected by a
/// credit note).
pub fn check_void(ledger: &Ledger) -> Result<(), ValidationError> {
    if ledger.voided {
        return Err(ValidationError::new("invoice", "is already void"));
    }
    if ledger.paid > Decimal::ZERO {
        return Err(ValidationError::new(
            "invoice",
            "has payments: correct it with a credit note instead",
        ));
    }
    if ledger.credited > Decimal::ZERO {
        return Err(ValidationError::new(
            "invoice",
            "has credit notes: it cannot be voided",
        ));
    }
    Ok(())
}
