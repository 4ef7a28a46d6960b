//! Setting the clinic's schedule up: rooms and their hours, appointment types and the reminder
//! template, each change audited.

use serde_json::json;
use tend_domain::schedule::{AppointmentType, AppointmentTypeId, Room, RoomId, WeeklyHours};
use tend_domain::words;
use tend_domain::{Action, Entity};
use tend_store::schedule::{appointment_type_fields, room_fields};
use tend_store::{AuditEntry, Outcome};
use uuid::Uuid;

use crate::api::{AppointmentTypeDto, RoomDto};
use crate::{CoreError, Result, Session, Tend};

use super::Lookup;

pub(super) fn audit_setup(
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
                    "room_exists",
                    Some("name"),
                    words!(
                        "there is already a room called \"{name}\"",
                        name = room.name
                    ),
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
                    "appointment_type_exists",
                    Some("name"),
                    words!(
                        "there is already an appointment type called \"{name}\"",
                        name = t.name
                    ),
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

/// The clinic's reminder message.
pub fn set_reminder_template(tend: &Tend, session: &Session, template: &str) -> Result<()> {
    tend.authorize(session, Action::ScheduleSetup)?;
    let text = tend_domain::patients::parse_note("template", template, 600)?.ok_or_else(|| {
        CoreError::refused(
            "reminder_template_empty",
            Some("template"),
            "the reminder message cannot be empty",
        )
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
