//! The interaction table against the lists it must cover: the ONC high-priority list as data,
//! the labels' dose limits, the pairs that must stay silent, and drug search ranking single
//! drugs before combinations.

use chrono::{NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use super::checks::{CheckInput, Warning, WarningKind, check};
use super::prescription::ItemForm;
use super::{DecimalMark, Item, Severity, shipped};
use crate::chart::{AllergyList, MedicationView, Status};

/// An item of a catalog drug: a given strength (or its first), one dose of it at `frequency`.
fn item(code: &str, strength: Option<&str>, dose: &str, frequency: &str) -> Item {
    let d = shipped()
        .get(code)
        .unwrap_or_else(|| panic!("{code} is not in the catalog"));
    ItemForm {
        drug: code.into(),
        strength: strength.unwrap_or(&d.strengths[0]).into(),
        form: d.forms[0].clone(),
        dose: dose.into(),
        route: d.routes[0].clone(),
        frequency: frequency.into(),
        duration: "7".into(),
        quantity: "30".into(),
        ..ItemForm::default()
    }
    .validate(shipped(), DecimalMark::Point)
    .unwrap_or_else(|e| panic!("{code}: {} {}", e.field, e.reason))
}

fn on_list(code: &str, dose: Option<&str>, frequency: Option<&str>) -> MedicationView {
    MedicationView {
        id: Uuid::now_v7(),
        drug: shipped().get(code).unwrap().generic.clone(),
        drug_code: Some(code.into()),
        dose: dose.map(Into::into),
        route: None,
        frequency: frequency.map(Into::into),
        started_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        last_changed_on: None,
        stopped_on: None,
        stop_reason: None,
        indication: None,
        status: Status::Active,
    }
}

fn warnings(items: &[Item], medications: &[MedicationView]) -> Vec<Warning> {
    check(&CheckInput {
        catalog: shipped(),
        items,
        allergies: &AllergyList::NoneKnown {
            since: Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap(),
        },
        medications,
        birth_date: NaiveDate::from_ymd_opt(1970, 5, 1).unwrap(),
        latest_weight: None,
        today: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    })
}

fn interaction(items: &[Item], medications: &[MedicationView]) -> Option<Warning> {
    warnings(items, medications)
        .into_iter()
        .find(|w| w.kind == WarningKind::Interaction)
}

/// A catalog drug in a first-strength, once-a-day item.
fn plain(code: &str) -> Item {
    item(code, None, "1 tablet", "OD")
}

/// The ONC high-priority drug-drug interactions (Phansalkar et al., JAMIA 2012;19:735-743),
/// as the drugs each names that the catalog holds, written out here by name rather than taken
/// from the catalog's own tags, plus every drug of a class an entry names.
struct Onc {
    entry: u8,
    what: &'static str,
    a: &'static [&'static str],
    b: &'static [&'static str],
    /// Catalog classes whose every drug is on each side too.
    a_classes: &'static [&'static str],
    b_classes: &'static [&'static str],
}

const MAOIS: &[&str] = &[
    "phenelzine",
    "tranylcypromine",
    "selegiline",
    "rasagiline",
    "moclobemide",
    "linezolid",
    "procarbazine",
];
const STRONG_3A4_INHIBITORS: &[&str] = &[
    "clarithromycin",
    "itraconazole",
    "ketoconazole",
    "posaconazole",
    "voriconazole",
    "ritonavir",
    "lopinavir-ritonavir",
    "nirmatrelvir-ritonavir",
];
const PROTEASE_INHIBITORS: &[&str] = &[
    "atazanavir",
    "darunavir",
    "ritonavir",
    "lopinavir-ritonavir",
    "nirmatrelvir-ritonavir",
];
const STRONG_1A2_INHIBITORS: &[&str] = &["fluvoxamine", "ciprofloxacin"];

