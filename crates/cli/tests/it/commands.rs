//! Set-up, users, sign-in and errors as a person at a terminal meets them.

use crate::support::{ADMIN_PASSWORD, PASSPHRASE, add_user, as_admin, init, run, tend};

#[test]
fn init_prints_the_recovery_key_once_and_keeps_no_secret_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(tend(dir.path())
        .env("TEND_PASSWORD", ADMIN_PASSWORD)
        .env("TEND_PASSPHRASE", PASSPHRASE)
        .args([
            "init",
            "--clinic",
            "Clínica Sol",
            "--admin",
            "admin",
            "--timezone",
            "Europe/Madrid",
        ]))
    .ok();
    assert!(r.stdout.contains("RECOVERY KEY"), "{}", r.stdout);
    let key_line = r
        .stdout
        .lines()
        .find(|l| l.trim().len() == 39 && l.matches('-').count() == 7)
        .unwrap();
    let recovery = key_line.trim();
    assert!(
        r.stdout.contains("Tend will ask for the clinic passphrase"),
        "no keyring here"
    );

    // Nothing else ever shows it again, and no file holds any secret readably.
    let status = run(as_admin(dir.path()).arg("status")).ok();
    assert!(!status.stdout.contains(recovery));
    let mut files = vec![dir.path().to_owned()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for secret in [recovery, PASSPHRASE, ADMIN_PASSWORD, "Clínica Sol"] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in {}",
                path.display()
            );
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("tend.keys"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "tend.keys is private");
    }
}

#[test]
fn users_are_added_listed_disabled_and_unlocked() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    add_user(dir.path(), "ana", "doctor,admin");
    let list = run(as_admin(dir.path()).args(["--json", "user", "list"]))
        .ok()
        .json();
    let ana = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "ana")
        .unwrap();
    assert_eq!(ana["roles"], serde_json::json!(["admin", "doctor"]));

    let sign_in_as_ana = |password: &str| {
        run(tend(dir.path())
            .env("TEND_PASSPHRASE", PASSPHRASE)
            .env("TEND_PASSWORD", password)
            .args(["--user", "ana", "status"]))
    };
    sign_in_as_ana("ana password 1").ok();
    run(as_admin(dir.path()).args(["user", "disable", "ana"])).ok();
    let r = sign_in_as_ana("ana password 1");
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        "error: This account is disabled; an administrator can enable it"
    );
    run(as_admin(dir.path()).args(["user", "enable", "ana"])).ok();

    // A wrong password gets the general answer (the throttle and lockout that follow are
    // tested against a controlled clock in tend-core).
    let r = sign_in_as_ana("wrong password");
    assert_eq!(
        r.stderr.trim(),
        "error: The username or password is not right"
    );
    run(as_admin(dir.path()).args(["user", "unlock", "ana"])).ok();
    sign_in_as_ana("ana password 1").ok();

    // An administrator locked out is let in with the clinic passphrase, without signing in; a
    // wrong one says so, and the others are unlocked by an admin.
    let unlock_admin = |who: &str, passphrase: &str| {
        run(tend(dir.path())
            .env("TEND_PASSPHRASE", PASSPHRASE)
            .args(["user", "unlock-admin", who])
            .env("TEND_PASSPHRASE", passphrase))
    };
    let r = unlock_admin("ana", PASSPHRASE).ok();
    assert!(r.stdout.contains("ana can sign in again"), "{}", r.stdout);
    let r = unlock_admin("ana", "not the passphrase");
    assert_eq!(r.code, 1, "{}", r.stderr);
    add_user(dir.path(), "rosa", "receptionist");
    let r = unlock_admin("rosa", PASSPHRASE);
    assert!(r.stderr.contains("Only an administrator"), "{}", r.stderr);
}

