//! The clinical rules, table by table: folding events into lists, entered-in-error, signing,
//! and vitals.

use chrono::{Duration, NaiveDate, TimeZone};

use super::*;
use crate::patients::PatientId;

fn t(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap() + Duration::minutes(minute)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Log {
    patient: PatientId,
    user: UserId,
    events: Vec<ClinicalEvent>,
}

impl Log {
    fn new() -> Self {
        Log {
            patient: PatientId::new(),
            user: UserId::new(),
            events: Vec::new(),
        }
    }

    fn add(&mut self, minute: i64, category: Category, subject: Uuid, data: EventData) {
        self.events.push(ClinicalEvent {
            id: EventId::new(),
            patient_id: self.patient,
            category,
            subject_id: subject,
            encounter_id: None,
            occurred_at: t(minute),
            recorded_at: t(minute),
            recorded_by: self.user,
            data,
        });
    }
}

fn penicillin(severity: Severity) -> EventData {
    EventData::AllergyRecorded {
        substance: "Penicillin".into(),
        substance_code: None,
        category: AllergyCategory::Medication,
        reaction: Some("hives".into()),
        severity,
        note: None,
    }
}

#[test]
fn allergies_not_asked_none_known_and_recorded_are_different_facts() {
    let mut log = Log::new();
    assert_eq!(fold_events(&log.events).allergies, AllergyList::NotAsked);

    log.add(
        0,
        Category::Allergy,
        log.patient.as_uuid(),
        EventData::NoKnownAllergies,
    );
    assert!(matches!(
        fold_events(&log.events).allergies,
        AllergyList::NoneKnown { .. }
    ));

    let pen = Uuid::now_v7();
    log.add(1, Category::Allergy, pen, penicillin(Severity::Moderate));
    let facts = fold_events(&log.events);
    let active = facts.allergies.active();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].severity, Severity::Moderate);

    // A revision of the same allergy replaces it; the order events arrive in does not matter.
    log.add(2, Category::Allergy, pen, penicillin(Severity::Severe));
    log.events.reverse();
    let facts = fold_events(&log.events);
    assert_eq!(facts.allergies.active()[0].severity, Severity::Severe);

    log.add(
        3,
        Category::Allergy,
        pen,
        EventData::AllergyRefuted {
            note: Some("skin test negative".into()),
        },
    );
    let facts = fold_events(&log.events);
    assert!(facts.allergies.active().is_empty());
    assert!(
        matches!(facts.allergies, AllergyList::Recorded { .. }),
        "refuted is not 'none known'"
    );
}

#[test]
fn entered_in_error_leaves_current_lists_and_stays_in_history() {
    let mut log = Log::new();
    let (pen, htn, amlo, vit, flu) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    log.add(0, Category::Allergy, pen, penicillin(Severity::Mild));
    log.add(
        1,
        Category::Problem,
        htn,
        EventData::ProblemAdded {
            code: Some("I10".into()),
            display: "Essential (primary) hypertension".into(),
            onset: Some(day("2020-01-01")),
            note: None,
        },
    );
    log.add(
        2,
        Category::Medication,
        amlo,
        EventData::MedicationStarted {
            drug: "amlodipine".into(),
            drug_code: None,
            dose: Some("5 mg".into()),
            route: Some("oral".into()),
            frequency: Some("once daily".into()),
            started_on: day("2026-11-24"),
            indication: None,
        },
    );
    log.add(
        3,
        Category::Vitals,
        vit,
        EventData::VitalsRecorded(Vitals {
            systolic: Some(150),
            diastolic: Some(95),
            ..Default::default()
        }),
    );
    log.add(
        4,
        Category::Immunization,
        flu,
        EventData::ImmunizationRecorded {
            vaccine: "Influenza".into(),
            given_on: day("2026-10-01"),
            lot: Some("AB12".into()),
            site: None,
            given_by: None,
        },
    );
    for (m, (cat, id)) in [
        (Category::Allergy, pen),
        (Category::Problem, htn),
        (Category::Medication, amlo),
        (Category::Vitals, vit),
        (Category::Immunization, flu),
    ]
    .into_iter()
    .enumerate()
    {
        log.add(
            10 + m as i64,
            cat,
            id,
            EventData::EnteredInError {
                reason: "wrong patient".into(),
            },
        );
    }
    let f = fold_events(&log.events);
    assert!(f.allergies.active().is_empty());
    assert_eq!(f.problems[0].status, Status::EnteredInError);
    assert_eq!(f.medications[0].status, Status::EnteredInError);
    assert!(f.vitals[0].entered_in_error);
    assert!(f.immunizations[0].entered_in_error);
    assert_eq!(f.problems.len(), 1, "still in the history");
}

