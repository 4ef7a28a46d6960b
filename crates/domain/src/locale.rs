//! How the clinic writes numbers, money and dates on paper and screen, by CLDR's rules through
//! ICU4X: the decimal mark, the grouping of thousands (Spanish and Italian do not group a
//! four-digit amount: `1234,50 €`), where the currency symbol goes and how a date is written.
//! The page formats with `Intl`, which is built on the same CLDR data; a test
//! (`locale_samples` in tend-desktop) writes what this module prints for every locale into
//! `ui/src/lib/locale-samples.json`, and the page's tests check they print the same.
//!
//! Printed documents write a date one way only, the month in words (`4 March 2026`,
//! `4. März 2026`), so no reader takes 03/04 for the wrong month.
//!
//! Tend supports a short list of locales: a clinic picks one, and a locale that is not on the
//! list is refused by name instead of being guessed at.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use fixed_decimal::Decimal as Digits;
use icu_calendar::{Date, Gregorian};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_decimal::DecimalFormatter;
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use iso_currency::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::billing::{Money, minor_digits};
use crate::words;

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

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::EnUs => "en-US",
            Locale::EnGb => "en-GB",
            Locale::EsEs => "es-ES",
            Locale::EsMx => "es-MX",
            Locale::FrFr => "fr-FR",
            Locale::DeDe => "de-DE",
            Locale::ItIt => "it-IT",
            Locale::PtPt => "pt-PT",
            Locale::PtBr => "pt-BR",
            Locale::NlNl => "nl-NL",
        }
    }

    fn icu(self) -> icu_locale_core::Locale {
        // Each tag above is a valid BCP 47 tag; the test `every_locale_has_cldr_data` covers all.
        self.as_str()
            .parse()
            .unwrap_or(icu_locale_core::Locale::UNKNOWN)
    }

    /// The mark the clinic writes decimals with, which amounts typed there are read by: the
    /// character CLDR puts between `1` and `5` in one and a half.
    pub fn decimal_mark(self) -> crate::prescriptions::DecimalMark {
        let half = self.number(Decimal::new(15, 1), 1);
        let mark = half.chars().find(|c| !c.is_ascii_digit()).unwrap_or('.');
        crate::prescriptions::DecimalMark::of(mark)
    }

    /// Whether `1234` is written with a group separator here (`1,234`) or not (`1234`): CLDR's
    /// minimum grouping digits, for the page to give to `Intl`.
    pub fn groups_four_digits(self) -> bool {
        self.number(Decimal::from(1234), 0)
            .chars()
            .any(|c| !c.is_ascii_digit())
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

    /// `1,234.50`, `1.234,50`, `1234,50`: the amount with exactly `places` decimals, grouped as
    /// the locale groups, no symbol.
    pub fn number(self, amount: Decimal, places: u32) -> String {
        let digits = digits(amount.round_dp(places), places);
        match DecimalFormatter::try_new(self.icu().into(), Default::default()) {
            Ok(f) => f.format(&digits).to_string(),
            Err(_) => digits.to_string(),
        }
    }

    /// `€1,234.50`, `1234,50 €`, `€ -5,00`: money as this locale writes it, with the symbol
    /// CLDR gives the currency there, or its ISO code where ICU4X has no symbol for it.
    pub fn money(self, money: Money) -> String {
        let places = minor_digits(money.currency);
        let amount = digits(money.amount, places);
        let prefs = self.icu().into();
        let Ok(code) = CurrencyType::try_from_str(money.currency.code()) else {
            return format!(
                "{} {}",
                self.number(money.amount, places),
                money.currency.code()
            );
        };
        match CurrencyFormatter::try_new_symbol(prefs, code, Default::default())
            .or_else(|_| CurrencyFormatter::try_new_code(prefs, code, Default::default()))
        {
            Ok(f) => f.format_fixed_decimal(&amount).to_string(),
            Err(_) => format!(
                "{} {}",
                self.number(money.amount, places),
                money.currency.code()
            ),
        }
    }

    /// `4 March 2026`, `March 4, 2026`, `4. März 2026`, `4 de marzo de 2026`: the one way a
    /// date is printed, the month in words.
    pub fn date(self, date: NaiveDate) -> String {
        let words = Date::try_new_gregorian(date.year(), date.month() as u8, date.day() as u8)
            .ok()
            .zip(
                FixedCalendarDateTimeFormatter::<Gregorian, YMD>::try_new(
                    self.icu().into(),
                    YMD::long(),
                )
                .ok(),
            );
        match words {
            Some((d, f)) => f.format(&d).to_string(),
            None => date.format("%Y-%m-%d").to_string(),
        }
    }
}

