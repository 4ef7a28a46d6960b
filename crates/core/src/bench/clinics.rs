//! The synthetic clinics the measurements run on: a clinic of the asked size with its users and
//! schedule, the day it is measured as of, and the queries people type.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use tend_store::keyring::NoKeyring;

use crate::clinic::{self, InitRequest, Unlock};
use crate::clock::ManualClock;
use crate::schedule::{self, synthetic::ScheduleFill};
use crate::synthetic::{self, SyntheticOptions};
use crate::users::{self, NewUser};
use crate::{Environment, Result, Session, SystemClock, Tend, auth, patients};

use super::BenchOptions;

pub(super) const PASSPHRASE: &str = "benchmark clinic passphrase";

pub(super) const ADMIN_PASSWORD: &str = "benchmark admin password";

pub(super) const DOCTOR_PASSWORD: &str = "benchmark doctor password";

/// The day the synthetic clinic's history runs up to; the schedule is measured as of 08:00
/// (Madrid) that morning, whatever the date the bench runs on.
pub(super) const AS_OF: (i32, u32, u32) = (2026, 11, 24);

pub(super) fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap_or_default()
}

/// Clinicians in the synthetic schedule (docs/design.md: a day's schedule for 10 providers).
pub(super) const CLINICIANS: usize = 10;

pub(super) fn env() -> Environment {
    Environment {
        clock: Arc::new(SystemClock),
        keyring: Arc::new(NoKeyring),
    }
}

/// The bench clinic's clock for the schedule: fixed at 08:00 in Madrid on `AS_OF`.
pub(super) fn schedule_env() -> Environment {
    let now = as_of().and_hms_opt(7, 0, 0).unwrap_or_default().and_utc();
    Environment {
        clock: Arc::new(ManualClock::new(now)),
        keyring: Arc::new(NoKeyring),
    }
}

pub(super) fn doctor_name(i: usize) -> String {
    if i == 1 {
        "doc".into()
    } else {
        format!("doc{i}")
    }
}

/// Ten clinicians with a working week, three appointment types, and a schedule from half a
/// year before `AS_OF` to two months after, the first week ahead booked solid. Built once per
/// clinic and kept.
fn bench_schedule(
    tend: &Tend,
    home: &Path,
    opts: &BenchOptions,
    progress: &dyn Fn(&str),
) -> Result<()> {
    let ready = home.join("schedule-ready");
    if ready.exists() {
        return Ok(());
    }
    progress("setting up 10 clinicians' weeks and filling their schedules");
    let admin = auth::sign_in(tend, "admin", ADMIN_PASSWORD)?;
    let existing: Vec<String> = users::list(tend, &admin)?
        .into_iter()
        .map(|u| u.username)
        .collect();
    for i in 1..=CLINICIANS {
        let name = doctor_name(i);
        if !existing.contains(&name) {
            users::add(
                tend,
                &admin,
                &NewUser {
                    username: &name,
                    display_name: &format!("Dr. Benchmark {i}"),
                    roles: "doctor",
                    licence_number: &format!("MD-{i}"),
                    password: DOCTOR_PASSWORD,
                },
            )?;
        }
        schedule::set_hours(
            tend,
            &admin,
            &name,
            "mon-fri 08:00-14:00,15:00-20:00",
            "mon-fri 11:00-11:20",
        )?;
    }
    let types: Vec<String> = schedule::appointment_types(tend, &admin)?
        .into_iter()
        .map(|t| t.name)
        .collect();
    for (name, minutes, colour) in [
        ("Consultation", 20, "#3b82f6"),
        ("Follow-up", 10, "#22c55e"),
        ("Long consultation", 40, "#f59e0b"),
    ] {
        if !types.iter().any(|t| t == name) {
            schedule::add_appointment_type(tend, &admin, name, minutes, colour, false)?;
        }
    }
    let doctor = auth::sign_in(tend, "doc", DOCTOR_PASSWORD)?;
    let report = schedule::synthetic::populate(
        tend,
        &doctor,
        ScheduleFill {
            as_of: as_of(),
            days_before: opts.schedule_days_before,
            days_after: opts.schedule_days_after,
            full_days_ahead: 7,
            fill_percent: 85,
            seed: opts.seed,
        },
        &|date, n| {
            if date.day() == 1 {
                progress(&format!("schedule: {n} appointments up to {date}"));
            }
        },
    )?;
    progress(&format!(
        "{} appointments over {} days in {:.0} s",
        report.appointments, report.days, report.seconds
    ));
    std::fs::write(&ready, b"").map_err(|e| tend_store::StoreError::Io {
        context: "marking the benchmark schedule ready".into(),
        source: e,
    })?;
    Ok(())
}

