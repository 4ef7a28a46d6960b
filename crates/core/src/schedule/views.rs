//! The day and week views and a patient's appointments: reads only (series are extended by
//! `extend_series`, a write the page asks for first).

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use tend_domain::schedule::local_day;
use tend_domain::{Action, User};
use tend_store::Reader;

use crate::api::{AppointmentDto, DayDto, ProviderDayDto};
use crate::{Result, Session, Tend};

use super::{Lookup, availability_on, parse_day, patients_of, spans};

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