const ONC: &[Onc] = &[
    Onc {
        entry: 1,
        what: "amphetamine derivatives with MAO inhibitors",
        a: &["amphetamine", "lisdexamfetamine", "methylphenidate"],
        b: MAOIS,
        a_classes: &[],
        b_classes: &["maoi"],
    },
    Onc {
        entry: 2,
        what: "atazanavir with proton pump inhibitors",
        a: &["atazanavir"],
        b: &[
            "omeprazole",
            "esomeprazole",
            "lansoprazole",
            "pantoprazole",
            "rabeprazole",
        ],
        a_classes: &[],
        b_classes: &["ppi"],
    },
    Onc {
        entry: 3,
        what: "febuxostat with azathioprine or mercaptopurine",
        a: &["febuxostat"],
        b: &["azathioprine", "mercaptopurine"],
        a_classes: &[],
        b_classes: &[],
    },
    Onc {
        entry: 4,
        what: "SSRIs with MAO inhibitors",
        a: &[
            "sertraline",
            "fluoxetine",
            "citalopram",
            "escitalopram",
            "paroxetine",
            "fluvoxamine",
        ],
        b: MAOIS,
        a_classes: &["ssri"],
        b_classes: &["maoi"],
    },
    Onc {
        entry: 5,
        what: "irinotecan with strong CYP3A4 inhibitors",
        a: &["irinotecan"],
        b: STRONG_3A4_INHIBITORS,
        a_classes: &[],
        b_classes: &[],
    },
    Onc {
        entry: 6,
        what: "narcotic analgesics with MAO inhibitors",
        a: &[
            "tramadol",
            "methadone",
            "fentanyl",
            "tapentadol",
            "oxycodone",
            "morphine",
            "codeine",
        ],
        b: MAOIS,
        a_classes: &["opioid"],
        b_classes: &["maoi"],
    },
    Onc {
        entry: 7,
        what: "tricyclic antidepressants with MAO inhibitors",
        a: &[
            "amitriptyline",
            "nortriptyline",
            "clomipramine",
            "imipramine",
            "doxepin",
        ],
        b: MAOIS,
        a_classes: &["tca"],
        b_classes: &["maoi"],
    },
    Onc {
        entry: 8,
        what: "two high-risk QT-prolonging drugs",
        a: &[
            "amiodarone",
            "chloroquine",
            "chlorpromazine",
            "clarithromycin",
            "dofetilide",
            "erythromycin",
            "haloperidol",
            "methadone",
            "pimozide",
            "sotalol",
            "thioridazine",
        ],
        b: &[
            "amiodarone",
            "chloroquine",
            "chlorpromazine",
            "clarithromycin",
            "dofetilide",
            "erythromycin",
            "haloperidol",
            "methadone",
            "pimozide",
            "sotalol",
            "thioridazine",
        ],
        a_classes: &[],
        b_classes: &[],
    },
    Onc {
        entry: 9,
        what: "ramelteon with strong CYP1A2 inhibitors",
        a: &["ramelteon"],
        b: STRONG_1A2_INHIBITORS,
        a_classes: &[],
        b_classes: &[],
    },
    Onc {
        entry: 10,
        what: "strong CYP3A4 inducers with protease inhibitors",
        a: &["rifampicin", "carbamazepine", "phenytoin", "phenobarbital"],
        b: PROTEASE_INHIBITORS,
        a_classes: &[],
        b_classes: &[],
    },
    Onc {
        entry: 11,
        what: "simvastatin and lovastatin with CYP3A4 and protease inhibitors",
        a: &["simvastatin", "lovastatin"],
        b: &[
            "clarithromycin",
            "itraconazole",
            "ketoconazole",
            "posaconazole",
            "voriconazole",
            "ritonavir",
            "lopinavir-ritonavir",
            "nirmatrelvir-ritonavir",
            "atazanavir",
            "darunavir",
        ],
        a_classes: &[],
        b_classes: &[],
    },
    Onc {
        entry: 12,
        what: "ergot alkaloids with CYP3A4 and protease inhibitors",
        a: &["ergotamine", "dihydroergotamine"],
        b: &[
            "clarithromycin",
            "itraconazole",
            "ketoconazole",
            "posaconazole",
            "voriconazole",
            "ritonavir",
            "lopinavir-ritonavir",
            "nirmatrelvir-ritonavir",
            "atazanavir",
            "darunavir",
        ],
        a_classes: &["ergot"],
        b_classes: &[],
    },
    Onc {
        entry: 13,
        what: "tizanidine with CYP1A2 inhibitors",
        a: &["tizanidine"],
        b: STRONG_1A2_INHIBITORS,
        a_classes: &[],
        b_classes: &[],
    },
    Onc {
        entry: 14,
        what: "tranylcypromine with procarbazine",
        a: &["tranylcypromine"],
        b: &["procarbazine"],
        a_classes: &[],
        b_classes: &[],
    },
    Onc {
        entry: 15,
        what: "triptans with MAO inhibitors",
        a: &["sumatriptan", "rizatriptan", "zolmitriptan", "eletriptan"],
        b: MAOIS,
        a_classes: &["triptan"],
        b_classes: &["maoi"],
    },
];

