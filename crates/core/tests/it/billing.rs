//! Billing through its use cases: the fee schedule, invoices from a visit, issuing under the
//! desk's series, payments with change and credit, refunds, voids, credit notes, balances,
//! statements, the close-out, who may do what, and the printed documents read back.

use chrono::Duration;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;
use tend_core::billing::fees::{self, FeeForm, TaxRateForm};
use tend_core::billing::invoices::{self, LineForm};
use tend_core::billing::payments::{self, PaymentForm, RefundForm};
use tend_core::billing::{printing, reports};
use tend_core::chart::visits;
use tend_core::clinic::{self, BillingSettingsForm};
use tend_core::patients::{self, OnDuplicates};
use tend_core::{CoreError, Session};
use tend_domain::Action;
use tend_domain::patients::PatientForm;

use crate::support::{Clinic, clinic, pdf_rows, person};

struct Desk {
    c: Clinic,
    doctor: Session,
    rosa: Session,
    mrn: String,
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn register(c: &Clinic, who: &Session, given: &str, family: &str) -> String {
    let form = PatientForm {
        given_name: given.into(),
        family_name: family.into(),
        birth_date: "1979-05-02".into(),
        phones: vec!["600 123 456".into()],
        ..Default::default()
    };
    patients::register(&c.tend, who, &form, OnDuplicates::RegisterAnyway)
        .unwrap()
        .mrn
}

/// A clinic with VAT 21 % (added), IGIC 7 % (included), a fee schedule, a doctor, a
/// receptionist and one patient.
fn desk() -> Desk {
    let c = clinic();
    let doctor = person(&c, "drana", "doctor");
    let rosa = person(&c, "rosa", "receptionist");
    for (name, percent, inclusive) in [("VAT 21 %", "21", false), ("IGIC 7 %", "7", true)] {
        fees::add_tax_rate(
            &c.tend,
            &c.admin,
            &TaxRateForm {
                name,
                percent,
                inclusive,
            },
        )
        .unwrap();
    }
    for (code, name, kind, price, tax) in [
        ("CONS", "General consultation", "service", "60", "none"),
        ("ECG", "Electrocardiogram", "service", "35,50", "none"),
        ("CERT", "Medical certificate", "service", "20", "VAT 21 %"),
        ("BAND", "Elastic bandage", "item", "4.28", "IGIC 7 %"),
    ] {
        fees::save_fee(
            &c.tend,
            &c.admin,
            &FeeForm {
                code,
                name,
                kind,
                price,
                tax,
            },
        )
        .unwrap();
    }
    let mrn = register(&c, &rosa, "Ana", "García-López");
    Desk {
        c,
        doctor,
        rosa,
        mrn,
    }
}

fn fee(code: &str) -> LineForm<'_> {
    LineForm {
        code: Some(code),
        ..LineForm::default()
    }
}

fn cash(amount: &str) -> PaymentForm<'_> {
    PaymentForm {
        method: "cash",
        amount,
        keep_as_credit: false,
        reference: "",
        note: "",
    }
}

/// A draft with `codes`, issued.
fn issued(t: &Desk, codes: &[&str]) -> tend_core::api::InvoiceDto {
    let draft = invoices::create(&t.c.tend, &t.rosa, &t.mrn, None).unwrap();
    for code in codes {
        invoices::add_line(&t.c.tend, &t.rosa, &draft.id.to_string(), &fee(code)).unwrap();
    }
    invoices::issue(&t.c.tend, &t.rosa, &draft.id.to_string()).unwrap()
}

