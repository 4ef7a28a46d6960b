//! The OS-keyring slot against a real Secret Service (gnome-keyring in a private D-Bus
//! session), and the passphrase fallback when no keyring answers.

use std::process::Command;

use crate::support::{ADMIN_PASSWORD, PASSPHRASE, bin, run, tend};

/// Runs `script` in a fresh D-Bus session with an unlocked gnome-keyring, as a desktop has.
fn in_keyring_session(script: &str, dir: &std::path::Path) -> crate::support::Run {
    for tool in ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        assert!(
            found.status.success(),
            "{tool} is missing: run scripts/setup.sh"
        );
    }
    let full = format!(
        "set -e\n\
         echo -n 'keyring-test-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n\
         {script}"
    );
    // A keyring of its own: gnome-keyring keeps its files under XDG_DATA_HOME and its sockets
    // under XDG_RUNTIME_DIR, so nothing from the machine's own keyring is read or changed.
    let xdg = dir.with_extension("xdg");
    let runtime = dir.with_extension("run");
    std::fs::create_dir_all(&xdg).unwrap();
    std::fs::create_dir_all(&runtime).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", &full])
        .env("XDG_DATA_HOME", &xdg)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("TEND", bin())
        .env("DIR", dir)
        .env_remove("TEND_KEYRING")
        .env_remove("TEND_PASSPHRASE");
    run(&mut cmd)
}

#[test]
fn the_desktop_opens_from_the_keyring_and_falls_back_to_the_passphrase_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = dir.path().join("clinic");
    let r = in_keyring_session(
        &format!(
            "TEND_PASSWORD='{ADMIN_PASSWORD}' TEND_PASSPHRASE='{PASSPHRASE}' \"$TEND\" --data-dir \"$DIR\" init --clinic K --admin admin\n\
             echo ---\n\
             TEND_PASSWORD='{ADMIN_PASSWORD}' \"$TEND\" --data-dir \"$DIR\" --user admin status </dev/null\n\
             echo ---\n\
             secret-tool search --all service Tend 2>&1 | grep -c '^attribute.username = database-key/'"
        ),
        &clinic,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let parts: Vec<&str> = r.stdout.split("---\n").collect();
    assert!(
        parts[0].contains("This computer's keyring keeps the database key"),
        "{}",
        parts[0]
    );
    assert!(
        parts[1].contains("signed in as admin"),
        "opened with no passphrase: {}",
        parts[1]
    );
    assert_eq!(parts[2].trim(), "1", "one key in the keyring");

    // Without a keyring (no D-Bus session), the same clinic asks for the passphrase …
    let mut no_keyring = tend(&clinic);
    no_keyring
        .env_remove("TEND_KEYRING")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env("TEND_PASSWORD", ADMIN_PASSWORD)
        .args(["--user", "admin", "status"]);
    let r = run(&mut no_keyring);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("The clinic passphrase is needed"),
        "{}",
        r.stderr
    );
    // … and opens with it. Never plaintext: the key is nowhere on disk.
    let r = run(no_keyring.env("TEND_PASSPHRASE", PASSPHRASE)).ok();
    assert!(r.stdout.contains("signed in as admin"));
}

#[test]
fn a_stale_keyring_entry_falls_back_to_the_passphrase() {
    // Someone cleared the keyring: Tend asks for the passphrase instead of failing, and opening
    // with the passphrase puts the key back, so the next start needs no typing again.
    let dir = tempfile::tempdir().unwrap();
    let clinic = dir.path().join("clinic");
    let r = in_keyring_session(
        &format!(
            "TEND_PASSWORD='{ADMIN_PASSWORD}' TEND_PASSPHRASE='{PASSPHRASE}' \"$TEND\" --data-dir \"$DIR\" init --clinic K --admin admin >/dev/null\n\
             secret-tool clear service Tend\n\
             if TEND_PASSWORD='{ADMIN_PASSWORD}' \"$TEND\" --data-dir \"$DIR\" --user admin status </dev/null 2>&1; then echo opened; else echo refused; fi\n\
             echo ---\n\
             TEND_PASSWORD='{ADMIN_PASSWORD}' TEND_PASSPHRASE='{PASSPHRASE}' \"$TEND\" --data-dir \"$DIR\" --user admin status >/dev/null\n\
             TEND_PASSWORD='{ADMIN_PASSWORD}' \"$TEND\" --data-dir \"$DIR\" --user admin status </dev/null"
        ),
        &clinic,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let parts: Vec<&str> = r.stdout.split("---\n").collect();
    assert!(
        parts[0].contains("The clinic passphrase is needed") && parts[0].contains("refused"),
        "{}",
        parts[0]
    );
    assert!(
        parts[1].contains("signed in as admin"),
        "the passphrase put the key back: {}",
        parts[1]
    );
}
