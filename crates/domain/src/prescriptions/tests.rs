//! Prescribing's rules as tables: items, signing, the content hash and the checks, over the
//! embedded catalog.

use chrono::{NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::checks::{CheckInput, WarningKind, check};
use super::prescription::{ItemForm, Prescription, RxStatus, content_hash};
use super::sig::{Dose, Frequency, Strength, figures_and_words, parse_route, words};
use super::{DecimalMark, Item, Severity, shipped};
use crate::chart::{
    AllergyCategory, AllergyList, AllergyView, MedicationView, Severity as AllergySeverity, Status,
};
use crate::ids::UserId;
use crate::patients::PatientId;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// `"amoxicillin 500 mg, 1 capsule TID"`-like items: drug, strength, dose, frequency.
fn item(drug: &str, strength: &str, dose: &str, frequency: &str) -> Item {
    ItemForm {
        drug: drug.into(),
        strength: strength.into(),
        form: String::new(),
        dose: dose.into(),
        route: String::new(),
        frequency: frequency.into(),
        duration: "7".into(),
        quantity: "30".into(),
        refills: String::new(),
        instructions: String::new(),
    }
    .validate_lenient()
}

impl ItemForm {
    /// For tests: the first form and route when the catalog offers several.
    fn validate_lenient(mut self) -> Item {
        let catalog = shipped();
        if let Some(d) = catalog
            .get(&self.drug)
            .or_else(|| catalog.resolve(&self.drug))
        {
            if self.form.is_empty() {
                self.form = d.forms[0].clone();
            }
            if self.route.is_empty() {
                self.route = d.routes[0].clone();
            }
        } else {
            self.form = "tablet".into();
            self.route = "oral".into();
        }
        self.validate(catalog, DecimalMark::Point)
            .unwrap_or_else(|e| panic!("{}: {} {}", self.drug, e.field, e.reason))
    }
}

fn allergy(substance: &str) -> AllergyView {
    AllergyView {
        id: Uuid::now_v7(),
        substance: substance.into(),
        substance_code: None,
        category: AllergyCategory::Medication,
        reaction: Some("rash".into()),
        severity: AllergySeverity::Moderate,
        note: None,
        status: Status::Active,
        recorded_at: Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
        recorded_by: UserId::new(),
    }
}

fn medication(drug: &str) -> MedicationView {
    MedicationView {
        id: Uuid::now_v7(),
        drug: drug.into(),
        drug_code: None,
        dose: None,
        route: None,
        frequency: None,
        started_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        last_changed_on: None,
        stopped_on: None,
        stop_reason: None,
        indication: None,
        status: Status::Active,
    }
}

struct Patient {
    allergies: AllergyList,
    medications: Vec<MedicationView>,
    birth: NaiveDate,
    weight: Option<(u32, NaiveDate)>,
}

fn adult() -> Patient {
    Patient {
        allergies: AllergyList::NoneKnown {
            since: Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
        },
        medications: Vec::new(),
        birth: NaiveDate::from_ymd_opt(1970, 5, 1).unwrap(),
        weight: None,
    }
}

fn warnings(p: &Patient, items: &[Item]) -> Vec<(WarningKind, Severity, String)> {
    check(&CheckInput {
        catalog: shipped(),
        items,
        allergies: &p.allergies,
        medications: &p.medications,
        birth_date: p.birth,
        latest_weight: p.weight,
        today: today(),
    })
    .into_iter()
    .inspect(|w| {
        // A key is typed after --reason in a shell: nothing that needs quoting.
        assert!(
            w.key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":._+-".contains(c)),
            "{:?}",
            w.key
        );
    })
    .map(|w| (w.kind, w.severity, w.message))
    .collect()
}

