//! `tend bench`: runs tend-core's benchmarks and prints the figures beside their budgets.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use tend_core::bench::{self, BenchOptions};
use tend_store::bench::{ClinicDay, Workload};

use crate::output::Output;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Small sizes and few rounds: checks the benchmarks run, measures nothing worth quoting.
    #[arg(long)]
    quick: bool,
    /// Where to build the synthetic clinics [default: a temporary folder, removed after].
    #[arg(long)]
    work_dir: Option<PathBuf>,
}

pub fn run(args: &BenchArgs, out: &Output) -> Result<ExitCode> {
    let opts = if args.quick {
        BenchOptions {
            users: 50,
            open_rounds: 5,
            unlock_rounds: 1,
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
        }
    } else {
        BenchOptions::default()
    };
    let tmp;
    let dir = match &args.work_dir {
        Some(dir) => dir.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_owned()
        }
    };
    let quiet = out.is_json();
    let report = bench::run(&dir, opts, &|step| {
        if !quiet {
            eprintln!("bench: {step} …");
        }
    })?;
    if out.is_json() {
        out.json(&report);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Tend {} on {} CPUs", report.tend_version, report.cpus);
    println!(
        "{:26} {:>9} {:>9} {:>8} {:>12}  within",
        "measurement", "p50 ms", "p95 ms", "ratio", "budget"
    );
    for m in &report.measurements {
        let ratio = m.ratio.map_or("-".to_owned(), |r| format!("{r:.3}"));
        let budget = match m.budget_of {
            "none" => "-".to_owned(),
            "ratio" => format!("ratio ≤ {}", m.budget),
            _ => format!("p95 ≤ {} ms", m.budget),
        };
        println!(
            "{:26} {:>9.2} {:>9.2} {:>8} {:>12}  {}",
            m.name,
            m.p50_ms,
            m.p95_ms,
            ratio,
            budget,
            if m.within_budget { "yes" } else { "NO" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
