//! The scheduling records as plain data: rooms, appointment types, providers' weeks,
//! appointments, series and waitlist entries.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use super::{
    AppointmentId, AppointmentStatus, AppointmentTypeId, ConflictKind, Interval, Preference,
    RecurrenceRule, RoomId, SeriesId, WaitlistId, WeeklyHours,
};
use crate::ValidationError;
use crate::ids::UserId;
use crate::patients::PatientId;
use crate::words;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    pub hours: WeeklyHours,
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppointmentType {
    pub id: AppointmentTypeId,
    pub name: String,
    pub minutes: u32,
    /// `#RRGGBB`, shown on the calendar.
    pub colour: String,
    pub needs_room: bool,
    pub archived: bool,
}

impl AppointmentType {
    /// Checks the type form.
    pub fn parse(
        id: AppointmentTypeId,
        name: &str,
        minutes: u32,
        colour: &str,
        needs_room: bool,
    ) -> Result<Self, ValidationError> {
        let name = crate::error::required_text("name", name, 60)?;
        if !(5..=480).contains(&minutes) {
            return Err(ValidationError::new("minutes", "must be between 5 and 480"));
        }
        let colour = colour.trim().to_ascii_lowercase();
        let valid = colour.len() == 7
            && colour.starts_with('#')
            && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !valid {
            return Err(ValidationError::new(
                "colour",
                words!(
                    "\"{colour}\" is not a colour such as #3b82f6",
                    colour = colour
                ),
            ));
        }
        Ok(AppointmentType {
            id,
            name,
            minutes,
            colour,
            needs_room,
            archived: false,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appointment {
    pub id: AppointmentId,
    pub patient_id: PatientId,
    pub provider_id: UserId,
    pub room_id: Option<RoomId>,
    pub type_id: AppointmentTypeId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: AppointmentStatus,
    pub series_id: Option<SeriesId>,
    /// Which occurrence of its series (0 is the first).
    pub series_index: Option<u32>,
    pub note: Option<String>,
    pub cancel_reason: Option<String>,
    /// Conflicts the booking was made over, on purpose.
    pub overrides: Vec<ConflictKind>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub booked_by: UserId,
}

impl Appointment {
    pub fn interval(&self) -> Interval {
        Interval::new(self.starts_at, self.ends_at)
    }
}

/// A recurring series: its rule and where its generated appointments reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    pub id: SeriesId,
    pub patient_id: PatientId,
    pub provider_id: UserId,
    pub room_id: Option<RoomId>,
    pub type_id: AppointmentTypeId,
    pub rule: RecurrenceRule,
    /// The first occurrence, local to the clinic.
    pub first_start: NaiveDateTime,
    pub minutes: u32,
    pub note: Option<String>,
    /// Appointments exist for every occurrence up to this day.
    pub generated_through: NaiveDate,
    /// No further occurrences (cancelled from some point, or split).
    pub ended: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistStatus {
    Waiting,
    Booked,
    Removed,
}

impl WaitlistStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "waiting",
            WaitlistStatus::Booked => "booked",
            WaitlistStatus::Removed => "removed",
        }
    }
}

impl std::str::FromStr for WaitlistStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "waiting" => Ok(WaitlistStatus::Waiting),
            "booked" => Ok(WaitlistStatus::Booked),
            "removed" => Ok(WaitlistStatus::Removed),
            _ => Err(ValidationError::new("status", "is not a waitlist status")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitlistEntry {
    pub id: WaitlistId,
    pub patient_id: PatientId,
    /// A particular clinician, or any.
    pub provider_id: Option<UserId>,
    pub type_id: AppointmentTypeId,
    pub preference: Preference,
    pub note: Option<String>,
    pub status: WaitlistStatus,
    pub since: DateTime<Utc>,
    pub appointment_id: Option<AppointmentId>,
}
