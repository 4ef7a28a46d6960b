//! `tend backup`: a backup to a file now, and the automatic backups: the folders, the daily time
//! and what each keeps, a run for a system timer, the status, and the restore drill.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use tend_core::api::RunReportDto;
use tend_core::api::{BackupCheckDto, BackupStatusDto};
use tend_core::backup;
use tend_core::backup::auto;
use tend_core::clinic::Unlock;
use tend_core::{CoreError, Session, Tend};

use crate::output::{Output, human_bytes};
use crate::secrets;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    /// Write an encrypted, verified backup to FILE now (admins).
    pub file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
}

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Run the backups that are due, for a system timer (no sign-in; the clinic opens from the
    /// OS keyring or TEND_PASSPHRASE). With --all, back up to every folder now.
    Run {
        #[arg(long)]
        all: bool,
    },
    /// Restore a backup into a temporary folder, run every check, and say what it holds,
    /// without touching any clinic (no sign-in: the backup's passphrase, TEND_RECOVERY_KEY, or
    /// the OS keyring for this computer's clinic).
    Verify { file: PathBuf },
    /// The folders, the last good backup of each, the next one due and the last error (admins).
    Status,
    /// The folders backups go to (admins).
    #[command(subcommand)]
    Folder(FolderCommand),
    /// The daily time (clinic time) and how many daily, weekly and monthly backups each
    /// folder keeps (admins).
    Schedule {
        #[arg(long)]
        at: String,
        #[arg(long, default_value_t = 7)]
        keep_daily: u32,
        #[arg(long, default_value_t = 4)]
        keep_weekly: u32,
        #[arg(long, default_value_t = 12)]
        keep_monthly: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum FolderCommand {
    /// Back up to this folder too (a USB drive, a second disk, a network share).
    Add { folder: String },
    /// Stop backing up to a folder (its number from `tend backup status`); its backups stay.
    Remove { id: i64 },
}

/// The subcommands that run without signing in: a run for a system timer and the drill.
pub fn without_sign_in(
    command: &BackupCommand,
    open: impl FnOnce() -> Result<Tend>,
    out: &Output,
) -> Result<ExitCode> {
    match command {
        BackupCommand::Run { all } => {
            let tend = open()?;
            let reports = if *all {
                auto::run_all(&tend, None)?
            } else {
                auto::run_due(&tend)?
            };
            Ok(runs(out, &reports))
        }
        BackupCommand::Verify { file } => verify(file, out),
        _ => Err(anyhow::anyhow!("this command needs a signed-in user")),
    }
}

pub fn signed_in(
    command: &BackupCommand,
    tend: &Tend,
    me: &Session,
    out: &Output,
) -> Result<ExitCode> {
    match command {
        BackupCommand::Status => status(out, &auto::status(tend, me)?),
        BackupCommand::Folder(FolderCommand::Add { folder }) => {
            let d = auto::add_destination(tend, me, folder)?;
            out.done(&format!(
                "Backups will also go to {} (folder {}).",
                d.folder, d.id
            ));
        }
        BackupCommand::Folder(FolderCommand::Remove { id }) => {
            auto::remove_destination(tend, me, *id)?;
            out.done(&format!(
                "Backups no longer go to folder {id}; the backups there stay."
            ));
        }
        BackupCommand::Schedule {
            at,
            keep_daily,
            keep_weekly,
            keep_monthly,
        } => {
            let keep = (
                keep_daily.to_string(),
                keep_weekly.to_string(),
                keep_monthly.to_string(),
            );
            let s = auto::set_schedule(tend, me, at, (&keep.0, &keep.1, &keep.2))?;
            status(out, &s);
        }
        BackupCommand::Run { .. } | BackupCommand::Verify { .. } => {
            return Err(anyhow::anyhow!("this command runs without signing in"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(file: &Path, out: &Output) -> Result<ExitCode> {
    let env = crate::environment();
    let progress = out.backup_progress();
    let result = match backup::check_file(file, Unlock::Keyring, &env, &progress) {
        Err(CoreError::PassphraseNeeded { .. }) => {
            if let Some(recovery) = secrets::from_env(secrets::RECOVERY_KEY) {
                backup::check_file(file, Unlock::RecoveryKey(&recovery), &env, &progress)
            } else {
                let passphrase =
                    secrets::read(secrets::PASSPHRASE, "the passphrase of the backup's clinic")?;
                backup::check_file(file, Unlock::Passphrase(&passphrase), &env, &progress)
            }
        }
        other => other,
    };
    match result {
        Ok(c) => {
            checked(out, &c);
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ CoreError::Store(tend_store::StoreError::BadBackup { .. })) => {
            out.error(&anyhow::Error::new(e));
            Ok(ExitCode::from(3))
        }
        Err(e) => Err(e.into()),
    }
}

fn checked(out: &Output, c: &BackupCheckDto) {
    if out.is_json() {
        out.json(c);
        return;
    }
    println!(
        "{} is a good backup of {}, taken {} by Tend {} ({}).",
        c.file.path,
        c.clinic_name,
        c.file.taken_at.format("%Y-%m-%d %H:%M UTC"),
        c.file.tend_version,
        human_bytes(c.file.bytes)
    );
    println!(
        "It holds {} patients, {} visits, {} invoices, {} prescriptions and {} appointments; \
         {} audit entries verified.",
        c.counts.patients,
        c.counts.visits,
        c.counts.invoices,
        c.counts.prescriptions,
        c.counts.appointments,
        c.audit_entries
    );
}

fn runs(out: &Output, reports: &[RunReportDto]) -> ExitCode {
    let failed = reports.iter().any(|r| !r.good);
    if out.is_json() {
        out.json(&serde_json::json!({ "runs": reports }));
    } else if reports.is_empty() {
        println!("No backup was due.");
    } else {
        for r in reports {
            match (&r.file, &r.message) {
                (Some(file), _) => {
                    println!(
                        "Backed up to {}/{} ({}), read back and checked.",
                        r.folder,
                        file,
                        human_bytes(r.bytes.unwrap_or_default())
                    );
                    for old in &r.removed {
                        println!("  Removed an older backup no longer kept: {old}");
                    }
                }
                (None, message) => out.error(&anyhow::anyhow!(
                    "the backup to {} failed: {}",
                    r.folder,
                    message.as_deref().unwrap_or("unknown")
                )),
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn status(out: &Output, s: &BackupStatusDto) {
    if out.is_json() {
        out.json(s);
        return;
    }
    let tz: chrono_tz::Tz = s.timezone.parse().unwrap_or(chrono_tz::UTC);
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M");
    println!(
        "Daily at {} ({}); each folder keeps {} daily, {} weekly and {} monthly backups.",
        s.at, s.timezone, s.retention.daily, s.retention.weekly, s.retention.monthly
    );
    match s.last_good {
        Some(t) if !s.overdue => println!("Last good backup: {}.", local(t)),
        Some(t) => println!(
            "OVERDUE: the last good backup was {}, more than 26 hours ago.",
            local(t)
        ),
        None => println!("OVERDUE: there is no good backup yet."),
    }
    if s.running {
        println!("A backup is being written now.");
    }
    if s.destinations.is_empty() {
        println!("No backup folder is set: add one with `tend backup folder add FOLDER`.");
    }
    for d in &s.destinations {
        println!("{}. {}", d.id, d.folder);
        match &d.last_good {
            Some(g) => println!(
                "   last good: {} ({}, verified), {} kept",
                local(g.at),
                human_bytes(g.bytes),
                d.kept
            ),
            None => println!("   no good backup yet"),
        }
        if d.due_now {
            println!("   next: due now");
        } else {
            println!("   next: {}", local(d.next_due));
        }
        if let Some(e) = &d.last_error {
            println!("   LAST ATTEMPT FAILED {}: {}", local(e.at), e.message);
        }
    }
}
