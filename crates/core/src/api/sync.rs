//! Sync as the badge, the Sync screen and `tend sync --json` see it: status, problems, conflicts,
//! devices, pairing codes, the quarantine.

use serde::Serialize;

/// Where this desktop's sync stands, for the status badge and the sync screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncStatusDto {
    /// Whether a server is configured at all.
    pub configured: bool,
    pub server: Option<String>,
    pub device_code: String,
    /// RFC 3339 of the last round that finished.
    pub last_ok: Option<String>,
    /// What stopped the last round, if it failed after the last success.
    pub last_error: Option<String>,
    /// This desktop's changes the server has not acknowledged.
    pub pending: u64,
    pub cursor: u64,
    pub conflicts: u64,
    pub safety_conflicts: u64,
    /// What is wrong with sync though rounds finish, in words, most serious first.
    pub problems: Vec<SyncProblemDto>,
    /// Plain http to a server on the clinic's network, as an admin allowed: the badge says so.
    pub insecure: bool,
    /// The desktop trusts only the clinic's own server certificate (its pin).
    pub pinned: bool,
}

/// Something wrong with sync that a finished round does not show: changes that did not open,
/// changes the server has not sent, another desktop's clock far ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncProblemDto {
    /// `missing`, `quarantine` or `clock_ahead`.
    pub kind: &'static str,
    /// Shown as an error (changes may be missing here) rather than a warning.
    pub serious: bool,
    pub message: String,
}

/// An envelope kept in quarantine, for the admin's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct QuarantinedDto {
    pub cursor: u64,
    pub change_id: String,
    /// The desktop it came from, as people read it.
    pub device: String,
    pub device_seq: u64,
    pub reason: String,
    pub at: String,
}

/// A one-time pairing code for another desktop of this clinic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PairingCodeDto {
    pub code: String,
    pub expires_at: String,
}

/// One value of a conflicting field, as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConflictValueDto {
    pub change_id: String,
    pub value: String,
    /// Who made the edit and on which desktop, when.
    pub by: String,
    pub device: String,
    pub at: String,
    pub shown: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncConflictDto {
    pub id: String,
    pub entity: String,
    pub record_id: String,
    /// The patient the record belongs to, when it is about one, so the list can name them.
    pub patient_id: Option<String>,
    pub patient: Option<String>,
    pub mrn: Option<String>,
    pub field: String,
    pub safety: bool,
    /// Whether the person asking may choose the value (the permission to write the field and
    /// to read it); the list says who can otherwise.
    pub can_settle: bool,
    pub values: Vec<ConflictValueDto>,
}

/// A device of the clinic as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DeviceDto {
    pub device_id: String,
    pub code: String,
    pub name: Option<String>,
    pub registered_at: String,
    pub revoked_at: Option<String>,
    pub last_seen_at: Option<String>,
    pub this_desktop: bool,
    /// May pair desktops, revoke them and change the clinic key.
    pub manager: bool,
}

/// What changing the clinic key did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RotatedDto {
    pub epoch: u32,
}
