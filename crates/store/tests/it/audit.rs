//! The audit chain detects a changed row, a deleted row, two swapped rows and a cut-off tail,
//! and names the first bad entry.

use tend_store::Store;

use crate::support::{Clinic, add_user, clinic, raw};

/// A clinic whose audit log has exactly 6 entries (clinic.create + 5 user.create).
fn six_entries(dir: &std::path::Path) -> Clinic {
    let c = clinic(dir);
    for i in 0..5 {
        add_user(&c.store, &format!("user{i}"), &format!("User {i}"));
    }
    let report = c.store.verify_audit().unwrap();
    assert!(report.is_intact());
    assert_eq!(report.verified, 6);
    c
}

const SWAP_2_AND_3: &str = "
    DROP TRIGGER audit_log_append_only_update;
    UPDATE audit_log SET seq = -2 WHERE seq = 2;
    UPDATE audit_log SET seq = 2 WHERE seq = 3;
    UPDATE audit_log SET seq = 3 WHERE seq = -2;";

/// Tampers behind Tend's back (dropping the append-only triggers first, as an attacker with the
/// key could), then checks where `verify` says the chain breaks.
fn check(tamper: &str, expected_seq: i64, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let c = six_entries(dir.path());
    let (paths, key) = (c.paths.clone(), c.key.clone());
    drop(c);
    raw(&paths, &key).execute_batch(tamper).unwrap();

    let store = Store::open(&paths, &key).unwrap();
    let report = store.verify_audit().unwrap();
    let found = report
        .first_break
        .unwrap_or_else(|| panic!("not detected: {tamper}"));
    assert_eq!(found.seq, expected_seq, "{tamper}\n{found:?}");
    assert!(found.problem.contains(expected), "{tamper}\n{found:?}");
}

#[test]
fn a_changed_row_is_detected() {
    check(
        "DROP TRIGGER audit_log_append_only_update;
         UPDATE audit_log SET detail = '{\"note\":\"nothing happened\"}' WHERE seq = 3;",
        3,
        "entry 3 was changed",
    );
    check(
        "DROP TRIGGER audit_log_append_only_update;
         UPDATE audit_log SET user_id = NULL, outcome = 'denied' WHERE seq = 6;",
        6,
        "entry 6 was changed",
    );
}

#[test]
fn a_deleted_row_is_detected() {
    check(
        "DROP TRIGGER audit_log_append_only_delete; DELETE FROM audit_log WHERE seq = 3;",
        3,
        "entries 3 to 3 are missing",
    );
    // Renumbering the rest to hide the hole breaks the links instead.
    check(
        "DROP TRIGGER audit_log_append_only_delete; DROP TRIGGER audit_log_append_only_update;
         DELETE FROM audit_log WHERE seq = 3;
         UPDATE audit_log SET seq = seq - 1 WHERE seq > 3;",
        3,
        "does not follow the entry before it",
    );
}

#[test]
fn swapped_rows_are_detected() {
    check(SWAP_2_AND_3, 2, "does not follow the entry before it");
}

#[test]
fn a_truncated_tail_is_detected() {
    check(
        "DROP TRIGGER audit_log_append_only_delete; DELETE FROM audit_log WHERE seq >= 5;",
        5,
        "entries were removed from the end",
    );
    // Cutting the tail and pointing the head at the new end without the key's MAC fails too.
    check(
        "DROP TRIGGER audit_log_append_only_delete; DELETE FROM audit_log WHERE seq >= 5;
         UPDATE audit_head SET seq = 4, mac = (SELECT mac FROM audit_log WHERE seq = 4);",
        4,
        "the record of the log's last entry was changed",
    );
    check(
        "DELETE FROM audit_head;",
        7,
        "the record of the log's last entry is missing",
    );
}

#[test]
fn the_quick_check_at_open_sees_a_cut_tail() {
    let dir = tempfile::tempdir().unwrap();
    let c = six_entries(dir.path());
    assert!(c.store.audit_warning().is_none());
    let (paths, key) = (c.paths.clone(), c.key.clone());
    drop(c);
    raw(&paths, &key)
        .execute_batch(
            "DROP TRIGGER audit_log_append_only_delete; DELETE FROM audit_log WHERE seq = 6;",
        )
        .unwrap();
    let store = Store::open(&paths, &key).unwrap();
    let warning = store.audit_warning().expect("open notices the cut tail");
    assert!(
        warning.problem.contains("do not match its head"),
        "{warning:?}"
    );
}

#[test]
fn the_log_refuses_updates_and_deletes_through_sql() {
    let dir = tempfile::tempdir().unwrap();
    let c = six_entries(dir.path());
    let conn = raw(&c.paths, &c.key);
    for sql in [
        "UPDATE audit_log SET action = 'x' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "UPDATE change_log SET fields = '{}'",
        "DELETE FROM change_log",
    ] {
        let err = conn.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}
