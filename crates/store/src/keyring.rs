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

/// A keyring that answers within `wait` or is treated as unavailable. A locked Secret Service
/// can put up an unlock prompt, and one with no session behind it can hang without answering;
/// either would otherwise hold the desktop's start or its unlock for as long. Each call runs on
/// its own thread: when the wait runs out the caller goes on (to the passphrase screen, or
/// without remembering the key), and the thread finishes, or not, on its own.
#[derive(Debug, Clone)]
pub struct Bounded {
    inner: std::sync::Arc<dyn Keyring>,
    wait: std::time::Duration,
}

impl Bounded {
    pub fn new(inner: std::sync::Arc<dyn Keyring>, wait: std::time::Duration) -> Self {
        Bounded { inner, wait }
    }

    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Keyring) -> Result<T, KeyringUnavailable> + Send + 'static,
    ) -> Result<T, KeyringUnavailable> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let inner = std::sync::Arc::clone(&self.inner);
        std::thread::Builder::new()
            .name("tend-keyring".into())
            .spawn(move || {
                // The receiver is gone when the caller stopped waiting; nothing to tell then.
                let _ = tx.send(f(inner.as_ref()));
            })
            .map_err(|e| KeyringUnavailable(format!("could not ask the OS keyring: {e}")))?;
        rx.recv_timeout(self.wait).unwrap_or_else(|_| {
            Err(KeyringUnavailable(format!(
                "the OS keyring did not answer within {} s",
                self.wait.as_secs_f32()
            )))
        })
    }
}

impl Keyring for Bounded {
    fn get(&self, d: DatabaseId) -> Result<Option<DbKey>, KeyringUnavailable> {
        self.call(move |k| k.get(d))
    }
    fn set(&self, d: DatabaseId, key: &DbKey) -> Result<(), KeyringUnavailable> {
        let key = key.clone();
        self.call(move |k| k.set(d, &key))
    }
    fn delete(&self, d: DatabaseId) -> Result<(), KeyringUnavailable> {
        self.call(move |k| k.delete(d))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{Receiver, Sender, channel};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    /// A keyring that answers only when the test lets it (or gives up after a minute, so a
    /// broken `Bounded` fails the test instead of hanging it).
    #[derive(Debug)]
    struct Gated {
        gate: Mutex<Receiver<()>>,
        answered: Sender<&'static str>,
    }

    impl Gated {
        fn wait(&self, what: &'static str) -> Result<(), KeyringUnavailable> {
            let released = self
                .gate
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .recv_timeout(Duration::from_secs(60));
            let _ = self
                .answered
                .send(if released.is_ok() { what } else { "gave up" });
            released.map_err(|_| KeyringUnavailable("gave up".into()))
        }
    }

    impl Keyring for Gated {
        fn get(&self, _: DatabaseId) -> Result<Option<DbKey>, KeyringUnavailable> {
            self.wait("get").map(|()| None)
        }
        fn set(&self, _: DatabaseId, _: &DbKey) -> Result<(), KeyringUnavailable> {
            self.wait("set")
        }
        fn delete(&self, _: DatabaseId) -> Result<(), KeyringUnavailable> {
            self.wait("delete")
        }
    }

    #[test]
    fn a_keyring_that_does_not_answer_is_unavailable_and_the_call_finishes_later() {
        let (open_gate, gate) = channel();
        let (answered, answers) = channel();
        let gated = Arc::new(Gated {
            gate: Mutex::new(gate),
            answered,
        });
        let bounded = Bounded::new(gated, Duration::from_millis(50));
        let id = DatabaseId::new();
        let key = DbKey::from_bytes([7; 32]);

        // The keyring is still waiting for the gate when these return: they did not wait for it.
        let err = bounded.set(id, &key).expect_err("set cannot have answered");
        assert!(err.0.contains("did not answer"), "{err}");
        let err = bounded.get(id).expect_err("get cannot have answered");
        assert!(err.0.contains("did not answer"), "{err}");

        // Let the keyring answer: both calls finish on their own threads.
        open_gate.send(()).unwrap();
        open_gate.send(()).unwrap();
        let mut seen = [
            answers.recv_timeout(Duration::from_secs(70)).unwrap(),
            answers.recv_timeout(Duration::from_secs(70)).unwrap(),
        ];
        seen.sort_unstable();
        assert_eq!(seen, ["get", "set"]);
    }

    #[test]
    fn a_keyring_that_answers_in_time_is_answered_through() {
        let bounded = Bounded::new(Arc::new(NoKeyring), Duration::from_secs(60));
        let err = bounded.get(DatabaseId::new()).unwrap_err();
        assert_eq!(err.0, "the OS keyring is turned off");
    }
}
