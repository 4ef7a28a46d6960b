//! Online backup and restore.
//!
//! A backup is one file: a short plaintext header (format, database id, schema version, time,
//! the key slots, the length and SHA-256 of what follows) and then the SQLCipher database as the
//! SQLite backup API copied it from a read snapshot, so the app keeps working while it runs. The
//! database stays encrypted with its own key; the key slots inside let a new machine open it with
//! the clinic passphrase or the recovery key.
//!
//! A restore verifies the copy completely (opens with the key, `integrity_check`,
//! `cipher_integrity_check`, migrations, the whole audit chain) before it replaces anything, and
//! replaces the database with one atomic rename, keeping the old file beside it.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::backup::{Backup, StepResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tend_domain::{DatabaseId, DeviceCode, DeviceId};

use crate::audit::{self, AuditKey};
use crate::db::{self, Mode};
use crate::error::{Result, StoreError, io};
use crate::key::DbKey;
use crate::keyslots::{self, KeySlots};
use crate::sync::SyncingDesktop;
use crate::{DataPaths, Store, read_identity, remove_if_exists, with_suffix};

pub use tend_domain::backup::{Retention, Schedule};

const MAGIC: &[u8; 12] = b"TEND-BACKUP\n";
const FORMAT_VERSION: u32 = 1;
const MAX_HEADER_BYTES: u32 = 1024 * 1024;

/// What the plaintext header of a backup says. Nothing in it is patient data.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupHeader {
    pub format_version: u32,
    pub database_id: DatabaseId,
    pub schema_version: i64,
    pub created_at: DateTime<Utc>,
    pub tend_version: String,
    pub database_bytes: u64,
    pub database_sha256: String,
    pub key_slots: KeySlots,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub database_id: DatabaseId,
    pub created_at: DateTime<Utc>,
    /// What the verification read back from the written file.
    pub counts: Counts,
    pub audit_entries: u64,
}

/// How many records a database holds, to show people what a backup holds and to check that a
/// backup reads back what was copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub patients: u64,
    pub visits: u64,
    pub invoices: u64,
    pub prescriptions: u64,
    pub appointments: u64,
}

fn counts(conn: &rusqlite::Connection) -> Result<Counts> {
    let n = |table: &str| -> Result<u64> {
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or_default())
    };
    Ok(Counts {
        patients: n("patient")?,
        visits: n("encounter")?,
        invoices: n("invoice")?,
        prescriptions: n("prescription")?,
        appointments: n("appointment")?,
    })
}

/// What a backup holds, read from a verified copy of it.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub header: BackupHeader,
    pub clinic_name: String,
    pub counts: Counts,
    pub audit_entries: u64,
    /// The desktop it syncs as, when the backup is of a desktop that syncs.
    pub syncing: Option<SyncingDesktop>,
}

/// How far a restore or a check of a backup has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    /// Copying the database out of the backup file: `done` of `total` bytes.
    Copying { done: u64, total: u64 },
    /// Running every check on the copy: the key, SQLite's and SQLCipher's integrity checks,
    /// migrations and the whole audit chain.
    Checking,
    /// Putting the checked copy in place of the clinic's database.
    Replacing,
}

/// For callers that show no progress.
pub fn quietly(_: Step) {}

/// What the restored copy of a desktop that syncs becomes. Decided before the copy replaces
/// anything, and written into the copy first, so no crash can leave a restored database syncing
/// under the identity of the desktop it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "as")]
pub enum RestoredDesktop {
    /// A new device that succeeds the backup's desktop (this computer replaces it): announced
    /// at the next sync, and the server retires the old device.
    Succeeds {
        device_id: DeviceId,
        code: DeviceCode,
    },
    /// A copy that does not sync (this computer does not replace that desktop): its own device
    /// identity, and no server, token or clinic key.
    Detached {
        device_id: DeviceId,
        code: DeviceCode,
    },
}

