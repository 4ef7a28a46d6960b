//! tend-store's integration tests: real SQLCipher files in temporary folders.
// Test helpers panic on failure by design; that is how a test reports it.
#![allow(clippy::unwrap_used)]

mod audit;
mod backup;
mod billing;
mod encryption;
mod keyslots;
mod migrations;
mod support;
mod write_path;
