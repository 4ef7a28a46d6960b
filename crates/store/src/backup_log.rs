//! This desktop's automatic backups: the folders they go to, their schedule, and every attempt
//! with its result. Local to this desktop (never synced); written inside an audited write so a
//! change of destination and its audit entry are one transaction.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use crate::backup::Counts;
use crate::error::{Result, StoreError};
use crate::rows::{bad, from_json, instant};
use crate::sync::{meta_get, meta_set};
use crate::{Reader, Store, WriteTx};

/// Keys of the backup settings in `meta`.
pub mod setting {
    /// The daily time, `HH:MM` in the clinic's time zone.
    pub const AT: &str = "local.backup.at";
    /// The retention counts, JSON.
    pub const KEEP: &str = "local.backup.keep";
}

/// A folder backups are written to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Destination {
    pub id: i64,
    pub folder: PathBuf,
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Good,
    Failed,
}

/// One attempt at one destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    pub id: i64,
    pub destination_id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: RunOutcome,
    pub file: Option<String>,
    pub bytes: Option<u64>,
    pub counts: Option<Counts>,
    pub audit_entries: Option<u64>,
    pub error: Option<String>,
    pub removed_at: Option<DateTime<Utc>>,
}

/// What an attempt that has ended recorded.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub destination_id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub result: std::result::Result<Written, String>,
}

/// A good backup: written, read back and checked.
#[derive(Debug, Clone)]
pub struct Written {
    pub file: String,
    pub bytes: u64,
    pub counts: Counts,
    pub audit_entries: u64,
}

const RUN_COLUMNS: &str = "id, destination_id, started_at, finished_at, outcome, file, bytes, \
                           counts, audit_entries, error, removed_at";

fn run_row(r: &Row<'_>) -> rusqlite::Result<Run> {
    let outcome: String = r.get(4)?;
    let counts: Option<String> = r.get(7)?;
    Ok(Run {
        id: r.get(0)?,
        destination_id: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
        outcome: match outcome.as_str() {
            "good" => RunOutcome::Good,
            "failed" => RunOutcome::Failed,
            _ => return Err(bad("backup outcome")),
        },
        file: r.get(5)?,
        bytes: r.get::<_, Option<i64>>(6)?.map(|n| n.max(0) as u64),
        counts: counts.map(|c| from_json(&c, "backup counts")).transpose()?,
        audit_entries: r.get::<_, Option<i64>>(8)?.map(|n| n.max(0) as u64),
        error: r.get(9)?,
        removed_at: r.get(10)?,
    })
}

fn destination_row(r: &Row<'_>) -> rusqlite::Result<Destination> {
    Ok(Destination {
        id: r.get(0)?,
        folder: PathBuf::from(r.get::<_, String>(1)?),
        added_at: r.get(2)?,
    })
}

impl Reader<'_> {
    /// The folders backups go to now, in the order they were added.
    pub fn backup_destinations(&self) -> Result<Vec<Destination>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, folder, added_at FROM backup_destination
             WHERE removed_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], destination_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The latest attempts at a destination, newest first.
    pub fn backup_runs(&self, destination_id: i64, limit: u32) -> Result<Vec<Run>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM backup_run WHERE destination_id = ?1
             ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![destination_id, limit], run_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The good backups still at a destination (not removed by retention), newest first.
    pub fn backups_kept(&self, destination_id: i64) -> Result<Vec<Run>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM backup_run
             WHERE destination_id = ?1 AND outcome = 'good' AND removed_at IS NULL
             ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map([destination_id], run_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest good backup at any destination.
    pub fn last_good_backup(&self) -> Result<Option<Run>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {RUN_COLUMNS} FROM backup_run WHERE outcome = 'good'
                 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([], run_row)
            .optional()?)
    }

    /// A backup setting of this desktop.
    pub fn backup_setting(&self, key: &str) -> Result<Option<String>> {
        meta_get(self.conn, key)
    }
}

impl WriteTx<'_> {
    /// Adds a backup folder (already checked by the caller). The same folder twice is refused.
    pub fn add_backup_destination(
        &mut self,
        folder: &str,
        now: DateTime<Utc>,
    ) -> Result<Destination> {
        self.conn()
            .execute(
                "INSERT INTO backup_destination (folder, added_at) VALUES (?1, ?2)",
                params![folder, instant(now)],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::Duplicate { field: "folder" }
                }
                other => other.into(),
            })?;
        Ok(Destination {
            id: self.conn().last_insert_rowid(),
            folder: PathBuf::from(folder),
            added_at: now,
        })
    }

    /// Stops using a backup folder; the backups already there and its history stay.
    pub fn remove_backup_destination(&mut self, id: i64, now: DateTime<Utc>) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE backup_destination SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL",
            params![id, instant(now)],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                entity: "backup folder",
            });
        }
        Ok(())
    }

    /// Records an attempt that has ended.
    pub fn record_backup_run(&mut self, run: &NewRun) -> Result<i64> {
        let (outcome, file, bytes, counts, audit, error) = match &run.result {
            Ok(w) => (
                "good",
                Some(w.file.as_str()),
                Some(i64::try_from(w.bytes).unwrap_or(i64::MAX)),
                Some(serde_json::to_string(&w.counts).unwrap_or_default()),
                Some(i64::try_from(w.audit_entries).unwrap_or(i64::MAX)),
                None,
            ),
            Err(e) => ("failed", None, None, None, None, Some(e.as_str())),
        };
        self.conn().execute(
            "INSERT INTO backup_run (destination_id, started_at, finished_at, outcome, file,
                                     bytes, counts, audit_entries, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                run.destination_id,
                instant(run.started_at),
                instant(run.finished_at),
                outcome,
                file,
                bytes,
                counts,
                audit,
                error
            ],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Records that retention removed a backup's file.
    pub fn mark_backup_removed(&mut self, run_id: i64, now: DateTime<Utc>) -> Result<()> {
        self.conn().execute(
            "UPDATE backup_run SET removed_at = ?2 WHERE id = ?1",
            params![run_id, instant(now)],
        )?;
        Ok(())
    }

    /// Sets (or with `None`, removes) a backup setting of this desktop.
    pub fn set_backup_setting(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        meta_set(self.conn(), key, value)
    }
}

impl Store {
    /// Whether a backup is being written now (by this process or another Tend on this
    /// computer).
    pub fn backup_running(&self) -> bool {
        let Ok(lock) = crate::open_file(&self.paths.sidecar(".backup-lock")) else {
            return false;
        };
        match lock.try_lock() {
            Ok(()) => false,
            Err(std::fs::TryLockError::WouldBlock) => true,
            Err(_) => false,
        }
    }
}
