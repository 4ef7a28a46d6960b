//! Invoice totals: one pure function, so the screen, the PDF and the stored invoice can never
//! disagree.
//!
//! The rule, per line, every step rounded to the currency's minor unit half away from zero:
//!
//! 1. `gross = quantity × unit price`.
//! 2. The line discount: a percentage of `gross`, or an amount (at most `gross`).
//! 3. The invoice discount's share: a percentage of what is left of the line; or, for an
//!    amount, shares in proportion to what is left of each line, the last cents given to the
//!    lines with the largest remainders, so the shares add up to the amount exactly.
//! 4. Tax on what is left (`taxable`): added to it (`tax = taxable × rate`) when the price
//!    excludes tax, or taken out of it (`base = taxable ÷ (1 + rate)`, `tax = taxable − base`)
//!    when the price includes tax.
//!
//! The invoice's figures are the sums of the lines' figures, so `total = Σ line totals` exactly,
//! and `total = subtotal − discounts + tax added on top`. Rounding per line can differ by a cent
//! from rounding a sum (three lines of 0.05 at 21 % carry 0.03 of tax, not 0.0315 → 0.03; three
//! lines of 10.00 at 33.33 % off lose 9.99, not 10.00): that is the documented rule, and each
//! line on the paper adds up by itself.

