//! The chart: notes freeze when signed, entered-in-error leaves the lists but not the history,
//! the summary has what a doctor needs, the front desk sees only the banner, and every read is
//! audited.

use chrono::Duration;
use tend_core::chart::records::{self, AllergyForm, ImmunizationForm, MedicationForm, ProblemForm};
use tend_core::chart::visits::{self, NoteEdit, TemplateForm};
use tend_core::patients::{self, OnDuplicates};
use tend_core::{Clock, Session, audit, chart};
use tend_domain::chart::{EncounterStatus, FlagLevel, Measure, Status, VitalsForm};
use tend_domain::patients::PatientForm;

use crate::support::{Clinic, clinic, person};

struct Room {
    c: Clinic,
    doctor: Session,
    nurse: Session,
    front: Session,
    mrn: String,
}

fn room() -> Room {
    let c = clinic();
    let doctor = person(&c, "drana", "doctor");
    let nurse = person(&c, "nina", "nurse");
    let front = person(&c, "rosa", "receptionist");
    let form = PatientForm {
        given_name: "Carmen".into(),
        family_name: "Ruiz".into(),
        birth_date: "1958-04-20".into(),
        phones: vec!["600 123 456".into()],
        ..Default::default()
    };
    let mrn = patients::register(&c.tend, &front, &form, OnDuplicates::Refuse)
        .unwrap()
        .mrn;
    Room {
        c,
        doctor,
        nurse,
        front,
        mrn,
    }
}

