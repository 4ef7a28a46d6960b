//! Desktops as real encrypted stores in temp folders, a real `tend-server` process on loopback
//! over the throwaway PostgreSQL, and the edits the tests make.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{Duration, TimeZone, Utc};
use tend_core::clock::ManualClock;
use tend_core::sync::round_with;
use tend_domain::{
    Change, ChangeId, ClinicId, DatabaseId, DeviceCode, DeviceId, Entity, Fields, Value,
};
use tend_store::sync::keys;
use tend_store::{AuditEntry, DataPaths, DbKey, Identity, Outcome, Store, WriteCtx};
use tend_sync::local_server::{LocalServer, ServerOptions, TEST_ENROL_TOKEN};
use tend_sync::{ClinicKey, HttpClient, Progress, Round, SyncError, Transport};
use uuid::Uuid;

/// The PostgreSQL the test command started (`scripts/postgres.sh`).
pub fn database_url() -> String {
    std::env::var("TEND_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "TEND_TEST_DATABASE_URL is not set: run the sync tests through scripts/test, or \
             first `eval \"$(scripts/postgres.sh start)\"`"
        )
    })
}

/// One server shared by the tests of this binary that do not restart it.
pub fn shared_server() -> String {
    static SERVER: OnceLock<Mutex<LocalServer>> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        Mutex::new(LocalServer::start(&database_url(), ServerOptions::default()).unwrap())
    });
    server.lock().unwrap_or_else(|p| p.into_inner()).url()
}

pub struct Desktop {
    pub dir: tempfile::TempDir,
    pub key: DbKey,
    pub store: Option<Store>,
    pub clock: Arc<ManualClock>,
    pub code: DeviceCode,
    pub device_id: DeviceId,
    pub token: String,
    pub server: String,
    /// Patients this desktop has created, for its MRN series.
    pub next_mrn: u32,
}

impl Desktop {
    pub fn store(&self) -> &Store {
        self.store.as_ref().expect("the desktop is running")
    }

    pub fn ctx(&self) -> WriteCtx {
        WriteCtx {
            user: None,
            now: tend_core::Clock::now(self.clock.as_ref()),
        }
    }

    pub fn client(&self) -> HttpClient {
        HttpClient::new(&self.server, Some(self.token.clone()))
    }

    /// One sync round through `transport`.
    pub fn round_via(&self, transport: &impl Transport, page: u32) -> Result<Round, SyncError> {
        round_with(
            self.store(),
            self.clock.as_ref(),
            transport,
            page,
            |_: Progress| {},
        )
    }

    pub fn round(&self, page: u32) -> Result<Round, SyncError> {
        self.round_via(&self.client(), page)
    }

    /// Closes the store and opens it again from disk, as after the desktop was switched off.
    pub fn restart(&mut self) {
        self.store = None;
        self.store = Some(Store::open(&DataPaths::new(self.dir.path()), &self.key).unwrap());
    }

    pub fn write(&self, f: impl FnOnce(&mut tend_store::WriteTx<'_>) -> tend_store::Result<()>) {
        self.store()
            .write(self.ctx(), |tx| {
                f(tx)?;
                tx.audit(AuditEntry::new("test.edit", Outcome::Ok))
            })
            .unwrap();
    }

    /// This desktop's own changes, all of them.
    pub fn own_changes(&self) -> Vec<Change> {
        let me = self.store().identity().device_id;
        self.store().outbox(me, 0, usize::MAX >> 1).unwrap()
    }

    pub fn dump(&self) -> String {
        self.store().canonical_dump().unwrap()
    }
}

pub struct Clinic {
    pub id: Uuid,
    pub key: ClinicKey,
    pub server: String,
    pub desktops: Vec<Desktop>,
}

fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
}

fn code(i: usize) -> DeviceCode {
    DeviceCode::parse(["A2", "B3", "C4", "D5", "E6", "F7", "G8", "H9"][i % 8]).unwrap()
}

