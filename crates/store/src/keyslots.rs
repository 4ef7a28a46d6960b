//! Key slots: the database key, wrapped by the clinic passphrase and by the recovery key, in a
//! small JSON file beside the database (the idea of LUKS). Changing the passphrase rewraps the
//! key; the database itself is never re-encrypted.
//!
//! Each slot is `XChaCha20-Poly1305(KEK, nonce, db_key, aad)` where the KEK comes from argon2id
//! over the secret with a per-slot salt, and the associated data binds the slot to its kind and
//! to the database id, so a slot cannot be moved to another clinic's file.

use std::fs;
use std::io::Write;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use data_encoding::BASE64;
use serde::{Deserialize, Serialize};
use tend_domain::DatabaseId;
use zeroize::Zeroizing;

use crate::error::{Result, StoreError, io};
use crate::key::{DbKey, RecoveryKey, random_bytes};

/// The KDF cost of a slot. [`KdfParams::CLINIC`] is what Tend writes: argon2id, 64 MiB, three
/// passes, four lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    pub const CLINIC: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };

    /// A file could name absurd costs to make opening hang or exhaust memory; refuse them.
    fn is_sane(self) -> bool {
        (8..=4 * 1024 * 1024).contains(&self.memory_kib)
            && (1..=64).contains(&self.iterations)
            && (1..=16).contains(&self.parallelism)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    Passphrase,
    Recovery,
}

