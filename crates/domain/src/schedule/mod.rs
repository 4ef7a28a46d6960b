//! Scheduling, as pure rules: working hours and exceptions, the life of an appointment,
//! conflicts, free slots, recurring series, waitlist matching and reminder messages.
//!
//! Instants are UTC. Wall-clock times ("9:00 on Mondays") are local to the clinic's time zone
//! and become instants only through [`to_utc`], which settles the two odd hours a year that
//! daylight-saving time makes: a time that does not exist is moved past the gap, and a time that
//! happens twice is taken the first time.

mod appointment;
mod conflict;
mod free;
mod hours;
mod records;
mod recurrence;
mod waitlist;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use appointment::{AppointmentStatus, NotNow, Transition, in_time, transition};
pub use conflict::{Booking, Conflict, ConflictKind, conflicts};
pub use free::{FreeSlotQuery, free_slots};
pub use hours::{
    Availability, DayRule, ExceptionKind, ScheduleException, WeeklyHours, availability,
};
pub use records::{Appointment, AppointmentType, Room, Series, WaitlistEntry, WaitlistStatus};
pub use recurrence::{Frequency, RecurrenceEnd, RecurrenceRule};
pub use waitlist::{Preference, matches_preference, render_reminder};

crate::ids::record_id!(
    /// A consulting room or other bookable place.
    RoomId
);
crate::ids::record_id!(
    /// A kind of appointment (check-up, vaccination, …) with its length and colour.
    AppointmentTypeId
);
crate::ids::record_id!(
    /// One appointment.
    AppointmentId
);
crate::ids::record_id!(
    /// A recurring series of appointments.
    SeriesId
);
crate::ids::record_id!(
    /// A patient waiting for an earlier or better slot.
    WaitlistId
);
crate::ids::record_id!(
    /// A day off, holiday or day of extra hours.
    ExceptionId
);

/// A half-open span of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Interval { start, end }
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// The instant a wall-clock time in `tz` stands for. A time skipped by a spring-forward change
/// (02:30 on that night) moves forward by the length of the gap (to 03:30); a time repeated by
/// a fall-back change (02:30 in autumn) is the first of the two.
pub fn to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Read the time with the offset in force just before the gap.
            let offset = tz
                .from_local_datetime(&(local - Duration::hours(6)))
                .earliest()
                .map_or(0, |t| t.offset().fix().local_minus_utc());
            Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(offset))))
        }
    }
}

/// The first instant of a local day (midnight, or the first valid time if midnight is skipped).
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    to_utc(date.and_hms_opt(0, 0, 0).unwrap_or_default(), tz)
}

/// The local day `[00:00, next 00:00)` as instants; 23 or 25 hours long on change days.
pub fn local_day(date: NaiveDate, tz: Tz) -> Interval {
    let next = date.succ_opt().unwrap_or(date);
    Interval::new(start_of_day(date, tz), start_of_day(next, tz))
}

#[cfg(test)]
mod tests;
