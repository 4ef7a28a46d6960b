//! Nothing readable leaves the store: the database, its WAL and its backups hold no plaintext.

use rusqlite::Connection;

use crate::support::{add_user, clinic, file_contains, t0};

const CANARY: &str = "CANARYx7f3a9cPATIENTxGarciaLopez";

#[test]
fn database_wal_and_backup_hold_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let id = add_user(&c.store, "canary", CANARY);

    // The canary really is in the database (else the scan below proves nothing).
    let stored = c.store.read(|r| r.user(id)).unwrap().unwrap();
    assert_eq!(stored.user.display_name, CANARY);

    let wal = c.paths.db().with_extension("db-wal");
    assert!(
        wal.exists(),
        "the write sits in the WAL while the store is open"
    );
    for file in [c.paths.db(), wal.clone(), c.paths.keys()] {
        assert!(
            !file_contains(&file, CANARY.as_bytes()),
            "{} leaks",
            file.display()
        );
    }

    let backup = dir.path().join("nightly.tendbackup");
    c.store.backup(&backup, t0()).unwrap();
    assert!(
        !file_contains(&backup, CANARY.as_bytes()),
        "the backup leaks"
    );

    // After a checkpoint the data is in the main file: still nothing readable.
    let db = c.paths.db();
    drop(c);
    assert!(!file_contains(&db, CANARY.as_bytes()));
}

#[test]
fn the_scan_finds_plaintext_in_an_unencrypted_database() {
    // The control for the test above: the same library without a key writes readable bytes.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE t (x TEXT)").unwrap();
    conn.execute("INSERT INTO t VALUES (?1)", [CANARY]).unwrap();
    drop(conn);
    assert!(file_contains(&path, CANARY.as_bytes()));
}

#[test]
fn sqlite_without_the_key_cannot_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let c = clinic(dir.path());
    let db = c.paths.db();
    drop(c);
    let conn = Connection::open(&db).unwrap();
    let err = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
    // The file does not even start with SQLite's header.
    let head = std::fs::read(&db).unwrap();
    assert_ne!(&head[..16], b"SQLite format 3\0");
}
