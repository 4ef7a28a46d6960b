//! Automatic backups through the use cases: folders checked when chosen, runs when due, every
//! file read back before it is listed, retention that removes only behind a newer verified
//! backup, failures named and recorded, and the red badge for admins only.

use std::path::{Path, PathBuf};

use chrono::Duration;
use tend_core::api::RunReportDto;
use tend_core::backup::auto;
use tend_core::clinic::Unlock;
use tend_core::{CoreError, Session, auth, backup};
use tend_domain::Action;

use crate::support::{ADMIN_PASSWORD, Clinic, PASSPHRASE, clinic, env, person};

/// The admin signed in again (time moves by days here, and idle sessions lock).
fn admin(c: &Clinic) -> Session {
    auth::sign_in(&c.tend, "admin", ADMIN_PASSWORD).unwrap()
}

fn files(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tendbackup"))
        .collect();
    names.sort();
    names
}

fn good(reports: &[RunReportDto]) -> usize {
    reports.iter().filter(|r| r.good).count()
}

#[test]
fn a_folder_is_checked_when_an_admin_chooses_it() {
    let c = clinic();
    let a = admin(&c);
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let inside = c.path().join("backups");
    std::fs::create_dir(&inside).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "is required"),
        ("backups".into(), "must be a full path"),
        (
            format!("{}\u{1b}[31m", outside.path().display()),
            "control characters",
        ),
        (
            inside.display().to_string(),
            "inside the clinic's own data folder",
        ),
        (
            c.path().display().to_string(),
            "inside the clinic's own data folder",
        ),
        (
            outside.path().join("nope").display().to_string(),
            "is missing (is the drive plugged in",
        ),
        (file.display().to_string(), "is a file, not a folder"),
    ];
    for (typed, says) in cases {
        let e = auto::add_destination(&c.tend, &a, &typed).unwrap_err();
        assert!(
            e.user_message().contains(says),
            "{typed:?}: {}",
            e.user_message()
        );
    }
    // Only admins choose folders and see the backups.
    let nurse = person(&c, "nina", "nurse");
    let e =
        auto::add_destination(&c.tend, &nurse, &outside.path().display().to_string()).unwrap_err();
    assert!(
        matches!(
            e,
            CoreError::Forbidden {
                action: Action::BackupCreate
            }
        ),
        "{e:?}"
    );
    assert!(auto::status(&c.tend, &nurse).is_err());

    // Pasted as Windows' "Copy as path" gives it: in quotes, with a space after.
    let pasted = format!("\"{}\" ", outside.path().display());
    let d = auto::add_destination(&c.tend, &a, &pasted).unwrap();
    assert!(d.due_now, "a new folder has no backup yet");
    assert_eq!(
        d.folder,
        std::fs::canonicalize(outside.path())
            .unwrap()
            .display()
            .to_string()
    );
    assert!(outside.path().join(auto::MARKER).exists());
    let e =
        auto::add_destination(&c.tend, &a, &format!("{}/", outside.path().display())).unwrap_err();
    assert_eq!(e.field(), Some("folder"), "the same folder twice: {e:?}");
}

#[test]
fn the_schedule_form_names_what_is_wrong_and_a_bad_backup_file_is_named_in_words() {
    let c = clinic();
    let a = admin(&c);
    for (at, keep, field) in [
        ("25:00", ("7", "4", "12"), "backup_time"),
        ("17:4", ("7", "4", "12"), "backup_time"),
        ("17:45", ("seven", "4", "12"), "keep_daily"),
        ("17:45", ("7", "-1", "12"), "keep_weekly"),
        ("17:45", ("7", "4", ""), "keep_monthly"),
    ] {
        let e = auto::set_schedule(&c.tend, &a, at, keep).unwrap_err();
        assert_eq!(e.field(), Some(field), "{at:?} {keep:?}");
    }
    // Files people choose by mistake: each named in words, never "something went wrong".
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.tendbackup");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "Backups: ask Rosa\n").unwrap();
    let missing = dir.path().join("gone.tendbackup");
    for (path, says) in [
        (missing.as_path(), "there is no file there"),
        (dir.path(), "it is a folder"),
        (empty.as_path(), "not a Tend backup"),
        (text.as_path(), "not a Tend backup"),
    ] {
        let e = backup::check_file(
            path,
            Unlock::Passphrase(PASSPHRASE),
            &env(&c.clock),
            &backup::quietly,
        )
        .unwrap_err();
        assert_eq!(e.code(), "bad_backup", "{path:?}: {e:?}");
        assert!(
            e.user_message().contains(says),
            "{path:?}: {}",
            e.user_message()
        );
    }
}