#[test]
fn signing_freezes_the_note_and_addenda_follow() {
    let r = room();
    let t = &r.c.tend;
    let v = visits::start(t, &r.doctor, &r.mrn, "blood pressure check", None, None).unwrap();
    let id = v.id.to_string();
    assert_eq!(v.status, EncounterStatus::Draft);
    let edit = NoteEdit {
        subjective: Some("No headaches."),
        assessment: Some("Hypertension, controlled."),
        plan: Some("Continue amlodipine."),
        ..Default::default()
    };
    visits::edit_note(t, &r.doctor, &id, &edit).unwrap();
    // Another doctor cannot touch someone else's draft; an empty plan is fine.
    let other = person(&r.c, "drbo", "doctor");
    let err = visits::edit_note(t, &other, &id, &edit).unwrap_err();
    assert!(
        err.user_message().contains("only the visit's clinician"),
        "{}",
        err.user_message()
    );
    let err = visits::add_addendum(t, &r.doctor, &id, "too early").unwrap_err();
    assert!(err.user_message().contains("still a draft"));

    let signed = visits::sign(t, &r.doctor, &id).unwrap();
    assert_eq!(signed.status, EncounterStatus::Signed);
    assert!(signed.hash_holds && signed.content_hash.is_some());
    let err = visits::edit_note(
        t,
        &r.doctor,
        &id,
        &NoteEdit {
            plan: Some("Stop it."),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.user_message(),
        "this note is signed and cannot be changed; add an addendum instead"
    );
    assert!(visits::sign(t, &r.doctor, &id).is_err(), "signed once");

    let with = visits::add_addendum(t, &other, &id, "Lab results normal.").unwrap();
    assert_eq!(with.addenda.len(), 1);
    assert_eq!(with.addenda[0].recorded_by, "drbo");
    assert_eq!(
        with.note.plan, "Continue amlodipine.",
        "the note itself is unchanged"
    );
    assert_eq!(with.content_hash, signed.content_hash);

    // An empty draft cannot be signed; a visit on the wrong patient is voided with a reason.
    let empty = visits::start(t, &r.doctor, &r.mrn, "", None, None)
        .unwrap()
        .id
        .to_string();
    assert!(
        visits::sign(t, &r.doctor, &empty)
            .unwrap_err()
            .user_message()
            .contains("empty note")
    );
    let voided =
        visits::mark_entered_in_error(t, &r.doctor, &empty, "opened on the wrong patient").unwrap();
    assert_eq!(voided.status, EncounterStatus::EnteredInError);
    assert_eq!(
        visits::mark_entered_in_error(t, &r.doctor, &empty, "again")
            .unwrap_err()
            .code(),
        "visit_already_entered_in_error"
    );
}

#[test]
fn templates_start_notes() {
    let r = room();
    let t = &r.c.tend;
    let tpl = visits::save_template(
        t,
        &r.doctor,
        None,
        &TemplateForm {
            name: "Hypertension follow-up",
            reason: "BP follow-up",
            subjective: "Headaches? Dizziness? Adherence?",
            plan: "Continue current treatment.",
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        visits::save_template(
            t,
            &r.doctor,
            None,
            &TemplateForm {
                name: "hypertension FOLLOW-UP",
                ..Default::default()
            }
        )
        .unwrap_err()
        .field(),
        Some("name")
    );
    let v = visits::start(
        t,
        &r.doctor,
        &r.mrn,
        "",
        None,
        Some("Hypertension follow-up"),
    )
    .unwrap();
    assert_eq!(v.reason.as_deref(), Some("BP follow-up"));
    assert_eq!(v.note.subjective, "Headaches? Dizziness? Adherence?");
    visits::archive_template(t, &r.doctor, &tpl.id.to_string()).unwrap();
    assert!(visits::templates(t, &r.doctor).unwrap().is_empty());
    assert!(
        visits::start(
            t,
            &r.doctor,
            &r.mrn,
            "",
            None,
            Some("Hypertension follow-up")
        )
        .is_err()
    );
}

#[test]
fn the_summary_shows_what_a_doctor_needs_first() {
    let r = room();
    let t = &r.c.tend;
    // Allergies not asked yet: the banner says so.
    assert_eq!(
        chart::banner_of(t, &r.front, &r.mrn)
            .unwrap()
            .allergies
            .state,
        "not_asked"
    );
    records::no_known_allergies(t, &r.nurse, &r.mrn).unwrap();
    assert_eq!(
        chart::banner_of(t, &r.front, &r.mrn)
            .unwrap()
            .allergies
            .state,
        "none_known"
    );
    records::record_allergy(
        t,
        &r.nurse,
        &r.mrn,
        &AllergyForm {
            substance: "Penicillin",
            reaction: "anaphylaxis",
            severity: "severe",
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        records::no_known_allergies(t, &r.nurse, &r.mrn).is_err(),
        "not while an allergy is active"
    );

    records::add_problem(
        t,
        &r.doctor,
        &r.mrn,
        &ProblemForm {
            code: "i10",
            onset: "2015-01-01",
            ..Default::default()
        },
    )
    .unwrap();
    let err = records::add_problem(
        t,
        &r.doctor,
        &r.mrn,
        &ProblemForm {
            code: "E11",
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("code"));
    records::add_problem(
        t,
        &r.doctor,
        &r.mrn,
        &ProblemForm {
            description: "Lives alone, needs help with stairs",
            ..Default::default()
        },
    )
    .unwrap();
    records::start_medication(
        t,
        &r.doctor,
        &r.mrn,
        &MedicationForm {
            drug: "amlodipine",
            dose: "5 mg",
            route: "oral",
            frequency: "once daily",
            ..Default::default()
        },
    )
    .unwrap();
    for (minutes, bp) in [(300, "150/95"), (200, "142/90"), (100, "128/82")] {
        let at = r.c.clock.now() - Duration::minutes(minutes);
        let vitals = VitalsForm {
            blood_pressure: bp.into(),
            weight: "70.5".into(),
            height: "160".into(),
            ..Default::default()
        };
        records::record_vitals(t, &r.nurse, &r.mrn, &vitals, Some(at)).unwrap();
    }
    for i in 0..12 {
        visits::start(
            t,
            &r.doctor,
            &r.mrn,
            &format!("visit {i}"),
            Some(r.c.clock.now() - Duration::days(i)),
            None,
        )
        .unwrap();
    }

    let s = chart::summary(t, &r.doctor, &r.mrn).unwrap();
    assert_eq!(s.banner.display_name, "Carmen Ruiz");
    assert_eq!(s.banner.allergies.state, "recorded");
    assert_eq!(s.banner.allergies.active[0].substance, "Penicillin");
    assert_eq!(s.problems.len(), 2);
    assert!(s.problems.iter().any(
        |p| p.code.as_deref() == Some("I10") && p.display == "Essential (primary) hypertension"
    ));
    assert_eq!(s.medications[0].drug, "amlodipine");
    assert_eq!(s.last_visits.len(), 10);
    assert_eq!(s.visit_count, 12);
    assert_eq!(
        s.last_visits[0].reason.as_deref(),
        Some("visit 0"),
        "newest first"
    );
    let latest = s.latest_vitals.unwrap();
    let shown = |m: Measure| {
        latest
            .measures
            .iter()
            .find(|x| x.measure == m)
            .map(|x| (x.shown.clone(), x.flag))
    };
    assert_eq!(shown(Measure::Systolic), Some(("128 mmHg".into(), None)));
    assert_eq!(shown(Measure::Weight), Some(("70.5 kg".into(), None)));
    assert_eq!(shown(Measure::Bmi), Some(("27.5 kg/m²".into(), None)));
    let trend: Vec<Vec<u32>> = s
        .trends
        .blood_pressure
        .iter()
        .map(|p| p.values.clone())
        .collect();
    assert_eq!(
        trend,
        [vec![150, 95], vec![142, 90], vec![128, 82]],
        "oldest first"
    );

    // Abnormal values come back flagged as they are recorded.
    let v = records::record_vitals(
        t,
        &r.nurse,
        &r.mrn,
        &VitalsForm {
            temperature: "39.2".into(),
            spo2: "88".into(),
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let flags: Vec<_> = v.measures.iter().map(|m| (m.measure, m.flag)).collect();
    assert_eq!(
        flags,
        [
            (Measure::Temperature, Some(FlagLevel::High)),
            (Measure::Spo2, Some(FlagLevel::Critical))
        ]
    );
}

#[test]
fn entered_in_error_hides_from_current_lists_but_stays_in_history() {
    let r = room();
    let t = &r.c.tend;
    let allergy = records::record_allergy(
        t,
        &r.nurse,
        &r.mrn,
        &AllergyForm {
            substance: "Sulfa",
            ..Default::default()
        },
    )
    .unwrap();
    let problem = records::add_problem(
        t,
        &r.doctor,
        &r.mrn,
        &ProblemForm {
            code: "J02.9",
            ..Default::default()
        },
    )
    .unwrap();
    let med = records::start_medication(
        t,
        &r.doctor,
        &r.mrn,
        &MedicationForm {
            drug: "ibuprofen",
            ..Default::default()
        },
    )
    .unwrap();
    let imm = records::record_immunization(
        t,
        &r.nurse,
        &r.mrn,
        &ImmunizationForm {
            vaccine: "Influenza",
            lot: "FL-2026",
            ..Default::default()
        },
    )
    .unwrap();
    let vit = records::record_vitals(
        t,
        &r.nurse,
        &r.mrn,
        &VitalsForm {
            pulse: "180".into(),
            ..Default::default()
        },
        None,
    )
    .unwrap()
    .id;

    // A nurse may void what nurses record, not a problem.
    assert_eq!(
        records::mark_entered_in_error(t, &r.nurse, &problem.to_string(), "wrong patient")
            .unwrap_err()
            .code(),
        "forbidden"
    );
    for (who, id) in [
        (&r.nurse, allergy),
        (&r.doctor, problem),
        (&r.doctor, med),
        (&r.nurse, imm),
        (&r.nurse, vit),
    ] {
        records::mark_entered_in_error(t, who, &id.to_string(), "recorded on the wrong patient")
            .unwrap();
    }
    assert_eq!(
        records::mark_entered_in_error(t, &r.nurse, &vit.to_string(), "twice")
            .unwrap_err()
            .code(),
        "already_entered_in_error"
    );
    assert!(
        records::mark_entered_in_error(t, &r.nurse, &vit.to_string(), " ").is_err(),
        "a reason is required"
    );

    let s = chart::summary(t, &r.doctor, &r.mrn).unwrap();
    assert!(s.banner.allergies.active.is_empty());
    assert!(s.problems.is_empty() && s.medications.is_empty() && s.latest_vitals.is_none());
    let l = chart::lists(t, &r.doctor, &r.mrn).unwrap();
    assert_eq!(l.allergies[0].status, Status::EnteredInError);
    assert_eq!(l.problems[0].status, Status::EnteredInError);
    assert_eq!(l.medications[0].status, Status::EnteredInError);
    assert!(l.vitals[0].entered_in_error && l.immunizations[0].entered_in_error);
    // Voided things cannot be changed further.
    assert!(records::stop_medication(t, &r.doctor, &med.to_string(), "", "").is_err());
}

#[test]
fn medications_change_and_stop_and_problems_resolve() {
    let r = room();
    let t = &r.c.tend;
    let med = records::start_medication(
        t,
        &r.doctor,
        &r.mrn,
        &MedicationForm {
            drug: "metformin",
            dose: "500 mg",
            frequency: "twice daily",
            ..Default::default()
        },
    )
    .unwrap()
    .to_string();
    records::change_medication(
        t,
        &r.doctor,
        &med,
        &MedicationForm {
            // Typed with a trailing zero: recorded in safe notation.
            dose: "1000.0 mg",
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        records::change_medication(t, &r.doctor, &med, &MedicationForm::default())
            .unwrap_err()
            .field(),
        Some("dose")
    );
    // An error-prone abbreviation on the medication list is refused, naming the field.
    let qd = records::change_medication(
        t,
        &r.doctor,
        &med,
        &MedicationForm {
            dose: "10 U QD",
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(qd.field(), Some("dose"));
    assert!(qd.to_string().contains("once a day"), "{qd}");
    let s = chart::summary(t, &r.doctor, &r.mrn).unwrap();
    assert_eq!(
        (
            s.medications[0].dose.as_deref(),
            s.medications[0].frequency.as_deref()
        ),
        (Some("1000 mg"), Some("twice a day"))
    );
    records::stop_medication(t, &r.doctor, &med, "", "stomach upset").unwrap();
    assert!(
        chart::summary(t, &r.doctor, &r.mrn)
            .unwrap()
            .medications
            .is_empty()
    );
    assert!(
        records::stop_medication(t, &r.doctor, &med, "", "").is_err(),
        "already stopped"
    );

    let p = records::add_problem(
        t,
        &r.doctor,
        &r.mrn,
        &ProblemForm {
            code: "J02.9",
            ..Default::default()
        },
    )
    .unwrap()
    .to_string();
    assert_eq!(
        records::resolve_problem(t, &r.doctor, &med, "")
            .unwrap_err()
            .field(),
        Some("id"),
        "not a problem"
    );
    records::resolve_problem(t, &r.doctor, &p, "").unwrap();
    assert!(
        chart::summary(t, &r.doctor, &r.mrn)
            .unwrap()
            .problems
            .is_empty()
    );
}

#[test]
fn the_front_desk_sees_the_banner_not_the_chart_and_every_read_is_audited() {
    let r = room();
    let t = &r.c.tend;
    let v = visits::start(t, &r.doctor, &r.mrn, "private matter", None, None)
        .unwrap()
        .id
        .to_string();
    assert_eq!(
        chart::summary(t, &r.front, &r.mrn).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        chart::lists(t, &r.front, &r.mrn).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        visits::get(t, &r.front, &v).unwrap_err().code(),
        "forbidden"
    );
    assert_eq!(
        visits::list(t, &r.front, &r.mrn, 10, 0).unwrap_err().code(),
        "forbidden"
    );
    chart::banner_of(t, &r.front, &r.mrn).unwrap();

    let before = audit::verify(t, &r.c.admin).unwrap().verified;
    chart::summary(t, &r.nurse, &r.mrn).unwrap();
    visits::get(t, &r.nurse, &v).unwrap();
    patients::get(t, &r.front, &r.mrn).unwrap();
    let after = audit::verify(t, &r.c.admin).unwrap().verified;
    // three reads + the first verify's own entry
    assert_eq!(after, before + 4);
}

#[test]
fn icd_codes_are_searchable_by_words_and_code() {
    let hits = records::icd_search("hypert", 5).unwrap();
    assert_eq!(hits[0].code, "I10");
    assert_eq!(
        records::icd_search("J02.9", 1).unwrap()[0].description,
        "Acute pharyngitis, unspecified"
    );
}

#[test]
fn every_clinical_form_names_the_field_it_refuses() {
    let r = room();
    let t = &r.c.tend;
    let m = r.mrn.as_str();
    let field = |result: Result<uuid::Uuid, tend_core::CoreError>| result.unwrap_err().field();
    let allergy = |f: AllergyForm<'_>| field(records::record_allergy(t, &r.nurse, m, &f));
    assert_eq!(
        allergy(AllergyForm {
            substance: " ",
            ..Default::default()
        }),
        Some("substance")
    );
    assert_eq!(
        allergy(AllergyForm {
            substance: "Latex",
            severity: "deadly",
            ..Default::default()
        }),
        Some("severity")
    );
    assert_eq!(
        allergy(AllergyForm {
            substance: "Latex",
            category: "plants",
            ..Default::default()
        }),
        Some("category")
    );
    let problem = |f: ProblemForm<'_>| field(records::add_problem(t, &r.doctor, m, &f));
    assert_eq!(problem(ProblemForm::default()), Some("description"));
    assert_eq!(
        problem(ProblemForm {
            code: "ZZZ",
            ..Default::default()
        }),
        Some("code")
    );
    assert_eq!(
        problem(ProblemForm {
            code: "I10",
            onset: "2099-01-01",
            ..Default::default()
        }),
        Some("onset")
    );
    assert_eq!(
        problem(ProblemForm {
            code: "I10",
            onset: "yesterday",
            ..Default::default()
        }),
        Some("onset")
    );
    let med = |f: MedicationForm<'_>| field(records::start_medication(t, &r.doctor, m, &f));
    assert_eq!(med(MedicationForm::default()), Some("drug"));
    assert_eq!(
        med(MedicationForm {
            drug: "x",
            started_on: "31/02/2026",
            ..Default::default()
        }),
        Some("started_on")
    );
    let imm = |f: ImmunizationForm<'_>| field(records::record_immunization(t, &r.nurse, m, &f));
    assert_eq!(imm(ImmunizationForm::default()), Some("vaccine"));
    assert_eq!(
        imm(ImmunizationForm {
            vaccine: "MMR",
            given_on: "2099-01-01",
            ..Default::default()
        }),
        Some("given_on")
    );
    let future = r.c.clock.now() + Duration::hours(2);
    let vitals = VitalsForm {
        pulse: "70".into(),
        ..Default::default()
    };
    assert_eq!(
        records::record_vitals(t, &r.nurse, m, &vitals, Some(future))
            .unwrap_err()
            .field(),
        Some("taken_at")
    );
    assert_eq!(
        records::mark_entered_in_error(t, &r.nurse, "not-an-id", "x")
            .unwrap_err()
            .field(),
        Some("id")
    );
    assert_eq!(
        records::record_allergy(
            t,
            &r.nurse,
            "Q9-000001",
            &AllergyForm {
                substance: "x",
                ..Default::default()
            }
        )
        .unwrap_err()
        .field(),
        Some("mrn")
    );
}