fn refused_field(e: CoreError) -> Option<&'static str> {
    match e {
        CoreError::Refused { field, .. } => field,
        CoreError::Validation(v) => Some(v.field),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_visit_becomes_a_draft_with_its_services_and_is_issued_under_the_desks_series() {
    let t = desk();
    let visit = visits::start(&t.c.tend, &t.doctor, &t.mrn, "cough", None, None).unwrap();
    let v = visit.id.to_string();
    fees::add_visit_service(&t.c.tend, &t.doctor, &v, "cons", "").unwrap();
    let services = fees::add_visit_service(&t.c.tend, &t.doctor, &v, "ECG", "1").unwrap();
    assert_eq!(services.len(), 2);
    assert_eq!(services[1].name, "Electrocardiogram");
    // Receptionists do not record clinical services.
    assert!(matches!(
        fees::add_visit_service(&t.c.tend, &t.rosa, &v, "ECG", "1"),
        Err(CoreError::Forbidden { .. })
    ));

    // The front desk cannot read the visit's note but sees it to bill it.
    assert!(visits::list(&t.c.tend, &t.rosa, &t.mrn, 10, 0).is_err());
    let billable = invoices::billable_visits(&t.c.tend, &t.rosa, &t.mrn).unwrap();
    assert_eq!(
        (
            billable.len(),
            billable[0].services,
            billable[0].invoice.as_deref()
        ),
        (1, 2, None)
    );

    let draft = invoices::create(&t.c.tend, &t.rosa, &t.mrn, Some(&v)).unwrap();
    assert_eq!(draft.status, "draft");
    let billable = invoices::billable_visits(&t.c.tend, &t.rosa, &t.mrn).unwrap();
    assert_eq!(billable[0].invoice.as_deref(), Some("draft"));
    assert_eq!(draft.number, None);
    assert!(draft.editable_here);
    let codes: Vec<_> = draft
        .lines
        .iter()
        .map(|l| l.code.clone().unwrap())
        .collect();
    assert_eq!(codes, ["CONS", "ECG"]);
    assert_eq!(draft.total, d("95.50"));
    // Asking again gives the same draft, not a second one.
    let again = invoices::create(&t.c.tend, &t.rosa, &t.mrn, Some(&v)).unwrap();
    assert_eq!(again.id, draft.id);

    let id = draft.id.to_string();
    invoices::set_discount(&t.c.tend, &t.rosa, &id, "10%").unwrap();
    let issued = invoices::issue(&t.c.tend, &t.rosa, &id).unwrap();
    let code = clinic::settings(&t.c.tend, &t.c.admin).unwrap().device_code;
    assert_eq!(
        issued.number.as_deref(),
        Some(&*format!("{code}-2026-000001"))
    );
    assert_eq!(issued.status, "issued");
    let billable = invoices::billable_visits(&t.c.tend, &t.rosa, &t.mrn).unwrap();
    assert_eq!(billable[0].invoice, issued.number);
    assert_eq!(issued.total, d("85.95"));
    assert_eq!(issued.balance, d("85.95"));
    assert!(!issued.editable_here);

    // Issued means frozen: no edits, no deleting, and the visit takes no more services.
    let e = invoices::add_line(&t.c.tend, &t.rosa, &id, &fee("CERT")).unwrap_err();
    assert!(e.to_string().contains("credit note"), "{e}");
    assert!(invoices::delete_draft(&t.c.tend, &t.rosa, &id).is_err());
    let e = fees::add_visit_service(&t.c.tend, &t.doctor, &v, "CERT", "1").unwrap_err();
    assert!(e.to_string().contains("already invoiced"), "{e}");
    let e = invoices::create(&t.c.tend, &t.rosa, &t.mrn, Some(&v)).unwrap_err();
    assert_eq!(refused_field(e), Some("visit"));

    // A price change later never reaches the issued invoice.
    fees::save_fee(
        &t.c.tend,
        &t.c.admin,
        &FeeForm {
            code: "CONS",
            name: "General consultation",
            kind: "service",
            price: "75",
            tax: "",
        },
    )
    .unwrap();
    let after = invoices::get(&t.c.tend, &t.rosa, issued.number.as_deref().unwrap()).unwrap();
    assert_eq!(after.lines[0].unit_price, d("60"));
    assert_eq!(after.total, d("85.95"));
}

#[test]
fn numbers_run_without_gaps_when_drafts_are_deleted_and_lines_say_what_is_wrong() {
    let t = desk();
    let first = issued(&t, &["CONS"]);
    let thrown = invoices::create(&t.c.tend, &t.rosa, &t.mrn, None).unwrap();
    invoices::add_line(&t.c.tend, &t.rosa, &thrown.id.to_string(), &fee("ECG")).unwrap();
    invoices::delete_draft(&t.c.tend, &t.rosa, &thrown.id.to_string()).unwrap();
    assert!(invoices::get(&t.c.tend, &t.rosa, &thrown.id.to_string()).is_err());
    // An empty draft cannot be issued, and trying uses no number.
    let empty = invoices::create(&t.c.tend, &t.rosa, &t.mrn, None).unwrap();
    let e = invoices::issue(&t.c.tend, &t.rosa, &empty.id.to_string()).unwrap_err();
    assert_eq!(refused_field(e), Some("lines"));
    let second = issued(&t, &["ECG"]);
    let n = |i: &tend_core::api::InvoiceDto| i.number.clone().unwrap();
    assert!(n(&first).ends_with("-2026-000001"), "{}", n(&first));
    assert!(n(&second).ends_with("-2026-000002"), "{}", n(&second));

    let id = empty.id.to_string();
    let bad = |line: LineForm<'_>| {
        refused_field(invoices::add_line(&t.c.tend, &t.rosa, &id, &line).unwrap_err())
    };
    assert_eq!(bad(fee("NOPE")), Some("code"));
    assert_eq!(
        bad(LineForm {
            description: Some("Home visit"),
            ..LineForm::default()
        }),
        Some("unit_price")
    );
    assert_eq!(
        bad(LineForm {
            code: Some("CONS"),
            quantity: "-1",
            ..LineForm::default()
        }),
        Some("quantity")
    );
    assert_eq!(
        bad(LineForm {
            code: Some("CONS"),
            discount: Some("150%"),
            ..LineForm::default()
        }),
        Some("discount")
    );
    assert_eq!(
        bad(LineForm {
            code: Some("CONS"),
            unit_price: Some("12.345"),
            ..LineForm::default()
        }),
        Some("unit_price")
    );
    assert_eq!(
        bad(LineForm {
            code: Some("CONS"),
            tax: Some("VAT 99 %"),
            ..LineForm::default()
        }),
        Some("tax")
    );
    invoices::add_line(&t.c.tend, &t.rosa, &id, &fee("CONS")).unwrap();
    let e = invoices::set_discount(&t.c.tend, &t.rosa, &id, "80").unwrap_err();
    assert_eq!(refused_field(e), Some("invoice_discount"));
    // A line typed by hand, with its own price and tax.
    let typed = invoices::add_line(
        &t.c.tend,
        &t.rosa,
        &id,
        &LineForm {
            description: Some("Home visit supplement"),
            quantity: "2",
            unit_price: Some("12,50"),
            tax: Some("vat 21 %"),
            ..LineForm::default()
        },
    )
    .unwrap();
    assert_eq!(typed.lines[1].totals.tax, d("5.25"));
    assert_eq!(typed.total, d("90.25"));
    let removed = invoices::remove_line(&t.c.tend, &t.rosa, &id, 1).unwrap();
    assert_eq!(removed.lines.len(), 1);
    assert_eq!(removed.lines[0].line, 1);
    let e = invoices::remove_line(&t.c.tend, &t.rosa, &id, 5).unwrap_err();
    assert_eq!(refused_field(e), Some("line"));
}

