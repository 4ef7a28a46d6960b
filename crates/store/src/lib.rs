//! Tend's local store: one SQLCipher database per clinic desktop, opened with a raw 32-byte key
//! that lives in key slots beside it (and, where there is one, in the OS keyring).
//!
//! A data folder holds `tend.db` (with its `-wal`), `tend.keys` (the key slots) and `tend.lock`
//! (held shared while the store is open, exclusively by a restore). Reads go through pooled
//! read-only connections; every write goes through [`Store::write`] and a [`WriteTx`], which
//! keeps rows, change log and audit chain in one transaction.

pub mod audit;
pub mod backup;
pub mod backup_log;
pub mod bench;
pub mod billing;
pub mod break_glass;
mod chart;
pub mod consistency;
mod db;
mod error;
pub mod key;
pub mod keyring;
pub mod keyslots;
mod patients;
pub mod prescriptions;
mod rows;
pub mod schedule;
mod schema;
pub mod sync;
mod users;
mod write;

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tend_domain::{ClinicId, DatabaseId, DeviceCode, DeviceId};

pub use audit::{AuditBreak, AuditEntry, AuditFilter, AuditReport, AuditRow, Outcome};

/// Keys of this desktop's own settings in `meta` (read and written with
/// [`Store::sync_setting`] and [`Store::set_sync_settings`]); never synced.
pub mod local_keys {
    /// Set when this desktop must not keep its database key in the OS keyring.
    pub const KEYRING_OFF: &str = "local.keyring_off";
}
pub use chart::{encounter_fields, event_fields, note_fields, template_fields};
pub use db::{SQLCIPHER_SETTINGS, prepare_sqlite, schema_version};
pub use error::{Result, StoreError};
pub use key::{DbKey, RecoveryKey};
pub use keyslots::{KdfParams, KeySlots, Secret};
pub use patients::{PatientRecord, demographics_fields, person_key};
pub use schema::FILED_UNDER_PATIENT;
pub use users::UserRecord;
pub use write::{WriteCtx, WriteTx};

use audit::AuditKey;
use db::Mode;
use error::io;

/// The files of one clinic database in a data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataPaths {
    dir: PathBuf,
}

impl DataPaths {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DataPaths { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn db(&self) -> PathBuf {
        self.dir.join("tend.db")
    }

    pub fn keys(&self) -> PathBuf {
        self.dir.join("tend.keys")
    }

    fn lock(&self) -> PathBuf {
        self.dir.join("tend.lock")
    }

    /// Whether a clinic database exists here.
    pub fn exists(&self) -> bool {
        self.db().is_file()
    }

    /// Removes a clinic that was just made and must not be kept (a join whose first pull
    /// failed): the database, its journal files and its key slots. The store must be closed.
    pub fn discard_new_clinic(&self) -> Result<()> {
        for path in [
            self.db(),
            self.sidecar("-wal"),
            self.sidecar("-shm"),
            self.keys(),
            self.lock(),
        ] {
            remove_if_exists(&path)?;
        }
        Ok(())
    }

    pub(crate) fn sidecar(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!("tend.db{suffix}"))
    }
}

/// Who this database and this device are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub database_id: DatabaseId,
    pub device_id: DeviceId,
    pub device_code: DeviceCode,
}

/// An open clinic database.
pub struct Store {
    paths: DataPaths,
    key: DbKey,
    identity: Identity,
    audit_key: AuditKey,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    audit_warning: Option<AuditBreak>,
    _lock: File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.paths.dir)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// How long a reader pool keeps idle connections; more are opened on demand.