fn bad(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::BadBackup {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    with_suffix(path, suffix)
}

impl Store {
    /// Writes a consistent encrypted copy of the database to `dest` while others keep writing,
    /// and verifies it before it takes that name: a file at `dest` is always a whole backup
    /// whose database, read back from the destination's disk, is byte for byte a copy that
    /// opened with the key and passed every check a restore runs. Only the owner can read it
    /// (mode 0600 where the OS has modes).
    ///
    /// The clinic keeps writing meanwhile: the copy holds one read snapshot (writers go on in
    /// the write-ahead log), and the backup's own files are written out in small steps so a
    /// commit never waits behind a gigabyte of them (docs/benchmarks.md measures it).
    ///
    /// Whatever goes wrong, or if the process is killed, nothing but `dest.partial` is left in
    /// the destination, and an earlier file at another name is never touched.
    pub fn backup(&self, dest: &Path, now: DateTime<Utc>) -> Result<BackupInfo> {
        let folder = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        check_folder(&folder)?;
        let lock = crate::open_file(&self.paths.sidecar(".backup-lock"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::BackupRunning),
            Err(fs::TryLockError::Error(e)) => return Err(io("locking the backup")(e)),
        }
        let copy = self.paths.sidecar(".backup-copy");
        let partial = sibling(dest, ".partial");
        let cleanup = |also_partial: bool| {
            remove_db_files(&copy);
            // Left by earlier versions, which checked a second copy.
            remove_db_files(&self.paths.sidecar(".backup-check"));
            if also_partial {
                let _ = remove_if_exists(&partial);
            }
        };
        cleanup(true);
        let result = self.write_backup(dest, &folder, &copy, &partial, now);
        // Whatever happened, no half-written or unverified file is left under any name.
        cleanup(result.is_err());
        result
    }

    fn write_backup(
        &self,
        dest: &Path,
        folder: &Path,
        copy: &Path,
        partial: &Path,
        now: DateTime<Utc>,
    ) -> Result<BackupInfo> {
        // 1. Copy the database from one read snapshot, beside the clinic's own. The copy is
        //    scratch (the file in the destination is what is made durable), so it keeps no
        //    journal and is not synced, but it is written out as it grows (`FlushBehind`) so no
        //    gigabyte of dirty pages piles up for the clinic's next commit to wait behind.
        {
            let src = db::connect(&self.paths.db(), &self.key, Mode::Reader, false)?;
            // The snapshot is held by this read transaction across the copy's steps: writers
            // go on in the write-ahead log, and the copy never restarts.
            src.execute_batch("BEGIN; SELECT count(*) FROM sqlite_schema;")?;
            let mut dst = db::connect(copy, &self.key, Mode::Writer, true)?;
            dst.execute_batch(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -2048;",
            )?;
            let mut behind = FlushBehind::new(copy, FLUSH_EVERY)?;
            {
                let step = Backup::new(&src, &mut dst)?;
                loop {
                    match step.step(STEP_PAGES)? {
                        StepResult::Done => break,
                        StepResult::More => behind.grew()?,
                        // Busy or locked: not expected with the snapshot held, but never a
                        // partial copy either.
                        _ => return Err(StoreError::InUse),
                    }
                }
            }
            src.execute_batch("COMMIT;")?;
            drop(src);
            dst.close().map_err(|(_, e)| StoreError::from(e))?;
            behind.grew()?;
        }

        // 2. Every check a restore runs, on the copy; then its length and SHA-256. The file in
        //    the destination is verified to hold exactly these bytes, read back from the disk.
        let verified = verify_copy(copy, &self.key, self.identity.database_id, dest)?;
        let (database_bytes, database_sha256) = hash_file(copy)?;
        let header = BackupHeader {
            format_version: FORMAT_VERSION,
            database_id: self.identity.database_id,
            schema_version: db::schema_version(),
            created_at: now,
            tend_version: env!("CARGO_PKG_VERSION").to_owned(),
            database_bytes,
            database_sha256,
            key_slots: KeySlots::read(&self.paths.keys())?,
        };
        let header_json =
            serde_json::to_vec(&header).map_err(|e| StoreError::Corrupt(e.to_string()))?;

        // 3. Header + database into the partial file in the destination, synced as it goes.
        {
            let at_folder = |e: std::io::Error| folder_error(folder, e);
            let file = private_file(partial).map_err(at_folder)?;
            let mut out = FlushingWriter::new(file, FLUSH_EVERY);
            let header_len = u32::try_from(header_json.len()).unwrap_or(u32::MAX);
            out.write_all(MAGIC)
                .and_then(|()| out.write_all(&header_len.to_be_bytes()))
                .and_then(|()| out.write_all(&header_json))
                .map_err(at_folder)?;
            let mut src = File::open(copy).map_err(io(format!("reading {}", copy.display())))?;
            std::io::copy(&mut src, &mut out).map_err(at_folder)?;
            let file = out.finish().map_err(at_folder)?;
            file.sync_all().map_err(at_folder)?;
            forget_cached(&file);
        }
        remove_db_files(copy);

        // 4. Read it back from the destination, as a restore would, and compare.
        let (read, offset) = open_backup(partial)?;
        let (_, sha256) = hash_region(partial, offset, read.database_bytes)?;
        if read.database_id != self.identity.database_id || sha256 != header.database_sha256 {
            return Err(bad(
                dest,
                "it did not read back what was copied into it (the destination may be failing)",
            ));
        }

        // 5. Only now does it take its name.
        fs::rename(partial, dest).map_err(|e| folder_error(folder, e))?;
        keyslots::sync_dir(folder);
        let bytes = fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        Ok(BackupInfo {
            path: dest.to_owned(),
            bytes,
            database_id: self.identity.database_id,
            created_at: now,
            counts: verified.counts,
            audit_entries: verified.audit_entries,
        })
    }
}

/// Pages the snapshot copy takes per step, between which its new pages are written out.
const STEP_PAGES: i32 = 2048;

/// How much of a backup's files may wait in the OS's memory before it is written to the disk.
/// Each flush is a write the clinic's next commit may queue behind: 8 MiB is a few milliseconds
/// of a disk, where 32 MiB measured 100-200 ms stalls (docs/benchmarks.md).
const FLUSH_EVERY: u64 = 8 << 20;

/// Writes a file's new pages out to the disk every `every` bytes it grows, so the OS never
/// holds much of it unwritten. A commit of the clinic's own database waits for the disk; with a
/// gigabyte of a backup's pages queued ahead of it, it waits for all of them (PostgreSQL bounds
/// its checkpoints' writes the same way: `checkpoint_flush_after`).
struct FlushBehind {
    file: File,
    every: u64,
    flushed: u64,
}

impl FlushBehind {
    fn new(path: &Path, every: u64) -> Result<Self> {
        // Opened for writing: Windows flushes a file only through a handle that may write it.
        let file = File::options()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io(format!("opening {}", path.display())))?;
        Ok(Self {
            file,
            every,
            flushed: 0,
        })
    }

    /// Called as the file grows: flushes it when it grew by `every` since the last flush.
    fn grew(&mut self) -> Result<()> {
        if self.every == 0 {
            return Ok(());
        }
        let len = self.file.metadata().map(|m| m.len()).unwrap_or(0);
        if len >= self.flushed + self.every {
            self.file
                .sync_data()
                .map_err(io("writing the backup's copy".to_owned()))?;
            self.flushed = len;
        }
        Ok(())
    }
}

