//! Prescribing from a script: the catalog, a draft with warnings, signing over them with
//! reasons, printing on the letterhead, cancelling and renewing; who may do which.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{add_user, as_admin, as_user, init, run, tend};

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/setup.sh)");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn page_size(path: &Path) -> String {
    let out = Command::new("pdfinfo").arg(path).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap()
        .trim()
        .to_owned()
}

const AMOXICILLIN: &str = "drug=amoxicillin; strength=500 mg; form=capsule; dose=1 capsule; \
                           route=PO; frequency=TID; duration=7 days; \
                           instructions=Finish the course";
const IBUPROFEN: &str = "drug=ibuprofen; strength=400 mg; form=tablet; dose=1 tablet; route=PO; frequency=q8h PRN; \
     duration=5";

#[test]
fn a_doctor_writes_checks_signs_over_warnings_and_the_desk_prints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    add_user(d, "rosa", "receptionist");
    add_user(d, "drana", "doctor");
    let doctor = |args: &[&str]| run(as_user(d, "drana").args(args));
    let rosa = |args: &[&str]| run(as_user(d, "rosa").args(args));
    let admin = |args: &[&str]| run(as_admin(d).args(args));

    let mrn = rosa(&[
        "--json",
        "patient",
        "register",
        "--given",
        "Nguyễn Thị",
        "--family",
        "Ánh",
        "--dob",
        "1958-02-03",
        "--phone",
        "600 123 456",
    ])
    .ok()
    .json()["mrn"]
        .as_str()
        .unwrap()
        .to_owned();
    doctor(&[
        "allergy",
        "add",
        &mrn,
        "--substance",
        "Penicillin",
        "--severity",
        "severe",
    ])
    .ok();
    doctor(&[
        "med",
        "start",
        &mrn,
        "--drug",
        "warfarin",
        "--dose",
        "5 mg",
        "--frequency",
        "OD",
    ])
    .ok();

    // The catalog, and its classes without signing in.
    let hits = doctor(&["--json", "drug", "search", "amoxi"]).ok().json();
    assert_eq!(hits[0]["generic"], "amoxicillin");
    let classes = run(tend(d).args(["drug", "classes"])).ok();
    assert!(classes.stdout.contains("penicillin"), "{}", classes.stdout);
    assert_eq!(
        rosa(&["drug", "search", "amoxi"]).code,
        1,
        "the desk does not prescribe"
    );

    // A bad item names the item and the key; nothing is written.
    let bad = doctor(&[
        "rx",
        "new",
        &mrn,
        "--item",
        AMOXICILLIN,
        "--item",
        "drug=x; colour=red",
    ]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("--item 2: \"colour\" is not an item key"),
        "{}",
        bad.stderr
    );

    let draft = doctor(&[
        "--json",
        "rx",
        "new",
        &mrn,
        "--item",
        AMOXICILLIN,
        "--item",
        IBUPROFEN,
    ])
    .ok()
    .json();
    let id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["status"], "draft");
    assert_eq!(
        draft["items"][0]["directions"],
        "Take 1 capsule by mouth three times a day for 7 days."
    );
    assert_eq!(draft["items"][0]["quantity"], "21 (twenty-one) capsules");

    let warnings = doctor(&["--json", "rx", "check", &id]).ok().json();
    let kinds: Vec<&str> = warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"allergy") && kinds.contains(&"interaction"),
        "{kinds:?}"
    );
    let human = doctor(&["rx", "check", &id]).ok();
    assert!(human.stdout.contains("needs a reason"), "{}", human.stdout);

    // No licence number yet: refused, with what to do.
    let refused = doctor(&["rx", "sign", &id]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("licence number"),
        "{}",
        refused.stderr
    );
    admin(&["user", "licence", "drana", "MD-28/12345"]).ok();

    // Without reasons: exit 5, each warning with its key, nothing signed.
    let refused = doctor(&["rx", "sign", &id]);
    assert_eq!(refused.code, 5, "{refused:?}");
    for w in warnings.as_array().unwrap() {
        if w["severity"] != "minor" {
            let key = w["key"].as_str().unwrap();
            assert!(refused.stderr.contains(key), "{key} in {}", refused.stderr);
        }
    }
    let reasons: Vec<String> = warnings
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["severity"] != "minor")
        .map(|w| {
            format!(
                "--reason={}=Discussed with the patient; monitored",
                w["key"].as_str().unwrap()
            )
        })
        .collect();
    let mut args = vec!["--json", "rx", "sign", id.as_str()];
    args.extend(reasons.iter().map(String::as_str));
    let signed = doctor(&args).ok().json();
    let number = signed["number"].as_str().unwrap().to_owned();
    assert!(number.contains("-RX-"), "{number}");
    assert_eq!(signed["overrides"].as_array().unwrap().len(), reasons.len());

    // The desk lists and prints it; the PDF says what the paper must.
    let listed = rosa(&["--json", "rx", "list", &mrn]).ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let pdf = d.join("rx.pdf");
    let printed = rosa(&["rx", "print", &number, "--out", pdf.to_str().unwrap()]).ok();
    assert!(printed.stdout.contains("(1 page)"), "{}", printed.stdout);
    let text = pdf_text(&pdf);
    for wanted in [
        "Clínica Sol",
        "Nguyễn Thị Ánh",
        "Born 3 de febrero de 1958",
        "Allergies: Penicillin (severe)",
        "amoxicillin 500 mg capsule",
        "Quantity: 21 (twenty-one) capsules",
        "Note for the patient: Finish the course",
        "ibuprofen 400 mg tablet",
        "drana",
        "Licence no. MD-28/12345",
        &number,
    ] {
        assert!(text.contains(wanted), "{wanted:?} is missing from {text}");
    }
    assert!(
        page_size(&pdf).starts_with("595.276 x 841.89"),
        "A4 by default"
    );

    // The admin sets the letterhead and A5; the next print uses them.
    admin(&[
        "clinic",
        "letterhead",
        "--address",
        "Calle Mayor 12",
        "--address",
        "28013 Madrid",
        "--phone",
        "+34 910 123 456",
        "--registration",
        "CIF B-12345678",
        "--paper",
        "a5",
    ])
    .ok();
    let logo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../print/tests/fixtures/logo.png"
    );
    admin(&["clinic", "logo", logo]).ok();
    let not_image = admin(&["clinic", "logo", pdf.to_str().unwrap()]);
    assert_eq!(not_image.code, 1);
    assert!(
        not_image.stderr.contains("PNG or JPEG"),
        "{}",
        not_image.stderr
    );
    assert_eq!(rosa(&["clinic", "letterhead", "--paper", "a4"]).code, 1);
    let shown = admin(&["--json", "clinic", "show"]).ok().json();
    assert_eq!(shown["paper"], "a5");
    assert_eq!(shown["has_logo"], true);
    assert_eq!(shown["address"], "Calle Mayor 12\n28013 Madrid");
    rosa(&["rx", "print", &number, "--out", pdf.to_str().unwrap()]).ok();
    assert!(page_size(&pdf).starts_with("419.528 x 595.276"), "A5");
    assert!(pdf_text(&pdf).contains("Tel. +34 910 123 456 · CIF B-12345678"));

    // The desk cannot write; the doctor cancels and renews.
    assert_eq!(rosa(&["rx", "new", &mrn, "--item", IBUPROFEN]).code, 1);
    let cancelled = doctor(&["rx", "cancel", &number, "--reason", "Wrong strength"]).ok();
    assert!(
        cancelled.stdout.contains("CANCELLED"),
        "{}",
        cancelled.stdout
    );
    let again = rosa(&["rx", "print", &number, "--out", pdf.to_str().unwrap()]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("cancelled"), "{}", again.stderr);
    let renewed = doctor(&["--json", "rx", "renew", &number]).ok().json();
    assert_eq!(renewed["status"], "draft");
    assert_eq!(renewed["renewed_from"], signed["id"]);

    // Every print is in the prescription's audit trail.
    let trail = admin(&["--json", "audit", "trail", signed["id"].as_str().unwrap()])
        .ok()
        .json();
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["rx.draft", "rx.sign", "rx.print", "rx.print", "rx.cancel"]
    );
}