const MAX_IDLE_READERS: usize = 4;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves a connection whose transaction SQLite has already
    // rolled back; it is safe to keep using.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    /// Creates a new database at `paths` with `key`, writes its identity, and lets `seed` write
    /// the first records (the clinic, the device, the first admin) in the same transaction.
    /// The file appears under its real name only once all of that is committed.
    pub fn create<T, E: From<StoreError>>(
        paths: &DataPaths,
        key: &DbKey,
        identity: Identity,
        ctx: WriteCtx,
        seed: impl FnOnce(&mut WriteTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<(Store, T), E> {
        if paths.exists() {
            return Err(StoreError::AlreadyExists(paths.dir.clone()).into());
        }
        create_private_dir(&paths.dir)?;
        let tmp = paths.sidecar(".creating");
        for stale in [
            tmp.clone(),
            with_suffix(&tmp, "-wal"),
            with_suffix(&tmp, "-shm"),
        ] {
            remove_if_exists(&stale)?;
        }
        let audit_key = AuditKey::new(key, identity.database_id);
        let out = {
            let mut conn = db::connect(&tmp, key, Mode::Writer, true)?;
            db::migrate(&mut conn)?;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)?;
            for (k, v) in [
                ("database_id", identity.database_id.to_string()),
                ("device_id", identity.device_id.to_string()),
                ("device_code", identity.device_code.to_string()),
            ] {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )
                .map_err(StoreError::from)?;
            }
            audit::init(&tx, &audit_key)?;
            let mut wtx = WriteTx::new(tx, ctx, &identity, &audit_key);
            let out = seed(&mut wtx)?;
            wtx.commit()?;
            conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                .map_err(StoreError::from)?;
            conn.close().map_err(|(_, e)| StoreError::from(e))?;
            out
        };
        for leftover in [with_suffix(&tmp, "-wal"), with_suffix(&tmp, "-shm")] {
            remove_if_exists(&leftover)?;
        }
        fs::rename(&tmp, paths.db()).map_err(io(format!("creating {}", paths.db().display())))?;
        keyslots::sync_dir(&paths.dir);
        Ok((Store::open(paths, key)?, out))
    }

    /// Opens an existing database: checks the key, refuses a newer schema, migrates an older
    /// one, and checks the audit chain's head.
    pub fn open(paths: &DataPaths, key: &DbKey) -> Result<Store> {
        let lock_file = open_lock(paths)?;
        match lock_patiently(&lock_file, true) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(StoreError::InUse),
            Err(TryLockError::Error(e)) => return Err(io("locking the data folder")(e)),
        }
        if !paths.exists() {
            return Err(StoreError::NoDatabase(paths.dir.clone()));
        }
        let mut writer = db::connect(&paths.db(), key, Mode::Writer, false)?;
        db::migrate(&mut writer)?;
        let identity = read_identity(&writer)?;
        let audit_key = AuditKey::new(key, identity.database_id);
        let audit_warning = audit::verify_head(&writer, &audit_key)?;
        if let Some(b) = &audit_warning {
            tracing::error!(seq = b.seq, problem = %b.problem, "audit chain check failed at start-up");
        }
        Ok(Store {
            paths: paths.clone(),
            key: key.clone(),
            identity,
            audit_key,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            audit_warning,
            _lock: lock_file,
        })
    }

    pub fn paths(&self) -> &DataPaths {
        &self.paths
    }

    pub fn identity(&self) -> Identity {
        self.identity
    }

    /// The raw database key, for rewrapping key slots and the keyring copy.
    pub fn key(&self) -> &DbKey {
        &self.key
    }

    /// What the quick audit check at open found wrong, if anything.
    pub fn audit_warning(&self) -> Option<&AuditBreak> {
        self.audit_warning.as_ref()
    }

    /// Runs `f` with a read-only connection.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Reader<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let conn = match lock(&self.readers).pop() {
            Some(conn) => conn,
            None => db::connect(&self.paths.db(), &self.key, Mode::Reader, false)?,
        };
        let out = f(&Reader::new(&conn));
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }

    /// Runs `f` in one immediate transaction on the writer connection; commits if it returns
    /// `Ok` and every change it made is audited, rolls back otherwise.
    pub fn write<T, E: From<StoreError>>(
        &self,
        ctx: WriteCtx,
        f: impl FnOnce(&mut WriteTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let mut wtx = WriteTx::new(tx, ctx, &self.identity, &self.audit_key);
        let out = f(&mut wtx)?;
        wtx.commit()?;
        Ok(out)
    }

    /// Runs `f` in one transaction on the writer connection for this desktop's own state
    /// (sync settings and position in `meta`), which is neither a change nor audited.
    pub(crate) fn local_write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Walks the whole audit chain.
    pub fn verify_audit(&self) -> Result<AuditReport> {
        self.read(|r| audit::verify(r.conn, &self.audit_key))
    }

    /// SQLite's `integrity_check` and SQLCipher's `cipher_integrity_check`.
    pub fn integrity_check(&self) -> Result<()> {
        self.read(|r| db::integrity_check(r.conn))
    }
}

/// Read queries. Obtained from [`Store::read`] or [`WriteTx::read`].
#[derive(Debug, Clone, Copy)]
pub struct Reader<'c> {
    conn: &'c Connection,
}