/// A buffered writer that syncs what it wrote every `every` bytes (see `FlushBehind`).
struct FlushingWriter {
    out: BufWriter<File>,
    every: u64,
    since: u64,
}

impl FlushingWriter {
    fn new(file: File, every: u64) -> Self {
        Self {
            out: BufWriter::with_capacity(1 << 20, file),
            every,
            since: 0,
        }
    }

    fn finish(self) -> std::io::Result<File> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

impl Write for FlushingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.since += n as u64;
        if self.every > 0 && self.since >= self.every {
            self.out.flush()?;
            self.out.get_ref().sync_data()?;
            self.since = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Asks the OS to drop a synced file's pages from its cache, so reading it back reads the disk
/// (and the backup does not push the clinic's own database out of memory). Linux only.
fn forget_cached(file: &File) {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// A database file and its WAL and shared-memory files, removed if there.
fn remove_db_files(path: &Path) {
    for f in [
        path.to_owned(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        let _ = remove_if_exists(&f);
    }
}

/// Creates (or truncates) a file only its owner can read.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = File::options();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // A file left by an earlier version may have other modes; make sure.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Checks that a backup folder is there and is a folder.
pub fn check_folder(folder: &Path) -> Result<()> {
    match fs::metadata(folder) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(StoreError::BackupFolder {
            folder: folder.to_owned(),
            reason: "is a file, not a folder".into(),
        }),
        Err(e) => Err(folder_error(folder, e)),
    }
}

/// An error writing to a backup folder, in words that say what to do.
pub fn folder_error(folder: &Path, e: std::io::Error) -> StoreError {
    use std::io::ErrorKind as K;
    let reason = match e.kind() {
        K::NotFound => {
            "is missing (is the drive plugged in, or the network share connected?)".into()
        }
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => {
            "is full: free some space there or choose another folder".into()
        }
        K::ReadOnlyFilesystem => "is read-only: Tend cannot write there".into(),
        K::PermissionDenied => "cannot be written by this user".into(),
        _ => format!("could not be written: {e}"),
    };
    StoreError::BackupFolder {
        folder: folder.to_owned(),
        reason,
    }
}

/// Reads `src` to its end, writing it to `dst` when given; returns its length and SHA-256.
fn copy_hashing(
    mut src: impl Read,
    mut dst: Option<&mut dyn Write>,
    copied: &dyn Fn(u64),
) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if let Some(dst) = dst.as_mut() {
            dst.write_all(&buf[..n])?;
        }
        let before = total;
        total += n as u64;
        if total >> 24 != before >> 24 {
            copied(total);
        }
    }
    Ok((total, data_encoding::HEXLOWER.encode(&hasher.finalize())))
}

/// The length and SHA-256 of `len` bytes of a file from `offset`.
fn hash_region(path: &Path, offset: u64, len: u64) -> Result<(u64, String)> {
    let ctx = format!("reading {}", path.display());
    let mut file = File::open(path).map_err(io(ctx.clone()))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(io(ctx.clone()))?;
    copy_hashing(BufReader::new(file.take(len)), None, &|_| {}).map_err(io(ctx))
}

fn hash_file(path: &Path) -> Result<(u64, String)> {
    let ctx = format!("reading {}", path.display());
    let file = File::open(path).map_err(io(ctx.clone()))?;
    copy_hashing(BufReader::new(file), None, &|_| {}).map_err(io(ctx))
}

/// Reads and checks a backup's header without the key.
pub fn inspect(path: &Path) -> Result<BackupHeader> {
    Ok(open_backup(path)?.0)
}

/// Opens a backup file, checks its header, and returns it with the offset of the database.
fn open_backup(path: &Path) -> Result<(BackupHeader, u64)> {
    if path.is_dir() {
        return Err(bad(
            path,
            "it is a folder: choose the backup file inside it",
        ));
    }
    let mut file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => bad(path, "there is no file there"),
        std::io::ErrorKind::PermissionDenied => bad(path, "this user cannot read it"),
        _ => io(format!("reading {}", path.display()))(e),
    })?;
    let mut magic = [0u8; 12];
    let mut len = [0u8; 4];
    if file.read_exact(&mut magic).is_err() || &magic != MAGIC {
        return Err(bad(path, "it is not a Tend backup"));
    }
    file.read_exact(&mut len)
        .map_err(|_| bad(path, "it ends before its header"))?;
    let header_len = u32::from_be_bytes(len);
    if header_len > MAX_HEADER_BYTES {
        return Err(bad(path, "its header is too large"));
    }
    let mut header_json = vec![0u8; header_len as usize];
    file.read_exact(&mut header_json)
        .map_err(|_| bad(path, "it ends inside its header"))?;
    let header: BackupHeader = serde_json::from_slice(&header_json)
        .map_err(|e| bad(path, format!("its header is unreadable ({e})")))?;
    if header.format_version != FORMAT_VERSION {
        return Err(bad(
            path,
            format!(
                "it is format {}, and this Tend reads format {FORMAT_VERSION}",
                header.format_version
            ),
        ));
    }
    let offset = 16 + u64::from(header_len);
    let total = file
        .metadata()
        .map_err(io(format!("reading {}", path.display())))?
        .len();
    if total.saturating_sub(offset) != header.database_bytes {
        return Err(bad(
            path,
            format!(
                "it should hold {} bytes of database but holds {} (an incomplete copy?)",
                header.database_bytes,
                total.saturating_sub(offset)
            ),
        ));
    }
    Ok((header, offset))
}

