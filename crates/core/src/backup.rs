//! Backups and restores, as use cases: who may, and the audit entries that say they happened.

use std::path::Path;

use serde_json::json;
use tend_domain::words;
use tend_domain::{Action, DeviceId};
use tend_store::backup::{self as store_backup, RestoredDesktop};
use tend_store::sync::SyncingDesktop;

pub use tend_store::backup::{Step, quietly};
use tend_store::{AuditEntry, DataPaths, Outcome, Store, WriteCtx};

pub mod auto;

use crate::api::{BackupCheckDto, BackupDto, BackupFileDto, RestoreDto};
use crate::clinic::{Unlock, remember_key};
use crate::{CoreError, Environment, Result, Session, Tend};

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Writes an encrypted backup to `dest` while the clinic keeps working.
pub fn create(tend: &Tend, session: &Session, dest: &Path) -> Result<BackupDto> {
    tend.authorize(session, Action::BackupCreate)?;
    let now = tend.now();
    let info = tend.store().backup(dest, now)?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("backup.create", Outcome::Ok)
                    .detail(json!({ "file": file_name(dest), "bytes": info.bytes })),
            )
        })?;
    Ok(BackupDto {
        path: info.path.display().to_string(),
        bytes: info.bytes,
        created_at: info.created_at,
    })
}

fn dto(info: store_backup::RestoreInfo) -> RestoreDto {
    RestoreDto {
        database_id: info.database_id,
        backup_created_at: info.backup_created_at,
        audit_entries: info.audit_entries,
        counts: info.counts.into(),
        became: info.became.map(|b| match b {
            RestoredDesktop::Succeeds { .. } => "successor",
            RestoredDesktop::Detached { .. } => "copy",
        }),
        previous_kept_at: info.previous_kept_at.map(|p| p.display().to_string()),
    }
}

/// Whether this computer replaces the desktop a backup came from, when that desktop syncs and
/// is not this one. Asked of the admin: a copy must never silently take over another desktop's
/// sync identity (that desktop would stop syncing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Replaces {
    /// Not answered yet: a backup of another syncing desktop is refused with the question.
    #[default]
    Ask,
    /// This computer replaces it (broken, lost or retired): it becomes that desktop's successor.
    Yes,
    /// It does not: the copy keeps the records but does not sync.
    No,
}

/// Decides what a restored copy of a syncing desktop becomes. `lineage` is this computer's
/// desktop and the ones it succeeded (empty on a new machine).
fn decide(
    lineage: Vec<DeviceId>,
    answer: Replaces,
) -> impl FnOnce(&SyncingDesktop) -> Result<RestoredDesktop> {
    move |desktop| {
        let (device_id, code) = crate::sync::new_device_identity(desktop.code)?;
        if lineage.contains(&desktop.device_id) || answer == Replaces::Yes {
            return Ok(RestoredDesktop::Succeeds { device_id, code });
        }
        if answer == Replaces::No {
            return Ok(RestoredDesktop::Detached { device_id, code });
        }
        Err(CoreError::refused(
            "backup_of_syncing_desktop",
            Some("replaces_desktop"),
            words!(
                "this backup is of the desktop “{name}” ({code}), which syncs with the \
                 clinic's other desktops. Does this computer replace it (it is broken, lost or \
                 retired)? If so, that desktop stops syncing and this one takes its place; if \
                 not, this computer keeps a copy of the records that does not sync (to sync, \
                 pair it as a new desktop instead)",
                name = desktop.name,
                code = desktop.code
            ),
        ))
    }
}

