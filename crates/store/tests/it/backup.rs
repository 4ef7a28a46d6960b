//! Online backup and verified, all-or-nothing restore.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use tend_store::backup::{self, BackupHeader};
use tend_store::{DataPaths, Secret, Store, StoreError};

use crate::support::{PASSPHRASE, add_user, clinic, t0};

/// These clinics do not sync: a restore never asks what the copy becomes.
fn unsynced(d: &tend_store::sync::SyncingDesktop) -> Result<backup::RestoredDesktop, StoreError> {
    panic!("a backup of a desktop that does not sync named one: {d:?}")
}

fn sha(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn a_backup_restores_on_a_new_machine_with_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(&dir.path().join("clinic"));
    add_user(&c.store, "ana", "Ana García-López");
    let file = dir.path().join("monday.tendbackup");
    let info = c.store.backup(&file, t0()).unwrap();
    assert_eq!(info.bytes, std::fs::metadata(&file).unwrap().len());

    // The new machine has only the file and the passphrase.
    let header: BackupHeader = backup::inspect(&file).unwrap();
    assert_eq!(header.database_id, c.store.identity().database_id);
    let key = header
        .key_slots
        .unlock(Secret::Passphrase(PASSPHRASE))
        .unwrap();
    let fresh = DataPaths::new(dir.path().join("new-machine"));
    let restored = backup::restore(&fresh, &file, &key, t0(), unsynced, &backup::quietly).unwrap();
    assert_eq!(restored.previous_kept_at, None);
    assert_eq!(restored.audit_entries, 2);

    let store = Store::open(&fresh, &key).unwrap();
    let users = store.read(|r| r.users()).unwrap();
    assert_eq!(users[0].display_name, "Ana García-López");
    assert!(store.check_consistency().unwrap().is_consistent());
    assert!(fresh.keys().exists(), "the key slots came with the backup");
    store.integrity_check().unwrap();
}

#[test]
fn restoring_over_the_clinic_replaces_it_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    add_user(&c.store, "ana", "Ana");
    let file = dir.path().join("before-bea.tendbackup");
    c.store.backup(&file, t0()).unwrap();
    add_user(&c.store, "bea", "Bea");
    let (paths, key) = (c.paths.clone(), c.key.clone());

    // Not while the clinic is open.
    let err = backup::restore(&paths, &file, &key, t0(), unsynced, &backup::quietly).unwrap_err();
    assert!(matches!(err, StoreError::InUse), "{err:?}");
    drop(c);

    let info = restore_watching_progress(&paths, &file, &key);
    let kept = info.previous_kept_at.unwrap();
    assert!(kept.exists());
    let store = Store::open(&paths, &key).unwrap();
    let names: Vec<String> = store
        .read(|r| r.users())
        .unwrap()
        .into_iter()
        .map(|u| u.display_name)
        .collect();
    assert_eq!(names, ["Ana"]);
    assert!(store.check_consistency().unwrap().is_consistent());
}

/// Restores `file` over the clinic and expects it refused with `expected` in the message, and
/// the clinic's database byte-for-byte unchanged.
fn refused(c: crate::support::Clinic, file: &std::path::Path, expected: &str) {
    let (paths, key) = (c.paths.clone(), c.key.clone());
    drop(c);
    let before = sha(&paths.db());
    let err = backup::restore(&paths, file, &key, t0(), unsynced, &backup::quietly).unwrap_err();
    assert!(err.to_string().contains(expected), "{err}");
    assert_eq!(sha(&paths.db()), before, "the database changed");
    let leftovers: Vec<_> = std::fs::read_dir(paths.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("restoring") || n.contains("before-restore"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    Store::open(&paths, &key).unwrap();
}

#[test]
fn a_truncated_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(&dir.path().join("clinic"));
    let file = dir.path().join("b.tendbackup");
    c.store.backup(&file, t0()).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 4096]).unwrap();
    refused(c, &file, "an incomplete copy");
}

#[test]
fn a_damaged_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(&dir.path().join("clinic"));
    let file = dir.path().join("b.tendbackup");
    c.store.backup(&file, t0()).unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0x5a;
    std::fs::write(&file, &bytes).unwrap();
    refused(c, &file, "do not match its checksum");
}

#[test]
fn a_damaged_page_is_caught_by_sqlcipher_even_when_the_checksum_is_forged() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(&dir.path().join("clinic"));
    for i in 0..50 {
        add_user(&c.store, &format!("user{i}"), "Someone");
    }
    let file = dir.path().join("b.tendbackup");
    c.store.backup(&file, t0()).unwrap();

    // Flip a byte inside a page and rewrite the header with a matching checksum.
    let bytes = std::fs::read(&file).unwrap();
    let header_len = u32::from_be_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let mut header: serde_json::Value =
        serde_json::from_slice(&bytes[16..16 + header_len]).unwrap();
    let mut db = bytes[16 + header_len..].to_vec();
    let at = db.len() - 3000;
    db[at] ^= 0x01;
    use sha2::Digest;
    header["database_sha256"] = data_encoding::HEXLOWER
        .encode(&sha2::Sha256::digest(&db))
        .into();
    let header = serde_json::to_vec(&header).unwrap();
    let mut forged = b"TEND-BACKUP\n".to_vec();
    forged.extend((header.len() as u32).to_be_bytes());
    forged.extend(header);
    forged.extend(db);
    std::fs::write(&file, forged).unwrap();
    refused(c, &file, "integrity");
}