#[test]
fn errors_are_one_line_and_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let check = |r: crate::support::Run, code: i32, expected: &str| {
        assert_eq!(r.code, code, "{r:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr.contains(expected),
            "{:?} should contain {expected:?}",
            r.stderr
        );
    };
    check(
        run(tend(dir.path())
            .env("TEND_PASSPHRASE", "wrong passphrase")
            .args(["--user", "admin", "status"])),
        1,
        "The passphrase is not right for this clinic",
    );
    check(
        run(tend(dir.path())
            .env("TEND_PASSPHRASE", PASSPHRASE)
            .args(["--user", "admin", "status"])),
        1,
        "The password for admin is needed: set TEND_PASSWORD",
    );
    check(
        run(tend(dir.path()).args(["--user", "admin", "status"])),
        1,
        "The clinic passphrase is needed: set TEND_PASSPHRASE",
    );
    check(
        run(tend(dir.path())
            .env("TEND_PASSPHRASE", PASSPHRASE)
            .arg("status")),
        1,
        "pass --user NAME",
    );
    check(
        run(as_admin(dir.path())
            .env("TEND_NEW_PASSWORD", "short")
            .args(["user", "add", "bea", "--name", "Bea", "--role", "nurse"])),
        1,
        "Password: must be at least 10 characters long",
    );
    check(
        run(as_admin(dir.path())
            .env("TEND_NEW_PASSWORD", "long enough pw")
            .args(["user", "add", "bea", "--name", "Bea", "--role", "vet"])),
        1,
        "\"vet\" is not a role",
    );
    check(
        run(as_admin(dir.path()).args(["user", "unlock", "nobody"])),
        1,
        "There is no user called nobody",
    );
    let empty = tempfile::tempdir().unwrap();
    check(
        run(as_admin(empty.path()).arg("status")),
        1,
        "No clinic database in",
    );
    // Secrets are never flags.
    let r = run(as_admin(dir.path()).args([
        "user",
        "add",
        "bea",
        "--name",
        "Bea",
        "--role",
        "nurse",
        "--password",
        "x",
    ]));
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn json_errors_carry_code_message_and_field() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let r = run(as_admin(dir.path())
        .env("TEND_NEW_PASSWORD", "long enough pw")
        .args([
            "--json", "user", "add", "x", "--name", "X", "--role", "nurse",
        ]));
    assert_eq!(r.code, 1);
    let err: serde_json::Value = serde_json::from_str(&r.stderr).unwrap();
    assert_eq!(err["error"]["code"], "validation");
    assert_eq!(err["error"]["field"], "username");
}

#[test]
fn a_nurse_cannot_manage_users() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    add_user(dir.path(), "nina", "nurse");
    let r = run(tend(dir.path())
        .env("TEND_PASSPHRASE", PASSPHRASE)
        .env("TEND_PASSWORD", "nina password 1")
        .args(["--user", "nina", "user", "list"]));
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim(),
        "error: You do not have permission to do this (user.list)"
    );
}

#[test]
fn the_demo_sets_up_once_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(tend(dir.path()).args(["--json", "demo"])).ok().json();
    assert_eq!(first["created"], true);
    assert_eq!(first["users"].as_array().unwrap().len(), 5);
    assert_eq!(first["audit"]["intact"], true);
    let again = run(tend(dir.path()).args(["--json", "demo"])).ok().json();
    assert_eq!(again["created"], false);
    // A clinic that is not the demo is left alone.
    let real = tempfile::tempdir().unwrap();
    init(real.path());
    let r = run(tend(real.path()).arg("demo"));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not the demo"), "{}", r.stderr);
}

#[test]
fn the_quick_bench_runs_and_reports_every_measurement_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(tend(dir.path()).args(["--json", "bench", "--quick"])).ok();
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let names: Vec<&str> = lines.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "patient_search",
            "icd_search",
            "chart_summary",
            "sync_status",
            "rx_check",
            "rx_pdf",
            "rx_pdf_first",
            "invoice_pdf",
            "closeout_day",
            "unpaid_list",
            "backup_write_wait",
            "quiet_write_wait",
            "backup_run",
            "schedule_day",
            "free_slots",
            "free_slots_any",
            "db_open",
            "keyslot_unlock",
            "cipher_vs_plain",
            "cipher_vs_plain_clinic_day",
            "cipher_vs_plain_inserts",
            "cipher_vs_plain_queries"
        ]
    );
    for m in &lines {
        for field in ["name", "p50_ms", "p95_ms", "n", "patients"] {
            assert!(m.get(field).is_some(), "{field} missing in {m}");
        }
    }
    let what = |name: &str| {
        let m = lines.iter().find(|m| m["name"] == name).unwrap();
        (m["what"].as_str().unwrap().to_owned(), m)
    };
    assert_eq!(what("patient_search").1["patients"], 300);
    // The day measured is booked: ten clinicians, each with appointments.
    let (day, _) = what("schedule_day");
    assert!(day.contains("all 10 clinicians"), "{day}");
    assert!(!day.contains("(0 appointments"), "{day}");
    let (rx, _) = what("rx_pdf");
    assert!(rx.contains("5-item prescription"), "{rx}");
    let (closeout, _) = what("closeout_day");
    assert!(!closeout.contains("(0 payments"), "{closeout}");
    // Typed letter by letter from the common codes: hundreds of queries.
    assert!(what("icd_search").1["n"].as_u64().unwrap() > 300);
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    // `tend icd … | head -1`: the pipe's reading end is gone before tend writes.
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = tend(dir.path())
        .args(["icd", "diabetes"])
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}
