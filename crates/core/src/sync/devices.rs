//! The clinic's devices: listed, revoked, and this one disconnected.

use serde_json::json;
use tend_domain::Words;
use tend_domain::{Action, DeviceId};
use tend_store::sync::keys;
use tend_store::{AuditEntry, Outcome};

use crate::api::DeviceDto;
use crate::{Result, Session, Tend};

use super::clinic_keys::rotate;
use super::{client, client_error, refused, setting};

/// Stops this desktop syncing: forgets the server, its token and the clinic key. The records
/// stay; pairing again (or connecting as the first desktop) starts over.
pub fn disconnect(tend: &Tend, session: &Session) -> Result<()> {
    tend.authorize(session, Action::SyncManage)?;
    tend.store().set_sync_settings(&[
        (keys::SERVER, None),
        (keys::TOKEN, None),
        (keys::CLINIC, None),
        (keys::LAST_ERROR, None),
        (keys::ROTATE_DUE, None),
        (keys::PIN, None),
        (keys::INSECURE, None),
    ])?;
    tend.store().forget_clinic_keys()?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(AuditEntry::new("sync.disconnect", Outcome::Ok))
        })?;
    Ok(())
}

pub fn devices(tend: &Tend, session: &Session) -> Result<Vec<DeviceDto>> {
    tend.authorize(session, Action::SyncManage)?;
    let listed = client(tend)?.devices().map_err(client_error)?;
    let me = tend.store().identity().device_id;
    let mut out = Vec::new();
    for d in listed.devices {
        let name = tend.store().read(|r| r.device_name(d.device_id))?;
        out.push(DeviceDto {
            device_id: d.device_id.to_string(),
            code: d.code,
            name,
            registered_at: d.registered_at,
            revoked_at: d.revoked_at,
            last_seen_at: d.last_seen_at,
            this_desktop: d.device_id == me,
            manager: d.manager,
        });
    }
    Ok(out)
}

/// The devices this desktop revoked (never granted a key again, whatever the server says).
pub(super) fn revoked_here(tend: &Tend) -> Result<Vec<DeviceId>> {
    Ok(setting(tend, keys::REVOKED)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Revokes a desktop at the server (its token and the pairing codes it made stop working) and
/// changes the clinic key, so it cannot open anything sealed after. If the key cannot be
/// changed at once, this desktop does it at its next sync, and the badge says so meanwhile.
pub fn revoke(tend: &Tend, session: &Session, device_id: &str) -> Result<()> {
    tend.authorize(session, Action::SyncManage)?;
    let device: DeviceId = crate::ids::parse_id("device", "a desktop of the clinic", device_id)?;
    if device == tend.store().identity().device_id {
        return Err(refused(
            "cannot_revoke_self",
            Some("device"),
            "this desktop cannot revoke itself; revoke it from another desktop",
        ));
    }
    client(tend)?.revoke(device).map_err(client_error)?;
    let mut revoked = revoked_here(tend)?;
    if !revoked.contains(&device) {
        revoked.push(device);
    }
    let json = serde_json::to_string(&revoked)
        .map_err(|e| refused("internal", None, Words::verbatim(e.to_string())))?;
    tend.store().set_sync_settings(&[
        (keys::REVOKED, Some(&json)),
        (keys::ROTATE_DUE, Some("revoked")),
    ])?;
    tend.store()
        .write(tend.ctx(Some(session.user_id())), |tx| {
            tx.audit(
                AuditEntry::new("sync.revoke", Outcome::Ok)
                    .detail(json!({ "device": device.to_string() })),
            )
        })?;
    if let Err(e) = rotate(tend, Some(session.user_id())) {
        tracing::warn!(error = %e, "the clinic key could not be changed after a revocation; the next sync will");
    }
    Ok(())
}
