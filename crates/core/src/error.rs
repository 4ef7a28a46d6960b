//! Errors of the use cases. Each has a stable `code` the UI branches on and a message for the
//! person in front of the screen; internal detail goes to the log, not to the message.

use tend_domain::{Action, ValidationError};
use tend_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Validation(#[from] ValidationError),

    #[error("you do not have permission to do this ({action})")]
    Forbidden { action: Action },

    /// The same words whether the username is unknown or the password wrong.
    #[error("the username or password is not right")]
    InvalidCredentials,

    #[error("too many failed sign-ins: try again in {}", seconds(*retry_after_secs))]
    TooManyAttempts { retry_after_secs: i64 },

    #[error(
        "this account is locked after too many failed sign-ins; an administrator can unlock it"
    )]
    AccountLocked,

    #[error("this account is disabled; an administrator can enable it")]
    AccountDisabled,

    /// The signed-in user was disabled, locked or removed since signing in.
    #[error("your session has ended; please sign in again")]
    SessionEnded,

    /// The OS keyring could not supply the database key; ask for the passphrase.
    #[error("{reason}; the clinic passphrase is needed to open it")]
    PassphraseNeeded { reason: String },

    /// The key is right but the database cannot be read: restore a backup.
    #[error(
        "the clinic's database is damaged and cannot be read; restore the latest backup \
         (tend restore FILE)"
    )]
    Damaged,

    /// The patient being registered may already be registered.
    #[error("{}", duplicates_message(.0))]
    PossibleDuplicates(Vec<crate::api::DuplicateDto>),

    /// A booking clashes; booking over it needs an explicit override.
    #[error("{}", conflicts_message(.0))]
    Conflicts(Vec<crate::api::ConflictDto>),

    /// Signing needs a reason for each of these warnings.
    #[error("{}", warnings_message(.0))]
    Warnings(Vec<tend_domain::prescriptions::Warning>),

    #[error("there is no user called {0}")]
    UnknownUser(String),

    /// One item of a form that holds several (a prescription's drugs) is not right; `item`
    /// counts from 1.
    #[error("{}: item {item}: {}", .error.field.replace('_', " "), .error.reason)]
    InItem { item: usize, error: ValidationError },

    #[error("{message}")]
    Refused {
        field: Option<&'static str>,
        message: String,
    },

    #[error(transparent)]
    Store(#[from] StoreError),
}

fn duplicates_message(found: &[crate::api::DuplicateDto]) -> String {
    let list: Vec<String> = found
        .iter()
        .map(|d| {
            format!(
                "{} ({}, born {}; {})",
                d.patient.display_name,
                d.patient.mrn,
                d.patient.birth_date,
                d.reasons.join(", ")
            )
        })
        .collect();
    format!(
        "this may be a patient who is already registered: {}. Open that record, or register \
         anyway if this is someone else",
        list.join("; ")
    )
}

fn conflicts_message(found: &[crate::api::ConflictDto]) -> String {
    let mut lines: Vec<String> = found
        .iter()
        .map(|c| format!("{}: {}", c.at, c.message))
        .collect();
    lines.dedup();
    let shown = lines.len().min(5);
    let more = if lines.len() > shown {
        format!(" (and {} more)", lines.len() - shown)
    } else {
        String::new()
    };
    format!(
        "this booking clashes — {}{more}. Choose another time, or book over it on purpose",
        lines[..shown].join("; ")
    )
}

fn warnings_message(found: &[tend_domain::prescriptions::Warning]) -> String {
    let lines: Vec<String> = found
        .iter()
        .map(|w| format!("[{}] {}", w.severity.as_str(), w.message))
        .collect();
    format!(
        "signing needs a reason for {} warning{}: {}",
        found.len(),
        if found.len() == 1 { "" } else { "s" },
        lines.join(" ")
    )
}

