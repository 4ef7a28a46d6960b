//! Totals: a table of the cases that trip invoices up, then properties over random invoices.

use iso_currency::Currency::{self, BHD, EUR, JPY};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn tax(percent: &str, inclusive: bool) -> TaxRate {
    TaxRate {
        name: format!("VAT {percent} %"),
        percent: d(percent),
        inclusive,
    }
}

fn line(qty: &str, price: &str, discount: Discount, tax: TaxRate) -> LineInput {
    LineInput {
        quantity: d(qty),
        unit_price: d(price),
        discount,
        tax,
    }
}

fn plain(qty: &str, price: &str) -> LineInput {
    line(qty, price, Discount::None, TaxRate::exempt())
}

/// (name, currency, lines, invoice discount, subtotal, discounts, tax, total)
type Case = (
    &'static str,
    Currency,
    Vec<LineInput>,
    Discount,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[test]
fn tricky_invoices_add_up_as_documented() {
    let pct = |s: &str| Discount::Percent(d(s));
    let amt = |s: &str| Discount::Amount(d(s));
    let cases: Vec<Case> = vec![
        (
            "3 × 0.10 is 0.30, not 0.30000000000000004",
            EUR,
            vec![plain("3", "0.10")],
            Discount::None,
            "0.30",
            "0",
            "0",
            "0.30",
        ),
        (
            "a third off 100.00",
            EUR,
            vec![line("1", "100.00", pct("33.33"), TaxRate::exempt())],
            Discount::None,
            "100.00",
            "33.33",
            "0",
            "66.67",
        ),
        (
            "33.33 % off the invoice is per line: 3 × 3.33",
            EUR,
            vec![
                plain("1", "10.00"),
                plain("1", "10.00"),
                plain("1", "10.00"),
            ],
            pct("33.33"),
            "30.00",
            "9.99",
            "0",
            "20.01",
        ),
        (
            "10.00 off three equal lines: 3.34 + 3.33 + 3.33",
            EUR,
            vec![
                plain("1", "10.00"),
                plain("1", "10.00"),
                plain("1", "10.00"),
            ],
            amt("10.00"),
            "30.00",
            "10.00",
            "0",
            "20.00",
        ),
        (
            "mixed rates added on top",
            EUR,
            vec![
                line("1", "100.00", Discount::None, tax("21", false)),
                line("2", "25.00", Discount::None, tax("10", false)),
            ],
            Discount::None,
            "150.00",
            "0",
            "26.00",
            "176.00",
        ),
        (
            "a price that includes 21 %",
            EUR,
            vec![line("1", "121.00", Discount::None, tax("21", true))],
            Discount::None,
            "121.00",
            "0",
            "21.00",
            "121.00",
        ),
        (
            "10.00 including 21 %: base 8.26",
            EUR,
            vec![line("1", "10.00", Discount::None, tax("21", true))],
            Discount::None,
            "10.00",
            "0",
            "1.74",
            "10.00",
        ),
        (
            "tax per line: 3 × 0.05 at 21 % is 0.03 of tax",
            EUR,
            vec![
                line("1", "0.05", Discount::None, tax("21", false)),
                line("1", "0.05", Discount::None, tax("21", false)),
                line("1", "0.05", Discount::None, tax("21", false)),
            ],
            Discount::None,
            "0.15",
            "0",
            "0.03",
            "0.18",
        ),
        (
            "half a cent rounds away from zero",
            EUR,
            vec![line("1", "0.50", Discount::None, tax("25", false))],
            Discount::None,
            "0.50",
            "0",
            "0.13",
            "0.63",
        ),
        (
            "discount before tax",
            EUR,
            vec![line("1", "200.00", pct("10"), tax("21", false))],
            amt("30.00"),
            "200.00",
            "50.00",
            "31.50",
            "181.50",
        ),
        (
            "yen have no decimals",
            JPY,
            vec![line("3", "333", Discount::None, tax("10", false))],
            Discount::None,
            "999",
            "0",
            "100",
            "1099",
        ),
        (
            "dinars have three",
            BHD,
            vec![line("1", "1.005", Discount::None, tax("10", false))],
            Discount::None,
            "1.005",
            "0",
            "0.101",
            "1.106",
        ),
        (
            "fractional quantity",
            EUR,
            vec![plain("0.5", "45.00"), plain("1.25", "0.99")],
            Discount::None,
            "23.74",
            "0",
            "0",
            "23.74",
        ),
        (
            "a free line takes no share of an amount off",
            EUR,
            vec![plain("1", "0"), plain("1", "50.00")],
            amt("5.00"),
            "50.00",
            "5.00",
            "0",
            "45.00",
        ),
        (
            "an empty invoice",
            EUR,
            vec![],
            Discount::None,
            "0",
            "0",
            "0",
            "0",
        ),
    ];
    for (name, currency, lines, discount, subtotal, discounts, tax, total) in cases {
        let t = totals(&lines, discount, currency).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (t.subtotal, t.discounts, t.tax, t.total),
            (d(subtotal), d(discounts), d(tax), d(total)),
            "{name}: {t:#?}"
        );
    }
}

