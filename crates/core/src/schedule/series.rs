//! Recurring series grow as time passes: their appointments are made up to a date, a write of
//! its own that the page and the CLI ask for before showing those days.

use std::collections::HashSet;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use serde_json::json;
use tend_domain::schedule::{Appointment, AppointmentId, AppointmentStatus, Interval, to_utc};
use tend_domain::{Action, Entity, Value};
use tend_store::schedule::appointment_fields;
use tend_store::{AuditEntry, Outcome};

use super::{HORIZON_DAYS, Lookup};
use crate::{Result, Session, Tend};

use super::booking::{check, kinds_of};

/// `extend_series` through a date as typed or sent by the page (`2027-12-31`).
pub fn extend_through(tend: &Tend, session: &Session, through: &str) -> Result<usize> {
    let through = super::parse_day("through", through)?;
    extend_series(tend, session, through)
}

/// Generates the appointments of open series up to `through` (and the standing horizon), so
/// series grow as time passes; conflicts of new occurrences are recorded on them, since the
/// series itself was booked on purpose. A write of its own, which the page and the CLI ask for
/// before showing days up to `through`; the views themselves only read.
pub fn extend_series(tend: &Tend, session: &Session, through: NaiveDate) -> Result<usize> {
    tend.authorize(session, Action::ScheduleView)?;
    let tz: Tz = tend.clinic_context()?.timezone;
    let now = tend.now();
    let target = through.max(now.with_timezone(&tz).date_naive() + Duration::days(HORIZON_DAYS));
    let pending = tend.store().read(|r| r.series_to_extend(target))?;
    if pending.is_empty() {
        return Ok(0);
    }
    tend.store().write(tend.ctx(Some(session.user_id())), |tx| {
        let look = Lookup::load(&tx.read(), tz)?;
        let mut made = 0;
        for s in tx.read().series_to_extend(target)? {
            let existing: HashSet<u32> = tx
                .read()
                .appointments_of_series(s.id)?
                .iter()
                .filter_map(|a| a.series_index)
                .collect();
            let last = existing.iter().max().copied();
            let needs_room = look.types.get(&s.type_id).is_some_and(|t| t.needs_room);
            for (index, local) in s.rule.occurrences(s.first_start, target) {
                if existing.contains(&index) || last.is_some_and(|l| index < l) {
                    continue;
                }
                let start = to_utc(local, tz);
                let iv = Interval::new(start, start + Duration::minutes(i64::from(s.minutes)));
                let (room, c) = check(
                    &tx.read(),
                    &look,
                    s.provider_id,
                    s.room_id,
                    needs_room,
                    iv,
                    &HashSet::new(),
                    now,
                )?;
                let a = Appointment {
                    id: AppointmentId::new(),
                    patient_id: s.patient_id,
                    provider_id: s.provider_id,
                    room_id: room,
                    type_id: s.type_id,
                    starts_at: iv.start,
                    ends_at: iv.end,
                    status: AppointmentStatus::Booked,
                    series_id: Some(s.id),
                    series_index: Some(index),
                    note: s.note.clone(),
                    cancel_reason: None,
                    overrides: kinds_of(&c),
                    checked_in_at: None,
                    started_at: None,
                    completed_at: None,
                    booked_by: session.user_id(),
                };
                tx.create(Entity::Appointment, a.id, appointment_fields(&a))?;
                made += 1;
            }
            tx.update(
                Entity::AppointmentSeries,
                s.id,
                [(
                    "generated_through".to_owned(),
                    Value::from(target.to_string()),
                )]
                .into(),
            )?;
        }
        tx.audit(
            AuditEntry::new("series.extend", Outcome::Ok)
                .detail(json!({ "through": target, "appointments": made })),
        )?;
        Ok(made)
    })
}