/// Runs every check a restore runs on the backup at `backup`, opened with `key`, on a copy of its
/// database written at `scratch` (a file name; the copy and its side files are removed
/// afterwards, whatever happens), and says what it holds. Nothing else is touched.
pub fn check(backup: &Path, key: &DbKey, scratch: &Path, report: &dyn Fn(Step)) -> Result<Checked> {
    let (header, offset) = open_backup(backup)?;
    remove_db_files(scratch);
    let result = extract(backup, offset, &header, scratch, false, report).and_then(|()| {
        report(Step::Checking);
        verify_copy(scratch, key, header.database_id, backup)
    });
    remove_db_files(scratch);
    let verified = result?;
    Ok(Checked {
        header,
        clinic_name: verified.clinic_name,
        counts: verified.counts,
        audit_entries: verified.audit_entries,
        syncing: verified.syncing,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreInfo {
    pub database_id: DatabaseId,
    pub backup_created_at: DateTime<Utc>,
    pub audit_entries: u64,
    pub counts: Counts,
    /// The desktop the backup synced as, and what the restored copy became.
    pub syncing: Option<SyncingDesktop>,
    pub became: Option<RestoredDesktop>,
    /// Where the database that was replaced was kept, if there was one.
    pub previous_kept_at: Option<PathBuf>,
}

/// Replaces the database in `paths` with the backup at `backup`, opened with `key`.
///
/// When the backup is of a desktop that syncs, `as_desktop` decides what the copy becomes (or
/// refuses), and that is written into the copy before it replaces anything.
///
/// Refuses while any Tend has the database open, when the backup is damaged, from a newer Tend,
/// or from another clinic's database. A refused restore changes nothing.
pub fn restore<E: From<StoreError>>(
    paths: &DataPaths,
    backup: &Path,
    key: &DbKey,
    now: DateTime<Utc>,
    as_desktop: impl FnOnce(&SyncingDesktop) -> std::result::Result<RestoredDesktop, E>,
    report: &dyn Fn(Step),
) -> std::result::Result<RestoreInfo, E> {
    let (header, offset) = open_backup(backup)?;
    let lock_file = crate::open_lock(paths)?;
    match crate::lock_patiently(&lock_file, false) {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Err(StoreError::InUse.into()),
        Err(fs::TryLockError::Error(e)) => return Err(io("locking the data folder")(e).into()),
    }

    let tmp = paths.sidecar(".restoring");
    let cleanup = |p: &Path| {
        for f in [p.to_owned(), with_suffix(p, "-wal"), with_suffix(p, "-shm")] {
            let _ = remove_if_exists(&f);
        }
    };
    cleanup(&tmp);
    let result = (|| {
        extract(backup, offset, &header, &tmp, true, report)?;
        report(Step::Checking);
        let verified = verify_copy(&tmp, key, header.database_id, backup)?;
        let became = match &verified.syncing {
            Some(desktop) => {
                let became = as_desktop(desktop)?;
                give_identity(&tmp, key, became)?;
                Some(became)
            }
            None => None,
        };
        Ok::<_, E>((verified, became))
    })();
    let (verified, became) = match result {
        Ok(v) => v,
        Err(e) => {
            cleanup(&tmp);
            return Err(e);
        }
    };
    for f in [with_suffix(&tmp, "-wal"), with_suffix(&tmp, "-shm")] {
        remove_if_exists(&f)?;
    }

    report(Step::Replacing);
    let previous_kept_at = if paths.exists() {
        match set_aside(paths, &header, key, backup, now) {
            Ok(kept) => Some(kept),
            Err(e) => {
                cleanup(&tmp);
                return Err(e.into());
            }
        }
    } else {
        // A new machine: the backup's key slots come with it, written before the database so
        // that whenever `tend.db` exists its key slots do too.
        header.key_slots.write(&paths.keys())?;
        None
    };
    fs::rename(&tmp, paths.db()).map_err(io(format!("replacing {}", paths.db().display())))?;
    keyslots::sync_dir(paths.dir());
    drop(lock_file);
    Ok(RestoreInfo {
        database_id: header.database_id,
        backup_created_at: header.created_at,
        audit_entries: verified.audit_entries,
        counts: verified.counts,
        syncing: verified.syncing,
        became,
        previous_kept_at,
    })
}

/// Makes way for the restored database: keeps a byte-for-byte copy of the current database and
/// its WAL beside it under a dated name, before anything opens them (closing a connection can
/// checkpoint the WAL into the file), then checks the current database is this clinic's. A
/// readable one must name the same database id; an unreadable (damaged) one is judged by the
/// key slots beside it. On refusal the copies are removed again and nothing else has changed.
fn set_aside(
    paths: &DataPaths,
    header: &BackupHeader,
    key: &DbKey,
    backup: &Path,
    now: DateTime<Utc>,
) -> Result<PathBuf> {
    let kept = paths.sidecar(&format!(".before-restore-{}", now.format("%Y%m%dT%H%M%SZ")));
    let copies: Vec<(PathBuf, PathBuf)> = [("", ""), ("-wal", "-wal")]
        .into_iter()
        .map(|(from, to)| (paths.sidecar(from), with_suffix(&kept, to)))
        .filter(|(from, _)| from.exists())
        .collect();
    for (from, to) in &copies {
        fs::copy(from, to).map_err(io(format!("keeping {}", from.display())))?;
    }
    let verdict = same_clinic(paths, header, key);
    match verdict {
        Ok(true) => {
            for f in [paths.sidecar("-wal"), paths.sidecar("-shm")] {
                remove_if_exists(&f)?;
            }
            Ok(kept)
        }
        Ok(false) | Err(_) => {
            for (_, to) in &copies {
                let _ = remove_if_exists(to);
            }
            match verdict {
                Err(e) => Err(e),
                _ => Err(bad(backup, "it is a backup of another clinic's database")),
            }
        }
    }
}

/// Whether the database in `paths` is the one `header` is a backup of.
fn same_clinic(paths: &DataPaths, header: &BackupHeader, key: &DbKey) -> Result<bool> {
    let readable = db::connect(&paths.db(), key, Mode::Writer, false).and_then(|conn| {
        let identity = read_identity(&conn)?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        conn.close().map_err(|(_, e)| StoreError::from(e))?;
        Ok(identity)
    });
    match readable {
        Ok(identity) => Ok(identity.database_id == header.database_id),
        Err(e) if is_damage(&e) => {
            tracing::warn!(error = %e, "replacing a damaged database from a backup");
            Ok(KeySlots::read(&paths.keys())?.database_id() == header.database_id)
        }
        Err(e) => Err(e),
    }
}

/// Whether an error opening a database means the file is damaged (rather than, say, busy).
pub fn is_damage(e: &StoreError) -> bool {
    match e {
        StoreError::NotADatabase | StoreError::Corrupt(_) => true,
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
        ),
        _ => false,
    }
}

/// Copies the database part of a backup to `tmp`, checking its length and hash.
fn extract(
    backup: &Path,
    offset: u64,
    header: &BackupHeader,
    tmp: &Path,
    durable: bool,
    report: &dyn Fn(Step),
) -> Result<()> {
    let total = header.database_bytes;
    report(Step::Copying { done: 0, total });
    let mut src = File::open(backup).map_err(io(format!("reading {}", backup.display())))?;
    src.seek(SeekFrom::Start(offset))
        .map_err(io(format!("reading {}", backup.display())))?;
    let src = BufReader::new(src.take(header.database_bytes));
    let ctx = format!("writing {}", tmp.display());
    let mut out = BufWriter::new(File::create(tmp).map_err(io(ctx.clone()))?);
    let copied = |done| report(Step::Copying { done, total });
    let (done, sha256) = copy_hashing(src, Some(&mut out), &copied).map_err(io(format!(
        "copying the database out of {}",
        backup.display()
    )))?;
    report(Step::Copying { done, total });
    let file = out
        .into_inner()
        .map_err(|e| io(ctx.clone())(e.into_error()))?;
    if durable {
        file.sync_all().map_err(io(ctx))?;
    }
    if sha256 != header.database_sha256 {
        return Err(bad(
            backup,
            "its contents do not match its checksum (the file is damaged)",
        ));
    }
    Ok(())
}

/// What the checks of an extracted copy read.
struct Verified {
    clinic_name: String,
    counts: Counts,
    audit_entries: u64,
    syncing: Option<SyncingDesktop>,
}

/// Writes what a restored copy of a syncing desktop becomes into the copy, in one transaction.
fn give_identity(tmp: &Path, key: &DbKey, became: RestoredDesktop) -> Result<()> {
    let mut conn = db::connect(tmp, key, Mode::Writer, false)?;
    let tx = conn.transaction()?;
    match became {
        RestoredDesktop::Succeeds { device_id, code } => {
            crate::sync::succeed_device(&tx, device_id, code)?;
        }
        RestoredDesktop::Detached { device_id, code } => {
            crate::sync::detach_device(&tx, device_id, code)?;
        }
    }
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    conn.close().map_err(|(_, e)| StoreError::from(e))?;
    Ok(())
}

/// Opens the extracted copy and runs every check; migrates an older copy to this schema.
fn verify_copy(
    tmp: &Path,
    key: &DbKey,
    database_id: DatabaseId,
    backup: &Path,
) -> Result<Verified> {
    let mut conn = db::connect(tmp, key, Mode::Writer, false).map_err(|e| match e {
        StoreError::NotADatabase => bad(
            backup,
            "it cannot be read with this key: it is from another clinic or damaged",
        ),
        other => other,
    })?;
    db::integrity_check(&conn).map_err(|e| bad(backup, e.to_string()))?;
    db::migrate(&mut conn)?;
    let identity = read_identity(&conn)?;
    if identity.database_id != database_id {
        return Err(bad(
            backup,
            "its header and its database disagree about which clinic it is",
        ));
    }
    let report = audit::verify(&conn, &AuditKey::new(key, identity.database_id))?;
    if let Some(b) = report.first_break {
        return Err(bad(
            backup,
            format!("its audit log is broken at entry {}: {}", b.seq, b.problem),
        ));
    }
    let clinic_name = crate::Reader::new(&conn).clinic()?.name;
    let counts = counts(&conn)?;
    let syncing = crate::sync::syncing_desktop(&conn)?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    conn.close().map_err(|(_, e)| StoreError::from(e))?;
    Ok(Verified {
        clinic_name,
        counts,
        audit_entries: report.verified,
        syncing,
    })
}
