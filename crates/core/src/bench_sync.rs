//! Sync's benchmarks: a real `tend-server` process on loopback over PostgreSQL, and desktops as
//! real encrypted stores.
//!
//! - `sync_first_pull`: a new desktop pulls the clinic's whole history (docs/design.md: 100,000
//!   changes in ≤ 15 s), in pages of 1,000, each page applied with its cursor in one
//!   transaction.
//! - `sync_round_trip`: 100 changes made on one desktop, pushed, and pulled by another.

use std::time::{Duration, Instant};
use tend_domain::Words;

use chrono::Utc;
use tend_domain::{ClinicId, DatabaseId, DeviceCode, DeviceId, Entity, Fields, Value};
use tend_store::sync::keys;
use tend_store::{AuditEntry, DataPaths, DbKey, Identity, Outcome, Store, WriteCtx};
use tend_sync::local_server::{LocalServer, ServerOptions, TEST_ENROL_TOKEN};
use tend_sync::{ClinicKey, HttpClient, KeyRing};
use uuid::Uuid;

use crate::bench::{Measurement, latency};
use crate::sync::{PAGE, round_with};
use crate::{CoreError, Result, SystemClock};

/// Sizes of the sync benchmarks.
#[derive(Debug, Clone, Copy)]
pub struct SyncBenchOptions {
    /// Changes in the clinic's history for the first pull (docs/design.md: 100,000).
    pub history: usize,
    /// New desktops timed pulling it.
    pub first_pulls: usize,
    /// Changes per round trip, and round trips timed.
    pub round_trip_changes: usize,
    pub round_trips: usize,
}

impl Default for SyncBenchOptions {
    fn default() -> Self {
        SyncBenchOptions {
            history: 100_000,
            first_pulls: 3,
            round_trip_changes: 100,
            round_trips: 30,
        }
    }
}

struct Desk {
    store: Store,
    _dir: tempfile::TempDir,
}

fn fail(what: &str) -> impl Fn(String) -> CoreError + '_ {
    move |e| {
        CoreError::refused(
            "bench_failed",
            None,
            Words::verbatim(format!("{what}: {e}")),
        )
    }
}

fn fields(pairs: Vec<(&str, Value)>) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn desk(
    server: &str,
    token: &str,
    key: &ClinicKey,
    clinic: Uuid,
    device_id: DeviceId,
    code: DeviceCode,
    creates_clinic: bool,
) -> Result<Desk> {
    let dir = tempfile::tempdir().map_err(|e| fail("a temporary folder")(e.to_string()))?;
    let identity = Identity {
        database_id: DatabaseId::new(),
        device_id,
        device_code: code,
    };
    let (store, ()) = Store::create(
        &DataPaths::new(dir.path()),
        &DbKey::generate()?,
        identity,
        WriteCtx {
            user: None,
            now: Utc::now(),
        },
        |tx| {
            if creates_clinic {
                tx.create(
                    Entity::Clinic,
                    ClinicId::from_uuid(clinic),
                    fields(vec![
                        ("name", "Benchmark clinic".into()),
                        ("timezone", "Europe/Madrid".into()),
                        ("currency", "EUR".into()),
                        ("units", "metric".into()),
                    ]),
                )?;
            }
            tx.create(
                Entity::Device,
                device_id,
                fields(vec![
                    ("code", code.to_string().into()),
                    ("name", format!("Desk {code}").into()),
                ]),
            )?;
            tx.audit(AuditEntry::new("bench.create", Outcome::Ok))
        },
    )?;
    crate::sync::keep_clinic_keys(&store, &KeyRing::new(vec![key.clone()]), Utc::now())?;
    store.set_sync_settings(&[
        (keys::SERVER, Some(server)),
        (keys::TOKEN, Some(token)),
        (keys::CLINIC, Some(&clinic.to_string())),
    ])?;
    Ok(Desk { store, _dir: dir })
}

/// Writes `n` changes on `store`: patients registered, and edits of the ones already there.
fn history(store: &Store, n: usize, first: usize, code: DeviceCode) -> Result<()> {
    let mut patients: Vec<Uuid> = Vec::new();
    let mut made = 0;
    while made < n {
        store.write(
            WriteCtx {
                user: None,
                now: Utc::now(),
            },
            |tx| {
                for _ in 0..1000.min(n - made) {
                    let i = first + made;
                    if i.is_multiple_of(2) || patients.is_empty() {
                        let id = Uuid::now_v7();
                        tx.create(Entity::Patient, id, patient(i, code))?;
                        patients.push(id);
                    } else {
                        let id = patients[(i * 7919) % patients.len()];
                        tx.update(
                            Entity::Patient,
                            id,
                            fields(vec![("front_desk_note", format!("note {i}").into())]),
                        )?;
                    }
                    made += 1;
                }
                tx.audit(AuditEntry::new("bench.history", Outcome::Ok))
            },
        )?;
    }
    Ok(())
}

