//! Money: a `Decimal` amount in a currency, rounded to the currency's minor unit (2 places for
//! EUR and USD, 0 for JPY, 3 for BHD) half away from zero, the rule of commercial invoicing.
//! There is no `f64` here or anywhere near money.

use std::fmt;

use iso_currency::Currency;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::words;

/// The largest amount a person can type (a price, a payment): a billion in any currency. With
/// quantities capped too, no invoice arithmetic can overflow a `Decimal` or an `i64` of minor
/// units.
pub const MAX_TYPED: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Decimal places of the currency's minor unit (2 when the standard gives none).
pub fn minor_digits(currency: Currency) -> u32 {
    currency.exponent().map_or(2, u32::from)
}

/// `amount` rounded to the currency's minor unit, half away from zero.
pub fn round(amount: Decimal, currency: Currency) -> Decimal {
    amount.round_dp_with_strategy(
        minor_digits(currency),
        RoundingStrategy::MidpointAwayFromZero,
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    #[serde(with = "currency_code")]
    pub currency: Currency,
}

impl Money {
    /// An amount, rounded to the currency's minor unit.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money {
            amount: round(amount, currency),
            currency,
        }
    }

    pub fn zero(currency: Currency) -> Self {
        Money {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// A price typed by a person: `12.50`, `12,50`, `1 234.50`; never negative, never more
    /// places than the currency has.
    pub fn parse(
        field: &'static str,
        s: &str,
        currency: Currency,
    ) -> Result<Self, ValidationError> {
        let amount = parse_amount(field, s)?;
        if amount.is_sign_negative() {
            return Err(ValidationError::new(field, "cannot be negative"));
        }
        if amount > MAX_TYPED {
            return Err(ValidationError::new(
                field,
                words!(
                    "is more than {max_typed}, the most one amount can be",
                    max_typed = MAX_TYPED
                ),
            ));
        }
        if amount != round(amount, currency) {
            return Err(ValidationError::new(
                field,
                words!(
                    "has more decimal places than {currency} has ({digits})",
                    currency = currency.code(),
                    digits = minor_digits(currency)
                ),
            ));
        }
        Ok(Money::new(amount, currency))
    }

    /// An amount stored as a whole number of minor units (cents): `1250` EUR is 12.50.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money {
            amount: Decimal::new(minor, minor_digits(currency)),
            currency,
        }
    }

    /// The amount as a whole number of minor units, the form the store sums in SQL. `None` if
    /// it is not a whole number of them or does not fit.
    pub fn to_minor(self) -> Option<i64> {
        let scaled = self
            .amount
            .checked_mul(Decimal::from(10_i64.pow(minor_digits(self.currency))))?;
        if scaled.fract().is_zero() {
            i64::try_from(scaled).ok()
        } else {
            None
        }
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// The sum; `None` when the currencies differ.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then(|| Money {
            amount: self.amount + other.amount,
            currency: self.currency,
        })
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then(|| Money {
            amount: self.amount - other.amount,
            currency: self.currency,
        })
    }
}

impl fmt::Display for Money {
    /// `EUR 1234.50`: plain and unambiguous; documents format in the clinic's locale.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = minor_digits(self.currency) as usize;
        write!(f, "{} {:.*}", self.currency.code(), digits, self.amount)
    }
}

/// A number as people type it at a desk: `.` or `,` as the decimal mark, spaces or the other
/// mark between thousands (`1 234,50`, `1,234.50`, `1.234,50`).
pub fn parse_amount(field: &'static str, s: &str) -> Result<Decimal, ValidationError> {
    let t: String = s.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return Err(ValidationError::new(field, "is required"));
    }
    let last_dot = t.rfind('.');
    let last_comma = t.rfind(',');
    // The mark that comes last is the decimal mark, unless it is followed by exactly three
    // digits and is the only kind present more than once (then it groups thousands).
    let normalised = match (last_dot, last_comma) {
        (Some(d), Some(c)) if d > c => t.replace(',', ""),
        (Some(_), Some(_)) => t.replace('.', "").replace(',', "."),
        (None, Some(_)) if t.matches(',').count() > 1 => t.replace(',', ""),
        (None, Some(_)) => t.replace(',', "."),
        (Some(_), None) if t.matches('.').count() > 1 => t.replace('.', ""),
        _ => t,
    };
    normalised
        .parse::<Decimal>()
        .map_err(|_| ValidationError::new(field, words!("\"{s}\" is not an amount", s = s.trim())))
}

pub(crate) mod currency_code {
    use iso_currency::Currency;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Currency, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.code())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
        let code = String::deserialize(d)?;
        Currency::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown currency {code}")))
    }
}
