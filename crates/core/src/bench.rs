//! `tend bench`: measurements on synthetic clinics, reported as percentiles beside the budgets
//! of DESIGN.md. Nothing here asserts a time; the numbers go to `docs/benchmarks.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use tend_domain::{
    ClinicId, DatabaseId, DeviceCode, DeviceId, Entity, Roles, User, UserId, Username,
};
use tend_store::bench::{ClinicDay, Workload, clinic_day_time, open_times, workload_time};
use tend_store::{AuditEntry, DataPaths, DbKey, Identity, Outcome, Store, UserRecord, WriteCtx};

use crate::Result;

/// One measured quantity.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub name: &'static str,
    pub what: String,
    pub samples: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    /// The budget and what it bounds (`p95_ms`, `ratio`).
    pub budget: f64,
    pub budget_of: &'static str,
    pub within_budget: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub tend_version: &'static str,
    pub cpus: usize,
    pub measurements: Vec<Measurement>,
}

#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    /// Users in the synthetic clinic that the open benchmark opens.
    pub users: usize,
    pub open_rounds: usize,
    pub unlock_rounds: usize,
    pub workload: Workload,
    pub clinic_day: ClinicDay,
    pub workload_rounds: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            users: 2_000,
            open_rounds: 60,
            unlock_rounds: 10,
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

/// Runs every benchmark in `dir` (which should be empty; it is filled with synthetic data).
pub fn run(dir: &Path, opts: BenchOptions, progress: &dyn Fn(&str)) -> Result<BenchReport> {
    let mut measurements = Vec::new();

    progress(&format!(
        "building a synthetic clinic with {} users",
        opts.users
    ));
    let paths = DataPaths::new(dir.join("clinic"));
    let key = DbKey::generate()?;
    synthetic_clinic(&paths, &key, opts.users)?;

    progress("timing database open");
    let mut opens = open_times(&paths, &key, opts.open_rounds)?;
    let p95 = percentile(&mut opens, 95.0);
    measurements.push(Measurement {
        name: "db_open",
        what: format!(
            "open the store with the raw key (key check, pragmas, migration check, audit head) \
             on a clinic with {} users",
            opts.users
        ),
        samples: opens.len(),
        p50_ms: ms(percentile(&mut opens, 50.0)),
        p95_ms: ms(p95),
        budget: 50.0,
        budget_of: "p95_ms",
        within_budget: ms(p95) <= 50.0,
        ratio: None,
    });

    progress("timing a key-slot unlock (argon2id, 64 MiB, t=3, p=4)");
    let recovery = tend_store::RecoveryKey::generate()?;
    let slots = tend_store::KeySlots::new(
        DatabaseId::new(),
        &key,
        "benchmark passphrase",
        &recovery,
        tend_store::KdfParams::CLINIC,
    )?;
    let mut unlocks = Vec::new();
    for _ in 0..opts.unlock_rounds {
        let start = Instant::now();
        slots.unlock(tend_store::Secret::Passphrase("benchmark passphrase"))?;
        unlocks.push(start.elapsed());
    }
    let p95 = percentile(&mut unlocks, 95.0);
    measurements.push(Measurement {
        name: "keyslot_unlock",
        what: "unwrap the database key with the passphrase: argon2id (64 MiB, t=3, p=4) and \
               XChaCha20-Poly1305; paid when the OS keyring cannot supply the key"
            .into(),
        samples: unlocks.len(),
        p50_ms: ms(percentile(&mut unlocks, 50.0)),
        p95_ms: ms(p95),
        budget: f64::NAN,
        budget_of: "none",
        within_budget: true,
        ratio: None,
    });

    progress("timing the same workload on SQLCipher with a key and without");
    let work = dir.join("workload");
    std::fs::create_dir_all(&work).map_err(|e| tend_store::StoreError::Io {
        context: "creating the benchmark folder".into(),
        source: e,
    })?;
    let (mut cipher, mut plain) = (Vec::new(), Vec::new());
    let (mut cipher_ins, mut plain_ins, mut cipher_q, mut plain_q) =
        (vec![], vec![], vec![], vec![]);
    let (mut cipher_day, mut plain_day) = (Vec::new(), Vec::new());
    for _ in 0..opts.workload_rounds {
        // Alternate, so drift in the machine's speed falls on both alike.
        let c = workload_time(&work, Some(&key), opts.workload)?;
        let p = workload_time(&work, None, opts.workload)?;
        cipher.push(c.total());
        plain.push(p.total());
        cipher_ins.push(c.inserts);
        plain_ins.push(p.inserts);
        cipher_q.push(c.queries);
        plain_q.push(p.queries);
        cipher_day.push(clinic_day_time(&work, Some(&key), opts.clinic_day)?);
        plain_day.push(clinic_day_time(&work, None, opts.clinic_day)?);
    }
    let w = opts.workload;
    let mut ratio = |name: &'static str,
                     what: String,
                     c: &mut Vec<Duration>,
                     p: &mut Vec<Duration>,
                     budgeted: bool| {
        let (c50, p50) = (percentile(c, 50.0), percentile(p, 50.0));
        let r = ms(c50) / ms(p50).max(f64::MIN_POSITIVE);
        measurements.push(Measurement {
            name,
            what,
            samples: c.len(),
            p50_ms: ms(c50),
            p95_ms: ms(percentile(c, 95.0)),
            budget: if budgeted { 1.15 } else { f64::NAN },
            budget_of: if budgeted { "ratio" } else { "none" },
            within_budget: !budgeted || r <= 1.15,
            ratio: Some(r),
        });
    };
    ratio(
        "cipher_vs_plain",
        format!(
            "{} inserts in transactions of {}, {} indexed lookups, {} 50-row range scans; \
             median SQLCipher time (p50_ms) and its ratio to the same library with no key",
            w.rows, w.batch, w.lookups, w.scans
        ),
        &mut cipher,
        &mut plain,
        true,
    );
    let d = opts.clinic_day;
    ratio(
        "cipher_vs_plain_clinic_day",
        format!(
            "a clinic's pattern: {} writes of one row each (own transaction) into {} rows, \
             each followed by {} indexed lookups and {} 50-row scans; median SQLCipher time and \
             its ratio to no key",
            d.writes, d.existing, d.lookups_per_write, d.scans_per_write
        ),
        &mut cipher_day,
        &mut plain_day,
        true,
    );
    ratio(
        "cipher_vs_plain_inserts",
        "the insert half of the workload alone".into(),
        &mut cipher_ins,
        &mut plain_ins,
        false,
    );
    ratio(
        "cipher_vs_plain_queries",
        "the query half of the workload alone".into(),
        &mut cipher_q,
        &mut plain_q,
        false,
    );

    Ok(BenchReport {
        tend_version: env!("CARGO_PKG_VERSION"),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        measurements,
    })
}