impl<'c> Reader<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        Reader { conn }
    }

    /// The clinic's settings record.
    pub fn clinic(&self) -> Result<ClinicRecord> {
        self.conn
            .query_row(
                "SELECT id, name, timezone, currency, created_at, units, reminder_template,
                        address, phone, registration, paper, logo, locale, tax_id,
                        invoice_footer, idle_lock_minutes, break_glass_minutes
                 FROM clinic LIMIT 1",
                [],
                |r| {
                    Ok(ClinicRecord {
                        id: parse_id(r.get_ref(0)?)?,
                        name: r.get(1)?,
                        timezone: r.get(2)?,
                        currency: r.get(3)?,
                        created_at: r.get(4)?,
                        units: r.get(5)?,
                        reminder_template: r.get(6)?,
                        address: r.get(7)?,
                        phone: r.get(8)?,
                        registration: r.get(9)?,
                        paper: r.get(10)?,
                        logo: r.get(11)?,
                        locale: r.get(12)?,
                        tax_id: r.get(13)?,
                        invoice_footer: r.get(14)?,
                        idle_lock_minutes: r.get(15)?,
                        break_glass_minutes: r.get(16)?,
                    })
                },
            )
            .optional()?
            .ok_or(StoreError::NotFound { entity: "clinic" })
    }

    /// The connection settings that matter for safety, as SQLite reports them.
    pub fn pragmas(&self) -> Result<Vec<(String, String)>> {
        [
            "foreign_keys",
            "trusted_schema",
            "synchronous",
            "temp_store",
            "journal_mode",
            "query_only",
        ]
        .into_iter()
        .map(|name| {
            let value: rusqlite::types::Value =
                self.conn
                    .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?;
            let text = match value {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            };
            Ok((name.to_owned(), text))
        })
        .collect()
    }

    /// The detail of the newest audit entry with `action` about `record_id`.
    pub fn latest_audit_detail(
        &self,
        action: &str,
        record_id: uuid::Uuid,
    ) -> Result<Option<serde_json::Value>> {
        let detail: Option<String> = self
            .conn
            .query_row(
                "SELECT detail FROM audit_log WHERE action = ?1 AND record_id = ?2
                 ORDER BY seq DESC LIMIT 1",
                params![action, record_id.hyphenated().to_string()],
                |r| r.get(0),
            )
            .optional()?;
        detail
            .map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }

    /// Number of changes in the change log made on `device`.
    pub fn change_count(&self, device: DeviceId) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM change_log WHERE device_id = ?1",
            [device.to_string()],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The clinic settings as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicRecord {
    pub id: ClinicId,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    /// `metric` or `us`: how vital signs are typed and shown.
    pub units: String,
    /// The appointment reminder message, with `{patient}` and the other placeholders.
    pub reminder_template: String,
    /// The letterhead: address lines (joined by newlines), phone, registration or tax number.
    pub address: String,
    pub phone: String,
    pub registration: String,
    /// `a4`, `letter` or `a5`.
    pub paper: String,
    /// Base64 of a PNG or JPEG.
    pub logo: Option<String>,
    /// `es-ES`, or empty until chosen (then it follows the currency).
    pub locale: String,
    /// The tax number printed on invoices.
    pub tax_id: String,
    /// Printed at the foot of invoices: payment terms, bank details.
    pub invoice_footer: String,
    /// Minutes untouched before a desktop locks.
    pub idle_lock_minutes: i64,
    /// Minutes a break-glass opening of a chart lasts.
    pub break_glass_minutes: i64,
}

pub(crate) fn parse_id<T: std::str::FromStr>(
    raw: rusqlite::types::ValueRef<'_>,
) -> rusqlite::Result<T> {
    let text = raw.as_str()?;
    text.parse().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            "not a valid id".into(),
        )
    })
}

fn read_identity(conn: &Connection) -> Result<Identity> {
    let get = |key: &str| -> Result<String> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Corrupt(format!("the database has no {key}")))
    };
    let bad = |what: &str| StoreError::Corrupt(format!("the database's {what} is unreadable"));
    Ok(Identity {
        database_id: get("database_id")?.parse().map_err(|_| bad("id"))?,
        device_id: get("device_id")?.parse().map_err(|_| bad("device id"))?,
        device_code: DeviceCode::parse(&get("device_code")?).map_err(|_| bad("device code"))?,
    })
}

/// Creates the data folder readable by its owner only (where the OS has such permissions).
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io(format!("protecting {}", dir.display())))?;
    }
    Ok(())
}

/// How long a lock someone else holds is waited for before the folder is reported in use. A lock
/// can outlive its holder for a moment: a process this program is starting holds a copy of every
/// open file until it runs its program (seen in the tests: a folder just restored was "in use"
/// while another thread was starting processes).
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// Locks `file`, shared or exclusive, waiting up to [`LOCK_PATIENCE`] for another holder.
fn lock_patiently(file: &File, shared: bool) -> std::result::Result<(), TryLockError> {
    let deadline = std::time::Instant::now() + LOCK_PATIENCE;
    loop {
        let tried = if shared {
            file.try_lock_shared()
        } else {
            file.try_lock()
        };
        match tried {
            Err(TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn open_lock(paths: &DataPaths) -> Result<File> {
    create_private_dir(&paths.dir)?;
    open_file(&paths.lock())
}

/// Opens (creating if needed) a file to lock, without truncating it.
fn open_file(path: &Path) -> Result<File> {
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io(format!("opening {}", path.display())))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(format!("removing {}", path.display()))(e)),
    }
}

#[cfg(test)]
mod lock_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn two_handles() -> (tempfile::TempDir, File, File) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let a = open_file(&path).unwrap();
        let b = open_file(&path).unwrap();
        (dir, a, b)
    }

    /// A holder that lets go within the patience (a process being started elsewhere that held
    /// a copy of the file) is waited for.
    #[test]
    fn a_lock_let_go_of_soon_is_waited_for() {
        let (_dir, a, b) = two_handles();
        a.lock().unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(LOCK_PATIENCE / 4);
            a.unlock().unwrap();
        });
        lock_patiently(&b, false).unwrap();
        holder.join().unwrap();
    }

    /// A holder that keeps it is reported, not waited for forever.
    #[test]
    fn a_lock_held_on_to_is_reported_as_in_use() {
        let (_dir, a, b) = two_handles();
        a.lock().unwrap();
        assert!(matches!(
            lock_patiently(&b, true),
            Err(TryLockError::WouldBlock)
        ));
    }
}