fn members(names: &[&str], classes: &[&str]) -> Vec<String> {
    let catalog = shipped();
    let mut out: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    for d in catalog.drugs() {
        if classes.contains(&d.class.as_str()) && !out.contains(&d.code) {
            out.push(d.code.clone());
        }
    }
    out
}

#[test]
fn every_pair_of_catalog_drugs_on_the_onc_high_priority_list_stops_the_prescriber() {
    let catalog = shipped();
    assert_eq!(ONC.len(), 15);
    let mut pairs = 0;
    let mut silent = Vec::new();
    for entry in ONC {
        assert!(
            catalog
                .interactions
                .iter()
                .any(|r| r.onc == Some(entry.entry)),
            "no row of interactions.csv is ONC entry {} ({})",
            entry.entry,
            entry.what
        );
        for a in members(entry.a, entry.a_classes) {
            assert!(catalog.get(&a).is_some(), "{a} is not in the catalog");
            for b in members(entry.b, entry.b_classes) {
                if a == b {
                    continue;
                }
                pairs += 1;
                // Both on one prescription, and the second prescribed to a patient on the first.
                let together = interaction(&[plain(&a), plain(&b)], &[]);
                let on_list = interaction(&[plain(&b)], &[on_list(&a, None, None)]);
                for (how, got) in [("together", together), ("on the list", on_list)] {
                    match got {
                        Some(w) if w.severity.needs_override() => {}
                        other => silent.push(format!(
                            "ONC {} ({}): {a} + {b} {how}: {:?}",
                            entry.entry,
                            entry.what,
                            other.map(|w| w.severity)
                        )),
                    }
                }
            }
        }
    }
    assert!(
        silent.is_empty(),
        "{pairs} pairs; not stopped:\n{}",
        silent.join("\n")
    );
    assert!(pairs > 300, "{pairs}");
}