/// Restores `backup` into `paths`, opens the result and audits the restore in it (by `who`, or
/// by nobody when the passphrase or recovery key was the authority).
fn replace_and_reopen(
    paths: &DataPaths,
    backup: &Path,
    key: &tend_store::DbKey,
    env: Environment,
    who: Option<&Session>,
    as_desktop: impl FnOnce(&SyncingDesktop) -> Result<RestoredDesktop>,
    report: &dyn Fn(Step),
) -> Result<(Tend, RestoreDto)> {
    let now = env.clock.now();
    let info = store_backup::restore(paths, backup, key, now, as_desktop, report)?;
    let store = Store::open(paths, key)?;
    crate::sync::ensure_device_record(&store, now)?;
    if let (Some(RestoredDesktop::Detached { device_id, code }), Some(was)) =
        (info.became, info.syncing.as_ref())
    {
        store.write(WriteCtx { user: None, now }, |tx| {
            let fields: tend_domain::Fields = [
                (
                    "code".to_owned(),
                    tend_domain::Value::from(code.to_string()),
                ),
                (
                    "name".to_owned(),
                    tend_domain::Value::from(format!("{} (copy)", was.name)),
                ),
            ]
            .into();
            tx.create(tend_domain::Entity::Device, device_id, fields)?;
            tx.audit(
                AuditEntry::new("sync.detached_copy", Outcome::Ok).detail(
                    json!({ "device_code": code.to_string(), "was": was.code.to_string() }),
                ),
            )
        })?;
    }
    let tend = Tend::new(store, env);
    let dto = dto(info);
    tend.store()
        .write(tend.ctx(who.map(Session::user_id)), |tx| {
            tx.audit(
                AuditEntry::new("backup.restore", Outcome::Ok).detail(json!({
                    "file": file_name(backup),
                    "backup_created_at": dto.backup_created_at,
                    "became": dto.became,
                })),
            )
        })?;
    Ok((tend, dto))
}

/// Replaces this clinic's database with a backup of it. The open clinic is closed first (the
/// restore needs the database to itself) and a newly opened one is returned. Another Tend
/// holding the database open makes this fail with `in_use`, and nothing changes. A backup of
/// another desktop that syncs needs `replaces` answered.
pub fn restore(
    tend: Tend,
    session: &Session,
    backup: &Path,
    replaces: Replaces,
    report: &dyn Fn(Step),
) -> Result<(Tend, RestoreDto)> {
    tend.authorize(session, Action::BackupRestore)?;
    let paths = tend.store().paths().clone();
    let key = tend.store().key().clone();
    let lineage = crate::sync::lineage(tend.store())?;
    let env = tend.env.clone();
    drop(tend);
    replace_and_reopen(
        &paths,
        backup,
        &key,
        env,
        Some(session),
        decide(lineage, replaces),
        report,
    )
}

/// The database key of a backup, from its key slots (or the OS keyring).
fn unlock_backup(
    header: &store_backup::BackupHeader,
    unlock: Unlock<'_>,
    env: &Environment,
) -> Result<tend_store::DbKey> {
    Ok(match unlock {
        Unlock::Passphrase(p) => header.key_slots.unlock(tend_store::Secret::Passphrase(p))?,
        Unlock::RecoveryKey(text) => {
            let recovery = tend_store::RecoveryKey::parse(text).map_err(|reason| {
                CoreError::refused("bad_recovery_key", Some("recovery_key"), reason)
            })?;
            header
                .key_slots
                .unlock(tend_store::Secret::Recovery(&recovery))?
        }
        Unlock::Keyring => match env.keyring.get(header.database_id) {
            Ok(Some(key)) => key,
            _ => {
                return Err(CoreError::PassphraseNeeded {
                    reason: "the OS keyring holds no key for this backup".into(),
                });
            }
        },
    })
}

/// Reads a backup's header: when it was taken, by which version, of which database.
pub fn inspect(path: &Path) -> Result<BackupFileDto> {
    let header = store_backup::inspect(path)?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(BackupFileDto {
        path: path.display().to_string(),
        bytes,
        taken_at: header.created_at,
        tend_version: header.tend_version,
        database_id: header.database_id,
    })
}

/// The restore drill: restores the backup into a temporary folder, runs every check (the key,
/// SQLite's and SQLCipher's integrity checks, migrations, the audit chain), counts what it
/// holds and removes the copy. Nothing of any clinic is touched.
pub fn check_file(
    path: &Path,
    unlock: Unlock<'_>,
    env: &Environment,
    report: &dyn Fn(Step),
) -> Result<BackupCheckDto> {
    let file = inspect(path)?;
    let header = store_backup::inspect(path)?;
    let key = unlock_backup(&header, unlock, env)?;
    let scratch = tempfile::Builder::new()
        .prefix("tend-backup-check-")
        .tempdir()
        .map_err(|e| {
            CoreError::Store(tend_store::StoreError::Io {
                context: "making a temporary folder for the check".into(),
                source: e,
            })
        })?;
    checked(file, path, &key, &scratch.path().join("tend.db"), report)
}

