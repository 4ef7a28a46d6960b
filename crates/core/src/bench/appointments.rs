//! The schedule measured: a fully booked day for every clinician, and free-slot search.

use std::time::Instant;

use chrono::Datelike;

use crate::clinic::{self, Unlock};
use crate::schedule;
use crate::{Result, auth};

use super::clinics::{CLINICIANS, DOCTOR_PASSWORD, PASSPHRASE, as_of, doctor_name, schedule_env};
use super::{BenchOptions, Measurement, latency};

/// The day view and free-slot search, on the clinic reopened with its clock at 08:00 on
/// `AS_OF`: the working days of the week ahead are booked solid.
pub(super) fn schedule_measurements(
    paths: &tend_store::DataPaths,
    opts: &BenchOptions,
    progress: &dyn Fn(&str),
) -> Result<Vec<Measurement>> {
    let tend = clinic::open(paths.dir(), Unlock::Passphrase(PASSPHRASE), schedule_env())?;
    let doctor = auth::sign_in(&tend, "doc", DOCTOR_PASSWORD)?;
    let size = Some(opts.patients);
    let days: Vec<String> = (1..=7)
        .map(|i| as_of() + chrono::Duration::days(i))
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .map(|d| d.to_string())
        .collect();
    let mut out = Vec::new();

    progress("timing the day view of 10 clinicians");
    let first = schedule::day(&tend, &doctor, &days[0], None)?;
    let booked: usize = first.providers.iter().map(|p| p.appointments.len()).sum();
    let mut times = Vec::with_capacity(opts.schedule_rounds);
    for i in 0..opts.schedule_rounds {
        let start = Instant::now();
        schedule::day(&tend, &doctor, &days[i % days.len()], None)?;
        times.push(start.elapsed());
    }
    out.push(latency(
        "schedule_day",
        format!(
            "schedule::day for all {} clinicians of a fully booked working day ({booked} \
             appointments on {}, with each patient's name and phone), rotating over the {} \
             working days ahead; the clinic holds a synthetic schedule from {} days before to {} \
             after",
            first.providers.len(),
            days[0],
            days.len(),
            opts.schedule_days_before,
            opts.schedule_days_after
        ),
        size,
        &mut times,
        Some(5.0),
    ));

    progress("timing the next free slots");
    let from = days[0].clone();
    let found = schedule::free_slots(&tend, &doctor, Some("doc"), "Consultation", &from, 10)?;
    let mut one = Vec::with_capacity(opts.schedule_rounds);
    let mut any = Vec::with_capacity(opts.schedule_rounds);
    for i in 0..opts.schedule_rounds {
        let name = doctor_name(i % CLINICIANS + 1);
        let start = Instant::now();
        schedule::free_slots(&tend, &doctor, Some(&name), "Consultation", &from, 10)?;
        one.push(start.elapsed());
        let start = Instant::now();
        schedule::free_slots(&tend, &doctor, None, "Consultation", &from, 10)?;
        any.push(start.elapsed());
    }
    out.push(latency(
        "free_slots",
        format!(
            "schedule::free_slots: the next 10 free 20-minute slots with one clinician from {from}, \
             the week ahead booked solid so the search crosses it (the first found: {})",
            found.first().map_or("none", |s| s.local_start.as_str())
        ),
        size,
        &mut one,
        Some(5.0),
    ));
    out.push(latency(
        "free_slots_any",
        format!(
            "schedule::free_slots: the next 10 free 20-minute slots with any of the {CLINICIANS} \
             clinicians, same days"
        ),
        size,
        &mut any,
        Some(5.0),
    ));
    Ok(out)
}
