//! The schedule: setting the clinic up (rooms, appointment types, working hours, days off),
//! the day and week views, and the shared lookups the booking and waitlist use cases need.

mod booking;
#[cfg(feature = "fixtures")]
pub mod synthetic;
mod waitlist;

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use serde_json::json;
use tend_domain::patient::PatientId;
use tend_domain::schedule::{
    Appointment, AppointmentType, AppointmentTypeId, Availability, ExceptionId, ExceptionKind,
    Room, RoomId, ScheduleException, WeeklyHours, availability, local_day,
};
use tend_domain::{Action, Entity, Role, User, UserId, Username};
use tend_store::schedule::{appointment_type_fields, exception_fields, hours_fields, room_fields};
use tend_store::{AuditEntry, Outcome, PatientRecord, Reader};
use uuid::Uuid;

pub use booking::{
    BookRequest, Scope, book, cancel, check_in, complete, extend_series, extend_through,
    free_slots, mark_no_show, move_appointment, queue, start, undo_check_in,
};
pub use waitlist::{
    WaitlistForm, reminders, reminders_csv, waitlist, waitlist_add, waitlist_book,
    waitlist_candidates, waitlist_remove,
};

use crate::api::{
    AppointmentDto, AppointmentTypeDto, DayDto, ExceptionDto, ProviderDayDto, ProviderHoursDto,
    RoomDto,
};
use crate::{CoreError, Result, Session, Tend};

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
        format!("\"{s}\" is not a date and time such as 2026-11-25 09:00"),
    )
    .into())
}

pub(crate) fn parse_day(field: &'static str, s: &str) -> Result<NaiveDate> {
    Ok(tend_domain::patient::parse_date(field, s)?)
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
                Some("provider"),
                format!("there is no clinician called {}", username.trim()),
            )
        })?;
        self.users
            .values()
            .find(|u| u.username == name && !u.disabled && is_provider(u))
            .ok_or_else(|| {
                CoreError::refused(
                    Some("provider"),
                    format!("there is no clinician called {name}"),
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
                    Some("room"),
                    format!("there is no room called \"{}\"", name.trim()),
                )
            })
    }

    pub fn appointment_type(&self, name: &str) -> Result<&AppointmentType> {
        self.types
            .values()
            .find(|t| !t.archived && t.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                CoreError::refused(
                    Some("type"),
                    format!("there is no appointment type \"{}\"", name.trim()),
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

/// One day of the schedule, per clinician: hours, breaks, days off and appointments (every
/// status; the UI greys out the cancelled ones). A read only: recurring series beyond the
/// standing horizon appear once `extend_series` has made their rows (the page and the CLI call it
/// before showing a day or a week).
pub fn day(tend: &Tend, session: &Session, date: &str, provider: Option<&str>) -> Result<DayDto> {
    tend.authorize(session, Action::ScheduleView)?;
    let date = parse_day("date", date)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().read(|r| day_of(r, tz, date, provider))
}

fn day_of(r: &Reader<'_>, tz: Tz, date: NaiveDate, provider: Option<&str>) -> Result<DayDto> {
    let look = Lookup::load(r, tz)?;
    let chosen: Vec<&User> = match provider {
        Some(name) => vec![look.provider(name)?],
        None => look.providers(),
    };
    let span = local_day(date, tz);
    let appts = r.appointments_starting(span.start, span.end)?;
    let patients = patients_of(r, &appts)?;
    let exceptions = r.exceptions_between(date, date)?;
    let mut providers = Vec::new();
    for p in chosen {
        let week = r.provider_hours(p.id)?;
        let avail = availability_on(week.as_ref(), p.id.as_uuid(), &exceptions, date, tz);
        providers.push(ProviderDayDto {
            provider_id: p.id.as_uuid(),
            provider: p.display_name.clone(),
            username: p.username.to_string(),
            hours: spans(&avail.open, tz),
            breaks: spans(&avail.breaks, tz),
            day_off: avail.day_off,
            appointments: appts
                .iter()
                .filter(|a| a.provider_id == p.id)
                .map(|a| look.dto(a, patients.get(&a.patient_id)))
                .collect(),
        });
    }
    Ok(DayDto {
        date,
        timezone: tz.name().to_owned(),
        providers,
    })
}

/// The seven days of the week (Monday first) that contain `date`.
pub fn week(
    tend: &Tend,
    session: &Session,
    date: &str,
    provider: Option<&str>,
) -> Result<Vec<DayDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    let date = parse_day("date", date)?;
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    let tz = tend.clinic_context()?.timezone;
    tend.store().read(|r| {
        (0..7)
            .map(|i| day_of(r, tz, monday + Duration::days(i), provider))
            .collect()
    })
}

fn audit_setup(
    tx: &mut tend_store::WriteTx<'_>,
    action: &'static str,
    entity: Entity,
    id: Uuid,
    detail: serde_json::Value,
) -> Result<()> {
    tx.audit(
        AuditEntry::new(action, Outcome::Ok)
            .record(entity, id)
            .detail(detail),
    )?;
    Ok(())
}

pub fn rooms(tend: &Tend, session: &Session) -> Result<Vec<RoomDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    Ok(tend
        .store()
        .read(|r| r.rooms(false))?
        .into_iter()
        .map(|r| room_dto(&r))
        .collect())
}

fn room_dto(r: &Room) -> RoomDto {
    RoomDto {
        id: r.id.as_uuid(),
        name: r.name.clone(),
        hours: r.hours.to_string(),
        breaks: r.hours.breaks_text(),
    }
}

/// Every clinician's week, for the setup screen; one without hours cannot be booked.
pub fn provider_hours(tend: &Tend, session: &Session) -> Result<Vec<ProviderHoursDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().read(|r| {
        let look = Lookup::load(r, tz)?;
        look.providers()
            .into_iter()
            .map(|u| {
                let week = r.provider_hours(u.id)?.unwrap_or_default();
                Ok(ProviderHoursDto {
                    provider_id: u.id.as_uuid(),
                    username: u.username.to_string(),
                    provider: u.display_name.clone(),
                    hours: week.to_string(),
                    breaks: week.breaks_text(),
                })
            })
            .collect()
    })
}

