//! Measurements for `tend bench`: how long opening a database takes, and what encryption costs
//! on one workload run against SQLCipher with a key and the same library with no key (which
//! behaves as plain SQLite). Timings are returned, never asserted.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

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

/// The shape of the encryption-overhead workload.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Rows inserted, in transactions of `batch`.
    pub rows: u32,
    pub batch: u32,
    /// Point lookups by an indexed column, then range scans of 50 rows.
    pub lookups: u32,
    pub scans: u32,
}

/// Time spent in each half of one run of the workload.
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

/// One run of the workload on a fresh database in `dir`: with `key`, or without one.
pub fn workload_time(dir: &Path, key: Option<&DbKey>, w: Workload) -> Result<WorkloadTimes> {
    let path = dir.join(if key.is_some() { "cipher.db" } else { "plain.db" });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(crate::with_suffix(&path, suffix));
    }
    let conn = match key {
        Some(key) => db::connect(&path, key, Mode::Writer, true)?,
        None => {
            let conn = Connection::open(&path)?;
            conn.execute_batch(
                "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;
                 PRAGMA temp_store = MEMORY; PRAGMA synchronous = FULL;",
            )?;
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
    let start = Instant::now();
    let mut i = 0u32;
    while i < w.rows {
        let tx = conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO person (id, family, given, born, phone, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for j in i..(i + w.batch).min(w.rows) {
                stmt.execute(params![
                    format!("{j:08}-0000-7000-8000-000000000000"),
                    format!("Family{:05}", j.wrapping_mul(7919) % 50_000),
                    format!("Given{:04}", j % 3000),
                    format!("19{:02}-{:02}-{:02}", 30 + j % 70, 1 + j % 12, 1 + j % 28),
                    format!("+34 6{:08}", j.wrapping_mul(104_729) % 100_000_000),
                    "Allergic to penicillin; prefers morning appointments; speaks Spanish.",
                ])?;
            }
        }
        tx.commit()?;
        i += w.batch;
    }
    let inserts = start.elapsed();
    let start = Instant::now();
    {
        let mut stmt = conn.prepare_cached("SELECT id, given FROM person WHERE phone = ?1")?;
        for j in 0..w.lookups {
            let phone = format!("+34 6{:08}", (j * 13).wrapping_mul(104_729) % 100_000_000);
            let _rows: Vec<(String, String)> = stmt
                .query_map([phone], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        let mut stmt = conn.prepare_cached(
            "SELECT id, family, given, born FROM person WHERE family >= ?1 ORDER BY family, given LIMIT 50",
        )?;
        for j in 0..w.scans {
            let from = format!("Family{:05}", j.wrapping_mul(31) % 50_000);
            let _rows: Vec<(String, String, String, String)> = stmt
                .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
    }
    let queries = start.elapsed();
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(crate::with_suffix(&path, suffix));
    }
    Ok(WorkloadTimes { inserts, queries })
}
