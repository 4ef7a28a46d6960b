//! Billing's pure parts: money in the clinic's currency, and the one function that works out an
//! invoice's totals.

pub mod invoice;
pub mod money;
pub mod record;
pub mod totals;

#[cfg(test)]
mod tests;

pub use invoice::{
    InvoiceStatus, Ledger, PaymentMethod, PaymentOutcome, check_credit_note, check_refund,
    check_void, credit_note_number, invoice_number, take_payment,
};
pub use money::{Money, minor_digits, parse_amount, round};
pub use record::{
    CreditNote, FeeItem, FeeKind, Invoice, InvoiceLine, InvoiceStage, MAX_LINES, Payment,
    PaymentKind, TaxRateRecord, VisitService, parse_fee_code, receipt_number,
};
pub use totals::{Discount, LineInput, LineTotals, TaxRate, TaxTotal, Totals, totals};