#[test]
fn a_dose_limit_from_the_label_is_read_against_the_prescribed_dose_and_named() {
    // (limited drug, its strength, doses a day, the other drug, the label's limit or None when
    // within it)
    let cases: &[(&str, &str, &str, &str, Option<&str>)] = &[
        ("simvastatin", "40 mg", "OD", "amiodarone", Some("20 mg")),
        ("simvastatin", "20 mg", "OD", "amiodarone", None),
        ("simvastatin", "10 mg", "BID", "amiodarone", None),
        ("simvastatin", "20 mg", "BID", "amlodipine", Some("20 mg")),
        ("simvastatin", "20 mg", "OD", "amlodipine", None),
        ("simvastatin", "20 mg", "OD", "diltiazem", Some("10 mg")),
        ("simvastatin", "10 mg", "OD", "verapamil", None),
        ("simvastatin", "40 mg", "OD", "ranolazine", Some("20 mg")),
        ("lovastatin", "40 mg", "BID", "amiodarone", Some("40 mg")),
        ("lovastatin", "40 mg", "OD", "amiodarone", None),
        ("lovastatin", "40 mg", "OD", "verapamil", Some("20 mg")),
        (
            "atorvastatin",
            "40 mg",
            "OD",
            "clarithromycin",
            Some("20 mg"),
        ),
        ("atorvastatin", "20 mg", "OD", "itraconazole", None),
        ("atorvastatin", "80 mg", "OD", "darunavir", Some("20 mg")),
        ("rosuvastatin", "10 mg", "OD", "cyclosporine", Some("5 mg")),
        ("rosuvastatin", "5 mg", "OD", "cyclosporine", None),
        (
            "pravastatin",
            "80 mg",
            "OD",
            "clarithromycin",
            Some("40 mg"),
        ),
        ("citalopram", "40 mg", "OD", "omeprazole", Some("20 mg")),
        ("citalopram", "20 mg", "OD", "omeprazole", None),
        ("metformin", "1000 mg", "BID", "ranolazine", Some("1700 mg")),
        ("metformin", "500 mg", "TID", "ranolazine", None),
    ];
    for (limited, strength, frequency, other, limit) in cases {
        let limited_item = item(limited, Some(strength), "1 tablet", frequency);
        for (how, got) in [
            (
                "together",
                interaction(&[limited_item.clone(), plain(other)], &[]),
            ),
            (
                "prescribing it to a patient on the other",
                interaction(
                    std::slice::from_ref(&limited_item),
                    &[on_list(other, None, None)],
                ),
            ),
        ] {
            match limit {
                Some(limit) => {
                    let w = got.unwrap_or_else(|| {
                        panic!("{limited} {strength} {frequency} + {other} ({how}): no warning")
                    });
                    assert!(w.severity.needs_override(), "{}", w.message);
                    assert!(
                        w.message.contains(&format!("limit of {limit} a day")),
                        "{limited} + {other}: {}",
                        w.message
                    );
                }
                None => assert_eq!(
                    got.map(|w| w.message),
                    None,
                    "{limited} {strength} {frequency} + {other} ({how})"
                ),
            }
        }
    }
    // The limited drug already on the medication list: its recorded dose is read.
    let amiodarone = plain("amiodarone");
    let taking = |dose: Option<&str>, frequency: Option<&str>| {
        interaction(
            std::slice::from_ref(&amiodarone),
            &[on_list("simvastatin", dose, frequency)],
        )
    };
    let over = taking(Some("40 mg 1 tablet"), Some("once a day")).unwrap();
    assert!(
        over.message
            .contains("40 mg of simvastatin a day is above the label's limit of 20 mg a day"),
        "{}",
        over.message
    );
    assert_eq!(taking(Some("20 mg 1 tablet"), Some("at bedtime")), None);
    assert!(
        taking(Some("10 mg 2 tablets"), Some("twice a day")).is_some(),
        "40 mg a day"
    );
    // A dose without a frequency is at least one dose a day: over is over, under is unknown.
    assert!(taking(Some("40 mg"), None).is_some());
    let unknown = taking(None, None).unwrap();
    assert!(unknown.severity.needs_override());
    assert!(
        unknown.message.contains("not known here"),
        "{}",
        unknown.message
    );
    assert!(
        taking(Some("20 mg"), None)
            .unwrap()
            .message
            .contains("not known here")
    );
}

