//! Prescribing through its use cases: drafts, the checks, signing over warnings with reasons,
//! cancelling, renewing, the medication list, the clinic's brands, and who may do what.

use tend_core::chart::records::{self, AllergyForm, MedicationForm};
use tend_core::patients::{self, OnDuplicates};
use tend_core::prescriptions::{self as rx};
use tend_core::users::{self, NewUser};
use tend_core::{CoreError, Session, audit, auth, chart, clinic};
use tend_domain::patients::PatientForm;
use tend_domain::prescriptions::prescription::ItemForm;
use tend_domain::prescriptions::{RxStatus, Severity, WarningKind};

use crate::support::{Clinic, clinic, pdf_text, person};

pub(crate) struct Practice {
    pub c: Clinic,
    pub doctor: Session,
    pub rosa: Session,
    pub mrn: String,
}

fn doctor(c: &Clinic, username: &str, licence: &str) -> Session {
    let password = format!("{username} password 1");
    users::add(
        &c.tend,
        &c.admin,
        &NewUser {
            username,
            display_name: username,
            roles: "doctor",
            licence_number: licence,
            password: &password,
        },
    )
    .unwrap();
    auth::sign_in(&c.tend, username, &password).unwrap()
}

/// A doctor with a licence, a receptionist, and a patient on warfarin with no known allergies.
pub(crate) fn practice() -> Practice {
    let c = clinic();
    let doctor = doctor(&c, "drana", "MD-28-04512");
    let rosa = person(&c, "rosa", "receptionist");
    let form = PatientForm {
        given_name: "José".into(),
        family_name: "Müller-Øster".into(),
        birth_date: "1950-03-14".into(),
        phones: vec!["600 111 222".into()],
        ..Default::default()
    };
    let mrn = patients::register(&c.tend, &rosa, &form, OnDuplicates::RegisterAnyway)
        .unwrap()
        .mrn;
    records::no_known_allergies(&c.tend, &doctor, &mrn).unwrap();
    records::start_medication(
        &c.tend,
        &doctor,
        &mrn,
        &MedicationForm {
            drug: "warfarin",
            dose: "5 mg",
            route: "oral",
            frequency: "once daily",
            started_on: "",
            indication: "atrial fibrillation",
        },
    )
    .unwrap();
    Practice {
        c,
        doctor,
        rosa,
        mrn,
    }
}

pub(crate) fn item(drug: &str, strength: &str, dose: &str, frequency: &str) -> ItemForm {
    ItemForm {
        drug: drug.into(),
        strength: strength.into(),
        form: "tablet".into(),
        dose: dose.into(),
        route: "PO".into(),
        frequency: frequency.into(),
        duration: "5 days".into(),
        ..ItemForm::default()
    }
}

