//! The wire protocol, version 1: JSON over HTTP. These structs are frozen; a change to what they
//! carry is a new version, served beside this one. Every request and answer names its version,
//! and unknown fields are refused, so a mismatch fails loudly instead of dropping data.
//!
//! - `POST /v1/push`: a device sends its changes in order of its own sequence; the server stores
//!   them by change id (a repeat is not an error) and answers with the highest sequence number
//!   it holds from that device without a gap.
//! - `POST /v1/pull`: a device asks for what the server holds after its cursor, a page at a time,
//!   in the server's commit order.
//! - `GET /v1/hello`: who the server thinks the device is, its acknowledged sequence, the
//!   clinic key's id and the newest cursor.
//! - `POST /v1/clinics`: the first desktop enrols the clinic (bearer: the server's enrolment
//!   token). `POST /v1/pairings`: a device asks for a one-time pairing token.
//!   `POST /v1/register`: a new desktop registers with that token. `POST /v1/announce`: a
//!   desktop restored from a backup comes back as a new device, succeeding the old one.
//! - `GET /v1/devices`, `POST /v1/devices/{id}/revoke`: the clinic's devices.
//! - `GET /health`.

use serde::{Deserialize, Serialize};
pub use tend_domain::DeviceId;
use uuid::Uuid;

use crate::envelope::Envelope;

pub const VERSION: u32 = 1;
/// The most envelopes one push or one pulled page carries.
pub const MAX_PAGE: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub v: u32,
    pub device_id: DeviceId,
    pub changes: Vec<Envelope>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    pub v: u32,
    /// The highest sequence number from this device the server holds with none missing below
    /// it; the device re-sends anything above it.
    pub acked_through: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub v: u32,
    /// The server's cursor from the last page applied; 0 at first.
    pub after: u64,
    /// At most this many (1 to `MAX_PAGE`).
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pulled {
    /// The server's position of this change in its commit order.
    pub cursor: u64,
    pub change: Envelope,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullResponse {
    pub v: u32,
    pub changes: Vec<Pulled>,
    /// Whether more follows this page.
    pub more: bool,
}

/// The first desktop of a clinic enrols it at the server, with the server's enrolment token as
/// the bearer; it becomes the clinic's first device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub v: u32,
    pub clinic_id: Uuid,
    /// `ClinicKey::id` of the key every change of this clinic is sealed with.
    pub key_id: String,
    pub device_id: DeviceId,
    /// The device's short code (`K7`); unique in the clinic.
    pub code: String,
}

/// A paired desktop registers with the one-time pairing token an admin's desktop obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub v: u32,
    pub pairing_token: String,
    pub device_id: DeviceId,
    pub code: String,
}

/// A desktop restored from a backup announces itself again, with its old token, as a new
/// device; the old token stops working and the new device may push the old one's changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnounceRequest {
    pub v: u32,
    pub device_id: DeviceId,
    pub code: String,
}

/// The device's bearer token: shown once, stored by the server only as a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registered {
    pub v: u32,
    pub clinic_id: Uuid,
    pub device_id: DeviceId,
    pub token: String,
    /// For a registration: the clinic keys the pairing left, wrapped under the code's secret
    /// (`keys::wrap_ring`). The server deletes them once the device has said hello.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_keys: Option<String>,
}

/// An admin's desktop asks for a pairing token, leaving the clinic keys wrapped under the
/// code's one-time secret, which the server never sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    pub v: u32,
    pub wrapped_keys: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingToken {
    pub v: u32,
    pub pairing_token: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// A new clinic key, wrapped for one desktop (`keys::grant`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub device_id: DeviceId,
    pub grant: String,
}

/// A manager desktop makes the clinic's next key: the server seals nothing with it, but from
/// then on takes pushes only under it, and keeps each desktop's grant for it to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    pub v: u32,
    /// The server's epoch plus one (or the current one, repeated after a lost answer).
    pub epoch: u32,
    pub key_id: String,
    pub grants: Vec<Grant>,
}

/// Grants for desktops that lack one for the current key (sent by a manager desktop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    pub v: u32,
    pub epoch: u32,
    pub grants: Vec<Grant>,
}

/// A key granted to the asking device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyGrant {
    pub epoch: u32,
    pub key_id: String,
    pub grant: String,
}

/// Every key granted to the asking device, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    pub v: u32,
    pub grants: Vec<KeyGrant>,
}

/// The clinic's current key, and its desktops (neither revoked nor replaced) that have no
/// grant for it and did not make it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingGrants {
    pub v: u32,
    pub epoch: u32,
    pub key_id: String,
    pub devices: Vec<DeviceId>,
}