/// A clinic with `users` users, each written through the one write path (row, change, audit).
fn synthetic_clinic(paths: &DataPaths, key: &DbKey, users: usize) -> Result<()> {
    let identity = Identity {
        database_id: DatabaseId::new(),
        device_id: DeviceId::new(),
        device_code: DeviceCode::from_random([7, 3]),
    };
    let now = chrono::Utc::now();
    let ctx = WriteCtx { user: None, now };
    let (store, ()) = Store::create(paths, key, identity, ctx, |tx| {
        tx.create(
            Entity::Clinic,
            ClinicId::new(),
            [
                ("name".to_owned(), "Benchmark Clinic".into()),
                ("timezone".to_owned(), "Europe/Madrid".into()),
                ("currency".to_owned(), "EUR".into()),
            ]
            .into(),
        )?;
        tx.audit(AuditEntry::new("clinic.create", Outcome::Ok))
    })?;
    let started = Instant::now();
    for chunk in 0..users.div_ceil(500) {
        store.write(ctx, |tx| {
            for i in chunk * 500..((chunk + 1) * 500).min(users) {
                let record = UserRecord {
                    user: User {
                        id: UserId::new(),
                        username: Username::parse(&format!("user{i:06}"))?,
                        display_name: format!("Synthetic User {i}"),
                        roles: Roles::parse_list("nurse")?,
                        licence_number: None,
                        disabled: false,
                        locked: false,
                    },
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                };
                tx.create(Entity::User, record.user.id, record.fields())?;
                tx.audit(
                    AuditEntry::new("user.create", Outcome::Ok)
                        .record(Entity::User, record.user.id),
                )?;
            }
            Ok::<_, tend_store::StoreError>(())
        })?;
    }
    tracing::debug!(elapsed_ms = ms(started.elapsed()), "synthetic clinic built");
    Ok(())
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