#[test]
fn a_prescription_prints_to_stdout_for_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d);
    run(as_admin(d)
        .env("TEND_NEW_PASSWORD", "drbo password 1")
        .args(["user", "add", "drbo", "--name", "Dr Bo", "--role", "doctor"])
        .args(["--licence", "MD-1"]))
    .ok();
    let doctor = |args: &[&str]| run(as_user(d, "drbo").args(args));
    let mrn = doctor(&[
        "--json",
        "patient",
        "register",
        "--given",
        "Zoë",
        "--family",
        "Ørsted",
        "--dob",
        "2001-05-06",
        "--phone",
        "600 000 001",
    ])
    .ok()
    .json()["mrn"]
        .as_str()
        .unwrap()
        .to_owned();
    doctor(&["allergy", "none", &mrn]).ok();
    let draft: Value = doctor(&["--json", "rx", "new", &mrn, "--item", IBUPROFEN])
        .ok()
        .json();
    let signed = doctor(&["--json", "rx", "sign", draft["id"].as_str().unwrap()])
        .ok()
        .json();
    let out = Command::new(crate::support::bin())
        .env("TEND_KEYRING", "off")
        .env("TEND_PASSPHRASE", crate::support::PASSPHRASE)
        .env("TEND_PASSWORD", "drbo password 1")
        .arg("--data-dir")
        .arg(d)
        .args(["--user", "drbo", "rx", "print"])
        .arg(signed["number"].as_str().unwrap())
        .args(["--out", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.starts_with(b"%PDF-"));
}
