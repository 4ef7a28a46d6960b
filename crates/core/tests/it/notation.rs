//! What doctors type and what prints: amounts in safe notation on every path (the draft, the
//! signed prescription, its PDF, the medication list and the chart summary), strengths a drug
//! really comes in, and error-prone abbreviations refused where they would be printed.

use tend_core::chart::records::{self, MedicationForm};
use tend_core::prescriptions::{self as rx};
use tend_core::{CoreError, audit, chart, clinic};
use tend_domain::prescriptions::prescription::ItemForm;

use crate::prescriptions::{item, practice};
use crate::support::pdf_text;

fn form(drug: &str, strength: &str, dose: &str, frequency: &str) -> ItemForm {
    item(drug, strength, dose, frequency)
}

/// Signs over every warning (the patient is on warfarin) and prints.
fn sign_and_print(
    p: &crate::prescriptions::Practice,
    items: &[ItemForm],
) -> (tend_core::api::RxDto, String) {
    let t = &p.c.tend;
    let draft = rx::create_draft(t, &p.doctor, &p.mrn, items).unwrap();
    let reasons = [("all".to_owned(), "reviewed with the patient".to_owned())];
    let signed = rx::sign(t, &p.doctor, &draft.id.to_string(), &reasons).unwrap();
    let printed = rx::print(t, &p.doctor, &signed.id.to_string()).unwrap();
    (signed, pdf_text(&printed.pdf))
}

#[test]
fn a_prescription_typed_with_every_error_prone_notation_prints_none_of_them() {
    let p = practice();
    let items = [
        // A trailing zero: read as 50 mg.
        ItemForm {
            quantity: "30.0".into(),
            ..form("digoxin", ".25 mg", "1.0 tab", "QD")
        },
        // A naked decimal, written in micrograms as the catalog has it.
        ItemForm {
            duration: String::new(),
            quantity: "28".into(),
            ..form("levothyroxine", "50 µg", "1 tab", "q.d.")
        },
        // A decimal comma with a trailing zero.
        form("alprazolam", "0,50 mg", "1 tablet", "QOD"),
        // Units written U and IU, and cc.
        ItemForm {
            form: "injection".into(),
            route: "SC".into(),
            duration: String::new(),
            quantity: "15 cc".into(),
            ..form("insulin-glargine", "100 U/mL", "10 IU", "HS")
        },
        ItemForm {
            form: "oral suspension".into(),
            quantity: "100 cc".into(),
            ..form("amoxicillin", "250mg/5cc", "5 cc", "t.i.d.")
        },
        ItemForm {
            form: "tablet".into(),
            duration: String::new(),
            quantity: "30".into(),
            ..form("cholecalciferol", "1000 IU", "1 tablet", "od")
        },
        form("warfarin", "5.0 mg", "1 tablet", "Q.D."),
    ];
    let (signed, text) = sign_and_print(&p, &items);
    let titles: Vec<&str> = signed.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "digoxin 250 mcg tablet",
            "levothyroxine 50 mcg tablet",
            "alprazolam 0.5 mg tablet",
            "insulin glargine 100 units/mL injection",
            "amoxicillin 250 mg/5 mL oral suspension",
            "colecalciferol (vitamin D3) 1000 units tablet",
            "warfarin 5 mg tablet",
        ]
    );
    for wanted in [
        "digoxin 250 mcg tablet",
        "Take 1 tablet by mouth once a day for 5 days.",
        "Quantity: 30 (thirty) tablets",
        "levothyroxine 50 mcg tablet",
        "alprazolam 0.5 mg tablet",
        "every other day",
        "insulin glargine 100 units/mL injection",
        "Inject 10 units by injection under the skin at bedtime.",
        "Quantity: 15 (fifteen) mL",
        "amoxicillin 250 mg/5 mL oral suspension",
        "Take 5 mL by mouth three times a day for 5 days.",
        "Quantity: 100 (one hundred) mL",
        "1000 units tablet",
        "warfarin 5 mg tablet",
    ] {
        assert!(text.contains(wanted), "{wanted:?} is missing from:\n{text}");
    }
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || ",;:()/".contains(c))
        .collect();
    for banned in [
        "QD", "qd", "q.d.", "Q.D.", "QOD", "U", "IU", "cc", "µg", "ug", "MS", "MSO4", "MgSO4",
        "HS", "SC", "t.i.d.",
    ] {
        assert!(!words.contains(&banned), "{banned:?} is printed:\n{text}");
    }
    // No number with a trailing zero after its decimal point, none without a zero before it.
    for w in &words {
        let w = w.trim_end_matches('.');
        if let Some((whole, fraction)) = w.split_once('.')
            && whole.chars().all(|c| c.is_ascii_digit())
            && !fraction.is_empty()
            && fraction.chars().all(|c| c.is_ascii_digit())
        {
            assert!(!whole.is_empty(), "{w:?} has no leading zero:\n{text}");
            assert!(
                !fraction.ends_with('0'),
                "{w:?} has a trailing zero:\n{text}"
            );
        }
        assert!(!w.contains(",5") && !w.contains(",25"), "{w:?}:\n{text}");
    }
    // The medication list and the chart summary say what the prescription says.
    let summary = chart::summary(&p.c.tend, &p.doctor, &p.mrn).unwrap();
    let doses: Vec<(String, Option<String>)> = summary
        .medications
        .iter()
        .map(|m| (m.drug.clone(), m.dose.clone()))
        .collect();
    for (drug, dose) in [
        ("digoxin", "250 mcg 1 tablet"),
        ("alprazolam", "0.5 mg 1 tablet"),
        ("insulin glargine", "100 units/mL 10 units"),
        ("warfarin", "5 mg 1 tablet"),
    ] {
        assert!(
            doses.contains(&(drug.to_owned(), Some(dose.to_owned()))),
            "{drug} {dose}: {doses:?}"
        );
    }
}