#[test]
fn medications_start_change_and_stop() {
    let mut log = Log::new();
    let m = Uuid::now_v7();
    log.add(
        0,
        Category::Medication,
        m,
        EventData::MedicationStarted {
            drug: "metformin".into(),
            drug_code: None,
            dose: Some("500 mg".into()),
            route: Some("oral".into()),
            // As an older desktop recorded it: shown in words.
            frequency: Some("BID".into()),
            started_on: day("2025-01-01"),
            indication: Some("diabetes".into()),
        },
    );
    log.add(
        1,
        Category::Medication,
        m,
        EventData::MedicationChanged {
            // A trailing zero recorded before the notation rules is not shown.
            dose: Some("1000.0 mg".into()),
            route: None,
            frequency: None,
            changed_on: day("2025-06-01"),
        },
    );
    let f = fold_events(&log.events);
    assert_eq!(f.medications[0].dose.as_deref(), Some("1000 mg"));
    assert_eq!(f.medications[0].frequency.as_deref(), Some("twice a day"));
    assert_eq!(f.medications[0].status, Status::Active);
    log.add(
        2,
        Category::Medication,
        m,
        EventData::MedicationStopped {
            stopped_on: day("2026-01-01"),
            reason: Some("side effects".into()),
        },
    );
    let f = fold_events(&log.events);
    assert_eq!(f.medications[0].status, Status::Inactive);
    assert_eq!(f.medications[0].stopped_on, Some(day("2026-01-01")));
}

#[test]
fn problems_resolve() {
    let mut log = Log::new();
    let p = Uuid::now_v7();
    log.add(
        0,
        Category::Problem,
        p,
        EventData::ProblemAdded {
            code: Some("J02.9".into()),
            display: "Acute pharyngitis, unspecified".into(),
            onset: None,
            note: None,
        },
    );
    log.add(
        1,
        Category::Problem,
        p,
        EventData::ProblemResolved {
            resolved_on: day("2026-11-30"),
        },
    );
    let f = fold_events(&log.events);
    assert_eq!(f.problems[0].status, Status::Inactive);
    assert_eq!(f.problems[0].resolved_on, Some(day("2026-11-30")));
}

