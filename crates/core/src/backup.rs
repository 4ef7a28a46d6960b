//! Backups and restores, as use cases: who may, and the audit entries that say they happened.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tend_domain::{Action, DatabaseId};
use tend_store::backup::{self as store_backup};
use tend_store::{AuditEntry, DataPaths, Outcome, Store};

pub mod auto;

use crate::clinic::{Unlock, remember_key};
use crate::{CoreError, Environment, Result, Session, Tend};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupDto {
    pub path: String,
    pub bytes: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreDto {
    pub database_id: DatabaseId,
    pub backup_created_at: DateTime<Utc>,
    pub audit_entries: u64,
    pub previous_kept_at: Option<String>,
}

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
        previous_kept_at: info.previous_kept_at.map(|p| p.display().to_string()),
    }
}

/// Restores `backup` into `paths`, opens the result and audits the restore in it (by `who`, or
/// by nobody when the passphrase or recovery key was the authority).
fn replace_and_reopen(
    paths: &DataPaths,
    backup: &Path,
    key: &tend_store::DbKey,
    env: Environment,
    now: DateTime<Utc>,
    who: Option<&Session>,
) -> Result<(Tend, RestoreDto)> {
    let info = dto(store_backup::restore(paths, backup, key, now)?);
    let store = crate::sync::after_restore(Store::open(paths, key)?, paths, key, now)?;
    let tend = Tend::new(store, env);
    tend.store()
        .write(tend.ctx(who.map(Session::user_id)), |tx| {
            tx.audit(
                AuditEntry::new("backup.restore", Outcome::Ok).detail(json!({
                    "file": file_name(backup),
                    "backup_created_at": info.backup_created_at,
                })),
            )
        })?;
    Ok((tend, info))
}

/// Replaces this clinic's database with a backup of it. The open clinic is closed first (the
/// restore needs the database to itself) and a newly opened one is returned. Another Tend
/// holding the database open makes this fail with `in_use`, and nothing changes.
pub fn restore(tend: Tend, session: &Session, backup: &Path) -> Result<(Tend, RestoreDto)> {
    tend.authorize(session, Action::BackupRestore)?;
    let now = tend.now();
    let paths = tend.store().paths().clone();
    let key = tend.store().key().clone();
    let env = tend.env.clone();
    drop(tend);
    replace_and_reopen(&paths, backup, &key, env, now, Some(session))
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
            let recovery = tend_store::RecoveryKey::parse(text)
                .map_err(|reason| CoreError::refused(Some("recovery_key"), reason))?;
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

/// What a backup file says of itself before it is unlocked: nothing in it is patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupFileDto {
    pub path: String,
    pub bytes: u64,
    pub taken_at: DateTime<Utc>,
    pub tend_version: String,
    pub database_id: DatabaseId,
}

/// What a backup holds, read from a copy that passed every check a restore runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupCheckDto {
    pub file: BackupFileDto,
    pub clinic_name: String,
    pub counts: store_backup::Counts,
    pub audit_entries: u64,
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
pub fn check_file(path: &Path, unlock: Unlock<'_>, env: &Environment) -> Result<BackupCheckDto> {
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
    checked(file, path, &key, &scratch.path().join("tend.db"))
}

/// The drill from a signed-in desktop (admins): a backup of this clinic opens with its key; a
/// backup of another database needs that backup's passphrase or recovery key.
pub fn check_file_signed_in(
    tend: &Tend,
    session: &Session,
    path: &Path,
    unlock: Option<Unlock<'_>>,
) -> Result<BackupCheckDto> {
    tend.authorize(session, Action::BackupRestore)?;
    let file = inspect(path)?;
    let result = if file.database_id == tend.store().identity().database_id && unlock.is_none() {
        let scratch = tend.store().paths().dir().join("tend.db.drill");
        checked(file, path, tend.store().key(), &scratch)
    } else {
        match unlock {
            Some(unlock) => check_file(path, unlock, &tend.env),
            None => Err(CoreError::PassphraseNeeded {
                reason: "this backup is of another clinic database: type its passphrase or                          recovery key"
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
) -> Result<BackupCheckDto> {
    let c = store_backup::check(path, key, scratch)?;
    Ok(BackupCheckDto {
        file,
        clinic_name: c.clinic_name,
        counts: c.counts,
        audit_entries: c.audit_entries,
    })
}

/// Restores a backup onto a machine with no clinic yet, unlocking it with the passphrase or the
/// recovery key it was made with.
pub fn restore_new(
    dir: &Path,
    backup: &Path,
    unlock: Unlock<'_>,
    env: Environment,
) -> Result<(Tend, RestoreDto)> {
    let paths = DataPaths::new(dir);
    if paths.exists() {
        return Err(CoreError::refused(
            None,
            format!(
                "{} already holds a clinic; sign in as an administrator to restore over it",
                dir.display()
            ),
        ));
    }
    let header = store_backup::inspect(backup)?;
    let key = unlock_backup(&header, unlock, &env)?;
    let now = env.clock.now();
    let restored = replace_and_reopen(&paths, backup, &key, env, now, None)?;
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
    env: Environment,
) -> Result<(Tend, RestoreDto)> {
    let paths = DataPaths::new(dir);
    let key = crate::clinic::unlock_key(&paths, unlock, &env)?;
    match Store::open(&paths, &key) {
        Err(e) if store_backup::is_damage(&e) => {}
        Ok(_) => {
            return Err(CoreError::refused(
                None,
                "the clinic's database is readable; sign in as an administrator to restore over it",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let now = env.clock.now();
    replace_and_reopen(&paths, backup, &key, env, now, None)
}
