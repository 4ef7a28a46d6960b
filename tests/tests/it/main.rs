//! Cross-crate scenario tests: real processes, killed; real backups under real writers.

mod backup_under_load;
mod crash;
