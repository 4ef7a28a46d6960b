//! Backups as the admin's screen and `tend backup --json` see them: a backup file, what a check
//! found, a restore, the automatic backups' status.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tend_domain::DatabaseId;
use tend_domain::backup::Retention;
use tend_domain::{DeviceCode, DeviceId};
use tend_store::backup::{Counts, Step};
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
    pub counts: CountsDto,
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
    pub counts: CountsDto,
    pub audit_entries: u64,
    /// The desktop the backup syncs as, when it is of a desktop that syncs: restoring it on
    /// another computer asks whether that computer replaces it.
    pub syncing: Option<SyncingDesktopDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct GoodBackupDto {
    pub at: DateTime<Utc>,
    pub file: String,
    pub bytes: u64,
    pub counts: CountsDto,
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

/// How many records a database holds: what a backup holds, and what a check read back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CountsDto {
    pub patients: u64,
    pub visits: u64,
    pub invoices: u64,
    pub prescriptions: u64,
    pub appointments: u64,
}

impl From<Counts> for CountsDto {
    fn from(c: Counts) -> Self {
        CountsDto {
            patients: c.patients,
            visits: c.visits,
            invoices: c.invoices,
            prescriptions: c.prescriptions,
            appointments: c.appointments,
        }
    }
}

/// How far a restore or a check of a backup has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum BackupStepDto {
    /// Copying the database out of the backup file: `done` of `total` bytes.
    Copying { done: u64, total: u64 },
    /// Running every check on the copy.
    Checking,
    /// Putting the checked copy in place of the clinic's database.
    Replacing,
}

impl From<Step> for BackupStepDto {
    fn from(s: Step) -> Self {
        match s {
            Step::Copying { done, total } => BackupStepDto::Copying { done, total },
            Step::Checking => BackupStepDto::Checking,
            Step::Replacing => BackupStepDto::Replacing,
        }
    }
}

/// A desktop that syncs, as a backup of it names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncingDesktopDto {
    pub device_id: DeviceId,
    pub code: DeviceCode,
    pub name: String,
}

impl From<SyncingDesktop> for SyncingDesktopDto {
    fn from(d: SyncingDesktop) -> Self {
        SyncingDesktopDto {
            device_id: d.device_id,
            code: d.code,
            name: d.name,
        }
    }
}

/// What one folder's automatic backup did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RunReportDto {
    pub folder: String,
    pub good: bool,
    pub file: Option<String>,
    pub bytes: Option<u64>,
    pub counts: Option<CountsDto>,
    /// Why it failed, in words.
    pub message: Option<String>,
    /// Older backups retention removed there after this one was verified.
    pub removed: Vec<String>,
}
