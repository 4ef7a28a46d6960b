//! The `tend` binary end to end: real processes, real encrypted clinics in temp folders.

mod audit;
mod backup;
mod commands;
mod keyring;
mod support;