fn new_store(
    dir: &std::path::Path,
    key: &DbKey,
    device_id: DeviceId,
    code: DeviceCode,
    now: chrono::DateTime<Utc>,
    clinic: Option<Uuid>,
) -> Store {
    let identity = Identity {
        database_id: DatabaseId::new(),
        device_id,
        device_code: code,
    };
    let (store, ()) = Store::create(
        &DataPaths::new(dir),
        key,
        identity,
        WriteCtx { user: None, now },
        |tx| {
            if let Some(id) = clinic {
                tx.create(
                    Entity::Clinic,
                    ClinicId::from_uuid(id),
                    fields(&[
                        ("name", "Clínica Sol".into()),
                        ("timezone", "Europe/Madrid".into()),
                        ("currency", "EUR".into()),
                        ("units", "metric".into()),
                    ]),
                )?;
            }
            tx.create(
                Entity::Device,
                device_id,
                fields(&[
                    ("code", code.to_string().into()),
                    ("name", format!("Desk {code}").into()),
                ]),
            )?;
            tx.audit(AuditEntry::new("test.create", Outcome::Ok))
        },
    )
    .unwrap();
    store
}

/// A desktop's surroundings in these tests: the clock stopped on the test morning, and no OS
/// keyring (the passphrase opens the clinic).
pub fn env() -> tend_core::Environment {
    tend_core::Environment {
        clock: Arc::new(ManualClock::new(start())),
        keyring: Arc::new(tend_store::keyring::NoKeyring),
    }
}

/// A clinic as the set-up wizard makes it, in `dir`: the admin signs in as "admin" with
/// "admin password 1"; the passphrase is "clinic passphrase 2026".
pub fn new_clinic(
    dir: &std::path::Path,
    clinic_name: &str,
    device_name: &str,
) -> tend_core::clinic::Initialized {
    tend_core::clinic::init(
        dir,
        &tend_core::clinic::InitRequest {
            clinic_name,
            timezone: "Europe/Madrid",
            currency: "EUR",
            device_name,
            admin_username: "admin",
            admin_display_name: "Admin",
            admin_password: "admin password 1",
            passphrase: "clinic passphrase 2026",
            units: "metric",
        },
        env(),
    )
    .unwrap()
}

/// Wrapped keys for a pairing token a test uses directly (only the token matters to it).
pub const WRAPPED: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// A real pairing code for the clinic, made by `by` as an admin's desktop makes one.
pub fn pairing_code(c: &Clinic, by: &Desktop) -> String {
    let ring = tend_core::sync::key_ring(by.store()).unwrap();
    let secret = tend_sync::keys::pairing_secret().unwrap();
    let wrapped = tend_sync::keys::wrap_ring(&secret, c.id, &ring).unwrap();
    let token = by.client().pairing(wrapped).unwrap();
    tend_sync::Pairing {
        server: by.server.clone(),
        token: token.pairing_token,
        clinic_id: c.id,
        secret,
        pin: None,
        insecure: false,
    }
    .encode()
}

pub fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// A clinic of `n` desktops: the first enrols it at `server`, the others pair. Each desktop's
/// clock is off by `skews[i]` minutes.
pub fn clinic(server: &str, n: usize, skews: &[i64]) -> Clinic {
    let key = ClinicKey::generate().unwrap();
    let clinic_id = Uuid::now_v7();
    let mut desktops: Vec<Desktop> = Vec::new();
    for i in 0..n {
        let dir = tempfile::tempdir().unwrap();
        let db_key = DbKey::generate().unwrap();
        let device_id = DeviceId::new();
        let code = code(i);
        let skew = skews.get(i).copied().unwrap_or(0);
        let clock = Arc::new(ManualClock::new(start() + Duration::minutes(skew)));
        let anonymous = HttpClient::new(server, None);
        let registered = if i == 0 {
            anonymous
                .enrol(
                    TEST_ENROL_TOKEN,
                    clinic_id,
                    key.id(),
                    device_id,
                    code.to_string(),
                )
                .unwrap()
        } else {
            let pairing = desktops[0].client().pairing(WRAPPED.into()).unwrap();
            anonymous
                .register(&pairing.pairing_token, device_id, code.to_string())
                .unwrap()
        };
        let store = new_store(
            dir.path(),
            &db_key,
            device_id,
            code,
            tend_core::Clock::now(clock.as_ref()),
            (i == 0).then_some(clinic_id),
        );
        tend_core::sync::keep_clinic_keys(
            &store,
            &tend_sync::KeyRing::new(vec![key.clone()]),
            tend_core::Clock::now(clock.as_ref()),
        )
        .unwrap();
        store
            .set_sync_settings(&[
                (keys::SERVER, Some(server)),
                (keys::TOKEN, Some(&registered.token)),
                (keys::CLINIC, Some(&clinic_id.to_string())),
            ])
            .unwrap();
        desktops.push(Desktop {
            dir,
            key: db_key,
            store: Some(store),
            clock,
            code,
            device_id,
            token: registered.token,
            server: server.to_owned(),
            next_mrn: 1,
        });
    }
    Clinic {
        id: clinic_id,
        key,
        server: server.to_owned(),
        desktops,
    }
}