fn patient(i: usize, code: DeviceCode) -> Fields {
    fields(vec![
        ("mrn", format!("{code}-{:06}", i + 1).into()),
        ("given_name", format!("Given{i}").into()),
        ("family_name", format!("Family{}", i % 997).into()),
        ("preferred_name", Value::Null),
        (
            "birth_date",
            format!("19{:02}-0{}-1{}", 40 + i % 60, 1 + i % 9, i % 10).into(),
        ),
        ("birth_date_estimated", false.into()),
        ("sex", ["female", "male"][i % 2].into()),
        ("gender_identity", Value::Null),
        (
            "phones",
            format!("[{{\"kind\":\"mobile\",\"number\":\"600{i:06}\"}}]").into(),
        ),
        ("email", Value::Null),
        ("address", Value::Null),
        ("emergency_contact", Value::Null),
        ("language", Value::Null),
        ("front_desk_note", Value::Null),
        ("national_id", Value::Null),
        ("insurance", Value::Null),
        ("merged_into", Value::Null),
    ])
}

/// Runs the sync benchmarks against the PostgreSQL at `database_url`.
pub fn measurements(
    database_url: &str,
    opts: SyncBenchOptions,
    progress: &dyn Fn(&str),
) -> Result<Vec<Measurement>> {
    progress("starting tend-server on loopback");
    let server = LocalServer::start(database_url, ServerOptions::default())
        .map_err(|e| fail("starting tend-server")(e.to_string()))?;
    let url = server.url();
    let anonymous = HttpClient::new(&url, None);
    let key = ClinicKey::generate().map_err(|e| fail("a clinic key")(e.to_string()))?;
    let clinic = Uuid::now_v7();
    let codes = ["B2", "C3", "D4", "E5", "F6", "G7", "H8", "J9"];
    let code = |i: usize| DeviceCode::parse(codes[i % codes.len()]);
    let first_id = DeviceId::new();
    let first = anonymous
        .enrol(
            TEST_ENROL_TOKEN,
            clinic,
            key.id(),
            first_id,
            code(0)?.to_string(),
        )
        .map_err(|e| fail("enrolling")(e.to_string()))?;
    let a = desk(&url, &first.token, &key, clinic, first_id, code(0)?, true)?;
    let pair = |i: usize| -> Result<Desk> {
        let token = HttpClient::new(&url, Some(first.token.clone()))
            .pairing("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into())
            .map_err(|e| fail("pairing")(e.to_string()))?;
        let id = DeviceId::new();
        let reg = anonymous
            .register(&token.pairing_token, id, code(i)?.to_string())
            .map_err(|e| fail("registering")(e.to_string()))?;
        desk(&url, &reg.token, &key, clinic, id, code(i)?, false)
    };
    let client = |d: &Desk| -> Result<HttpClient> {
        Ok(HttpClient::new(&url, d.store.sync_setting(keys::TOKEN)?))
    };
    let round = |d: &Desk| -> Result<tend_sync::Round> {
        round_with(&d.store, &SystemClock, &client(d)?, PAGE, |_| {})
            .map_err(|e| fail("a sync round")(e.to_string()))
    };

    progress(&format!("writing a history of {} changes", opts.history));
    history(&a.store, opts.history.saturating_sub(2), 0, code(0)?)?;
    progress("pushing it to the server");
    let start = Instant::now();
    let pushed = round(&a)?;
    let push_time = start.elapsed();

    let mut measurements = Vec::new();
    let mut pulls: Vec<Duration> = Vec::new();
    let mut split = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for i in 0..opts.first_pulls {
        progress(&format!(
            "a new desktop pulls everything ({}/{})",
            i + 1,
            opts.first_pulls
        ));
        let b = pair(i + 1)?;
        let start = Instant::now();
        let got = round(&b)?;
        pulls.push(start.elapsed());
        split = (
            split.0 + got.fetching,
            split.1 + got.opening,
            split.2 + got.applying,
        );
        if got.applied < pushed.pushed {
            return Err(fail("the first pull")(format!(
                "applied {} of {} changes",
                got.applied, pushed.pushed
            )));
        }
    }
    measurements.push(latency(
        "sync_first_pull",
        format!(
            "a new desktop pulls the clinic's {} changes (half patient registrations, half \
             edits) from tend-server on loopback over PostgreSQL: pages of {PAGE} opened, \
             checked and applied with the cursor in one transaction each (the server took \
             {:.1} s to receive them from the first desktop). Of a pull, on average: {:.1} s \
             waiting for pages, {:.1} s opening envelopes, {:.1} s applying",
            pushed.pushed,
            push_time.as_secs_f64(),
            split.0.as_secs_f64() / opts.first_pulls.max(1) as f64,
            split.1.as_secs_f64() / opts.first_pulls.max(1) as f64,
            split.2.as_secs_f64() / opts.first_pulls.max(1) as f64,
        ),
        None,
        &mut pulls,
        Some(15_000.0),
    ));

    progress("timing round trips");
    let b = pair(opts.first_pulls + 1)?;
    round(&b)?;
    let mut trips = Vec::new();
    for t in 0..opts.round_trips {
        history(
            &a.store,
            opts.round_trip_changes,
            opts.history + t * opts.round_trip_changes,
            code(0)?,
        )?;
        let start = Instant::now();
        let sent = round(&a)?;
        let got = round(&b)?;
        trips.push(start.elapsed());
        if got.applied != sent.pushed {
            return Err(fail("a round trip")(format!(
                "pushed {} but the other desktop applied {}",
                sent.pushed, got.applied
            )));
        }
    }
    measurements.push(latency(
        "sync_round_trip",
        format!(
            "{} changes made on one desktop: its sync round pushes them, then the other \
             desktop's round pulls and applies them (loopback)",
            opts.round_trip_changes
        ),
        None,
        &mut trips,
        None,
    ));
    drop(server);
    Ok(measurements)
}