#[test]
fn the_catalog_has_at_least_300_drugs_and_every_reference_resolves() {
    let catalog = super::catalog::Catalog::parse().unwrap();
    assert!(catalog.len() >= 300, "{}", catalog.len());
    assert!(catalog.interactions.len() >= 60);
    for d in catalog.drugs() {
        assert!(
            !d.forms.is_empty() && !d.strengths.is_empty() && !d.routes.is_empty(),
            "{}",
            d.code
        );
        for r in &d.routes {
            parse_route(r).unwrap_or_else(|e| panic!("{}: {}", d.code, e.reason));
        }
    }
    // The ONC high-priority pairs (Phansalkar et al., JAMIA 2012) are all there.
    let onc: std::collections::BTreeSet<u8> =
        catalog.interactions.iter().filter_map(|r| r.onc).collect();
    assert_eq!(onc.len(), 15, "{onc:?}");
}

#[test]
fn drugs_are_found_by_generic_name_alternative_name_brand_and_prefix() {
    let catalog = shipped();
    assert_eq!(
        catalog.resolve("Amoxicillin 500 mg capsules").unwrap().code,
        "amoxicillin"
    );
    assert_eq!(
        catalog.resolve("acetaminophen").unwrap().code,
        "paracetamol"
    );
    assert_eq!(catalog.resolve("Albuterol").unwrap().code, "salbutamol");
    assert!(catalog.resolve("unobtainium").is_none());
    let hits: Vec<_> = catalog
        .search("amox", 5)
        .into_iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(hits[0], "amoxicillin");
    assert!(hits.contains(&"amoxicillin-clavulanate"));
    let with_brand = super::catalog::Catalog::with_clinic(
        Vec::new(),
        &[("Augmentin".into(), "amoxicillin-clavulanate".into())],
        &[],
    );
    assert_eq!(
        with_brand.resolve("augmentin").unwrap().code,
        "amoxicillin-clavulanate"
    );
    assert_eq!(
        with_brand.search("augm", 3)[0].code,
        "amoxicillin-clavulanate"
    );
}

#[test]
fn frequencies_read_the_common_abbreviations_and_write_them_out() {
    let cases = [
        ("OD", "OD", Some(1.0), "once a day"),
        ("bid", "BID", Some(2.0), "twice a day"),
        ("T.I.D.", "TID", Some(3.0), "three times a day"),
        ("qid", "QID", Some(4.0), "four times a day"),
        ("q8h", "Q8H", Some(3.0), "every 8 hours"),
        ("q 6 h", "Q6H", Some(4.0), "every 6 hours"),
        ("every 12 hours", "Q12H", Some(2.0), "every 12 hours"),
        ("qhs", "QHS", Some(1.0), "at bedtime"),
        ("q6h PRN", "Q6H PRN", Some(4.0), "every 6 hours when needed"),
        ("PRN", "PRN", None, "when needed"),
        ("weekly", "WEEKLY", Some(1.0 / 7.0), "once a week"),
        ("once", "ONCE", Some(1.0), "once only"),
        ("3 times a day", "3X", Some(3.0), "three times a day"),
    ];
    for (typed, code, per_day, text) in cases {
        let f: Frequency = typed
            .parse()
            .unwrap_or_else(|e: crate::ValidationError| panic!("{typed}: {}", e.reason));
        assert_eq!(f.code, code, "{typed}");
        assert_eq!(f.words, text, "{typed}");
        let got = f.per_day.map(|d| d.to_string().parse::<f64>().unwrap());
        match (got, per_day) {
            (Some(g), Some(w)) => assert!((g - w).abs() < 1e-6, "{typed}: {g}"),
            (g, w) => assert_eq!(g, w, "{typed}"),
        }
    }
    for bad in ["sometimes", "q0h", "q100h", ""] {
        assert!(bad.parse::<Frequency>().is_err(), "{bad}");
    }
}