/// A new patient registered on `d`; returns its id.
pub fn create_patient(d: &mut Desktop, given: &str) -> Uuid {
    let id = Uuid::now_v7();
    let mrn = format!("{}-{:06}", d.code, d.next_mrn);
    d.next_mrn += 1;
    let f = fields(&[
        ("mrn", mrn.into()),
        ("given_name", given.into()),
        ("family_name", "Ortega".into()),
        ("preferred_name", Value::Null),
        ("birth_date", "1980-05-17".into()),
        ("birth_date_estimated", false.into()),
        ("sex", "female".into()),
        ("gender_identity", Value::Null),
        ("phones", "[]".into()),
        ("email", Value::Null),
        ("address", Value::Null),
        ("emergency_contact", Value::Null),
        ("language", Value::Null),
        ("front_desk_note", Value::Null),
        ("national_id", Value::Null),
        ("insurance", Value::Null),
        ("merged_into", Value::Null),
    ]);
    d.write(|tx| tx.create(Entity::Patient, id, f).map(drop));
    id
}

pub fn edit(d: &Desktop, entity: Entity, id: Uuid, field: &str, value: Value) {
    d.write(|tx| tx.update(entity, id, fields(&[(field, value)])).map(drop));
}

/// Syncs every desktop until a whole pass moves nothing, and returns how many passes it took.
pub fn heal(desktops: &[Desktop], page: u32) -> usize {
    for pass in 1..=12 {
        let mut moved = 0;
        for d in desktops {
            let r = d
                .round(page)
                .unwrap_or_else(|e| panic!("healing round failed: {e}"));
            moved += r.pushed + r.applied;
        }
        if moved == 0 {
            return pass;
        }
    }
    panic!("sync did not settle in 12 passes");
}

/// What the merge says the conflicts are, from every change any desktop made.
pub fn expected_conflicts(all: &[Change]) -> Vec<Uuid> {
    let mut by_record: BTreeMap<(Entity, Uuid), Vec<&Change>> = BTreeMap::new();
    for c in all {
        by_record
            .entry((c.entity, c.record_id))
            .or_default()
            .push(c);
    }
    let mut ids: Vec<Uuid> = by_record
        .iter()
        .flat_map(|((e, r), cs)| {
            tend_domain::record::materialize(*e, *r, cs.iter().copied())
                .conflicts
                .into_iter()
                .map(|c| c.id)
        })
        .collect();
    ids.sort();
    ids
}

pub fn change_ids(changes: &[Change]) -> Vec<ChangeId> {
    let mut ids: Vec<ChangeId> = changes.iter().map(|c| c.id).collect();
    ids.sort();
    ids
}

/// A transport that forwards to the real client and counts the pulls.
pub struct Counting {
    pub inner: HttpClient,
    pub pulls: Cell<usize>,
}

impl Transport for Counting {
    fn hello(&self) -> Result<tend_sync::protocol::Hello, tend_sync::ClientError> {
        self.inner.hello()
    }
    fn push(
        &self,
        req: &tend_sync::protocol::PushRequest,
    ) -> Result<tend_sync::protocol::PushResponse, tend_sync::ClientError> {
        self.inner.push(req)
    }
    fn pull(
        &self,
        req: &tend_sync::protocol::PullRequest,
    ) -> Result<tend_sync::protocol::PullResponse, tend_sync::ClientError> {
        self.pulls.set(self.pulls.get() + 1);
        self.inner.pull(req)
    }
}
