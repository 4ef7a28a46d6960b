//! Creating and opening a clinic: validation, the passphrase, the recovery key, and what
//! happens without an OS keyring.

use tend_core::api::ApiError;
use tend_core::clinic::{self, InitRequest, Unlock};
use tend_core::{CoreError, auth, passphrase};

use crate::support::{ADMIN_PASSWORD, PASSPHRASE, clinic, env, request};

fn reopen(
    c: crate::support::Clinic,
    unlock: Unlock<'_>,
) -> (tempfile::TempDir, Result<tend_core::Tend, CoreError>) {
    let clock = c.clock.clone();
    let dir = c.dir;
    drop(c.tend);
    let r = clinic::open(dir.path(), unlock, env(&clock));
    (dir, r)
}

#[test]
fn set_up_validates_every_field_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(tend_core::clock::ManualClock::new(chrono::Utc::now()));
    let check = |req: InitRequest<'_>, field: &str| {
        let err = ApiError::from(clinic::init(dir.path(), &req, env(&clock)).unwrap_err());
        assert_eq!(err.field, Some(field), "{err:?}");
        assert!(!tend_core::Tend::exists(dir.path()), "nothing is created");
    };
    check(
        InitRequest {
            clinic_name: " ",
            ..request()
        },
        "clinic_name",
    );
    check(
        InitRequest {
            timezone: "Europe/Madird",
            ..request()
        },
        "timezone",
    );
    check(
        InitRequest {
            currency: "EURO",
            ..request()
        },
        "currency",
    );
    check(
        InitRequest {
            admin_username: "A B",
            ..request()
        },
        "username",
    );
    check(
        InitRequest {
            admin_password: "admin",
            ..request()
        },
        "password",
    );
    check(
        InitRequest {
            passphrase: "short",
            ..request()
        },
        "passphrase",
    );
    check(
        InitRequest {
            passphrase: ADMIN_PASSWORD,
            ..request()
        },
        "passphrase",
    );
    check(
        InitRequest {
            device_name: "",
            ..request()
        },
        "device_name",
    );
}

#[test]
fn a_second_set_up_in_the_same_folder_is_refused() {
    let c = clinic();
    drop(c.tend);
    let err = clinic::init(c.dir.path(), &request(), env(&c.clock)).unwrap_err();
    assert_eq!(err.code(), "clinic_exists");
}

#[test]
fn the_passphrase_opens_and_a_wrong_one_says_so() {
    let c = clinic();
    let (dir, r) = reopen(c, Unlock::Passphrase("clinic passphrase 2025"));
    let err = ApiError::from(r.unwrap_err());
    assert_eq!(err.code, "wrong_secret");
    assert_eq!(err.message, "the passphrase is not right for this clinic");
    let clock = std::sync::Arc::new(tend_core::clock::ManualClock::new(chrono::Utc::now()));
    let tend = clinic::open(dir.path(), Unlock::Passphrase(PASSPHRASE), env(&clock)).unwrap();
    auth::sign_in(&tend, "admin", ADMIN_PASSWORD).unwrap();
}

#[test]
fn without_a_keyring_the_passphrase_is_asked_for() {
    let c = clinic();
    let (_dir, r) = reopen(c, Unlock::Keyring);
    let err = r.unwrap_err();
    assert_eq!(err.code(), "passphrase_needed", "{err:?}");
}

#[test]
fn a_wrong_recovery_key_is_refused_and_the_right_one_sets_a_new_passphrase() {
    let c = clinic();
    let recovery = c.recovery_key.clone();
    let clock = c.clock.clone();
    let (dir, r) = reopen(
        c,
        Unlock::RecoveryKey("0000-0000-0000-0000-0000-0000-0000-0000"),
    );
    assert_eq!(r.unwrap_err().code(), "wrong_secret");
    let (_, r) = (
        0,
        clinic::open(dir.path(), Unlock::RecoveryKey("12345"), env(&clock)),
    );
    assert_eq!(r.unwrap_err().field(), Some("recovery_key"));

    let tend = passphrase::reset_with_recovery_key(
        dir.path(),
        &recovery.to_lowercase(),
        "a new passphrase 9",
        env(&clock),
    )
    .unwrap();
    drop(tend);
    let err = clinic::open(dir.path(), Unlock::Passphrase(PASSPHRASE), env(&clock)).unwrap_err();
    assert_eq!(err.code(), "wrong_secret");
    let tend = clinic::open(
        dir.path(),
        Unlock::Passphrase("a new passphrase 9"),
        env(&clock),
    )
    .unwrap();
    let admin = auth::sign_in(&tend, "admin", ADMIN_PASSWORD).unwrap();
    assert!(tend_core::audit::verify(&tend, &admin).unwrap().intact);
}

#[test]
fn an_admin_changes_the_passphrase() {
    let c = clinic();
    passphrase::change(&c.tend, &c.admin, "another passphrase 5").unwrap();
    let err = passphrase::change(&c.tend, &c.admin, "short").unwrap_err();
    assert_eq!(err.field(), Some("passphrase"));
    let (dir, r) = reopen(c, Unlock::Passphrase(PASSPHRASE));
    assert_eq!(r.unwrap_err().code(), "wrong_secret");
    let clock = std::sync::Arc::new(tend_core::clock::ManualClock::new(chrono::Utc::now()));
    clinic::open(
        dir.path(),
        Unlock::Passphrase("another passphrase 5"),
        env(&clock),
    )
    .unwrap();
}

#[test]
fn an_empty_folder_has_no_clinic() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(tend_core::clock::ManualClock::new(chrono::Utc::now()));
    let err = clinic::open(dir.path(), Unlock::Passphrase(PASSPHRASE), env(&clock)).unwrap_err();
    assert_eq!(err.code(), "no_clinic");
}