#[test]
fn doses_strengths_and_quantities_are_read_and_written_in_words() {
    assert_eq!(Dose::parse("1 tab").unwrap().words(), "1 tablet");
    assert_eq!(Dose::parse("2 puffs").unwrap().words(), "2 puffs");
    assert_eq!(Dose::parse("½ tablet").unwrap().words(), "0.5 tablet");
    assert_eq!(Dose::parse("500mg").unwrap().words(), "500 mg");
    assert_eq!(Dose::parse("5 ml").unwrap().unit, "mL");
    assert_eq!(Dose::parse("3 spoons").unwrap_err().field, "dose");
    assert_eq!(Dose::parse("0 mg").unwrap_err().field, "dose");
    let liquid = Strength::parse("250 mg/5 mL").unwrap();
    let amount = Dose::parse("10 mL")
        .unwrap()
        .amount_of_drug(Some(liquid))
        .unwrap();
    assert_eq!(amount.to_string(), "500 mg");
    let combo = Strength::parse("875 mg/125 mg").unwrap();
    assert_eq!(
        Dose::parse("1 tablet")
            .unwrap()
            .amount_of_drug(Some(combo))
            .unwrap()
            .to_string(),
        "875 mg"
    );
    assert_eq!(
        Strength::parse("400 mg/57 mg per 5 mL").unwrap().per_ml,
        Some(Decimal::from(5))
    );
    assert!(Strength::parse("25 mcg/h").is_none());
    assert_eq!(words(21), "twenty-one");
    assert_eq!(words(1500), "one thousand five hundred");
    assert_eq!(words(0), "zero");
    assert_eq!(
        figures_and_words(Decimal::new(25, 1)),
        "2.5 (two and a half)"
    );
    let amox = item("amoxicillin", "500 mg", "1 capsule", "TID");
    assert_eq!(
        amox.directions(),
        "Take 1 capsule by mouth three times a day for 7 days."
    );
    assert_eq!(amox.quantity_words(), "30 (thirty) capsules");
    assert_eq!(amox.refills_words(), "No refills");
    let inhaler = ItemForm {
        drug: "salbutamol".into(),
        strength: "100 mcg/puff".into(),
        form: "inhaler".into(),
        dose: "2 puffs".into(),
        route: "inh".into(),
        frequency: "q4h prn".into(),
        quantity: "1 inhaler".into(),
        refills: "2".into(),
        ..ItemForm::default()
    }
    .validate(shipped(), DecimalMark::Point)
    .unwrap();
    assert_eq!(
        inhaler.directions(),
        "Inhale 2 puffs by inhalation every 4 hours when needed."
    );
    assert_eq!(inhaler.refills_words(), "2 (two) refills");
}

#[test]
fn item_fields_are_checked_and_errors_name_the_field() {
    let catalog = shipped();
    let base = ItemForm {
        drug: "amoxicillin".into(),
        strength: "500 mg".into(),
        form: "capsule".into(),
        dose: "1 capsule".into(),
        route: "PO".into(),
        frequency: "TID".into(),
        duration: "5 days".into(),
        ..ItemForm::default()
    };
    let ok = base.validate(catalog, DecimalMark::Point).unwrap();
    assert_eq!(
        (ok.quantity, ok.quantity_unit.as_str()),
        (Decimal::from(15), "capsules"),
        "worked out"
    );
    type Breaker = fn(&mut ItemForm);
    let cases: [(Breaker, &str); 8] = [
        (|f| f.drug.clear(), "drug"),
        (|f| f.strength.clear(), "strength"),
        (|f| f.dose = "lots".into(), "dose"),
        (|f| f.route = "by osmosis".into(), "route"),
        (|f| f.frequency = "whenever".into(), "frequency"),
        (|f| f.duration = "forever".into(), "duration"),
        (|f| f.refills = "12".into(), "refills"),
        (
            |f| {
                f.duration.clear();
                f.quantity.clear();
            },
            "quantity",
        ),
    ];
    // Numbers that would overflow when multiplied out are refused, not wrapped round.
    for duration in [
        "4294967295 weeks",
        "613566757 weeks",
        "143165577 months",
        "99999999999",
    ] {
        let form = ItemForm {
            duration: duration.into(),
            ..base.clone()
        };
        assert_eq!(
            form.validate(catalog, DecimalMark::Point)
                .unwrap_err()
                .field,
            "duration",
            "{duration}"
        );
    }
    for (break_it, field) in cases {
        let mut form = base.clone();
        break_it(&mut form);
        assert_eq!(
            form.validate(catalog, DecimalMark::Point)
                .unwrap_err()
                .field,
            field
        );
    }
    // A drug outside the catalog is accepted (and warned about at checking).
    let free = ItemForm {
        drug: "Grandma's tonic".into(),
        ..base.clone()
    }
    .validate(catalog, DecimalMark::Point)
    .unwrap();
    assert_eq!(free.drug_code, None);
}

