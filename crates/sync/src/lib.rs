//! tend-sync: what the clinic's desktops and the sync server agree on. The envelope each change
//! travels in (sealed with the clinic key, so the server never reads patient data) and the
//! frozen wire protocol. The client engine and the merge rules build on these.

pub mod envelope;
pub mod protocol;

pub use envelope::{ClinicKey, Envelope, EnvelopeError, open, seal};
