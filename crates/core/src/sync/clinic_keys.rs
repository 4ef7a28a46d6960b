//! The clinic's keys: kept in the encrypted database, granted to devices and users, rotated when a
//! device is revoked; and this device's own key.

use data_encoding::HEXLOWER;
use serde_json::json;
use tend_domain::Words;
use tend_domain::{Action, DeviceId, Entity, Value};
use tend_store::sync::{StoredKey, keys};
use tend_store::{AuditEntry, Outcome, Store, StoreError, WriteCtx};
use tend_sync::{ClinicKey, DeviceSecret, KeyRing, KeyScheme, Transport};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::api::RotatedDto;
use crate::{Result, Session, Tend};

use super::devices::revoked_here;
use super::rounds::retried;
use super::rounds::sync_round;
use super::{client, client_error, refused, setting};

pub(super) fn stored_key(key: &ClinicKey) -> StoredKey {
    StoredKey {
        epoch: key.epoch(),
        scheme: key.scheme().as_str().to_owned(),
        secret: Zeroizing::new(HEXLOWER.encode(key.as_bytes())),
    }
}

/// The clinic keys this desktop holds.
pub fn key_ring(store: &Store) -> std::result::Result<KeyRing, StoreError> {
    let unreadable = || StoreError::Corrupt("a clinic key is unreadable".into());
    let keys = store
        .clinic_keys()?
        .iter()
        .map(|k| {
            let bytes: [u8; 32] = HEXLOWER
                .decode(k.secret.as_bytes())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(unreadable)?;
            let scheme = KeyScheme::parse(&k.scheme).ok_or_else(unreadable)?;
            Ok(ClinicKey::with(bytes, k.epoch, scheme))
        })
        .collect::<std::result::Result<Vec<_>, StoreError>>()?;
    Ok(KeyRing::new(keys))
}

