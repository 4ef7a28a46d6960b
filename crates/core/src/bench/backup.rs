//! Backups measured: how long one takes, and how long writes wait while it runs.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::{Result, Session, Tend, patients};

use super::{Measurement, latency, ms};

/// A whole backup (written, read back and checked) of the bench clinic while the front desk
/// keeps editing a patient: how long the backup takes and how large it is, and how long each
/// edit took meanwhile (docs/design.md: no write waits more than 50 ms).
pub(super) fn backup_measurements(
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
    let form = |n: usize| tend_domain::patients::PatientForm {
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
