//! Booking (once or as a series), moving and cancelling (one, this and following, or all of a
//! series), with the conflict check that free slots, the waitlist and growing series share.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::json;
use tend_domain::schedule::{
    Appointment, AppointmentId, AppointmentStatus, Booking, Conflict, ConflictKind, Interval,
    RecurrenceRule, RoomId, Series, SeriesId, Transition, conflicts, to_utc, transition,
};
use tend_domain::{Action, Entity, UserId, Value};
use tend_store::schedule::{appointment_fields, instant, series_fields};
use tend_store::{AuditEntry, Outcome, Reader, StoreError, WriteTx};

use super::{HORIZON_DAYS, Lookup, availability_on, parse_local, patients_of};
use crate::api::{AppointmentDto, BookedDto, ConflictDto};
use crate::patients::find;
use crate::{CoreError, Result, Session, Tend};

/// What the booking form holds.
#[derive(Debug, Clone, Copy)]
pub struct BookRequest<'a> {
    pub mrn: &'a str,
    /// The clinician's username.
    pub provider: &'a str,
    pub type_name: &'a str,
    /// Local to the clinic: `2026-11-25 09:00`.
    pub at: &'a str,
    /// A room by name; for a type that needs one and none is given, the first free room.
    pub room: Option<&'a str>,
    pub note: &'a str,
    /// Book even over conflicts (they are recorded on the appointment and in the audit log).
    pub override_conflicts: bool,
    pub repeat: Option<RecurrenceRule>,
}

/// Which appointments of a series an edit touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    One,
    ThisAndFollowing,
    All,
}

impl std::str::FromStr for Scope {
    type Err = tend_domain::ValidationError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim() {
            "" | "one" => Ok(Scope::One),
            "following" | "this-and-following" => Ok(Scope::ThisAndFollowing),
            "all" => Ok(Scope::All),
            _ => Err(tend_domain::ValidationError::new(
                "scope",
                "must be one, following or all",
            )),
        }
    }
}

/// The kinds of conflict booked over, each once (two overlapping bookings are one kind).
pub(super) fn kinds_of(c: &[Conflict]) -> Vec<ConflictKind> {
    let mut out: Vec<ConflictKind> = Vec::new();
    for k in c.iter().map(|x| x.kind) {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

pub(super) fn conflict_dto(c: &Conflict, at: String) -> ConflictDto {
    ConflictDto {
        kind: c.kind,
        message: c.kind.describe(),
        at,
        with: c.with.map(|a| a.as_uuid()),
    }
}

/// Checks one proposed booking against everything around it. Returns the room to use (the one
/// asked for, or a free one when the type needs a room) and the conflicts.
#[allow(clippy::too_many_arguments)]
pub(super) fn check(
    r: &Reader<'_>,
    look: &Lookup,
    provider: UserId,
    room: Option<RoomId>,
    needs_room: bool,
    iv: Interval,
    moving: &HashSet<AppointmentId>,
    now: DateTime<Utc>,
) -> Result<(Option<RoomId>, Vec<Conflict>)> {
    let tz = look.tz;
    let date = iv.start.with_timezone(&tz).date_naive();
    let exceptions = r.exceptions_between(date, date)?;
    let week = r.provider_hours(provider)?;
    let provider_avail = availability_on(week.as_ref(), provider.as_uuid(), &exceptions, date, tz);
    let room_free = |room: RoomId| -> Result<bool> {
        let Some(info) = look.rooms.get(&room) else {
            return Ok(false);
        };
        let avail = availability_on(Some(&info.hours), room.as_uuid(), &exceptions, date, tz);
        let busy = r.occupying_room(room, iv.start, iv.end)?;
        Ok(avail.bookable().iter().any(|b| b.contains(&iv))
            && busy
                .iter()
                .all(|a| a.room_id != Some(room) || moving.contains(&a.id)))
    };
    let mut room = room;
    let mut extra = Vec::new();
    if room.is_none() && needs_room {
        let mut rooms: Vec<_> = look.rooms.values().filter(|x| !x.archived).collect();
        rooms.sort_by(|a, b| a.name.cmp(&b.name));
        for candidate in rooms {
            if room_free(candidate.id)? {
                room = Some(candidate.id);
                break;
            }
        }
        if room.is_none() {
            extra.push(Conflict {
                kind: ConflictKind::NoRoomFree,
                with: None,
            });
        }
    }
    let room_avail = room
        .and_then(|id| look.rooms.get(&id))
        .map(|info| availability_on(Some(&info.hours), info.id.as_uuid(), &exceptions, date, tz));
    let others: Vec<Booking> = r
        .occupying(provider, room, iv.start, iv.end)?
        .into_iter()
        .filter(|a| !moving.contains(&a.id))
        .map(|a| Booking {
            id: Some(a.id),
            interval: a.interval(),
            provider: a.provider_id,
            room: a.room_id,
        })
        .collect();
    let candidate = Booking {
        id: None,
        interval: iv,
        provider,
        room,
    };
    let mut found = conflicts(
        &candidate,
        &others,
        &provider_avail,
        room_avail.as_ref(),
        now,
    );
    found.extend(extra);
    Ok((room, found))
}

fn refuse_or_record(found: Vec<ConflictDto>, override_conflicts: bool) -> Result<Vec<ConflictDto>> {
    if !found.is_empty() && !override_conflicts {
        return Err(CoreError::Conflicts(found));
    }
    Ok(found)
}

/// Books an appointment, or a recurring series up to the horizon.
pub fn book(tend: &Tend, session: &Session, req: &BookRequest<'_>) -> Result<BookedDto> {
    tend.authorize(session, Action::ScheduleBook)?;
    let tz = tend.clinic_context()?.timezone;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        book_in(tx, session, req, tz)
    })
}

