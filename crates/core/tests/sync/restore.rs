//! A backup of a desktop that syncs, restored on another computer: the admin says whether this
//! computer replaces that desktop; a copy never silently takes over its sync identity; and the
//! new identity is in the restored copy before it replaces anything.

use tend_core::backup::{self, Replaces};
use tend_core::clinic::Unlock;
use tend_core::{auth, sync};
use tend_sync::local_server::TEST_ENROL_TOKEN;

use crate::support::{env, new_clinic, shared_server};

const PASSPHRASE: &str = "clinic passphrase 2026";

#[test]
fn a_backup_of_a_syncing_desktop_restored_elsewhere_asks_and_never_takes_its_identity_silently() {
    let server = shared_server();
    let dir_a = tempfile::tempdir().unwrap();
    let a = new_clinic(dir_a.path(), "Clínica Río", "Reception").tend;
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    sync::connect(&a, &admin, &server, TEST_ENROL_TOKEN).unwrap();
    sync::sync_now(&a, |_| {}).unwrap();
    let a_code = sync::status(&a, &admin).unwrap().device_code;
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("reception.tendbackup");
    backup::create(&a, &admin, &file).unwrap();

    // The drill says which desktop the backup syncs as... and a restore elsewhere asks.
    let laptop = tempfile::tempdir().unwrap();
    let e = backup::restore_new(
        laptop.path(),
        &file,
        Unlock::Passphrase(PASSPHRASE),
        Replaces::Ask,
        env(),
        &backup::quietly,
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("replaces_desktop"), "{e:?}");
    let asked = e.user_message();
    assert!(asked.contains("\u{201c}Reception\u{201d}"), "{asked}");
    assert!(asked.contains(&a_code), "{asked}");
    assert!(
        !tend_core::Tend::exists(laptop.path()),
        "nothing was restored while the question was open"
    );

    // "No": a copy of the records that does not sync, under a device of its own.
    let (copy, info) = backup::restore_new(
        laptop.path(),
        &file,
        Unlock::Passphrase(PASSPHRASE),
        Replaces::No,
        env(),
        &backup::quietly,
    )
    .unwrap();
    assert_eq!(info.became, Some("copy"));
    let copy_admin = auth::sign_in(&copy, "admin", "admin password 1").unwrap();
    let s = sync::status(&copy, &copy_admin).unwrap();
    assert!(!s.configured, "the copy does not sync");
    assert_ne!(s.device_code, a_code);
    assert!(
        sync::sync_now(&copy, |_| {}).is_err(),
        "nothing to sync with"
    );
    // The desktop the backup came from is untouched and keeps syncing.
    sync::sync_now(&a, |_| {}).unwrap();
    assert!(sync::status(&a, &admin).unwrap().last_error.is_none());

    // "Yes": this computer takes its place as its successor; the old desktop's token is
    // retired at the next sync (it was broken, lost or retired).
    let new_pc = tempfile::tempdir().unwrap();
    let (successor, info) = backup::restore_new(
        new_pc.path(),
        &file,
        Unlock::Passphrase(PASSPHRASE),
        Replaces::Yes,
        env(),
        &backup::quietly,
    )
    .unwrap();
    assert_eq!(info.became, Some("successor"));
    sync::sync_now(&successor, |_| {}).unwrap();
    let s_admin = auth::sign_in(&successor, "admin", "admin password 1").unwrap();
    let s = sync::status(&successor, &s_admin).unwrap();
    assert!(s.configured && s.last_error.is_none(), "{s:?}");
    assert_ne!(s.device_code, a_code);
    assert!(
        sync::sync_now(&a, |_| {}).is_err(),
        "the replaced desktop no longer syncs"
    );
}

#[test]
fn a_restore_that_stops_before_the_new_desktop_is_recorded_finishes_at_the_next_opening() {
    let server = shared_server();
    let dir = tempfile::tempdir().unwrap();
    let a = new_clinic(dir.path(), "Clínica Mar", "Front desk").tend;
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    sync::connect(&a, &admin, &server, TEST_ENROL_TOKEN).unwrap();
    sync::sync_now(&a, |_| {}).unwrap();
    let old_code = sync::status(&a, &admin).unwrap().device_code;
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("b.tendbackup");
    backup::create(&a, &admin, &file).unwrap();
    let key = a.store_unchecked().key().clone();
    let paths = a.store_unchecked().paths().clone();
    drop(a);

    // The store's part of a restore only (the database is replaced) and then the computer
    // stops: the copy already has its new identity in it.
    let new = tend_domain::DeviceId::new();
    // Codes are random: the new one must differ from the old (it was "Q9" once here).
    let wanted = if old_code == "Q9" { "Q8" } else { "Q9" };
    let code = tend_domain::DeviceCode::parse(wanted).unwrap();
    tend_store::backup::restore(
        &paths,
        &file,
        &key,
        chrono::Utc::now(),
        |_| {
            Ok::<_, tend_store::StoreError>(tend_store::backup::RestoredDesktop::Succeeds {
                device_id: new,
                code,
            })
        },
        &tend_store::backup::quietly,
    )
    .unwrap();

    let a = tend_core::clinic::open(dir.path(), Unlock::Passphrase(PASSPHRASE), env()).unwrap();
    let admin = auth::sign_in(&a, "admin", "admin password 1").unwrap();
    let s = sync::status(&a, &admin).unwrap();
    assert_eq!(s.device_code, wanted);
    assert_ne!(s.device_code, old_code);
    sync::sync_now(&a, |_| {}).unwrap();
    let devices = sync::devices(&a, &admin).unwrap();
    assert!(
        devices
            .iter()
            .any(|d| d.code == wanted && d.name.as_deref() == Some("Front desk")),
        "{devices:?}"
    );
}
