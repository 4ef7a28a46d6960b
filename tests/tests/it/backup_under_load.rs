//! Backups taken by one process while another writes as fast as it can restore to a consistent
//! state: the backup is one snapshot, never a mix.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use tend_store::{DataPaths, DbKey, Store, backup};

#[test]
fn backups_during_another_process_writes_restore_consistently() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = dir.path().join("clinic");
    let key = DbKey::generate().unwrap();
    drop(tend_tests::create_clinic(&clinic, &key).unwrap());
    // Key slots travel inside backups; give this clinic some (cheap KDF: not what is tested).
    let store = Store::open(&DataPaths::new(&clinic), &key).unwrap();
    tend_store::KeySlots::new(
        store.identity().database_id,
        &key,
        "scenario passphrase",
        &tend_store::RecoveryKey::generate().unwrap(),
        tend_store::KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
    )
    .unwrap()
    .write(&DataPaths::new(&clinic).keys())
    .unwrap();

    let mut writer = Command::new(env!("CARGO_BIN_EXE_crash-writer"))
        .arg(&clinic)
        .arg("7")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writer
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", key.to_hex().as_str()).as_bytes())
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));

    let mut files = Vec::new();
    for i in 0..6 {
        let file = dir.path().join(format!("b{i}.tendbackup"));
        store.backup(&file, Utc::now()).unwrap();
        files.push(file);
        std::thread::sleep(Duration::from_millis(60));
    }
    writer.kill().unwrap();
    writer.wait().unwrap();

    let mut users = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let target = DataPaths::new(dir.path().join(format!("restored{i}")));
        backup::restore(
            &target,
            file,
            &key,
            Utc::now(),
            |_| Err::<_, tend_store::StoreError>(tend_store::StoreError::InUse),
            &backup::quietly,
        )
        .unwrap();
        let restored = Store::open(&target, &key).unwrap();
        restored.integrity_check().unwrap();
        let report = restored.check_consistency().unwrap();
        assert!(report.is_consistent(), "backup {i}: {:?}", report.problems);
        users.push(restored.read(|r| r.users()).unwrap().len());
    }
    assert!(users.windows(2).all(|w| w[0] <= w[1]), "{users:?}");
    assert!(
        users.last() > users.first(),
        "the writer was writing during the backups: {users:?}"
    );
}