#[test]
fn allergy_checks_find_the_drug_its_class_and_cross_reactions_and_nothing_else() {
    // (recorded allergy, prescribed drug, expected kind and severity or None)
    type Case<'a> = (&'a str, &'a str, Option<(WarningKind, Severity)>);
    let cases: &[Case] = &[
        (
            "Penicillin",
            "amoxicillin",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        (
            "penicillins",
            "amoxicillin-clavulanate",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        (
            "amoxicillin",
            "amoxicillin",
            Some((WarningKind::Allergy, Severity::Contraindicated)),
        ),
        (
            "amoxicillin",
            "amoxicillin-clavulanate",
            Some((WarningKind::Allergy, Severity::Contraindicated)),
        ),
        (
            "amoxicillin",
            "dicloxacillin",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        (
            "Penicillin",
            "cephalexin",
            Some((WarningKind::CrossReactivity, Severity::Moderate)),
        ),
        (
            "Penicillin",
            "meropenem",
            Some((WarningKind::CrossReactivity, Severity::Minor)),
        ),
        ("Penicillin", "azithromycin", None),
        (
            "Sulfa drugs",
            "co-trimoxazole",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        (
            "sulfamethoxazole",
            "co-trimoxazole",
            Some((WarningKind::Allergy, Severity::Contraindicated)),
        ),
        (
            "Sulfa",
            "furosemide",
            Some((WarningKind::CrossReactivity, Severity::Minor)),
        ),
        ("Sulfa", "amoxicillin", None),
        (
            "Aspirin",
            "ibuprofen",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        (
            "ibuprofen",
            "naproxen",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        (
            "Aspirin",
            "celecoxib",
            Some((WarningKind::CrossReactivity, Severity::Minor)),
        ),
        ("Aspirin", "paracetamol", None),
        (
            "codeine",
            "morphine",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        (
            "codeine",
            "paracetamol-codeine",
            Some((WarningKind::Allergy, Severity::Contraindicated)),
        ),
        (
            "lisinopril",
            "ramipril",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        (
            "lisinopril",
            "losartan",
            Some((WarningKind::CrossReactivity, Severity::Moderate)),
        ),
        (
            "carbamazepine",
            "phenytoin",
            Some((WarningKind::Allergy, Severity::Major)),
        ),
        ("Peanuts", "amoxicillin", None),
        ("Latex", "ibuprofen", None),
    ];
    for (substance, drug, expected) in cases {
        let p = Patient {
            allergies: AllergyList::Recorded {
                allergies: vec![allergy(substance)],
            },
            ..adult()
        };
        let d = shipped().get(drug).unwrap();
        let items = [item(drug, &d.strengths[0], "1 tablet", "OD")];
        let got: Vec<_> = warnings(&p, &items)
            .into_iter()
            .filter(|(k, _, _)| matches!(k, WarningKind::Allergy | WarningKind::CrossReactivity))
            .collect();
        match expected {
            Some((kind, severity)) => {
                assert_eq!(got.len(), 1, "{substance} → {drug}: {got:?}");
                assert_eq!(
                    (got[0].0, got[0].1),
                    (*kind, *severity),
                    "{substance} → {drug}: {}",
                    got[0].2
                );
                assert!(
                    got[0].2.contains(substance),
                    "names the allergy: {}",
                    got[0].2
                );
            }
            None => assert!(got.is_empty(), "{substance} → {drug}: {got:?}"),
        }
    }
}

#[test]
fn a_resolved_or_refuted_allergy_does_not_warn_and_not_asked_is_itself_a_warning() {
    let mut old = allergy("Penicillin");
    old.status = Status::Inactive;
    let p = Patient {
        allergies: AllergyList::Recorded {
            allergies: vec![old],
        },
        ..adult()
    };
    assert!(warnings(&p, &[item("amoxicillin", "500 mg", "1 capsule", "TID")]).is_empty());
    let p = Patient {
        allergies: AllergyList::NotAsked,
        ..adult()
    };
    let got = warnings(&p, &[item("amoxicillin", "500 mg", "1 capsule", "TID")]);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].0, got[0].1),
        (WarningKind::AllergiesNotAsked, Severity::Moderate)
    );
}

#[test]
fn interactions_are_found_between_items_and_with_current_medications() {
    // (current medication or an item already on the prescription, new drug, expected severity)
    let cases: &[(&str, &str, Option<Severity>)] = &[
        ("warfarin", "ibuprofen", Some(Severity::Major)),
        ("warfarin", "naproxen", Some(Severity::Major)),
        ("warfarin", "paracetamol", Some(Severity::Minor)),
        ("warfarin", "amlodipine", None),
        (
            "sildenafil",
            "isosorbide-mononitrate",
            Some(Severity::Contraindicated),
        ),
        ("atazanavir", "omeprazole", Some(Severity::Contraindicated)),
        ("phenelzine", "sertraline", Some(Severity::Contraindicated)),
        (
            "tranylcypromine",
            "sumatriptan",
            Some(Severity::Contraindicated),
        ),
        (
            "simvastatin",
            "clarithromycin",
            Some(Severity::Contraindicated),
        ),
        (
            "tizanidine",
            "ciprofloxacin",
            Some(Severity::Contraindicated),
        ),
        ("ramelteon", "fluvoxamine", Some(Severity::Contraindicated)),
        (
            "azathioprine",
            "febuxostat",
            Some(Severity::Contraindicated),
        ),
        ("rifampicin", "darunavir", Some(Severity::Contraindicated)),
        (
            "ergotamine",
            "itraconazole",
            Some(Severity::Contraindicated),
        ),
        (
            "irinotecan",
            "ketoconazole",
            Some(Severity::Contraindicated),
        ),
        (
            "tranylcypromine",
            "procarbazine",
            Some(Severity::Contraindicated),
        ),
        (
            "lisdexamfetamine",
            "phenelzine",
            Some(Severity::Contraindicated),
        ),
        (
            "amitriptyline",
            "phenelzine",
            Some(Severity::Contraindicated),
        ),
        ("oxycodone", "phenelzine", Some(Severity::Contraindicated)),
        ("amiodarone", "haloperidol", Some(Severity::Major)),
        ("methotrexate", "co-trimoxazole", Some(Severity::Major)),
        ("oxycodone", "diazepam", Some(Severity::Major)),
        ("spironolactone", "lisinopril", Some(Severity::Major)),
        ("lithium", "ibuprofen", Some(Severity::Major)),
        ("metoprolol", "verapamil", Some(Severity::Major)),
        ("amlodipine", "metformin", None),
        ("paracetamol", "amoxicillin", None),
    ];
    for (current, new, expected) in cases {
        let current_drug = shipped().get(current).unwrap();
        let new_drug = shipped().get(new).unwrap();
        let new_item = item(new, &new_drug.strengths[0], "1 tablet", "OD");
        // With the first drug on the medication list, …
        let p = Patient {
            medications: vec![medication(&current_drug.generic)],
            ..adult()
        };
        let on_list: Vec<_> = warnings(&p, std::slice::from_ref(&new_item))
            .into_iter()
            .filter(|(k, _, _)| *k == WarningKind::Interaction)
            .collect();
        // … and with both on one prescription.
        let both = [
            item(current, &current_drug.strengths[0], "1 tablet", "OD"),
            new_item.clone(),
        ];
        let together: Vec<_> = warnings(&adult(), &both)
            .into_iter()
            .filter(|(k, _, _)| *k == WarningKind::Interaction)
            .collect();
        for (how, got) in [("on the list", &on_list), ("together", &together)] {
            match expected {
                Some(severity) => {
                    let top = got
                        .first()
                        .unwrap_or_else(|| panic!("{current} + {new} ({how}): nothing"));
                    assert_eq!(top.1, *severity, "{current} + {new} ({how}): {}", top.2);
                    assert!(top.2.contains(&new_drug.generic), "{}", top.2);
                }
                None => assert!(got.is_empty(), "{current} + {new} ({how}): {got:?}"),
            }
        }
    }
}

#[test]
fn duplicate_therapy_is_a_second_drug_of_a_class_but_a_current_drug_renewed_is_not() {
    let p = Patient {
        medications: vec![medication("lisinopril 10 mg")],
        ..adult()
    };
    let got = warnings(&p, &[item("ramipril", "5 mg", "1 capsule", "OD")]);
    assert!(
        got.iter()
            .any(|w| w.0 == WarningKind::DuplicateTherapy && w.2.contains("ACE inhibitor")),
        "{got:?}"
    );
    assert!(
        warnings(&p, &[item("lisinopril", "10 mg", "1 tablet", "OD")]).is_empty(),
        "a renewal"
    );
    let both = [
        item("sertraline", "50 mg", "1 tablet", "OD"),
        item("fluoxetine", "20 mg", "1 capsule", "OD"),
    ];
    assert!(
        warnings(&adult(), &both)
            .iter()
            .any(|w| w.0 == WarningKind::DuplicateTherapy)
    );
    let twice = [
        item("amoxicillin", "500 mg", "1 capsule", "TID"),
        item("amoxicillin", "250 mg", "1 capsule", "TID"),
    ];
    assert!(
        warnings(&adult(), &twice)
            .iter()
            .any(|w| w.0 == WarningKind::SameDrug)
    );
    // Classes where two drugs together are normal (insulins, antiplatelets) are not flagged.
    let insulins = [
        item("insulin-glargine", "100 units/mL", "20 units", "OD"),
        item("insulin-aspart", "100 units/mL", "6 units", "TID"),
    ];
    assert!(
        !warnings(&adult(), &insulins)
            .iter()
            .any(|w| w.0 == WarningKind::DuplicateTherapy)
    );
}

#[test]
fn the_daily_dose_is_checked_against_the_adult_maximum() {
    // (drug, strength, dose, frequency, over the maximum)
    let cases = [
        ("paracetamol", "500 mg", "2 tablets", "QID", false), // 4 g
        ("paracetamol", "500 mg", "2 tablets", "q4h", true),  // 6 g
        ("paracetamol", "1 g", "1 tablet", "q6h", false),     // 4 g
        ("ibuprofen", "400 mg", "1 tablet", "TID", false),    // 1.2 g
        ("ibuprofen", "800 mg", "1 tablet", "QID", false),    // 3.2 g
        ("ibuprofen", "800 mg", "1 tablet", "q4h", true),     // 4.8 g
        ("amlodipine", "10 mg", "1 tablet", "BID", true),     // 20 mg
        ("levothyroxine", "100 mcg", "1 tablet", "OD", false),
        ("levothyroxine", "200 mcg", "2 tablets", "OD", true), // 400 mcg
        ("amoxicillin", "250 mg/5 mL", "10 mL", "TID", false), // 1.5 g
        ("colchicine", "0.5 mg", "2 tablets", "TID", true),    // 3 mg
        ("alendronate", "70 mg", "1 tablet", "weekly", false),
        ("methotrexate", "2.5 mg", "4 tablets", "OD", true), // 10 mg a day, not a week
        ("methotrexate", "2.5 mg", "6 tablets", "weekly", false),
        ("ibuprofen", "400 mg", "1 tablet", "PRN", false), // no interval: nothing to check
    ];
    for (drug, strength, dose, frequency, over) in cases {
        let got = warnings(&adult(), &[item(drug, strength, dose, frequency)]);
        let flagged = got.iter().find(|w| w.0 == WarningKind::MaxDose);
        assert_eq!(
            flagged.is_some(),
            over,
            "{drug} {strength} {dose} {frequency}: {got:?}"
        );
        if let Some(w) = flagged {
            assert_eq!(w.1, Severity::Major);
            assert!(
                w.2.contains("maximum") || w.2.contains("once a week"),
                "{}",
                w.2
            );
        }
    }
}

#[test]
fn a_childs_dose_is_checked_by_weight_when_a_recent_weight_exists() {
    let child = |weight: Option<(u32, NaiveDate)>| Patient {
        birth: NaiveDate::from_ymd_opt(2020, 6, 1).unwrap(),
        weight,
        ..adult()
    };
    let recent = Some((20_000, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()));
    let stale = Some((20_000, NaiveDate::from_ymd_opt(2025, 11, 1).unwrap()));
    // Amoxicillin for 20 kg: 90 mg/kg/day is 1,800 mg.
    let fine = item("amoxicillin", "250 mg/5 mL", "7.5 mL", "TID"); // 1,125 mg
    let high = item("amoxicillin", "250 mg/5 mL", "15 mL", "TID"); // 2,250 mg
    assert!(warnings(&child(recent), std::slice::from_ref(&fine)).is_empty());
    let got = warnings(&child(recent), std::slice::from_ref(&high));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].0, got[0].1),
        (WarningKind::ChildDose, Severity::Major)
    );
    assert!(got[0].2.contains("112.5 mg/kg"), "{}", got[0].2);
    for weight in [None, stale] {
        let got = warnings(&child(weight), std::slice::from_ref(&fine));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].0, got[0].1),
            (WarningKind::NoRecentWeight, Severity::Moderate)
        );
    }
    // Adults are not asked for a weight.
    assert!(warnings(&adult(), &[fine]).is_empty());
}

