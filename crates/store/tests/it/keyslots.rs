//! Key slots with the real KDF settings: the passphrase and the recovery key each unwrap the
//! database key, a wrong one is refused clearly, and changing the passphrase only rewraps.

use tend_domain::DatabaseId;
use tend_store::{DbKey, KdfParams, KeySlots, RecoveryKey, Secret, Store, StoreError};

use crate::support::{PASSPHRASE, add_user, clinic_with_kdf, file_contains};

fn what(e: StoreError) -> &'static str {
    match e {
        StoreError::WrongSecret { what } => what,
        other => panic!("expected a wrong-secret error, got {other:?}"),
    }
}

#[test]
fn passphrase_and_recovery_key_open_and_wrong_ones_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic_with_kdf(dir.path(), KdfParams::CLINIC);
    let slots = KeySlots::read(&c.paths.keys()).unwrap();

    assert_eq!(slots.unlock(Secret::Passphrase(PASSPHRASE)).unwrap(), c.key);
    assert_eq!(slots.unlock(Secret::Recovery(&c.recovery)).unwrap(), c.key);

    let wrong = slots
        .unlock(Secret::Passphrase("correct horse battery stapler"))
        .unwrap_err();
    assert_eq!(what(wrong), "passphrase");
    let other_recovery = RecoveryKey::generate().unwrap();
    let wrong = slots.unlock(Secret::Recovery(&other_recovery)).unwrap_err();
    assert_eq!(what(wrong), "recovery key");
    assert_eq!(
        StoreError::WrongSecret { what: "passphrase" }.to_string(),
        "the passphrase is not right for this clinic"
    );
}

#[test]
fn recovery_key_sets_a_new_passphrase_without_touching_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic_with_kdf(dir.path(), KdfParams::CLINIC);
    add_user(&c.store, "ana", "Ana García-López");
    let paths = c.paths.clone();
    let recovery = c.recovery.clone();
    drop(c.store);
    let db_before = std::fs::read(paths.db()).unwrap();

    // The passphrase is forgotten; the printed recovery key unwraps the key and rewraps it.
    let mut slots = KeySlots::read(&paths.keys()).unwrap();
    let key = slots.unlock(Secret::Recovery(&recovery)).unwrap();
    slots
        .set(
            &key,
            Secret::Passphrase("a brand new passphrase"),
            KdfParams::CLINIC,
        )
        .unwrap();
    slots.write(&paths.keys()).unwrap();

    let slots = KeySlots::read(&paths.keys()).unwrap();
    assert!(matches!(
        slots.unlock(Secret::Passphrase(PASSPHRASE)),
        Err(StoreError::WrongSecret { .. })
    ));
    let key = slots
        .unlock(Secret::Passphrase("a brand new passphrase"))
        .unwrap();
    assert_eq!(slots.unlock(Secret::Recovery(&recovery)).unwrap(), key);
    assert_eq!(
        std::fs::read(paths.db()).unwrap(),
        db_before,
        "no re-encryption"
    );
    let store = Store::open(&paths, &key).unwrap();
    assert_eq!(store.read(|r| r.users()).unwrap().len(), 1);
    assert!(!file_contains(&paths.keys(), key.to_hex().as_bytes()));
}

#[test]
fn a_slot_copied_to_another_clinic_does_not_open() {
    let key = DbKey::generate().unwrap();
    let recovery = RecoveryKey::generate().unwrap();
    let fast = KdfParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    let slots = KeySlots::new(DatabaseId::new(), &key, PASSPHRASE, &recovery, fast).unwrap();
    // Re-label the file with another database id: the associated data no longer matches.
    let json = String::from_utf8(slots.to_json().unwrap()).unwrap();
    let moved = json.replace(
        &slots.database_id().to_string(),
        &DatabaseId::new().to_string(),
    );
    let moved = KeySlots::from_json(moved.as_bytes()).unwrap();
    assert!(matches!(
        moved.unlock(Secret::Passphrase(PASSPHRASE)),
        Err(StoreError::WrongSecret { .. })
    ));
}

#[test]
fn malformed_key_slot_files_are_refused_with_a_reason() {
    let key = DbKey::generate().unwrap();
    let recovery = RecoveryKey::generate().unwrap();
    let fast = KdfParams {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    let json = String::from_utf8(
        KeySlots::new(DatabaseId::new(), &key, PASSPHRASE, &recovery, fast)
            .unwrap()
            .to_json()
            .unwrap(),
    )
    .unwrap();
    let check = |text: &str, expected: &str| {
        let err = KeySlots::from_json(text.as_bytes()).unwrap_err();
        assert!(
            err.contains(expected),
            "{err:?} should mention {expected:?}"
        );
    };
    check("", "EOF");
    check(
        &json.replace("tend-keyslots", "luks"),
        "not a Tend key-slot file",
    );
    check(
        &json.replace("\"version\": 1", "\"version\": 9"),
        "version 9",
    );
    check(
        &json.replace("\"slots\"", "\"extra\": 1, \"slots\""),
        "unknown field",
    );

    // A file that asks for a terabyte of KDF memory is refused instead of obeyed.
    let greedy = json.replace("\"memory_kib\": 256", "\"memory_kib\": 1073741824");
    let slots = KeySlots::from_json(greedy.as_bytes()).unwrap();
    let err = slots.unlock(Secret::Passphrase(PASSPHRASE)).unwrap_err();
    assert!(err.to_string().contains("not supported"), "{err}");
}
