//! Scheduling records as stored, and the queries the day view, conflict checks, free-slot
//! search, series and waitlist need. Instants are stored as fixed-width RFC 3339 UTC text, so
//! text order is time order and ranges use the indexes.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, Row, params};
use tend_domain::ids::UserId;
use tend_domain::patients::PatientId;
use tend_domain::schedule::{
    Appointment, AppointmentId, AppointmentStatus, AppointmentType, ConflictKind, ExceptionId,
    ExceptionKind, Interval, Preference, RecurrenceRule, Room, RoomId, ScheduleException, Series,
    SeriesId, WaitlistEntry, WaitlistId, WeeklyHours,
};
use tend_domain::{Fields, Value};
use uuid::Uuid;

use crate::error::Result;
use crate::{Reader, parse_id};

pub use crate::rows::instant;
use crate::rows::{bad, fields, from_json, json};

fn opt_id<T: std::str::FromStr>(v: Option<String>, what: &str) -> rusqlite::Result<Option<T>> {
    v.map(|s| s.parse().map_err(|_| bad(what))).transpose()
}

pub fn room_fields(r: &Room) -> Fields {
    fields(vec![
        ("name", Value::from(r.name.as_str())),
        ("hours", json(&r.hours)),
        ("archived", Value::from(r.archived)),
    ])
}

pub fn appointment_type_fields(t: &AppointmentType) -> Fields {
    fields(vec![
        ("name", Value::from(t.name.as_str())),
        ("minutes", Value::Int(i64::from(t.minutes))),
        ("colour", Value::from(t.colour.as_str())),
        ("needs_room", Value::from(t.needs_room)),
        ("archived", Value::from(t.archived)),
    ])
}

pub fn hours_fields(h: &WeeklyHours) -> Fields {
    fields(vec![("hours", json(h))])
}

pub fn exception_fields(e: &ScheduleException, removed: bool) -> Fields {
    fields(vec![
        (
            "resource_id",
            Value::from(e.resource.map(|r| r.hyphenated().to_string())),
        ),
        ("date", Value::from(e.date.to_string())),
        ("kind", json(&e.kind)),
        ("note", Value::from(e.note.clone())),
        ("removed", Value::from(removed)),
    ])
}

pub fn appointment_fields(a: &Appointment) -> Fields {
    let kinds: Vec<&str> = a.overrides.iter().map(|k| k.as_str()).collect();
    fields(vec![
        ("patient_id", Value::from(a.patient_id.to_string())),
        ("provider_id", Value::from(a.provider_id.to_string())),
        ("room_id", Value::from(a.room_id.map(|r| r.to_string()))),
        ("type_id", Value::from(a.type_id.to_string())),
        ("starts_at", Value::from(instant(a.starts_at))),
        ("ends_at", Value::from(instant(a.ends_at))),
        ("status", Value::from(a.status.as_str())),
        ("series_id", Value::from(a.series_id.map(|s| s.to_string()))),
        (
            "series_index",
            a.series_index
                .map_or(Value::Null, |i| Value::Int(i64::from(i))),
        ),
        ("note", Value::from(a.note.clone())),
        ("cancel_reason", Value::from(a.cancel_reason.clone())),
        ("overrides", json(&kinds)),
        ("checked_in_at", Value::from(a.checked_in_at.map(instant))),
        ("started_at", Value::from(a.started_at.map(instant))),
        ("completed_at", Value::from(a.completed_at.map(instant))),
        ("booked_by", Value::from(a.booked_by.to_string())),
    ])
}

pub fn series_fields(s: &Series) -> Fields {
    fields(vec![
        ("patient_id", Value::from(s.patient_id.to_string())),
        ("provider_id", Value::from(s.provider_id.to_string())),
        ("room_id", Value::from(s.room_id.map(|r| r.to_string()))),
        ("type_id", Value::from(s.type_id.to_string())),
        ("rule", json(&s.rule)),
        (
            "first_start",
            Value::from(s.first_start.format("%Y-%m-%dT%H:%M:%S").to_string()),
        ),
        ("minutes", Value::Int(i64::from(s.minutes))),
        ("note", Value::from(s.note.clone())),
        (
            "generated_through",
            Value::from(s.generated_through.to_string()),
        ),
        ("ended", Value::from(s.ended)),
    ])
}

