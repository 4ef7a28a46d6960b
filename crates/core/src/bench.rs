//! `tend bench`: measurements on synthetic clinics, reported as percentiles beside the budgets
//! of docs/design.md. Nothing here asserts a time; the numbers go to `docs/benchmarks.md`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use tend_domain::DatabaseId;
use tend_store::bench::{ClinicDay, Workload, clinic_day_time, open_times, workload_time};
use tend_store::keyring::NoKeyring;
use tend_store::{DbKey, KdfParams, KeySlots, RecoveryKey, Secret};

use crate::clinic::{self, InitRequest, Unlock};
use crate::clock::ManualClock;
use crate::schedule::{self, synthetic::ScheduleFill};
use crate::synthetic::{self, SyntheticOptions};
use crate::users::{self, NewUser};
use crate::{Environment, Result, Session, SystemClock, Tend, auth, chart, patients};

/// One measured quantity; printed as one JSON object per line by `tend bench --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub name: &'static str,
    pub what: String,
    /// Samples behind the percentiles.
    pub n: usize,
    /// Size of the clinic measured, where it matters.
    pub patients: Option<usize>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    /// The budget of docs/design.md and what it bounds (`p95_ms` or `ratio`), where there is one.
    pub budget: Option<f64>,
    pub budget_of: Option<&'static str>,
    pub within_budget: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// The slowest sample, where the budget bounds it (`budget_of` = `max_ms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub tend_version: &'static str,
    pub cpus: usize,
    pub measurements: Vec<Measurement>,
}

