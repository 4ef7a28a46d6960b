//! Shared set-up for Tend's cross-crate scenario tests and their helper processes.

use std::path::Path;

use chrono::Utc;
use tend_domain::{
    ClinicId, DatabaseId, DeviceCode, DeviceId, Entity, Roles, User, UserId, Username,
};
use tend_store::{
    AuditEntry, DataPaths, DbKey, Identity, Outcome, Store, StoreError, UserRecord, WriteCtx,
};

/// A clinic database for scenario tests, opened with a raw key (no key slots needed).
pub fn create_clinic(dir: &Path, key: &DbKey) -> Result<Store, StoreError> {
    let identity = Identity {
        database_id: DatabaseId::new(),
        device_id: DeviceId::new(),
        device_code: DeviceCode::from_random([1, 2]),
    };
    let ctx = WriteCtx {
        user: None,
        now: Utc::now(),
    };
    let (store, ()) = Store::create(&DataPaths::new(dir), key, identity, ctx, |tx| {
        tx.create(
            Entity::Clinic,
            ClinicId::new(),
            [
                ("name".to_owned(), "Crash Test Clinic".into()),
                ("timezone".to_owned(), "UTC".into()),
                ("currency".to_owned(), "EUR".into()),
            ]
            .into(),
        )?;
        tx.audit(AuditEntry::new("clinic.create", Outcome::Ok))
    })?;
    Ok(store)
}

/// A user record with a fixed (pre-computed) hash, so writers are not slowed by argon2.
pub fn user(n: u64) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        user: User {
            id: UserId::new(),
            username: Username::parse(&format!("u{n:08}"))?,
            display_name: format!("Crash Person {n}"),
            roles: Roles::parse_list("nurse")?,
            licence_number: None,
            disabled: false,
            locked: false,
        },
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    })
}