pub fn waitlist_fields(w: &WaitlistEntry) -> Fields {
    fields(vec![
        ("patient_id", Value::from(w.patient_id.to_string())),
        (
            "provider_id",
            Value::from(w.provider_id.map(|p| p.to_string())),
        ),
        ("type_id", Value::from(w.type_id.to_string())),
        ("preference", json(&w.preference)),
        ("note", Value::from(w.note.clone())),
        ("status", Value::from(w.status.as_str())),
        (
            "appointment_id",
            Value::from(w.appointment_id.map(|a| a.to_string())),
        ),
    ])
}

const APPOINTMENT_COLUMNS: &str = "id, patient_id, provider_id, room_id, type_id, starts_at,
    ends_at, status, series_id, series_index, note, cancel_reason, overrides, checked_in_at,
    started_at, completed_at, booked_by";

fn conflict_kind(s: &str) -> Option<ConflictKind> {
    [
        ConflictKind::ProviderDoubleBooked,
        ConflictKind::RoomDoubleBooked,
        ConflictKind::OutsideHours,
        ConflictKind::DuringBreak,
        ConflictKind::DayOff,
        ConflictKind::RoomClosed,
        ConflictKind::NoRoomFree,
        ConflictKind::InPast,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
}

fn appointment_from_row(r: &Row<'_>) -> rusqlite::Result<Appointment> {
    let status: String = r.get(7)?;
    let overrides: Vec<String> = from_json(&r.get::<_, String>(12)?, "overrides")?;
    Ok(Appointment {
        id: parse_id(r.get_ref(0)?)?,
        patient_id: parse_id(r.get_ref(1)?)?,
        provider_id: parse_id(r.get_ref(2)?)?,
        room_id: opt_id(r.get(3)?, "room")?,
        type_id: parse_id(r.get_ref(4)?)?,
        starts_at: r.get(5)?,
        ends_at: r.get(6)?,
        status: status.parse().map_err(|_| bad("appointment status"))?,
        series_id: opt_id(r.get(8)?, "series")?,
        series_index: r
            .get::<_, Option<i64>>(9)?
            .and_then(|i| u32::try_from(i).ok()),
        note: r.get(10)?,
        cancel_reason: r.get(11)?,
        overrides: overrides.iter().filter_map(|k| conflict_kind(k)).collect(),
        checked_in_at: r.get(13)?,
        started_at: r.get(14)?,
        completed_at: r.get(15)?,
        booked_by: parse_id(r.get_ref(16)?)?,
    })
}

fn series_from_row(r: &Row<'_>) -> rusqlite::Result<Series> {
    let first: String = r.get(6)?;
    let through: String = r.get(9)?;
    Ok(Series {
        id: parse_id(r.get_ref(0)?)?,
        patient_id: parse_id(r.get_ref(1)?)?,
        provider_id: parse_id(r.get_ref(2)?)?,
        room_id: opt_id(r.get(3)?, "room")?,
        type_id: parse_id(r.get_ref(4)?)?,
        rule: from_json::<RecurrenceRule>(&r.get::<_, String>(5)?, "recurrence rule")?,
        first_start: chrono::NaiveDateTime::parse_from_str(&first, "%Y-%m-%dT%H:%M:%S")
            .map_err(|_| bad("series start"))?,
        minutes: u32::try_from(r.get::<_, i64>(7)?).map_err(|_| bad("series length"))?,
        note: r.get(8)?,
        generated_through: through.parse().map_err(|_| bad("series horizon"))?,
        ended: r.get(10)?,
    })
}

const SERIES_COLUMNS: &str = "id, patient_id, provider_id, room_id, type_id, rule, first_start,
    minutes, note, generated_through, ended";

fn waitlist_from_row(r: &Row<'_>) -> rusqlite::Result<WaitlistEntry> {
    let status: String = r.get(6)?;
    Ok(WaitlistEntry {
        id: parse_id(r.get_ref(0)?)?,
        patient_id: parse_id(r.get_ref(1)?)?,
        provider_id: opt_id(r.get(2)?, "provider")?,
        type_id: parse_id(r.get_ref(3)?)?,
        preference: from_json::<Preference>(&r.get::<_, String>(4)?, "preference")?,
        note: r.get(5)?,
        status: status.parse().map_err(|_| bad("waitlist status"))?,
        appointment_id: opt_id(r.get(7)?, "appointment")?,
        since: r.get(8)?,
    })
}

const WAITLIST_COLUMNS: &str =
    "id, patient_id, provider_id, type_id, preference, note, status, appointment_id, created_at";

/// Longest appointment, so "overlaps [a, b)" can be an index range on the start.
const LONGEST: chrono::Duration = chrono::Duration::hours(8);

impl Reader<'_> {
    pub fn rooms(&self, include_archived: bool) -> Result<Vec<Room>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, hours, archived FROM room WHERE archived = 0 OR ?1 ORDER BY name",
        )?;
        let rows = stmt
            .query_map([include_archived], |r| {
                Ok(Room {
                    id: parse_id(r.get_ref(0)?)?,
                    name: r.get(1)?,
                    hours: from_json(&r.get::<_, String>(2)?, "room hours")?,
                    archived: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn appointment_types(&self, include_archived: bool) -> Result<Vec<AppointmentType>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, minutes, colour, needs_room, archived FROM appointment_type
             WHERE archived = 0 OR ?1 ORDER BY name",
        )?;
        let rows = stmt
            .query_map([include_archived], |r| {
                Ok(AppointmentType {
                    id: parse_id(r.get_ref(0)?)?,
                    name: r.get(1)?,
                    minutes: u32::try_from(r.get::<_, i64>(2)?).map_err(|_| bad("minutes"))?,
                    colour: r.get(3)?,
                    needs_room: r.get(4)?,
                    archived: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// A provider's week, if one was set.
    pub fn provider_hours(&self, provider: UserId) -> Result<Option<WeeklyHours>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT hours FROM provider_hours WHERE id = ?1")?
            .query_row([provider.to_string()], |r| r.get(0))
            .optional()?;
        Ok(text.map(|t| from_json(&t, "provider hours")).transpose()?)
    }

    /// The exceptions (not removed) on the days `from..=to`, for any resource.
    pub fn exceptions_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ScheduleException>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, resource_id, date, kind, note FROM schedule_exception
             WHERE date >= ?1 AND date <= ?2 AND removed = 0 ORDER BY date",
        )?;
        let rows = stmt
            .query_map(params![from.to_string(), to.to_string()], |r| {
                let date: String = r.get(2)?;
                Ok(ScheduleException {
                    id: parse_id::<ExceptionId>(r.get_ref(0)?)?,
                    resource: opt_id::<Uuid>(r.get(1)?, "resource")?,
                    date: date.parse().map_err(|_| bad("exception date"))?,
                    kind: from_json::<ExceptionKind>(&r.get::<_, String>(3)?, "exception")?,
                    note: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {APPOINTMENT_COLUMNS} FROM appointment WHERE id = ?1"
            ))?
            .query_row([id.to_string()], appointment_from_row)
            .optional()?)
    }

    /// Appointments starting in `[from, to)`, every status, by start.
    pub fn appointments_starting(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment WHERE starts_at >= ?1 AND starts_at < ?2
             ORDER BY starts_at"
        ))?;
        let rows = stmt
            .query_map(params![instant(from), instant(to)], appointment_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Appointments that still hold their slot and overlap `[from, to)` for the provider or
    /// the room.
    pub fn occupying(
        &self,
        provider: UserId,
        room: Option<RoomId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        let window = (instant(from - LONGEST), instant(to));
        let mut out: Vec<Appointment> = Vec::new();
        let mut by_provider = self.conn.prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment
             WHERE provider_id = ?1 AND starts_at >= ?2 AND starts_at < ?3
               AND status NOT IN ('cancelled', 'no_show')"
        ))?;
        for a in by_provider.query_map(
            params![provider.to_string(), window.0, window.1],
            appointment_from_row,
        )? {
            out.push(a?);
        }
        if let Some(room) = room {
            let mut by_room = self.conn.prepare_cached(&format!(
                "SELECT {APPOINTMENT_COLUMNS} FROM appointment
                 WHERE room_id = ?1 AND starts_at >= ?2 AND starts_at < ?3
                   AND status NOT IN ('cancelled', 'no_show')"
            ))?;
            for a in by_room.query_map(
                params![room.to_string(), window.0, window.1],
                appointment_from_row,
            )? {
                let a = a?;
                if !out.iter().any(|o| o.id == a.id) {
                    out.push(a);
                }
            }
        }
        out.retain(|a| a.starts_at < to && a.ends_at > from);
        Ok(out)
    }

    /// When clinicians are busy during `[from, to)`: the intervals of appointments that hold
    /// their slot, for one clinician or (`None`) all of them, without reading the rest of each
    /// appointment. What free-slot search needs, day after day.
    pub fn busy_intervals(
        &self,
        provider: Option<UserId>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(UserId, Interval)>> {
        let window = (instant(from - LONGEST), instant(to));
        let row = |r: &Row<'_>| -> rusqlite::Result<(UserId, Interval)> {
            Ok((
                parse_id(r.get_ref(0)?)?,
                Interval::new(r.get(1)?, r.get(2)?),
            ))
        };
        let mut rows: Vec<(UserId, Interval)> = match provider {
            Some(p) => self
                .conn
                .prepare_cached(
                    "SELECT provider_id, starts_at, ends_at FROM appointment
                     WHERE provider_id = ?1 AND starts_at >= ?2 AND starts_at < ?3
                       AND status NOT IN ('cancelled', 'no_show')",
                )?
                .query_map(params![p.to_string(), window.0, window.1], row)?
                .collect::<rusqlite::Result<_>>()?,
            None => self
                .conn
                .prepare_cached(
                    "SELECT provider_id, starts_at, ends_at FROM appointment
                     WHERE starts_at >= ?1 AND starts_at < ?2
                       AND status NOT IN ('cancelled', 'no_show')",
                )?
                .query_map(params![window.0, window.1], row)?
                .collect::<rusqlite::Result<_>>()?,
        };
        rows.retain(|(_, iv)| iv.start < to && iv.end > from);
        Ok(rows)
    }

    /// Appointments that hold a room during `[from, to)`.
    pub fn occupying_room(
        &self,
        room: RoomId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment
             WHERE room_id = ?1 AND starts_at >= ?2 AND starts_at < ?3
               AND status NOT IN ('cancelled', 'no_show')"
        ))?;
        let mut rows: Vec<Appointment> = stmt
            .query_map(
                params![room.to_string(), instant(from - LONGEST), instant(to)],
                appointment_from_row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        rows.retain(|a| a.starts_at < to && a.ends_at > from);
        Ok(rows)
    }

    /// A patient's appointments from `from` on, by start.
    pub fn appointments_of_patient(
        &self,
        patient: PatientId,
        from: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment WHERE patient_id = ?1 AND starts_at >= ?2
             ORDER BY starts_at"
        ))?;
        let rows = stmt
            .query_map(
                params![patient.to_string(), instant(from)],
                appointment_from_row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn series(&self, id: SeriesId) -> Result<Option<Series>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {SERIES_COLUMNS} FROM appointment_series WHERE id = ?1"
            ))?
            .query_row([id.to_string()], series_from_row)
            .optional()?)
    }

    /// Open series whose appointments stop before `through`.
    pub fn series_to_extend(&self, through: NaiveDate) -> Result<Vec<Series>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SERIES_COLUMNS} FROM appointment_series WHERE ended = 0 AND generated_through < ?1"
        ))?;
        let rows = stmt
            .query_map([through.to_string()], series_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The appointments of a series, by occurrence.
    pub fn appointments_of_series(&self, id: SeriesId) -> Result<Vec<Appointment>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointment WHERE series_id = ?1 ORDER BY series_index"
        ))?;
        let rows = stmt
            .query_map([id.to_string()], appointment_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn waitlist(&self) -> Result<Vec<WaitlistEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {WAITLIST_COLUMNS} FROM waitlist_entry WHERE status = 'waiting' ORDER BY created_at"
        ))?;
        let rows = stmt
            .query_map([], waitlist_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn waitlist_entry(&self, id: WaitlistId) -> Result<Option<WaitlistEntry>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {WAITLIST_COLUMNS} FROM waitlist_entry WHERE id = ?1"
            ))?
            .query_row([id.to_string()], waitlist_from_row)
            .optional()?)
    }

    /// Statuses of appointments, for counts in the day view.
    pub fn appointment_status_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(AppointmentStatus, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT status, count(*) FROM appointment WHERE starts_at >= ?1 AND starts_at < ?2 GROUP BY status",
        )?;
        let rows = stmt
            .query_map(params![instant(from), instant(to)], |r| {
                let s: String = r.get(0)?;
                Ok((
                    s.parse().map_err(|_| bad("status"))?,
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
