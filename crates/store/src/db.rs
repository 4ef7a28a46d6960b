//! Opening SQLCipher connections: the key, the pragmas every connection needs, and the
//! migrations, which run on open and refuse a database written by a newer Tend.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use rusqlite_migration::{M, Migrations};

use crate::error::{Result, StoreError};
use crate::key::DbKey;

/// The client migrations, in order, embedded in the binary. The list must match the files in
/// `migrations/client/` (a test checks it); the schema version is the number of entries.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_foundation.sql",
        include_str!("../../../migrations/client/0001_foundation.sql"),
    ),
    (
        "0002_chart.sql",
        include_str!("../../../migrations/client/0002_chart.sql"),
    ),
    (
        "0003_schedule.sql",
        include_str!("../../../migrations/client/0003_schedule.sql"),
    ),
    (
        "0004_prescriptions.sql",
        include_str!("../../../migrations/client/0004_prescriptions.sql"),
    ),
    (
        "0005_merged_index.sql",
        include_str!("../../../migrations/client/0005_merged_index.sql"),
    ),
    (
        "0006_billing.sql",
        include_str!("../../../migrations/client/0006_billing.sql"),
    ),
    (
        "0007_billing_indexes.sql",
        include_str!("../../../migrations/client/0007_billing_indexes.sql"),
    ),
    (
        "0008_idle_lock.sql",
        include_str!("../../../migrations/client/0008_idle_lock.sql"),
    ),
    (
        "0009_sync.sql",
        include_str!("../../../migrations/client/0009_sync.sql"),
    ),
    (
        "0010_phone_index.sql",
        include_str!("../../../migrations/client/0010_phone_index.sql"),
    ),
    (
        "0011_drug_strength.sql",
        include_str!("../../../migrations/client/0011_drug_strength.sql"),
    ),
    (
        "0012_sync_health.sql",
        include_str!("../../../migrations/client/0012_sync_health.sql"),
    ),
    (
        "0013_clinic_keys.sql",
        include_str!("../../../migrations/client/0013_clinic_keys.sql"),
    ),
    (
        "0014_backups.sql",
        include_str!("../../../migrations/client/0014_backups.sql"),
    ),
    (
        "0015_break_glass.sql",
        include_str!("../../../migrations/client/0015_break_glass.sql"),
    ),
    (
        "0016_break_glass_minutes.sql",
        include_str!("../../../migrations/client/0016_break_glass_minutes.sql"),
    ),
];

#[cfg(test)]
fn migration_names() -> impl Iterator<Item = &'static str> {
    MIGRATIONS.iter().map(|(name, _)| *name)
}

/// The schema version this build writes and understands.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|(_, sql)| M::up(sql)).collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The one connection that writes, runs migrations and owns the journal mode.
    Writer,
    /// Connections that only read.
    Reader,
}

/// SQLCipher's settings for every Tend database, set on every connection right after the key.
/// Pages are authenticated with HMAC-SHA256 rather than the default SHA-512: as strong for a
/// page MAC, and faster on CPUs with SHA extensions, where the MAC is much of what encryption
/// costs on writes. Anyone opening a Tend database with the `sqlcipher` shell needs these too.
pub const SQLCIPHER_SETTINGS: &str = "PRAGMA cipher_hmac_algorithm = HMAC_SHA256;";

/// Pragmas every connection gets, encrypted or not (the benchmark's plain SQLite gets them too).
///
/// The page cache is 32 MiB instead of SQLite's 2 MB: SQLCipher decrypts and authenticates a page
/// each time it enters the cache, so a cache that holds the working set is what keeps encryption
/// cheap. SQLite allocates it as pages are used, not up front.
pub(crate) const CONNECTION_PRAGMAS: &str = "PRAGMA foreign_keys = ON;
     PRAGMA trusted_schema = OFF;
     PRAGMA temp_store = MEMORY;
     PRAGMA synchronous = FULL;
     PRAGMA cache_size = -32768;";

/// Finishes SQLite's and SQLCipher's once-per-process set-up before the first connection.
///
/// `sqlite3_initialize` marks SQLite initialized *before* it runs SQLCipher's set-up
/// (`SQLITE_EXTRA_INIT`), so a thread that opens its first connection while another thread is
/// still inside that set-up gets a connection on which `PRAGMA key` fails with "An error occurred
/// with PRAGMA key or rekey" (SQLCipher 4.14 answers SQLITE_ERROR: "sqlcipher not initialized").
/// It failed a CI run once, and about one run in thirteen of 24 threads opening at once
/// (`tests/first_open.rs`). Opening one in-memory connection under a lock runs the whole of
/// `sqlite3_initialize` on one thread while the others wait. `connect` calls this; code that
/// opens a SQLCipher connection without the store must call it first.
pub fn prepare_sqlite() -> Result<()> {
    static READY: AtomicBool = AtomicBool::new(false);
    static LOCK: Mutex<()> = Mutex::new(());
    if READY.load(Ordering::Acquire) {
        return Ok(());
    }
    let _guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    if !READY.load(Ordering::Acquire) {
        Connection::open_in_memory()?.close().map_err(|(_, e)| e)?;
        READY.store(true, Ordering::Release);
    }
    Ok(())
}

/// Opens `path` with `key`, checks the key reads the file, and sets the connection's pragmas.
/// Does not migrate and writes nothing.
pub(crate) fn connect(path: &Path, key: &DbKey, mode: Mode, create: bool) -> Result<Connection> {
    prepare_sqlite()?;
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // A wrong key would otherwise make SQLCipher print "hmac check failed" to stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&format!(
        "PRAGMA key = \"{}\";",
        key.sqlcipher_literal().as_str()
    ))?;
    conn.execute_batch(SQLCIPHER_SETTINGS)?;
    // The first read proves the key: SQLCipher answers NOTADB for a wrong key or foreign file.
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return Err(StoreError::NotADatabase);
        }
        Err(e) => return Err(e.into()),
    }
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(CONNECTION_PRAGMAS)?;
    if mode == Mode::Reader {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    Ok(conn)
}

/// Refuses a database from a newer Tend before anything is written, then migrates and switches
/// to WAL. The order matters: setting the journal mode writes the file header.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = schema_version();
    if found > supported {
        return Err(StoreError::TooNew { found, supported });
    }
    migrations()
        .to_latest(conn)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "the database could not switch to write-ahead logging (it is in {mode} mode)"
        )));
    }
    Ok(())
}

/// SQLite's and SQLCipher's own integrity checks, which read every page.
pub(crate) fn integrity_check(conn: &Connection) -> Result<()> {
    let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if result != "ok" {
        return Err(StoreError::Corrupt(format!("SQLite: {result}")));
    }
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let problems: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(first) = problems.first() {
        return Err(StoreError::Corrupt(format!(
            "SQLCipher found {} damaged pages, the first: {first}",
            problems.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/client");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded: Vec<&str> = migration_names().collect();
        assert_eq!(files, embedded);
        for (i, name) in embedded.iter().enumerate() {
            assert!(
                name.starts_with(&format!("{:04}_", i + 1)),
                "{name} is numbered {}",
                i + 1
            );
        }
        migrations().validate().unwrap();
    }
}