#[test]
fn backups_run_when_due_and_retention_removes_only_behind_a_newer_verified_one() {
    let c = clinic();
    let a = admin(&c);
    let usb = tempfile::tempdir().unwrap();
    let nas = tempfile::tempdir().unwrap();
    // Files Tend did not write are never touched: a note, and another desktop's backup.
    std::fs::write(usb.path().join("README.txt"), b"clinic backups").unwrap();
    std::fs::write(
        usb.path().join("tend-ZZ-20260101-000000.tendbackup"),
        b"not ours",
    )
    .unwrap();
    for f in [&usb, &nas] {
        auto::add_destination(&c.tend, &a, &f.path().display().to_string()).unwrap();
    }
    // Keep 3 days, 2 weeks, 2 months.
    let s = auto::set_schedule(&c.tend, &a, "17.45", ("3", " 2", "2")).unwrap();
    assert_eq!(s.at, "17:45");
    assert!(s.overdue, "no backup yet");

    // 08:00 UTC on 24 Nov: nothing yet, so both folders are due at once.
    let first = auto::run_due(&c.tend).unwrap();
    assert_eq!(good(&first), 2, "{first:?}");
    for r in &first {
        let file = Path::new(&r.folder).join(r.file.as_ref().unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "only the owner reads a backup");
        }
        assert_eq!(r.counts.unwrap().patients, 0);
    }
    assert!(
        auto::run_due(&c.tend).unwrap().is_empty(),
        "not due again today"
    );
    assert!(!auto::status(&c.tend, &a).unwrap().overdue);

    // Sixty days of closing times, with a patient registered each day.
    person(&c, "rosa", "receptionist");
    let mut runs = 1;
    for day in 0..60 {
        c.clock.advance(Duration::days(1));
        let front = auth::sign_in(&c.tend, "rosa", "rosa password 1").unwrap();
        crate::support::register(&c, &front, &format!("Day{day}"));
        let reports = auto::run_due(&c.tend).unwrap();
        assert_eq!(good(&reports), 2, "day {day}: {reports:?}");
        runs += 1;
    }
    assert_eq!(runs, 61);

    // What each folder keeps is what the retention rule says, newest first, and the files
    // on disk are exactly those (plus the one Tend did not write).
    let a = admin(&c);
    let status = auto::status(&c.tend, &a).unwrap();
    for d in &status.destinations {
        assert!(d.kept <= 3 + 2 + 2, "{d:?}");
        assert!(d.kept >= 3, "{d:?}");
        let last = d.last_good.as_ref().unwrap();
        assert_eq!(last.counts.patients, 60);
        let on_disk = files(Path::new(&d.folder));
        let ours: Vec<&String> = on_disk
            .iter()
            .filter(|f| !f.starts_with("tend-ZZ"))
            .collect();
        assert_eq!(ours.len(), d.kept, "{on_disk:?}");
        assert!(on_disk.contains(&last.file), "the newest is kept");
    }
    assert!(usb.path().join("README.txt").exists());
    assert!(
        usb.path()
            .join("tend-ZZ-20260101-000000.tendbackup")
            .exists()
    );

    // The newest one restores: the drill says what it holds.
    let newest = status.destinations[0].last_good.as_ref().unwrap();
    let path = PathBuf::from(&status.destinations[0].folder).join(&newest.file);
    let checked = backup::check_file(
        &path,
        Unlock::Passphrase(PASSPHRASE),
        &env(&c.clock),
        &backup::quietly,
    )
    .unwrap();
    assert_eq!(checked.clinic_name, "Clínica Sol");
    assert_eq!(checked.counts.patients, 60);
    let signed_in =
        backup::check_file_signed_in(&c.tend, &a, &path, None, &backup::quietly).unwrap();
    assert_eq!(signed_in.counts, checked.counts);
}

