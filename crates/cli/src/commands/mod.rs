//! The CLI's subcommands, one module per part of the clinic, named as tend-core names it; what
//! each prints is in the module of the same name under `output/`.

pub mod backup;
pub mod billing;
pub mod chart;
pub mod patients;
pub mod prescriptions;
pub mod schedule;
pub mod sync;