#[test]
fn a_strength_the_drug_does_not_come_in_is_refused_until_the_clinic_adds_it() {
    let p = practice();
    let t = &p.c.tend;
    let items = [
        item("paracetamol", "500 mg", "1 tablet", "q6h PRN"),
        item("warfarin", "7 mg", "1 tablet", "OD"),
    ];
    let refused = rx::create_draft(t, &p.doctor, &p.mrn, &items).unwrap_err();
    assert_eq!(refused.field(), Some("strength"));
    let message = refused.to_string();
    for wanted in [
        "item 2",
        "warfarin comes in 1 mg, 2 mg, 2.5 mg, 3 mg, 4 mg, 5 mg, 6 mg, 7.5 mg, 10 mg",
        "7 mg is not one of them",
    ] {
        assert!(message.contains(wanted), "{wanted:?}: {message}");
    }
    // The page is told which item and what is wrong apart from the message, so it never
    // cuts "strength: item 2: " off a sentence.
    let api = tend_core::api::ApiError::from(&refused);
    assert_eq!((api.field, api.item), (Some("strength"), Some(2)));
    let reason = api.text.reason.unwrap_or_default();
    assert!(reason.starts_with("warfarin comes in 1 mg"), "{reason}");
    // The same strength written another way is the same strength.
    let same = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("warfarin", "7.50 mg", "1 tablet", "OD")],
    )
    .unwrap();
    assert_eq!(same.items[0].strength, "7.5 mg");
    let micrograms = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("warfarin", "2500 mcg", "1 tablet", "OD")],
    )
    .unwrap();
    assert_eq!(
        micrograms.items[0].strength, "2.5 mg",
        "as the catalog writes it"
    );

    // A receptionist may not add a strength; a doctor may, once, and it is audited.
    assert!(matches!(
        rx::add_strength(t, &p.rosa, "warfarin", "7 mg"),
        Err(CoreError::Forbidden { .. })
    ));
    // The clinic writes decimal commas (es-ES, from its currency): a point could group
    // thousands.
    let bad = rx::add_strength(t, &p.doctor, "warfarin", "7.000 mg").unwrap_err();
    assert_eq!(bad.field(), Some("strength"));
    assert!(
        bad.to_string().contains("could be read as 7 or as 7000"),
        "{bad}"
    );
    let added = rx::add_strength(t, &p.doctor, "Warfarin", "7.0 mg").unwrap();
    assert_eq!(
        added.strengths,
        [
            "1 mg", "2 mg", "2.5 mg", "3 mg", "4 mg", "5 mg", "6 mg", "7 mg", "7.5 mg", "10 mg"
        ]
    );
    let again = rx::add_strength(t, &p.doctor, "warfarin", "7 mg").unwrap_err();
    assert!(
        again.to_string().contains("already comes in 7 mg"),
        "{again}"
    );
    let draft = rx::create_draft(t, &p.doctor, &p.mrn, &items).unwrap();
    assert_eq!(draft.items[1].title, "warfarin 7 mg tablet");
    let log = audit::search(
        t,
        &p.c.admin,
        &tend_core::api::forms::AuditSearch {
            from: String::new(),
            to: String::new(),
            user: String::new(),
            action: "drug.strength_add".into(),
            outcome: String::new(),
            before: None,
            limit: 10,
        },
    )
    .unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].user.as_deref(), Some("drana"));

    // A clinic's own drug: strengths in safe notation, the maximum too.
    let own = rx::add_clinic_drug(
        t,
        &p.doctor,
        &rx::ClinicDrugForm {
            generic: "compounded hydrocortisone",
            class: "corticosteroid",
            forms: "capsule",
            strengths: ".5 mg; 2,50 mg",
            routes: "oral",
            max_daily: "30.0 mg",
        },
    )
    .unwrap();
    assert_eq!(own.strengths, ["0.5 mg", "2.5 mg"]);
    assert_eq!(own.max_daily.as_deref(), Some("30 mg"));
}