#[test]
fn a_missing_folder_is_an_error_that_is_retried_and_keeps_the_good_backups_elsewhere() {
    let c = clinic();
    let a = admin(&c);
    let usb = tempfile::tempdir().unwrap();
    let disk = tempfile::tempdir().unwrap();
    let usb_path = usb.path().join("tend");
    std::fs::create_dir(&usb_path).unwrap();
    auto::add_destination(&c.tend, &a, &usb_path.display().to_string()).unwrap();
    auto::add_destination(&c.tend, &a, &disk.path().display().to_string()).unwrap();
    assert_eq!(good(&auto::run_due(&c.tend).unwrap()), 2);
    let kept_on_disk = files(disk.path());

    // The drive is unplugged: its folder is gone. The other folder still backs up.
    std::fs::remove_dir_all(&usb_path).unwrap();
    c.clock.advance(Duration::days(1));
    let reports = auto::run_due(&c.tend).unwrap();
    let failed: Vec<&RunReportDto> = reports.iter().filter(|r| !r.good).collect();
    assert_eq!(failed.len(), 1, "{reports:?}");
    assert!(
        failed[0]
            .message
            .as_ref()
            .unwrap()
            .contains("is missing (is the drive plugged in"),
        "{reports:?}"
    );
    assert_eq!(good(&reports), 1);
    assert!(files(disk.path()).len() > kept_on_disk.len());

    // The same folder, but an empty mount point (the drive's own folder is not there): named,
    // and nothing is written to the computer's own disk.
    std::fs::create_dir(&usb_path).unwrap();
    c.clock.advance(Duration::minutes(10));
    assert!(
        auto::run_due(&c.tend).unwrap().is_empty(),
        "the next try waits a quarter of an hour"
    );
    c.clock.advance(Duration::minutes(6));
    let retry = auto::run_due(&c.tend).unwrap();
    assert_eq!(
        retry.len(),
        1,
        "only the failed folder is due again: {retry:?}"
    );
    assert!(
        retry[0]
            .message
            .as_ref()
            .unwrap()
            .contains("is not the folder that was chosen"),
        "{retry:?}"
    );
    assert!(files(&usb_path).is_empty());

    // The admin screen names the failed folder and when; the badge follows the good one.
    let a = admin(&c);
    let status = auto::status(&c.tend, &a).unwrap();
    let usb_status = &status.destinations[0];
    assert!(
        usb_status
            .last_error
            .as_ref()
            .unwrap()
            .message
            .contains("not the folder")
    );
    assert!(
        usb_status.last_good.is_some(),
        "yesterday's good one is still listed"
    );
    assert!(status.destinations[1].last_error.is_none());
    assert!(!status.overdue);
}

#[test]
fn admins_see_the_red_badge_when_the_last_good_backup_is_more_than_26_hours_old() {
    let c = clinic();
    let a = admin(&c);
    let nurse = person(&c, "nina", "nurse");
    assert!(auto::overdue_for(&c.tend, &a).unwrap(), "no backup yet");
    assert!(
        !auto::overdue_for(&c.tend, &nurse).unwrap(),
        "not for other roles"
    );
    let folder = tempfile::tempdir().unwrap();
    auto::add_destination(&c.tend, &a, &folder.path().display().to_string()).unwrap();
    auto::run_due(&c.tend).unwrap();
    assert!(!auto::overdue_for(&c.tend, &a).unwrap());
    c.clock.advance(Duration::hours(25));
    assert!(!auto::overdue_for(&c.tend, &admin(&c)).unwrap());
    // The desktop was closed at closing time; nothing ran.
    c.clock.advance(Duration::hours(2));
    assert!(auto::overdue_for(&c.tend, &admin(&c)).unwrap());
    assert!(auto::due_on_quit(&c.tend).unwrap());
    auto::run_all(&c.tend, None).unwrap();
    assert!(!auto::overdue_for(&c.tend, &admin(&c)).unwrap());
    assert!(!auto::due_on_quit(&c.tend).unwrap());
}

