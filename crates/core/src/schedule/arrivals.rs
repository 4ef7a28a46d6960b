//! The day's flow through the clinic: check in (and its undo), start, complete, no-show, and
//! the check-in queue.

use serde_json::json;
use tend_domain::schedule::{Appointment, AppointmentStatus, Transition, local_day, transition};
use tend_domain::schedule::{NotNow, in_time};
use tend_domain::words;
use tend_domain::{Action, Entity, Value};
use tend_store::schedule::instant;
use tend_store::{AuditEntry, Outcome, StoreError};

use super::{Lookup, patients_of};
use crate::api::{AppointmentDto, QueueEntryDto};
use crate::{CoreError, Result, Session, Tend};

use super::booking::load;

/// One step of an appointment's life, with its timestamp and audit entry.
fn step(
    tend: &Tend,
    session: &Session,
    id: &str,
    t: Transition,
    action: &'static str,
) -> Result<AppointmentDto> {
    tend.authorize(session, Action::ScheduleBook)?;
    let tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let r = tx.read();
        let look = Lookup::load(&r, tz)?;
        let a = load(&r, id)?;
        match in_time(t, a.starts_at, now, tz) {
            Ok(()) => {}
            Err(NotNow::NotStarted) => {
                return Err(CoreError::refused(
                    "not_started_yet",
                    Some("appointment"),
                    "it has not started yet; cancel it instead",
                ));
            }
            Err(NotNow::NotToday) => {
                return Err(CoreError::refused(
                    "not_today",
                    Some("appointment"),
                    words!(
                        "this appointment is on {look}, not today; move it to today first",
                        look = look.local(a.starts_at)
                    ),
                ));
            }
        }
        let to = transition(a.status, t)?;
        let mut f: tend_domain::Fields = [("status".to_owned(), Value::from(to.as_str()))].into();
        let stamp = Value::from(instant(now));
        match t {
            Transition::CheckIn => {
                f.insert("checked_in_at".into(), stamp);
            }
            Transition::UndoCheckIn => {
                f.insert("checked_in_at".into(), Value::Null);
            }
            Transition::Start => {
                f.insert("started_at".into(), stamp);
            }
            Transition::Complete => {
                f.insert("completed_at".into(), stamp);
            }
            _ => {}
        }
        tx.update(Entity::Appointment, a.id, f)?;
        tx.audit(
            AuditEntry::new(action, Outcome::Ok)
                .record(Entity::Appointment, a.id)
                .detail(json!({ "status": to.as_str() })),
        )?;
        let updated = tx.read().appointment(a.id)?.ok_or(StoreError::NotFound {
            entity: "appointment",
        })?;
        let patient = tx.read().patient(updated.patient_id)?;
        Ok(look.dto(&updated, patient.as_ref()))
    })
}

pub fn check_in(tend: &Tend, session: &Session, id: &str) -> Result<AppointmentDto> {
    step(
        tend,
        session,
        id,
        Transition::CheckIn,
        "appointment.check_in",
    )
}

pub fn undo_check_in(tend: &Tend, session: &Session, id: &str) -> Result<AppointmentDto> {
    step(
        tend,
        session,
        id,
        Transition::UndoCheckIn,
        "appointment.undo_check_in",
    )
}

pub fn start(tend: &Tend, session: &Session, id: &str) -> Result<AppointmentDto> {
    step(tend, session, id, Transition::Start, "appointment.start")
}

pub fn complete(tend: &Tend, session: &Session, id: &str) -> Result<AppointmentDto> {
    step(
        tend,
        session,
        id,
        Transition::Complete,
        "appointment.complete",
    )
}

pub fn mark_no_show(tend: &Tend, session: &Session, id: &str) -> Result<AppointmentDto> {
    step(tend, session, id, Transition::NoShow, "appointment.no_show")
}

/// The check-in queue of a day: who has arrived, in arrival order, and how long they have
/// waited (until now, or until they were taken in).
pub fn queue(tend: &Tend, session: &Session, date: Option<&str>) -> Result<Vec<QueueEntryDto>> {
    tend.authorize(session, Action::ScheduleView)?;
    let tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    let date = match date {
        Some(d) => super::parse_day("date", d)?,
        None => now.with_timezone(&tz).date_naive(),
    };
    tend.store().read(|r| {
        let look = Lookup::load(r, tz)?;
        let span = local_day(date, tz);
        let mut arrived: Vec<Appointment> = r
            .appointments_starting(span.start, span.end)?
            .into_iter()
            .filter(|a| {
                matches!(
                    a.status,
                    AppointmentStatus::CheckedIn | AppointmentStatus::InProgress
                )
            })
            .collect();
        arrived.sort_by_key(|a| a.checked_in_at);
        let patients = patients_of(r, &arrived)?;
        Ok(arrived
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let at = a.checked_in_at?;
                let until = a.started_at.unwrap_or(now);
                Some(QueueEntryDto {
                    position: i + 1,
                    appointment: look.dto(a, patients.get(&a.patient_id)),
                    arrived_at: at,
                    waiting_minutes: (until - at).num_minutes().max(0),
                    late_minutes: (at - a.starts_at).num_minutes(),
                })
            })
            .collect())
    })
}
