//! The one write path: rows, change log and audit entry in one transaction; gap-free sequence
//! numbers; edits that carry the clock of the value they replace.

use std::collections::BTreeMap;

use chrono::Duration;
use tend_domain::{Entity, Hlc, Value};
use tend_store::{AuditEntry, Outcome, Store, StoreError, WriteCtx};

use crate::support::{add_user, clinic, ctx, fields, raw, t0, user_record};

fn seqs(c: &crate::support::Clinic) -> Vec<i64> {
    let conn = raw(&c.paths, &c.key);
    let mut stmt = conn
        .prepare("SELECT device_seq FROM change_log ORDER BY device_seq")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn sequence_numbers_stay_gap_free_when_a_write_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    add_user(&c.store, "ana", "Ana");
    assert_eq!(seqs(&c), [1, 2, 3]);

    let rec = user_record("bea", "Bea");
    let failed: Result<(), StoreError> = c.store.write(ctx(None), |tx| {
        tx.create(Entity::User, rec.user.id, rec.fields())?;
        tx.audit(AuditEntry::new("user.create", Outcome::Ok))?;
        Err(StoreError::NotFound { entity: "anything" })
    });
    assert!(failed.is_err());
    assert!(c.store.read(|r| r.user(rec.user.id)).unwrap().is_none());

    add_user(&c.store, "cai", "Cai");
    assert_eq!(seqs(&c), [1, 2, 3, 4]);
    let report = c.store.check_consistency().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!(
        (report.changes, report.records, report.audit_entries),
        (4, 4, 3)
    );
}

#[test]
fn a_write_without_an_audit_entry_is_refused_and_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let rec = user_record("ana", "Ana");
    let err = c
        .store
        .write(ctx(None), |tx| {
            tx.create(Entity::User, rec.user.id, rec.fields())
                .map(|_| ())
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Unaudited), "{err:?}");
    assert!(c.store.read(|r| r.users()).unwrap().is_empty());
    assert_eq!(seqs(&c), [1, 2]);
}

#[test]
fn an_edit_records_only_changed_fields_and_the_clock_it_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let id = add_user(&c.store, "ana", "Ana");
    let later = WriteCtx {
        user: None,
        now: t0() + Duration::minutes(5),
    };
    let edit = |store: &Store, name: &str, disabled: bool| {
        store
            .write(later, |tx| {
                let change = tx.update(
                    Entity::User,
                    id,
                    fields(&[("display_name", name.into()), ("disabled", disabled.into())]),
                )?;
                if change.is_some() {
                    tx.audit(AuditEntry::new("user.update", Outcome::Ok).record(Entity::User, id))?;
                }
                Ok::<_, StoreError>(change)
            })
            .unwrap()
    };
    assert!(
        edit(&c.store, "Ana", false).is_none(),
        "nothing changed, nothing written"
    );
    assert!(edit(&c.store, "Ana María", false).is_some());

    let conn = raw(&c.paths, &c.key);
    let (kind, changed, base, hlc): (String, String, String, String) = conn
        .query_row(
            "SELECT kind, fields, base, hlc FROM change_log ORDER BY device_seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(kind, "update");
    assert_eq!(changed, r#"{"display_name":"Ana María"}"#);
    let create_hlc: String = conn
        .query_row(
            "SELECT hlc FROM change_log WHERE kind = 'create' AND entity = 'user'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let base: BTreeMap<String, Hlc> = serde_json::from_str(&base).unwrap();
    assert_eq!(base["display_name"].to_string(), create_hlc);
    assert!(hlc > create_hlc);
    let stored = c.store.read(|r| r.user(id)).unwrap().unwrap();
    assert_eq!(stored.user.display_name, "Ana María");
    assert!(c.store.check_consistency().unwrap().is_consistent());
}

#[test]
fn the_clock_survives_reopening_and_a_clock_that_steps_back() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    add_user(&c.store, "ana", "Ana");
    let (paths, key) = (c.paths.clone(), c.key.clone());
    drop(c);
    let store = Store::open(&paths, &key).unwrap();
    // The machine's clock is now an hour behind.
    let past = WriteCtx {
        user: None,
        now: t0() - Duration::hours(1),
    };
    let rec = user_record("bea", "Bea");
    store
        .write(past, |tx| {
            tx.create(Entity::User, rec.user.id, rec.fields())?;
            tx.audit(AuditEntry::new("user.create", Outcome::Ok))
        })
        .unwrap();
    let conn = raw(&paths, &key);
    let mut stmt = conn
        .prepare("SELECT hlc FROM change_log ORDER BY device_seq")
        .unwrap();
    let clocks: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut sorted = clocks.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(clocks, sorted, "strictly increasing in write order");
}

#[test]
fn a_taken_username_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    add_user(&c.store, "ana", "Ana");
    let rec = user_record("ana", "Another Ana");
    let err = c
        .store
        .write(ctx(None), |tx| {
            tx.create(Entity::User, rec.user.id, rec.fields())?;
            tx.audit(AuditEntry::new("user.create", Outcome::Ok))
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Duplicate { field: "username" }),
        "{err:?}"
    );
}

