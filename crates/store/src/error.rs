//! What can go wrong in the store, as variants a caller can branch on. Messages never carry SQL,
//! file contents or patient data; paths appear only where the user gave them.

use std::path::PathBuf;

use tend_domain::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The passphrase or recovery key did not unlock the key slot.
    #[error("the {what} is not right for this clinic")]
    WrongSecret { what: &'static str },

    /// SQLCipher could not read the database with the key: the key is for another database or
    /// the file is damaged.
    #[error(
        "the database cannot be read with this key: it belongs to another clinic or is damaged"
    )]
    NotADatabase,

    #[error(
        "this database was written by a newer version of Tend (schema {found}; this version \
         knows up to {supported}); update Tend to open it. The database was not changed"
    )]
    TooNew { found: i64, supported: i64 },

    #[error("no clinic database in {0}")]
    NoDatabase(PathBuf),

    #[error("a clinic database already exists in {0}")]
    AlreadyExists(PathBuf),

    /// Another Tend holds the database in a way that prevents this operation (a restore while
    /// the app is open).
    #[error("the database is in use by another Tend; close it and try again")]
    InUse,

    #[error("the key-slot file (tend.keys) is not usable: {reason}")]
    KeySlots { reason: String },

    /// A backup folder that is missing, full, read-only or not a folder.
    #[error("the backup folder {folder} {reason}")]
    BackupFolder { folder: PathBuf, reason: String },

    /// A backup of this database is being written already (by this app or `tend backup run`).
    #[error("a backup is being written already; try again when it has finished")]
    BackupRunning,

    #[error("the backup {path} is not usable: {reason}")]
    BadBackup { path: PathBuf, reason: String },

    #[error(transparent)]
    Validation(#[from] ValidationError),

    /// A unique value (such as a username) is already taken.
    #[error("{field}: this value is already taken")]
    Duplicate { field: &'static str },

    #[error("no {entity} with that id")]
    NotFound { entity: &'static str },

    /// The integrity checks of SQLite, SQLCipher or the audit chain failed.
    #[error("the database failed its integrity check: {0}")]
    Corrupt(String),

    /// A write recorded changes without an audit entry: a bug in the caller, refused so the
    /// audit log never misses a write.
    #[error("internal error: a write was not audited")]
    Unaudited,

    #[error("the OS keyring failed: {0}")]
    Keyring(String),

    #[error("file error: {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("migration error: {0}")]
    Migration(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}
