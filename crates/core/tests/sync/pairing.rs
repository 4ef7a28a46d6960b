//! The clinic's own path, through tend-core's use cases: the admin connects the first desktop,
//! shows a pairing code, a second desktop joins with it and signs in with the same accounts;
//! a safety-list conflict is flagged on both and only a clinician settles it.

use tend_core::patients::{self, OnDuplicates};
use tend_core::sync::{self, JoinRequest};
use tend_core::users::{self, NewUser};
use tend_core::{CoreError, auth};
use tend_domain::Action;
use tend_domain::patients::PatientForm;
use tend_sync::local_server::TEST_ENROL_TOKEN;

use crate::support::{env, shared_server};

fn form(birth_date: &str) -> PatientForm {
    PatientForm {
        given_name: "Rocío".into(),
        family_name: "Quintana".into(),
        birth_date: birth_date.into(),
        phones: vec!["600 123 456".into()],
        ..Default::default()
    }
}

#[test]
fn a_second_desktop_joins_by_pairing_and_a_clinician_settles_a_safety_conflict() {
    let server = shared_server();
    let dir_a = tempfile::tempdir().unwrap();
    let a = crate::support::new_clinic(dir_a.path(), "Clínica Sol", "Front desk");
    let a = a.tend;
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    for (name, roles) in [("rosa", "receptionist"), ("nina", "nurse")] {
        users::add(
            &a,
            &admin,
            &NewUser {
                username: name,
                display_name: name,
                roles,
                licence_number: "",
                password: &format!("{name} password 1"),
            },
        )
        .unwrap();
    }
    let rosa_a = auth::sign_in(&a, "rosa", "rosa password 1").unwrap();
    let patient =
        patients::register(&a, &rosa_a, &form("1975-03-02"), OnDuplicates::Refuse).unwrap();

    // Only the admin connects, and a wrong enrolment token is refused with a reason.
    let err = sync::connect(&a, &rosa_a, &server, TEST_ENROL_TOKEN).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Forbidden {
                action: Action::SyncManage
            }
        ),
        "{err:?}"
    );
    let err = sync::connect(&a, &admin, &server, "not the token").unwrap_err();
    assert!(err.to_string().contains("enrolment token"), "{err}");
    let status = sync::connect(&a, &admin, &server, TEST_ENROL_TOKEN).unwrap();
    assert!(status.configured);
    assert_eq!(
        status.pending, 0,
        "the first round sent everything: {status:?}"
    );

    let code = sync::pairing_code(&a, &admin).unwrap();
    assert!(code.code.starts_with("TEND2-"));
    let dir_b = tempfile::tempdir().unwrap();
    let bad = sync::join(
        dir_b.path(),
        &JoinRequest {
            pairing_code: "TEND2-garbage",
            device_name: "Consulting room",
            passphrase: "second desk passphrase",
        },
        env(),
        |_| {},
    )
    .unwrap_err();
    assert!(bad.to_string().contains("damaged"), "{bad}");
    let mut pages = 0;
    let joined = sync::join(
        dir_b.path(),
        &JoinRequest {
            pairing_code: &code.code,
            device_name: "Consulting room",
            passphrase: "second desk passphrase",
        },
        env(),
        |_| pages += 1,
    )
    .unwrap();
    assert!(pages >= 1);
    let b = joined.tend;
    // The same accounts sign in on the new desktop, and the patient is there.
    let rosa_b = auth::sign_in(&b, "rosa", "rosa password 1").unwrap();
    let nina_b = auth::sign_in(&b, "nina", "nina password 1").unwrap();
    let on_b = patients::get(&b, &rosa_b, &patient.mrn).unwrap();
    assert_eq!(on_b.birth_date, patient.birth_date);
    let found = patients::search(&b, &rosa_b, "Rocío Quintana", 5).unwrap();
    assert_eq!(
        found.len(),
        1,
        "the new desktop's search index covers what it pulled"
    );
    // The code was for one desktop only.
    let again = sync::join(
        tempfile::tempdir().unwrap().path(),
        &JoinRequest {
            pairing_code: &code.code,
            device_name: "Third",
            passphrase: "third desk passphrase",
        },
        env(),
        |_| {},
    )
    .unwrap_err();
    assert!(again.to_string().contains("already used"), "{again}");

    // Both desktops change the date of birth before hearing of the other.
    patients::edit(&a, &rosa_a, &patient.mrn, &form("1975-03-20")).unwrap();
    patients::edit(&b, &rosa_b, &patient.mrn, &form("1975-02-03")).unwrap();
    for _ in 0..2 {
        sync::sync_now(&a, |_| {}).unwrap();
        sync::sync_now(&b, |_| {}).unwrap();
    }
    let on_a = sync::conflicts(&a, &admin).unwrap();
    let on_b = sync::conflicts(&b, &rosa_b).unwrap();
    assert_eq!(on_a.len(), 1);
    assert_eq!(on_a, on_b);
    let conflict = &on_b[0];
    assert!(conflict.safety);
    assert_eq!(conflict.field, "birth_date");
    assert_eq!(conflict.patient.as_deref(), Some("Rocío Quintana"));
    assert_eq!(conflict.values.len(), 2);
    assert!(sync::status(&b, &rosa_b).unwrap().safety_conflicts == 1);

    // The receptionist can neither settle it nor type over it; the nurse settles it.
    let chosen = conflict
        .values
        .iter()
        .find(|v| v.value == "1975-02-03")
        .unwrap();
    let err = sync::resolve(&b, &rosa_b, &conflict.id, &chosen.change_id).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Forbidden {
                action: Action::SafetyConflictResolve
            }
        ),
        "{err:?}"
    );
    let err = patients::edit(&b, &rosa_b, &patient.mrn, &form("1975-02-04")).unwrap_err();
    assert!(err.to_string().contains("a clinician must choose"), "{err}");
    sync::resolve(&b, &nina_b, &conflict.id, &chosen.change_id).unwrap();
    sync::sync_now(&b, |_| {}).unwrap();
    sync::sync_now(&a, |_| {}).unwrap();
    assert!(sync::conflicts(&a, &admin).unwrap().is_empty());
    assert_eq!(
        patients::get(&a, &rosa_a, &patient.mrn).unwrap().birth_date,
        patients::get(&b, &rosa_b, &patient.mrn).unwrap().birth_date
    );

    // The admin sees both desktops and can revoke the second; it then stops syncing.
    let devices = sync::devices(&a, &admin).unwrap();
    assert_eq!(devices.len(), 2);
    let second = devices.iter().find(|d| !d.this_desktop).unwrap();
    assert_eq!(second.name.as_deref(), Some("Consulting room"));
    sync::revoke(&a, &admin, &second.device_id).unwrap();
    let err = sync::sync_now(&b, |_| {}).unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    let status = sync::status(&b, &rosa_b).unwrap();
    assert!(status.last_error.unwrap().contains("revoked"));
}