#[test]
fn cash_gives_change_overpayments_become_credit_and_credit_pays_the_next_invoice() {
    let t = desk();
    let inv = issued(&t, &["CONS", "CERT"]); // 60 + 20 + 4.20 VAT
    assert_eq!(inv.total, d("84.20"));
    let n = inv.number.clone().unwrap();

    let part = payments::pay(&t.c.tend, &t.rosa, &n, &cash("50")).unwrap();
    assert_eq!(part.invoice.status, "partially_paid");
    assert_eq!(part.invoice.balance, d("34.20"));
    assert!(
        part.payment.number.contains("-R-2026-"),
        "{}",
        part.payment.number
    );

    // A card for more than the balance is refused unless the rest is kept as credit.
    let over = PaymentForm {
        method: "card",
        amount: "40",
        keep_as_credit: false,
        reference: "slip 0042",
        note: "",
    };
    let e = payments::pay(&t.c.tend, &t.rosa, &n, &over).unwrap_err();
    assert_eq!(refused_field(e), Some("amount"));
    let kept = payments::pay(
        &t.c.tend,
        &t.rosa,
        &n,
        &PaymentForm {
            keep_as_credit: true,
            ..over
        },
    )
    .unwrap();
    assert_eq!(kept.payment.amount, d("34.20"));
    assert_eq!(kept.payment.to_credit, d("5.80"));
    assert_eq!(kept.invoice.status, "paid");
    assert_eq!(kept.invoice.balance, d("0"));
    assert_eq!(kept.invoice.patient_credit, d("5.80"));
    // Nothing is owed now.
    assert!(payments::pay(&t.c.tend, &t.rosa, &n, &cash("1")).is_err());

    // The next invoice: credit first, then cash with change.
    let next = issued(&t, &["ECG"]);
    let m = next.number.clone().unwrap();
    let credit = PaymentForm {
        method: "patient credit",
        ..cash("5.80")
    };
    let e = payments::pay(
        &t.c.tend,
        &t.rosa,
        &m,
        &PaymentForm {
            amount: "6",
            ..credit
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("credit"), "{e}");
    let used = payments::pay(&t.c.tend, &t.rosa, &m, &credit).unwrap();
    assert_eq!(used.invoice.balance, d("29.70"));
    assert_eq!(used.invoice.patient_credit, d("0"));
    let change = payments::pay(&t.c.tend, &t.rosa, &m, &cash("50")).unwrap();
    assert_eq!(change.payment.amount, d("29.70"));
    assert_eq!(change.payment.tendered, Some(d("50")));
    assert_eq!(change.payment.change, d("20.30"));
    assert_eq!(change.invoice.status, "paid");

    let balance = reports::balance(&t.c.tend, &t.rosa, &t.mrn).unwrap();
    assert_eq!((balance.owed, balance.credit), (d("0"), d("0")));
}

#[test]
fn refunds_voids_and_credit_notes_are_the_admins_and_follow_the_rules() {
    let t = desk();
    let a = issued(&t, &["CONS"]);
    let an = a.number.clone().unwrap();
    payments::pay(&t.c.tend, &t.rosa, &an, &cash("60")).unwrap();

    let refund = RefundForm {
        method: "cash",
        amount: "20",
        reason: "charged twice for the certificate",
    };
    assert!(matches!(
        payments::refund(&t.c.tend, &t.rosa, &an, &refund),
        Err(CoreError::Forbidden {
            action: Action::PaymentRefund
        })
    ));
    assert!(matches!(
        payments::void(&t.c.tend, &t.rosa, &an, "wrong patient"),
        Err(CoreError::Forbidden { .. })
    ));
    assert!(matches!(
        payments::credit_note(&t.c.tend, &t.rosa, &an, "10", "goodwill"),
        Err(CoreError::Forbidden { .. })
    ));
    // Paid invoices are not voided: they are corrected by a credit note.
    let e = payments::void(&t.c.tend, &t.c.admin, &an, "wrong patient").unwrap_err();
    assert!(e.to_string().contains("credit note"), "{e}");
    let credited =
        payments::credit_note(&t.c.tend, &t.c.admin, &an, "15", "senior discount").unwrap();
    assert!(credited.credit_note.number.contains("-CN-2026-000001"));
    assert_eq!(credited.invoice.balance, d("-15"));
    let e = payments::credit_note(&t.c.tend, &t.c.admin, &an, "46", "too much").unwrap_err();
    assert_eq!(refused_field(e), Some("amount"));
    // The 15 paid over is given back: more than was paid is refused.
    let e = payments::refund(
        &t.c.tend,
        &t.c.admin,
        &an,
        &RefundForm {
            amount: "61",
            ..refund
        },
    )
    .unwrap_err();
    assert_eq!(refused_field(e), Some("amount"));
    let back = payments::refund(
        &t.c.tend,
        &t.c.admin,
        &an,
        &RefundForm {
            amount: "15",
            ..refund
        },
    )
    .unwrap();
    assert_eq!(back.invoice.balance, d("0"));
    assert_eq!(back.invoice.status, "paid");

    // An unpaid invoice is voided; then it takes nothing.
    let b = issued(&t, &["ECG"]);
    let bn = b.number.clone().unwrap();
    let void = payments::void(&t.c.tend, &t.c.admin, &bn, "issued to the wrong patient").unwrap();
    assert_eq!(void.status, "void");
    assert_eq!(void.balance, d("0"));
    assert!(payments::pay(&t.c.tend, &t.rosa, &bn, &cash("5")).is_err());
    assert!(payments::void(&t.c.tend, &t.c.admin, &bn, "again").is_err());
    assert!(
        reports::unpaid(&t.c.tend, &t.rosa, None)
            .unwrap()
            .is_empty()
    );

    // A refund of a patient's credit is the admin's too, and never more than the credit.
    let c = issued(&t, &["CERT"]);
    let cn = c.number.clone().unwrap();
    payments::pay(
        &t.c.tend,
        &t.rosa,
        &cn,
        &PaymentForm {
            keep_as_credit: true,
            ..cash("30")
        },
    )
    .unwrap();
    let credit = RefundForm {
        method: "cash",
        amount: "6",
        reason: "patient asked for it back",
    };
    let e = payments::refund_credit(&t.c.tend, &t.c.admin, &t.mrn, &credit).unwrap_err();
    assert_eq!(refused_field(e), Some("amount"));
    payments::refund_credit(
        &t.c.tend,
        &t.c.admin,
        &t.mrn,
        &RefundForm {
            amount: "5.80",
            ..credit
        },
    )
    .unwrap();
    let balance = reports::balance(&t.c.tend, &t.rosa, &t.mrn).unwrap();
    assert_eq!(balance.credit, d("0"));
}

#[test]
fn the_closeout_counts_the_day_by_method_and_by_user() {
    let t = desk();
    let nina = person(&t.c, "nina", "receptionist");
    let a = issued(&t, &["CONS"]).number.unwrap();
    let b = issued(&t, &["ECG"]).number.unwrap();
    payments::pay(&t.c.tend, &t.rosa, &a, &cash("100")).unwrap(); // 60 kept, 40 change
    payments::pay(
        &t.c.tend,
        &nina,
        &b,
        &PaymentForm {
            method: "card",
            ..cash("35.50")
        },
    )
    .unwrap();
    payments::refund(
        &t.c.tend,
        &t.c.admin,
        &a,
        &RefundForm {
            method: "cash",
            amount: "10",
            reason: "overcharged",
        },
    )
    .unwrap();
    // Tomorrow's payment is not today's.
    let c = issued(&t, &["CERT"]).number.unwrap();
    t.c.clock.advance(Duration::days(1));
    payments::pay(&t.c.tend, &t.rosa, &c, &cash("24.20")).unwrap();

    let day = reports::closeout(&t.c.tend, &t.rosa, "2026-11-24", None).unwrap();
    let methods: Vec<_> = day
        .methods
        .iter()
        .map(|m| (m.method, m.payments, m.received, m.refunds, m.refunded))
        .collect();
    assert_eq!(
        methods,
        [
            ("cash", 1, d("60"), 1, d("10")),
            ("card", 1, d("35.50"), 0, d("0")),
        ]
    );
    assert_eq!(day.cash_expected, d("50"));
    assert_eq!(day.change_given, d("40"));
    assert_eq!(day.total_received, d("95.50"));
    assert_eq!(day.net, d("85.50"));
    assert_eq!(day.invoices_issued, 3);
    assert_eq!(day.invoiced, d("119.70"));
    assert_eq!(day.transactions.len(), 3);

    let ninas = reports::closeout(&t.c.tend, &t.rosa, "2026-11-24", Some("nina")).unwrap();
    assert_eq!(ninas.user.as_deref(), Some("nina"));
    assert_eq!(ninas.total_received, d("35.50"));
    assert_eq!(ninas.invoices_issued, 0);
    let next = reports::closeout(&t.c.tend, &t.rosa, "today", None).unwrap();
    assert_eq!(next.total_received, d("24.20"));
    assert!(matches!(
        reports::closeout(&t.c.tend, &t.doctor, "today", None),
        Err(CoreError::Forbidden { .. })
    ));
    let e = reports::closeout(&t.c.tend, &t.rosa, "24/11/2026", None).unwrap_err();
    assert_eq!(refused_field(e), Some("date"));
}

#[test]
fn the_statement_carries_the_balance_forward_and_adds_up() {
    let t = desk();
    let a = issued(&t, &["CONS"]).number.unwrap();
    payments::pay(&t.c.tend, &t.rosa, &a, &cash("20")).unwrap();
    t.c.clock.advance(Duration::days(10));
    let b = issued(&t, &["ECG", "BAND"]).number.unwrap();
    payments::credit_note(&t.c.tend, &t.c.admin, &b, "5", "bandage returned").unwrap();

    let all = reports::statement(&t.c.tend, &t.rosa, &t.mrn, "2026-11-01", "").unwrap();
    assert_eq!(all.opening, d("0"));
    let kinds: Vec<_> = all.entries.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["invoice", "payment", "invoice", "credit_note"]);
    // 60 − 20 + (35.50 + 4.28) − 5
    assert_eq!(all.closing, d("74.78"));
    let balance = reports::balance(&t.c.tend, &t.rosa, &t.mrn).unwrap();
    assert_eq!(balance.owed, all.closing);
    assert_eq!(all.unpaid.len(), 2);

    let later = reports::statement(&t.c.tend, &t.rosa, &t.mrn, "2026-11-30", "2026-12-31").unwrap();
    assert_eq!(later.opening, d("40"));
    assert_eq!(later.entries.len(), 2);
    assert_eq!(later.closing, d("74.78"));
    let e = reports::statement(&t.c.tend, &t.rosa, &t.mrn, "2026-12-31", "2026-11-01").unwrap_err();
    assert_eq!(refused_field(e), Some("from"));
}