#[test]
fn an_amount_off_is_shared_by_what_is_left_of_each_line_and_taxes_group_by_rate() {
    let t = totals(
        &[
            line("1", "10.00", Discount::None, TaxRate::exempt()),
            line("1", "10.00", Discount::None, TaxRate::exempt()),
            line("1", "10.00", Discount::None, TaxRate::exempt()),
        ],
        Discount::Amount(d("10.00")),
        EUR,
    )
    .unwrap();
    let shares: Vec<Decimal> = t.lines.iter().map(|l| l.invoice_discount).collect();
    assert_eq!(shares, [d("3.34"), d("3.33"), d("3.33")]);

    let t = totals(
        &[
            line("1", "100.00", Discount::None, tax("21", false)),
            line("1", "10.00", Discount::None, tax("10", false)),
            line("1", "50.00", Discount::None, tax("21", false)),
        ],
        Discount::None,
        EUR,
    )
    .unwrap();
    let by_rate: Vec<(Decimal, Decimal, Decimal)> =
        t.taxes.iter().map(|x| (x.percent, x.base, x.tax)).collect();
    assert_eq!(
        by_rate,
        [
            (d("21"), d("150.00"), d("31.50")),
            (d("10"), d("10.00"), d("1.00"))
        ]
    );
}

#[test]
fn bad_lines_and_discounts_are_refused_naming_the_field_and_line() {
    let field = |lines: &[LineInput], discount: Discount| {
        totals(lines, discount, EUR)
            .err()
            .map(|e| (e.field, e.reason.to_string()))
            .unwrap_or_default()
    };
    let (f, why) = field(&[plain("1", "5.00"), plain("0", "5.00")], Discount::None);
    assert_eq!(f, "quantity");
    assert!(why.starts_with("line 2:"), "{why}");
    assert_eq!(
        field(&[plain("1", "-5.00")], Discount::None).0,
        "unit_price"
    );
    let over = line("1", "5.00", Discount::Amount(d("6.00")), TaxRate::exempt());
    assert_eq!(field(&[over], Discount::None).0, "discount");
    let pct = line("1", "5.00", Discount::Percent(d("101")), TaxRate::exempt());
    assert_eq!(field(&[pct], Discount::None).0, "discount");
    let cents = line("1", "5.00", Discount::Amount(d("0.005")), TaxRate::exempt());
    assert_eq!(field(&[cents], Discount::None).0, "discount");
    assert_eq!(
        field(&[plain("1", "5.00")], Discount::Amount(d("5.01"))).0,
        "invoice_discount"
    );
    assert_eq!(
        field(&[plain("1", "5.00")], Discount::Percent(d("-1"))).0,
        "invoice_discount"
    );
    let rate = line("1", "5.00", Discount::None, tax("120", false));
    assert_eq!(field(&[rate], Discount::None).0, "tax");
}

#[test]
fn money_is_typed_the_way_people_type_it() {
    for (typed, amount) in [
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        ("1 234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1.234.567", "1234567"),
        (" 7 ", "7"),
    ] {
        assert_eq!(
            Money::parse("price", typed, EUR).map(|m| m.amount),
            Ok(d(amount)),
            "{typed}"
        );
    }
    assert_eq!(
        Money::parse("price", "12.505", EUR).map_err(|e| e.field),
        Err("price")
    );
    assert!(Money::parse("price", "-1", EUR).is_err());
    assert!(Money::parse("price", "abc", EUR).is_err());
    assert!(Money::parse("price", "", EUR).is_err());
    assert!(Money::parse("price", "12.5", JPY).is_err());
    assert_eq!(Money::new(d("2.675"), EUR).to_string(), "EUR 2.68");
    assert_eq!(Money::new(d("-2.675"), EUR).to_string(), "EUR -2.68");
    assert_eq!(Money::new(d("1500"), JPY).to_string(), "JPY 1500");
    let a = Money::new(d("1.10"), EUR);
    assert_eq!(a.checked_add(a).map(|m| m.amount), Some(d("2.20")));
    assert_eq!(a.checked_add(Money::new(d("1"), JPY)), None);
}

