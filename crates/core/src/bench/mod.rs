//! `tend bench`: measurements on synthetic clinics, reported as percentiles beside the budgets
//! of docs/design.md. Nothing here asserts a time; the numbers go to `docs/benchmarks.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use tend_domain::DatabaseId;
use tend_store::bench::{ClinicDay, Workload, open_times};
use tend_store::{KdfParams, KeySlots, RecoveryKey, Secret};

use crate::clinic;
use crate::{Result, chart, patients};

mod appointments;
mod backup;
mod billing;
mod cipher;
mod clinics;
mod prescriptions;

use appointments::schedule_measurements;
use backup::backup_measurements;
use billing::billing_measurements;
use cipher::cipher_ratios;
use clinics::{bench_clinic, icd_queries, search_queries};
use prescriptions::rx_measurements;

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
        chart::records::icd_search(q, 8)?;
        times.push(start.elapsed());
    }
    measurements.push(latency(
        "icd_search",
        format!(
            "chart::records::icd_search, 8 results as the problem form asks, over {} queries typed \
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
