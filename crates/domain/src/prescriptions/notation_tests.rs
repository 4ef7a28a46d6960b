//! The notation rules as a table of what people type, and their algebra as properties.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::notation::{DecimalMark, Measure, canonical, error_prone, printable, shown, tidy};
use super::shipped;

/// What a typed measure must become: its canonical form, or a refusal whose reason contains
/// the given words.
enum Want {
    Is(&'static str),
    Refused(&'static str),
}
use Want::{Is, Refused};

fn check(mark: DecimalMark, typed: &str, want: Want) {
    let got = canonical(typed, mark);
    match (want, got) {
        (Is(expected), Ok(got)) => assert_eq!(got, expected, "{typed:?}"),
        (Refused(words), Err(e)) => {
            assert!(e.0.contains(words), "{typed:?}: refused with {:?}", e.0);
        }
        (Is(expected), Err(e)) => panic!("{typed:?}: want {expected:?}, refused: {}", e.0),
        (Refused(words), Ok(got)) => panic!("{typed:?}: want a refusal ({words}), got {got:?}"),
    }
}

#[test]
fn typed_amounts_become_one_safe_form_or_are_refused_with_a_reason() {
    let point = DecimalMark::Point;
    let cases: &[(&str, Want)] = &[
        // Trailing zeros: 5.0 is read as 50.
        ("5.0 mg", Is("5 mg")),
        ("5.00 mg", Is("5 mg")),
        ("2.50 mg", Is("2.5 mg")),
        ("10.0mg", Is("10 mg")),
        ("100.000 mcg", Is("100 mcg")),
        // Naked decimals: .25 is read as 25.
        (".25 mg", Is("0.25 mg")),
        (".5mg", Is("0.5 mg")),
        ("00.5 mg", Is("0.5 mg")),
        (".125 mg", Is("0.125 mg")),
        // The other decimal mark, when it cannot be a thousands separator.
        ("0,5 mg", Is("0.5 mg")),
        ("0,50 mg", Is("0.5 mg")),
        ("2,5 mg", Is("2.5 mg")),
        (",25 mg", Is("0.25 mg")),
        // Micrograms.
        ("50 µg", Is("50 mcg")),
        ("50 μg", Is("50 mcg")),
        ("50ug", Is("50 mcg")),
        ("50 MCG", Is("50 mcg")),
        ("50 micrograms", Is("50 mcg")),
        // Units.
        ("100 U", Is("100 units")),
        ("100 IU", Is("100 units")),
        ("100 i.u.", Is("100 units")),
        ("100 U/mL", Is("100 units/mL")),
        ("100 IU/ml", Is("100 units/mL")),
        ("100 units/mL", Is("100 units/mL")),
        ("1.2 million units", Is("1.2 million units")),
        // Millilitres.
        ("5 cc", Is("5 mL")),
        ("5 ML", Is("5 mL")),
        ("5 millilitres", Is("5 mL")),
        // Spaces, no spaces, case.
        ("500MG", Is("500 mg")),
        ("  500   mg  ", Is("500 mg")),
        ("500 Mg.", Is("500 mg")),
        // Ratios and combinations.
        ("250 mg/5 mL", Is("250 mg/5 mL")),
        ("250mg/5ml", Is("250 mg/5 mL")),
        ("250 mg / 5 cc", Is("250 mg/5 mL")),
        ("100 mcg/puff", Is("100 mcg/puff")),
        ("100 µg / puff", Is("100 mcg/puff")),
        ("49 mg/51 mg", Is("49 mg/51 mg")),
        ("49mg/51mg", Is("49 mg/51 mg")),
        ("875 mg/125.0 mg", Is("875 mg/125 mg")),
        ("400 mg/57 mg per 5 ml", Is("400 mg/57 mg per 5 mL")),
        ("10 mg per mL", Is("10 mg/mL")),
        ("4.6 mg/24 hours", Is("4.6 mg/24 h")),
        ("25 mcg/hr", Is("25 mcg/h")),
        ("1 %", Is("1 %")),
        ("1%", Is("1 %")),
        ("0.50 %", Is("0.5 %")),
        ("20 mEq", Is("20 mEq")),
        ("20 MEQ", Is("20 mEq")),
        ("1 g", Is("1 g")),
        ("1000 mg", Is("1000 mg")),
        ("one tablet", Is("1 tablet")),
        // Thousands that could be decimals, and other numbers written two ways.
        ("1,000 mg", Refused("could be read as 1 or as 1000")),
        ("5,000 units", Refused("could be read as 5 or as 5000")),
        ("1,500 mg", Refused("write 1500")),
        ("1.000,5 mg", Refused("more than one mark")),
        ("1 000 mg", Refused("without spaces")),
        ("5. mg", Refused("ends with a decimal mark")),
        // Not amounts.
        ("", Refused("write an amount")),
        ("mg", Refused("needs a number")),
        ("500", Refused("needs a unit")),
        ("0 mg", Refused("more than 0")),
        ("-5 mg", Refused("needs a number")),
        ("5 gr", Refused("grain")),
        ("2 MU", Refused("million units")),
        ("500 mg tablets", Refused("not a unit")),
        ("lots", Refused("needs a number")),
        ("5 mg//mL", Refused("nothing on one side")),
        ("0.0000001 mg", Refused("decimal places")),
        ("99999999999 mg", Refused("too large")),
    ];
    assert!(cases.len() >= 40);
    for (typed, want) in cases {
        let want = match want {
            Is(s) => Is(s),
            Refused(s) => Refused(s),
        };
        check(point, typed, want);
    }
}

#[test]
fn a_clinic_that_writes_decimal_commas_reads_them_and_refuses_points_that_group_thousands() {
    let comma = DecimalMark::Comma;
    check(comma, "0,5 mg", Is("0.5 mg"));
    check(comma, "1,125 mg", Is("1.125 mg"));
    check(comma, "2,50 mg", Is("2.5 mg"));
    check(comma, "2.5 mg", Is("2.5 mg"));
    check(comma, "1.000 mg", Refused("could be read as 1 or as 1000"));
    check(
        comma,
        "1.250 mg",
        Refused("could be read as 1.25 or as 1250"),
    );
    // A point clinic reads its own point with three decimals as a decimal.
    check(DecimalMark::Point, "1.125 mg", Is("1.125 mg"));
    check(
        DecimalMark::Point,
        "1,125 mg",
        Refused("could be read as 1.125 or as 1125"),
    );
    check(DecimalMark::Point, "0,125 mg", Is("0.125 mg"));
}

#[test]
fn every_strength_and_maximum_the_catalog_ships_is_already_in_safe_notation() {
    for d in shipped().drugs() {
        for s in &d.strengths {
            assert_eq!(
                canonical(s, DecimalMark::Point).as_deref(),
                Ok(s.as_str()),
                "{}",
                d.code
            );
        }
        if let Some(max) = d.max_daily {
            assert_eq!(
                canonical(&max.to_string(), DecimalMark::Point).as_deref(),
                Ok(max.to_string().as_str())
            );
        }
    }
}

#[test]
fn measures_compare_by_quantity_whatever_the_unit_they_were_written_in() {
    let m = |s| Measure::parse(s, DecimalMark::Point).unwrap();
    assert!(m("0.4 mg/spray").same_as(&m("400 mcg/spray")));
    assert!(m("10 mg/mL").same_as(&m("10 mg/1 mL")));
    assert!(m("1.2 million units").same_as(&m("1200000 units")));
    assert!(m("1 g").same_as(&m("1000 mg")));
    assert!(!m("1 g").same_as(&m("1 mg")));
    assert!(!m("250 mg/5 mL").same_as(&m("250 mg")));
    assert!(!m("49 mg/51 mg").same_as(&m("51 mg/49 mg")));
    assert!(!m("100 units/mL").same_as(&m("100 mg/mL")));
}

#[test]
fn free_text_has_its_amounts_tidied_and_error_prone_abbreviations_found() {
    let cases = [
        ("5.0 mg 1 tablet", "5 mg 1 tablet"),
        (".25mg daily", "0.25 mg daily"),
        ("10U at night", "10 units at night"),
        ("2 cc twice", "2 mL twice"),
        ("250mg/5ml", "250 mg/5 mL"),
        ("take 2 tabs for 5 days", "take 2 tablets for 5 days"),
        ("every 8 hours", "every 8 hours"),
        ("vitamin B12 1,000 mcg", "vitamin B12 1,000 mcg"),
        ("vitamin B12 1000 mcg", "vitamin B12 1000 mcg"),
        ("on 12.10.2026 at 10:30", "on 12.10.2026 at 10:30"),
        ("take 2, then 1", "take 2, then 1"),
        ("50 µg", "50 mcg"),
    ];
    for (typed, want) in cases {
        assert_eq!(tidy(typed, DecimalMark::Point), want, "{typed:?}");
    }
    let flagged = [
        ("take QD", "QD"),
        ("take q.d. with food", "q.d."),
        ("QOD", "QOD"),
        ("10 U", "U"),
        ("inject IU", "IU"),
        ("MS 10 mg", "MS"),
        ("MSO4", "MSO4"),
        ("MgSO4 in water", "MgSO4"),
        ("5 cc", "cc"),
        ("take .5 if needed", ".5"),
        ("take 1.0 if needed", "1.0"),
        ("at HS", "HS"),
    ];
    for (text, found) in flagged {
        assert_eq!(
            error_prone(text).map(|e| e.found),
            Some(found.to_owned()),
            "{text:?}"
        );
    }
    for fine in [
        "take with food",
        "Ms Rivera to call if dizzy",
        "0.5 tablet in the morning",
        "use for 2 weeks",
        "1 tablet",
    ] {
        assert_eq!(error_prone(fine), None, "{fine:?}");
    }
    assert!(super::notation::tidy_typed("1,000 mcg a day", DecimalMark::Point).is_err());
    // What an older desktop stored is printed safely all the same.
    assert_eq!(printable("10 U QD, 5 cc"), "10 units once a day, 5 mL");
    assert_eq!(shown(".25 mg"), "0.25 mg");
    assert_eq!(shown("5.0 mg"), "5 mg");
    assert_eq!(shown("not a strength"), "not a strength");
}

/// A measure as the catalog writes them: a value with up to four decimals, in a unit.
fn measure() -> impl Strategy<Value = String> {
    let value = (1u64..=999_999, 0u32..=4).prop_map(|(n, scale)| Decimal::new(n as i64, scale));
    let units = prop::sample::select(vec![
        "mg",
        "mcg",
        "g",
        "units",
        "mEq",
        "mmol",
        "mL",
        "%",
        "million units",
    ]);
    let term = (value, units).prop_map(|(v, u)| format!("{} {u}", v.normalize()));
    let per = prop::sample::select(vec!["", "/mL", "/puff", "/spray", "/24 h"]);
    (
        prop::collection::vec(term, 1..=3),
        per,
        prop::option::of(1u32..=100),
    )
        .prop_map(|(terms, per, volume)| {
            let mut s = terms.join("/");
            match volume {
                Some(v) if terms.len() > 1 => s.push_str(&format!(" per {v} mL")),
                _ => s.push_str(per),
            }
            s
        })
}

/// The same measure written as a hurried person might: other spellings of the units, no or
/// extra spaces, upper case, a trailing zero, a decimal comma where it cannot group thousands.
fn messy(clean: &str, seed: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(seed);
    // "million units" is one unit name, kept whole.
    let mut out = clean.replace(" million units", "\u{1}");
    for (from, to) in [
        (" mcg", if rng.bool() { "µg" } else { " ug" }),
        (" mL", if rng.bool() { "ml" } else { " cc" }),
        (" units", if rng.bool() { " IU" } else { "U" }),
        (" mg", if rng.bool() { "MG" } else { " mg" }),
    ] {
        if rng.bool() {
            out = out.replace(from, to);
        }
    }
    if rng.bool() {
        out = out.replace('/', " / ");
    }
    // A trailing zero on every decimal, and a comma for a point where it is safe.
    let words: Vec<String> = out
        .split(' ')
        .map(|w| {
            let number = w.chars().all(|c| c.is_ascii_digit() || c == '.');
            if number && w.contains('.') {
                let w = format!("{w}0");
                let decimals = w.split('.').nth(1).map_or(0, str::len);
                if decimals != 3 && rng.bool() {
                    return w.replace('.', ",");
                }
                return w;
            }
            w.to_owned()
        })
        .collect();
    words.join(" ").replace('\u{1}', " million units")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_canonical_form_of_a_canonical_form_is_itself_and_reads_back_the_same(s in measure()) {
        let once = canonical(&s, DecimalMark::Point).unwrap();
        let twice = canonical(&once, DecimalMark::Point).unwrap();
        prop_assert_eq!(&once, &twice);
        let typed = Measure::parse(&s, DecimalMark::Point).unwrap();
        let printed = Measure::parse(&once, DecimalMark::Point).unwrap();
        prop_assert_eq!(&typed, &printed);
        // Nothing error-prone in what is printed.
        prop_assert_eq!(error_prone(&once), None);
    }

    #[test]
    fn however_it_was_typed_a_measure_is_stored_the_one_way(s in measure(), seed in any::<u64>()) {
        let clean = canonical(&s, DecimalMark::Point).unwrap();
        let typed = messy(&clean, seed);
        let got = canonical(&typed, DecimalMark::Point)
            .unwrap_or_else(|e| panic!("{typed:?}: {}", e.0));
        prop_assert_eq!(got, clean, "typed {:?}", typed);
    }
}
