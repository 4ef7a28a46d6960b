//! The `tend` binary end to end: real processes, real encrypted clinics in temp folders.
// Test helpers panic on failure by design; that is how a test reports it.
#![allow(clippy::unwrap_used)]

mod audit;
mod backup;
mod billing;
mod chart;
mod commands;
mod keyring;
mod rx;
mod schedule;
mod support;
