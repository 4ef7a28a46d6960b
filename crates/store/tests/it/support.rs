//! Real SQLCipher databases in temporary folders, and raw access to them for tampering.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Connection;
use tend_domain::{
    ClinicId, DatabaseId, DeviceCode, DeviceId, Entity, Fields, Roles, User, UserId, Username,
    Value,
};
use tend_store::{
    AuditEntry, DataPaths, DbKey, Identity, KdfParams, KeySlots, Outcome, RecoveryKey, Store,
    UserRecord, WriteCtx,
};

/// Cheap KDF settings for tests that are not about the KDF.
pub const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 256,
    iterations: 1,
    parallelism: 1,
};

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
}

pub fn ctx(user: Option<UserId>) -> WriteCtx {
    WriteCtx { user, now: t0() }
}

pub fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

pub struct Clinic {
    pub paths: DataPaths,
    pub key: DbKey,
    pub recovery: RecoveryKey,
    pub store: Store,
}

/// A new clinic database with its key slots (cheap KDF), a clinic record and a device record.
pub fn clinic(dir: &Path) -> Clinic {
    clinic_with_kdf(dir, FAST_KDF)
}

pub fn clinic_with_kdf(dir: &Path, kdf: KdfParams) -> Clinic {
    let paths = DataPaths::new(dir);
    let key = DbKey::generate().unwrap();
    let recovery = RecoveryKey::generate().unwrap();
    let identity = Identity {
        database_id: DatabaseId::new(),
        device_id: DeviceId::new(),
        device_code: DeviceCode::parse("K7").unwrap(),
    };
    KeySlots::new(identity.database_id, &key, PASSPHRASE, &recovery, kdf)
        .unwrap()
        .write(&paths.keys())
        .unwrap();
    let (store, ()) = Store::create(&paths, &key, identity, ctx(None), |tx| {
        tx.create(
            Entity::Clinic,
            ClinicId::new(),
            fields(&[
                ("name", "Clínica Sol".into()),
                ("timezone", "Europe/Madrid".into()),
                ("currency", "EUR".into()),
            ]),
        )?;
        tx.create(
            Entity::Device,
            identity.device_id,
            fields(&[("code", "K7".into()), ("name", "Front desk".into())]),
        )?;
        tx.audit(AuditEntry::new("clinic.create", Outcome::Ok))
    })
    .unwrap();
    Clinic {
        paths,
        key,
        recovery,
        store,
    }
}

pub fn user_record(username: &str, display_name: &str) -> UserRecord {
    UserRecord {
        user: User {
            id: UserId::new(),
            username: Username::parse(username).unwrap(),
            display_name: display_name.into(),
            roles: Roles::parse_list("doctor").unwrap(),
            licence_number: None,
            disabled: false,
            locked: false,
        },
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
    }
}

/// Adds a user through the write path, audited.
pub fn add_user(store: &Store, username: &str, display_name: &str) -> UserId {
    let rec = user_record(username, display_name);
    let id = rec.user.id;
    store
        .write(ctx(None), |tx| {
            tx.create(Entity::User, id, rec.fields())?;
            tx.audit(AuditEntry::new("user.create", Outcome::Ok).record(Entity::User, id))
        })
        .unwrap();
    id
}

/// A plain rusqlite connection with the key, for reading or tampering behind Tend's back.
pub fn raw(paths: &DataPaths, key: &DbKey) -> Connection {
    let conn = Connection::open(paths.db()).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; {}",
        key.to_hex().as_str(),
        tend_store::SQLCIPHER_SETTINGS
    ))
    .unwrap();
    conn
}

/// Whether `needle` occurs anywhere in the file's bytes.
pub fn file_contains(path: &Path, needle: &[u8]) -> bool {
    let bytes = std::fs::read(path).unwrap();
    bytes.windows(needle.len()).any(|w| w == needle)
}
