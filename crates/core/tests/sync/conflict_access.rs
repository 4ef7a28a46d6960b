//! A sync conflict is no way round the permission table: two real desktops through a real server
//! make conflicts on a user's roles and password and on a draft visit note, and each role sees
//! and settles only what it could read and write outside sync.

use tend_core::api::SyncConflictDto;
use tend_core::chart::visits::{self, NoteEdit};
use tend_core::patients::{self, OnDuplicates};
use tend_core::sync::{self, JoinRequest};
use tend_core::users::{self, NewUser};
use tend_core::{CoreError, Session, Tend, auth};
use tend_domain::Action;
use tend_domain::patients::PatientForm;
use tend_sync::local_server::TEST_ENROL_TOKEN;

use crate::support::{env, shared_server};

/// Two desktops of one clinic, paired, with an admin, a doctor, a nurse and a receptionist.
struct Pair {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    a: Tend,
    b: Tend,
}

fn pair() -> Pair {
    let server = shared_server();
    let dir_a = tempfile::tempdir().unwrap();
    let a = crate::support::new_clinic(dir_a.path(), "Clínica Sol", "Front desk").tend;
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    for (name, roles, licence) in [
        ("rosa", "receptionist", ""),
        ("nina", "nurse", ""),
        ("drana", "doctor", "MD-1"),
        ("drbo", "doctor", "MD-2"),
        ("zed", "receptionist", ""),
    ] {
        users::add(
            &a,
            &admin,
            &NewUser {
                username: name,
                display_name: name,
                roles,
                licence_number: licence,
                password: &format!("{name} password 1"),
            },
        )
        .unwrap();
    }
    sync::connect(&a, &admin, &server, TEST_ENROL_TOKEN).unwrap();
    let code = sync::pairing_code(&a, &admin).unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let b = sync::join(
        dir_b.path(),
        &JoinRequest {
            pairing_code: &code.code,
            device_name: "Consulting room",
            passphrase: "second desk passphrase",
        },
        env(),
        |_| {},
    )
    .unwrap()
    .tend;
    Pair {
        _dirs: (dir_a, dir_b),
        a,
        b,
    }
}

fn who(t: &Tend, name: &str) -> Session {
    let password = if name == "admin" {
        "admin password 1".to_owned()
    } else {
        format!("{name} password 1")
    };
    auth::sign_in(t, name, &password).unwrap()
}

fn rounds(p: &Pair) {
    for _ in 0..2 {
        sync::sync_now(&p.a, |_| {}).unwrap();
        sync::sync_now(&p.b, |_| {}).unwrap();
    }
}

fn on_field<'a>(list: &'a [SyncConflictDto], field: &str) -> &'a SyncConflictDto {
    list.iter()
        .find(|c| c.field == field)
        .unwrap_or_else(|| panic!("no conflict on {field}: {list:?}"))
}

fn forbidden(e: CoreError) -> Action {
    match e {
        CoreError::Forbidden { action } => action,
        other => panic!("{other:?}"),
    }
}

