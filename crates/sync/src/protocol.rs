//! The wire protocol, version 1: JSON over HTTP. These structs are frozen; a change to what they
//! carry is a new version, served beside this one. Every request and answer names its version,
//! and unknown fields are refused, so a mismatch fails loudly instead of dropping data.
//!
//! - `POST /v1/push`: a device sends its changes in order of its own sequence; the server stores
//!   them by change id (a repeat is not an error) and answers with the highest sequence number
//!   it holds from that device without a gap.
//! - `POST /v1/pull`: a device asks for what the server holds after its cursor, a page at a time,
//!   in the server's commit order.

use serde::{Deserialize, Serialize};
use tend_domain::DeviceId;

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
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<PullRequest>(r#"{"v":1,"after":0,"limit":10,"since":5}"#)
            .unwrap_err();
        assert!(err.to_string().contains("unknown field `since`"), "{err}");
    }
}
