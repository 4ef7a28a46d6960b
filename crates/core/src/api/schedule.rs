//! The schedule as the UI and `--json` see it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tend_domain::schedule::{AppointmentStatus, ConflictKind};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AppointmentDto {
    pub id: Uuid,
    pub patient_mrn: String,
    pub patient_name: String,
    pub patient_phone: Option<String>,
    pub provider_id: Uuid,
    pub provider: String,
    pub room: Option<String>,
    pub type_name: String,
    pub colour: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Local to the clinic: `2026-11-25 09:00`.
    pub local_start: String,
    pub local_end: String,
    pub status: AppointmentStatus,
    pub series_id: Option<Uuid>,
    pub note: Option<String>,
    pub cancel_reason: Option<String>,
    /// Conflicts it was booked over on purpose.
    pub overrides: Vec<ConflictKind>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// One clinician's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ProviderDayDto {
    pub provider_id: Uuid,
    pub provider: String,
    /// What booking and filters take.
    pub username: String,
    /// Working hours, local: `09:00-14:00`.
    pub hours: Vec<String>,
    pub breaks: Vec<String>,
    pub day_off: bool,
    pub appointments: Vec<AppointmentDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DayDto {
    pub date: NaiveDate,
    pub timezone: String,
    pub providers: Vec<ProviderDayDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SlotDto {
    pub provider_id: Uuid,
    pub provider: String,
    pub room: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub local_start: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConflictDto {
    pub kind: ConflictKind,
    pub message: &'static str,
    /// The occurrence it concerns, local, for a series.
    pub at: String,
    pub with: Option<Uuid>,
}

/// What a booking or move did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BookedDto {
    pub appointments: Vec<AppointmentDto>,
    pub series_id: Option<Uuid>,
    /// Conflicts booked over (only with an explicit override).
    pub overridden: Vec<ConflictDto>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct QueueEntryDto {
    /// 1 for the patient who arrived first.
    pub position: usize,
    pub appointment: AppointmentDto,
    pub arrived_at: DateTime<Utc>,
    pub waiting_minutes: i64,
    /// Minutes after the booked time they arrived (negative: early).
    pub late_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct WaitlistDto {
    pub id: Uuid,
    pub patient_mrn: String,
    pub patient_name: String,
    pub patient_phone: Option<String>,
    pub provider: Option<String>,
    pub type_name: String,
    /// In words: `mon,wed 09:00-12:00 from 2026-11-25`.
    pub preference: String,
    pub note: Option<String>,
    pub since: DateTime<Utc>,
    pub waiting_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderDto {
    pub local_start: String,
    pub patient_mrn: String,
    pub patient_name: String,
    pub phone: Option<String>,
    pub provider: String,
    pub type_name: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RoomDto {
    pub id: Uuid,
    pub name: String,
    /// `mon-fri 08:00-20:00`.
    pub hours: String,
    pub breaks: String,
}

/// A clinician's week (`hours` empty when it has not been set: they cannot be booked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderHoursDto {
    pub provider_id: Uuid,
    pub username: String,
    pub provider: String,
    pub hours: String,
    pub breaks: String,
}

/// A day off or extra hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionDto {
    pub id: Uuid,
    pub date: NaiveDate,
    /// A clinician's or room's name, or `whole clinic`.
    pub applies_to: String,
    /// `None` for a day off; `16:00-19:00` for extra hours.
    pub extra_hours: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AppointmentTypeDto {
    pub id: Uuid,
    pub name: String,
    pub minutes: u32,
    pub colour: String,
    pub needs_room: bool,
}