/// Days off and extra hours on the days `from..=to` (at most a year), by date.
pub fn exceptions(
    tend: &Tend,
    session: &Session,
    from: &str,
    to: &str,
) -> Result<Vec<ExceptionDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    let from = parse_day("from", from)?;
    let to = parse_day("to", to)?;
    if to < from || to - from > Duration::days(366) {
        return Err(CoreError::refused(
            Some("to"),
            "give a range of at most a year, ending after it starts",
        ));
    }
    let tz = tend.clinic_context()?.timezone;
    tend.store().read(|r| {
        let look = Lookup::load(r, tz)?;
        Ok(r.exceptions_between(from, to)?
            .into_iter()
            .map(|e| ExceptionDto {
                id: e.id.as_uuid(),
                date: e.date,
                applies_to: match e.resource {
                    None => "whole clinic".into(),
                    Some(id) => look
                        .users
                        .get(&UserId::from_uuid(id))
                        .map(|u| u.display_name.clone())
                        .or_else(|| {
                            look.rooms
                                .get(&RoomId::from_uuid(id))
                                .map(|x| x.name.clone())
                        })
                        .unwrap_or_else(|| "(removed)".into()),
                },
                extra_hours: match e.kind {
                    ExceptionKind::DayOff => None,
                    ExceptionKind::ExtraHours { start, end } => {
                        Some(format!("{}-{}", start.format("%H:%M"), end.format("%H:%M")))
                    }
                },
                note: e.note,
            })
            .collect())
    })
}

/// A patient's appointments from today on (with `past`, from a year ago), by start.
pub fn appointments_of(
    tend: &Tend,
    session: &Session,
    mrn: &str,
    past: bool,
) -> Result<Vec<AppointmentDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    let tz = tend.clinic_context()?.timezone;
    let today = tend.now().with_timezone(&tz).date_naive();
    let from = if past {
        today - Duration::days(366)
    } else {
        today
    };
    tend.store().read(|r| {
        let patient = crate::patients::find(r, mrn)?;
        let look = Lookup::load(r, tz)?;
        Ok(
            r.appointments_of_patient(patient.id, local_day(from, tz).start)?
                .iter()
                .map(|a| look.dto(a, Some(&patient)))
                .collect(),
        )
    })
}

/// Adds a room with its opening hours (`mon-fri 08:00-20:00`).
pub fn add_room(
    tend: &Tend,
    session: &Session,
    name: &str,
    hours: &str,
    breaks: &str,
) -> Result<RoomDto> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let room = Room {
        id: RoomId::new(),
        name: tend_domain::error::required_text("name", name, 60)?,
        hours: WeeklyHours::parse(hours, breaks)?,
        archived: false,
    };
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            if tx
                .read()
                .rooms(false)?
                .iter()
                .any(|r| r.name.eq_ignore_ascii_case(&room.name))
            {
                return Err(CoreError::refused(
                    Some("name"),
                    format!("there is already a room called \"{}\"", room.name),
                ));
            }
            tx.create(Entity::Room, room.id, room_fields(&room))?;
            audit_setup(
                tx,
                "room.add",
                Entity::Room,
                room.id.as_uuid(),
                json!({ "name": room.name }),
            )
        })?;
    Ok(room_dto(&room))
}