#[test]
fn a_warning_blocks_signing_until_a_reason_is_given_and_the_reason_is_recorded() {
    let p = practice();
    let t = &p.c.tend;
    let draft = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("ibuprofen", "400 mg", "1 tablet", "TID")],
    )
    .unwrap();
    assert_eq!(draft.status, RxStatus::Draft);
    assert_eq!(draft.number, None);
    assert_eq!(
        draft.items[0].directions,
        "Take 1 tablet by mouth three times a day for 5 days."
    );
    assert_eq!(draft.items[0].quantity, "15 (fifteen) tablets");

    let warnings = rx::check_draft(t, &p.doctor, &draft.id.to_string()).unwrap();
    let interaction = warnings
        .iter()
        .find(|w| w.kind == WarningKind::Interaction)
        .unwrap();
    assert_eq!(interaction.severity, Severity::Major);
    assert!(
        interaction.message.contains("warfarin"),
        "{}",
        interaction.message
    );

    let id = draft.id.to_string();
    match rx::sign(t, &p.doctor, &id, &[]) {
        Err(CoreError::Warnings(list)) => assert!(list.iter().any(|w| w.key == interaction.key)),
        other => panic!("{other:?}"),
    }
    // A reason of a word or two is not enough.
    assert!(matches!(
        rx::sign(t, &p.doctor, &id, &[(interaction.key.clone(), "ok".into())]),
        Err(CoreError::Warnings(_))
    ));
    // Nor a page of text or a line break: the reason is a sentence kept in the audit log.
    for bad in ["why ".repeat(200), "checked\u{7}today".to_owned()] {
        let e = rx::sign(t, &p.doctor, &id, &[(interaction.key.clone(), bad)]).unwrap_err();
        assert_eq!(e.field(), Some("reason"));
    }
    let signed = rx::sign(
        t,
        &p.doctor,
        &id,
        &[(
            interaction.key.clone(),
            "INR checked today; 3 days only".into(),
        )],
    )
    .unwrap();
    assert_eq!(signed.status, RxStatus::Signed);
    let number = signed.number.clone().unwrap();
    assert!(number.ends_with("-RX-000001"), "{number}");
    assert_eq!(signed.overrides.len(), 1);
    assert_eq!(signed.overrides[0].reason, "INR checked today; 3 days only");
    assert_eq!(signed.prescriber_licence.as_deref(), Some("MD-28-04512"));

    // The item is on the medication list now.
    let summary = chart::summary(t, &p.doctor, &p.mrn).unwrap();
    assert!(
        summary.medications.iter().any(|m| m.drug == "ibuprofen"),
        "{:?}",
        summary.medications
    );

    // Frozen: no edits, no second signing; found by its number.
    assert!(
        rx::edit_draft(
            t,
            &p.doctor,
            &number,
            &[item("ibuprofen", "200 mg", "1 tablet", "TID")]
        )
        .is_err()
    );
    assert!(rx::sign(t, &p.doctor, &number, &[]).is_err());
    assert_eq!(
        rx::get(t, &p.doctor, &number.to_lowercase()).unwrap().id,
        signed.id
    );

    // Cancelled with a reason; renewed as a new draft.
    assert!(
        rx::cancel(t, &p.doctor, &number, "").is_err(),
        "a reason is required"
    );
    let cancelled = rx::cancel(t, &p.doctor, &number, "Switched to paracetamol").unwrap();
    assert_eq!(cancelled.status, RxStatus::Cancelled);
    assert!(rx::cancel(t, &p.doctor, &number, "again").is_err());
    let renewed = rx::renew(t, &p.doctor, &number).unwrap();
    assert_eq!(
        (renewed.status, renewed.renewed_from),
        (RxStatus::Draft, Some(signed.id))
    );
    assert_eq!(renewed.items, signed.items);
}

#[test]
fn paracetamol_for_the_patient_on_warfarin_signs_without_reasons_and_a_second_prescription_takes_the_next_number()
 {
    let p = practice();
    let t = &p.c.tend;
    let a = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("paracetamol", "500 mg", "1 tablet", "q6h prn")],
    )
    .unwrap();
    // Only a minor note (paracetamol above 2 g a day can raise the INR): no reason needed.
    let warnings = rx::check_draft(t, &p.doctor, &a.id.to_string()).unwrap();
    assert!(
        warnings.iter().all(|w| !w.severity.needs_override()),
        "{warnings:?}"
    );
    let a = rx::sign(t, &p.doctor, &a.id.to_string(), &[]).unwrap();
    let b = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("amlodipine", "5 mg", "1 tablet", "OD")],
    )
    .unwrap();
    let b = rx::sign(t, &p.doctor, &b.id.to_string(), &[]).unwrap();
    assert!(a.number.unwrap().ends_with("000001"));
    assert!(b.number.unwrap().ends_with("000002"));
}