#[test]
fn the_fee_schedule_is_the_admins_and_tax_rates_in_use_stay() {
    let t = desk();
    let e = fees::save_fee(
        &t.c.tend,
        &t.rosa,
        &FeeForm {
            code: "X",
            name: "x",
            kind: "service",
            price: "1",
            tax: "",
        },
    )
    .unwrap_err();
    assert!(matches!(
        e,
        CoreError::Forbidden {
            action: Action::FeeScheduleEdit
        }
    ));
    let e = fees::archive_tax_rate(&t.c.tend, &t.c.admin, "vat 21 %").unwrap_err();
    assert!(e.to_string().contains("CERT"), "{e}");
    let bad = |form: FeeForm<'_>| {
        refused_field(fees::save_fee(&t.c.tend, &t.c.admin, &form).unwrap_err())
    };
    let ok = FeeForm {
        code: "VAC-FLU",
        name: "Flu vaccine",
        kind: "item",
        price: "18",
        tax: "",
    };
    assert_eq!(bad(FeeForm { code: "a b", ..ok }), Some("code"));
    assert_eq!(bad(FeeForm { price: "-3", ..ok }), Some("price"));
    assert_eq!(
        bad(FeeForm {
            kind: "thing",
            ..ok
        }),
        Some("kind")
    );
    assert_eq!(bad(FeeForm { tax: "GST", ..ok }), Some("tax"));
    fees::save_fee(&t.c.tend, &t.c.admin, &ok).unwrap();
    fees::archive_fee(&t.c.tend, &t.c.admin, "vac-flu").unwrap();
    let codes: Vec<_> = fees::schedule(&t.c.tend, &t.rosa, false)
        .unwrap()
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["BAND", "CERT", "CONS", "ECG"]);
    let all = fees::schedule(&t.c.tend, &t.rosa, true).unwrap();
    assert!(all.iter().any(|f| f.code == "VAC-FLU" && f.archived));
}

