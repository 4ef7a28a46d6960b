//! Backups as the admin's screen and `tend backup --json` see them: a backup file, what a check
//! found, a restore, the automatic backups' status.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tend_domain::DatabaseId;
use tend_domain::backup::Retention;
use tend_store::backup::Counts;
use tend_store::sync::SyncingDesktop;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupDto {
    pub path: String,
    pub bytes: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RestoreDto {
    pub database_id: DatabaseId,
    pub backup_created_at: DateTime<Utc>,
    pub audit_entries: u64,
    pub counts: Counts,
    /// For a backup of a desktop that syncs: `successor` (this computer replaces it) or `copy`
    /// (a copy that does not sync).
    pub became: Option<&'static str>,
    pub previous_kept_at: Option<String>,
}

/// What a backup file says of itself before it is unlocked: nothing in it is patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BackupFileDto {
    pub path: String,
    pub bytes: u64,
    pub taken_at: DateTime<Utc>,
    pub tend_version: String,
    pub database_id: DatabaseId,
}

/// What a backup holds, read from a copy that passed every check a restore runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BackupCheckDto {
    pub file: BackupFileDto,
    pub clinic_name: String,
    pub counts: Counts,
    pub audit_entries: u64,
    /// The desktop the backup syncs as, when it is of a desktop that syncs: restoring it on
    /// another computer asks whether that computer replaces it.
    pub syncing: Option<SyncingDesktop>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct GoodBackupDto {
    pub at: DateTime<Utc>,
    pub file: String,
    pub bytes: u64,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct FailureDto {
    pub at: DateTime<Utc>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RunDto {
    pub at: DateTime<Utc>,
    pub good: bool,
    pub file: Option<String>,
    pub bytes: Option<u64>,
    pub message: Option<String>,
    pub removed: bool,
}

/// One folder, as the admin screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DestinationDto {
    pub id: i64,
    pub folder: String,
    pub last_good: Option<GoodBackupDto>,
    /// The last attempt, when it failed.
    pub last_error: Option<FailureDto>,
    pub next_due: DateTime<Utc>,
    pub due_now: bool,
    /// Good backups kept there.
    pub kept: usize,
    pub recent: Vec<RunDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BackupStatusDto {
    /// The daily time, `HH:MM` in the clinic's time zone.
    pub at: String,
    pub timezone: String,
    pub retention: Retention,
    pub destinations: Vec<DestinationDto>,
    /// The newest good backup at any folder.
    pub last_good: Option<DateTime<Utc>>,
    /// No good backup, or the newest is more than 26 hours old: admins see a red badge.
    pub overdue: bool,
    pub running: bool,
}
