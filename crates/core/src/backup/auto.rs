//! Backups that happen by themselves: the folders an admin chose, the daily time, what each
//! folder keeps, and the runs. The rules (what is due, what to keep) are tend-domain's; this
//! module does the I/O and records every result.
//!
//! A run writes one file per folder, `tend-<device>-<UTC time>.tendbackup`. The store writes
//! it as `.partial`, reads it back and checks it, and only then gives it its name; the run is
//! recorded good or failed (with the reason) in one audited write, and only after a good run
//! does retention remove older files at that folder. Files this desktop did not write are never
//! touched.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use tend_domain::backup::{self as rules, History, Retention, Schedule, Taken};
use tend_domain::words;
use tend_domain::{Action, ValidationError};
use tend_store::backup_log::{self, Destination, NewRun, Run, RunOutcome, Written};
use tend_store::{AuditEntry, Outcome, StoreError};

use crate::api::{
    BackupStatusDto, DestinationDto, FailureDto, GoodBackupDto, RunDto, RunReportDto,
};
use crate::{CoreError, Result, Session, Tend};

/// The file Tend leaves in a backup folder when it is chosen. A run checks it is there, so an
/// unplugged drive whose empty mount point is still a folder is an error, not a backup quietly
/// written to the computer's own disk.
pub const MARKER: &str = ".tend-backups";

/// The longest folder path accepted.
const MAX_FOLDER: usize = 4096;
/// How many past attempts the admin screen lists per folder.
const RECENT: u32 = 10;

pub(crate) fn schedule(tend: &Tend) -> Result<Schedule> {
    let at = tend
        .store()
        .read(|r| r.backup_setting(backup_log::setting::AT))?;
    Ok(match at {
        Some(at) => Schedule::parse(&at)?,
        None => Schedule::default(),
    })
}

pub(crate) fn retention(tend: &Tend) -> Result<Retention> {
    let keep = tend
        .store()
        .read(|r| r.backup_setting(backup_log::setting::KEEP))?;
    Ok(match keep {
        Some(k) => serde_json::from_str(&k).map_err(|_| {
            CoreError::Store(StoreError::Corrupt("the backup retention setting".into()))
        })?,
        None => Retention::default(),
    })
}

fn history(runs: &[Run]) -> History {
    let last_good = runs.iter().find(|r| r.outcome == RunOutcome::Good);
    let failed_since = runs
        .iter()
        .take_while(|r| r.outcome == RunOutcome::Failed)
        .map(|r| r.finished_at)
        .next();
    History {
        last_good: last_good.map(|r| r.started_at),
        failed_since,
    }
}