#[test]
fn each_kind_of_interaction_the_review_named_warns_at_its_severity() {
    use Severity::{Contraindicated, Major, Minor, Moderate};
    let cases: &[(&str, &str, Severity)] = &[
        // Serotonergic pairs with MAO inhibitors, linezolid and triptans.
        ("sertraline", "linezolid", Contraindicated),
        ("sumatriptan", "phenelzine", Contraindicated),
        ("eletriptan", "selegiline", Major),
        ("mirtazapine", "phenelzine", Contraindicated),
        ("bupropion", "linezolid", Contraindicated),
        ("methylphenidate", "selegiline", Contraindicated),
        ("tramadol", "sertraline", Major),
        ("venlafaxine", "sumatriptan", Moderate),
        ("sumatriptan", "ergotamine", Contraindicated),
        // QT.
        ("citalopram", "haloperidol", Major),
        ("chlorpromazine", "methadone", Major),
        // CYP1A2 and CYP2D6 substrates with strong inhibitors.
        ("theophylline", "ciprofloxacin", Major),
        ("duloxetine", "fluvoxamine", Major),
        ("clozapine", "ciprofloxacin", Major),
        ("thioridazine", "paroxetine", Contraindicated),
        ("thioridazine", "bupropion", Contraindicated),
        ("tamoxifen", "bupropion", Major),
        ("tamoxifen", "paroxetine", Major),
        ("amitriptyline", "terbinafine", Moderate),
        ("codeine", "fluoxetine", Minor),
        // Opioids with benzodiazepines; with CYP3A4 inhibitors.
        ("oxycodone", "diazepam", Major),
        ("morphine", "lorazepam", Major),
        ("fentanyl", "clarithromycin", Major),
        // Potassium.
        ("lisinopril", "spironolactone", Major),
        ("losartan", "potassium-chloride", Major),
        ("amiloride", "potassium-chloride", Major),
        ("lisinopril", "losartan", Moderate),
        ("sacubitril-valsartan", "enalapril", Contraindicated),
        ("co-trimoxazole", "spironolactone", Moderate),
        // Lithium.
        ("lithium", "lisinopril", Moderate),
        ("lithium", "valsartan", Moderate),
        ("lithium", "hydrochlorothiazide", Major),
        ("lithium", "naproxen", Major),
        ("lithium", "celecoxib", Major),
        // Methotrexate.
        ("methotrexate", "ibuprofen", Moderate),
        ("methotrexate", "trimethoprim", Major),
        ("methotrexate", "co-trimoxazole", Major),
        // Thiopurines with allopurinol.
        ("azathioprine", "allopurinol", Major),
        ("mercaptopurine", "allopurinol", Major),
        // Labels' contraindications.
        ("dofetilide", "verapamil", Contraindicated),
        ("ivabradine", "clarithromycin", Contraindicated),
        ("alfuzosin", "ketoconazole", Contraindicated),
        ("lurasidone", "rifampicin", Contraindicated),
        ("ketorolac", "ibuprofen", Contraindicated),
        ("naltrexone", "oxycodone", Contraindicated),
        ("simvastatin", "gemfibrozil", Contraindicated),
        ("simvastatin", "erythromycin", Contraindicated),
    ];
    for (a, b, severity) in cases {
        let got = interaction(&[plain(a), plain(b)], &[])
            .unwrap_or_else(|| panic!("{a} + {b}: no warning"));
        assert_eq!(got.severity, *severity, "{a} + {b}: {}", got.message);
        let reversed = interaction(&[plain(b)], &[on_list(a, None, None)])
            .unwrap_or_else(|| panic!("{b} to a patient on {a}: no warning"));
        assert_eq!(
            reversed.severity, *severity,
            "{b} on {a}: {}",
            reversed.message
        );
    }
}

