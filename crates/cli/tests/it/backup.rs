//! `tend backup` and `tend restore`, on the same machine and on a new one.

use crate::support::{ADMIN_PASSWORD, add_user, as_admin, init, run, tend};

#[test]
fn backup_then_restore_over_the_clinic() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = dir.path().join("clinic");
    init(&clinic);
    let file = dir.path().join("monday.tendbackup");
    let r = run(as_admin(&clinic).arg("backup").arg(&file)).ok();
    assert!(r.stdout.starts_with("Backup written to"), "{}", r.stdout);
    add_user(&clinic, "ana", "doctor");

    let r = run(as_admin(&clinic).arg("restore").arg(&file)).ok();
    assert!(
        r.stdout.contains("Restored the backup made"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("The database it replaced is kept at"),
        "{}",
        r.stdout
    );
    let users = run(as_admin(&clinic).args(["--json", "user", "list"]))
        .ok()
        .json();
    assert_eq!(
        users.as_array().unwrap().len(),
        1,
        "ana came after the backup"
    );
    run(as_admin(&clinic).arg("check")).ok();
}

#[test]
fn a_new_machine_is_set_up_from_a_backup_and_the_recovery_key() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = dir.path().join("clinic");
    let recovery = init(&clinic);
    add_user(&clinic, "ana", "doctor");
    let file = dir.path().join("b.tendbackup");
    run(as_admin(&clinic).arg("backup").arg(&file)).ok();

    let new = dir.path().join("new-laptop");
    let r = run(tend(&new)
        .env(
            "TEND_RECOVERY_KEY",
            "0000-0000-0000-0000-0000-0000-0000-0000",
        )
        .arg("restore")
        .arg(&file));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("The recovery key is not right"),
        "{}",
        r.stderr
    );
    assert!(
        !new.join("tend.db").exists(),
        "a refused restore leaves nothing behind"
    );

    run(tend(&new)
        .env("TEND_RECOVERY_KEY", &recovery)
        .arg("restore")
        .arg(&file))
    .ok();
    let r = run(tend(&new)
        .env("TEND_PASSPHRASE", crate::support::PASSPHRASE)
        .env("TEND_PASSWORD", "ana password 1")
        .args(["--user", "ana", "status"]))
    .ok();
    assert!(r.stdout.contains("Clínica Sol"), "{}", r.stdout);
    let _ = ADMIN_PASSWORD;
}

#[test]
fn a_forgotten_passphrase_is_replaced_with_the_recovery_key() {
    let dir = tempfile::tempdir().unwrap();
    let recovery = init(dir.path());
    run(tend(dir.path())
        .env("TEND_RECOVERY_KEY", &recovery)
        .env("TEND_NEW_PASSPHRASE", "a new clinic passphrase")
        .args(["passphrase", "reset"]))
    .ok();
    let r = run(as_admin(dir.path()).arg("status"));
    assert!(r.stderr.contains("The passphrase is not right"), "{r:?}");
    run(as_admin(dir.path())
        .env("TEND_PASSPHRASE", "a new clinic passphrase")
        .arg("status"))
    .ok();
}

#[test]
fn a_damaged_database_is_replaced_from_a_backup_with_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = dir.path().join("clinic");
    init(&clinic);
    add_user(&clinic, "ana", "doctor");
    let file = dir.path().join("b.tendbackup");
    run(as_admin(&clinic).arg("backup").arg(&file)).ok();

    // The disk garbles the first page.
    let db = clinic.join("tend.db");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[100..4000].fill(0x42);
    std::fs::write(&db, &bytes).unwrap();

    let r = run(as_admin(&clinic).arg("status"));
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        "error: The clinic's database is damaged and cannot be read; restore the latest backup (tend restore FILE)"
    );
    // No one can sign in, so the passphrase is the authority; a wrong one changes nothing.
    let r = run(tend(&clinic)
        .env("TEND_PASSPHRASE", "not the passphrase")
        .arg("restore")
        .arg(&file));
    assert!(r.stderr.contains("The passphrase is not right"), "{r:?}");
    let r = run(tend(&clinic)
        .env("TEND_PASSPHRASE", crate::support::PASSPHRASE)
        .arg("restore")
        .arg(&file))
    .ok();
    assert!(
        r.stdout.contains("The database it replaced is kept at"),
        "{}",
        r.stdout
    );
    let kept: Vec<String> = std::fs::read_dir(&clinic)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("tend.db.before-restore-") && !n.ends_with("-wal"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let users = run(as_admin(&clinic).args(["--json", "user", "list"]))
        .ok()
        .json();
    assert_eq!(users.as_array().unwrap().len(), 2);
    run(as_admin(&clinic).arg("check")).ok();

    // A readable database is not restored without an admin's sign-in.
    let r = run(tend(&clinic)
        .env("TEND_PASSPHRASE", crate::support::PASSPHRASE)
        .arg("restore")
        .arg(&file));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("This needs a signed-in user"),
        "{}",
        r.stderr
    );
}
