//! Prescriptions written before the notation rules, or by an older desktop and pulled by sync,
//! as they sit in the store: read, shown, signed and printed in safe notation. (These write the
//! rows directly, which only the crate can.)

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use tend_domain::Entity;
use tend_domain::patients::PatientForm;
use tend_domain::prescriptions::prescription::{ItemForm, content_hash};
use tend_store::keyring::NoKeyring;
use tend_store::prescriptions::prescription_fields;
use tend_store::{AuditEntry, Outcome};

use super::{create_draft, get, print, sign};
use crate::chart::records;
use crate::clinic::{self, InitRequest};
use crate::clock::ManualClock;
use crate::patients::{self, OnDuplicates};
use crate::users::{self, NewUser};
use crate::{CoreError, Environment, Session, Tend, auth};

struct Desk {
    _dir: tempfile::TempDir,
    tend: Tend,
    doctor: Session,
    mrn: String,
}

fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
    ));
    let init = clinic::init(
        dir.path(),
        &InitRequest {
            clinic_name: "Clínica Sol",
            timezone: "Europe/Madrid",
            currency: "USD",
            device_name: "Front desk",
            admin_username: "admin",
            admin_display_name: "Admin",
            admin_password: "admin password 1",
            passphrase: "clinic passphrase 2026",
            units: "metric",
        },
        Environment {
            clock,
            keyring: Arc::new(NoKeyring),
        },
    )
    .unwrap();
    let tend = init.tend;
    let admin = auth::sign_in(&tend, "admin", "admin password 1").unwrap();
    users::add(
        &tend,
        &admin,
        &NewUser {
            username: "drana",
            display_name: "Dr. Ana",
            roles: "doctor",
            licence_number: "MD-1",
            password: "drana password 1",
        },
    )
    .unwrap();
    let doctor = auth::sign_in(&tend, "drana", "drana password 1").unwrap();
    let form = PatientForm {
        given_name: "Ana".into(),
        family_name: "García".into(),
        birth_date: "1979-05-01".into(),
        phones: vec!["600 111 222".into()],
        ..Default::default()
    };
    let mrn = patients::register(&tend, &doctor, &form, OnDuplicates::RegisterAnyway)
        .unwrap()
        .mrn;
    records::no_known_allergies(&tend, &doctor, &mrn).unwrap();
    Desk {
        _dir: dir,
        tend,
        doctor,
        mrn,
    }
}

fn warfarin() -> ItemForm {
    ItemForm {
        drug: "warfarin".into(),
        strength: "5 mg".into(),
        dose: "1 tablet".into(),
        frequency: "OD".into(),
        duration: "30".into(),
        ..ItemForm::default()
    }
}

/// Rewrites a prescription's stored items as an older desktop wrote them.
fn store_as_legacy(d: &Desk, id: uuid::Uuid, strength: &str, resign: bool) {
    let t = &d.tend;
    t.store()
        .write(t.ctx(Some(d.doctor.user_id())), |tx| {
            let mut rx = tx.read().prescription(id)?.unwrap();
            rx.items[0].strength = strength.into();
            rx.items[0].quantity_unit = "tabs".into();
            rx.items[0].instructions = Some("take QD, 1 cc water".into());
            if resign {
                rx.content_hash = Some(content_hash(&rx));
            }
            tx.update(Entity::Prescription, id, prescription_fields(&rx))?;
            tx.audit(AuditEntry::new("rx.edit", Outcome::Ok).record(Entity::Prescription, id))?;
            Ok::<_, CoreError>(())
        })
        .unwrap();
}

#[test]
fn a_draft_stored_in_unsafe_notation_is_read_shown_and_signed_in_safe_notation() {
    let d = desk();
    let t = &d.tend;
    let draft = create_draft(t, &d.doctor, &d.mrn, &[warfarin()]).unwrap();
    store_as_legacy(&d, draft.id, "5.0 mg", false);
    let shown = get(t, &d.doctor, &draft.id.to_string()).unwrap();
    assert_eq!(shown.items[0].title, "warfarin 5 mg tablet");
    assert_eq!(shown.items[0].strength, "5 mg");
    assert_eq!(shown.items[0].quantity, "30 (thirty) tabs");
    assert_eq!(
        shown.items[0].instructions.as_deref(),
        Some("take once a day, 1 mL water")
    );
    sign(t, &d.doctor, &draft.id.to_string(), &[]).unwrap();
    // What was signed is what is stored: in safe notation.
    let stored = t
        .store()
        .read(|r| r.prescription(draft.id))
        .unwrap()
        .unwrap();
    assert_eq!(stored.items[0].strength, "5 mg");
    assert_eq!(
        stored.items[0].instructions.as_deref(),
        Some("take once a day, 1 mL water")
    );
    assert!(stored.hash_holds());
}

#[test]
fn a_legacy_draft_in_a_strength_the_drug_does_not_come_in_is_refused_at_signing() {
    let d = desk();
    let t = &d.tend;
    let draft = create_draft(t, &d.doctor, &d.mrn, &[warfarin()]).unwrap();
    store_as_legacy(&d, draft.id, "7 mg", false);
    let e = sign(t, &d.doctor, &draft.id.to_string(), &[]).unwrap_err();
    assert_eq!(e.field(), Some("strength"));
    assert!(e.to_string().contains("item 1: warfarin comes in"), "{e}");
}

#[test]
fn a_prescription_signed_in_unsafe_notation_still_verifies_and_prints_in_safe_notation() {
    let d = desk();
    let t = &d.tend;
    let draft = create_draft(t, &d.doctor, &d.mrn, &[warfarin()]).unwrap();
    let signed = sign(t, &d.doctor, &draft.id.to_string(), &[]).unwrap();
    // As an older desktop signed it: its hash covers "5.0 mg".
    store_as_legacy(&d, signed.id, "5.0 mg", true);
    let shown = get(t, &d.doctor, &signed.id.to_string()).unwrap();
    assert_eq!(shown.items[0].title, "warfarin 5 mg tablet");
    let printed = print(t, &d.doctor, &signed.id.to_string()).unwrap();
    let text = pdf_text(&printed.pdf);
    assert!(text.contains("warfarin 5 mg tablet"), "{text}");
    assert!(text.contains("take once a day, 1 mL water"), "{text}");
    for banned in ["5.0", "QD", " cc "] {
        assert!(!text.contains(banned), "{banned:?} in {text}");
    }
    // Renewed, it is a draft in safe notation.
    let renewed = super::renew(t, &d.doctor, &signed.id.to_string()).unwrap();
    let stored = t
        .store()
        .read(|r| r.prescription(renewed.id))
        .unwrap()
        .unwrap();
    assert_eq!(stored.items[0].strength, "5 mg");
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rx.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
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