/// What the server knows of the asking device: checked before every sync, so a desktop with
/// the wrong clinic key, or one restored from an old backup, finds out before it sends or
/// applies anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub v: u32,
    pub clinic_id: Uuid,
    pub device_id: DeviceId,
    pub key_id: String,
    /// The highest of this device's sequence numbers the server holds with none missing below.
    pub acked_through: u64,
    /// The server's newest cursor for the clinic.
    pub head: u64,
    /// The epoch of the key the server takes pushes under (`key_id`).
    #[serde(default)]
    pub key_epoch: u32,
    /// Whether this device may pair desktops, revoke them and change the clinic key.
    #[serde(default)]
    pub manager: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceInfo {
    pub device_id: DeviceId,
    pub code: String,
    pub registered_at: String,
    pub revoked_at: Option<String>,
    pub last_seen_at: Option<String>,
    pub acked_through: u64,
    #[serde(default)]
    pub manager: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Devices {
    pub v: u32,
    pub devices: Vec<DeviceInfo>,
}

/// Every refusal: a stable code to act on and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The v1 shapes, pinned: a renamed or added field fails here before it reaches a server.
    #[test]
    fn the_v1_wire_shapes_are_frozen() {
        let env: Envelope = serde_json::from_str(
            r#"{"change_id":"019ab000-0000-7000-8000-000000000001","device_id":"019ab000-0000-7000-8000-000000000002",
               "device_seq":3,"hlc":"001795000000000-0000000004","key_id":"0123456789abcdef",
               "nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","sealed":"AAAA"}"#,
        )
        .unwrap();
        let push = PushRequest {
            v: VERSION,
            device_id: env.device_id,
            changes: vec![env.clone()],
        };
        assert_eq!(
            serde_json::to_value(&push).unwrap(),
            serde_json::json!({
                "v": 1,
                "device_id": "019ab000-0000-7000-8000-000000000002",
                "changes": [{
                    "change_id": "019ab000-0000-7000-8000-000000000001",
                    "device_id": "019ab000-0000-7000-8000-000000000002",
                    "device_seq": 3,
                    "hlc": "001795000000000-0000000004",
                    "key_id": "0123456789abcdef",
                    "nonce": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                    "sealed": "AAAA"
                }]
            })
        );
        let pull: PullResponse = serde_json::from_value(serde_json::json!({
            "v": 1, "more": true, "changes": [{ "cursor": 42, "change": serde_json::to_value(&env).unwrap() }]
        }))
        .unwrap();
        assert_eq!(pull.changes[0].cursor, 42);
        assert_eq!(
            serde_json::to_value(PushResponse {
                v: 1,
                acked_through: 9
            })
            .unwrap(),
            serde_json::json!({ "v": 1, "acked_through": 9 })
        );
        assert_eq!(
            serde_json::to_value(PullRequest {
                v: 1,
                after: 0,
                limit: 500
            })
            .unwrap(),
            serde_json::json!({ "v": 1, "after": 0, "limit": 500 })
        );
    }

    #[test]
    fn the_v1_device_shapes_are_frozen() {
        let device: DeviceId = "019ab000-0000-7000-8000-000000000002".parse().unwrap();
        let clinic: Uuid = "019ab000-0000-7000-8000-000000000009".parse().unwrap();
        assert_eq!(
            serde_json::to_value(Hello {
                v: 1,
                clinic_id: clinic,
                device_id: device,
                key_id: "0123456789abcdef".into(),
                acked_through: 7,
                head: 42,
                key_epoch: 2,
                manager: true,
            })
            .unwrap(),
            serde_json::json!({
                "v": 1, "clinic_id": "019ab000-0000-7000-8000-000000000009",
                "device_id": "019ab000-0000-7000-8000-000000000002",
                "key_id": "0123456789abcdef", "acked_through": 7, "head": 42,
                "key_epoch": 2, "manager": true
            })
        );
        // A hello from a server before key rotation still reads: epoch 0, not a manager.
        let old: Hello = serde_json::from_value(serde_json::json!({
            "v": 1, "clinic_id": "019ab000-0000-7000-8000-000000000009",
            "device_id": "019ab000-0000-7000-8000-000000000002",
            "key_id": "0123456789abcdef", "acked_through": 7, "head": 42
        }))
        .unwrap();
        assert_eq!((old.key_epoch, old.manager), (0, false));
        assert_eq!(
            serde_json::to_value(RegisterRequest {
                v: 1,
                pairing_token: "pair_x".into(),
                device_id: device,
                code: "K7".into(),
            })
            .unwrap(),
            serde_json::json!({
                "v": 1, "pairing_token": "pair_x",
                "device_id": "019ab000-0000-7000-8000-000000000002", "code": "K7"
            })
        );
        assert_eq!(
            serde_json::to_value(AnnounceRequest {
                v: 1,
                device_id: device,
                code: "K7".into(),
            })
            .unwrap(),
            serde_json::json!({ "v": 1, "device_id": "019ab000-0000-7000-8000-000000000002", "code": "K7" })
        );
        assert_eq!(
            serde_json::to_value(ErrorBody {
                error: "revoked".into(),
                message: "m".into(),
            })
            .unwrap(),
            serde_json::json!({ "error": "revoked", "message": "m" })
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<PullRequest>(r#"{"v":1,"after":0,"limit":10,"since":5}"#)
            .unwrap_err();
        assert!(err.to_string().contains("unknown field `since`"), "{err}");
    }
}
