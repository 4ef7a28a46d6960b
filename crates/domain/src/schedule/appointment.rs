//! The life of an appointment: booked, then checked in, started and completed; or cancelled,
//! or a no-show. Every move is checked here, so a cancelled visit can never be completed.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ValidationError;
use crate::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
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
                words!(
                    "an appointment that is {state} cannot be {what}",
                    state = state,
                    what = what
                ),
            ));
        }
    };
    Ok(to)
}

/// Why a step the appointment's state allows is refused at this moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotNow {
    /// A no-show is only for an appointment that has started without the patient.
    NotStarted,
    /// A check-in is only on the appointment's own day, where the clinic is.
    NotToday,
}

/// The rules of time on the steps of an appointment starting at `starts_at`, at `now`, in the
/// clinic's zone: a no-show once it has started, a check-in only on its day. Every other step
/// may happen at any time its state allows.
pub fn in_time(
    t: Transition,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(), NotNow> {
    match t {
        Transition::NoShow if now < starts_at => Err(NotNow::NotStarted),
        Transition::CheckIn
            if starts_at.with_timezone(&tz).date_naive() != now.with_timezone(&tz).date_naive() =>
        {
            Err(NotNow::NotToday)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod time_tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn a_no_show_waits_for_the_start_and_a_check_in_for_the_day_where_the_clinic_is() {
        let madrid: Tz = "Europe/Madrid".parse().unwrap();
        let honolulu: Tz = "Pacific/Honolulu".parse().unwrap();
        // 09:00 in Madrid on 24 November (08:00 UTC).
        let start = at(2026, 11, 24, 8, 0);
        let cases = [
            (
                Transition::NoShow,
                at(2026, 11, 24, 7, 59),
                madrid,
                Err(NotNow::NotStarted),
            ),
            (Transition::NoShow, start, madrid, Ok(())),
            (Transition::NoShow, at(2026, 11, 30, 8, 0), madrid, Ok(())),
            // The morning of the day, and 23:59 local (22:59 UTC) still the same day.
            (Transition::CheckIn, at(2026, 11, 24, 6, 0), madrid, Ok(())),
            (
                Transition::CheckIn,
                at(2026, 11, 24, 22, 59),
                madrid,
                Ok(()),
            ),
            // 00:30 local on the 25th is 23:30 UTC on the 24th: another day in Madrid.
            (
                Transition::CheckIn,
                at(2026, 11, 24, 23, 30),
                madrid,
                Err(NotNow::NotToday),
            ),
            (
                Transition::CheckIn,
                at(2026, 11, 23, 12, 0),
                madrid,
                Err(NotNow::NotToday),
            ),
            // 11:00 UTC is the start's day in Madrid (12:00 and 09:00 on the 24th), but not in
            // Honolulu (01:00 on the 24th, where the start was 22:00 on the 23rd).
            (Transition::CheckIn, at(2026, 11, 24, 11, 0), madrid, Ok(())),
            (
                Transition::CheckIn,
                at(2026, 11, 24, 11, 0),
                honolulu,
                Err(NotNow::NotToday),
            ),
            // Cancelling, moving, starting and completing have no rule of time.
            (Transition::Cancel, at(2026, 11, 1, 0, 0), madrid, Ok(())),
            (
                Transition::Reschedule,
                at(2026, 12, 1, 0, 0),
                madrid,
                Ok(()),
            ),
            (Transition::Start, at(2026, 11, 23, 0, 0), madrid, Ok(())),
            (
                Transition::UndoCheckIn,
                at(2026, 11, 25, 0, 0),
                madrid,
                Ok(()),
            ),
        ];
        for (t, now, tz, expected) in cases {
            assert_eq!(
                in_time(t, start, now, tz),
                expected,
                "{t:?} at {now} in {tz}"
            );
        }
    }
}