#[test]
fn printed_invoice_receipt_statement_and_closeout_read_back_in_the_clinics_locale() {
    let t = desk();
    clinic::update_billing_settings(
        &t.c.tend,
        &t.c.admin,
        &BillingSettingsForm {
            locale: "es-ES",
            tax_id: "NIF B-12345678",
            invoice_footer: "Pay by transfer to ES12 3456 7890 1234 5678 9012 within 30 days.",
        },
    )
    .unwrap();
    let draft = invoices::create(&t.c.tend, &t.rosa, &t.mrn, None).unwrap();
    let id = draft.id.to_string();
    for code in ["CONS", "CERT", "BAND"] {
        invoices::add_line(&t.c.tend, &t.rosa, &id, &fee(code)).unwrap();
    }
    invoices::add_line(
        &t.c.tend,
        &t.rosa,
        &id,
        &LineForm {
            description: Some("Dressing, large"),
            quantity: "3",
            unit_price: Some("1234,5"),
            discount: Some("10%"),
            ..LineForm::default()
        },
    )
    .unwrap();
    let preview = printing::print_invoice(&t.c.tend, &t.rosa, &id).unwrap();
    assert!(pdf_rows(&preview.pdf).contains("DRAFT: not a valid invoice"));
    let inv = invoices::issue(&t.c.tend, &t.rosa, &id).unwrap();
    let number = inv.number.clone().unwrap();
    let paid = payments::pay(&t.c.tend, &t.rosa, &number, &cash("200")).unwrap();

    let pdf = printing::print_invoice(&t.c.tend, &t.rosa, &number).unwrap();
    assert_eq!(pdf.file_name, format!("{number}.pdf"));
    let text = pdf_rows(&pdf.pdf);
    for expected in [
        "Clínica Sol",
        "Invoice",
        &format!("No. {number}"),
        "Date 24 de noviembre de 2026",
        "Tax no. NIF B-12345678",
        "Bill to",
        "Ana García-López",
        "General consultation",
        "Medical certificate",
        "Elastic bandage",
        "Dressing, large",
        // 3 × 1 234,50 less 10 %, in Spanish figures: CLDR groups no four-digit amount
        "3333,15 €",
        "-10 %",
        "VAT 21 % on 20,00 € 4,20 €",
        "IGIC 7 %, included, on 4,00 € 0,28 €",
        "Total 3421,63 €",
        "Paid -200,00 €",
        "Balance due 3221,63 €",
        &paid.payment.number,
        "Pay by transfer to ES12",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in: {text}");
    }

    let receipt = printing::print_receipt(&t.c.tend, &t.rosa, &paid.payment.number).unwrap();
    let text = pdf_rows(&receipt.pdf);
    for expected in [
        "Receipt",
        &format!("Invoice {number}"),
        "Method: cash",
        "Taken by rosa",
        "Paid on the invoice 200,00 €",
        "Balance still due 3221,63 €",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in: {text}");
    }

    let statement = printing::print_statement(&t.c.tend, &t.rosa, &t.mrn, "", "").unwrap();
    let text = pdf_rows(&statement.pdf);
    for expected in [
        "Statement of account",
        "1 de noviembre de 2026 to 24 de noviembre de 2026",
        "Balance brought",
        "Balance due 3221,63 €",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in: {text}");
    }

    let closeout = printing::print_closeout(&t.c.tend, &t.rosa, "today", None).unwrap();
    let text = pdf_rows(&closeout.pdf);
    for expected in [
        "Daily close-out",
        "All users",
        "Expected cash: 200,00 €",
        "Money in and out",
        "Ana García-López",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in: {text}");
    }

    // Prints are in the audit log, under what was printed.
    let trail = tend_core::audit::trail(&t.c.tend, &t.c.admin, inv.id).unwrap();
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "invoice.create",
            "invoice.edit",
            "invoice.edit",
            "invoice.edit",
            "invoice.edit",
            "invoice.print",
            "invoice.issue",
            "invoice.print"
        ]
    );
    let trail = tend_core::audit::trail(&t.c.tend, &t.c.admin, paid.payment.id).unwrap();
    assert!(trail.iter().any(|e| e.action == "receipt.print"));
}

