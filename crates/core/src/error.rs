//! Errors of the use cases. Each has a stable `code` the UI branches on and a message for the
//! person in front of the screen; internal detail goes to the log, not to the message.

use tend_domain::{Action, ValidationError, Words, words};
use tend_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Validation(#[from] ValidationError),

    #[error("{}", self.words())]
    Forbidden { action: Action },

    /// The same words whether the username is unknown or the password wrong.
    #[error("{}", self.words())]
    InvalidCredentials,

    #[error("{}", self.words())]
    TooManyAttempts { retry_after_secs: i64 },

    #[error("{}", self.words())]
    AccountLocked,

    #[error("{}", self.words())]
    AccountDisabled,

    /// The signed-in user was disabled, locked or removed since signing in.
    #[error("{}", self.words())]
    SessionEnded,

    /// The OS keyring could not supply the database key; ask for the passphrase.
    #[error("{}", self.words())]
    PassphraseNeeded { reason: String },

    /// The key is right but the database cannot be read: restore a backup.
    #[error("{}", self.words())]
    Damaged,

    /// The patient being registered may already be registered.
    #[error("{}", self.words())]
    PossibleDuplicates(Vec<crate::api::DuplicateDto>),

    /// A booking clashes; booking over it needs an explicit override.
    #[error("{}", self.words())]
    Conflicts(Vec<crate::api::ConflictDto>),

    /// Signing needs a reason for each of these warnings.
    #[error("{}", self.words())]
    Warnings(Vec<tend_domain::prescriptions::Warning>),

    #[error("{}", self.words())]
    UnknownUser(String),

    /// One item of a form that holds several (a prescription's drugs) is not right; `item`
    /// counts from 1.
    #[error("{}", self.words())]
    InItem { item: usize, error: ValidationError },

    /// A use case will not do what was asked, for a reason a person can act on. `code` is stable
    /// and names the reason (`no_such_patient`, `not_today`), so the page can branch on it;
    /// `words` carry the template and values a translation needs.
    #[error("{words}")]
    Refused {
        code: &'static str,
        field: Option<&'static str>,
        words: Words,
    },

    #[error(transparent)]
    Store(#[from] StoreError),
}

fn duplicates_words(found: &[crate::api::DuplicateDto]) -> Words {
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
    words!(
        "this may be a patient who is already registered: {patients}. Open that record, or \
         register anyway if this is someone else",
        patients = list.join("; ")
    )
}

fn conflicts_words(found: &[crate::api::ConflictDto]) -> Words {
    let mut lines: Vec<String> = found
        .iter()
        .map(|c| format!("{}: {}", c.at, c.message))
        .collect();
    lines.dedup();
    let shown = lines.len().min(5);
    let clashes = lines[..shown].join("; ");
    if lines.len() > shown {
        words!(
            "this booking clashes — {clashes} (and {more} more). Choose another time, or book \
             over it on purpose",
            clashes = clashes,
            more = lines.len() - shown
        )
    } else {
        words!(
            "this booking clashes — {clashes}. Choose another time, or book over it on purpose",
            clashes = clashes
        )
    }
}

fn warnings_words(found: &[tend_domain::prescriptions::Warning]) -> Words {
    let lines: Vec<String> = found
        .iter()
        .map(|w| format!("[{}] {}", w.severity.as_str(), w.message))
        .collect();
    let warnings = lines.join(" ");
    if found.len() == 1 {
        words!(
            "signing needs a reason for 1 warning: {warnings}",
            warnings = warnings
        )
    } else {
        words!(
            "signing needs a reason for {n} warnings: {warnings}",
            n = found.len(),
            warnings = warnings
        )
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
            CoreError::Refused { code, .. } => code,
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

    /// What is wrong in words that go beside the field: the message without the field's name
    /// (or the item's number); its values are among those of [`words`](Self::words). `None`
    /// when the error concerns no field, or its message is already without one.
    pub fn reason_words(&self) -> Option<&Words> {
        match self {
            CoreError::Validation(v)
            | CoreError::Store(StoreError::Validation(v))
            | CoreError::InItem { error: v, .. } => Some(&v.reason),
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

    /// What went wrong, for a person: the template a translation is found by and the values
    /// that fill it. Internal failures get a general sentence.
    pub fn words(&self) -> Words {
        match self {
            CoreError::Validation(v) | CoreError::Store(StoreError::Validation(v)) => v.words(),
            CoreError::Forbidden { action } => words!(
                "you do not have permission to do this ({action})",
                action = action
            ),
            CoreError::InvalidCredentials => "the username or password is not right".into(),
            CoreError::TooManyAttempts {
                retry_after_secs: 1,
            } => "too many failed sign-ins: try again in 1 second".into(),
            CoreError::TooManyAttempts { retry_after_secs } => words!(
                "too many failed sign-ins: try again in {seconds} seconds",
                seconds = retry_after_secs
            ),
            CoreError::AccountLocked => "this account is locked after too many failed sign-ins; \
                                         an administrator can unlock it"
                .into(),
            CoreError::AccountDisabled => {
                "this account is disabled; an administrator can enable it".into()
            }
            CoreError::SessionEnded => "your session has ended; please sign in again".into(),
            CoreError::PassphraseNeeded { reason } => words!(
                "{reason}; the clinic passphrase is needed to open it",
                reason = reason
            ),
            CoreError::Damaged => "the clinic's database is damaged and cannot be read; restore \
                                   the latest backup (tend restore FILE)"
                .into(),
            CoreError::PossibleDuplicates(found) => duplicates_words(found),
            CoreError::Conflicts(found) => conflicts_words(found),
            CoreError::Warnings(found) => warnings_words(found),
            CoreError::UnknownUser(name) => {
                words!("there is no user called {username}", username = name)
            }
            CoreError::InItem { item, error } => error.reason.prefixed(
                "{field}: item {item}: ",
                vec![
                    ("field", error.field.replace('_', " ")),
                    ("item", item.to_string()),
                ],
            ),
            CoreError::Refused { words, .. } => words.clone(),
            CoreError::Store(StoreError::Duplicate { field }) => words!(
                "that {field} is already taken",
                field = field.replace('_', " ")
            ),
            e if e.code() == "internal" => {
                "something went wrong while saving or reading the clinic's data; nothing was \
                 half-saved, and the details are in the log"
                    .into()
            }
            // The store's messages name files and folders, which are the values here.
            CoreError::Store(e) => Words::verbatim(e.to_string()),
        }
    }

    /// The message for a person, in English. Internal failures get a general sentence; their
    /// detail is logged here, once.
    pub fn user_message(&self) -> String {
        if self.code() == "internal" {
            tracing::error!(error = %self, "internal error");
        }
        self.words().english()
    }

    pub(crate) fn refused(
        code: &'static str,
        field: Option<&'static str>,
        words: impl Into<Words>,
    ) -> Self {
        CoreError::Refused {
            code,
            field,
            words: words.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApiError;

    /// The page translates by template and fills in the values; it must get back exactly the
    /// English words when no catalog has the template.
    fn filled(template: &str, params: &std::collections::BTreeMap<&str, String>) -> String {
        params
            .iter()
            .fold(template.to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }

    #[test]
    fn a_refusal_carries_its_code_field_template_and_values() {
        let mrn = "MRN-0042";
        let e = CoreError::refused(
            "no_such_patient",
            Some("mrn"),
            words!("there is no patient {mrn}", mrn = mrn),
        );
        let api = ApiError::from(&e);
        assert_eq!(api.code, "no_such_patient");
        assert_eq!(api.field, Some("mrn"));
        assert_eq!(api.message, "there is no patient MRN-0042");
        assert_eq!(api.text.template, "there is no patient {mrn}");
        assert_eq!(api.text.params.get("mrn").map(String::as_str), Some(mrn));
        assert_eq!(filled(&api.text.template, &api.text.params), api.message);
    }

    #[test]
    fn a_field_error_has_the_reason_and_the_whole_message_as_templates() {
        let e = CoreError::from(
            tend_domain::error::required_text("family_name", &"x".repeat(9), 5).unwrap_err(),
        );
        let api = ApiError::from(&e);
        assert_eq!(api.code, "validation");
        assert_eq!(api.message, "family name: must be at most 5 characters");
        assert_eq!(
            api.text.template,
            "{field}: must be at most {max_chars} characters"
        );
        assert_eq!(
            api.text.reason.as_deref(),
            Some("must be at most 5 characters")
        );
        let reason = api.text.reason_template.as_deref().unwrap();
        assert_eq!(
            filled(reason, &api.text.params),
            "must be at most 5 characters"
        );
        assert_eq!(filled(&api.text.template, &api.text.params), api.message);

        let item = CoreError::InItem {
            item: 2,
            error: ValidationError::new("dose", "write an amount"),
        };
        let api = ApiError::from(&item);
        assert_eq!(api.message, "dose: item 2: write an amount");
        assert_eq!(filled(&api.text.template, &api.text.params), api.message);
    }

    #[test]
    fn every_error_without_a_value_has_its_message_as_its_template() {
        for e in [
            CoreError::InvalidCredentials,
            CoreError::AccountLocked,
            CoreError::SessionEnded,
            CoreError::Damaged,
            CoreError::TooManyAttempts {
                retry_after_secs: 1,
            },
        ] {
            let api = ApiError::from(&e);
            assert_eq!(api.text.template, api.message, "{}", api.code);
            assert_eq!(api.message, e.to_string());
        }
        let wait = ApiError::from(&CoreError::TooManyAttempts {
            retry_after_secs: 30,
        });
        assert_eq!(
            wait.message,
            "too many failed sign-ins: try again in 30 seconds"
        );
        assert_eq!(filled(&wait.text.template, &wait.text.params), wait.message);
    }
}