#[test]
fn settings_are_read_and_edited() {
    let c = clinic();
    let s = clinic::settings(&c.tend, &c.admin).unwrap();
    assert_eq!(
        (s.name.as_str(), s.timezone.as_str(), s.currency.as_str()),
        ("Clínica Sol", "Europe/Madrid", "EUR")
    );
    assert_eq!(s.device_code.len(), 2);
    let form = |name, timezone, currency, units| clinic::SettingsForm {
        name,
        timezone,
        currency,
        units,
    };
    let s = clinic::update_settings(
        &c.tend,
        &c.admin,
        &form("Clínica Luna", "America/Mexico_City", "mxn", "us"),
    )
    .unwrap();
    assert_eq!(
        (s.name.as_str(), s.currency.as_str(), s.units.as_str()),
        ("Clínica Luna", "MXN", "us")
    );
    let err = clinic::update_settings(&c.tend, &c.admin, &form("X", "UTC", "MXN", "imperial"))
        .unwrap_err();
    assert_eq!(err.field(), Some("units"));
    let err = clinic::update_settings(
        &c.tend,
        &c.admin,
        &form("X", "Nowhere/City", "MXN", "metric"),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("timezone"));
}

#[test]
fn the_recovery_sheet_carries_the_key_that_resets_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(tend_core::clock::ManualClock::new(chrono::Utc::now()));
    let init = clinic::init(dir.path(), &request(), env(&clock)).unwrap();
    let sheet = tend_core::recovery::sheet(&init).unwrap();
    let text = crate::support::pdf_text(&sheet.pdf);
    let key = init.recovery_key.to_string();
    let squashed = |s: &str| s.split_whitespace().collect::<String>();
    assert!(squashed(&text).contains(&squashed(&key)), "{text}");
    assert!(
        text.contains("Clínica Sol") && text.contains("tend passphrase reset"),
        "{text}"
    );
    assert_eq!(sheet.pages, 1);

    drop(init);
    passphrase::reset_with_recovery_key(dir.path(), &key, "a brand new passphrase", env(&clock))
        .unwrap();
    clinic::open(
        dir.path(),
        Unlock::Passphrase("a brand new passphrase"),
        env(&clock),
    )
    .unwrap();
}

/// A keyring in memory, as the OS one behaves for one OS account.
#[derive(Debug, Default)]
struct Memory(std::sync::Mutex<std::collections::HashMap<String, tend_store::DbKey>>);

impl tend_store::keyring::Keyring for Memory {
    fn get(
        &self,
        id: tend_domain::DatabaseId,
    ) -> Result<Option<tend_store::DbKey>, tend_store::keyring::KeyringUnavailable> {
        Ok(self.0.lock().unwrap().get(&id.to_string()).cloned())
    }
    fn set(
        &self,
        id: tend_domain::DatabaseId,
        key: &tend_store::DbKey,
    ) -> Result<(), tend_store::keyring::KeyringUnavailable> {
        self.0.lock().unwrap().insert(id.to_string(), key.clone());
        Ok(())
    }
    fn delete(
        &self,
        id: tend_domain::DatabaseId,
    ) -> Result<(), tend_store::keyring::KeyringUnavailable> {
        self.0.lock().unwrap().remove(&id.to_string());
        Ok(())
    }
}

#[test]
fn a_clinic_whose_staff_share_one_os_login_turns_the_keyring_copy_off() {
    let dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(tend_core::clock::ManualClock::new(chrono::Utc::now()));
    let memory = std::sync::Arc::new(Memory::default());
    let with = |m: &std::sync::Arc<Memory>| tend_core::Environment {
        clock: clock.clone(),
        keyring: m.clone(),
    };
    let init = clinic::init(dir.path(), &request(), with(&memory)).unwrap();
    assert_eq!(memory.0.lock().unwrap().len(), 1, "kept at set-up");
    let admin = auth::sign_in(&init.tend, "admin", ADMIN_PASSWORD).unwrap();
    tend_core::users::add(
        &init.tend,
        &admin,
        &tend_core::users::NewUser {
            username: "rosa",
            display_name: "Rosa",
            roles: "receptionist",
            licence_number: "",
            password: "rosa password 1",
        },
    )
    .unwrap();
    let receptionist = auth::sign_in(&init.tend, "rosa", "rosa password 1").unwrap();
    assert!(matches!(
        clinic::set_keyring(&init.tend, &receptionist, false).unwrap_err(),
        CoreError::Forbidden { .. }
    ));
    let settings = clinic::set_keyring(&init.tend, &admin, false).unwrap();
    assert!(!settings.keyring);
    assert!(
        memory.0.lock().unwrap().is_empty(),
        "the copy is deleted at once"
    );
    drop(init.tend);
    // Anyone at the OS login now needs the passphrase, and opening with it keeps no copy.
    let err = clinic::open(dir.path(), Unlock::Keyring, with(&memory)).unwrap_err();
    assert!(matches!(err, CoreError::PassphraseNeeded { .. }), "{err:?}");
    let t = clinic::open(dir.path(), Unlock::Passphrase(PASSPHRASE), with(&memory)).unwrap();
    assert!(memory.0.lock().unwrap().is_empty());
    // Turned on again, the desktop opens without typing.
    let admin = auth::sign_in(&t, "admin", ADMIN_PASSWORD).unwrap();
    assert!(clinic::set_keyring(&t, &admin, true).unwrap().keyring);
    drop(t);
    clinic::open(dir.path(), Unlock::Keyring, with(&memory)).unwrap();
}