#[test]
fn no_sequence_of_payments_refunds_and_credit_notes_makes_a_balance_drift() {
    let t = desk();
    let mut runner = TestRunner::new(Config {
        cases: 8,
        ..Config::default()
    });
    // (kind, amount in cents): 0 pay cash, 1 pay card (kept as credit if over), 2 refund,
    // 3 credit note.
    let steps = prop::collection::vec((0..4u8, 1..15_000i64), 1..10);
    runner
        .run(&steps, |steps| {
            let inv = issued(&t, &["CONS", "CERT", "BAND"]);
            let n = inv.number.clone().unwrap();
            for (kind, cents) in steps {
                let amount = Decimal::new(cents, 2).to_string();
                // Refusals are fine (too much, nothing owed): what matters is the books after.
                let _ = match kind {
                    0 => payments::pay(&t.c.tend, &t.rosa, &n, &cash(&amount)).map(drop),
                    1 => payments::pay(
                        &t.c.tend,
                        &t.rosa,
                        &n,
                        &PaymentForm {
                            method: "card",
                            keep_as_credit: true,
                            ..cash(&amount)
                        },
                    )
                    .map(drop),
                    2 => payments::refund(
                        &t.c.tend,
                        &t.c.admin,
                        &n,
                        &RefundForm {
                            method: "card",
                            amount: &amount,
                            reason: "test",
                        },
                    )
                    .map(drop),
                    _ => {
                        payments::credit_note(&t.c.tend, &t.c.admin, &n, &amount, "test").map(drop)
                    }
                };
                let now = invoices::get(&t.c.tend, &t.rosa, &n).unwrap();
                let kept: Decimal = now
                    .payments
                    .iter()
                    .map(|p| if p.is_refund() { -p.amount } else { p.amount })
                    .sum();
                let credited: Decimal = now.credit_notes.iter().map(|c| c.amount).sum();
                prop_assert_eq!(now.total, inv.total);
                prop_assert_eq!(now.balance, now.total - credited - kept);
                prop_assert!(kept >= Decimal::ZERO, "more refunded than paid");
                prop_assert!(credited <= now.total, "more credited than invoiced");
                prop_assert!(
                    now.balance >= -kept,
                    "a balance owed back beyond what was paid"
                );
            }
            // Everything the patient owes, three ways, agrees.
            let statement =
                reports::statement(&t.c.tend, &t.rosa, &t.mrn, "2026-01-01", "").unwrap();
            let owed: Decimal = invoices::list(&t.c.tend, &t.rosa, &t.mrn)
                .unwrap()
                .iter()
                .map(|i| i.balance)
                .sum();
            prop_assert_eq!(statement.closing, owed);
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_currency_cannot_change_once_there_are_invoices() {
    let t = desk();
    let form = |currency| clinic::SettingsForm {
        name: "Clínica Sol",
        timezone: "Europe/Madrid",
        currency,
        units: "metric",
    };
    // Even a draft holds amounts in the clinic's currency: the change is refused.
    invoices::create(&t.c.tend, &t.rosa, &t.mrn, None).unwrap();
    let e = clinic::update_settings(&t.c.tend, &t.c.admin, &form("USD")).unwrap_err();
    assert_eq!(refused_field(e), Some("currency"));
    // The rest of the settings still change.
    clinic::update_settings(&t.c.tend, &t.c.admin, &form("EUR")).unwrap();
    // An amount no clinic types is refused by name, before any arithmetic.
    let draft = invoices::create(&t.c.tend, &t.rosa, &t.mrn, None).unwrap();
    let e = invoices::add_line(
        &t.c.tend,
        &t.rosa,
        &draft.id.to_string(),
        &LineForm {
            code: Some("CONS"),
            quantity: "100000",
            unit_price: Some("99999999999999999999"),
            ..LineForm::default()
        },
    )
    .unwrap_err();
    assert_eq!(refused_field(e), Some("unit_price"));
}
