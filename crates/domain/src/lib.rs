//! Tend's domain: the types and rules of a clinic, with no I/O and no clock.
//!
//! Everything here is a pure function over plain data: validation that names the field, the
//! permission table, the sign-in throttle, the hybrid logical clock, and the shape of a change.
//! The store, the printer and sync build on these; nothing here knows about them.

pub mod backup;
pub mod billing;
pub mod change;
pub mod chart;
pub mod clinic;
pub mod conflict_access;
pub mod error;
mod fold;
pub mod hlc;
pub mod icd10cm;
pub mod ids;
pub mod locale;
pub mod merge;
pub mod patients;
pub mod permission;
pub mod prescriptions;
pub mod record;
pub mod role;
pub mod schedule;
pub mod sign_in;
pub mod text;
pub mod user;
pub mod words;

pub use change::{Change, ChangeKind, Entity, Fields, Value};
pub use clinic::{ClinicSettings, DeviceCode};
pub use error::ValidationError;
pub use hlc::Hlc;
pub use ids::{AuditId, ChangeId, ClinicId, DatabaseId, DeviceId, UserId};
pub use locale::Locale;
pub use permission::Action;
pub use role::{Role, Roles};
pub use user::{User, Username};
pub use words::Words;
