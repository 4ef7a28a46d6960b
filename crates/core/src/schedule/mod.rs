//! The schedule: setting the clinic up (`setup.rs`, `hours.rs`), the day and week views
//! (`views.rs`), booking and the life of appointments (`booking.rs`), the waitlist and reminders
//! (`waitlist.rs`); here, the lookups they share.

mod arrivals;
mod booking;
mod hours;
mod series;
mod setup;
mod slots;
#[cfg(feature = "fixtures")]
pub mod synthetic;
mod views;
mod waitlist;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use tend_domain::patients::PatientId;
use tend_domain::schedule::{
    Appointment, AppointmentType, AppointmentTypeId, Availability, Room, RoomId, ScheduleException,
    WeeklyHours, availability,
};
use tend_domain::words;
use tend_domain::{Role, User, UserId, Username};
use tend_store::{PatientRecord, Reader};
use uuid::Uuid;

pub use arrivals::{check_in, complete, mark_no_show, queue, start, undo_check_in};
pub use booking::{BookRequest, Scope, book, cancel, move_appointment};
pub use hours::{
    ExceptionFor, add_exception, exceptions, provider_hours, remove_exception, set_hours,
};
pub use series::{extend_series, extend_through};
pub use setup::{
    TypeEdit, add_appointment_type, add_room, appointment_types, archive_appointment_type,
    archive_room, edit_appointment_type, rooms, set_reminder_template, set_room_hours,
};
pub use slots::free_slots;
pub use views::{appointments_of, day, week};
pub use waitlist::{
    WaitlistForm, reminders, reminders_csv, waitlist, waitlist_add, waitlist_book,
    waitlist_candidates, waitlist_remove,
};

use crate::api::AppointmentDto;
use crate::{CoreError, Result};

/// How far ahead recurring series keep concrete appointments.
pub const HORIZON_DAYS: i64 = 180;

/// Reads `2026-11-25 09:00` (or with a `T`) as a wall-clock time.
pub(crate) fn parse_local(field: &'static str, s: &str) -> Result<NaiveDateTime> {
    let s = s.trim();
    for f in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t);
        }
    }
    Err(tend_domain::ValidationError::new(
        field,
        words!(
            "\"{s}\" is not a date and time such as 2026-11-25 09:00",
            s = s
        ),
    )
    .into())
}

pub(crate) fn parse_day(field: &'static str, s: &str) -> Result<NaiveDate> {
    Ok(tend_domain::patients::parse_date(field, s)?)
}

/// Names and settings every scheduling use case looks up.
pub(crate) struct Lookup {
    pub tz: Tz,
    pub users: HashMap<UserId, User>,
    pub rooms: HashMap<RoomId, Room>,
    pub types: HashMap<AppointmentTypeId, AppointmentType>,
}

impl Lookup {
    pub fn load(r: &Reader<'_>, tz: Tz) -> Result<Lookup> {
        Ok(Lookup {
            tz,
            users: r.users()?.into_iter().map(|u| (u.id, u)).collect(),
            rooms: r.rooms(true)?.into_iter().map(|x| (x.id, x)).collect(),
            types: r
                .appointment_types(true)?
                .into_iter()
                .map(|t| (t.id, t))
                .collect(),
        })
    }

    /// A clinician who can be booked (doctor or nurse, enabled), by username.
    pub fn provider(&self, username: &str) -> Result<&User> {
        let name = Username::parse(username).map_err(|_| {
            CoreError::refused(
                "no_such_clinician",
                Some("provider"),
                words!(
                    "there is no clinician called {username}",
                    username = username.trim()
                ),
            )
        })?;
        self.users
            .values()
            .find(|u| u.username == name && !u.disabled && is_provider(u))
            .ok_or_else(|| {
                CoreError::refused(
                    "no_such_clinician",
                    Some("provider"),
                    words!("there is no clinician called {name}", name = name),
                )
            })
    }

