//! The desktop's stages, as the window goes through them: set-up, unlock, sign-in, printing for
//! preview, switch of user and sign-out.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use tend_core::api::forms::Setup;
use tend_core::clock::ManualClock;
use tend_core::desktop::Desktop;
use tend_core::patients;

use crate::support::{ADMIN_PASSWORD, PASSPHRASE, env, request};

fn setup_form() -> Setup {
    let r = request();
    Setup {
        clinic_name: r.clinic_name.into(),
        timezone: r.timezone.into(),
        currency: r.currency.into(),
        device_name: r.device_name.into(),
        admin_username: r.admin_username.into(),
        admin_display_name: r.admin_display_name.into(),
        admin_password: r.admin_password.into(),
        passphrase: r.passphrase.into(),
        units: r.units.into(),
    }
}

#[test]
fn a_desktop_goes_from_set_up_to_sign_in_to_unlock_on_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
    ));
    let desk = Desktop::new(dir.path().to_owned(), env(&clock));
    assert_eq!(desk.start().unwrap().stage, "setup");

    // A bad field is named and nothing is created.
    let e = desk
        .set_up(&Setup {
            timezone: "Europe/Madird".into(),
            ..setup_form()
        })
        .unwrap_err();
    assert_eq!(e.field, Some("timezone"));
    assert_eq!(desk.start().unwrap().stage, "setup");

    let done = desk.set_up(&setup_form()).unwrap();
    assert_eq!(done.desk.user.username, "admin");
    assert!(!done.keyring_saved, "the tests' keyring takes nothing");
    let sheet = desk.document(done.recovery_sheet.id).unwrap();
    assert!(sheet.starts_with(b"%PDF-"));
    let e = desk
        .save_document(
            done.recovery_sheet.id,
            &dir.path().join("no/such/folder/x.pdf"),
        )
        .unwrap_err();
    assert_eq!((e.code, e.field), ("save_failed", Some("path")));
    let saved = dir.path().join("sheet.pdf");
    desk.save_document(done.recovery_sheet.id, &saved).unwrap();
    assert_eq!(std::fs::read(&saved).unwrap(), sheet);
    // Saved, the recovery sheet (the key to the clinic's data) is no longer held.
    assert_eq!(
        desk.document(done.recovery_sheet.id).unwrap_err().code,
        "not_found"
    );
    assert!(desk.set_up(&setup_form()).is_err(), "set-up happens once");

    // Signed in: use cases run as the admin; signed out: they are refused.
    assert_eq!(desk.run(patients::count).unwrap(), 0);
    desk.sign_out().unwrap();
    assert_eq!(desk.run(patients::count).unwrap_err().code, "session_ended");

    let e = desk.sign_in("admin", "not the password").unwrap_err();
    assert_eq!((e.code, e.field), ("invalid_credentials", Some("password")));
    desk.sign_in("admin", ADMIN_PASSWORD).unwrap();
    assert_eq!(desk.start().unwrap().stage, "sign_in");
    drop(desk);

    // Next start on a machine without a keyring: the passphrase opens it.
    let desk = Desktop::new(dir.path().to_owned(), env(&clock));
    let start = desk.start().unwrap();
    assert_eq!(start.stage, "unlock");
    assert_eq!(
        desk.sign_in("admin", ADMIN_PASSWORD).unwrap_err().code,
        "not_open"
    );
    let e = desk.unlock("not the passphrase").unwrap_err();
    assert_eq!(e.field, Some("passphrase"));
    let opened = desk.unlock(PASSPHRASE).unwrap();
    assert_eq!(
        (opened.stage, opened.clinic_name.as_deref()),
        ("sign_in", Some("Clínica Sol"))
    );
    assert_eq!(desk.run(patients::count).unwrap_err().code, "session_ended");
}

#[test]
fn switching_user_ends_the_first_session() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
    ));
    let desk = Desktop::new(dir.path().to_owned(), env(&clock));
    desk.set_up(&setup_form()).unwrap();
    desk.run(|t, s| {
        tend_core::users::add(
            t,
            s,
            &tend_core::users::NewUser {
                username: "rosa",
                display_name: "Rosa",
                roles: "receptionist",
                licence_number: "",
                password: "rosa password 1",
            },
        )
    })
    .unwrap();
    let rosa = desk.sign_in("rosa", "rosa password 1").unwrap();
    assert_eq!(rosa.user.username, "rosa");
    let e = desk.run(tend_core::users::list).unwrap_err();
    assert_eq!(e.code, "forbidden", "now it is Rosa asking, not the admin");
    let trail = {
        desk.sign_in("admin", ADMIN_PASSWORD).unwrap();
        desk.run(tend_core::audit::verify).unwrap()
    };
    assert!(trail.intact, "{trail:?}");
}