fn cents(max: i64) -> impl Strategy<Value = Decimal> {
    (0..=max).prop_map(|c| Decimal::new(c, 2))
}

fn any_line() -> impl Strategy<Value = LineInput> {
    let discount = prop_oneof![
        Just(Discount::None),
        (0..=10_000i64).prop_map(|p| Discount::Percent(Decimal::new(p, 2))),
    ];
    let rate = prop_oneof![Just("0"), Just("4"), Just("10"), Just("21"), Just("33.33")];
    (
        1..=50i64,
        0..=3i64,
        cents(500_000),
        discount,
        rate,
        any::<bool>(),
    )
        .prop_map(|(q, places, price, discount, rate, inclusive)| LineInput {
            quantity: Decimal::new(q, 0) / Decimal::new(10i64.pow(places as u32), 0) + Decimal::ONE,
            unit_price: price,
            discount,
            tax: tax(rate, inclusive),
        })
}

proptest! {
    /// Whatever the lines, the invoice is the sum of its lines, every figure is in whole cents,
    /// and nothing is discounted below zero.
    #[test]
    fn an_invoice_is_the_sum_of_its_lines(
        lines in proptest::collection::vec(any_line(), 0..12),
        off in prop_oneof![
            Just(None),
            (0..=10_000i64).prop_map(|p| Some(Discount::Percent(Decimal::new(p, 2)))),
            (0..=10_000i64).prop_map(|c| Some(Discount::Amount(Decimal::new(c, 2)))),
        ],
    ) {
        let discount = off.unwrap_or_default();
        let t = match totals(&lines, discount, EUR) {
            Ok(t) => t,
            // Only an amount off larger than the invoice may be refused.
            Err(e) => {
                prop_assert_eq!(e.field, "invoice_discount");
                return Ok(());
            }
        };
        let sum = |f: fn(&LineTotals) -> Decimal| t.lines.iter().map(f).sum::<Decimal>();
        prop_assert_eq!(t.total, sum(|l| l.total));
        prop_assert_eq!(t.tax, sum(|l| l.tax));
        prop_assert_eq!(t.tax, t.taxes.iter().map(|x| x.tax).sum::<Decimal>());
        prop_assert_eq!(t.base + t.tax, t.total);
        let added: Decimal = t.taxes.iter().filter(|x| !x.inclusive).map(|x| x.tax).sum();
        prop_assert_eq!(t.total, t.subtotal - t.discounts + added);
        if let Discount::Amount(a) = discount {
            prop_assert_eq!(t.invoice_discount, a);
        }
        for l in &t.lines {
            prop_assert!(l.taxable >= Decimal::ZERO && l.tax >= Decimal::ZERO, "{:?}", l);
            for x in [l.gross, l.line_discount, l.invoice_discount, l.base, l.tax, l.total] {
                prop_assert_eq!(x, round(x, EUR));
            }
        }
    }
}

fn ledger(total: &str, paid: &str, refunded: &str, credited: &str) -> Ledger {
    Ledger {
        total: d(total),
        paid: d(paid),
        refunded: d(refunded),
        credited: d(credited),
        voided: false,
    }
}

