//! Billing's pure parts: money in the clinic's currency, and the one function that works out an
//! invoice's totals.

pub mod money;
pub mod totals;

#[cfg(test)]
mod tests;

pub use money::{Money, minor_digits, parse_amount, round};
pub use totals::{Discount, LineInput, LineTotals, TaxRate, TaxTotal, Totals, totals};