fn destination_dto(
    tend: &Tend,
    d: &Destination,
    schedule: Schedule,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<DestinationDto> {
    let (recent, kept) = tend
        .store()
        .read(|r| Ok::<_, CoreError>((r.backup_runs(d.id, RECENT)?, r.backups_kept(d.id)?)))?;
    let due = rules::due(schedule, tz, history(&recent), now);
    let last_good = recent
        .iter()
        .find(|r| r.outcome == RunOutcome::Good)
        .or(kept.first());
    Ok(DestinationDto {
        id: d.id,
        folder: d.folder.display().to_string(),
        last_good: last_good.map(|r| GoodBackupDto {
            at: r.started_at,
            file: r.file.clone().unwrap_or_default(),
            bytes: r.bytes.unwrap_or_default(),
            counts: r.counts.map(Into::into).unwrap_or_default(),
        }),
        last_error: recent
            .first()
            .filter(|r| r.outcome == RunOutcome::Failed)
            .map(|r| FailureDto {
                at: r.finished_at,
                message: r.error.clone().unwrap_or_default(),
            }),
        next_due: due.time(now),
        due_now: due.is_now(),
        kept: kept.len(),
        recent: recent
            .iter()
            .map(|r| RunDto {
                at: r.started_at,
                good: r.outcome == RunOutcome::Good,
                file: r.file.clone(),
                bytes: r.bytes,
                message: r.error.clone(),
                removed: r.removed_at.is_some(),
            })
            .collect(),
    })
}

/// The backup settings, every folder with its last good backup, next one due and last error.
pub fn status(tend: &Tend, session: &Session) -> Result<BackupStatusDto> {
    tend.authorize(session, Action::BackupCreate)?;
    status_dto(tend)
}

fn status_dto(tend: &Tend) -> Result<BackupStatusDto> {
    let tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    let schedule = schedule(tend)?;
    let destinations = tend.store().read(|r| r.backup_destinations())?;
    let last_good = tend.store().read(|r| r.last_good_backup())?;
    Ok(BackupStatusDto {
        at: schedule.to_string(),
        timezone: tz.name().to_owned(),
        retention: retention(tend)?,
        destinations: destinations
            .iter()
            .map(|d| destination_dto(tend, d, schedule, tz, now))
            .collect::<Result<_>>()?,
        last_good: last_good.as_ref().map(|r| r.started_at),
        overdue: rules::overdue(last_good.map(|r| r.started_at), now),
        running: tend.store().backup_running(),
    })
}

/// Whether this session should see the red backup badge: admins only, when no good backup is
/// younger than 26 hours. Not audited (the status badge polls it).
pub fn overdue_for(tend: &Tend, session: &Session) -> Result<bool> {
    if !tend.authorize_quietly(session, Action::BackupCreate) {
        return Ok(false);
    }
    let last = tend.store().read(|r| r.last_good_backup())?;
    Ok(rules::overdue(last.map(|r| r.started_at), tend.now()))
}

/// A path as people type or paste it: surrounding spaces and the quotes Windows' "Copy as
/// path" adds are dropped; empty, over-long or control characters are refused naming `field`.
pub fn typed_path(field: &'static str, typed: &str) -> Result<PathBuf> {
    let t = typed.trim();
    let t = ['"', '\'']
        .iter()
        .find_map(|q| t.strip_prefix(*q).and_then(|r| r.strip_suffix(*q)))
        .unwrap_or(t)
        .trim();
    if t.is_empty() {
        return Err(ValidationError::new(field, "is required").into());
    }
    if t.chars().count() > MAX_FOLDER {
        return Err(ValidationError::new(field, "is too long").into());
    }
    if t.chars().any(char::is_control) {
        return Err(ValidationError::new(field, "must not contain control characters").into());
    }
    Ok(PathBuf::from(t))
}

/// Checks a folder an admin typed: an absolute path to a folder that exists, can be written,
/// and is not inside the clinic's data folder (a backup there dies with the disk it guards).
fn check_destination(tend: &Tend, typed: &str) -> Result<PathBuf> {
    let field =
        |reason: &'static str| CoreError::Validation(ValidationError::new("folder", reason));
    let path = typed_path("folder", typed)?;
    let typed = path.to_string_lossy().into_owned();
    let path = path.as_path();
    if !path.is_absolute() {
        return Err(field(
            "must be a full path, such as /media/usb/tend-backups or D:\\Tend backups",
        ));
    }
    tend_store::backup::check_folder(path)?;
    let folder = std::fs::canonicalize(path).map_err(|e| {
        CoreError::refused(
            "folder_cannot_open",
            Some("folder"),
            words!("{typed} cannot be opened: {e}", typed = typed, e = e),
        )
    })?;
    let data = std::fs::canonicalize(tend.store().paths().dir())
        .unwrap_or_else(|_| tend.store().paths().dir().to_owned());
    if folder.starts_with(&data) {
        return Err(field(
            "is inside the clinic's own data folder: a backup there is lost with the disk it \
             should protect; choose a USB drive, another disk or a network share",
        ));
    }
    // Write the marker, as a backup will write its file: this is the check that it can be
    // written.
    write_marker(&folder)?;
    Ok(folder)
}

fn write_marker(folder: &Path) -> Result<()> {
    std::fs::write(
        folder.join(MARKER),
        "Tend writes its backups in this folder. Keep this file: without it Tend takes the \
         folder for a drive that is not plugged in.\n",
    )
    .map_err(|e| tend_store::backup::folder_error(folder, e).into())
}

/// Checks a chosen folder is still the one that was chosen, and removes what an earlier run
/// of this desktop left half-written there (killed, or the computer lost power).
fn prepare_folder(tend: &Tend, folder: &Path) -> std::result::Result<(), StoreError> {
    tend_store::backup::check_folder(folder)?;
    if !folder.join(MARKER).exists() {
        return Err(StoreError::BackupFolder {
            folder: folder.to_owned(),
            reason: format!(
                "is not the folder that was chosen (its {MARKER} file is missing): is the \
                 drive plugged in? If the folder is right, remove it and add it again"
            ),
        });
    }
    let ours = format!("tend-{}-", tend.store().identity().device_code);
    if let Ok(entries) = std::fs::read_dir(folder) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&ours) && name.ends_with(".tendbackup.partial") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

/// Adds a folder backups go to (admins).
pub fn add_destination(tend: &Tend, session: &Session, folder: &str) -> Result<DestinationDto> {
    tend.authorize(session, Action::BackupCreate)?;
    let folder = check_destination(tend, folder)?;
    let text = folder.display().to_string();
    let now = tend.now();
    let added = tend
        .store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            let d = tx.add_backup_destination(&text, now)?;
            tx.audit(
                AuditEntry::new("backup.destination_add", Outcome::Ok)
                    .detail(json!({ "folder": text })),
            )?;
            Ok::<_, CoreError>(d)
        })?;
    let tz = tend.clinic_context()?.timezone;
    destination_dto(tend, &added, schedule(tend)?, tz, now)
}