#[test]
fn balance_and_state_follow_payments_refunds_and_credit_notes() {
    use InvoiceStatus::*;
    for (l, balance, status) in [
        (ledger("100.00", "0", "0", "0"), "100.00", Issued),
        (ledger("100.00", "40.00", "0", "0"), "60.00", PartiallyPaid),
        (ledger("100.00", "100.00", "0", "0"), "0", Paid),
        (
            ledger("100.00", "100.00", "30.00", "0"),
            "30.00",
            PartiallyPaid,
        ),
        (ledger("100.00", "100.00", "100.00", "0"), "100.00", Issued),
        (ledger("100.00", "0", "0", "100.00"), "0", Credited),
        (ledger("100.00", "50.00", "0", "50.00"), "0", Paid),
        // Credited after it was paid: the patient is owed 20.00 (refund or credit).
        (ledger("100.00", "100.00", "0", "20.00"), "-20.00", Paid),
        // An invoice for nothing (a 100 % discount) owes nothing: settled, not credited.
        (ledger("0", "0", "0", "0"), "0", Paid),
    ] {
        assert_eq!((l.balance(), l.status()), (d(balance), status), "{l:?}");
    }
    let void = Ledger {
        voided: true,
        ..ledger("100.00", "0", "0", "0")
    };
    assert_eq!((void.balance(), void.status()), (Decimal::ZERO, Void));
}

#[test]
fn payments_give_change_for_cash_and_keep_overpayments_only_as_credit() {
    use PaymentMethod::*;
    let owed = ledger("36.30", "0", "0", "0");
    let ok = |m, amount: &str, keep, credit: &str| {
        take_payment(&owed, m, d(amount), keep, d(credit))
            .map(|o| (o.applied, o.to_credit, o.change))
    };
    let triple = |a: &str, c: &str, ch: &str| Ok((d(a), d(c), d(ch)));
    assert_eq!(ok(Cash, "50.00", false, "0"), triple("36.30", "0", "13.70"));
    assert_eq!(ok(Cash, "50.00", true, "0"), triple("36.30", "13.70", "0"));
    assert_eq!(ok(Cash, "20.00", false, "0"), triple("20.00", "0", "0"));
    assert_eq!(ok(Card, "36.30", false, "0"), triple("36.30", "0", "0"));
    assert_eq!(ok(Card, "40.00", true, "0"), triple("36.30", "3.70", "0"));
    assert_eq!(
        ok(PatientCredit, "10.00", false, "15.00"),
        triple("10.00", "0", "0")
    );
    let refused = |m, amount: &str, keep, credit: &str| {
        take_payment(&owed, m, d(amount), keep, d(credit))
            .err()
            .map(|e| e.field)
    };
    assert_eq!(refused(Card, "40.00", false, "0"), Some("amount"));
    assert_eq!(refused(Insurance, "0", false, "0"), Some("amount"));
    assert_eq!(
        refused(PatientCredit, "20.00", false, "15.00"),
        Some("amount")
    );
    assert_eq!(
        refused(PatientCredit, "40.00", false, "50.00"),
        Some("amount")
    );
    let paid = ledger("36.30", "36.30", "0", "0");
    assert!(take_payment(&paid, Cash, d("1"), false, d("0")).is_err());

    assert!(check_refund(&paid, d("36.30")).is_ok());
    assert!(check_refund(&paid, d("36.31")).is_err());
    assert!(check_refund(&ledger("36.30", "36.30", "36.30", "0"), d("0.01")).is_err());
    assert!(check_credit_note(&paid, d("36.30")).is_ok());
    assert!(check_credit_note(&ledger("36.30", "0", "0", "30.00"), d("6.31")).is_err());
    assert!(check_void(&owed).is_ok());
    assert!(
        check_void(&paid).is_err(),
        "a paid invoice is credited, not voided"
    );
    assert!(check_void(&ledger("36.30", "10.00", "10.00", "0")).is_err());
}

#[test]
fn numbers_and_methods() {
    let k7 = crate::DeviceCode::parse("K7").unwrap();
    assert_eq!(invoice_number(k7, 2026, 45), "K7-2026-000045");
    assert_eq!(credit_note_number(k7, 2026, 3), "K7-CN-2026-000003");
    for (typed, method) in [
        ("cash", PaymentMethod::Cash),
        ("Card", PaymentMethod::Card),
        ("bank transfer", PaymentMethod::BankTransfer),
        ("insurance", PaymentMethod::Insurance),
        ("patient-credit", PaymentMethod::PatientCredit),
    ] {
        assert_eq!(typed.parse::<PaymentMethod>(), Ok(method));
    }
    assert_eq!(
        "cheque".parse::<PaymentMethod>().map_err(|e| e.field),
        Err("method")
    );
}

#[derive(Debug, Clone)]
enum Op {
    Pay(PaymentMethod, i64, bool),
    Refund(i64),
    Credit(i64),
    Void,
}