#[test]
fn decimals_are_read_in_the_clinics_own_mark_and_never_a_separator_that_could_group_thousands() {
    let p = practice();
    let t = &p.c.tend;
    // A clinic in euros writes 0,5 (es-ES) until it chooses otherwise.
    let draft = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("alprazolam", "0,5 mg", "1 tablet", "OD")],
    )
    .unwrap();
    assert_eq!(draft.items[0].title, "alprazolam 0.5 mg tablet");
    let ambiguous = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("metformin", "1.000 mg", "1 tablet", "OD")],
    )
    .unwrap_err();
    assert_eq!(ambiguous.field(), Some("strength"));
    assert!(
        ambiguous
            .to_string()
            .contains("could be read as 1 or as 1000"),
        "{ambiguous}"
    );
    let own = rx::add_clinic_drug(
        t,
        &p.doctor,
        &rx::ClinicDrugForm {
            generic: "fórmula magistral",
            class: "other",
            forms: "capsule",
            strengths: "0,5 mg; 1,25 mg",
            routes: "oral",
            max_daily: "",
        },
    )
    .unwrap();
    assert_eq!(own.strengths, ["0.5 mg", "1.25 mg"]);

    // The same clinic in en-US: a point is decimal, a comma before three digits could group.
    clinic::update_billing_settings(
        t,
        &p.c.admin,
        &clinic::BillingSettingsForm {
            locale: "en-US",
            tax_id: "",
            invoice_footer: "",
        },
    )
    .unwrap();
    let ambiguous = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("metformin", "1,000 mg", "1 tablet", "OD")],
    )
    .unwrap_err();
    assert!(
        ambiguous
            .to_string()
            .contains("write 1000 (with no thousands separator)"),
        "{ambiguous}"
    );
    for typed in ["1000 mg", "1 g"] {
        let ok = rx::create_draft(
            t,
            &p.doctor,
            &p.mrn,
            &[item("metformin", typed, "1 tablet", "OD")],
        )
        .unwrap();
        assert_eq!(ok.items[0].strength, "1000 mg", "{typed}");
    }
    // A comma that cannot group thousands is still read as a decimal.
    let draft = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[item("alprazolam", "0,25 mg", "1 tablet", "OD")],
    )
    .unwrap();
    assert_eq!(draft.items[0].strength, "0.25 mg");
}

