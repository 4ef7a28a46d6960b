//! Backup and restore as use cases: admins only, audited, and a new machine from a backup.

use tend_core::clinic::Unlock;
use tend_core::{CoreError, auth, backup, users};
use tend_domain::Action;

use crate::support::{ADMIN_PASSWORD, clinic, env, person};

#[test]
fn only_an_admin_restores_and_the_restore_is_audited() {
    let c = clinic();
    let file = c.path().join("b.tendbackup");
    backup::create(&c.tend, &c.admin, &file).unwrap();
    person(&c, "ana", "doctor");
    let nurse = person(&c, "nina", "nurse");

    let crate::support::Clinic {
        dir,
        tend,
        clock,
        admin,
        ..
    } = c;
    let err =
        backup::restore(tend, &nurse, &file, backup::Replaces::Ask, &backup::quietly).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Forbidden {
                action: Action::BackupRestore
            }
        ),
        "{err:?}"
    );

    // The refused attempt consumed the handle; open again and restore as the admin.
    let tend = tend_core::clinic::open(
        dir.path(),
        Unlock::Passphrase(crate::support::PASSPHRASE),
        env(&clock),
    )
    .unwrap();
    let (tend, info) =
        backup::restore(tend, &admin, &file, backup::Replaces::Ask, &backup::quietly).unwrap();
    assert!(info.previous_kept_at.is_some());
    let names: Vec<String> = users::list(&tend, &admin)
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["admin"], "users added after the backup are gone");
    let report = tend_core::audit::check_database(&tend, &admin).unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
}

#[test]
fn a_new_machine_restores_with_the_recovery_key() {
    let c = clinic();
    person(&c, "ana", "doctor");
    let file = c.path().join("b.tendbackup");
    backup::create(&c.tend, &c.admin, &file).unwrap();

    let other = tempfile::tempdir().unwrap();
    let err = backup::restore_new(
        other.path(),
        &file,
        Unlock::Passphrase("not the passphrase"),
        backup::Replaces::Ask,
        env(&c.clock),
        &backup::quietly,
    )
    .unwrap_err();
    assert_eq!(err.code(), "wrong_secret");
    let (tend, info) = backup::restore_new(
        other.path(),
        &file,
        Unlock::RecoveryKey(&c.recovery_key),
        backup::Replaces::Ask,
        env(&c.clock),
        &backup::quietly,
    )
    .unwrap();
    assert_eq!(info.previous_kept_at, None);
    auth::sign_in(&tend, "ana", "ana password 1").unwrap();
    let admin = auth::sign_in(&tend, "admin", ADMIN_PASSWORD).unwrap();
    assert!(tend_core::audit::verify(&tend, &admin).unwrap().intact);

    // Restoring "new" over an existing clinic is refused: that needs an admin's sign-in.
    drop(tend);
    let err = backup::restore_new(
        other.path(),
        &file,
        Unlock::RecoveryKey(&c.recovery_key),
        backup::Replaces::Ask,
        env(&c.clock),
        &backup::quietly,
    )
    .unwrap_err();
    assert_eq!(err.code(), "restore_needs_admin");
}
