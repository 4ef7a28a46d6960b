//! tend-core's integration tests: the use cases over real encrypted clinics in temp folders.
// Test helpers panic on failure by design; that is how a test reports it.
#![allow(clippy::unwrap_used)]

mod access;
mod audit_reads;
mod backup;
mod backup_auto;
mod billing;
mod break_glass;
mod chart;
mod desktop;
mod notation;
mod opening;
mod patients;
mod prescriptions;
mod schedule;
mod sign_in;
mod support;
mod users;