/// Stops backing up to a folder (admins). The backups already there stay.
pub fn remove_destination(tend: &Tend, session: &Session, id: i64) -> Result<()> {
    tend.authorize(session, Action::BackupCreate)?;
    let now = tend.now();
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.remove_backup_destination(id, now)?;
            tx.audit(
                AuditEntry::new("backup.destination_remove", Outcome::Ok)
                    .detail(json!({ "destination": id })),
            )
        })?;
    Ok(())
}

/// Sets the daily time and what each folder keeps (daily, weekly, monthly, as typed), admins.
pub fn set_schedule(
    tend: &Tend,
    session: &Session,
    at: &str,
    keep: (&str, &str, &str),
) -> Result<BackupStatusDto> {
    tend.authorize(session, Action::BackupCreate)?;
    let schedule = Schedule::parse(at)?;
    let retention = Retention::parse(keep.0, keep.1, keep.2)?;
    let keep_json = serde_json::to_string(&retention).unwrap_or_default();
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.set_backup_setting(backup_log::setting::AT, Some(&schedule.to_string()))?;
            tx.set_backup_setting(backup_log::setting::KEEP, Some(&keep_json))?;
            tx.audit(
                AuditEntry::new("backup.schedule", Outcome::Ok).detail(json!({
                    "at": schedule.to_string(),
                    "keep": retention,
                })),
            )
        })?;
    status_dto(tend)
}

/// Runs the backups that are due (the desktop app calls this every minute while it is open;
/// `tend backup run` calls it from a system timer). No session: it is the schedule an admin set
/// that runs. A folder whose backup is not due is left alone.
pub fn run_due(tend: &Tend) -> Result<Vec<RunReportDto>> {
    run(tend, None, Which::Due)
}

/// Whether quitting the app should take a backup first: the last good one is more than a day
/// old (or there is none) and there is a folder to write it to.
pub fn due_on_quit(tend: &Tend) -> Result<bool> {
    let destinations = tend.store().read(|r| r.backup_destinations())?;
    if destinations.is_empty() {
        return Ok(false);
    }
    let last = tend.store().read(|r| r.last_good_backup())?;
    Ok(rules::due_on_quit(last.map(|r| r.started_at), tend.now()))
}

/// Backs up to every folder now, whatever the schedule (on quitting, or an admin's "Back up
/// now").
pub fn run_all(tend: &Tend, session: Option<&Session>) -> Result<Vec<RunReportDto>> {
    if let Some(s) = session {
        tend.authorize(s, Action::BackupCreate)?;
    }
    run(tend, session, Which::All)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Due,
    All,
}

