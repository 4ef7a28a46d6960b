//! Every rule of the registration form, one row each.

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn form() -> PatientForm {
    PatientForm {
        given_name: "Ana".into(),
        family_name: "García-López".into(),
        birth_date: "1979-03-14".into(),
        phones: vec!["+34 612 345 678".into()],
        ..Default::default()
    }
}

/// Applies `change` to a valid form and expects the error to name `field` (or no error).
fn check(change: impl FnOnce(&mut PatientForm), field: Option<&str>) {
    let mut f = form();
    change(&mut f);
    let got = f.validate(today()).err().map(|e| e.field);
    assert_eq!(got, field, "{f:?}");
}

#[test]
fn every_rule_names_its_field() {
    check(|_| {}, None);
    check(|f| f.given_name = String::new(), None); // one name is enough
    check(
        |f| {
            f.given_name = " ".into();
            f.family_name = String::new();
        },
        Some("family_name"),
    );
    check(|f| f.family_name = "x".repeat(101), Some("family_name"));
    check(|f| f.given_name = "Ana\u{7}".into(), Some("given_name"));
    check(
        |f| f.preferred_name = "x".repeat(101),
        Some("preferred_name"),
    );
    check(|f| f.birth_date = String::new(), Some("birth_date"));
    check(|f| f.birth_date = "2026-11-25".into(), Some("birth_date")); // tomorrow
    check(|f| f.birth_date = "1879-01-01".into(), Some("birth_date"));
    check(|f| f.birth_date = "31/02/1980".into(), Some("birth_date"));
    check(|f| f.birth_date = "14/03/1979".into(), None);
    check(|f| f.birth_date = "14.3.1979".into(), None);
    check(
        |f| {
            f.birth_date = String::new();
            f.estimated_age_years = "45".into();
        },
        None,
    );
    check(
        |f| f.estimated_age_years = "45".into(),
        Some("estimated_age_years"),
    );
    check(
        |f| {
            f.birth_date = String::new();
            f.estimated_age_years = "about 45".into();
        },
        Some("estimated_age_years"),
    );
    check(
        |f| {
            f.birth_date = String::new();
            f.estimated_age_years = "131".into();
        },
        Some("estimated_age_years"),
    );
    check(|f| f.sex = "F".into(), None);
    check(|f| f.sex = "woman".into(), Some("sex"));
    check(|f| f.phones = vec![], Some("phones"));
    check(|f| f.phones = vec!["  ".into()], Some("phones"));
    check(|f| f.phones = vec!["12".into()], Some("phones"));
    check(
        |f| f.phones = vec!["home: 91 555 12 12".into(), "work:(555) 010-2030".into()],
        None,
    );
    check(
        |f| f.phones = vec!["fax: 91 555 12 12".into()],
        Some("phones"),
    );
    check(|f| f.phones = vec!["1234567".into(); 6], Some("phones"));
    check(|f| f.email = "ana@example.org".into(), None);
    check(|f| f.email = "ana@example".into(), Some("email"));
    check(|f| f.email = "ana example.org".into(), Some("email"));
    check(
        |f| {
            f.address = Some(Address {
                city: "Madrid".into(),
                ..Default::default()
            })
        },
        None,
    );
    check(|f| f.address = Some(Address::default()), None);
    check(
        |f| {
            f.address = Some(Address {
                postal_code: "28001".into(),
                ..Default::default()
            })
        },
        Some("address.line1"),
    );
    check(
        |f| {
            f.emergency_contact = Some(EmergencyContact {
                name: "Luis".into(),
                relationship: "son".into(),
                phone: "612 000 111".into(),
            })
        },
        None,
    );
    check(
        |f| {
            f.emergency_contact = Some(EmergencyContact {
                name: "Luis".into(),
                relationship: String::new(),
                phone: String::new(),
            })
        },
        Some("emergency_contact.phone"),
    );
    check(
        |f| {
            f.emergency_contact = Some(EmergencyContact {
                name: String::new(),
                relationship: String::new(),
                phone: "612 000 111".into(),
            })
        },
        Some("emergency_contact.name"),
    );
    check(
        |f| {
            f.insurance = Some(Insurance {
                payer: "Sanitas".into(),
                member_id: "X-1".into(),
                group: String::new(),
            })
        },
        None,
    );
    check(
        |f| {
            f.insurance = Some(Insurance {
                payer: "Sanitas".into(),
                member_id: String::new(),
                group: String::new(),
            })
        },
        Some("insurance.member_id"),
    );
    check(
        |f| f.front_desk_note = "Prefers mornings.\nDeaf in left ear.".into(),
        None,
    );
    check(
        |f| f.front_desk_note = "x".repeat(501),
        Some("front_desk_note"),
    );
    check(|f| f.national_id = "x".repeat(41), Some("national_id"));
    check(|f| f.language = "Español".into(), None);
}

#[test]
fn an_estimated_age_gives_a_flagged_birth_date() {
    let mut f = form();
    f.birth_date = String::new();
    f.estimated_age_years = "45".into();
    let d = f.validate(today()).unwrap();
    assert!(d.birth_date_estimated);
    assert_eq!(d.birth_date, NaiveDate::from_ymd_opt(1981, 11, 24).unwrap());
    assert_eq!(age_on(d.birth_date, today()).years, 45);
}

#[test]
fn names_display_with_the_preferred_name() {
    let mut f = form();
    f.preferred_name = "Anita".into();
    assert_eq!(
        f.validate(today()).unwrap().display_name(),
        "Anita García-López"
    );
    assert_eq!(display_name(None, "", "Suharto"), "Suharto");
    assert_eq!(display_name(None, "Cher", ""), "Cher");
}

#[test]
fn an_address_is_written_one_way_leaving_out_what_is_empty() {
    use super::Address;
    let a = |line1: &str, line2: &str, postal: &str, city: &str, region: &str, country: &str| {
        Address {
            line1: line1.into(),
            line2: line2.into(),
            city: city.into(),
            region: region.into(),
            postal_code: postal.into(),
            country: country.into(),
        }
        .lines()
    };
    let cases: [(Vec<String>, &[&str]); 5] = [
        (
            a(
                "Calle del Sol 14",
                "bajo B",
                "28013",
                "Madrid",
                "",
                "España",
            ),
            &["Calle del Sol 14", "bajo B", "28013 Madrid", "España"],
        ),
        (
            a(
                "12 High St",
                "",
                "",
                "Leeds",
                "West Yorkshire",
                "United Kingdom",
            ),
            &["12 High St", "Leeds", "West Yorkshire", "United Kingdom"],
        ),
        // A postcode without a town, and spaces only where a line should be.
        (
            a("Rua A, 5", "  ", "1000-001", "", "", ""),
            &["Rua A, 5", "1000-001"],
        ),
        // No street: never an empty first line.
        (a("", "", "75001", "Paris", "", ""), &["75001 Paris"]),
        (a("", "", "", "", "", ""), &[]),
    ];
    for (got, expected) in cases {
        assert_eq!(got, expected);
    }
}
