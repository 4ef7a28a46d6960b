//! How clinic keys reach desktops without the server ever reading one.
//!
//! - **Pairing** ([`wrap_ring`]): the admin's desktop wraps every clinic key it holds under a
//!   one-time secret that travels only inside the pairing code, and leaves the wrapped keys
//!   with the server beside the pairing token. The server hands them to the desktop that uses
//!   the token and then deletes them (and deletes them when the token expires), so a code seen
//!   later (clipboard history, a photo, a chat) unwraps nothing: the secret is useless without
//!   the wrapped keys, and the server holds the wrapped keys without the secret.
//! - **Rotation** ([`grant`]): every desktop has an X25519 key pair; its public key travels in
//!   its device record, sealed under the clinic key like any change, so the server cannot swap
//!   it. A desktop that makes a new clinic key wraps it for each desktop still in the clinic
//!   (ephemeral X25519, HKDF-SHA256, XChaCha20-Poly1305) and leaves the grants with the server.
//!   A revoked desktop gets no grant, and so cannot open anything sealed after its revocation.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use data_encoding::BASE64URL_NOPAD;
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tend_domain::DeviceId;
use uuid::Uuid;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::envelope::{ClinicKey, KeyRing, KeyScheme};

const GRANT_INFO: &[u8] = b"tend-sync/2 key grant";
const PAIRING_INFO: &[u8] = b"tend-sync/2 pairing keys";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the system's random source failed")]
    Random,
    #[error("the clinic keys received do not open: {0}")]
    Damaged(&'static str),
}

fn random32() -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut bytes[..]).map_err(|_| KeyError::Random)?;
    Ok(bytes)
}

/// This desktop's X25519 secret: kept in its encrypted database, never sent anywhere.
pub struct DeviceSecret(StaticSecret);

impl std::fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceSecret({})", self.public())
    }
}

impl DeviceSecret {
    pub fn generate() -> Result<Self, KeyError> {
        Ok(DeviceSecret(StaticSecret::from(*random32()?)))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DeviceSecret(StaticSecret::from(bytes))
    }

    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The public key, base64url: what the device record carries.
    pub fn public(&self) -> String {
        BASE64URL_NOPAD.encode(PublicKey::from(&self.0).as_bytes())
    }
}

/// What a wrapped key holds.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireKey {
    e: u32,
    s: KeyScheme,
    k: String,
}

impl WireKey {
    fn of(key: &ClinicKey) -> Self {
        WireKey {
            e: key.epoch(),
            s: key.scheme(),
            k: BASE64URL_NOPAD.encode(key.as_bytes()),
        }
    }

    fn key(&self) -> Result<ClinicKey, KeyError> {
        let bytes = Zeroizing::new(
            BASE64URL_NOPAD
                .decode(self.k.as_bytes())
                .map_err(|_| KeyError::Damaged("a key is not base64"))?,
        );
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Damaged("a key is not 32 bytes"))?;
        Ok(ClinicKey::with(bytes, self.e, self.s))
    }
}

fn aead(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(*key).into())
}

fn seal_with(key: &[u8; 32], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, KeyError> {
    let nonce = random32()?;
    let nonce: [u8; 24] = nonce[..24].try_into().map_err(|_| KeyError::Random)?;
    let sealed = aead(key)
        .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
        .map_err(|_| KeyError::Random)?;
    Ok([&nonce[..], &sealed].concat())
}

fn open_with(key: &[u8; 32], aad: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if data.len() < 24 + 16 {
        return Err(KeyError::Damaged("too short"));
    }
    let (nonce, sealed) = data.split_at(24);
    let nonce: [u8; 24] = nonce.try_into().map_err(|_| KeyError::Damaged("nonce"))?;
    aead(key)
        .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad })
        .map(Zeroizing::new)
        .map_err(|_| KeyError::Damaged("they were altered or are for another desktop"))
}

fn grant_ad(clinic: Uuid, device: DeviceId) -> Vec<u8> {
    [clinic.as_bytes().as_slice(), device.as_uuid().as_bytes()].concat()
}

/// Wraps `key` for the desktop `device` whose public key is `public` (base64url).
pub fn grant(
    key: &ClinicKey,
    clinic: Uuid,
    device: DeviceId,
    public: &str,
) -> Result<String, KeyError> {
    let theirs: [u8; 32] = BASE64URL_NOPAD
        .decode(public.as_bytes())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(KeyError::Damaged("a desktop's public key is not 32 bytes"))?;
    let theirs = PublicKey::from(theirs);
    let ephemeral = StaticSecret::from(*random32()?);
    let mine = PublicKey::from(&ephemeral);
    let shared = ephemeral.diffie_hellman(&theirs);
    if !shared.was_contributory() {
        return Err(KeyError::Damaged("a desktop's public key is not usable"));
    }
    let wrap = wrapping_key(shared.as_bytes(), mine.as_bytes(), theirs.as_bytes());
    let plain = Zeroizing::new(
        serde_json::to_vec(&WireKey::of(key)).map_err(|_| KeyError::Damaged("a key"))?,
    );
    let sealed = seal_with(&wrap, &grant_ad(clinic, device), &plain)?;
    Ok(BASE64URL_NOPAD.encode(&[mine.as_bytes().as_slice(), &sealed].concat()))
}