#[test]
fn a_session_left_idle_locks_in_tend_core_whatever_the_page_did() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
    ));
    let desk = Desktop::new(dir.path().to_owned(), env(&clock));
    desk.set_up(&setup_form()).unwrap();
    // Use keeps it open: a command every 9 minutes of the default 10.
    for _ in 0..3 {
        clock.advance(Duration::minutes(9));
        desk.run(patients::count).unwrap();
    }
    // The badge's polling does not: 6 minutes, a poll, 5 more.
    clock.advance(Duration::minutes(6));
    desk.poll(tend_core::sync::status).unwrap();
    clock.advance(Duration::minutes(5));
    let e = desk.run(patients::count).unwrap_err();
    assert_eq!(e.code, "session_locked", "{e:?}");
    assert!(e.message.contains("10 minutes"), "{}", e.message);
    assert_eq!(desk.run(patients::count).unwrap_err().code, "session_ended");
    // Signing in again opens it; the lock was a sign-out in the audit log.
    desk.sign_in("admin", ADMIN_PASSWORD).unwrap();
    desk.run(patients::count).unwrap();
    let log = desk
        .run(|t, s| {
            tend_core::audit::search(
                t,
                s,
                &tend_core::api::forms::AuditSearch {
                    from: String::new(),
                    to: String::new(),
                    user: String::new(),
                    action: "user.sign_out".into(),
                    outcome: String::new(),
                    before: None,
                    limit: 10,
                },
            )
        })
        .unwrap();
    assert!(!log.is_empty(), "the lock is recorded");
}

#[test]
fn printed_documents_are_held_for_who_printed_them_and_dropped_at_every_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
    ));
    let desk = Desktop::new(dir.path().to_owned(), env(&clock));
    let done = desk.set_up(&setup_form()).unwrap();
    // The recovery sheet of the set-up, held until its preview is closed once dealt with.
    desk.document(done.recovery_sheet.id).unwrap();
    desk.close_document(done.recovery_sheet.id);
    assert!(desk.document(done.recovery_sheet.id).is_err());
    let printed = desk
        .print(|t, s| tend_core::billing::printing::print_closeout(t, s, "2026-11-24", None))
        .unwrap();
    desk.document(printed.id).unwrap();
    desk.close_document(printed.id);
    assert!(
        desk.document(printed.id).is_ok(),
        "a printed document stays for a reprint"
    );
    // A sign-in (the same person's, or a switch of user) starts with nothing held.
    desk.sign_in("admin", ADMIN_PASSWORD).unwrap();
    assert_eq!(desk.document(printed.id).unwrap_err().code, "not_found");
}

/// The app's own clock for backups: the minute tick runs what is due, quitting backs up when
/// the last good backup is over a day old, and a restore from the desktop signs everyone out
/// (or, refused, leaves the clinic open as it was).
#[test]
fn the_desktop_backs_up_on_its_tick_and_on_quitting_and_restores() {
    use tend_core::backup::{self, auto};
    let dir = tempfile::tempdir().unwrap();
    let usb = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
    ));
    let desk = Desktop::new(dir.path().join("clinic"), env(&clock));
    desk.set_up(&setup_form()).unwrap();
    let folder = usb.path().display().to_string();
    desk.run(|t, s| auto::add_destination(t, s, &folder))
        .unwrap();
    desk.run(|t, s| auto::set_schedule(t, s, "18:00", ("7", "4", "12")))
        .unwrap();
    let backups = || {
        let mut names: Vec<_> = std::fs::read_dir(usb.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tendbackup"))
            .collect();
        names.sort();
        names
    };
    // No backup yet: the first tick takes one; the next minute's tick does nothing.
    desk.backup_tick();
    assert_eq!(backups().len(), 1);
    clock.advance(Duration::minutes(1));
    desk.backup_tick();
    assert_eq!(backups().len(), 1);
    assert!(
        !desk.backup_on_quit(),
        "the last good backup is minutes old"
    );
    assert_eq!(backups().len(), 1);

    let morning = backups();

    // Closing time (18:00 in Madrid, 17:00 UTC in November): the tick takes the day's backup,
    // which replaces the morning's (one a day is kept for the day).
    clock.advance(Duration::hours(9));
    desk.backup_tick();
    let evening = backups();
    assert_eq!(evening.len(), 1);
    assert!(evening[0] > morning[0], "{evening:?} after {morning:?}");

    // The desktop was off for two days; quitting now backs up first.
    clock.advance(Duration::days(2));
    assert!(desk.backup_on_quit());
    assert_eq!(backups().len(), 2);
    assert!(!desk.backup_on_quit(), "once is enough");

    // A restore from the desktop: everyone signs in again, and the clinic is as it was then.
    desk.sign_in("admin", ADMIN_PASSWORD).unwrap();
    let first = usb.path().join(&backups()[0]);
    let restored = desk
        .restore(&first.display().to_string(), backup::Replaces::Ask)
        .unwrap();
    assert!(restored.previous_kept_at.is_some());
    assert_eq!(desk.backup_step(), None, "no progress is left showing");
    assert_eq!(desk.run(patients::count).unwrap_err().code, "session_ended");

    // A damaged file is refused, and the clinic stays open and usable.
    desk.sign_in("admin", ADMIN_PASSWORD).unwrap();
    let damaged = usb.path().join("damaged.tendbackup");
    let mut bytes = std::fs::read(&first).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&damaged, bytes).unwrap();
    let e = desk
        .restore(&damaged.display().to_string(), backup::Replaces::Ask)
        .unwrap_err();
    assert_eq!(e.code, "bad_backup", "{e:?}");
    assert!(e.message.contains("damaged"), "{}", e.message);
    desk.sign_in("admin", ADMIN_PASSWORD).unwrap();
    assert_eq!(desk.run(patients::count).unwrap(), 0);
}
