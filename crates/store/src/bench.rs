//! Measurements for `tend bench`: how long opening a database takes, and what encryption costs
//! on the same workloads run against SQLCipher with a key and the same library with no key
//! (which behaves as plain SQLite), configured alike otherwise. Timings are returned, never
//! asserted.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{CachedStatement, Connection, params};

use crate::db::{self, Mode};
use crate::error::Result;
use crate::key::DbKey;
use crate::{DataPaths, Store};

/// Times `Store::open` (key check, pragmas, migration check, audit head check) `rounds` times.
pub fn open_times(paths: &DataPaths, key: &DbKey, rounds: usize) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let store = Store::open(paths, key)?;
        times.push(start.elapsed());
        drop(store);
    }
    Ok(times)
}

/// The bulk workload: many rows inserted in large transactions, then reads.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Rows inserted, in transactions of `batch`.
    pub rows: u32,
    pub batch: u32,
    /// Point lookups by an indexed column, then range scans of 50 rows.
    pub lookups: u32,
    pub scans: u32,
}

/// Time spent in each half of one run of the bulk workload.
#[derive(Debug, Clone, Copy)]
pub struct WorkloadTimes {
    pub inserts: Duration,
    pub queries: Duration,
}

impl WorkloadTimes {
    pub fn total(&self) -> Duration {
        self.inserts + self.queries
    }
}

/// The shape of a clinic's day: one record written per transaction, with reads between writes.
#[derive(Debug, Clone, Copy)]
pub struct ClinicDay {
    /// Records already there before timing starts.
    pub existing: u32,
    /// Transactions of one insert each.
    pub writes: u32,
    /// Lookups and scans after each write.
    pub lookups_per_write: u32,
    pub scans_per_write: u32,
}

/// One run of the bulk workload on a fresh database in `dir`: with `key`, or without one.
pub fn workload_time(dir: &Path, key: Option<&DbKey>, w: Workload) -> Result<WorkloadTimes> {
    let (conn, path) = fresh(dir, "bulk", key)?;
    let start = Instant::now();
    let mut i = 0u32;
    while i < w.rows {
        let tx = conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(INSERT)?;
            for j in i..(i + w.batch).min(w.rows) {
                insert_person(&mut stmt, j)?;
            }
        }
        tx.commit()?;
        i += w.batch;
    }
    let inserts = start.elapsed();
    let start = Instant::now();
    for j in 0..w.lookups {
        lookup(&conn, j.wrapping_mul(13))?;
    }
    for j in 0..w.scans {
        scan(&conn, j)?;
    }
    let queries = start.elapsed();
    drop(conn);
    remove_db(&path);
    Ok(WorkloadTimes { inserts, queries })
}

/// One run of the clinic-day workload on a fresh database in `dir`, timed after the set-up.
pub fn clinic_day_time(dir: &Path, key: Option<&DbKey>, d: ClinicDay) -> Result<Duration> {
    let (conn, path) = fresh(dir, "day", key)?;
    {
        let tx = conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(INSERT)?;
            for j in 0..d.existing {
                insert_person(&mut stmt, j)?;
            }
        }
        tx.commit()?;
    }
    let start = Instant::now();
    for i in 0..d.writes {
        let j = d.existing + i;
        {
            let tx = conn.unchecked_transaction()?;
            insert_person(&mut tx.prepare_cached(INSERT)?, j)?;
            tx.commit()?;
        }
        for k in 0..d.lookups_per_write {
            lookup(
                &conn,
                j.wrapping_mul(17).wrapping_add(k) % d.existing.max(1),
            )?;
        }
        for k in 0..d.scans_per_write {
            scan(&conn, j.wrapping_add(k))?;
        }
    }
    let elapsed = start.elapsed();
    drop(conn);
    remove_db(&path);
    Ok(elapsed)
}

/// A fresh database at `dir/NAME-{cipher,plain}.db` with the workloads' table.
fn fresh(dir: &Path, name: &str, key: Option<&DbKey>) -> Result<(Connection, PathBuf)> {
    let kind = if key.is_some() { "cipher" } else { "plain" };
    let path = dir.join(format!("{name}-{kind}.db"));
    remove_db(&path);
    let conn = match key {
        Some(key) => db::connect(&path, key, Mode::Writer, true)?,
        None => {
            db::prepare_sqlite()?;
            let conn = Connection::open(&path)?;
            conn.execute_batch(db::CONNECTION_PRAGMAS)?;
            conn
        }
    };
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE person (id TEXT PRIMARY KEY, family TEXT NOT NULL, given TEXT NOT NULL,
                              born TEXT NOT NULL, phone TEXT NOT NULL, note TEXT NOT NULL) STRICT;
         CREATE INDEX person_family ON person (family, given);
         CREATE INDEX person_phone ON person (phone);",
    )?;
    Ok((conn, path))
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(crate::with_suffix(path, suffix));
    }
}

const INSERT: &str =
    "INSERT INTO person (id, family, given, born, phone, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

fn insert_person(stmt: &mut CachedStatement<'_>, j: u32) -> rusqlite::Result<usize> {
    stmt.execute(params![
        format!("{j:08}-0000-7000-8000-000000000000"),
        format!("Family{:05}", j.wrapping_mul(7919) % 50_000),
        format!("Given{:04}", j % 3000),
        format!("19{:02}-{:02}-{:02}", 30 + j % 70, 1 + j % 12, 1 + j % 28),
        phone(j),
        "Allergic to penicillin; prefers morning appointments; speaks Spanish.",
    ])
}

fn phone(j: u32) -> String {
    format!("+34 6{:08}", j.wrapping_mul(104_729) % 100_000_000)
}

fn lookup(conn: &Connection, j: u32) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached("SELECT id, given FROM person WHERE phone = ?1")?;
    let _rows: Vec<(String, String)> = stmt
        .query_map([phone(j)], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(())
}

fn scan(conn: &Connection, j: u32) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, family, given, born FROM person WHERE family >= ?1
         ORDER BY family, given LIMIT 50",
    )?;
    let from = format!("Family{:05}", j.wrapping_mul(31) % 50_000);
    let _rows: Vec<(String, String, String, String)> = stmt
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(())
}
