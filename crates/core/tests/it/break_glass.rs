//! Break-glass: who may not read charts opens one patient's chart after giving a reason; it
//! lasts half an hour, reads only, is audited and flagged, and admins review every one.

use chrono::Duration;
use tend_core::api::forms::AuditSearch;
use tend_core::audit;
use tend_core::chart::visits;
use tend_core::clock::Clock;
use tend_core::patients::{self, OnDuplicates};
use tend_core::{CoreError, auth, chart};
use tend_domain::Action;
use tend_domain::chart::VitalsForm;
use tend_domain::patients::PatientForm;

use crate::support::{clinic, person};

fn form(given: &str) -> PatientForm {
    PatientForm {
        given_name: given.into(),
        family_name: "Glass".into(),
        birth_date: "1950-03-01".into(),
        phones: vec!["600 000 111".into()],
        ..Default::default()
    }
}

#[test]
fn a_receptionist_breaks_the_glass_for_one_patient_for_half_an_hour_and_admins_review_it() {
    let c = clinic();
    let doctor = person(&c, "dora", "doctor");
    let front = person(&c, "rosa", "receptionist");
    let nurse = person(&c, "nina", "nurse");
    let p = patients::register(&c.tend, &doctor, &form("Pedro"), OnDuplicates::Refuse).unwrap();
    let other = patients::register(
        &c.tend,
        &doctor,
        &form("Otra"),
        OnDuplicates::RegisterAnyway,
    )
    .unwrap();
    let visit = visits::start(&c.tend, &doctor, &p.mrn, "chest pain", None, None)
        .unwrap()
        .id
        .to_string();

    // Without the role, the chart is closed.
    let e = chart::summary(&c.tend, &front, &p.mrn).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::Forbidden {
                action: Action::ChartRead
            }
        ),
        "{e:?}"
    );

    // A reason is needed, and it must say something.
    let pasted_page = "The patient said he felt unwell. ".repeat(40);
    for (reason, says) in [
        ("", "is required"),
        ("   ", "is required"),
        (pasted_page.as_str(), "500"),
        ("urgent", "say why"),
        ("a\u{7}bell in it ok", "control"),
    ] {
        let e = chart::break_glass(&c.tend, &front, &p.mrn, reason).unwrap_err();
        assert_eq!(e.field(), Some("reason"), "{reason:?}");
        assert!(
            e.user_message().contains(says),
            "{reason:?}: {}",
            e.user_message()
        );
    }
    // Clinicians read charts anyway: the glass is not theirs to break.
    let e =
        chart::break_glass(&c.tend, &nurse, &p.mrn, "Collapsed in the waiting room").unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::Forbidden {
                action: Action::BreakGlass
            }
        ),
        "{e:?}"
    );

    let opened = chart::break_glass(
        &c.tend,
        &front,
        &p.mrn,
        "Collapsed in the waiting room; the ambulance asks for his allergies",
    )
    .unwrap();
    assert_eq!(opened.until, c.clock.now() + Duration::minutes(30));

    // This patient's chart reads, notes included; another patient's does not; writing does not.
    chart::summary(&c.tend, &front, &p.mrn).unwrap();
    chart::lists(&c.tend, &front, &p.mrn).unwrap();
    visits::list(&c.tend, &front, &p.mrn, 10, 0).unwrap();
    visits::get(&c.tend, &front, &visit).unwrap();
    assert!(chart::summary(&c.tend, &front, &other.mrn).is_err());
    let vitals = VitalsForm {
        pulse: "80".into(),
        ..Default::default()
    };
    let e = chart::records::record_vitals(&c.tend, &front, &p.mrn, &vitals, None).unwrap_err();
    assert!(matches!(e, CoreError::Forbidden { .. }), "{e:?}");

    // Half an hour later it is closed again.
    c.clock.advance(Duration::minutes(31));
    let front = auth::sign_in(&c.tend, "rosa", "rosa password 1").unwrap();
    let e = chart::summary(&c.tend, &front, &p.mrn).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::Forbidden {
                action: Action::ChartRead
            }
        ),
        "{e:?}"
    );

    // Admins review every opening: who, whom, when and why; nobody else can.
    let admin = auth::sign_in(&c.tend, "admin", crate::support::ADMIN_PASSWORD).unwrap();
    let review = audit::break_glass_review(&c.tend, &admin).unwrap();
    assert_eq!(review.len(), 1);
    let row = &review[0];
    assert_eq!(row.user, "rosa");
    assert_eq!(row.mrn, p.mrn);
    assert!(row.patient.contains("Pedro"), "{row:?}");
    assert!(row.reason.contains("ambulance"), "{row:?}");
    assert!(audit::break_glass_review(&c.tend, &front).is_err());
    // And the flagged entry is in the audit log, with the reason.
    let entries = audit::search(
        &c.tend,
        &admin,
        &AuditSearch {
            from: String::new(),
            to: String::new(),
            user: String::new(),
            action: "chart.break_glass".into(),
            outcome: String::new(),
            before: None,
            limit: 50,
        },
    )
    .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let text = serde_json::to_string(&entries[0]).unwrap();
    assert!(
        text.contains("break_glass") && text.contains("ambulance"),
        "{text}"
    );
}

/// How long an opening lasts is the clinic's setting: an admin changes it (within 5 minutes to 8
/// hours, named beside the field otherwise), nobody else can, and the next opening lasts that.
#[test]
fn an_admin_sets_how_long_a_break_glass_opening_lasts() {
    use tend_core::clinic;
    let c = clinic();
    let admin = auth::sign_in(&c.tend, "admin", crate::support::ADMIN_PASSWORD).unwrap();
    let front = person(&c, "rosa", "receptionist");
    let doctor = person(&c, "dora", "doctor");
    let p = patients::register(&c.tend, &doctor, &form("Pedro"), OnDuplicates::Refuse).unwrap();
    assert_eq!(
        clinic::settings(&c.tend, &admin)
            .unwrap()
            .break_glass_minutes,
        30
    );

    for typed in ["", "ten", "4", "481", "12.5", "-30"] {
        let e = clinic::set_break_glass(&c.tend, &admin, typed).unwrap_err();
        assert_eq!(e.field(), Some("break_glass_minutes"), "{typed:?}: {e:?}");
        assert!(
            e.user_message().contains("from 5 to 480"),
            "{typed:?}: {e:?}"
        );
    }
    let e = clinic::set_break_glass(&c.tend, &front, "240").unwrap_err();
    assert!(matches!(e, CoreError::Forbidden { .. }), "{e:?}");

    let set = clinic::set_break_glass(&c.tend, &admin, " 10 ").unwrap();
    assert_eq!(set.break_glass_minutes, 10);
    let opened = chart::break_glass(
        &c.tend,
        &front,
        &p.mrn,
        "Collapsed at the desk, doctor away",
    )
    .unwrap();
    assert_eq!(opened.until, c.clock.now() + Duration::minutes(10));
    c.clock.advance(Duration::minutes(11));
    let front = auth::sign_in(&c.tend, "rosa", "rosa password 1").unwrap();
    assert!(
        chart::summary(&c.tend, &front, &p.mrn).is_err(),
        "over after 10 minutes"
    );
}