#[test]
fn common_pairs_that_are_safe_together_stay_silent() {
    // A warning nobody needs trains people to click through the ones that matter.
    let pairs = [
        ("amlodipine", "atorvastatin"),
        ("lisinopril", "metformin"),
        ("lisinopril", "hydrochlorothiazide"),
        ("losartan", "hydrochlorothiazide"),
        ("metformin", "atorvastatin"),
        ("metformin", "empagliflozin"),
        ("metformin", "insulin-glargine"),
        ("metformin", "sitagliptin"),
        ("levothyroxine", "atorvastatin"),
        ("levothyroxine", "metformin"),
        ("omeprazole", "amlodipine"),
        ("pantoprazole", "clopidogrel"),
        ("aspirin", "atorvastatin"),
        ("aspirin", "metoprolol"),
        ("aspirin", "clopidogrel"),
        ("metoprolol", "amlodipine"),
        ("bisoprolol", "ramipril"),
        ("paracetamol", "amoxicillin"),
        ("paracetamol", "ibuprofen"),
        ("ibuprofen", "amoxicillin"),
        ("salbutamol", "budesonide"),
        ("salbutamol", "fluticasone-salmeterol"),
        ("cetirizine", "fluticasone-nasal"),
        ("sertraline", "omeprazole"),
        ("escitalopram", "atorvastatin"),
        ("warfarin", "amlodipine"),
        ("apixaban", "metoprolol"),
        ("furosemide", "ramipril"),
        ("allopurinol", "colchicine"),
        ("rosuvastatin", "ezetimibe"),
        ("tamsulosin", "finasteride"),
        ("levothyroxine", "omeprazole"),
    ];
    for (a, b) in pairs {
        let got: Vec<_> = warnings(&[plain(a), plain(b)], &[])
            .into_iter()
            .filter(|w| {
                matches!(
                    w.kind,
                    WarningKind::Interaction | WarningKind::DuplicateTherapy
                )
            })
            .map(|w| w.message)
            .collect();
        assert!(got.is_empty(), "{a} + {b}: {got:?}");
    }
    // Simvastatin within amlodipine's limit is as its label allows.
    assert_eq!(
        interaction(
            &[
                item("simvastatin", Some("20 mg"), "1 tablet", "QHS"),
                plain("amlodipine")
            ],
            &[]
        ),
        None
    );
}

#[test]
fn every_interaction_rule_says_where_it_comes_from() {
    for r in &shipped().interactions {
        assert!(
            r.source.contains("FDA label") || r.source.contains("SmPC") || r.onc.is_some(),
            "{} + {}: {}",
            r.a,
            r.b,
            r.source
        );
        if let Some(n) = r.onc {
            assert!(r.source.contains(&format!("#{n}")), "{}", r.source);
        }
    }
}

#[test]
fn searching_a_drug_lists_it_before_the_combinations_that_contain_it() {
    let catalog = shipped();
    let mut checked = 0;
    for combo in catalog.drugs().iter().filter(|d| catalog.is_combination(d)) {
        // Its ingredients that are drugs of their own in the catalog.
        let parts: Vec<&super::Drug> = combo
            .tags
            .iter()
            .filter_map(|t| catalog.get(t))
            .chain(
                combo
                    .generic
                    .split(" and ")
                    .filter_map(|w| catalog.resolve(w)),
            )
            .filter(|p| p.code != combo.code && !catalog.is_combination(p))
            .collect();
        for part in parts {
            let typed = part.generic.split(" (").next().unwrap_or(&part.generic);
            let hits = catalog.search(typed, 30);
            let first_combination = hits.iter().position(|d| catalog.is_combination(d));
            let single = hits
                .iter()
                .position(|d| d.code == part.code)
                .unwrap_or_else(|| panic!("{typed:?} does not find {}", part.code));
            assert!(
                !catalog.is_combination(hits[0]),
                "{typed:?} lists {} first",
                hits[0].generic
            );
            if let Some(c) = first_combination {
                assert!(
                    single < c,
                    "{typed:?}: {} after {}",
                    part.code,
                    hits[c].generic
                );
                assert!(
                    hits[c..].iter().all(|d| catalog.is_combination(d)),
                    "{typed:?}: a single drug after a combination: {:?}",
                    hits.iter().map(|d| &d.generic).collect::<Vec<_>>()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
    // The case that was reported.
    let hits = catalog.search("paracetamol", 10);
    assert_eq!(hits[0].code, "paracetamol");
    assert!(hits.iter().any(|d| d.code == "paracetamol-codeine"));
}