#[test]
fn event_kinds_are_the_serialised_tags() {
    let data = penicillin(Severity::Mild);
    let json = serde_json::to_value(&data).unwrap();
    assert_eq!(json["kind"], data.kind());
    assert_eq!(serde_json::from_value::<EventData>(json).unwrap(), data);
    let nka = serde_json::to_string(&EventData::NoKnownAllergies).unwrap();
    assert_eq!(nka, r#"{"kind":"allergy.none_known"}"#);
    let vitals = EventData::VitalsRecorded(Vitals {
        pulse: Some(72),
        ..Default::default()
    });
    assert_eq!(
        serde_json::to_string(&vitals).unwrap(),
        r#"{"kind":"vitals.recorded","pulse":72}"#
    );
}

fn encounter(provider: UserId) -> Encounter {
    Encounter {
        id: EncounterId::new(),
        patient_id: PatientId::new(),
        provider_id: provider,
        starts_at: t(0),
        reason: Some("headache".into()),
        note: Soap {
            subjective: "Headache for 3 days.".into(),
            ..Default::default()
        },
        template_id: None,
        status: EncounterStatus::Draft,
        signed_at: None,
        signed_by: None,
        content_hash: None,
        error_reason: None,
    }
}

#[test]
fn signing_freezes_the_note() {
    let (doc, other) = (UserId::new(), UserId::new());
    let mut e = encounter(doc);
    assert!(e.check_edit(doc).is_ok());
    assert!(matches!(e.check_edit(other), Err(NoteRefusal::NotAuthor)));
    assert!(
        e.check_addendum().is_err(),
        "drafts are edited, not addended"
    );
    e.check_sign(doc).unwrap();
    e.status = EncounterStatus::Signed;
    e.content_hash = Some(content_hash(&e));
    assert!(e.hash_holds());
    assert!(matches!(e.check_edit(doc), Err(NoteRefusal::Signed)));
    assert!(e.check_addendum().is_ok());
    // Changing a signed note behind the app's back is seen.
    e.note.plan = "Nothing".into();
    assert!(!e.hash_holds());
    let empty = Encounter {
        note: Soap::default(),
        ..encounter(doc)
    };
    assert!(matches!(empty.check_sign(doc), Err(NoteRefusal::Empty)));
}

fn vitals_form(f: impl FnOnce(&mut VitalsForm)) -> VitalsForm {
    let mut form = VitalsForm::default();
    f(&mut form);
    form
}

#[test]
fn vitals_are_stored_canonically_and_impossible_ones_refused() {
    let ok = |form: VitalsForm, units| form.validate(units).unwrap();
    let err = |form: VitalsForm, units| form.validate(units).unwrap_err().field;
    use UnitSystem::{Metric, Us};
    let v = ok(
        vitals_form(|f| {
            f.blood_pressure = "128/82".into();
            f.temperature = "37,2".into();
            f.weight = "70.5".into();
            f.height = "172".into()
        }),
        Metric,
    );
    assert_eq!(
        (
            v.systolic,
            v.diastolic,
            v.temperature_dc,
            v.weight_g,
            v.height_mm
        ),
        (Some(128), Some(82), Some(372), Some(70_500), Some(1720))
    );
    let v = ok(
        vitals_form(|f| {
            f.temperature = "98.6".into();
            f.weight = "155.4".into();
            f.height = "67.7".into()
        }),
        Us,
    );
    assert_eq!(
        (v.temperature_dc, v.weight_g, v.height_mm),
        (Some(370), Some(70_488), Some(1720))
    );
    let cases: [(VitalsForm, &str); 10] = [
        (vitals_form(|_| {}), "blood_pressure"),
        (
            vitals_form(|f| f.blood_pressure = "120".into()),
            "blood_pressure",
        ),
        (
            vitals_form(|f| f.blood_pressure = "80/120".into()),
            "blood_pressure",
        ),
        (
            vitals_form(|f| f.blood_pressure = "400/80".into()),
            "blood_pressure",
        ),
        (vitals_form(|f| f.pulse = "0".into()), "pulse"),
        (vitals_form(|f| f.pulse = "fast".into()), "pulse"),
        (vitals_form(|f| f.temperature = "47".into()), "temperature"),
        (vitals_form(|f| f.spo2 = "101".into()), "spo2"),
        (vitals_form(|f| f.weight = "-3".into()), "weight"),
        (vitals_form(|f| f.height = "300".into()), "height"),
    ];
    for (form, field) in cases {
        assert_eq!(err(form.clone(), Metric), field, "{form:?}");
    }
}

#[test]
fn abnormal_values_are_flagged_for_the_patients_age() {
    let v = |f: fn(&mut Vitals)| {
        let mut v = Vitals::default();
        f(&mut v);
        v
    };
    let levels = |vitals: Vitals, age| {
        flags(&vitals, age)
            .into_iter()
            .map(|f| (f.measure, f.level))
            .collect::<Vec<_>>()
    };
    use FlagLevel::*;
    use Measure::*;
    assert_eq!(
        levels(
            v(|v| {
                v.systolic = Some(120);
                v.diastolic = Some(80)
            }),
            40
        ),
        []
    );
    assert_eq!(
        levels(
            v(|v| {
                v.systolic = Some(150);
                v.diastolic = Some(95)
            }),
            40
        ),
        [(Systolic, High), (Diastolic, High)]
    );
    assert_eq!(
        levels(
            v(|v| {
                v.systolic = Some(190);
                v.diastolic = Some(125)
            }),
            40
        ),
        [(Systolic, Critical), (Diastolic, Critical)]
    );
    assert_eq!(
        levels(v(|v| v.systolic = Some(150)), 10),
        [],
        "children's pressure is not judged by adult norms"
    );
    assert_eq!(
        levels(v(|v| v.pulse = Some(130)), 0),
        [],
        "130 is normal for a baby"
    );
    assert_eq!(levels(v(|v| v.pulse = Some(130)), 40), [(Pulse, High)]);
    assert_eq!(
        levels(v(|v| v.temperature_dc = Some(385)), 40),
        [(Temperature, High)]
    );
    assert_eq!(levels(v(|v| v.spo2 = Some(88)), 40), [(Spo2, Critical)]);
    assert_eq!(
        levels(
            v(|v| {
                v.weight_g = Some(100_000);
                v.height_mm = Some(1700)
            }),
            40
        ),
        [(Bmi, High)]
    );
    assert_eq!(bmi_tenths(70_000, 1750), Some(229));
}

#[test]
fn measures_are_shown_in_the_clinics_units() {
    use Measure::*;
    use UnitSystem::{Metric, Us};
    let cases = [
        (Temperature, 371, Metric, "37.1 °C"),
        (Temperature, 370, Us, "98.6 °F"),
        (Weight, 70_500, Metric, "70.5 kg"),
        (Weight, 70_500, Us, "155.4 lb"),
        (Height, 1720, Metric, "172.0 cm"),
        (Height, 1720, Us, "67.7 in"),
        (Systolic, 128, Metric, "128 mmHg"),
        (Bmi, 229, Us, "22.9 kg/m²"),
    ];
    for (m, value, units, expected) in cases {
        assert_eq!(
            format_measure(m, value, units),
            expected,
            "{m:?} {value} {units:?}"
        );
    }
}
