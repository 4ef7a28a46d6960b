//! Patients: search that forgives accents, case, a typo, word order and phone formatting;
//! duplicates found before saving; merge and unmerge.

use tend_core::api::PatientSummaryDto;
use tend_core::chart::{records, visits};
use tend_core::patients::{self, OnDuplicates};
use tend_core::{CoreError, Session, chart};
use tend_domain::patients::PatientForm;

use crate::support::{Clinic, clinic, person};

fn form(given: &str, family: &str, born: &str, phone: &str) -> PatientForm {
    PatientForm {
        given_name: given.into(),
        family_name: family.into(),
        birth_date: born.into(),
        phones: vec![phone.into()],
        ..Default::default()
    }
}

struct Desk {
    c: Clinic,
    front: Session,
    mrns: Vec<String>,
}

/// A clinic with a receptionist and a handful of patients whose names test search.
fn desk() -> Desk {
    let c = clinic();
    let front = person(&c, "rosa", "receptionist");
    let people = [
        ("Ana", "García-López", "1979-03-14", "+34 612 345 678"),
        ("Angus", "MacDonald", "1950-10-10", "600 555 777"),
        ("José", "Müller-Øster", "1962-07-01", "91 555 12 12"),
        ("Thị Ánh", "Nguyễn", "1990-12-24", "(555) 010-2030"),
        ("Zoë", "Ørsted", "2001-05-05", "600 111 222"),
        ("Anabel", "Garcés", "1985-02-02", "600 333 444"),
        ("Lucía", "García-López", "2008-06-02", "+34 612 345 678"),
    ];
    let mrns = people
        .iter()
        .map(|(g, f, b, p)| {
            patients::register(
                &c.tend,
                &front,
                &form(g, f, b, p),
                OnDuplicates::RegisterAnyway,
            )
            .unwrap()
            .mrn
        })
        .collect();
    Desk { c, front, mrns }
}

fn names(hits: &[PatientSummaryDto]) -> Vec<String> {
    hits.iter().map(|h| h.display_name.clone()).collect()
}

