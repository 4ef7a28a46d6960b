//! `tend audit verify`: exit 0 and the count when intact; exit 3 and the first bad entry when a
//! row was changed behind Tend's back.

use rusqlite::Connection;
use tend_store::{KeySlots, Secret};

use crate::support::{PASSPHRASE, add_user, as_admin, init, run};

/// Opens the clinic's database directly, as someone with the passphrase and sqlcipher could.
fn raw(dir: &std::path::Path) -> Connection {
    let key = KeySlots::read(&dir.join("tend.keys"))
        .unwrap()
        .unlock(Secret::Passphrase(PASSPHRASE))
        .unwrap();
    let conn = Connection::open(dir.join("tend.db")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; {}",
        key.to_hex().as_str(),
        tend_store::SQLCIPHER_SETTINGS
    ))
    .unwrap();
    conn
}

#[test]
fn verify_counts_an_intact_chain_and_names_the_first_bad_entry() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    add_user(dir.path(), "ana", "doctor");
    let r = run(as_admin(dir.path()).args(["audit", "verify"])).ok();
    // clinic.create, user.create admin, sign-in, user.create ana, sign-in
    assert_eq!(
        r.stdout.trim(),
        "The audit log is intact: 5 entries verified."
    );
    let json = run(as_admin(dir.path()).args(["--json", "audit", "verify"]))
        .ok()
        .json();
    assert_eq!(json["intact"], true);

    raw(dir.path())
        .execute_batch(
            "DROP TRIGGER audit_log_append_only_update;
             UPDATE audit_log SET detail = '{\"username\":\"someone-else\"}' WHERE seq = 4;",
        )
        .unwrap();
    let r = run(as_admin(dir.path()).args(["audit", "verify"]));
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr
            .contains("First bad entry: 4 (entry 4 was changed after it was written)"),
        "{}",
        r.stderr
    );

    let r = run(as_admin(dir.path()).arg("check"));
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("audit chain"), "{}", r.stderr);
}

#[test]
fn a_cut_tail_is_reported_to_the_admin_at_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    add_user(dir.path(), "ana", "doctor");
    let last: i64 = raw(dir.path())
        .query_row("SELECT max(seq) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    raw(dir.path())
        .execute_batch(&format!(
            "DROP TRIGGER audit_log_append_only_delete; DELETE FROM audit_log WHERE seq = {last};"
        ))
        .unwrap();
    let r = run(as_admin(dir.path()).arg("status")).ok();
    assert!(
        r.stderr.starts_with("warning: audit log entry"),
        "{}",
        r.stderr
    );
    let r = run(as_admin(dir.path()).args(["audit", "verify"]));
    assert_eq!(r.code, 3);
    // The sign-in above appended after the cut, so the cut is now a hole in the chain.
    assert!(
        r.stderr
            .contains(&format!("entries {last} to {last} are missing")),
        "{}",
        r.stderr
    );
}
