//! The OS keyring slot: a copy of the database key in the operating system's credential store
//! (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows), so a desktop
//! opens without typing. Behind a trait, because a headless machine has none: there, Tend asks
//! for the passphrase. It never falls back to storing the key in plaintext.

use std::fmt;

use tend_domain::DatabaseId;
use zeroize::Zeroizing;

use crate::key::DbKey;

/// Why the keyring could not be used. Callers treat every case the same way (ask for the
/// passphrase); the reason goes to the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyringUnavailable(pub String);

pub trait Keyring: fmt::Debug + Send + Sync {
    /// The key stored for this database, `Ok(None)` when the keyring answers but holds none.
    fn get(&self, database_id: DatabaseId) -> Result<Option<DbKey>, KeyringUnavailable>;
    fn set(&self, database_id: DatabaseId, key: &DbKey) -> Result<(), KeyringUnavailable>;
    fn delete(&self, database_id: DatabaseId) -> Result<(), KeyringUnavailable>;
}

/// No keyring: every call says so, and Tend asks for the passphrase.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoKeyring;

impl Keyring for NoKeyring {
    fn get(&self, _: DatabaseId) -> Result<Option<DbKey>, KeyringUnavailable> {
        Err(KeyringUnavailable("the OS keyring is turned off".into()))
    }
    fn set(&self, _: DatabaseId, _: &DbKey) -> Result<(), KeyringUnavailable> {
        Err(KeyringUnavailable("the OS keyring is turned off".into()))
    }
    fn delete(&self, _: DatabaseId) -> Result<(), KeyringUnavailable> {
        Ok(())
    }
}

/// The operating system's keyring through the `keyring` crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

const SERVICE: &str = "Tend";

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod os {
    use super::*;

    fn entry(database_id: DatabaseId) -> Result<keyring::Entry, KeyringUnavailable> {
        keyring::Entry::new(SERVICE, &format!("database-key/{database_id}"))
            .map_err(|e| KeyringUnavailable(e.to_string()))
    }

    impl Keyring for OsKeyring {
        fn get(&self, database_id: DatabaseId) -> Result<Option<DbKey>, KeyringUnavailable> {
            match entry(database_id)?.get_password() {
                Ok(hex) => {
                    let hex = Zeroizing::new(hex);
                    Ok(DbKey::from_hex(&hex))
                }
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(KeyringUnavailable(e.to_string())),
            }
        }

        fn set(&self, database_id: DatabaseId, key: &DbKey) -> Result<(), KeyringUnavailable> {
            entry(database_id)?
                .set_password(&key.to_hex())
                .map_err(|e| KeyringUnavailable(e.to_string()))
        }

        fn delete(&self, database_id: DatabaseId) -> Result<(), KeyringUnavailable> {
            match entry(database_id)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(KeyringUnavailable(e.to_string())),
            }
        }
    }
}

/// Elsewhere the `keyring` crate would hand out an in-memory mock that forgets the key at exit;
/// better to say there is no keyring.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
impl Keyring for OsKeyring {
    fn get(&self, d: DatabaseId) -> Result<Option<DbKey>, KeyringUnavailable> {
        NoKeyring.get(d)
    }
    fn set(&self, d: DatabaseId, k: &DbKey) -> Result<(), KeyringUnavailable> {
        NoKeyring.set(d, k)
    }
    fn delete(&self, d: DatabaseId) -> Result<(), KeyringUnavailable> {
        NoKeyring.delete(d)
    }
}