#[test]
fn allergies_not_asked_is_a_warning_that_needs_a_reason() {
    let c = clinic();
    let doctor = doctor(&c, "drana", "MD-1");
    let form = PatientForm {
        given_name: "Zoë".into(),
        family_name: "Ørsted".into(),
        birth_date: "1990-01-01".into(),
        phones: vec!["600 333 444".into()],
        ..Default::default()
    };
    let mrn = patients::register(&c.tend, &doctor, &form, OnDuplicates::RegisterAnyway)
        .unwrap()
        .mrn;
    let draft = rx::create_draft(
        &c.tend,
        &doctor,
        &mrn,
        &[item("amoxicillin", "500 mg", "1 capsule", "TID")],
    )
    .unwrap();
    match rx::sign(&c.tend, &doctor, &draft.id.to_string(), &[]) {
        Err(CoreError::Warnings(list)) => assert_eq!(list[0].kind, WarningKind::AllergiesNotAsked),
        other => panic!("{other:?}"),
    }
    // With a penicillin allergy recorded, amoxicillin is a major warning.
    records::record_allergy(
        &c.tend,
        &doctor,
        &mrn,
        &AllergyForm {
            substance: "Penicillin",
            category: "",
            reaction: "hives",
            severity: "severe",
            note: "",
        },
    )
    .unwrap();
    let warnings = rx::check_draft(&c.tend, &doctor, &draft.id.to_string()).unwrap();
    assert_eq!(
        (warnings[0].kind, warnings[0].severity),
        (WarningKind::Allergy, Severity::Major)
    );
    assert!(warnings[0].message.contains("Penicillin") && warnings[0].message.contains("hives"));
}

#[test]
fn receptionists_print_signed_prescriptions_but_never_write_or_see_drafts_and_only_licensed_prescribers_sign()
 {
    let p = practice();
    let t = &p.c.tend;
    let items = [item("amlodipine", "5 mg", "1 tablet", "OD")];
    assert!(matches!(
        rx::create_draft(t, &p.rosa, &p.mrn, &items),
        Err(CoreError::Forbidden { .. })
    ));
    let draft = rx::create_draft(t, &p.doctor, &p.mrn, &items).unwrap();
    let id = draft.id.to_string();
    assert!(matches!(
        rx::get(t, &p.rosa, &id),
        Err(CoreError::Forbidden { .. })
    ));
    assert!(
        rx::list(t, &p.rosa, &p.mrn).unwrap().is_empty(),
        "drafts are not listed for the desk"
    );
    let nurse = person(&p.c, "nina", "nurse");
    assert!(matches!(
        rx::sign(t, &nurse, &id, &[]),
        Err(CoreError::Forbidden { .. })
    ));
    // A doctor without a licence number cannot sign, nor sign another doctor's draft.
    let unlicensed = doctor(&p.c, "drbo", "");
    let theirs = rx::create_draft(t, &unlicensed, &p.mrn, &items).unwrap();
    let refused = rx::sign(t, &unlicensed, &theirs.id.to_string(), &[]).unwrap_err();
    assert!(
        refused.user_message().contains("licence"),
        "{}",
        refused.user_message()
    );
    assert!(rx::sign(t, &p.doctor, &theirs.id.to_string(), &[]).is_err());

    let signed = rx::sign(t, &p.doctor, &id, &[]).unwrap();
    let printed = rx::print(t, &p.rosa, &signed.number.clone().unwrap()).unwrap();
    assert_eq!(printed.pages, 1);
    assert!(
        rx::print(t, &p.doctor, &theirs.id.to_string()).is_err(),
        "drafts are not printed"
    );
    let listed = rx::list(t, &p.rosa, &p.mrn).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, RxStatus::Signed);
    assert!(matches!(
        rx::cancel(t, &p.rosa, &id, "no"),
        Err(CoreError::Forbidden { .. })
    ));

    // Once an admin records the licence number, the doctor signs (and it is printed).
    assert!(matches!(
        users::set_licence(t, &p.doctor, "drbo", "MD-99"),
        Err(CoreError::Forbidden { .. })
    ));
    let bad = users::set_licence(t, &p.c.admin, "drbo", &"9".repeat(41)).unwrap_err();
    assert_eq!(bad.field(), Some("licence_number"));
    let updated = users::set_licence(t, &p.c.admin, "drbo", " MD-28-99999 ").unwrap();
    assert_eq!(updated.licence_number.as_deref(), Some("MD-28-99999"));
    let signed = rx::sign(t, &unlicensed, &theirs.id.to_string(), &[]).unwrap();
    assert_eq!(signed.prescriber_licence.as_deref(), Some("MD-28-99999"));
}