/// The drill from a signed-in desktop (admins): a backup of this clinic opens with its key; a
/// backup of another database needs that backup's passphrase or recovery key.
pub fn check_file_signed_in(
    tend: &Tend,
    session: &Session,
    path: &Path,
    unlock: Option<Unlock<'_>>,
    report: &dyn Fn(Step),
) -> Result<BackupCheckDto> {
    tend.authorize(session, Action::BackupRestore)?;
    let file = inspect(path)?;
    let result = if file.database_id == tend.store().identity().database_id && unlock.is_none() {
        let scratch = tend.store().paths().dir().join("tend.db.drill");
        checked(file, path, tend.store().key(), &scratch, report)
    } else {
        match unlock {
            Some(unlock) => check_file(path, unlock, &tend.env, report),
            None => Err(CoreError::PassphraseNeeded {
                reason:
                    "this backup is of another clinic database: type its passphrase or recovery key"
                        .into(),
            }),
        }
    };
    let outcome = if result.is_ok() {
        Outcome::Ok
    } else {
        Outcome::Failed
    };
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("backup.check", outcome).detail(json!({ "file": file_name(path) })),
            )
        })?;
    result
}

fn checked(
    file: BackupFileDto,
    path: &Path,
    key: &tend_store::DbKey,
    scratch: &Path,
    report: &dyn Fn(Step),
) -> Result<BackupCheckDto> {
    let c = store_backup::check(path, key, scratch, report)?;
    Ok(BackupCheckDto {
        file,
        clinic_name: c.clinic_name,
        counts: c.counts.into(),
        audit_entries: c.audit_entries,
        syncing: c.syncing.map(Into::into),
    })
}

/// Restores a backup onto a machine with no clinic yet, unlocking it with the passphrase or the
/// recovery key it was made with.
pub fn restore_new(
    dir: &Path,
    backup: &Path,
    unlock: Unlock<'_>,
    replaces: Replaces,
    env: Environment,
    report: &dyn Fn(Step),
) -> Result<(Tend, RestoreDto)> {
    let paths = DataPaths::new(dir);
    if paths.exists() {
        return Err(CoreError::refused(
            "restore_needs_admin",
            None,
            words!(
                "{dir} already holds a clinic; sign in as an administrator to restore over it",
                dir = dir.display()
            ),
        ));
    }
    let header = store_backup::inspect(backup)?;
    let key = unlock_backup(&header, unlock, &env)?;
    let restored = replace_and_reopen(
        &paths,
        backup,
        &key,
        env,
        None,
        decide(Vec::new(), replaces),
        report,
    )?;
    remember_key(&restored.0.env, header.database_id, &key);
    Ok(restored)
}

/// Replaces a clinic database that can no longer be read with a backup of it. Nobody can sign
/// in to a damaged database, so the authority is the clinic passphrase or recovery key (which
/// unlock the key slots beside it), and the backup must be of this clinic. Refused when the
/// database is readable: then an admin restores as usual.
pub fn restore_damaged(
    dir: &Path,
    backup: &Path,
    unlock: Unlock<'_>,
    replaces: Replaces,
    env: Environment,
    report: &dyn Fn(Step),
) -> Result<(Tend, RestoreDto)> {
    let paths = DataPaths::new(dir);
    let key = crate::clinic::unlock_key(&paths, unlock, &env)?;
    match Store::open(&paths, &key) {
        Err(e) if store_backup::is_damage(&e) => {}
        Ok(_) => {
            return Err(CoreError::refused(
                "restore_needs_admin",
                None,
                "the clinic's database is readable; sign in as an administrator to restore over it",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    // The damaged database cannot say which desktop it was: the admin answers.
    replace_and_reopen(
        &paths,
        backup,
        &key,
        env,
        None,
        decide(Vec::new(), replaces),
        report,
    )
}