#[test]
fn conflicts_on_users_and_notes_are_seen_and_settled_only_by_who_may_read_and_write_them() {
    let p = pair();
    // A draft note, on the first desktop, pulled by the second.
    let drana_a = who(&p.a, "drana");
    let rosa_a = who(&p.a, "rosa");
    let mrn = patients::register(
        &p.a,
        &rosa_a,
        &PatientForm {
            given_name: "Rocío".into(),
            family_name: "Quintana".into(),
            birth_date: "1975-03-02".into(),
            phones: vec!["600 123 456".into()],
            ..Default::default()
        },
        OnDuplicates::Refuse,
    )
    .unwrap()
    .mrn;
    let visit = visits::start(&p.a, &drana_a, &mrn, "Cough", None, None)
        .unwrap()
        .id
        .to_string();
    rounds(&p);

    // Offline, each desktop's admin changes Zed's roles and password, and Dr Ana edits the
    // same draft on both.
    let (admin_a, admin_b) = (who(&p.a, "admin"), who(&p.b, "admin"));
    users::set_roles(&p.a, &admin_a, "zed", "nurse,receptionist").unwrap();
    users::set_roles(&p.b, &admin_b, "zed", "nurse,doctor").unwrap();
    users::reset_password(&p.a, &admin_a, "zed", "zed new password 2").unwrap();
    users::reset_password(&p.b, &admin_b, "zed", "zed other password 3").unwrap();
    let drana_b = who(&p.b, "drana");
    let note = |s| NoteEdit {
        reason: None,
        subjective: Some(s),
        objective: None,
        assessment: None,
        plan: None,
    };
    visits::edit_note(
        &p.a,
        &drana_a,
        &visit,
        &note("Dry cough for a week; smoker."),
    )
    .unwrap();
    visits::edit_note(
        &p.b,
        &drana_b,
        &visit,
        &note("Productive cough, fever 38.5."),
    )
    .unwrap();
    rounds(&p);

    let t = &p.b;
    let [admin, rosa, nina, drbo] = ["admin", "rosa", "nina", "drbo"].map(|n| who(t, n));
    let hidden = "(not shown: your role may not read this)";

    // The receptionist learns there are conflicts, and reads none of them.
    let list = sync::conflicts(t, &rosa).unwrap();
    for field in ["roles", "password_hash", "subjective"] {
        let c = on_field(&list, field);
        for v in &c.values {
            assert!(
                v.value == hidden || v.value.starts_with("changed on both desktops"),
                "{field}: {:?}",
                v.value
            );
        }
    }
    // The admin reads the roles, never the password hashes, and not the note.
    let list = sync::conflicts(t, &admin).unwrap();
    let roles = on_field(&list, "roles");
    let mut seen: Vec<&str> = roles.values.iter().map(|v| v.value.as_str()).collect();
    seen.sort_unstable();
    assert_eq!(seen, ["doctor,nurse", "nurse,receptionist"]);
    for v in &on_field(&list, "password_hash").values {
        assert!(
            v.value.starts_with("changed on both desktops"),
            "{}",
            v.value
        );
        assert!(!v.value.contains("argon2"), "{}", v.value);
    }
    assert!(
        on_field(&list, "subjective")
            .values
            .iter()
            .all(|v| v.value == hidden)
    );
    // The clinicians read the note, and no user's roles.
    let list = sync::conflicts(t, &nina).unwrap();
    assert!(
        on_field(&list, "subjective")
            .values
            .iter()
            .any(|v| v.value.contains("fever"))
    );
    assert!(
        on_field(&list, "roles")
            .values
            .iter()
            .all(|v| v.value == hidden)
    );

    // Settling follows who may write the field.
    let list = sync::conflicts(t, &admin).unwrap();
    let roles = on_field(&list, "roles").clone();
    let password = on_field(&list, "password_hash").clone();
    let subjective = on_field(&list, "subjective").clone();
    for s in [&rosa, &nina, &drbo] {
        let e = sync::resolve(t, s, &roles.id, &roles.values[0].change_id).unwrap_err();
        assert!(
            matches!(forbidden(e), Action::UserList | Action::UserManage),
            "roles"
        );
        let e = sync::resolve(t, s, &password.id, &password.values[0].change_id).unwrap_err();
        assert_eq!(forbidden(e), Action::UserManage, "password");
    }
    for s in [&rosa, &admin] {
        let e = sync::resolve(t, s, &subjective.id, &subjective.values[0].change_id).unwrap_err();
        assert_eq!(
            forbidden(e),
            Action::NoteRead,
            "a note is settled only by who reads it"
        );
    }
    let e = sync::resolve(t, &nina, &subjective.id, &subjective.values[0].change_id).unwrap_err();
    assert_eq!(
        forbidden(e),
        Action::NoteWrite,
        "a nurse reads notes but does not write them"
    );
    sync::resolve(t, &drbo, &subjective.id, &subjective.values[0].change_id).unwrap();
    sync::resolve(t, &admin, &roles.id, &roles.values[0].change_id).unwrap();
    sync::resolve(t, &admin, &password.id, &password.values[0].change_id).unwrap();
    rounds(&p);
    assert!(sync::conflicts(&p.a, &admin_a).unwrap().is_empty());
    assert!(sync::conflicts(&p.b, &admin).unwrap().is_empty());
}