/// Books inside the caller's transaction (the waitlist books and marks its entry in one).
pub(crate) fn book_in(
    tx: &mut WriteTx<'_>,
    session: &Session,
    req: &BookRequest<'_>,
    tz: Tz,
) -> Result<BookedDto> {
    let first = parse_local("at", req.at)?;
    let note = tend_domain::error::optional_text("note", req.note, 300)?;
    let now = tx.ctx().now;
    let horizon = now.with_timezone(&tz).date_naive() + Duration::days(HORIZON_DAYS);
    {
        let r = tx.read();
        let look = Lookup::load(&r, tz)?;
        let patient = find(&r, req.mrn)?;
        let provider = look.provider(req.provider)?.id;
        let kind = look.appointment_type(req.type_name)?.clone();
        let room = req.room.map(|n| look.room(n).map(|x| x.id)).transpose()?;
        let occurrences = match &req.repeat {
            None => vec![(0, first)],
            Some(rule) => rule.occurrences(first, horizon),
        };
        let series_id = req.repeat.map(|_| SeriesId::new());
        let mut planned = Vec::new();
        let mut found = Vec::new();
        for (index, local) in &occurrences {
            let start = to_utc(*local, tz);
            let iv = Interval::new(start, start + Duration::minutes(i64::from(kind.minutes)));
            let (room, c) = check(
                &r,
                &look,
                provider,
                room,
                kind.needs_room,
                iv,
                &HashSet::new(),
                now,
            )?;
            found.extend(c.iter().map(|x| conflict_dto(x, look.local(iv.start))));
            planned.push((*index, iv, room, kinds_of(&c)));
        }
        let overridden = refuse_or_record(found, req.override_conflicts)?;
        if let (Some(id), Some(rule)) = (series_id, req.repeat) {
            let series = Series {
                id,
                patient_id: patient.id,
                provider_id: provider,
                room_id: room,
                type_id: kind.id,
                rule,
                first_start: first,
                minutes: kind.minutes,
                note: note.clone(),
                generated_through: horizon,
                ended: false,
            };
            tx.create(Entity::AppointmentSeries, id, series_fields(&series))?;
        }
        let mut made = Vec::new();
        for (index, iv, room, overrides) in planned {
            let a = Appointment {
                id: AppointmentId::new(),
                patient_id: patient.id,
                provider_id: provider,
                room_id: room,
                type_id: kind.id,
                starts_at: iv.start,
                ends_at: iv.end,
                status: AppointmentStatus::Booked,
                series_id,
                series_index: series_id.map(|_| index),
                note: note.clone(),
                cancel_reason: None,
                overrides,
                checked_in_at: None,
                started_at: None,
                completed_at: None,
                booked_by: session.user_id(),
            };
            tx.create(Entity::Appointment, a.id, appointment_fields(&a))?;
            made.push(a);
        }
        tx.audit(
            AuditEntry::new("appointment.book", Outcome::Ok)
                .record(Entity::Patient, patient.id)
                .detail(json!({
                    "appointments": made.len(),
                    "first": instant(made.first().map_or(now, |a| a.starts_at)),
                    "series": series_id,
                    "overridden": overridden.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(),
                })),
        )?;
        let r = tx.read();
        let patients = patients_of(&r, &made)?;
        Ok(BookedDto {
            appointments: made
                .iter()
                .map(|a| look.dto(a, patients.get(&a.patient_id)))
                .collect(),
            series_id: series_id.map(|s| s.as_uuid()),
            overridden,
        })
    }
}

