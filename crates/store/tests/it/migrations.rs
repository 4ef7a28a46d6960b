//! Opening: the key must fit, and a database from a newer Tend is refused untouched.

use tend_store::{DbKey, Store, StoreError, schema_version};

use crate::support::{clinic, raw};

#[test]
fn a_database_from_a_newer_tend_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let (paths, key) = (c.paths.clone(), c.key.clone());
    drop(c);
    let newer = schema_version() + 7;
    let conn = raw(&paths, &key);
    conn.execute_batch(&format!("PRAGMA user_version = {newer};"))
        .unwrap();
    drop(conn);

    let wal = paths.db().with_extension("db-wal");
    let before = std::fs::read(paths.db()).unwrap();
    let wal_before = std::fs::read(&wal).ok();

    let err = Store::open(&paths, &key).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found, supported } if found == newer && supported == schema_version()),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("newer version of Tend") && message.contains("not changed"),
        "{message}"
    );

    assert_eq!(
        std::fs::read(paths.db()).unwrap(),
        before,
        "tend.db was modified"
    );
    let wal_after = std::fs::read(&wal).ok().filter(|b| !b.is_empty());
    assert_eq!(
        wal_after,
        wal_before.filter(|b| !b.is_empty()),
        "the WAL was modified"
    );
}

#[test]
fn the_wrong_key_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let paths = c.paths.clone();
    drop(c);
    let err = Store::open(&paths, &DbKey::generate().unwrap()).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the database cannot be read with this key: it belongs to another clinic or is damaged"
    );
}

#[test]
fn pragmas_are_set_on_every_open() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let conn = raw(&c.paths, &c.key);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema_version());
    let cipher: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap();
    assert!(cipher.starts_with('4'), "SQLCipher {cipher}");
}

/// Reading a signed prescription or note looks up the records merged into its patient; at
/// 100,000 patients a scan made that 45 ms instead of 4 (docs/benchmarks.md).
#[test]
fn finding_merged_records_uses_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    drop(c.store);
    let conn = raw(&c.paths, &c.key);
    let plan: Vec<String> = conn
        .prepare("EXPLAIN QUERY PLAN SELECT id FROM patient WHERE merged_into = ?1")
        .unwrap()
        .query_map(["x"], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter().any(|p| p.contains("INDEX patient_merged_into")),
        "{plan:?}"
    );
}