fn wrapping_key(shared: &[u8; 32], ephemeral: &[u8; 32], theirs: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let salt = [ephemeral.as_slice(), theirs.as_slice()].concat();
    let mut out = Zeroizing::new([0u8; 32]);
    let _ = Hkdf::<Sha256>::new(Some(&salt), shared).expand(GRANT_INFO, &mut out[..]);
    out
}

/// Opens a grant made for this desktop.
pub fn open_grant(
    secret: &DeviceSecret,
    clinic: Uuid,
    device: DeviceId,
    grant: &str,
) -> Result<ClinicKey, KeyError> {
    let data = BASE64URL_NOPAD
        .decode(grant.as_bytes())
        .map_err(|_| KeyError::Damaged("not base64"))?;
    if data.len() < 32 {
        return Err(KeyError::Damaged("too short"));
    }
    let (ephemeral, sealed) = data.split_at(32);
    let ephemeral: [u8; 32] = ephemeral
        .try_into()
        .map_err(|_| KeyError::Damaged("too short"))?;
    let shared = secret.0.diffie_hellman(&PublicKey::from(ephemeral));
    let mine = PublicKey::from(&secret.0);
    let wrap = wrapping_key(shared.as_bytes(), &ephemeral, mine.as_bytes());
    let plain = open_with(&wrap, &grant_ad(clinic, device), sealed)?;
    let wire: WireKey =
        serde_json::from_slice(&plain).map_err(|_| KeyError::Damaged("not a key"))?;
    wire.key()
}

/// A one-time secret for a pairing code: 32 random bytes.
pub fn pairing_secret() -> Result<Zeroizing<[u8; 32]>, KeyError> {
    random32()
}

fn pairing_key(secret: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    let _ = Hkdf::<Sha256>::new(None, secret).expand(PAIRING_INFO, &mut out[..]);
    out
}

/// Wraps every key of `ring` under a pairing code's one-time secret (base64url).
pub fn wrap_ring(secret: &[u8; 32], clinic: Uuid, ring: &KeyRing) -> Result<String, KeyError> {
    let keys: Vec<WireKey> = ring.iter().map(WireKey::of).collect();
    let plain = Zeroizing::new(serde_json::to_vec(&keys).map_err(|_| KeyError::Damaged("keys"))?);
    let sealed = seal_with(&pairing_key(secret), clinic.as_bytes(), &plain)?;
    Ok(BASE64URL_NOPAD.encode(&sealed))
}

/// Opens the keys a pairing left with the server, with the code's secret.
pub fn unwrap_ring(secret: &[u8; 32], clinic: Uuid, wrapped: &str) -> Result<KeyRing, KeyError> {
    let data = BASE64URL_NOPAD
        .decode(wrapped.as_bytes())
        .map_err(|_| KeyError::Damaged("not base64"))?;
    let plain = open_with(&pairing_key(secret), clinic.as_bytes(), &data)?;
    let keys: Vec<WireKey> =
        serde_json::from_slice(&plain).map_err(|_| KeyError::Damaged("not a list of keys"))?;
    if keys.is_empty() || keys.len() > 10_000 {
        return Err(KeyError::Damaged("no keys"));
    }
    Ok(KeyRing::new(
        keys.iter().map(WireKey::key).collect::<Result<_, _>>()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_opens_only_for_its_desktop_in_its_clinic() {
        let key = ClinicKey::generate_epoch(4).unwrap();
        let clinic = Uuid::now_v7();
        let (mine, other) = (
            DeviceSecret::generate().unwrap(),
            DeviceSecret::generate().unwrap(),
        );
        let device = DeviceId::new();
        let g = grant(&key, clinic, device, &mine.public()).unwrap();
        assert_eq!(open_grant(&mine, clinic, device, &g).unwrap(), key);
        // Another desktop's secret, another device id or another clinic: nothing opens.
        assert!(open_grant(&other, clinic, device, &g).is_err());
        assert!(open_grant(&mine, clinic, DeviceId::new(), &g).is_err());
        assert!(open_grant(&mine, Uuid::now_v7(), device, &g).is_err());
        // The grant does not carry the key's bytes.
        assert!(!g.contains(&BASE64URL_NOPAD.encode(key.as_bytes())));
        // A public key of all zeros (a small-order point) is refused rather than used.
        assert!(grant(&key, clinic, device, &BASE64URL_NOPAD.encode(&[0u8; 32])).is_err());
        assert!(grant(&key, clinic, device, "not a key").is_err());
    }

    #[test]
    fn a_pairing_ring_opens_with_its_secret_only() {
        let ring = KeyRing::new(vec![
            ClinicKey::from_bytes([7; 32]),
            ClinicKey::generate_epoch(1).unwrap(),
        ]);
        let clinic = Uuid::now_v7();
        let secret = pairing_secret().unwrap();
        let wrapped = wrap_ring(&secret, clinic, &ring).unwrap();
        assert_eq!(unwrap_ring(&secret, clinic, &wrapped).unwrap(), ring);
        let other = pairing_secret().unwrap();
        assert!(unwrap_ring(&other, clinic, &wrapped).is_err());
        assert!(unwrap_ring(&secret, Uuid::now_v7(), &wrapped).is_err());
        assert!(unwrap_ring(&secret, clinic, "AAAA").is_err());
    }
}