#[test]
fn search_forgives_how_people_type() {
    let d = desk();
    let first = |q: &str| {
        let hits = patients::search(&d.c.tend, &d.front, q, 10).unwrap();
        hits.first()
            .map(|h| h.display_name.clone())
            .unwrap_or_default()
    };
    let cases = [
        // accents and case
        ("garcia lopez", "Ana García-López"),
        ("GARCÍA ana", "Ana García-López"),
        ("muller oster", "José Müller-Øster"),
        ("orsted", "Zoë Ørsted"),
        ("zoe", "Zoë Ørsted"),
        ("nguyen", "Thị Ánh Nguyễn"),
        ("Nguyễn Ánh", "Thị Ánh Nguyễn"),
        // prefixes as one types
        ("garcia lop", "Ana García-López"),
        ("jos mul", "José Müller-Øster"),
        // one typo
        ("garica lopez ana", "Ana García-López"),
        ("muler", "José Müller-Øster"),
        ("nguyne", "Thị Ánh Nguyễn"),
        // given and family swapped
        ("lopez ana", "Ana García-López"),
        // compound names with the hyphen moved or left out
        ("garcialopez", "Ana García-López"),
        ("garcial opez ana", "Ana García-López"),
        ("mac donald", "Angus MacDonald"),
        // phone, however written
        ("612345678", "Ana García-López"),
        ("+34 612-345-678", "Ana García-López"),
        ("0102030", "Thị Ánh Nguyễn"),
        ("555 12 12", "José Müller-Øster"),
        ("+34 612", "Ana García-López"),
        ("345 678", "Ana García-López"),
        ("0034 612 345 678", "Ana García-López"),
        // birth date, and a name narrowed by year
        ("1962-07-01", "José Müller-Øster"),
        ("01/07/1962", "José Müller-Øster"),
        ("garcia 2008", "Lucía García-López"),
    ];
    for (q, expected) in cases {
        assert_eq!(first(q), expected, "{q:?}");
    }
    // MRN, with or without zeros and dash.
    let mrn = &d.mrns[4];
    assert_eq!(first(mrn), "Zoë Ørsted");
    assert_eq!(first(&mrn.replace('-', "").to_lowercase()), "Zoë Ørsted");
    assert_eq!(
        first(&format!("{}-5", &mrn[..2])),
        "Zoë Ørsted",
        "typed without zeros"
    );
    let all = patients::search(&d.c.tend, &d.front, &mrn[..2], 10).unwrap();
    assert_eq!(all.len(), 7, "the device code alone lists its patients");
    // Exact beats prefix: "ana" puts Ana before Anabel.
    let hits = patients::search(&d.c.tend, &d.front, "ana", 10).unwrap();
    assert_eq!(names(&hits)[..2], ["Ana García-López", "Anabel Garcés"]);
    // Both García-López share a phone: a family.
    let hits = patients::search(&d.c.tend, &d.front, "612 345 678", 10).unwrap();
    assert_eq!(hits.len(), 2);
    // Nothing, bounded, and no match for two typos.
    assert!(
        patients::search(&d.c.tend, &d.front, "", 10)
            .unwrap()
            .is_empty()
    );
    assert!(
        patients::search(&d.c.tend, &d.front, "gracai", 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        patients::search(&d.c.tend, &d.front, "a", 2).unwrap().len(),
        2
    );
}

#[test]
fn registration_warns_of_likely_duplicates_before_saving() {
    let d = desk();
    // The journey of docs/design.md: typed without accents, same birth date.
    let new = form("Ana", "Garcia Lopez", "1979-03-14", "699 000 000");
    let found = patients::check_duplicates(&d.c.tend, &d.front, &new).unwrap();
    assert_eq!(found[0].patient.display_name, "Ana García-López");
    assert!(found[0].score >= 75, "{found:?}");
    assert!(found[0].reasons.contains(&"the same birth date"));
    let err = patients::register(&d.c.tend, &d.front, &new, OnDuplicates::Refuse).unwrap_err();
    assert!(matches!(err, CoreError::PossibleDuplicates(_)));
    assert_eq!(err.code(), "possible_duplicates");
    assert!(
        err.user_message().contains("Ana García-López"),
        "{}",
        err.user_message()
    );
    assert_eq!(
        patients::search(&d.c.tend, &d.front, "garcia lopez ana", 10)
            .unwrap()
            .len(),
        1,
        "nothing saved"
    );
    // The receptionist looked and it is another Ana.
    let second =
        patients::register(&d.c.tend, &d.front, &new, OnDuplicates::RegisterAnyway).unwrap();
    assert_ne!(second.mrn, d.mrns[0]);
    // A daughter sharing the family phone is not flagged.
    let daughter = form("Marta", "García-López", "2012-09-09", "+34 612 345 678");
    assert!(
        patients::check_duplicates(&d.c.tend, &d.front, &daughter)
            .unwrap()
            .is_empty()
    );
    // A day/month slip still is.
    let slip = form("Jose", "Muller Oster", "1962-01-07", "");
    let slip = PatientForm {
        phones: vec!["611 000 000".into()],
        ..slip
    };
    assert!(
        !patients::check_duplicates(&d.c.tend, &d.front, &slip)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn mrns_come_from_the_device_series_and_are_never_reused() {
    let d = desk();
    let code = &d.mrns[0][..2];
    for (i, mrn) in d.mrns.iter().enumerate() {
        assert_eq!(mrn, &format!("{code}-{:06}", i + 1));
    }
    // A refused registration uses no number.
    let dup = form("Ana", "García-López", "1979-03-14", "612 345 678");
    assert!(patients::register(&d.c.tend, &d.front, &dup, OnDuplicates::Refuse).is_err());
    let next = patients::register(
        &d.c.tend,
        &d.front,
        &form("New", "Person", "2000-01-01", "600 999 999"),
        OnDuplicates::Refuse,
    )
    .unwrap();
    assert_eq!(next.mrn, format!("{code}-000008"));
}

#[test]
fn demographics_are_edited_and_every_error_names_its_field() {
    let d = desk();
    let mrn = &d.mrns[1];
    let mut f = form("José", "Müller-Øster", "1962-07-01", "91 555 12 12");
    f.preferred_name = "Pepe".into();
    f.email = "pepe@example.org".into();
    let p = patients::edit(&d.c.tend, &d.front, mrn, &f).unwrap();
    assert_eq!(p.display_name, "Pepe Müller-Øster");
    assert_eq!(
        patients::search(&d.c.tend, &d.front, "pepe", 5).unwrap()[0].mrn,
        *mrn,
        "the index follows"
    );
    f.email = "pepe at example".into();
    let err = patients::edit(&d.c.tend, &d.front, mrn, &f).unwrap_err();
    assert_eq!(err.field(), Some("email"));
    let err = patients::get(&d.c.tend, &d.front, "K7-12x").unwrap_err();
    assert_eq!(err.field(), Some("mrn"));
}

#[test]
fn merge_moves_everything_to_the_survivor_and_unmerge_puts_it_back() {
    let d = desk();
    let doctor = person(&d.c, "drlee", "doctor");
    let admin = &d.c.admin;
    let (keep, dup) = (&d.mrns[0], {
        // The same Ana registered twice, once without accents.
        let new = form("Ana", "Garcia Lopez", "1979-03-14", "699 000 000");
        patients::register(&d.c.tend, &d.front, &new, OnDuplicates::RegisterAnyway)
            .unwrap()
            .mrn
    });
    // The duplicate gathered a visit and an allergy before anyone noticed.
    let v = visits::start(&d.c.tend, &doctor, &dup, "cough", None, None).unwrap();
    let edit = visits::NoteEdit {
        reason: None,
        subjective: Some("Dry cough for a week."),
        objective: None,
        assessment: None,
        plan: None,
    };
    visits::edit_note(&d.c.tend, &doctor, &v.id.to_string(), &edit).unwrap();
    visits::sign(&d.c.tend, &doctor, &v.id.to_string()).unwrap();
    records::record_allergy(
        &d.c.tend,
        &doctor,
        &dup,
        &records::AllergyForm {
            substance: "Penicillin",
            severity: "severe",
            ..Default::default()
        },
    )
    .unwrap();
    visits::start(&d.c.tend, &doctor, keep, "check-up", None, None).unwrap();

    let err = patients::merge(&d.c.tend, &doctor, keep, &dup).unwrap_err();
    assert_eq!(err.code(), "forbidden", "only an admin merges");
    let m = patients::merge(&d.c.tend, admin, keep, &dup).unwrap();
    assert_eq!((m.visits_moved, m.events_moved), (1, 1));

    let s = chart::summary(&d.c.tend, &doctor, keep).unwrap();
    assert_eq!(s.visit_count, 2);
    // The note was signed for the duplicate's record; moved, its hash still holds.
    let moved = visits::get(&d.c.tend, &doctor, &v.id.to_string()).unwrap();
    assert_eq!(moved.patient_mrn, *keep);
    assert!(moved.hash_holds);
    assert_eq!(s.banner.allergies.active[0].substance, "Penicillin");
    // The duplicate's number now opens the survivor; search no longer lists it by name.
    assert_eq!(
        chart::summary(&d.c.tend, &doctor, &dup).unwrap().banner.mrn,
        *keep
    );
    assert_eq!(
        patients::search(&d.c.tend, &d.front, "garcia lopez ana", 10)
            .unwrap()
            .len(),
        1
    );
    let by_mrn = patients::search(&d.c.tend, &d.front, &dup, 10).unwrap();
    assert_eq!(by_mrn[0].merged_into_mrn.as_deref(), Some(keep.as_str()));
    assert_eq!(
        patients::merge(&d.c.tend, admin, keep, &dup)
            .unwrap_err()
            .code(),
        "patient_already_merged"
    );

    // A visit added to the survivor after the merge stays with it on unmerge.
    visits::start(&d.c.tend, &doctor, keep, "later", None, None).unwrap();
    let u = patients::unmerge(&d.c.tend, admin, &dup).unwrap();
    assert_eq!((u.visits_moved, u.events_moved), (1, 1));
    assert_eq!(
        chart::summary(&d.c.tend, &doctor, keep)
            .unwrap()
            .visit_count,
        2
    );
    let back = chart::summary(&d.c.tend, &doctor, &dup).unwrap();
    assert_eq!(back.banner.mrn, dup);
    assert_eq!(back.last_visits[0].id, v.id);
    assert_eq!(
        patients::search(&d.c.tend, &d.front, "garcia lopez ana", 10)
            .unwrap()
            .len(),
        2
    );
    let report = tend_core::audit::check_database(&d.c.tend, admin).unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
}

#[test]
fn a_page_pasted_into_the_search_box_is_refused_at_once_naming_the_field() {
    let d = desk();
    let t = &d.c.tend;
    let page = "garcia lopez maria ana jose perez de la ".repeat(60);
    // Before this was bounded, 400 words took 47 s on a 100,000-patient clinic.
    let e = patients::search(t, &d.front, &page, 10).unwrap_err();
    assert_eq!(e.field(), Some("query"));
    let many = "ana maria de la garcia lopez y perez rosa";
    assert_eq!(
        patients::search(t, &d.front, many, 10).unwrap_err().field(),
        Some("query"),
        "nine words"
    );
    assert_eq!(
        patients::search(t, &d.front, "ana\u{0}garcia", 10)
            .unwrap_err()
            .field(),
        Some("query")
    );
    // The same bound on the other search boxes.
    assert!(records::icd_search(&page, 8).is_err());
    let hits = patients::search(t, &d.front, "ana garcía lópez 1979", 10).unwrap();
    assert_eq!(hits[0].display_name, "Ana García-López");
}