/// Sets a room's opening hours and breaks; existing bookings stay where they are.
pub fn set_room_hours(
    tend: &Tend,
    session: &Session,
    name: &str,
    hours: &str,
    breaks: &str,
) -> Result<RoomDto> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let week = WeeklyHours::parse(hours, breaks)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut room = Lookup::load(&tx.read(), tz)?.room(name)?.clone();
        room.hours = week.clone();
        if tx
            .update(Entity::Room, room.id, room_fields(&room))?
            .is_some()
        {
            audit_setup(
                tx,
                "room.hours",
                Entity::Room,
                room.id.as_uuid(),
                json!({ "hours": week.to_string(), "breaks": week.breaks_text() }),
            )?;
        }
        Ok(room_dto(&room))
    })
}

/// Takes a room out of use: it is no longer offered or booked; past bookings keep its name.
pub fn archive_room(tend: &Tend, session: &Session, name: &str) -> Result<()> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut room = Lookup::load(&tx.read(), tz)?.room(name)?.clone();
        room.archived = true;
        tx.update(Entity::Room, room.id, room_fields(&room))?;
        audit_setup(
            tx,
            "room.archive",
            Entity::Room,
            room.id.as_uuid(),
            json!({ "name": room.name }),
        )
    })
}

pub fn appointment_types(tend: &Tend, session: &Session) -> Result<Vec<AppointmentTypeDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    Ok(tend
        .store()
        .read(|r| r.appointment_types(false))?
        .into_iter()
        .map(|t| type_dto(&t))
        .collect())
}

pub fn add_appointment_type(
    tend: &Tend,
    session: &Session,
    name: &str,
    minutes: u32,
    colour: &str,
    needs_room: bool,
) -> Result<AppointmentTypeDto> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let t = AppointmentType::parse(AppointmentTypeId::new(), name, minutes, colour, needs_room)?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            if tx
                .read()
                .appointment_types(false)?
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&t.name))
            {
                return Err(CoreError::refused(
                    Some("name"),
                    format!("there is already an appointment type called \"{}\"", t.name),
                ));
            }
            tx.create(Entity::AppointmentType, t.id, appointment_type_fields(&t))?;
            audit_setup(
                tx,
                "appointment_type.add",
                Entity::AppointmentType,
                t.id.as_uuid(),
                json!({ "name": t.name }),
            )
        })?;
    Ok(type_dto(&t))
}

fn type_dto(t: &AppointmentType) -> AppointmentTypeDto {
    AppointmentTypeDto {
        id: t.id.as_uuid(),
        name: t.name.clone(),
        minutes: t.minutes,
        colour: t.colour.clone(),
        needs_room: t.needs_room,
    }
}

/// What to change in an appointment type; `None` keeps the value.
#[derive(Debug, Clone, Copy, Default)]
pub struct TypeEdit<'a> {
    pub minutes: Option<u32>,
    pub colour: Option<&'a str>,
    pub needs_room: Option<bool>,
}

/// Changes an appointment type. Appointments already booked keep their length and room.
pub fn edit_appointment_type(
    tend: &Tend,
    session: &Session,
    name: &str,
    edit: &TypeEdit<'_>,
) -> Result<AppointmentTypeDto> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let old = Lookup::load(&tx.read(), tz)?
            .appointment_type(name)?
            .clone();
        let t = AppointmentType::parse(
            old.id,
            &old.name,
            edit.minutes.unwrap_or(old.minutes),
            edit.colour.unwrap_or(&old.colour),
            edit.needs_room.unwrap_or(old.needs_room),
        )?;
        if tx
            .update(Entity::AppointmentType, t.id, appointment_type_fields(&t))?
            .is_some()
        {
            audit_setup(
                tx,
                "appointment_type.edit",
                Entity::AppointmentType,
                t.id.as_uuid(),
                json!({ "minutes": t.minutes, "colour": t.colour, "needs_room": t.needs_room }),
            )?;
        }
        Ok(type_dto(&t))
    })
}

/// Takes an appointment type out of use: no longer offered; booked ones keep it.
pub fn archive_appointment_type(tend: &Tend, session: &Session, name: &str) -> Result<()> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let mut t = Lookup::load(&tx.read(), tz)?
            .appointment_type(name)?
            .clone();
        t.archived = true;
        tx.update(Entity::AppointmentType, t.id, appointment_type_fields(&t))?;
        audit_setup(
            tx,
            "appointment_type.archive",
            Entity::AppointmentType,
            t.id.as_uuid(),
            json!({ "name": t.name }),
        )
    })
}