#[test]
fn merging_patients_moves_their_prescriptions_and_unmerging_moves_them_back() {
    let p = practice();
    let t = &p.c.tend;
    let form = PatientForm {
        given_name: "Jose".into(),
        family_name: "Muller Oster".into(),
        birth_date: "1950-03-14".into(),
        phones: vec!["600 111 222".into()],
        ..Default::default()
    };
    let twin = patients::register(t, &p.rosa, &form, OnDuplicates::RegisterAnyway)
        .unwrap()
        .mrn;
    records::no_known_allergies(t, &p.doctor, &twin).unwrap();
    let items = [item("paracetamol", "500 mg", "1 tablet", "TID")];
    let draft = rx::create_draft(t, &p.doctor, &twin, &items).unwrap();
    let signed = rx::sign(t, &p.doctor, &draft.id.to_string(), &[]).unwrap();
    let kept = rx::create_draft(t, &p.doctor, &p.mrn, &items).unwrap();

    patients::merge(t, &p.c.admin, &p.mrn, &twin).unwrap();
    let ids = |mrn: &str| -> Vec<_> {
        rx::list(t, &p.doctor, mrn)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect()
    };
    let moved = ids(&p.mrn);
    assert!(
        moved.contains(&signed.id) && moved.contains(&kept.id),
        "{moved:?}"
    );
    let after = rx::get(t, &p.rosa, &signed.id.to_string()).unwrap();
    assert_eq!(after.patient_mrn, p.mrn);
    // Still intact after the move: its content hash holds and it prints for the survivor.
    assert_eq!(after.number, signed.number);
    rx::print(t, &p.rosa, &signed.id.to_string()).unwrap();

    patients::unmerge(t, &p.c.admin, &twin).unwrap();
    assert_eq!(ids(&twin), [signed.id]);
    assert_eq!(ids(&p.mrn), [kept.id]);
}

#[test]
fn the_clinic_adds_brand_names_and_its_own_drugs() {
    let p = practice();
    let t = &p.c.tend;
    let brand = rx::add_brand(t, &p.doctor, "Nurofen", "ibuprofen").unwrap();
    assert_eq!(brand.brands, ["Nurofen"]);
    assert!(
        rx::add_brand(t, &p.doctor, "Nurofen", "paracetamol").is_err(),
        "a brand names one drug"
    );
    assert!(matches!(
        rx::add_brand(t, &p.rosa, "Calpol", "paracetamol"),
        Err(CoreError::Forbidden { .. })
    ));
    let hits = rx::search_drugs(t, &p.doctor, "nuro", 5).unwrap();
    assert_eq!(hits[0].generic, "ibuprofen");
    // Prescribed by brand, it is still ibuprofen and still meets warfarin.
    let draft = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("Nurofen", "400 mg", "1 tablet", "TID")],
    )
    .unwrap();
    assert_eq!(draft.items[0].drug, "ibuprofen");
    let warnings = rx::check_draft(t, &p.doctor, &draft.id.to_string()).unwrap();
    assert!(warnings.iter().any(|w| w.kind == WarningKind::Interaction));

    let own = rx::add_clinic_drug(
        t,
        &p.doctor,
        &rx::ClinicDrugForm {
            generic: "Magistral cream",
            class: "topical_other",
            forms: "cream",
            strengths: "30 g",
            routes: "topical",
            max_daily: "",
        },
    )
    .unwrap();
    assert!(own.clinic_added);
    let bad = rx::add_clinic_drug(
        t,
        &p.doctor,
        &rx::ClinicDrugForm {
            generic: "X",
            class: "wizardry",
            forms: "cream",
            strengths: "1 g",
            routes: "topical",
            max_daily: "",
        },
    )
    .unwrap_err();
    assert_eq!(bad.field(), Some("class"));
    let found = rx::search_drugs(t, &p.doctor, "magistral", 5).unwrap();
    assert_eq!(found[0].code, own.code);
}

