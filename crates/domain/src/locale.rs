//! How the clinic writes numbers, money and dates on paper and screen: the decimal mark, the
//! grouping of thousands, where the currency symbol goes and the order of day, month and year.
//!
//! Tend supports a short list of locales, each written out here from CLDR's data for it, rather
//! than the whole of CLDR: a clinic picks one, and a locale that is not on the list is refused
//! by name instead of being guessed at.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use iso_currency::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::billing::{Money, minor_digits};

/// The locales Tend formats for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[serde(rename = "en-US")]
    EnUs,
    #[serde(rename = "en-GB")]
    EnGb,
    #[serde(rename = "es-ES")]
    EsEs,
    #[serde(rename = "es-MX")]
    EsMx,
    #[serde(rename = "fr-FR")]
    FrFr,
    #[serde(rename = "de-DE")]
    DeDe,
    #[serde(rename = "it-IT")]
    ItIt,
    #[serde(rename = "pt-PT")]
    PtPt,
    #[serde(rename = "pt-BR")]
    PtBr,
    #[serde(rename = "nl-NL")]
    NlNl,
}

/// Where the symbol goes and whether a space separates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symbol {
    /// `$1,234.50`
    Before,
    /// `€ 1.234,50`
    BeforeSpaced,
    /// `1.234,50 €`
    AfterSpaced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateOrder {
    /// 11/24/2026
    MonthDayYear,
    /// 24/11/2026
    DayMonthYear,
}

struct Rules {
    tag: &'static str,
    decimal: char,
    group: char,
    symbol: Symbol,
    dates: DateOrder,
    date_separator: char,
}

/// A no-break space, so `1 234,50 €` never breaks across lines.
const NBSP: char = '\u{a0}';

impl Locale {
    pub const ALL: [Locale; 10] = [
        Locale::EnUs,
        Locale::EnGb,
        Locale::EsEs,
        Locale::EsMx,
        Locale::FrFr,
        Locale::DeDe,
        Locale::ItIt,
        Locale::PtPt,
        Locale::PtBr,
        Locale::NlNl,
    ];