fn seconds(n: i64) -> String {
    if n == 1 {
        "1 second".into()
    } else {
        format!("{n} seconds")
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

impl CoreError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Validation(_) | CoreError::InItem { .. } => "validation",
            CoreError::Forbidden { .. } => "forbidden",
            CoreError::InvalidCredentials => "invalid_credentials",
            CoreError::TooManyAttempts { .. } => "too_many_attempts",
            CoreError::AccountLocked => "account_locked",
            CoreError::AccountDisabled => "account_disabled",
            CoreError::SessionEnded => "session_ended",
            CoreError::PassphraseNeeded { .. } => "passphrase_needed",
            CoreError::Damaged => "damaged",
            CoreError::PossibleDuplicates(_) => "possible_duplicates",
            CoreError::Conflicts(_) => "conflicts",
            CoreError::Warnings(_) => "warnings",
            CoreError::UnknownUser(_) => "not_found",
            CoreError::Refused { .. } => "refused",
            CoreError::Store(e) => match e {
                StoreError::WrongSecret { .. } => "wrong_secret",
                StoreError::NotADatabase => "wrong_key",
                StoreError::TooNew { .. } => "database_too_new",
                StoreError::NoDatabase(_) => "no_clinic",
                StoreError::AlreadyExists(_) => "clinic_exists",
                StoreError::InUse => "in_use",
                StoreError::BadBackup { .. } => "bad_backup",
                StoreError::BackupFolder { .. } => "backup_folder",
                StoreError::BackupRunning => "backup_running",
                StoreError::KeySlots { .. } => "bad_key_slots",
                StoreError::Validation(_) => "validation",
                StoreError::Duplicate { .. } => "duplicate",
                StoreError::NotFound { .. } => "not_found",
                StoreError::Corrupt(_) => "corrupt",
                StoreError::Keyring(_) => "keyring",
                StoreError::Unaudited
                | StoreError::Io { .. }
                | StoreError::Sqlite(_)
                | StoreError::Migration(_) => "internal",
            },
        }
    }

    /// The input this error is about, for putting the message next to it.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            CoreError::Validation(v)
            | CoreError::Store(StoreError::Validation(v))
            | CoreError::InItem { error: v, .. } => Some(v.field),
            CoreError::Store(StoreError::Duplicate { field }) => Some(field),
            CoreError::Refused { field, .. } => *field,
            _ => None,
        }
    }

    /// What is wrong, in words that go beside the field: the message without the field's name
    /// (or the item's number). `None` when the error concerns no field, or its message is
    /// already without one.
    pub fn reason(&self) -> Option<String> {
        match self {
            CoreError::Validation(v)
            | CoreError::Store(StoreError::Validation(v))
            | CoreError::InItem { error: v, .. } => Some(v.reason.clone()),
            _ => None,
        }
    }

    /// Which item of a form of several the error concerns, counting from 1.
    pub fn item(&self) -> Option<usize> {
        match self {
            CoreError::InItem { item, .. } => Some(*item),
            _ => None,
        }
    }

    /// The message for a person. Internal failures get a general sentence; their detail is
    /// logged here, once.
    pub fn user_message(&self) -> String {
        match self {
            CoreError::Store(StoreError::Duplicate { field }) => {
                format!("that {} is already taken", field.replace('_', " "))
            }
            CoreError::Refused { message, .. } => message.clone(),
            CoreError::Validation(v) | CoreError::Store(StoreError::Validation(v)) => {
                format!("{}: {}", v.field.replace('_', " "), v.reason)
            }
            e if e.code() == "internal" => {
                tracing::error!(error = %e, "internal error");
                "something went wrong while saving or reading the clinic's data; nothing was \
                 half-saved, and the details are in the log"
                    .into()
            }
            e => e.to_string(),
        }
    }

    pub(crate) fn refused(field: Option<&'static str>, message: impl Into<String>) -> Self {
        CoreError::Refused {
            field,
            message: message.into(),
        }
    }
}