#[test]
fn error_prone_abbreviations_are_refused_where_they_would_be_printed_and_the_error_says_what_to_write()
 {
    let p = practice();
    let t = &p.c.tend;
    let cases = [
        (
            ItemForm {
                instructions: "take QD with food".into(),
                ..item("paracetamol", "500 mg", "1 tablet", "q6h PRN")
            },
            "instructions",
            "once a day",
        ),
        (
            ItemForm {
                instructions: "then .5 if needed".into(),
                ..item("paracetamol", "500 mg", "1 tablet", "q6h PRN")
            },
            "instructions",
            "0.5",
        ),
        (
            ItemForm {
                instructions: "then 1.000 mg".into(),
                ..item("paracetamol", "500 mg", "1 tablet", "q6h PRN")
            },
            "instructions",
            "could be read as 1 or as 1000",
        ),
        (
            ItemForm {
                quantity: "30.0".into(),
                ..item("MSO4 elixir", "10 mg/5 mL", "5 mL", "q4h PRN")
            },
            "drug",
            "morphine sulfate",
        ),
        (
            ItemForm {
                form: "tablet QD".into(),
                ..item("paracetamol", "500 mg", "1 tablet", "OD")
            },
            "form",
            "once a day",
        ),
        (
            item("paracetamol", "500 mg", "1 tablet", "sometimes"),
            "frequency",
            "BID",
        ),
        (
            item("paracetamol", "500 mgs tablets", "1 tablet", "OD"),
            "strength",
            "not a unit",
        ),
        (
            item("paracetamol", "500 mg", "1 spoon", "OD"),
            "dose",
            "not a unit",
        ),
        (
            ItemForm {
                quantity: "30 tabs q.d.".into(),
                ..item("paracetamol", "500 mg", "1 tablet", "OD")
            },
            "quantity",
            "once a day",
        ),
    ];
    for (form, field, words) in cases {
        let e = rx::create_draft(t, &p.doctor, &p.mrn, std::slice::from_ref(&form)).unwrap_err();
        assert_eq!(e.field(), Some(field), "{form:?}: {e}");
        assert!(e.to_string().contains(words), "{form:?}: {e}");
    }
    // Tidied, not refused: an amount with a unit written the unsafe way is rewritten.
    let tidy = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[ItemForm {
            instructions: "no more than 4.0 g a day".into(),
            quantity: "20 tabs".into(),
            ..item("paracetamol", "500 mg", "1 tablet", "q6h PRN")
        }],
    )
    .unwrap();
    assert_eq!(
        tidy.items[0].instructions.as_deref(),
        Some("no more than 4 g a day")
    );
    assert_eq!(tidy.items[0].quantity, "20 (twenty) tablets");
    let units = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[ItemForm {
            form: "injection".into(),
            route: "SC".into(),
            quantity: "3 x 100 U".into(),
            ..item("insulin-glargine", "100 IU/ml", "20 U", "QHS")
        }],
    )
    .unwrap();
    assert_eq!(units.items[0].quantity, "3 (three) x 100 units");
    let units = rx::create_draft(
        t,
        &p.doctor,
        &p.mrn,
        &[ItemForm {
            form: "injection".into(),
            route: "SC".into(),
            quantity: "1500 U".into(),
            ..item("insulin-glargine", "100 IU/ml", "20 U", "QHS")
        }],
    )
    .unwrap();
    assert_eq!(
        units.items[0].quantity,
        "1500 (one thousand five hundred) units"
    );
    assert_eq!(
        units.items[0].directions,
        "Inject 20 units by injection under the skin at bedtime for 5 days."
    );
}

#[test]
fn the_medication_list_records_doses_in_safe_notation() {
    let p = practice();
    let t = &p.c.tend;
    records::start_medication(
        t,
        &p.doctor,
        &p.mrn,
        &MedicationForm {
            drug: "levothyroxine",
            dose: ".1 mg",
            frequency: "qam",
            ..Default::default()
        },
    )
    .unwrap();
    let summary = chart::summary(t, &p.doctor, &p.mrn).unwrap();
    let levo = summary
        .medications
        .iter()
        .find(|m| m.drug == "levothyroxine")
        .unwrap();
    assert_eq!(levo.dose.as_deref(), Some("0.1 mg"));
    assert_eq!(levo.frequency.as_deref(), Some("every morning"));
}