fn patient(n: u32) -> PatientForm {
    PatientForm {
        given_name: format!("Paciente{n}"),
        family_name: "Restaurada".into(),
        birth_date: format!("19{:02}-04-0{}", 60 + n, n % 9 + 1),
        phones: vec![format!("611 000 {n:03}")],
        ..Default::default()
    }
}

fn names(t: &tend_core::Tend, who: &tend_core::Session) -> Vec<String> {
    let mut found: Vec<String> = patients::search(t, who, "Restaurada", 50)
        .unwrap()
        .into_iter()
        .map(|p| p.display_name)
        .collect();
    found.sort();
    found
}

#[test]
fn a_desktop_restored_from_a_backup_comes_back_as_a_new_device_and_loses_nothing_it_had() {
    let server = shared_server();
    let dir_a = tempfile::tempdir().unwrap();
    let init = crate::support::new_clinic(dir_a.path(), "Clínica Luna", "Reception");
    let mut a = init.tend;
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    users::add(
        &a,
        &admin,
        &NewUser {
            username: "rosa",
            display_name: "Rosa",
            roles: "receptionist",
            licence_number: "",
            password: "rosa password 1",
        },
    )
    .unwrap();
    sync::connect(&a, &admin, &server, TEST_ENROL_TOKEN).unwrap();
    let code = sync::pairing_code(&a, &admin).unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let b = sync::join(
        dir_b.path(),
        &JoinRequest {
            pairing_code: &code.code,
            device_name: "Office",
            passphrase: "second desk passphrase",
        },
        env(),
        |_| {},
    )
    .unwrap()
    .tend;
    let rosa_b = auth::sign_in(&b, "rosa", "rosa password 1").unwrap();
    let rosa = auth::sign_in(&a, "rosa", "rosa password 1").unwrap();
    let old_code = {
        let before = sync::status(&a, &admin).unwrap();
        assert!(before.configured);
        before.device_code
    };

    // P0 is registered and backed up; P1 reaches the server; P2 never leaves the disk.
    patients::register(&a, &rosa, &patient(0), OnDuplicates::Refuse).unwrap();
    let backups = tempfile::tempdir().unwrap();
    let first = backups.path().join("first.tendbackup");
    tend_core::backup::create(&a, &admin, &first).unwrap();
    patients::register(&a, &rosa, &patient(1), OnDuplicates::Refuse).unwrap();
    sync::sync_now(&a, |_| {}).unwrap();
    patients::register(&a, &rosa, &patient(2), OnDuplicates::Refuse).unwrap();

    // The disk dies; the backup comes back. The desktop is a new device from now on.
    let (restored, _) = tend_core::backup::restore(
        a,
        &admin,
        &first,
        tend_core::backup::Replaces::Ask,
        &tend_core::backup::quietly,
    )
    .unwrap();
    a = restored;
    let status = sync::status(&a, &admin).unwrap();
    assert_ne!(status.device_code, old_code, "a new device code");
    // Offline, it registers P3 (numbered in its new series), backs up, registers P4, and dies
    // again before syncing: the second backup holds P3 and P4, which the server never saw.
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    let rosa = auth::sign_in(&a, "rosa", "rosa password 1").unwrap();
    let p3 = patients::register(&a, &rosa, &patient(3), OnDuplicates::Refuse).unwrap();
    assert!(
        p3.mrn.starts_with(&status.device_code),
        "{} in the new series",
        p3.mrn
    );
    sync::sync_now(&a, |_| {}).unwrap();
    patients::register(&a, &rosa, &patient(4), OnDuplicates::Refuse).unwrap();
    let second = backups.path().join("second.tendbackup");
    tend_core::backup::create(&a, &admin, &second).unwrap();
    let (restored, _) = tend_core::backup::restore(
        a,
        &admin,
        &second,
        tend_core::backup::Replaces::Ask,
        &tend_core::backup::quietly,
    )
    .unwrap();
    a = restored;
    let rosa = auth::sign_in(&a, "rosa", "rosa password 1").unwrap();
    patients::register(&a, &rosa, &patient(5), OnDuplicates::Refuse).unwrap();

    // It re-announces itself, re-pushes what the server lacks (P4, made by the device it
    // succeeded) and gets back what its backup lacked (P1).
    sync::sync_now(&a, |_| {}).unwrap();
    sync::sync_now(&b, |_| {}).unwrap();
    sync::sync_now(&a, |_| {}).unwrap();
    let expected: Vec<String> = [0, 1, 3, 4, 5]
        .iter()
        .map(|n| format!("Paciente{n} Restaurada"))
        .collect();
    assert_eq!(names(&a, &rosa), expected);
    assert_eq!(names(&b, &rosa_b), expected);
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    let devices = sync::devices(&a, &admin).unwrap();
    assert_eq!(
        devices.len(),
        4,
        "two restored identities besides the originals"
    );
    assert!(sync::status(&a, &admin).unwrap().last_error.is_none());
}

