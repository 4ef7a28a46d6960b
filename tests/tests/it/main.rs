//! Cross-crate scenario tests: real processes, killed; real backups under real writers.
// Test helpers panic on failure by design; that is how a test reports it.
#![allow(clippy::unwrap_used)]

mod backup_under_load;
mod crash;
mod tidy;