use iso_currency::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::round;
use crate::ValidationError;
use crate::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Discount {
    #[default]
    None,
    /// 0 to 100.
    Percent(#[ts(type = "string")] Decimal),
    /// In the invoice's currency.
    Amount(#[ts(type = "string")] Decimal),
}

/// A tax rate as applied to a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRate {
    /// The clinic's name for it: `VAT 21 %`, `Exempt`.
    pub name: String,
    /// 0 to 100.
    pub percent: Decimal,
    /// The price already includes this tax.
    pub inclusive: bool,
}

impl TaxRate {
    pub fn exempt() -> Self {
        TaxRate {
            name: "Exempt".into(),
            percent: Decimal::ZERO,
            inclusive: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInput {
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub discount: Discount,
    pub tax: TaxRate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LineTotals {
    /// Quantity × unit price.
    #[ts(type = "string")]
    pub gross: Decimal,
    #[ts(type = "string")]
    pub line_discount: Decimal,
    /// This line's share of the invoice discount.
    #[ts(type = "string")]
    pub invoice_discount: Decimal,
    /// What tax is worked on: gross less both discounts.
    #[ts(type = "string")]
    pub taxable: Decimal,
    /// The amount before tax.
    #[ts(type = "string")]
    pub base: Decimal,
    #[ts(type = "string")]
    pub tax: Decimal,
    /// What the patient pays for this line.
    #[ts(type = "string")]
    pub total: Decimal,
}

/// Tax by rate, as an invoice shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TaxTotal {
    pub name: String,
    #[ts(type = "string")]
    pub percent: Decimal,
    pub inclusive: bool,
    #[ts(type = "string")]
    pub base: Decimal,
    #[ts(type = "string")]
    pub tax: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub lines: Vec<LineTotals>,
    /// Σ gross.
    pub subtotal: Decimal,
    /// Σ line discounts + Σ invoice-discount shares.
    pub discounts: Decimal,
    pub invoice_discount: Decimal,
    /// Σ base.
    pub base: Decimal,
    /// Σ tax, and by rate in the order rates first appear.
    pub tax: Decimal,
    pub taxes: Vec<TaxTotal>,
    /// Σ line totals: what the invoice asks for.
    pub total: Decimal,
}

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

fn percent_ok(field: &'static str, p: Decimal) -> Result<(), ValidationError> {
    if p.is_sign_negative() || p > HUNDRED {
        return Err(ValidationError::new(
            field,
            "must be a percentage from 0 to 100",
        ));
    }
    Ok(())
}

/// The invoice's totals (see the module's rule). Errors name the field: `quantity`,
/// `unit_price`, `discount` or `tax` (of the line, counted from 1 in the message), or
/// `invoice_discount`.
pub fn totals(
    lines: &[LineInput],
    invoice_discount: Discount,
    currency: Currency,
) -> Result<Totals, ValidationError> {
    let r = |d: Decimal| round(d, currency);
    // Steps 1 and 2.
    let mut after_line: Vec<(Decimal, Decimal)> = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        let bad = |field: &'static str, why: &str| {
            ValidationError::new(field, words!("line {n}: {why}", n = n, why = why))
        };
        if l.quantity <= Decimal::ZERO {
            return Err(bad("quantity", "must be more than 0"));
        }
        if l.unit_price.is_sign_negative() {
            return Err(bad("unit_price", "cannot be negative"));
        }
        if l.tax.percent.is_sign_negative() || l.tax.percent > HUNDRED {
            return Err(bad("tax", "the rate must be from 0 to 100 %"));
        }
        let gross = r(l.quantity * l.unit_price);
        let discount = match l.discount {
            Discount::None => Decimal::ZERO,
            Discount::Percent(p) => {
                if p.is_sign_negative() || p > HUNDRED {
                    return Err(bad("discount", "must be a percentage from 0 to 100"));
                }
                r(gross * p / HUNDRED)
            }
            Discount::Amount(a) => {
                if a.is_sign_negative() {
                    return Err(bad("discount", "cannot be negative"));
                }
                if r(a) != a {
                    return Err(bad("discount", "has more decimal places than the currency"));
                }
                if a > gross {
                    return Err(bad("discount", "is more than the line"));
                }
                a
            }
        };
        after_line.push((gross, discount));
    }

    // Step 3.
    let remaining: Vec<Decimal> = after_line.iter().map(|(g, d)| g - d).collect();
    let shares: Vec<Decimal> = match invoice_discount {
        Discount::None => vec![Decimal::ZERO; lines.len()],
        Discount::Percent(p) => {
            percent_ok("invoice_discount", p)?;
            remaining.iter().map(|x| r(x * p / HUNDRED)).collect()
        }
        Discount::Amount(a) => {
            if a.is_sign_negative() {
                return Err(ValidationError::new(
                    "invoice_discount",
                    "cannot be negative",
                ));
            }
            if r(a) != a {
                return Err(ValidationError::new(
                    "invoice_discount",
                    "has more decimal places than the currency",
                ));
            }
            let left: Decimal = remaining.iter().sum();
            if a > left {
                return Err(ValidationError::new(
                    "invoice_discount",
                    "is more than the invoice after its line discounts",
                ));
            }
            allocate(a, &remaining, currency)
        }
    };

    // Step 4.
    let mut out = Vec::with_capacity(lines.len());
    let mut taxes: Vec<TaxTotal> = Vec::new();
    for ((l, (gross, discount)), share) in lines.iter().zip(after_line).zip(shares) {
        let taxable = gross - discount - share;
        let (base, tax, total) = if l.tax.inclusive {
            let base = r(taxable * HUNDRED / (HUNDRED + l.tax.percent));
            (base, taxable - base, taxable)
        } else {
            let tax = r(taxable * l.tax.percent / HUNDRED);
            (taxable, tax, taxable + tax)
        };
        match taxes.iter_mut().find(|t| {
            t.percent == l.tax.percent && t.inclusive == l.tax.inclusive && t.name == l.tax.name
        }) {
            Some(t) => {
                t.base += base;
                t.tax += tax;
            }
            None => taxes.push(TaxTotal {
                name: l.tax.name.clone(),
                percent: l.tax.percent,
                inclusive: l.tax.inclusive,
                base,
                tax,
            }),
        }
        out.push(LineTotals {
            gross,
            line_discount: discount,
            invoice_discount: share,
            taxable,
            base,
            tax,
            total,
        });
    }
    let sum = |f: fn(&LineTotals) -> Decimal| out.iter().map(f).sum::<Decimal>();
    Ok(Totals {
        subtotal: sum(|l| l.gross),
        discounts: sum(|l| l.line_discount + l.invoice_discount),
        invoice_discount: sum(|l| l.invoice_discount),
        base: sum(|l| l.base),
        tax: sum(|l| l.tax),
        total: sum(|l| l.total),
        taxes,
        lines: out,
    })
}

/// `amount` shared in proportion to `weights`, in whole minor units, adding up exactly: each
/// share rounded down, then the units left over one each to the largest remainders (the
/// earlier line first on a tie).
fn allocate(amount: Decimal, weights: &[Decimal], currency: Currency) -> Vec<Decimal> {
    let total: Decimal = weights.iter().sum();
    if total.is_zero() || amount.is_zero() {
        return vec![Decimal::ZERO; weights.len()];
    }
    let unit = Decimal::new(1, super::money::minor_digits(currency));
    let exact: Vec<Decimal> = weights.iter().map(|w| amount * w / total).collect();
    let mut shares: Vec<Decimal> = exact.iter().map(|e| (e / unit).floor() * unit).collect();
    let mut left = amount - shares.iter().sum::<Decimal>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - shares[b])
            .cmp(&(exact[a] - shares[a]))
            .then(a.cmp(&b))
    });
    // What is left is fewer units than lines with a remainder, so one pass gives them out.
    for i in order {
        if left < unit {
            break;
        }
        shares[i] += unit;
        left -= unit;
    }
    shares
}