pub(super) fn load(r: &Reader<'_>, id: &str) -> Result<Appointment> {
    let id: AppointmentId = crate::ids::parse_id("appointment", "an appointment", id)?;
    r.appointment(id)?.ok_or_else(|| {
        CoreError::refused(
            "no_such_appointment",
            Some("appointment"),
            "there is no such appointment",
        )
    })
}

/// The appointments an edit with `scope` touches, starting from `a`.
fn in_scope(
    r: &Reader<'_>,
    a: &Appointment,
    scope: Scope,
    now: DateTime<Utc>,
    allowed: &[AppointmentStatus],
) -> Result<Vec<Appointment>> {
    let (Some(series), Some(index)) = (a.series_id, a.series_index) else {
        return Ok(vec![a.clone()]);
    };
    Ok(match scope {
        Scope::One => vec![a.clone()],
        Scope::ThisAndFollowing => r
            .appointments_of_series(series)?
            .into_iter()
            .filter(|x| x.series_index.is_some_and(|i| i >= index) && allowed.contains(&x.status))
            .collect(),
        Scope::All => r
            .appointments_of_series(series)?
            .into_iter()
            .filter(|x| (x.id == a.id || x.starts_at >= now) && allowed.contains(&x.status))
            .collect(),
    })
}

/// Moves an appointment (a new time, clinician or room), or the part of its series `scope` says.
/// Each moved appointment keeps its place in the week: moving one from Monday 09:00 to Tuesday
/// 10:30 moves every following one a day and an hour and a half, in local time.
#[allow(clippy::too_many_arguments)]
pub fn move_appointment(
    tend: &Tend,
    session: &Session,
    id: &str,
    new_at: Option<&str>,
    provider: Option<&str>,
    room: Option<&str>,
    scope: Scope,
    override_conflicts: bool,
) -> Result<BookedDto> {
    tend.authorize(session, Action::ScheduleBook)?;
    let tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    let new_at = new_at.map(|s| parse_local("at", s)).transpose()?;
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let look = Lookup::load(&r, tz)?;
        let a = load(&r, id)?;
        transition(a.status, Transition::Reschedule)?;
        let shift = new_at.map_or(Duration::zero(), |t| {
            t - a.starts_at.with_timezone(&tz).naive_local()
        });
        let provider = provider
            .map(|p| look.provider(p).map(|u| u.id))
            .transpose()?;
        let room = room.map(|n| look.room(n).map(|x| x.id)).transpose()?;
        let affected = in_scope(&r, &a, scope, now, &[AppointmentStatus::Booked])?;
        let moving: HashSet<AppointmentId> = affected.iter().map(|x| x.id).collect();
        let needs_room = look.types.get(&a.type_id).is_some_and(|t| t.needs_room);
        let mut found = Vec::new();
        let mut planned = Vec::new();
        for x in &affected {
            let local = x.starts_at.with_timezone(&tz).naive_local() + shift;
            let start = to_utc(local, tz);
            let iv = Interval::new(start, start + (x.ends_at - x.starts_at));
            let who = provider.unwrap_or(x.provider_id);
            let (room, c) = check(
                &r,
                &look,
                who,
                room.or(x.room_id),
                needs_room,
                iv,
                &moving,
                now,
            )?;
            found.extend(c.iter().map(|k| conflict_dto(k, look.local(iv.start))));
            planned.push((x.clone(), iv, who, room, kinds_of(&c)));
        }
        let overridden = refuse_or_record(found, override_conflicts)?;
        let split = match (scope, a.series_id, a.series_index) {
            (Scope::ThisAndFollowing, Some(series), Some(index)) if index > 0 => {
                Some(split_series(tx, series, index, shift, provider, room)?)
            }
            (Scope::All | Scope::ThisAndFollowing, Some(series), Some(_)) => {
                shift_series(tx, series, shift, provider, room)?;
                None
            }
            _ => None,
        };
        let mut moved = Vec::new();
        for (x, iv, who, room, overrides) in planned {
            let mut f: tend_domain::Fields = [
                ("starts_at".to_owned(), Value::from(instant(iv.start))),
                ("ends_at".to_owned(), Value::from(instant(iv.end))),
                ("provider_id".to_owned(), Value::from(who.to_string())),
                (
                    "room_id".to_owned(),
                    Value::from(room.map(|r| r.to_string())),
                ),
                (
                    "overrides".to_owned(),
                    Value::from(
                        serde_json::to_string(
                            &overrides.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                        )
                        .unwrap_or_default(),
                    ),
                ),
            ]
            .into();
            if let (Some((new_series, from)), Some(i)) = (split, x.series_index) {
                f.insert("series_id".into(), Value::from(new_series.to_string()));
                f.insert("series_index".into(), Value::Int(i64::from(i - from)));
            }
            tx.update(Entity::Appointment, x.id, f)?;
            moved.push(tx.read().appointment(x.id)?.ok_or(StoreError::NotFound {
                entity: "appointment",
            })?);
        }
        tx.audit(
            AuditEntry::new("appointment.move", Outcome::Ok)
                .record(Entity::Appointment, a.id)
                .detail(json!({
                    "moved": moved.len(),
                    "scope": format!("{scope:?}"),
                    "overridden": overridden.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>(),
                })),
        )?;
        let r = tx.read();
        let patients = patients_of(&r, &moved)?;
        Ok(BookedDto {
            appointments: moved
                .iter()
                .map(|x| look.dto(x, patients.get(&x.patient_id)))
                .collect(),
            series_id: moved.first().and_then(|x| x.series_id).map(|s| s.as_uuid()),
            overridden,
        })
    })
}

