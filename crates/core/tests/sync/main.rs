//! Sync, end to end: real encrypted stores, a real `tend-server` process on loopback and the
//! throwaway PostgreSQL that the test command starts (`scripts/postgres.sh`).
// Test helpers panic on failure by design; that is how a test reports it.
#![allow(clippy::unwrap_used)]

mod conflict_access;
mod convergence;
mod heal;
mod health;
mod keys;
mod pairing;
mod protocol;
mod restore;
mod server_limits;
mod support;
mod tls;
