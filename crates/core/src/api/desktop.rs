//! What the desktop's first screens see: where the desktop stands, the clinic just set up, a
//! printed document held for the preview.

use serde::Serialize;

use super::DeskDto;

/// Where the desktop stands, for the first screen it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StartDto {
    /// `setup`, `unlock` or `sign_in`.
    #[ts(type = "\"setup\" | \"unlock\" | \"sign_in\"")]
    pub stage: &'static str,
    /// Why the passphrase is asked for (no keyring, or its key does not fit).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
    /// The clinic's name once it is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub clinic_name: Option<String>,
}

/// A printed document held for the preview: its bytes are fetched separately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DocumentDto {
    pub id: u64,
    pub number: String,
    pub file_name: String,
    pub pages: usize,
}

/// The clinic just set up, with its recovery sheet ready to print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SetUpDto {
    pub desk: DeskDto,
    pub recovery_sheet: DocumentDto,
    /// Whether the OS keyring took the key (otherwise the passphrase is asked at every start).
    pub keyring_saved: bool,
}

/// What the background sync is doing, for the status badge and the progress of a large pull.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncActivityDto {
    pub running: bool,
    /// Changes pulled so far in the round running, and how many the server holds in all.
    pub pulled: u64,
    pub cursor: u64,
    pub head: u64,
}
