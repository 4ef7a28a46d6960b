//! `tend bench`: runs tend-core's benchmarks and prints the figures beside their budgets; with
//! `--json`, one JSON object per line.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use tend_core::bench::{self, BenchOptions};
use tend_core::bench_sync::SyncBenchOptions;
use tend_store::bench::{ClinicDay, Workload};

use crate::output::Output;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Small sizes and few rounds: checks the benchmarks run, measures nothing worth quoting.
    #[arg(long)]
    quick: bool,
    /// Patients in the synthetic clinic [default: 100000, the size docs/design.md budgets for].
    #[arg(long)]
    patients: Option<usize>,
    /// Seed of the synthetic clinic.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where to build the synthetic clinic; it is kept there and reused by the next run with
    /// the same size and seed [default: a temporary folder, removed after].
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// PostgreSQL for the sync benchmarks (a tend-server is started against it on loopback);
    /// without one they are skipped. `scripts/bench.sh` starts a throwaway one.
    #[arg(long, env = "TEND_BENCH_DATABASE_URL")]
    sync_database_url: Option<String>,
    /// Only the sync benchmarks.
    #[arg(long, requires = "sync_database_url")]
    sync_only: bool,
}

pub fn run(args: &BenchArgs, out: &Output) -> Result<ExitCode> {
    let mut opts = if args.quick {
        BenchOptions {
            patients: 300,
            open_rounds: 5,
            unlock_rounds: 1,
            search_queries: 70,
            chart_rounds: 10,
            workload: Workload {
                rows: 500,
                batch: 100,
                lookups: 200,
                scans: 50,
            },
            clinic_day: ClinicDay {
                existing: 200,
                writes: 20,
                lookups_per_write: 2,
                scans_per_write: 1,
            },
            workload_rounds: 1,
            schedule_rounds: 10,
            schedule_days_before: 3,
            schedule_days_after: 14,
            billing_days: 10,
            invoices_per_day: 10,
            billing_rounds: 10,
            ..BenchOptions::default()
        }
    } else {
        BenchOptions::default()
    };
    if let Some(n) = args.patients {
        opts.patients = n.max(10);
    }
    opts.seed = args.seed;
    let tmp;
    let dir = match &args.work_dir {
        Some(dir) => dir.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_owned()
        }
    };
    let quiet = out.is_json();
    let progress = |step: &str| {
        if !quiet {
            eprintln!("bench: {step} …");
        }
    };
    let mut report = if args.sync_only {
        bench::BenchReport {
            tend_version: env!("CARGO_PKG_VERSION"),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            measurements: Vec::new(),
        }
    } else {
        bench::run(&dir, opts, &progress)?
    };
    match &args.sync_database_url {
        Some(url) => {
            let sync_opts = if args.quick {
                SyncBenchOptions {
                    history: 2_000,
                    first_pulls: 1,
                    round_trip_changes: 100,
                    round_trips: 3,
                }
            } else {
                SyncBenchOptions::default()
            };
            report
                .measurements
                .extend(tend_core::bench_sync::measurements(
                    url, sync_opts, &progress,
                )?);
        }
        None => progress("sync benchmarks skipped: no --sync-database-url"),
    }
    if out.is_json() {
        for m in &report.measurements {
            println!("{}", serde_json::to_string(m)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!("Tend {} on {} CPUs", report.tend_version, report.cpus);
    println!(
        "{:28} {:>9} {:>9} {:>8} {:>14} {:>8}  within",
        "measurement", "p50 ms", "p95 ms", "ratio", "budget", "n"
    );
    for m in &report.measurements {
        let ratio = m.ratio.map_or("-".to_owned(), |r| format!("{r:.3}"));
        let budget = match (m.budget_of, m.budget) {
            (Some("ratio"), Some(b)) => format!("ratio ≤ {b}"),
            (Some("max_ms"), Some(b)) => format!("max ≤ {b} ms"),
            (Some(_), Some(b)) => format!("p95 ≤ {b} ms"),
            _ => "-".to_owned(),
        };
        let within = match m.within_budget {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        println!(
            "{:28} {:>9.2} {:>9.2} {:>8} {:>14} {:>8}  {within}",
            m.name, m.p50_ms, m.p95_ms, ratio, budget, m.n
        );
    }
    Ok(ExitCode::SUCCESS)
}