/// Ends `series` before occurrence `index` and starts a new series there with the same rule
/// (shifted), which the moved appointments join. Returns the new series and `index`.
fn split_series(
    tx: &mut WriteTx<'_>,
    series: SeriesId,
    index: u32,
    shift: Duration,
    provider: Option<UserId>,
    room: Option<RoomId>,
) -> Result<(SeriesId, u32)> {
    let old = tx
        .read()
        .series(series)?
        .ok_or(StoreError::NotFound { entity: "series" })?;
    let first = old
        .rule
        .occurrence(old.first_start, index)
        .unwrap_or(old.first_start)
        + shift;
    let new = Series {
        id: SeriesId::new(),
        provider_id: provider.unwrap_or(old.provider_id),
        room_id: room.or(old.room_id),
        rule: old.rule.remaining_from(index),
        first_start: first,
        ..old.clone()
    };
    tx.create(Entity::AppointmentSeries, new.id, series_fields(&new))?;
    tx.update(
        Entity::AppointmentSeries,
        series,
        [("ended".to_owned(), Value::Bool(true))].into(),
    )?;
    Ok((new.id, index))
}

/// Moves a whole series' future: its first start, clinician or room.
fn shift_series(
    tx: &mut WriteTx<'_>,
    series: SeriesId,
    shift: Duration,
    provider: Option<UserId>,
    room: Option<RoomId>,
) -> Result<()> {
    let old = tx
        .read()
        .series(series)?
        .ok_or(StoreError::NotFound { entity: "series" })?;
    let new = Series {
        first_start: old.first_start + shift,
        provider_id: provider.unwrap_or(old.provider_id),
        room_id: room.or(old.room_id),
        ..old
    };
    tx.update(Entity::AppointmentSeries, series, series_fields(&new))?;
    Ok(())
}

/// Cancels with a reason; in a series, one, this and following, or all that are still ahead.
/// A cancelled series generates no more appointments.
pub fn cancel(
    tend: &Tend,
    session: &Session,
    id: &str,
    reason: &str,
    scope: Scope,
) -> Result<Vec<AppointmentDto>> {
    tend.authorize(session, Action::ScheduleBook)?;
    let reason = tend_domain::error::required_text("reason", reason, 200)?;
    let tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let look = Lookup::load(&r, tz)?;
        let a = load(&r, id)?;
        transition(a.status, Transition::Cancel)?;
        let affected = in_scope(&r, &a, scope, now, &[AppointmentStatus::Booked, AppointmentStatus::CheckedIn])?;
        let ends_series = matches!(scope, Scope::All) || matches!(scope, Scope::ThisAndFollowing);
        if let (true, Some(series)) = (ends_series, a.series_id) {
            tx.update(Entity::AppointmentSeries, series, [("ended".to_owned(), Value::Bool(true))].into())?;
        }
        let mut out = Vec::new();
        for x in affected {
            tx.update(
                Entity::Appointment,
                x.id,
                [
                    ("status".to_owned(), Value::from(AppointmentStatus::Cancelled.as_str())),
                    ("cancel_reason".to_owned(), Value::from(reason.as_str())),
                ]
                .into(),
            )?;
            out.push(tx.read().appointment(x.id)?.ok_or(StoreError::NotFound { entity: "appointment" })?);
        }
        tx.audit(
            AuditEntry::new("appointment.cancel", Outcome::Ok)
                .record(Entity::Appointment, a.id)
                .detail(json!({ "cancelled": out.len(), "scope": format!("{scope:?}"), "reason": reason })),
        )?;
        let r = tx.read();
        let patients = patients_of(&r, &out)?;
        Ok(out.iter().map(|x| look.dto(x, patients.get(&x.patient_id))).collect())
    })
}
