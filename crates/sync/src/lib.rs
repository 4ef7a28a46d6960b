//! tend-sync: what the clinic's desktops and the sync server agree on. The envelope each change
//! travels in (sealed with the clinic key, so the server never reads patient data) and the
//! frozen wire protocol, the HTTP client and the sync engine. The merge rules are in
//! `tend_domain::record`; the store applies them.

pub mod client;
pub mod engine;
pub mod envelope;
pub mod keys;
pub mod local_server;
pub mod pairing;
pub mod pin;
pub mod protocol;

pub use client::{ClientError, HttpClient, Transport};
pub use engine::{Engine, Progress, Replica, Round, SyncError, Unopened};
pub use envelope::{ClinicKey, Envelope, EnvelopeError, KeyRing, KeyScheme, open, seal};
pub use keys::{DeviceSecret, KeyError};
pub use pairing::{Pairing, PairingError};