/// Sets a clinician's weekly hours and breaks. Existing bookings are not moved; the day view
/// and conflict checks use the new hours from now on.
pub fn set_hours(
    tend: &Tend,
    session: &Session,
    provider: &str,
    hours: &str,
    breaks: &str,
) -> Result<String> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let week = WeeklyHours::parse(hours, breaks)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let look = Lookup::load(&tx.read(), tz)?;
        let p = look.provider(provider)?.id;
        match tx.read().provider_hours(p)? {
            Some(_) => {
                tx.update(Entity::ProviderHours, p, hours_fields(&week))?;
            }
            None => {
                tx.create(Entity::ProviderHours, p, hours_fields(&week))?;
            }
        }
        audit_setup(
            tx,
            "provider_hours.set",
            Entity::ProviderHours,
            p.as_uuid(),
            json!({ "hours": week.to_string() }),
        )?;
        Ok(week.to_string())
    })
}

/// Who an exception is for.
#[derive(Debug, Clone, Copy)]
pub enum ExceptionFor<'a> {
    Provider(&'a str),
    Room(&'a str),
    /// The whole clinic (a public holiday).
    Clinic,
}

/// A day off (`extra` empty) or extra hours (`16:00-19:00`) on a date.
pub fn add_exception(
    tend: &Tend,
    session: &Session,
    who: ExceptionFor<'_>,
    date: &str,
    extra: &str,
    note: &str,
) -> Result<Uuid> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let date = parse_day("date", date)?;
    let kind = match extra.trim() {
        "" => ExceptionKind::DayOff,
        span => {
            let (a, b) = span.split_once('-').ok_or_else(|| {
                tend_domain::ValidationError::new("extra", "write extra hours as 16:00-19:00")
            })?;
            let t = |s: &str| {
                NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| {
                    tend_domain::ValidationError::new(
                        "extra",
                        format!("\"{}\" is not a time", s.trim()),
                    )
                })
            };
            let (start, end) = (t(a)?, t(b)?);
            if end <= start {
                return Err(tend_domain::ValidationError::new(
                    "extra",
                    "the extra hours end before they start",
                )
                .into());
            }
            ExceptionKind::ExtraHours { start, end }
        }
    };
    let note = tend_domain::error::optional_text("note", note, 200)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let look = Lookup::load(&tx.read(), tz)?;
        let resource = match who {
            ExceptionFor::Provider(name) => Some(look.provider(name)?.id.as_uuid()),
            ExceptionFor::Room(name) => Some(look.room(name)?.id.as_uuid()),
            ExceptionFor::Clinic => None,
        };
        let e = ScheduleException {
            id: ExceptionId::new(),
            resource,
            date,
            kind,
            note,
        };
        tx.create(Entity::ScheduleException, e.id, exception_fields(&e, false))?;
        audit_setup(
            tx,
            "schedule_exception.add",
            Entity::ScheduleException,
            e.id.as_uuid(),
            json!({ "date": date }),
        )?;
        Ok(e.id.as_uuid())
    })
}

/// Removes an exception (the day is ordinary again).
pub fn remove_exception(tend: &Tend, session: &Session, id: &str) -> Result<()> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let id: Uuid = crate::ids::parse_id("id", "a day's exception", id)?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let changed = tx.update(
            Entity::ScheduleException,
            id,
            [("removed".to_owned(), tend_domain::Value::Bool(true))].into(),
        )?;
        if changed.is_some() {
            audit_setup(
                tx,
                "schedule_exception.remove",
                Entity::ScheduleException,
                id,
                json!({}),
            )?;
        }
        Ok(())
    })
}

/// The clinic's reminder message.
pub fn set_reminder_template(tend: &Tend, session: &Session, template: &str) -> Result<()> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let text = tend_domain::patient::parse_note("template", template, 600)?.ok_or_else(|| {
        CoreError::refused(Some("template"), "the reminder message cannot be empty")
    })?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let clinic = tx.read().clinic()?;
        if tx
            .update(
                Entity::Clinic,
                clinic.id,
                [(
                    "reminder_template".to_owned(),
                    tend_domain::Value::from(text.as_str()),
                )]
                .into(),
            )?
            .is_some()
        {
            audit_setup(
                tx,
                "clinic.reminder_template",
                Entity::Clinic,
                clinic.id.as_uuid(),
                json!({}),
            )?;
        }
        Ok(())
    })
}