    fn rules(self) -> Rules {
        let r = |tag, decimal, group, symbol, dates, date_separator| Rules {
            tag,
            decimal,
            group,
            symbol,
            dates,
            date_separator,
        };
        use DateOrder::{DayMonthYear as Dmy, MonthDayYear as Mdy};
        use Symbol::{AfterSpaced as After, Before, BeforeSpaced as Spaced};
        match self {
            Locale::EnUs => r("en-US", '.', ',', Before, Mdy, '/'),
            Locale::EnGb => r("en-GB", '.', ',', Before, Dmy, '/'),
            Locale::EsEs => r("es-ES", ',', '.', After, Dmy, '/'),
            Locale::EsMx => r("es-MX", '.', ',', Before, Dmy, '/'),
            Locale::FrFr => r("fr-FR", ',', NBSP, After, Dmy, '/'),
            Locale::DeDe => r("de-DE", ',', '.', After, Dmy, '.'),
            Locale::ItIt => r("it-IT", ',', '.', After, Dmy, '/'),
            Locale::PtPt => r("pt-PT", ',', NBSP, After, Dmy, '/'),
            Locale::PtBr => r("pt-BR", ',', '.', Spaced, Dmy, '/'),
            Locale::NlNl => r("nl-NL", ',', '.', Spaced, Dmy, '-'),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.rules().tag
    }

    /// The mark the clinic writes decimals with, which amounts typed there are read by.
    pub fn decimal_mark(self) -> crate::prescribing::DecimalMark {
        crate::prescribing::DecimalMark::of(self.rules().decimal)
    }

    /// A sensible locale for a clinic that has not chosen one, from its currency.
    pub fn for_currency(currency: Currency) -> Locale {
        match currency {
            Currency::EUR => Locale::EsEs,
            Currency::GBP => Locale::EnGb,
            Currency::MXN => Locale::EsMx,
            Currency::BRL => Locale::PtBr,
            _ => Locale::EnUs,
        }
    }

    /// `1,234.50` or `1.234,50`: the amount with the currency's places, grouped, no symbol.
    pub fn number(self, amount: Decimal, places: u32) -> String {
        let rules = self.rules();
        let rounded = amount.round_dp(places);
        let text = format!("{:.*}", places as usize, rounded.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
        let mut grouped = String::new();
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(rules.group);
            }
            grouped.push(digit);
        }
        let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
            "-"
        } else {
            ""
        };
        if fraction.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{}{fraction}", rules.decimal)
        }
    }

    /// `€1,234.50`, `1.234,50 €`, `-$5.00`: money as this locale writes it.
    pub fn money(self, money: Money) -> String {
        let places = minor_digits(money.currency);
        let digits = self.number(money.amount.abs(), places);
        let symbol = money.currency.symbol().symbol;
        let sign = if money.amount.is_sign_negative() && !money.amount.is_zero() {
            "-"
        } else {
            ""
        };
        match self.rules().symbol {
            Symbol::Before => format!("{sign}{symbol}{digits}"),
            Symbol::BeforeSpaced => format!("{sign}{symbol}{NBSP}{digits}"),
            Symbol::AfterSpaced => format!("{sign}{digits}{NBSP}{symbol}"),
        }
    }

    /// `11/24/2026`, `24/11/2026`, `24.11.2026`.
    pub fn date(self, date: NaiveDate) -> String {
        let rules = self.rules();
        let s = rules.date_separator;
        match rules.dates {
            DateOrder::MonthDayYear => date.format(&format!("%m{s}%d{s}%Y")).to_string(),
            DateOrder::DayMonthYear => date.format(&format!("%d{s}%m{s}%Y")).to_string(),
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().replace('_', "-");
        Locale::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| {
                let known: Vec<&str> = Locale::ALL.iter().map(|l| l.as_str()).collect();
                ValidationError::new(
                    "locale",
                    format!(
                        "\"{}\" is not a locale Tend formats for; use one of {}",
                        s.trim(),
                        known.join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn eur(amount: Decimal) -> Money {
        Money::new(amount, Currency::EUR)
    }

    #[test]
    fn money_is_written_as_each_locale_writes_it() {
        let m = eur(dec("1234567.5"));
        assert_eq!(Locale::EnUs.money(m), "€1,234,567.50");
        assert_eq!(Locale::EsEs.money(m), "1.234.567,50\u{a0}€");
        assert_eq!(Locale::FrFr.money(m), "1\u{a0}234\u{a0}567,50\u{a0}€");
        assert_eq!(Locale::NlNl.money(m), "€\u{a0}1.234.567,50");
        assert_eq!(Locale::DeDe.money(eur(dec("-5"))), "-5,00\u{a0}€");
        assert_eq!(Locale::EnGb.money(eur(dec("0.05"))), "€0.05");
        assert_eq!(Locale::EnUs.money(eur(Decimal::ZERO)), "€0.00");
        assert_eq!(
            Locale::EnUs.money(Money::new(dec("1500"), Currency::JPY)),
            "¥1,500"
        );
        assert_eq!(
            Locale::EnUs.money(Money::new(dec("1.5"), Currency::BHD)),
            format!("{}1.500", Currency::BHD.symbol().symbol)
        );
    }

    #[test]
    fn numbers_group_only_whole_thousands() {
        assert_eq!(Locale::EnUs.number(dec("999.999"), 2), "1,000.00");
        assert_eq!(Locale::EnUs.number(dec("100"), 2), "100.00");
        assert_eq!(Locale::EsEs.number(dec("1000"), 0), "1.000");
        assert_eq!(Locale::EsEs.number(dec("-1000.5"), 2), "-1.000,50");
    }

    #[test]
    fn dates_follow_the_locale_order() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 4).expect("date");
        assert_eq!(Locale::EnUs.date(d), "11/04/2026");
        assert_eq!(Locale::EsEs.date(d), "04/11/2026");
        assert_eq!(Locale::DeDe.date(d), "04.11.2026");
        assert_eq!(Locale::NlNl.date(d), "04-11-2026");
    }

    #[test]
    fn locales_parse_by_tag_and_unknown_ones_are_named() {
        assert_eq!("es_es".parse::<Locale>(), Ok(Locale::EsEs));
        assert_eq!(" en-US ".parse::<Locale>(), Ok(Locale::EnUs));
        let err = "xx-YY".parse::<Locale>().expect_err("unknown");
        assert_eq!(err.field, "locale");
        assert!(err.reason.contains("xx-YY"), "{err}");
        for l in Locale::ALL {
            assert_eq!(l.as_str().parse::<Locale>(), Ok(l));
        }
    }
}