/// The synthetic clinic the measurements run on: built once per size and seed in `dir`, and
/// reused by later runs with the same work folder.
pub(super) fn bench_clinic(
    dir: &Path,
    opts: &BenchOptions,
    progress: &dyn Fn(&str),
) -> Result<(Tend, Session)> {
    let home = dir.join(format!("clinic-{}-seed{}", opts.patients, opts.seed));
    let ready = home.join("bench-ready");
    if !ready.exists() {
        let _ = std::fs::remove_dir_all(&home);
        progress(&format!(
            "building a synthetic clinic of {} patients (seed {})",
            opts.patients, opts.seed
        ));
        let init = clinic::init(
            &home,
            &InitRequest {
                clinic_name: "Benchmark Clinic",
                timezone: "Europe/Madrid",
                currency: "EUR",
                device_name: "Bench",
                admin_username: "admin",
                admin_display_name: "Benchmark Admin",
                admin_password: ADMIN_PASSWORD,
                passphrase: PASSPHRASE,
                units: "metric",
            },
            env(),
        )?;
        let admin = auth::sign_in(&init.tend, "admin", ADMIN_PASSWORD)?;
        users::add(
            &init.tend,
            &admin,
            &NewUser {
                username: "doc",
                display_name: "Dr. Benchmark",
                roles: "doctor",
                licence_number: "MD-1",
                password: DOCTOR_PASSWORD,
            },
        )?;
        let doctor = auth::sign_in(&init.tend, "doc", DOCTOR_PASSWORD)?;
        let started = Instant::now();
        let report = synthetic::populate(
            &init.tend,
            &doctor,
            SyntheticOptions {
                patients: opts.patients,
                seed: opts.seed,
                heavy_patients: 3.min(opts.patients),
                as_of: as_of(),
            },
            &|done| {
                if done % 10_000 == 0 {
                    progress(&format!(
                        "{done} patients ({:.0} s)",
                        started.elapsed().as_secs_f64()
                    ));
                }
            },
        )?;
        progress(&format!(
            "{} patients, {} visits, {} events in {:.0} s",
            report.patients, report.visits, report.events, report.seconds
        ));
        std::fs::write(&ready, b"").map_err(|e| tend_store::StoreError::Io {
            context: "marking the benchmark clinic ready".into(),
            source: e,
        })?;
    }
    let tend = clinic::open(&home, Unlock::Passphrase(PASSPHRASE), env())?;
    bench_schedule(&tend, &home, opts, progress)?;
    // Measure on a fresh connection, as a clinic's day starts: not on the one that just
    // bulk-wrote the synthetic schedule (that one searches several times slower).
    drop(tend);
    let tend = clinic::open(&home, Unlock::Passphrase(PASSPHRASE), env())?;
    let doctor = auth::sign_in(&tend, "doc", DOCTOR_PASSWORD)?;
    Ok((tend, doctor))
}

/// Queries people type, made from real patients of the clinic: full and partial names, a typo,
/// swapped order, phone digits from the start and the end, and MRNs.
/// What a doctor types into the problem form, a letter at a time: `hyp`, `hype`, … `essential`,
/// `essential p`, … for the first two words of each common code's description.
pub(super) fn icd_queries() -> Vec<String> {
    let mut queries = Vec::new();
    for code in tend_domain::icd10cm::catalog().common() {
        let words = tend_domain::text::tokens(&code.description);
        let mut typed = String::new();
        for word in words.iter().take(2) {
            for end in 1..=word.len() {
                let q = format!("{typed}{}", &word[..end]);
                if q.len() >= 3 {
                    queries.push(q);
                }
            }
            typed = format!("{typed}{word} ");
        }
    }
    queries
}

pub(super) fn search_queries(
    tend: &Tend,
    doctor: &Session,
    opts: &BenchOptions,
) -> Result<Vec<String>> {
    let code = clinic::settings(tend, doctor)?.device_code;
    let mut rng = fastrand::Rng::with_seed(opts.seed ^ 0x5eed);
    let mut queries = Vec::with_capacity(opts.search_queries);
    while queries.len() < opts.search_queries {
        let mrn = format!("{code}-{:06}", rng.usize(1..=opts.patients));
        let p = patients::get(tend, doctor, &mrn)?;
        let family: Vec<char> = p.family_name.chars().collect();
        let given: String = p.given_name.chars().take(3).collect();
        let digits: String = p.phones[0]
            .number
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let q = match queries.len() % 7 {
            0 => format!("{} {}", p.given_name, p.family_name),
            1 => format!("{} {given}", family.iter().take(4).collect::<String>()),
            2 if family.len() >= 5 => {
                let mut typo = family.clone();
                typo.swap(2, 3);
                typo.into_iter().collect()
            }
            3 => format!("{} {}", p.family_name, p.given_name),
            4 => digits[digits.len().saturating_sub(7)..].to_owned(),
            5 => digits.chars().take(6).collect(),
            _ => mrn,
        };
        queries.push(q);
    }
    Ok(queries)
}