/// Keeps clinic keys in this desktop's encrypted database.
pub fn keep_clinic_keys(
    store: &Store,
    keys: &KeyRing,
    now: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<(), StoreError> {
    store.add_clinic_keys(
        &keys.iter().map(stored_key).collect::<Vec<_>>(),
        &now.to_rfc3339(),
    )
}

pub(super) fn device_secret(
    store: &Store,
) -> std::result::Result<Option<DeviceSecret>, StoreError> {
    Ok(store
        .sync_setting(keys::DEVICE_SECRET)?
        .and_then(|hex| HEXLOWER.decode(hex.as_bytes()).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .map(DeviceSecret::from_bytes))
}

/// This desktop's key pair for receiving clinic keys: made once, the secret kept in its
/// encrypted database and the public key written to its device record (which syncs, sealed).
pub fn ensure_device_key(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<DeviceSecret, StoreError> {
    let secret = match device_secret(store)? {
        Some(s) => s,
        None => {
            let s = DeviceSecret::generate().map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let hex = Zeroizing::new(HEXLOWER.encode(&s.to_bytes()[..]));
            store.set_sync_settings(&[(keys::DEVICE_SECRET, Some(&hex))])?;
            s
        }
    };
    let me = store.identity().device_id;
    let public = secret.public();
    let recorded = store.read(|r| r.device_public_key(me))?;
    if recorded.as_deref() != Some(public.as_str()) {
        store.write(WriteCtx { user: None, now }, |tx| {
            tx.update(
                Entity::Device,
                me.as_uuid(),
                [("public_key".to_owned(), Value::from(public.clone()))].into(),
            )?;
            tx.audit(AuditEntry::new("sync.device_key", Outcome::Ok))
        })?;
    }
    Ok(secret)
}

/// Grants of `key` for `devices`, from the public keys in their device records (which sync
/// sealed, so the server cannot substitute one). Devices whose record has no public key yet are
/// left out: a manager desktop grants them once it arrives.
pub(super) fn grants_for(
    tend: &Tend,
    key: &ClinicKey,
    clinic: Uuid,
    devices: impl IntoIterator<Item = DeviceId>,
) -> Result<(Vec<tend_sync::protocol::Grant>, usize)> {
    let mut grants = Vec::new();
    let mut without = 0;
    for device in devices {
        match tend.store().read(|r| r.device_public_key(device))? {
            Some(public) => match tend_sync::keys::grant(key, clinic, device, &public) {
                Ok(grant) => grants.push(tend_sync::protocol::Grant {
                    device_id: device,
                    grant,
                }),
                Err(e) => {
                    tracing::warn!(%device, error = %e, "a desktop's public key is not usable");
                    without += 1;
                }
            },
            None => without += 1,
        }
    }
    Ok((grants, without))
}

/// Makes the clinic's next key and grants it to every desktop still in the clinic: from then on
/// the server takes changes only under it, and a revoked desktop, which gets no grant, cannot
/// open anything sealed after. Nothing is pushed first (what is waiting goes out under the new
/// key); a desktop whose public key has not arrived here yet is granted the key later by a
/// manager desktop's round.
pub(super) fn rotate(tend: &Tend, user: Option<tend_domain::UserId>) -> Result<u32> {
    let client = client(tend)?;
    let mut hello = client.hello().map_err(client_error)?;
    if key_ring(tend.store())?.find(&hello.key_id).is_none() {
        // This desktop lacks the current key: a round fetches its grant first.
        sync_round(tend, |_| {})?;
        hello = client.hello().map_err(client_error)?;
    }
    if !hello.manager {
        return Err(refused(
            "desktop_cannot_manage_keys",
            None,
            "only a desktop allowed to manage the clinic's desktops may change the clinic key; \
             an admin can allow this one from a desktop that is",
        ));
    }
    let clinic = hello.clinic_id;
    let epoch = hello.key_epoch + 1;
    let mut ring = key_ring(tend.store())?;
    // A key made for this epoch by an attempt whose answer was lost is offered again.
    let key = match ring.of_epoch(epoch) {
        Some(k) => k.clone(),
        None => {
            let k = ClinicKey::generate_epoch(epoch)
                .map_err(|e| refused("random_failed", None, Words::verbatim(e.to_string())))?;
            ring.insert(k.clone());
            // Kept before the server hears of it: a key the server takes is never lost here.
            keep_clinic_keys(tend.store(), &KeyRing::new(vec![k.clone()]), tend.now())?;
            k
        }
    };
    let me = tend.store().identity().device_id;
    let revoked = revoked_here(tend)?;
    let listed = client.devices().map_err(client_error)?;
    let stay = listed
        .devices
        .iter()
        .filter(|d| d.revoked_at.is_none() && d.device_id != me && !revoked.contains(&d.device_id))
        .map(|d| d.device_id);
    let (grants, without) = grants_for(tend, &key, clinic, stay)?;
    let granted = grants.len();
    retried(|| {
        client.rotate(&tend_sync::protocol::RotateRequest {
            v: tend_sync::protocol::VERSION,
            epoch,
            key_id: key.id(),
            grants: grants.clone(),
        })
    })
    .map_err(client_error)?;
    tend.store()
        .set_sync_settings(&[(keys::ROTATE_DUE, None)])?;
    tend.store().write(tend.ctx(user), |tx| {
        tx.audit(AuditEntry::new("sync.rotate", Outcome::Ok).detail(json!({
            "epoch": epoch,
            "granted": granted,
            "waiting": without,
        })))
    })?;
    tracing::info!(
        epoch,
        granted,
        waiting = without,
        "the clinic key was changed"
    );
    Ok(epoch)
}

/// Changes the clinic key now (admins, on a manager desktop).
pub fn rotate_key(tend: &Tend, session: &Session) -> Result<RotatedDto> {
    tend.authorize(session, Action::SyncManage)?;
    Ok(RotatedDto {
        epoch: rotate(tend, Some(session.user_id()))?,
    })
}

/// On a manager desktop, after a round: changes the key if a revocation left that to do, and
/// grants the current key to desktops that lack it (those whose public key arrived late).
pub(super) fn manage_keys(tend: &Tend) -> Result<()> {
    if setting(tend, keys::ROTATE_DUE)?.is_some() {
        rotate(tend, None)?;
        return Ok(());
    }
    let client = client(tend)?;
    let missing = client.missing_grants().map_err(client_error)?;
    if missing.devices.is_empty() {
        return Ok(());
    }
    let ring = key_ring(tend.store())?;
    let Some(key) = ring.find(&missing.key_id) else {
        return Ok(());
    };
    let revoked = revoked_here(tend)?;
    let clinic: Uuid = setting(tend, keys::CLINIC)?
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            refused(
                "no_clinic_sync_id",
                None,
                "this desktop has no clinic sync id",
            )
        })?;
    let wanting = missing.devices.into_iter().filter(|d| !revoked.contains(d));
    let (grants, _) = grants_for(tend, key, clinic, wanting)?;
    if grants.is_empty() {
        return Ok(());
    }
    let n = grants.len();
    client
        .add_grants(&tend_sync::protocol::GrantRequest {
            v: tend_sync::protocol::VERSION,
            epoch: missing.epoch,
            grants,
        })
        .map_err(client_error)?;
    tracing::info!(
        granted = n,
        "granted the clinic key to desktops that lacked it"
    );
    Ok(())
}

/// Lets another desktop pair desktops, revoke them and change the clinic key.
pub fn allow_managing(tend: &Tend, session: &Session, device_id: &str) -> Result<()> {
    tend.authorize(session, Action::SyncManage)?;
    let device: DeviceId = crate::ids::parse_id("device", "a desktop of the clinic", device_id)?;
    client(tend)?.make_manager(device).map_err(client_error)?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("sync.allow_managing", Outcome::Ok)
                    .detail(json!({ "device": device.to_string() })),
            )
        })?;
    Ok(())
}