#[test]
fn an_edit_of_a_missing_record_fails() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let err = c
        .store
        .write(ctx(None), |tx| {
            tx.update(
                Entity::User,
                uuid::Uuid::now_v7(),
                fields(&[("disabled", Value::Bool(true))]),
            )
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { entity: "user" }),
        "{err:?}"
    );
}

#[test]
fn every_connection_has_the_pragmas_the_design_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let expected = [
        ("foreign_keys", "1"),
        ("trusted_schema", "0"),
        ("synchronous", "2"),
        ("temp_store", "2"),
        ("journal_mode", "wal"),
    ];
    let check = |got: Vec<(String, String)>| {
        for (name, value) in expected {
            let found = got.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
            assert_eq!(found, Some(value), "{name}");
        }
    };
    check(c.store.read(|r| r.pragmas()).unwrap());
    check(c.store.write(ctx(None), |tx| tx.read().pragmas()).unwrap());
}

/// The sync badge reads this every few seconds; it once counted every change of the device.
#[test]
fn pending_changes_are_the_changes_after_the_acknowledged_one() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    for (i, name) in ["ana", "bea", "cai", "dan"].iter().enumerate() {
        add_user(&c.store, name, &format!("User {i}"));
    }
    let counted = |acked: i64| -> u64 {
        let n: i64 = raw(&c.paths, &c.key)
            .query_row(
                "SELECT count(*) FROM change_log WHERE device_seq > ?1",
                [acked],
                |r| r.get(0),
            )
            .unwrap();
        u64::try_from(n).unwrap()
    };
    assert_eq!(c.store.pending_changes().unwrap(), counted(0));
    assert_eq!(c.store.pending_changes().unwrap(), 6);
    for acked in [1, 4, 6, 9] {
        c.store.set_acked(acked).unwrap();
        let expected = counted(i64::try_from(acked).unwrap());
        assert_eq!(
            c.store.pending_changes().unwrap(),
            expected,
            "acked {acked}"
        );
    }
}

#[test]
fn a_change_too_large_to_sync_is_refused_when_written_naming_its_field() {
    // Sync carries at most MAX_CHANGE_BYTES a change; a larger one used to block the outbox.
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let mut rec = user_record("ana", "Ana");
    rec.user.display_name = "A".repeat(tend_domain::change::MAX_CHANGE_BYTES + 1);
    let err = c
        .store
        .write(ctx(None), |tx| {
            tx.create(Entity::User, rec.user.id, rec.fields())?;
            tx.audit(AuditEntry::new("user.create", Outcome::Ok))
        })
        .unwrap_err();
    match err {
        StoreError::Validation(v) => {
            assert_eq!(v.field, "display_name");
            assert!(v.reason.contains("too large"), "{}", v.reason);
        }
        other => panic!("{other:?}"),
    }
    assert!(c.store.read(|r| r.users()).unwrap().is_empty());
    assert_eq!(seqs(&c), [1, 2], "no sequence number used");
}
