//! The life of an appointment: booked, then checked in, started and completed; or cancelled,
//! or a no-show. Every move is checked here, so a cancelled visit can never be completed.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    /// The patient has arrived and is waiting.
    CheckedIn,
    /// With the clinician.
    InProgress,
    Completed,
    Cancelled,
    NoShow,
}

impl AppointmentStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::InProgress => "in_progress",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    /// Whether the appointment still takes up its slot.
    pub const fn occupies(self) -> bool {
        !matches!(
            self,
            AppointmentStatus::Cancelled | AppointmentStatus::NoShow
        )
    }
}

impl std::str::FromStr for AppointmentStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            AppointmentStatus::Booked,
            AppointmentStatus::CheckedIn,
            AppointmentStatus::InProgress,
            AppointmentStatus::Completed,
            AppointmentStatus::Cancelled,
            AppointmentStatus::NoShow,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
        .ok_or_else(|| ValidationError::new("status", "is not an appointment status"))
    }
}

/// What someone does to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Reschedule,
    Cancel,
    NoShow,
    CheckIn,
    /// Undo a check-in made by mistake.
    UndoCheckIn,
    Start,
    Complete,
}

/// The status after `t`, or why `t` is not possible from `from`.
pub fn transition(
    from: AppointmentStatus,
    t: Transition,
) -> Result<AppointmentStatus, ValidationError> {
    use AppointmentStatus as S;
    use Transition as T;
    let to = match (from, t) {
        (S::Booked, T::Reschedule) => S::Booked,
        (S::Booked | S::CheckedIn, T::Cancel) => S::Cancelled,
        (S::Booked, T::NoShow) => S::NoShow,
        (S::Booked, T::CheckIn) => S::CheckedIn,
        (S::CheckedIn, T::UndoCheckIn) => S::Booked,
        (S::Booked | S::CheckedIn, T::Start) => S::InProgress,
        (S::InProgress, T::Complete) => S::Completed,
        _ => {
            let what = match t {
                T::Reschedule => "moved",
                T::Cancel => "cancelled",
                T::NoShow => "marked as a no-show",
                T::CheckIn => "checked in",
                T::UndoCheckIn => "un-checked-in",
                T::Start => "started",
                T::Complete => "completed",
            };
            let state = match from {
                S::Booked => "booked",
                S::CheckedIn => "checked in",
                S::InProgress => "in progress",
                S::Completed => "completed",
                S::Cancelled => "cancelled",
                S::NoShow => "a no-show",
            };
            return Err(ValidationError::new(
                "status",
                format!("an appointment that is {state} cannot be {what}"),
            ));
        }
    };
    Ok(to)
}