#[test]
fn a_drug_outside_the_catalog_is_a_warning_and_still_matched_against_allergies_by_name() {
    let p = Patient {
        allergies: AllergyList::Recorded {
            allergies: vec![allergy("Tonic")],
        },
        ..adult()
    };
    let free = ItemForm {
        drug: "Grandma's tonic".into(),
        ..ItemForm::default()
    };
    let free = ItemForm {
        strength: "1 mL".into(),
        dose: "5 mL".into(),
        frequency: "OD".into(),
        quantity: "100 mL".into(),
        ..free
    }
    .validate_lenient();
    let got = warnings(&p, &[free]);
    let kinds: Vec<_> = got.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(
        kinds,
        [
            (WarningKind::Allergy, Severity::Contraindicated),
            (WarningKind::NotInCatalog, Severity::Moderate)
        ]
    );
}

#[test]
fn severities_from_moderate_up_need_a_reason() {
    assert!(!Severity::Minor.needs_override());
    assert!(Severity::Moderate.needs_override());
    assert!(Severity::Contraindicated.needs_override());
}

#[test]
fn a_signed_prescription_is_frozen_and_its_hash_covers_the_items_and_overrides() {
    let mut rx = Prescription {
        id: Uuid::now_v7(),
        number: None,
        patient_id: PatientId::new(),
        prescriber_id: UserId::new(),
        status: RxStatus::Draft,
        items: vec![item("amoxicillin", "500 mg", "1 capsule", "TID")],
        overrides: Vec::new(),
        created_at: Utc::now(),
        signed_at: None,
        cancelled_at: None,
        cancel_reason: None,
        renewed_from: None,
        content_hash: None,
    };
    assert!(rx.check_edit().is_ok() && rx.check_sign().is_ok());
    assert!(
        rx.check_cancel().is_err(),
        "a draft is deleted, not cancelled"
    );
    rx.status = RxStatus::Signed;
    rx.number = Some("K7-RX-000001".into());
    rx.signed_at = Some(Utc::now());
    rx.content_hash = Some(content_hash(&rx));
    assert!(rx.hash_holds());
    assert!(rx.check_edit().is_err() && rx.check_sign().is_err());
    assert!(rx.check_cancel().is_ok());
    // Filed under another patient: only a merge of the record it was signed for explains it.
    let signed_for = rx.patient_id;
    let mut moved = rx.clone();
    moved.patient_id = PatientId::new();
    assert!(!moved.hash_holds());
    assert!(!moved.hash_holds_as(&[PatientId::new()]));
    assert!(moved.hash_holds_as(&[PatientId::new(), signed_for]));
    rx.items[0].refills = 5;
    assert!(!rx.hash_holds(), "a changed item breaks the hash");
    let mut empty = rx.clone();
    empty.status = RxStatus::Draft;
    empty.items.clear();
    assert!(empty.check_sign().is_err());
}