#[test]
fn a_printed_prescription_carries_the_letterhead_the_patient_and_the_prescriber_and_every_print_is_audited()
 {
    let p = practice();
    let t = &p.c.tend;
    // The admin sets the letterhead; a receptionist may not.
    let form = clinic::LetterheadForm {
        address: "Calle Mayor 12\n28013 Madrid",
        phone: "+34 910 123 456",
        registration: "CIF B-12345678",
        paper: "a5",
    };
    assert!(matches!(
        clinic::update_letterhead(t, &p.rosa, &form),
        Err(CoreError::Forbidden { .. })
    ));
    let settings = clinic::update_letterhead(t, &p.c.admin, &form).unwrap();
    assert_eq!(settings.paper, "a5");
    let bad = clinic::update_letterhead(
        t,
        &p.c.admin,
        &clinic::LetterheadForm {
            paper: "b5",
            ..form
        },
    )
    .unwrap_err();
    assert_eq!(bad.field(), Some("paper"));
    let logo = clinic::set_logo(t, &p.c.admin, Some(b"not a picture")).unwrap_err();
    assert_eq!(logo.field(), Some("logo"));
    assert!(
        clinic::set_logo(t, &p.c.admin, Some(LOGO))
            .unwrap()
            .has_logo
    );

    let draft = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[
            item("paracetamol", "500 mg", "1 tablet", "q6h PRN"),
            item("omeprazole", "20 mg", "1 tablet", "OD"),
        ],
    )
    .unwrap();
    let signed = rx::sign(t, &p.doctor, &draft.id.to_string(), &[]).unwrap();
    let number = signed.number.clone().unwrap();
    let before = audit::verify(t, &p.c.admin).unwrap().verified;
    let printed = rx::print(t, &p.rosa, &number).unwrap();
    assert_eq!(printed.file_name, format!("{number}.pdf"));
    assert!(printed.pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&printed.pdf);
    for wanted in [
        "Clínica Sol",
        "Calle Mayor 12",
        "Tel. +34 910 123 456",
        "CIF B-12345678",
        &format!("No. {number}"),
        // The clinic pays in euros and has not chosen a locale: Spanish dates.
        "24 de noviembre de 2026",
        "José Müller-Øster",
        "Born 14 de marzo de 1950 (76 years)",
        "Allergies: none known",
        "paracetamol (acetaminophen) 500 mg tablet",
        "Take 1 tablet by mouth every 6 hours when needed for 5 days.",
        "omeprazole 20 mg tablet",
        "Quantity: 5 (five) tablets",
        "2 (two) items. Nothing follows.",
        "drana",
        "Licence no. MD-28-04512",
        "Signed electronically in Tend on 24 de noviembre de 2026 at 09:00.",
    ] {
        assert!(text.contains(wanted), "{wanted:?} is missing from:\n{text}");
    }
    // Printing again is a second audited print.
    rx::print(t, &p.doctor, &number).unwrap();
    // Two prints, and the first verification's own entry.
    assert_eq!(audit::verify(t, &p.c.admin).unwrap().verified, before + 3);
    let trail = audit::trail(t, &p.c.admin, signed.id).unwrap();
    let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["rx.draft", "rx.sign", "rx.print", "rx.print"]);
    let prints: Vec<_> = trail.iter().filter(|a| a.action == "rx.print").collect();
    assert_eq!(prints[0].user.as_deref(), Some("rosa"));
    assert_eq!(prints[1].user.as_deref(), Some("drana"));
    assert_eq!(prints[0].detail["number"], number.as_str());

    // A cancelled prescription is not printed again.
    rx::cancel(t, &p.doctor, &number, "wrong patient").unwrap();
    let refused = rx::print(t, &p.rosa, &number).unwrap_err();
    assert!(
        refused.user_message().contains("cancelled"),
        "{}",
        refused.user_message()
    );
}

const LOGO: &[u8] = include_bytes!("../../../print/tests/fixtures/logo.png");