    pub fn providers(&self) -> Vec<&User> {
        let mut v: Vec<&User> = self
            .users
            .values()
            .filter(|u| !u.disabled && is_provider(u))
            .collect();
        v.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        v
    }

    pub fn room(&self, name: &str) -> Result<&Room> {
        self.rooms
            .values()
            .find(|r| !r.archived && r.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                CoreError::refused(
                    "no_such_room",
                    Some("room"),
                    words!("there is no room called \"{name}\"", name = name.trim()),
                )
            })
    }

    pub fn appointment_type(&self, name: &str) -> Result<&AppointmentType> {
        self.types
            .values()
            .find(|t| !t.archived && t.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                CoreError::refused(
                    "no_such_appointment_type",
                    Some("type"),
                    words!(
                        "there is no appointment type \"{name}\"",
                        name = name.trim()
                    ),
                )
            })
    }

    pub fn name_of(&self, user: UserId) -> String {
        self.users
            .get(&user)
            .map_or_else(|| "(unknown)".into(), |u| u.display_name.clone())
    }

    pub fn local(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    pub fn dto(&self, a: &Appointment, patient: Option<&PatientRecord>) -> AppointmentDto {
        let t = self.types.get(&a.type_id);
        AppointmentDto {
            id: a.id.as_uuid(),
            patient_mrn: patient.map(|p| p.mrn.to_string()).unwrap_or_default(),
            patient_name: patient
                .map(|p| p.demographics.display_name())
                .unwrap_or_default(),
            patient_phone: patient
                .and_then(|p| p.demographics.phones.first().map(|x| x.number.clone())),
            provider_id: a.provider_id.as_uuid(),
            provider: self.name_of(a.provider_id),
            room: a
                .room_id
                .and_then(|r| self.rooms.get(&r))
                .map(|r| r.name.clone()),
            type_name: t.map(|t| t.name.clone()).unwrap_or_default(),
            colour: t
                .map(|t| t.colour.clone())
                .unwrap_or_else(|| "#888888".into()),
            starts_at: a.starts_at,
            ends_at: a.ends_at,
            local_start: self.local(a.starts_at),
            local_end: self.local(a.ends_at),
            status: a.status,
            series_id: a.series_id.map(|s| s.as_uuid()),
            note: a.note.clone(),
            cancel_reason: a.cancel_reason.clone(),
            overrides: a.overrides.clone(),
            checked_in_at: a.checked_in_at,
        }
    }
}

fn is_provider(u: &User) -> bool {
    u.roles.contains(Role::Doctor) || u.roles.contains(Role::Nurse)
}

/// A resource's availability on a day, with the exceptions that concern it or the whole clinic.
pub(crate) fn availability_on(
    week: Option<&WeeklyHours>,
    resource: Uuid,
    exceptions: &[ScheduleException],
    date: NaiveDate,
    tz: Tz,
) -> Availability {
    let relevant: Vec<ScheduleException> = exceptions
        .iter()
        .filter(|e| e.resource.is_none_or(|r| r == resource))
        .cloned()
        .collect();
    availability(&week.cloned().unwrap_or_default(), &relevant, date, tz)
}

/// Patients by id, read once for a list of appointments.
pub(crate) fn patients_of(
    r: &Reader<'_>,
    appts: &[Appointment],
) -> Result<HashMap<PatientId, PatientRecord>> {
    let mut out = HashMap::new();
    for a in appts {
        if !out.contains_key(&a.patient_id)
            && let Some(p) = r.patient(a.patient_id)?
        {
            out.insert(a.patient_id, p);
        }
    }
    Ok(out)
}

fn spans(list: &[tend_domain::schedule::Interval], tz: Tz) -> Vec<String> {
    list.iter()
        .map(|i| {
            format!(
                "{}-{}",
                i.start.with_timezone(&tz).format("%H:%M"),
                i.end.with_timezone(&tz).format("%H:%M")
            )
        })
        .collect()
}
