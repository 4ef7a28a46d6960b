//! The shapes the UI and the CLI's `--json` see. Domain types become these at this edge, so the
//! wire shape can stay still while the domain moves.

mod audit;
mod backup;
mod billing;
mod chart;
mod desktop;
pub mod forms;
mod patients;
mod prescriptions;
mod schedule;
mod sync;

pub use audit::*;
pub use backup::*;
pub use billing::*;
pub use chart::*;
pub use desktop::*;
pub use patients::*;
pub use prescriptions::*;
pub use schedule::*;
pub use sync::*;

use std::collections::BTreeMap;

use serde::Serialize;
use tend_domain::{User, UserId, Words};

use crate::error::CoreError;

/// An error as the UI receives it: a stable code to branch on, a message for a person (in
/// English, and as a template with its values for a translation), the field it concerns when
/// there is one, and for a refused booking each conflict (to show inline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
    /// The words beside the field, and the message and those words as templates with their
    /// values, for a translation.
    #[serde(flatten)]
    #[ts(flatten)]
    pub text: Box<ErrorText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<&'static str>,
    /// For a form of several items (a prescription's drugs): the one it concerns, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub item: Option<u16>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    #[ts(as = "Option<Vec<ConflictDto>>", optional)]
    pub conflicts: Box<[ConflictDto]>,
    /// For a prescription refused at signing: each warning that needs a reason.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    #[ts(as = "Option<Vec<WarningDto>>", optional)]
    pub warnings: Box<[WarningDto]>,
}

/// The words of an [`ApiError`] beyond its message: the reason that goes beside the field, and
/// what a translation needs (the message and the reason with `{name}` placeholders, which are
/// the English text a translation is found by, and the values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ErrorText {
    /// What is wrong in words that go beside the field: the message without the field's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    pub template: String,
    /// The reason (the words beside the field) with placeholders, filled from `params`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason_template: Option<String>,
    #[ts(type = "Record<string, string>")]
    pub params: BTreeMap<&'static str, String>,
}

impl ErrorText {
    fn of(words: &Words, reason: Option<&Words>) -> Box<ErrorText> {
        Box::new(ErrorText {
            reason: reason.map(Words::english),
            template: words.template().to_owned(),
            reason_template: reason.map(|w| w.template().to_owned()),
            params: words.params().iter().cloned().collect(),
        })
    }
}

/// Which secret opens the clinic's key where the keyring cannot: the clinic passphrase or the
/// recovery key printed at set-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum UnlockWith {
    Passphrase,
    RecoveryKey,
}

impl UnlockWith {
    pub fn unlock(self, secret: &str) -> crate::clinic::Unlock<'_> {
        match self {
            UnlockWith::Passphrase => crate::clinic::Unlock::Passphrase(secret),
            UnlockWith::RecoveryKey => crate::clinic::Unlock::RecoveryKey(secret),
        }
    }
}

impl ApiError {
    /// An error raised outside the use cases (the desktop's own states).
    pub fn new(code: &'static str, words: impl Into<Words>) -> Self {
        let words = words.into();
        ApiError {
            code,
            message: words.english(),
            text: ErrorText::of(&words, None),
            field: None,
            item: None,
            conflicts: Box::default(),
            warnings: Box::default(),
        }
    }
}

impl From<&CoreError> for ApiError {
    fn from(e: &CoreError) -> Self {
        let words = e.words();
        if e.code() == "internal" {
            tracing::error!(error = %e, "internal error");
        }
        ApiError {
            code: e.code(),
            field: e.field(),
            item: e.item().and_then(|n| u16::try_from(n).ok()),
            message: words.english(),
            text: ErrorText::of(&words, e.reason_words()),
            conflicts: match e {
                CoreError::Conflicts(list) => list.clone().into_boxed_slice(),
                _ => Box::default(),
            },
            warnings: match e {
                CoreError::Warnings(list) => list.iter().map(WarningDto::from).collect(),
                _ => Box::default(),
            },
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError::from(&e)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct UserDto {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<&'static str>,
    pub licence_number: Option<String>,
    pub disabled: bool,
    pub locked: bool,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        UserDto {
            id: u.id,
            username: u.username.to_string(),
            display_name: u.display_name.clone(),
            roles: u.roles.iter().map(|r| r.as_str()).collect(),
            licence_number: u.licence_number.clone(),
            disabled: u.disabled,
            locked: u.locked,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SessionDto {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<&'static str>,
}

impl From<&crate::Session> for SessionDto {
    fn from(s: &crate::Session) -> Self {
        SessionDto {
            user_id: s.user_id(),
            username: s.username().to_string(),
            display_name: s.display_name().to_owned(),
            roles: s.roles().iter().map(|r| r.as_str()).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ClinicDto {
    pub name: String,
    pub timezone: String,
    pub currency: String,
    /// `metric` or `us`.
    pub units: String,
    pub device_code: String,
    pub schema_version: i64,
    /// The letterhead printed on documents: address lines joined by newlines.
    pub address: String,
    pub phone: String,
    pub registration: String,
    /// `a4`, `letter` or `a5`.
    pub paper: String,
    pub has_logo: bool,
    /// How money and dates are written: `es-ES`.
    pub locale: String,
    /// The tax number printed on invoices.
    pub tax_id: String,
    /// Printed at the foot of invoices, receipts and statements.
    pub invoice_footer: String,
    /// Minutes untouched before a desktop locks.
    pub idle_lock_minutes: i64,
    /// Minutes a break-glass opening of a chart lasts.
    pub break_glass_minutes: i64,
    /// This desktop keeps its database key in the OS keyring.
    pub keyring: bool,
}

/// What every screen of the desktop needs once someone has signed in: who they are, what they
/// may do (the action names of the permission table), and how the clinic writes dates, numbers
/// and money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DeskDto {
    pub user: SessionDto,
    #[ts(type = "Array<Permission>")]
    pub can: Vec<&'static str>,
    pub clinic_name: String,
    pub timezone: String,
    pub currency: String,
    pub locale: String,
    /// Whether the locale groups a four-digit amount (`1.234,50 €`) or only five digits and more
    /// (`1234,50 €`), as the paper's engine says: the page gives it to `Intl`, whose platform
    /// ICU may be older than the paper's CLDR (WebKitGTK on Debian 12 still groups Italian).
    pub groups_four_digits: bool,
    pub units: String,
    /// Today where the clinic is: `2026-11-24`.
    pub today: String,
    pub device_code: String,
    pub idle_lock_minutes: i64,
    /// How long a break-glass opening lasts, for the form that offers one.
    pub break_glass_minutes: i64,
    /// What the quick audit check found at open, for an admin to see.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub audit_warning: Option<String>,
}