#[test]
fn a_join_whose_first_pull_fails_keeps_nothing_and_says_what_to_do() {
    let server = std::cell::RefCell::new(
        tend_sync::local_server::LocalServer::start(
            &crate::support::database_url(),
            tend_sync::local_server::ServerOptions::default(),
        )
        .unwrap(),
    );
    let url = server.borrow().url();
    let c = crate::support::clinic(&url, 1, &[0]);
    let a = &c.desktops[0];
    a.write(|tx| {
        for i in 0..1500 {
            tx.create(
                tend_domain::Entity::Room,
                uuid::Uuid::now_v7(),
                crate::support::fields(&[
                    ("name", format!("Room {i}").into()),
                    ("hours", "".into()),
                    ("archived", false.into()),
                ]),
            )?;
        }
        Ok(())
    });
    a.round(1000).unwrap();
    let code = crate::support::pairing_code(&c, a);
    let dir = tempfile::tempdir().unwrap();
    let mut pages = 0;
    let err = sync::join(
        dir.path(),
        &JoinRequest {
            pairing_code: &code,
            device_name: "Laptop",
            passphrase: "laptop passphrase 2026",
        },
        env(),
        |_| {
            pages += 1;
            // The server goes away after the first page.
            server.borrow_mut().stop();
        },
    )
    .unwrap_err();
    assert_eq!(pages, 1);
    assert!(err.to_string().contains("nothing was kept"), "{err}");
    assert!(err.to_string().contains("new pairing code"), "{err}");
    assert!(!dir.path().join("tend.db").exists());
    assert!(!dir.path().join("tend.keys").exists());
    // The folder is free for the next attempt.
    assert!(!tend_core::Tend::exists(dir.path()));
}