/// Runs the calling test again inside its own user and mount namespace (`unshare`), where it
/// can mount a small tmpfs as a backup folder and make it full or read-only, as a root-owned
/// test could not do safely on the machine itself. Returns whether this is the inner run.
fn in_own_mount_namespace(test: &str) -> bool {
    if std::env::var_os("TEND_TEST_MOUNT_NS").is_some() {
        return true;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "--"])
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env("TEND_TEST_MOUNT_NS", "1")
        .output()
        .expect("unshare (util-linux) runs this test in its own mount namespace");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("1 passed"),
        "the inner run ran the test: {text}"
    );
    false
}

fn mount(args: &[&str]) {
    let status = std::process::Command::new("mount")
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "mount {args:?}");
}

#[test]
fn a_full_or_read_only_folder_is_named_and_the_good_backup_there_stays() {
    if !in_own_mount_namespace(
        "backup_auto::a_full_or_read_only_folder_is_named_and_the_good_backup_there_stays",
    ) {
        return;
    }
    let c = clinic();
    let front = person(&c, "rosa", "receptionist");
    for i in 0..40 {
        crate::support::register(&c, &front, &format!("Full{i}"));
    }
    // How large a backup of this clinic is.
    let probe = tempfile::tempdir().unwrap();
    let size = backup::create(&c.tend, &admin(&c), &probe.path().join("size.tendbackup"))
        .unwrap()
        .bytes;

    // A drive with room for one backup and a half.
    let drive = tempfile::tempdir().unwrap();
    let kib = (size + size / 2) / 1024 + 8;
    let target = drive.path().display().to_string();
    mount(&[
        "-t",
        "tmpfs",
        "-o",
        &format!("size={kib}k"),
        "tmpfs",
        &target,
    ]);
    let a = admin(&c);
    auto::add_destination(&c.tend, &a, &target).unwrap();
    let first = auto::run_all(&c.tend, None).unwrap();
    assert_eq!(good(&first), 1, "{first:?}");
    let kept = files(drive.path());
    assert_eq!(kept.len(), 1);

    // The next one does not fit: named, nothing half-written left, the good one untouched.
    c.clock.advance(Duration::minutes(1));
    let full = auto::run_all(&c.tend, None).unwrap();
    assert_eq!(good(&full), 0);
    let message = full[0].message.clone().unwrap();
    assert!(message.contains("is full"), "{message}");
    assert!(message.contains(&target), "the folder is named: {message}");
    let left: Vec<String> = std::fs::read_dir(drive.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter().all(|f| !f.ends_with(".partial")),
        "no partial file: {left:?}"
    );
    assert_eq!(files(drive.path()), kept);
    let good_one = drive.path().join(&kept[0]);
    backup::check_file(
        &good_one,
        Unlock::Passphrase(PASSPHRASE),
        &env(&c.clock),
        &backup::quietly,
    )
    .unwrap();

    // Read-only (a share mounted so, or a drive's lock switch): named the same way.
    mount(&["-o", "remount,ro", &target]);
    c.clock.advance(Duration::minutes(1));
    let ro = auto::run_all(&c.tend, None).unwrap();
    assert_eq!(good(&ro), 0);
    assert!(
        ro[0].message.as_ref().unwrap().contains("is read-only"),
        "{ro:?}"
    );
    backup::check_file(
        &good_one,
        Unlock::Passphrase(PASSPHRASE),
        &env(&c.clock),
        &backup::quietly,
    )
    .unwrap();

    let status = auto::status(&c.tend, &admin(&c)).unwrap();
    let d = &status.destinations[0];
    assert!(
        d.last_error
            .as_ref()
            .unwrap()
            .message
            .contains("is read-only")
    );
    assert_eq!(d.last_good.as_ref().unwrap().file, kept[0]);
    assert_eq!(d.kept, 1);
    assert!(!status.overdue, "the good backup is minutes old");
}