#[test]
fn another_clinics_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = clinic(&dir.path().join("other"));
    let file = dir.path().join("other.tendbackup");
    other.store.backup(&file, t0()).unwrap();
    let c = clinic(&dir.path().join("clinic"));
    refused(c, &file, "another clinic");
}

#[test]
fn a_file_that_is_not_a_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(&dir.path().join("clinic"));
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "shopping list").unwrap();
    refused(c, &file, "not a Tend backup");
}

#[test]
fn backups_taken_during_concurrent_writes_restore_consistently() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(&dir.path().join("clinic"));
    let stop = AtomicBool::new(false);
    let written = thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                add_user(&c.store, &format!("user{n}"), "Concurrent");
                n += 1;
            }
            n
        });
        for round in 0..5 {
            let file = dir.path().join(format!("round{round}.tendbackup"));
            c.store.backup(&file, t0()).unwrap();
            thread::sleep(std::time::Duration::from_millis(30));
        }
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap()
    });
    assert!(written > 0);

    let mut counts = Vec::new();
    for round in 0..5 {
        let file = dir.path().join(format!("round{round}.tendbackup"));
        let target = DataPaths::new(dir.path().join(format!("restored{round}")));
        backup::restore(&target, &file, &c.key, t0(), unsynced, &backup::quietly).unwrap();
        let store = Store::open(&target, &c.key).unwrap();
        let report = store.check_consistency().unwrap();
        assert!(
            report.is_consistent(),
            "round {round}: {:?}",
            report.problems
        );
        counts.push(store.read(|r| r.users()).unwrap().len());
    }
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
}

#[test]
fn a_damaged_database_is_set_aside_with_its_wal_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(&dir.path().join("clinic"));
    add_user(&c.store, "ana", "Ana");
    let file = dir.path().join("b.tendbackup");
    c.store.backup(&file, t0()).unwrap();
    add_user(&c.store, "bea", "Bea"); // sits in the WAL
    let (paths, key) = (c.paths.clone(), c.key.clone());
    let wal = paths.db().with_extension("db-wal");
    let wal_before = std::fs::read(&wal).unwrap();
    // A crash of the machine leaves the WAL behind and page 1 garbled. (Closing the store
    // checkpoints and removes the WAL, so it is put back as the crash would have left it.)
    drop(c.store);
    std::fs::write(&wal, &wal_before).unwrap();
    let mut bytes = std::fs::read(paths.db()).unwrap();
    bytes[64..4000].fill(0);
    std::fs::write(paths.db(), &bytes).unwrap();
    // (Not opened first: a failed open's close would checkpoint the WAL into the damaged file.)

    let info = restore_watching_progress(&paths, &file, &key);
    let kept = info.previous_kept_at.unwrap();
    assert!(
        kept.to_string_lossy().contains(".before-restore-"),
        "{kept:?}"
    );
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        bytes,
        "the damaged file is kept as it was"
    );
    let kept_wal = std::path::PathBuf::from(format!("{}-wal", kept.display()));
    assert_eq!(
        std::fs::read(kept_wal).unwrap(),
        wal_before,
        "its WAL is kept beside it"
    );
    let store = Store::open(&paths, &key).unwrap();
    assert_eq!(store.read(|r| r.users()).unwrap().len(), 1);
    assert!(store.check_consistency().unwrap().is_consistent());
}

#[test]
fn a_garbled_first_page_reads_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let (paths, key) = (c.paths.clone(), c.key.clone());
    drop(c);
    let mut bytes = std::fs::read(paths.db()).unwrap();
    bytes[64..4000].fill(0);
    std::fs::write(paths.db(), &bytes).unwrap();
    let err = Store::open(&paths, &key).unwrap_err();
    assert!(backup::is_damage(&err), "{err:?}");
}

/// Restores `file` over `paths`, and checks that the progress bar moved: the copy from nothing to
/// all of the database, then the checks, then the replacing, in that order.
fn restore_watching_progress(
    paths: &DataPaths,
    file: &std::path::Path,
    key: &tend_store::DbKey,
) -> backup::RestoreInfo {
    let steps = std::cell::RefCell::new(Vec::new());
    let info = backup::restore(paths, file, key, t0(), unsynced, &|step| {
        steps.borrow_mut().push(step);
    })
    .unwrap();
    let steps = steps.into_inner();
    let total = std::fs::metadata(file).unwrap().len();
    match (steps.first(), steps.iter().rev().nth(2)) {
        (
            Some(backup::Step::Copying { done: 0, total: t }),
            Some(backup::Step::Copying { done, total: t2 }),
        ) => {
            assert_eq!(t, t2);
            assert_eq!(done, t, "the copy ends complete");
            assert!(
                *t < total && *t > total / 2,
                "the database's bytes, not the file's"
            );
        }
        other => panic!("{other:?} in {steps:?}"),
    }
    assert_eq!(
        steps[steps.len() - 2..],
        [backup::Step::Checking, backup::Step::Replacing]
    );
    info
}
