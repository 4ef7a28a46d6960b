//! Providers' working hours and the days off and changed hours of people and rooms.

use chrono::{Duration, NaiveTime};
use serde_json::json;
use tend_domain::schedule::{ExceptionId, ExceptionKind, RoomId, ScheduleException, WeeklyHours};
use tend_domain::words;
use tend_domain::{Action, Entity, UserId};
use tend_store::schedule::{exception_fields, hours_fields};
use uuid::Uuid;

use crate::api::{ExceptionDto, ProviderHoursDto};
use crate::{CoreError, Result, Session, Tend};

use super::setup::audit_setup;
use super::{Lookup, parse_day};

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
            "bad_date_range",
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
                        words!("\"{s}\" is not a time", s = s.trim()),
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