fn any_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (
            prop_oneof![
                Just(PaymentMethod::Cash),
                Just(PaymentMethod::Card),
                Just(PaymentMethod::Insurance)
            ],
            1..20_000i64,
            any::<bool>()
        )
            .prop_map(|(m, c, keep)| Op::Pay(m, c, keep)),
        (1..20_000i64).prop_map(Op::Refund),
        (1..20_000i64).prop_map(Op::Credit),
        Just(Op::Void),
    ]
}

proptest! {
    /// Any sequence of payments, refunds, credit notes and voids that the rules accept keeps
    /// the balance exactly total − credited − (paid − refunded), never lets more be kept than
    /// was owed, and never lets money vanish: what was handed over is applied, credited to
    /// the patient or given back as change.
    #[test]
    fn payments_and_credit_notes_never_make_a_balance_drift(
        total in 1..50_000i64,
        ops in proptest::collection::vec(any_op(), 0..25),
    ) {
        let mut l = Ledger { total: Decimal::new(total, 2), ..Ledger::default() };
        let mut handed = Decimal::ZERO;
        let mut accounted = Decimal::ZERO;
        for op in ops {
            match op {
                Op::Pay(m, c, keep) => {
                    let amount = Decimal::new(c, 2);
                    if let Ok(o) = take_payment(&l, m, amount, keep, Decimal::ZERO) {
                        handed += amount;
                        accounted += o.applied + o.to_credit + o.change;
                        l.paid += o.applied;
                    }
                }
                Op::Refund(c) => {
                    let amount = Decimal::new(c, 2);
                    if check_refund(&l, amount).is_ok() {
                        l.refunded += amount;
                    }
                }
                Op::Credit(c) => {
                    let amount = Decimal::new(c, 2);
                    if check_credit_note(&l, amount).is_ok() {
                        l.credited += amount;
                    }
                }
                Op::Void => {
                    if check_void(&l).is_ok() {
                        l.voided = true;
                    }
                }
            }
            prop_assert_eq!(handed, accounted);
            prop_assert!(l.refunded <= l.paid);
            prop_assert!(l.credited <= l.total);
            if !l.voided {
                prop_assert_eq!(l.balance(), l.total - l.credited - (l.paid - l.refunded));
                // Payments alone never take more than was owed.
                prop_assert!(l.paid - l.refunded <= l.total, "{:?}", l);
            } else {
                prop_assert!(l.paid.is_zero() && l.credited.is_zero());
            }
        }
    }
}

#[test]
fn minor_units_round_trip() {
    for (amount, currency, minor) in [
        ("12.50", EUR, 1250),
        ("0.01", EUR, 1),
        ("1500", JPY, 1500),
        ("1.234", BHD, 1234),
    ] {
        let m = Money::new(d(amount), currency);
        assert_eq!(m.to_minor(), Some(minor));
        assert_eq!(Money::from_minor(minor, currency), m);
    }
    let fractional = Money {
        amount: d("0.005"),
        currency: EUR,
    };
    assert_eq!(fractional.to_minor(), None);
}

#[test]
fn an_invoice_for_nothing_is_paid_not_credited() {
    let free = Ledger {
        total: Decimal::ZERO,
        ..Ledger::default()
    };
    assert_eq!(free.status(), InvoiceStatus::Paid);
    assert_eq!(free.balance(), Decimal::ZERO);
    let credited = Ledger {
        total: d("10"),
        credited: d("10"),
        ..Ledger::default()
    };
    assert_eq!(credited.status(), InvoiceStatus::Credited);
}

#[test]
fn amounts_past_a_billion_are_refused_before_any_arithmetic() {
    let e = Money::parse("unit_price", "99999999999999999999999999", EUR).unwrap_err();
    assert_eq!(e.field, "unit_price");
    assert!(e.reason.contains("1000000000"), "{e}");
    assert!(Money::parse("amount", "1000000000", EUR).is_ok());
    // The largest line there can be still adds up.
    let line = line("100000", "1000000000", Discount::None, tax("21", false));
    let t = totals(&[line], Discount::None, EUR).unwrap();
    assert_eq!(t.total, d("121000000000000"));
    assert!(Money::new(t.total, EUR).to_minor().is_some());
}
