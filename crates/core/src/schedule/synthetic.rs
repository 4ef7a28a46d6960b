//! A synthetic schedule for demos and benchmarks: every clinician's bookable hours (their week,
//! breaks and days off honoured) filled with appointments of the clinic's types for real
//! patients of the clinic. Past days are mostly completed, with some no-shows and
//! cancellations; the days just ahead are fully booked and later ones partly. Everything goes
//! through the normal write path: one transaction and one audit entry per day.

use std::time::Instant;

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::json;
use tend_domain::schedule::{
    Appointment, AppointmentId, AppointmentStatus, AppointmentType, local_day,
};
use tend_domain::words;
use tend_domain::{Action, Entity};
use tend_store::schedule::appointment_fields;
use tend_store::{AuditEntry, Outcome};

use super::{Lookup, availability_on};
use crate::{CoreError, Result, Session, Tend};

#[derive(Debug, Clone, Copy)]
pub struct ScheduleFill {
    /// The clinic's "today": days before it are history, from it on are bookings.
    pub as_of: NaiveDate,
    pub days_before: u32,
    pub days_after: u32,
    /// Days from `as_of` on that are booked solid (a busy clinic books ahead).
    pub full_days_ahead: u32,
    /// The share of slots booked on the other days, in percent.
    pub fill_percent: u8,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleReport {
    pub days: usize,
    pub appointments: usize,
    pub seconds: f64,
}

const CANCEL_REASONS: [&str; 4] = [
    "patient called to cancel",
    "unwell, will call back",
    "travelling",
    "clinician away",
];

/// Fills the schedule from `as_of - days_before` to `as_of + days_after` (inclusive). The clinic
/// needs clinicians with hours, appointment types that need no room, and patients.
/// `progress` is called after each day.
pub fn populate(
    tend: &Tend,
    session: &Session,
    opts: ScheduleFill,
    progress: &dyn Fn(NaiveDate, usize),
) -> Result<ScheduleReport> {
    tend.authorize(session, Action::ScheduleBook)?;
    let started = Instant::now();
    let tz = tend.clinic_context()?.timezone;
    let first = opts.as_of - Duration::days(i64::from(opts.days_before));
    let last = opts.as_of + Duration::days(i64::from(opts.days_after));
    let (look, weeks, patients, exceptions) = tend.store().read(|r| {
        let look = Lookup::load(r, tz)?;
        let weeks = look
            .providers()
            .iter()
            .map(|u| Ok((u.id, r.provider_hours(u.id)?)))
            .collect::<Result<Vec<_>>>()?;
        let patients = r.patient_ids(usize::MAX)?;
        let exceptions = r.exceptions_between(first, last)?;
        let booked: u64 = r
            .appointment_status_counts(local_day(first, tz).start, local_day(last, tz).end)?
            .iter()
            .map(|(_, n)| n)
            .sum();
        if booked > 0 {
            return Err(CoreError::refused(
                "bench_schedule_not_empty",
                None,
                words!(
                    "the schedule from {first} to {last} already holds {booked} appointments; a \
                     synthetic schedule fills an empty one",
                    first = first,
                    last = last,
                    booked = booked
                ),
            ));
        }
        Ok::<_, CoreError>((look, weeks, patients, exceptions))
    })?;
    let mut types: Vec<AppointmentType> = look
        .types
        .values()
        .filter(|t| !t.archived && !t.needs_room)
        .cloned()
        .collect();
    types.sort_by(|a, b| a.name.cmp(&b.name));
    if types.is_empty() || patients.is_empty() || weeks.iter().all(|(_, w)| w.is_none()) {
        return Err(CoreError::refused(
            "bench_schedule_needs_setup",
            None,
            "a synthetic schedule needs clinicians with hours, an appointment type that needs \
             no room, and patients",
        ));
    }
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let mut report = ScheduleReport {
        days: 0,
        appointments: 0,
        seconds: 0.0,
    };
    let mut date = first;
    while date <= last {
        let ahead = (date - opts.as_of).num_days();
        let fill = if (0..i64::from(opts.full_days_ahead)).contains(&ahead) {
            100
        } else {
            opts.fill_percent.min(100)
        };
        let made = tend
            .store()
            .write(tend.ctx(Some(session.user_id())), |tx| {
                let mut made = 0;
                for (provider, week) in &weeks {
                    let avail =
                        availability_on(week.as_ref(), provider.as_uuid(), &exceptions, date, tz);
                    for span in avail.bookable() {
                        let mut t = span.start;
                        loop {
                            // Any type that still fits, so a full day has no gaps at its ends.
                            let fits: Vec<&AppointmentType> = types
                                .iter()
                                .filter(|k| t + Duration::minutes(i64::from(k.minutes)) <= span.end)
                                .collect();
                            if fits.is_empty() {
                                break;
                            }
                            let kind = fits[rng.usize(..fits.len())];
                            let end = t + Duration::minutes(i64::from(kind.minutes));
                            if rng.u8(..100) < fill {
                                let patient = patients[rng.usize(..patients.len())];
                                let a = appointment(
                                    &mut rng,
                                    session,
                                    *provider,
                                    patient,
                                    kind,
                                    t,
                                    end,
                                    ahead < 0,
                                );
                                tx.create(Entity::Appointment, a.id, appointment_fields(&a))?;
                                made += 1;
                            }
                            t = end;
                        }
                    }
                }
                tx.audit(
                    AuditEntry::new("synthetic.schedule_day", Outcome::Ok)
                        .detail(json!({ "date": date, "appointments": made })),
                )?;
                Ok::<_, CoreError>(made)
            })?;
        report.days += 1;
        report.appointments += made;
        progress(date, report.appointments);
        date += Duration::days(1);
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// One appointment; a past one has come and gone: mostly completed (checked in a little
/// before, started a little after), some no-shows and cancellations.
#[allow(clippy::too_many_arguments)]
fn appointment(
    rng: &mut fastrand::Rng,
    session: &Session,
    provider: tend_domain::UserId,
    patient: tend_domain::patients::PatientId,
    kind: &AppointmentType,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    past: bool,
) -> Appointment {
    let mut a = Appointment {
        id: AppointmentId::new(),
        patient_id: patient,
        provider_id: provider,
        room_id: None,
        type_id: kind.id,
        starts_at: start,
        ends_at: end,
        status: AppointmentStatus::Booked,
        series_id: None,
        series_index: None,
        note: None,
        cancel_reason: None,
        overrides: Vec::new(),
        checked_in_at: None,
        started_at: None,
        completed_at: None,
        booked_by: session.user_id(),
    };
    if past {
        match rng.u8(..100) {
            0..6 => a.status = AppointmentStatus::NoShow,
            6..12 => {
                a.status = AppointmentStatus::Cancelled;
                a.cancel_reason = Some(CANCEL_REASONS[rng.usize(..CANCEL_REASONS.len())].into());
            }
            _ => {
                let arrived = start - Duration::minutes(rng.i64(-5..20));
                let called = start + Duration::minutes(rng.i64(0..15));
                a.status = AppointmentStatus::Completed;
                a.checked_in_at = Some(arrived);
                a.started_at = Some(called.max(arrived));
                a.completed_at = Some(called.max(arrived) + (end - start));
            }
        }
    }
    a
}
