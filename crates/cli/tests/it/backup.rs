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

/// A demo clinic with enough in it that a backup takes a while to write and check.
fn demo_clinic(dir: &std::path::Path) {
    run(tend(dir)
        .env("TEND_PASSPHRASE", "demo clinic passphrase")
        .args(["demo", "--patients", "150", "--seed", "7"]))
    .ok();
}

/// `tend` as the demo clinic's admin.
fn demo_clinic_cmd(dir: &std::path::Path) -> std::process::Command {
    let mut cmd = tend(dir);
    cmd.env("TEND_PASSPHRASE", "demo clinic passphrase")
        .env("TEND_PASSWORD", "demo admin password")
        .args(["--user", "admin"]);
    cmd
}

fn backup_files(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tendbackup"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_backup_killed_at_any_moment_never_leaves_a_file_that_is_listed_or_verifies_as_good() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = dir.path().join("clinic");
    let folder = dir.path().join("usb");
    std::fs::create_dir(&folder).unwrap();
    let admin = || demo_clinic_cmd(&clinic);
    demo_clinic(&clinic);
    run(admin().args(["backup", "folder", "add"]).arg(&folder)).ok();

    // How long a whole run takes here.
    let started = std::time::Instant::now();
    run(admin().args(["backup", "run", "--all"])).ok();
    let whole = started.elapsed();
    assert_eq!(backup_files(&folder).len(), 1);

    // Kill runs at moments spread over that time (and a little past it), jittered.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    println!("seed {seed}");
    let mut x = u64::from(seed) | 1;
    let rounds = 12;
    let mut seen: std::collections::HashSet<_> = backup_files(&folder).into_iter().collect();
    let mut interrupted = 0;
    for i in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let jitter = (x % 1000) as f64 / 1000.0;
        let at = whole.mul_f64((f64::from(i) + jitter) / f64::from(rounds) * 1.2);
        // A new second, so each run writes a new name.
        std::thread::sleep(std::time::Duration::from_millis(1000));
        let mut child = admin()
            .args(["backup", "run", "--all"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let now = backup_files(&folder);
        if now.iter().all(|f| seen.contains(f)) {
            interrupted += 1;
        }
        seen.extend(now);

        // Every file at a backup's name is a whole, good backup; none is listed that is not.
        for file in backup_files(&folder) {
            let r = run(tend(&clinic)
                .env("TEND_PASSPHRASE", "demo clinic passphrase")
                .args(["backup", "verify"])
                .arg(&file));
            assert_eq!(
                r.code,
                0,
                "round {i} (seed {seed}): {}: {}",
                file.display(),
                r.stderr
            );
        }
        let status = run(admin().args(["--json", "backup", "status"]))
            .ok()
            .json();
        let listed = &status["destinations"][0]["last_good"]["file"];
        let listed = folder.join(listed.as_str().unwrap());
        assert!(listed.exists(), "round {i}: the listed backup exists");
    }

    println!("{interrupted} of {rounds} runs were killed before their backup took its name");
    assert!(interrupted > 0, "no kill landed inside a run (seed {seed})");

    // The next run clears what killed runs left half-written and writes a good one.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let r = run(admin().args(["backup", "run", "--all"])).ok();
    assert!(r.stdout.contains("read back and checked"), "{}", r.stdout);
    let partials: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(partials.is_empty(), "{partials:?}");
}

#[test]
fn a_backup_run_names_a_missing_folder_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = dir.path().join("clinic");
    init(&clinic);
    let folder = dir.path().join("usb");
    std::fs::create_dir(&folder).unwrap();
    run(as_admin(&clinic)
        .args(["backup", "folder", "add"])
        .arg(&folder))
    .ok();
    std::fs::remove_dir_all(&folder).unwrap();
    // The system timer's run needs no user.
    let r = run(tend(&clinic)
        .env("TEND_PASSPHRASE", crate::support::PASSPHRASE)
        .args(["backup", "run"]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains("is missing (is the drive plugged in"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&folder.display().to_string()),
        "{}",
        r.stderr
    );
    let status = run(as_admin(&clinic).args(["backup", "status"])).ok();
    assert!(
        status.stdout.contains("LAST ATTEMPT FAILED"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("OVERDUE"), "{}", status.stdout);
}
