//! Billing from a script: the admin's fee schedule, the desk's invoice from a visit, a cash
//! payment with change, the printed invoice and receipt read back, the close-out as JSON, and
//! what the desk may not do.

use std::path::Path;
use std::process::Command;

use crate::support::{add_user, as_admin, as_user, init, run};

/// The PDF's text, each laid-out line with its runs of spaces closed up.
fn pdf_rows(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh)");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_desk_invoices_a_visit_takes_cash_prints_and_closes_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_user(d, "rosa", "receptionist");
    add_user(d, "drana", "doctor");
    let admin = |args: &[&str]| run(as_admin(d).args(args));
    let rosa = |args: &[&str]| run(as_user(d, "rosa").args(args));
    let doctor = |args: &[&str]| run(as_user(d, "drana").args(args));

    admin(&["tax", "add", "VAT 21 %", "--percent", "21"]).ok();
    admin(&[
        "fee",
        "set",
        "cons",
        "--name",
        "General consultation",
        "--price",
        "60",
    ])
    .ok();
    admin(&[
        "fee",
        "set",
        "CERT",
        "--name",
        "Medical certificate",
        "--price",
        "20",
        "--tax",
        "VAT 21 %",
    ])
    .ok();
    admin(&[
        "clinic",
        "billing",
        "--locale",
        "es-ES",
        "--tax-id",
        "NIF B-12345678",
    ])
    .ok();
    // The desk reads the schedule but does not set it.
    let refused = rosa(&["fee", "set", "X", "--name", "x", "--price", "1"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("fee_schedule.edit"),
        "{}",
        refused.stderr
    );
    let list = rosa(&["fee", "list"]).ok();
    assert!(list.stdout.contains("CONS"), "{}", list.stdout);

    let mrn = rosa(&[
        "--json",
        "patient",
        "register",
        "--given",
        "Ana",
        "--family",
        "García-López",
        "--dob",
        "1979-05-02",
        "--phone",
        "600 123 456",
    ])
    .ok()
    .json()["mrn"]
        .as_str()
        .unwrap()
        .to_owned();
    let visit = doctor(&["--json", "visit", "start", &mrn, "--reason", "cough"])
        .ok()
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    doctor(&["service", "add", &visit, "CONS"]).ok();
    doctor(&["service", "add", &visit, "CERT"]).ok();

    let draft = rosa(&["--json", "invoice", "new", &mrn, "--visit", &visit])
        .ok()
        .json();
    assert_eq!(draft["lines"].as_array().unwrap().len(), 2);
    let id = draft["id"].as_str().unwrap().to_owned();
    rosa(&["invoice", "discount", &id, "10%"]).ok();
    let bad = rosa(&["invoice", "add", &id, "--description", "Home visit"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("Unit price: is required"),
        "{}",
        bad.stderr
    );
    let issued = rosa(&["--json", "invoice", "issue", &id]).ok().json();
    let number = issued["number"].as_str().unwrap().to_owned();
    // 60 + 20 less 10 % = 72, VAT 21 % on 18 = 3.78.
    assert_eq!(issued["total"], "75.78");

    let paid = rosa(&[
        "--json", "invoice", "pay", &number, "--method", "cash", "--amount", "100",
    ])
    .ok()
    .json();
    assert_eq!(paid["payment"]["change"], "24.22");
    assert_eq!(paid["invoice"]["status"], "paid");
    let receipt = paid["payment"]["number"].as_str().unwrap().to_owned();
    let human = rosa(&["invoice", "show", &number]).ok();
    assert!(
        human.stdout.contains("balance EUR 0.00"),
        "{}",
        human.stdout
    );

    let pdf = d.join(format!("{number}.pdf"));
    let printed = rosa(&["invoice", "print", &number, "--out", pdf.to_str().unwrap()]).ok();
    assert!(printed.stdout.contains("Printed"), "{}", printed.stdout);
    let text = pdf_rows(&pdf);
    for expected in [
        format!("No. {number}"),
        "Tax no. NIF B-12345678".to_owned(),
        "General consultation".to_owned(),
        "Total 75,78 €".to_owned(),
        "Balance due 0,00 €".to_owned(),
        "PAID".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} is not in:\n{text}");
    }
    let slip = d.join("receipt.pdf");
    rosa(&[
        "invoice",
        "receipt",
        &receipt,
        "--out",
        slip.to_str().unwrap(),
    ])
    .ok();
    let text = pdf_rows(&slip);
    assert!(text.contains("Cash handed over 100,00 €"), "{text}");
    assert!(text.contains("Change given 24,22 €"), "{text}");

    // Void and credit notes are the admin's.
    let denied = rosa(&["invoice", "credit", &number, "--reason", "goodwill"]);
    assert_eq!(denied.code, 1);

    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Madrid)
        .date_naive()
        .to_string();
    let day = rosa(&["--json", "closeout", &today]).ok().json();
    assert_eq!(day["date"], today.as_str());
    assert_eq!(day["cash_expected"], "75.78");
    assert_eq!(day["change_given"], "24.22");
    assert_eq!(day["invoices_issued"], 1);
    assert_eq!(day["methods"][0]["method"], "cash");
    let sheet = d.join("closeout.pdf");
    rosa(&["closeout", &today, "--out", sheet.to_str().unwrap()]).ok();
    assert!(pdf_rows(&sheet).contains("Expected cash: 75,78 €"));
    let bad = rosa(&["closeout", "yesterday"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("2026-11-24"), "{}", bad.stderr);
}