#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    /// Size of the synthetic clinic (docs/design.md: 100,000).
    pub patients: usize,
    pub seed: u64,
    pub open_rounds: usize,
    pub unlock_rounds: usize,
    pub search_queries: usize,
    pub chart_rounds: usize,
    pub workload: Workload,
    pub clinic_day: ClinicDay,
    pub workload_rounds: usize,
    /// Day views and free-slot searches timed.
    pub schedule_rounds: usize,
    /// The synthetic schedule: history before the bench's day, bookings after it.
    pub schedule_days_before: u32,
    pub schedule_days_after: u32,
    /// The synthetic billing before the bench's day: days, and invoices each working day.
    pub billing_days: u32,
    pub invoices_per_day: usize,
    /// Close-outs, invoice prints and unpaid lists timed.
    pub billing_rounds: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            patients: 100_000,
            seed: 42,
            open_rounds: 60,
            unlock_rounds: 10,
            search_queries: 3_000,
            chart_rounds: 300,
            workload: Workload {
                rows: 20_000,
                batch: 100,
                lookups: 20_000,
                scans: 5_000,
            },
            clinic_day: ClinicDay {
                existing: 20_000,
                writes: 1_000,
                lookups_per_write: 20,
                scans_per_write: 5,
            },
            workload_rounds: 5,
            schedule_rounds: 300,
            schedule_days_before: 180,
            schedule_days_after: 60,
            billing_days: 365,
            invoices_per_day: 120,
            billing_rounds: 200,
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p`-th percentile (nearest rank) of `times`.
fn percentile(times: &mut [Duration], p: f64) -> Duration {
    if times.is_empty() {
        return Duration::ZERO;
    }
    times.sort_unstable();
    let rank = ((p / 100.0) * times.len() as f64).ceil() as usize;
    times[rank.clamp(1, times.len()) - 1]
}

/// A measurement of latencies against a p95 budget (or none).
pub(crate) fn latency(
    name: &'static str,
    what: String,
    patients: Option<usize>,
    times: &mut [Duration],
    budget_ms: Option<f64>,
) -> Measurement {
    let p95 = ms(percentile(times, 95.0));
    Measurement {
        name,
        what,
        n: times.len(),
        patients,
        p50_ms: ms(percentile(times, 50.0)),
        p95_ms: p95,
        budget: budget_ms,
        budget_of: budget_ms.map(|_| "p95_ms"),
        within_budget: budget_ms.map(|b| p95 <= b),
        ratio: None,
        max_ms: None,
    }
}

const PASSPHRASE: &str = "benchmark clinic passphrase";
const ADMIN_PASSWORD: &str = "benchmark admin password";
const DOCTOR_PASSWORD: &str = "benchmark doctor password";

/// The day the synthetic clinic's history runs up to; the schedule is measured as of 08:00
/// (Madrid) that morning, whatever the date the bench runs on.
const AS_OF: (i32, u32, u32) = (2026, 11, 24);

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap_or_default()
}

/// Clinicians in the synthetic schedule (docs/design.md: a day's schedule for 10 providers).
const CLINICIANS: usize = 10;

fn env() -> Environment {
    Environment {
        clock: Arc::new(SystemClock),
        keyring: Arc::new(NoKeyring),
    }
}

/// The bench clinic's clock for the schedule: fixed at 08:00 in Madrid on `AS_OF`.
fn schedule_env() -> Environment {
    let now = as_of().and_hms_opt(7, 0, 0).unwrap_or_default().and_utc();
    Environment {
        clock: Arc::new(ManualClock::new(now)),
        keyring: Arc::new(NoKeyring),
    }
}

fn doctor_name(i: usize) -> String {
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
fn bench_clinic(
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
fn icd_queries() -> Vec<String> {
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

fn search_queries(tend: &Tend, doctor: &Session, opts: &BenchOptions) -> Result<Vec<String>> {
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

/// Runs every benchmark in `dir` (which should be a work folder; synthetic clinics are kept
/// there for the next run).
pub fn run(dir: &Path, opts: BenchOptions, progress: &dyn Fn(&str)) -> Result<BenchReport> {
    let mut measurements = Vec::new();
    let (tend, doctor) = bench_clinic(dir, &opts, progress)?;
    let size = Some(opts.patients);

    progress("timing patient search");
    let queries = search_queries(&tend, &doctor, &opts)?;
    for q in queries.iter().take(100) {
        patients::search(&tend, &doctor, q, 20)?;
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut empty = 0;
    for q in &queries {
        let start = Instant::now();
        let hits = patients::search(&tend, &doctor, q, 20)?;
        times.push(start.elapsed());
        empty += usize::from(hits.is_empty());
    }
    measurements.push(latency(
        "patient_search",
        format!(
            "patients::search, 20 results, over {} queries made from real patients: full name, \
             partial name, a typo, swapped order, phone digits from the end and the start, MRN \
             ({empty} found nothing)",
            queries.len()
        ),
        size,
        &mut times,
        Some(5.0),
    ));

    progress("timing ICD-10-CM search");
    let queries = icd_queries();
    let mut times = Vec::with_capacity(queries.len());
    for q in &queries {
        let start = Instant::now();
        crate::clinical::icd_search(q, 8)?;
        times.push(start.elapsed());
    }
    measurements.push(latency(
        "icd_search",
        format!(
            "clinical::icd_search, 8 results as the problem form asks, over {} queries typed \
             letter by letter (from 3 letters) from the first two words of each common code's \
             description; the first one included",
            queries.len()
        ),
        None,
        &mut times,
        None,
    ));

    progress("timing the chart summary of patients with 1,000+ visits");
    let code = clinic::settings(&tend, &doctor)?.device_code;
    let heavy: Vec<String> = (1..=3.min(opts.patients))
        .map(|i| format!("{code}-{i:06}"))
        .collect();
    let visits = chart::summary(&tend, &doctor, &heavy[0])?.visit_count;
    let mut times = Vec::with_capacity(opts.chart_rounds);
    for i in 0..opts.chart_rounds {
        let start = Instant::now();
        chart::summary(&tend, &doctor, &heavy[i % heavy.len()])?;
        times.push(start.elapsed());
    }
    measurements.push(latency(
        "chart_summary",
        format!(
            "chart::summary (banner, problems, medications, last 10 visits, latest vitals and \
             trend, and its audit entry, committed) for patients with 1,000+ visits ({visits} \
             for the first)"
        ),
        size,
        &mut times,
        Some(10.0),
    ));

    progress("timing the sync status the desktop's badge polls");
    let mut times = Vec::with_capacity(opts.chart_rounds);
    for _ in 0..opts.chart_rounds {
        let start = Instant::now();
        crate::sync::status(&tend, &doctor)?;
        times.push(start.elapsed());
    }
    measurements.push(latency(
        "sync_status",
        "sync::status (changes waiting to be sent, conflicts, last round), which the desktop's \
         sync badge reads every 5 s, in a clinic whose whole history is still to be sent"
            .into(),
        size,
        &mut times,
        None,
    ));

    progress("timing a 5-item prescription printed to PDF");
    measurements.extend(rx_measurements(&tend, &doctor, &heavy[0], &opts)?);

    measurements.extend(billing_measurements(&tend, &heavy[0], &opts, progress)?);

    progress("timing writes while a backup runs");
    measurements.extend(backup_measurements(&tend, &doctor, dir, size)?);

    let paths = tend.store().paths().clone();
    let key = tend.store().key().clone();
    drop(tend);
    measurements.extend(schedule_measurements(&paths, &opts, progress)?);

    progress("timing database open");
    let mut opens = open_times(&paths, &key, opts.open_rounds)?;
    measurements.push(latency(
        "db_open",
        "open the store with the raw key (key check, pragmas, migration check, audit head)".into(),
        size,
        &mut opens,
        Some(50.0),
    ));

    progress("timing a key-slot unlock (argon2id, 64 MiB, t=3, p=4)");
    let slots = KeySlots::new(
        DatabaseId::new(),
        &key,
        "benchmark passphrase",
        &RecoveryKey::generate()?,
        KdfParams::CLINIC,
    )?;
    let mut unlocks = Vec::new();
    for _ in 0..opts.unlock_rounds {
        let start = Instant::now();
        slots.unlock(Secret::Passphrase("benchmark passphrase"))?;
        unlocks.push(start.elapsed());
    }
    measurements.push(latency(
        "keyslot_unlock",
        "unwrap the database key with the passphrase: argon2id (64 MiB, t=3, p=4) and \
         XChaCha20-Poly1305; paid only when the OS keyring cannot supply the key"
            .into(),
        None,
        &mut unlocks,
        None,
    ));

    progress("timing the same workloads on SQLCipher with a key and without");
    measurements.extend(cipher_ratios(dir, &opts, &key)?);
    Ok(BenchReport {
        tend_version: env!("CARGO_PKG_VERSION"),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        measurements,
    })
}

/// A whole backup (written, read back and checked) of the bench clinic while the front desk
/// keeps editing a patient: how long the backup takes and how large it is, and how long each
/// edit took meanwhile (docs/design.md: no write waits more than 50 ms).
fn backup_measurements(
    tend: &Tend,
    who: &Session,
    dir: &Path,
    patients: Option<usize>,
) -> Result<Vec<Measurement>> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let folder = dir.join("bench-backups");
    std::fs::create_dir_all(&folder).map_err(|e| {
        crate::CoreError::Store(tend_store::StoreError::Io {
            context: "making the bench's backup folder".into(),
            source: e,
        })
    })?;
    let file = folder.join("bench.tendbackup");
    // One patient of the bench's own, whose phone the front desk keeps correcting: the writes
    // change the clinic's records, not its size, however often the bench runs.
    let form = |n: usize| tend_domain::patient::PatientForm {
        given_name: "Benchmark".into(),
        family_name: "Durante".into(),
        birth_date: "1985-05-05".into(),
        phones: vec![format!("699 {n:06}")],
        ..Default::default()
    };
    let mrn = match patients::search(tend, who, "Benchmark Durante 1985-05-05", 1)?.first() {
        Some(p) => p.mrn.clone(),
        None => {
            patients::register(tend, who, &form(0), patients::OnDuplicates::RegisterAnyway)?.mrn
        }
    };
    let edit = |n: usize| patients::edit(tend, who, &mrn, &form(n)).map(drop);
    // An edit every 20 ms, timed, until `done`.
    let writes = |done: &AtomicBool, first: usize| {
        let mut times = Vec::new();
        let mut n = first;
        while !done.load(Ordering::Relaxed) {
            let start = Instant::now();
            edit(n)?;
            times.push(start.elapsed());
            n += 1;
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok::<_, crate::CoreError>(times)
    };
    let done = AtomicBool::new(false);
    let (backup, during) = std::thread::scope(|s| {
        let writer = s.spawn(|| writes(&done, 1000));
        let start = Instant::now();
        let info = tend.store().backup(&file, tend.now());
        let took = start.elapsed();
        done.store(true, Ordering::Relaxed);
        let times = writer.join().unwrap_or_else(|_| Ok(Vec::new()));
        ((info, took), times)
    });
    let (info, took) = backup;
    let info = info?;
    let mut during = during?;
    let _ = std::fs::remove_file(&file);
    // The same writes for as long with no backup: the disk's own slowest commits, without
    // which the slowest write during the backup says nothing about the backup.
    let done = AtomicBool::new(false);
    let mut quiet = std::thread::scope(|s| {
        let writer = s.spawn(|| writes(&done, 100_000));
        std::thread::sleep(took);
        done.store(true, Ordering::Relaxed);
        writer.join().unwrap_or_else(|_| Ok(Vec::new()))
    })?;
    let over = |times: &[Duration]| times.iter().filter(|t| ms(**t) > 50.0).count();
    let slowest = |times: &[Duration]| times.iter().max().copied().unwrap_or_default();
    let max = slowest(&during);
    let mut wait = latency(
        "backup_write_wait",
        format!(
            "patients::edit (a phone corrected: validate, write, audit) every 20 ms while a \
             backup of the clinic is written, read back and checked; {} edits, the slowest \
             {:.1} ms, {} over 50 ms",
            during.len(),
            ms(max),
            over(&during),
        ),
        patients,
        &mut during,
        None,
    );
    wait.max_ms = Some(ms(max));
    wait.budget = Some(50.0);
    wait.budget_of = Some("max_ms");
    wait.within_budget = Some(ms(max) <= 50.0);
    let quiet_max = slowest(&quiet);
    let mut calm = latency(
        "quiet_write_wait",
        format!(
            "the same edits for as long ({:.0} s) with no backup running: {} edits, the slowest \
             {:.1} ms, {} over 50 ms (what the disk does by itself)",
            took.as_secs_f64(),
            quiet.len(),
            ms(quiet_max),
            over(&quiet),
        ),
        patients,
        &mut quiet,
        None,
    );
    calm.max_ms = Some(ms(quiet_max));
    let mut whole = vec![took];
    Ok(vec![
        wait,
        calm,
        latency(
            "backup_run",
            format!(
                "Store::backup: copy from one read snapshot, run every check a restore runs on \
                 the copy, write {:.0} MB, read it back from the disk and compare ({} patients, {} \
                 audit entries counted)",
                info.bytes as f64 / f64::from(1 << 20),
                info.counts.patients,
                info.audit_entries
            ),
            patients,
            &mut whole,
            None,
        ),
    ])
}

/// A signed 5-item prescription printed over and over: the first print in the process (which
/// parses the embedded fonts) and then each one the way the desk sees it.
fn rx_measurements(
    tend: &Tend,
    doctor: &Session,
    mrn: &str,
    opts: &BenchOptions,
) -> Result<Vec<Measurement>> {
    use tend_domain::prescribing::prescription::ItemForm;
    let item =
        |drug: &str, strength: &str, form: &str, dose: &str, freq: &str, days: &str| ItemForm {
            drug: drug.into(),
            strength: strength.into(),
            form: form.into(),
            dose: dose.into(),
            route: "oral".into(),
            frequency: freq.into(),
            duration: days.into(),
            instructions: "Take with a full glass of water; if a dose is missed, take it when \
                           remembered unless the next one is nearly due."
                .into(),
            ..ItemForm::default()
        };
    let items = [
        item(
            "amoxicillin",
            "500 mg",
            "capsule",
            "1 capsule",
            "TID",
            "7 days",
        ),
        item(
            "paracetamol",
            "500 mg",
            "tablet",
            "2 tablets",
            "q6h PRN",
            "5 days",
        ),
        item(
            "omeprazole",
            "20 mg",
            "capsule",
            "1 capsule",
            "OD",
            "28 days",
        ),
        item(
            "atorvastatin",
            "20 mg",
            "tablet",
            "1 tablet",
            "QHS",
            "30 days",
        ),
        item("cetirizine", "10 mg", "tablet", "1 tablet", "OD", "14 days"),
    ];
    // The safety checks a doctor waits for before signing: allergies, every pair of the five
    // items and of each with the patient's medications against the interaction table, doses.
    let checked = crate::prescriptions::create_draft(tend, doctor, mrn, &items)?;
    let mut check_times = Vec::with_capacity(opts.chart_rounds);
    let mut warnings = 0;
    for _ in 0..opts.chart_rounds {
        let start = Instant::now();
        warnings = crate::prescriptions::check_draft(tend, doctor, &checked.id.to_string())?.len();
        check_times.push(start.elapsed());
    }
    let draft = crate::prescriptions::create_draft(tend, doctor, mrn, &items)?;
    let reasons = [("all".to_owned(), "benchmark prescription".to_owned())];
    let signed = crate::prescriptions::sign(tend, doctor, &draft.id.to_string(), &reasons)?;
    let number = signed.number.unwrap_or_default();

    let start = Instant::now();
    let first = crate::prescriptions::print(tend, doctor, &number)?;
    let mut first_time = [start.elapsed()];
    let mut times = Vec::with_capacity(opts.chart_rounds);
    for _ in 0..opts.chart_rounds {
        let start = Instant::now();
        crate::prescriptions::print(tend, doctor, &number)?;
        times.push(start.elapsed());
    }
    Ok(vec![
        latency(
            "rx_check",
            format!(
                "prescriptions::check_draft of a 5-item draft ({} rules in the interaction \
                 table; {warnings} warnings): read the draft, the clinic's catalog, the \
                 patient's allergies, medications and weight, and run every check",
                tend_domain::prescribing::shipped().interactions.len()
            ),
            None,
            &mut check_times,
            None,
        ),
        latency(
            "rx_pdf",
            format!(
                "prescriptions::print of a signed 5-item prescription: read it and the patient's \
                 allergies, lay out {} page(s) on A4 with the letterhead, subset and embed the \
                 DejaVu fonts ({} KB PDF), and commit its audit entry",
                first.pages,
                first.pdf.len() / 1024
            ),
            None,
            &mut times,
            Some(20.0),
        ),
        latency(
            "rx_pdf_first",
            "the same, as the first print in the process: also parses the two embedded fonts"
                .into(),
            None,
            &mut first_time,
            None,
        ),
    ])
}

/// A year of synthetic billing (built once per clinic folder), then: a 10-line invoice printed,
/// the close-out of a full day, and the clinic's unpaid list.
fn billing_measurements(
    tend: &Tend,
    mrn: &str,
    opts: &BenchOptions,
    progress: &dyn Fn(&str),
) -> Result<Vec<Measurement>> {
    use crate::billing::{invoices, printing, reports, synthetic};
    let admin = auth::sign_in(tend, "admin", ADMIN_PASSWORD)?;
    let ready = tend.store().paths().dir().join("billing-ready");
    if !ready.exists() {
        progress(&format!(
            "billing {} invoices a working day for {} days",
            opts.invoices_per_day, opts.billing_days
        ));
        let started = Instant::now();
        let made = synthetic::populate(
            tend,
            &admin,
            synthetic::BillingFill {
                until: as_of(),
                days: opts.billing_days,
                per_day: opts.invoices_per_day,
                patients: opts.patients,
                seed: opts.seed,
            },
            &|day, n| {
                if day.day() == 1 {
                    progress(&format!("billing: {n} invoices up to {day}"));
                }
            },
        )?;
        progress(&format!(
            "{} invoices, {} payments, {} credit notes in {:.0} s",
            made.invoices,
            made.payments,
            made.credit_notes,
            started.elapsed().as_secs_f64()
        ));
        std::fs::write(&ready, b"").map_err(|e| tend_store::StoreError::Io {
            context: "marking the benchmark billing ready".into(),
            source: e,
        })?;
    }

    progress("timing a 10-line invoice printed to PDF");
    let draft = invoices::create(tend, &admin, mrn, None)?;
    let id = draft.id.to_string();
    for code in [
        "CONS", "ECG", "SPIRO", "INJ", "VAC", "DRESS", "SUTURE", "CERT", "REPORT", "BAND",
    ] {
        let line = invoices::LineForm {
            code: Some(code),
            discount: (code == "SUTURE").then_some("10%"),
            ..invoices::LineForm::default()
        };
        invoices::add_line(tend, &admin, &id, &line)?;
    }
    invoices::set_discount(tend, &admin, &id, "5%")?;
    let number = invoices::issue(tend, &admin, &id)?
        .number
        .unwrap_or_default();
    let first = printing::print_invoice(tend, &admin, &number)?;
    let mut times = Vec::with_capacity(opts.billing_rounds);
    for _ in 0..opts.billing_rounds {
        let start = Instant::now();
        printing::print_invoice(tend, &admin, &number)?;
        times.push(start.elapsed());
    }
    let mut out = vec![latency(
        "invoice_pdf",
        format!(
            "billing::printing::print_invoice of an issued 10-line invoice (two VAT rates, a line \
             discount and an invoice discount): read it, its payments and the patient, work out \
             its totals, lay out {} page(s) with the letterhead, embed the fonts ({} KB PDF), and \
             commit its audit entry",
            first.pages,
            first.pdf.len() / 1024
        ),
        None,
        &mut times,
        Some(20.0),
    )];

    progress("timing the daily close-out");
    let days: Vec<NaiveDate> = (1..=opts.billing_days.clamp(7, 60))
        .map(|i| as_of() - chrono::Duration::days(i64::from(i)))
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .collect();
    let sample = reports::closeout(tend, &admin, &days[0].to_string(), None)?;
    let mut times = Vec::with_capacity(opts.billing_rounds);
    for i in 0..opts.billing_rounds {
        let start = Instant::now();
        reports::closeout(tend, &admin, &days[i % days.len()].to_string(), None)?;
        times.push(start.elapsed());
    }
    out.push(latency(
        "closeout_day",
        format!(
            "billing::reports::closeout of a whole working day for all users ({} payments and \
             {} invoices on {}), rotating over the last {} working days of a clinic billed {} \
             invoices a working day for {} days",
            sample.transactions.len(),
            sample.invoices_issued,
            days[0],
            days.len(),
            opts.invoices_per_day,
            opts.billing_days
        ),
        Some(opts.patients),
        &mut times,
        None,
    ));

    progress("timing the unpaid-invoices list");
    let owed = reports::unpaid(tend, &admin, None)?.len();
    let mut times = Vec::with_capacity(opts.billing_rounds / 10 + 1);
    for _ in 0..opts.billing_rounds / 10 + 1 {
        let start = Instant::now();
        reports::unpaid(tend, &admin, None)?;
        times.push(start.elapsed());
    }
    out.push(latency(
        "unpaid_list",
        format!(
            "billing::reports::unpaid for the whole clinic: every issued invoice's balance from \
             its payments and credit notes ({owed} invoices still owed)"
        ),
        Some(opts.patients),
        &mut times,
        None,
    ));
    Ok(out)
}

/// The day view and free-slot search, on the clinic reopened with its clock at 08:00 on
/// `AS_OF`: the working days of the week ahead are booked solid.
fn schedule_measurements(
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

fn cipher_ratios(dir: &Path, opts: &BenchOptions, key: &DbKey) -> Result<Vec<Measurement>> {
    let work = dir.join("workload");
    std::fs::create_dir_all(&work).map_err(|e| tend_store::StoreError::Io {
        context: "creating the benchmark folder".into(),
        source: e,
    })?;
    let (mut cipher, mut plain) = (Vec::new(), Vec::new());
    let (mut c_ins, mut p_ins, mut c_q, mut p_q) = (vec![], vec![], vec![], vec![]);
    let (mut c_day, mut p_day) = (Vec::new(), Vec::new());
    for _ in 0..opts.workload_rounds {
        // Alternate, so drift in the machine's speed falls on both alike.
        let c = workload_time(&work, Some(key), opts.workload)?;
        let p = workload_time(&work, None, opts.workload)?;
        cipher.push(c.total());
        plain.push(p.total());
        c_ins.push(c.inserts);
        p_ins.push(p.inserts);
        c_q.push(c.queries);
        p_q.push(p.queries);
        c_day.push(clinic_day_time(&work, Some(key), opts.clinic_day)?);
        p_day.push(clinic_day_time(&work, None, opts.clinic_day)?);
    }
    let ratio = |name: &'static str,
                 what: String,
                 c: &mut Vec<Duration>,
                 p: &mut Vec<Duration>,
                 budgeted: bool| {
        let (c50, p50) = (percentile(c, 50.0), percentile(p, 50.0));
        let r = ms(c50) / ms(p50).max(f64::MIN_POSITIVE);
        Measurement {
            name,
            what,
            n: c.len(),
            patients: None,
            p50_ms: ms(c50),
            p95_ms: ms(percentile(c, 95.0)),
            budget: budgeted.then_some(1.15),
            budget_of: budgeted.then_some("ratio"),
            within_budget: budgeted.then_some(r <= 1.15),
            ratio: Some(r),
            max_ms: None,
        }
    };
    let (w, d) = (opts.workload, opts.clinic_day);
    Ok(vec![
        ratio(
            "cipher_vs_plain",
            format!(
                "bulk: {} inserts in transactions of {}, {} indexed lookups, {} 50-row range \
                 scans; median SQLCipher time (p50_ms) and its ratio to the same library with no key",
                w.rows, w.batch, w.lookups, w.scans
            ),
            &mut cipher,
            &mut plain,
            true,
        ),
        ratio(
            "cipher_vs_plain_clinic_day",
            format!(
                "a clinic's pattern: {} writes of one row each (own transaction) into {} rows, \
                 each followed by {} indexed lookups and {} 50-row scans; median SQLCipher time \
                 and its ratio to no key",
                d.writes, d.existing, d.lookups_per_write, d.scans_per_write
            ),
            &mut c_day,
            &mut p_day,
            true,
        ),
        ratio(
            "cipher_vs_plain_inserts",
            "the insert half of the bulk workload alone".into(),
            &mut c_ins,
            &mut p_ins,
            false,
        ),
        ratio(
            "cipher_vs_plain_queries",
            "the query half of the bulk workload alone".into(),
            &mut c_q,
            &mut p_q,
            false,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut t: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut t, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&mut t, 95.0), Duration::from_millis(95));
        assert_eq!(
            percentile(&mut [Duration::from_millis(3)], 95.0),
            Duration::from_millis(3)
        );
        assert_eq!(percentile(&mut [], 95.0), Duration::ZERO);
    }
}