impl SlotKind {
    fn as_str(self) -> &'static str {
        match self {
            SlotKind::Passphrase => "passphrase",
            SlotKind::Recovery => "recovery",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Kdf {
    algorithm: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Slot {
    kind: SlotKind,
    kdf: Kdf,
    nonce: String,
    ciphertext: String,
}

const FORMAT: &str = "tend-keyslots";
const VERSION: u32 = 1;
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The contents of the key-slot file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySlots {
    format: String,
    version: u32,
    database_id: DatabaseId,
    slots: Vec<Slot>,
}

/// A secret that can open a slot.
#[derive(Debug, Clone, Copy)]
pub enum Secret<'a> {
    Passphrase(&'a str),
    Recovery(&'a RecoveryKey),
}

impl Secret<'_> {
    fn kind(&self) -> SlotKind {
        match self {
            Secret::Passphrase(_) => SlotKind::Passphrase,
            Secret::Recovery(_) => SlotKind::Recovery,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Secret::Passphrase(p) => p.as_bytes(),
            Secret::Recovery(r) => r.as_bytes(),
        }
    }
}

impl KeySlots {
    /// Wraps `key` for a new clinic under its passphrase and its recovery key.
    pub fn new(
        database_id: DatabaseId,
        key: &DbKey,
        passphrase: &str,
        recovery: &RecoveryKey,
        params: KdfParams,
    ) -> Result<Self> {
        let mut slots = KeySlots {
            format: FORMAT.into(),
            version: VERSION,
            database_id,
            slots: Vec::new(),
        };
        slots.set(key, Secret::Passphrase(passphrase), params)?;
        slots.set(key, Secret::Recovery(recovery), params)?;
        Ok(slots)
    }

    pub fn database_id(&self) -> DatabaseId {
        self.database_id
    }

    /// Replaces (or adds) the slot for `secret`'s kind with `key` wrapped under `secret`.
    pub fn set(&mut self, key: &DbKey, secret: Secret<'_>, params: KdfParams) -> Result<()> {
        let salt: [u8; 16] = random_bytes()?;
        let nonce: [u8; 24] = random_bytes()?;
        let kek = derive_kek(secret.bytes(), &salt, params)?;
        let cipher = cipher(&kek)?;
        let aad = self.aad(secret.kind());
        let ciphertext = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::KeySlots {
                reason: "could not seal the key".into(),
            })?;
        let slot = Slot {
            kind: secret.kind(),
            kdf: Kdf {
                algorithm: "argon2id".into(),
                params,
                salt: BASE64.encode(&salt),
            },
            nonce: BASE64.encode(&nonce),
            ciphertext: BASE64.encode(&ciphertext),
        };
        self.slots.retain(|s| s.kind != slot.kind);
        self.slots.push(slot);
        Ok(())
    }

    /// Unwraps the database key with `secret`. A wrong secret is [`StoreError::WrongSecret`].
    pub fn unlock(&self, secret: Secret<'_>) -> Result<DbKey> {
        let what = match secret.kind() {
            SlotKind::Passphrase => "passphrase",
            SlotKind::Recovery => "recovery key",
        };
        let slot = self
            .slots
            .iter()
            .find(|s| s.kind == secret.kind())
            .ok_or_else(|| self.malformed(format!("it has no {what} slot")))?;
        if slot.kdf.algorithm != "argon2id" || !slot.kdf.params.is_sane() {
            return Err(self.malformed("its key derivation settings are not supported".into()));
        }
        let decode = |field: &str, text: &str| {
            BASE64
                .decode(text.as_bytes())
                .map_err(|_| self.malformed(format!("the {field} is not base64")))
        };
        let salt = decode("salt", &slot.kdf.salt)?;
        let nonce: [u8; 24] = decode("nonce", &slot.nonce)?
            .try_into()
            .map_err(|_| self.malformed("the nonce has the wrong length".into()))?;
        let ciphertext = decode("ciphertext", &slot.ciphertext)?;
        let kek = derive_kek(secret.bytes(), &salt, slot.kdf.params)?;
        let cipher = cipher(&kek)?;
        let aad = self.aad(slot.kind);
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: &ciphertext,
                        aad: &aad,
                    },
                )
                .map_err(|_| StoreError::WrongSecret { what })?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| self.malformed("the wrapped key has the wrong length".into()))?;
        Ok(DbKey::from_bytes(bytes))
    }

    fn aad(&self, kind: SlotKind) -> Vec<u8> {
        format!(
            "{FORMAT}/v{VERSION}\0{}\0{}",
            kind.as_str(),
            self.database_id
        )
        .into_bytes()
    }

    fn malformed(&self, reason: String) -> StoreError {
        StoreError::KeySlots { reason }
    }

    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).map_err(|e| self.malformed(e.to_string()))
    }

    pub fn from_json(bytes: &[u8]) -> std::result::Result<Self, String> {
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err("it is too large to be a key-slot file".into());
        }
        let slots: KeySlots = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if slots.format != FORMAT {
            return Err("it is not a Tend key-slot file".into());
        }
        if slots.version != VERSION {
            return Err(format!(
                "it is version {}, and this Tend reads version {VERSION}",
                slots.version
            ));
        }
        Ok(slots)
    }

    pub fn read(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).map_err(io(format!("reading {}", path.display())))?;
        KeySlots::from_json(&bytes).map_err(|reason| StoreError::KeySlots { reason })
    }

    /// Writes the file so that a crash leaves either the old or the new file, never half of one.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.to_json()?)
    }
}

fn cipher(kek: &[u8; 32]) -> Result<XChaCha20Poly1305> {
    XChaCha20Poly1305::new_from_slice(kek).map_err(|_| StoreError::KeySlots {
        reason: "could not set up the cipher".into(),
    })
}

fn derive_kek(secret: &[u8], salt: &[u8], p: KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32)).map_err(|e| {
        StoreError::KeySlots {
            reason: format!("bad key derivation settings: {e}"),
        }
    })?;
    let mut kek = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(secret, salt, kek.as_mut())
        .map_err(|e| StoreError::KeySlots {
            reason: format!("key derivation failed: {e}"),
        })?;
    Ok(kek)
}

/// Writes `bytes` to `path` through a temporary file, fsync and rename, then syncs the folder.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::create_private_dir(dir)?;
    let tmp = crate::with_suffix(path, ".tmp");
    {
        let mut options = fs::File::options();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&tmp)
            .map_err(io(format!("creating {}", tmp.display())))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(io(format!("writing {}", tmp.display())))?;
    }
    fs::rename(&tmp, path).map_err(io(format!("replacing {}", path.display())))?;
    sync_dir(dir);
    Ok(())
}

/// Makes a rename durable. Folders cannot be opened for syncing on every OS; where they cannot,
/// the rename is still atomic, only its durability across power loss is the OS's.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