fn run(tend: &Tend, session: Option<&Session>, which: Which) -> Result<Vec<RunReportDto>> {
    let tz = tend.clinic_context()?.timezone;
    let schedule = schedule(tend)?;
    let retention = retention(tend)?;
    let destinations = tend.store().read(|r| r.backup_destinations())?;
    let mut reports = Vec::new();
    for d in destinations {
        if which == Which::Due {
            let recent = tend.store().read(|r| r.backup_runs(d.id, RECENT))?;
            if !rules::due(schedule, tz, history(&recent), tend.now()).is_now() {
                continue;
            }
        }
        match run_one(tend, session, &d, retention, tz) {
            Ok(report) => reports.push(report),
            // Another Tend on this computer is writing a backup: it records its own result.
            Err(CoreError::Store(StoreError::BackupRunning)) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(reports)
}

/// The name of a backup this desktop writes at `now`.
fn file_name(tend: &Tend, now: DateTime<Utc>) -> String {
    format!(
        "tend-{}-{}.tendbackup",
        tend.store().identity().device_code,
        now.format("%Y%m%d-%H%M%S")
    )
}

fn run_one(
    tend: &Tend,
    session: Option<&Session>,
    d: &Destination,
    retention: Retention,
    tz: Tz,
) -> Result<RunReportDto> {
    let started = tend.now();
    let mut name = file_name(tend, started);
    if d.folder.join(&name).exists() {
        name = name.replace(
            ".tendbackup",
            &format!("-{}.tendbackup", uuid::Uuid::now_v7().simple()),
        );
    }
    let written = prepare_folder(tend, &d.folder)
        .and_then(|()| tend.store().backup(&d.folder.join(&name), started));
    if let Err(StoreError::BackupRunning) = written {
        return Err(StoreError::BackupRunning.into());
    }
    let finished = tend.now();
    let result = match &written {
        Ok(info) => Ok(Written {
            file: name.clone(),
            bytes: info.bytes,
            counts: info.counts,
            audit_entries: info.audit_entries,
        }),
        Err(e) => Err(failure_message(e)),
    };
    let run = NewRun {
        destination_id: d.id,
        started_at: started,
        finished_at: finished,
        result: result.clone(),
    };
    let folder = d.folder.display().to_string();
    let who = session.map(Session::user_id);
    tend.store().write(tend.ctx(who), |tx| {
        tx.record_backup_run(&run)?;
        let entry = match &result {
            Ok(w) => AuditEntry::new("backup.create", Outcome::Ok)
                .detail(json!({ "folder": folder, "file": w.file, "bytes": w.bytes })),
            Err(message) => AuditEntry::new("backup.create", Outcome::Failed)
                .detail(json!({ "folder": folder, "error": message })),
        };
        tx.audit(entry)
    })?;
    let removed = match &result {
        Ok(_) => prune(tend, d, retention, tz)?,
        Err(_) => Vec::new(),
    };
    Ok(RunReportDto {
        folder,
        good: result.is_ok(),
        file: result.as_ref().ok().map(|w| w.file.clone()),
        bytes: result.as_ref().ok().map(|w| w.bytes),
        counts: result.as_ref().ok().map(|w| w.counts.into()),
        message: result.err(),
        removed,
    })
}

/// Why a backup failed, in words for the admin screen: the store's messages name the folder or
/// the check that failed, never a record.
fn failure_message(e: &StoreError) -> String {
    match e {
        StoreError::BackupFolder { .. }
        | StoreError::BadBackup { .. }
        | StoreError::InUse
        | StoreError::Corrupt(_) => e.to_string(),
        other => format!("the backup could not be written ({other})"),
    }
}

/// After a good backup at `d`, removes the files retention no longer keeps there. A file that
/// is already gone (deleted by hand) is recorded as removed; one that cannot be removed stays
/// listed and is tried again after the next backup.
fn prune(tend: &Tend, d: &Destination, retention: Retention, tz: Tz) -> Result<Vec<String>> {
    let kept = tend.store().read(|r| r.backups_kept(d.id))?;
    let taken: Vec<Taken<i64>> = kept
        .iter()
        .map(|r| Taken {
            key: r.id,
            at: r.started_at,
        })
        .collect();
    let mut removed = Vec::new();
    for id in rules::to_remove(retention, tz, &taken) {
        let Some(run) = kept.iter().find(|r| r.id == id) else {
            continue;
        };
        let Some(file) = run.file.as_deref() else {
            continue;
        };
        // Only a plain file name this desktop wrote; never a path that leads elsewhere.
        if Path::new(file).file_name().map(|n| n.to_string_lossy()) != Some(file.into()) {
            continue;
        }
        let path = d.folder.join(file);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(error = %e, "an old backup could not be removed");
                continue;
            }
        }
        let now = tend.now();
        tend.store().write(tend.ctx(None), |tx| {
            tx.mark_backup_removed(id, now)?;
            tx.audit(
                AuditEntry::new("backup.remove", Outcome::Ok)
                    .detail(json!({ "folder": d.folder.display().to_string(), "file": file })),
            )
        })?;
        removed.push(file.to_owned());
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: i64, outcome: RunOutcome, at: &str) -> Run {
        let t = DateTime::parse_from_rfc3339(at)
            .unwrap()
            .with_timezone(&Utc);
        Run {
            id,
            destination_id: 1,
            started_at: t,
            finished_at: t,
            outcome,
            file: None,
            bytes: None,
            counts: None,
            audit_entries: None,
            error: None,
            removed_at: None,
        }
    }

    #[test]
    fn the_history_is_the_last_good_run_and_the_failures_since() {
        use RunOutcome::*;
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Newest first, as the store lists them.
        let runs = [
            run(4, Failed, "2026-12-03T18:00:00Z"),
            run(3, Failed, "2026-12-03T17:45:00Z"),
            run(2, Good, "2026-12-02T17:45:00Z"),
            run(1, Failed, "2026-12-01T17:45:00Z"),
        ];
        let h = history(&runs);
        assert_eq!(h.last_good, Some(t("2026-12-02T17:45:00Z")));
        assert_eq!(h.failed_since, Some(t("2026-12-03T18:00:00Z")));
        let h = history(&runs[2..]);
        assert_eq!(h.failed_since, None, "a failure before the last good one");
        assert_eq!(history(&[]), History::default());
    }
}