/// `amount` as ICU4X's decimal, showing `places` decimals (`5` with 2 places is `5.00`); zero
/// carries no sign.
fn digits(amount: Decimal, places: u32) -> Digits {
    let amount = if amount.is_zero() {
        Decimal::ZERO
    } else {
        amount
    };
    let mut d: Digits = amount
        .to_string()
        .parse()
        .unwrap_or_else(|_| Digits::from(0));
    d.absolute.pad_end(-(places as i16));
    d
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
                    words!(
                        "\"{s}\" is not a locale Tend formats for; use one of {known}",
                        s = s.trim(),
                        known = known.join(", ")
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
    fn money_is_written_as_cldr_writes_it_in_each_locale() {
        let m = eur(dec("1234567.5"));
        assert_eq!(Locale::EnUs.money(m), "€1,234,567.50");
        assert_eq!(Locale::EsEs.money(m), "1.234.567,50\u{a0}€");
        // French groups with a narrow no-break space.
        assert_eq!(Locale::FrFr.money(m), "1\u{202f}234\u{202f}567,50\u{a0}€");
        assert_eq!(Locale::NlNl.money(m), "€\u{a0}1.234.567,50");
        // The sign goes where CLDR puts it: after the symbol in Dutch.
        assert_eq!(Locale::NlNl.money(eur(dec("-5"))), "€\u{a0}-5,00");
        assert_eq!(Locale::DeDe.money(eur(dec("-5"))), "-5,00\u{a0}€");
        assert_eq!(Locale::EnGb.money(eur(dec("0.05"))), "€0.05");
        assert_eq!(Locale::EnUs.money(eur(Decimal::ZERO)), "€0.00");
        assert_eq!(Locale::EnUs.money(eur(dec("-0.001"))), "€0.00");
        assert_eq!(
            Locale::EnUs.money(Money::new(dec("1500"), Currency::JPY)),
            "¥1,500"
        );
        assert_eq!(
            Locale::EsMx.money(Money::new(dec("1234.5"), Currency::MXN)),
            "$1,234.50"
        );
        // No symbol in ICU4X's data: the ISO code, spaced.
        assert_eq!(
            Locale::EnUs.money(Money::new(dec("1.5"), Currency::BHD)),
            "BHD\u{a0}1.500"
        );
    }

    #[test]
    fn spanish_italian_and_portuguese_do_not_group_four_digits() {
        assert_eq!(Locale::EsEs.money(eur(dec("1234.5"))), "1234,50\u{a0}€");
        assert_eq!(Locale::ItIt.money(eur(dec("1234.5"))), "1234,50\u{a0}€");
        assert_eq!(Locale::PtPt.money(eur(dec("1234.5"))), "1234,50\u{a0}€");
        assert_eq!(Locale::EsEs.money(eur(dec("12345.5"))), "12.345,50\u{a0}€");
        assert_eq!(Locale::DeDe.money(eur(dec("1234.5"))), "1.234,50\u{a0}€");
    }

    #[test]
    fn four_digits_are_grouped_where_cldr_says() {
        let grouped: Vec<&str> = Locale::ALL
            .into_iter()
            .filter(|l| l.groups_four_digits())
            .map(Locale::as_str)
            .collect();
        assert_eq!(
            grouped,
            [
                "en-US", "en-GB", "es-MX", "fr-FR", "de-DE", "pt-BR", "nl-NL"
            ]
        );
    }

    #[test]
    fn numbers_show_the_places_asked_for() {
        assert_eq!(Locale::EnUs.number(dec("999.999"), 2), "1,000.00");
        assert_eq!(Locale::EnUs.number(dec("100"), 2), "100.00");
        assert_eq!(Locale::EsEs.number(dec("1000"), 0), "1000");
        assert_eq!(Locale::EsEs.number(dec("10000"), 0), "10.000");
        assert_eq!(Locale::EsEs.number(dec("-1000.5"), 2), "-1000,50");
        assert_eq!(Locale::DeDe.number(dec("2.5"), 1), "2,5");
    }

    #[test]
    fn dates_are_printed_with_the_month_in_words() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 4).expect("date");
        assert_eq!(Locale::EnUs.date(d), "March 4, 2026");
        assert_eq!(Locale::EnGb.date(d), "4 March 2026");
        assert_eq!(Locale::EsEs.date(d), "4 de marzo de 2026");
        assert_eq!(Locale::DeDe.date(d), "4. März 2026");
        assert_eq!(Locale::NlNl.date(d), "4 maart 2026");
        assert_eq!(Locale::PtBr.date(d), "4 de março de 2026");
    }

    #[test]
    fn every_locale_has_cldr_data() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 4).expect("date");
        for l in Locale::ALL {
            // Not the ISO fallback: CLDR's data for the locale was found.
            assert!(!l.date(d).starts_with("2026-"), "{l}: {}", l.date(d));
            assert!(l.date(d).contains('4') && l.date(d).contains("2026"), "{l}");
            let m = l.money(eur(dec("1.5")));
            assert!(
                m.contains('€') && m.contains("1") && m.contains("50"),
                "{l}: {m}"
            );
        }
        use crate::prescriptions::DecimalMark::{Comma, Point};
        let marks: Vec<_> = Locale::ALL.iter().map(|l| l.decimal_mark()).collect();
        assert_eq!(
            marks,
            [
                Point, Point, Comma, Point, Comma, Comma, Comma, Comma, Comma, Comma
            ]
        );
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
