//! tend-store's integration tests: real SQLCipher files in temporary folders.

mod audit;
mod backup;
mod encryption;
mod keyslots;
mod migrations;
mod support;
mod write_path;
