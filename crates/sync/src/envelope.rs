//! The envelope a change travels in: the change sealed with the clinic key (XChaCha20-Poly1305),
//! beside the few things the server must see to order and de-duplicate it (change id, device,
//! the device's sequence number, the clock). Those are bound into the seal as associated data,
//! with the clinic's sync id, so a server that swaps, renumbers or re-files an envelope makes it
//! fail to open. The server sees ids, sizes and times; never patient data.
//!
//! A desktop holding a different clinic key learns so from `key_id` before it tries to apply
//! anything: the id is derived from the key under a label of its own, so it names the key
//! without revealing it; with key rotation, it also says which of a desktop's keys opens it.

use chacha20poly1305::aead::Aead;
use chacha20poly1305::aead::Payload;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use data_encoding::{BASE64, HEXLOWER};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tend_domain::{Change, ChangeId, DeviceId, Hlc};
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

/// Bound into every seal, so an envelope of another protocol version or purpose never opens.
const AD_LABEL: &[u8] = b"tend-sync/1 change\0";
const KEY_ID_LABEL: &[u8] = b"tend-sync/1 key id";
/// A change larger than this is refused before sealing or opening (a note with a long plan is a
/// few KiB; this leaves room for any record Tend writes, and bounds what a bad peer can send).
/// The store refuses to write one in the first place.
pub use tend_domain::change::MAX_CHANGE_BYTES;

/// How a clinic key seals and is named.
///
/// `V1`: the key itself seals, and an HMAC of a label under it names it (keys made before keys
/// could be rotated; they still open what they sealed). `V2`: two subkeys derived with
/// HKDF-SHA256 under separate labels, one that seals and one that names it, so the id reveals
/// nothing of the sealing key even in principle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyScheme {
    V1,
    V2,
}

impl KeyScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScheme::V1 => "v1",
            KeyScheme::V2 => "v2",
        }
    }

    pub fn parse(s: &str) -> Option<KeyScheme> {
        match s {
            "v1" => Some(KeyScheme::V1),
            "v2" => Some(KeyScheme::V2),
            _ => None,
        }
    }
}

const SEAL_INFO: &[u8] = b"tend-sync/2 seal";
const ID_INFO: &[u8] = b"tend-sync/2 key id";

/// A clinic key: 32 random bytes shared by the clinic's desktops (never by the server), which
/// seal its changes. Keys have epochs: an admin's rotation (and every revocation) makes the
/// next, and new changes are sealed under the newest; desktops keep the older ones to read the
/// history. A key reaches a new desktop only through pairing, and a later one reaches the
/// others wrapped for each desktop's own public key ([`crate::keys`]).
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct ClinicKey {
    bytes: [u8; 32],
    epoch: u32,
    #[zeroize(skip)]
    scheme: KeyScheme,
}

impl PartialEq for ClinicKey {
    /// In constant time: key material is never compared byte by byte with an early exit.
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.bytes.ct_eq(&other.bytes))
            && self.epoch == other.epoch
            && self.scheme == other.scheme
    }
}

impl Eq for ClinicKey {}

impl std::fmt::Debug for ClinicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClinicKey({} epoch {})", self.id(), self.epoch)
    }
}

impl ClinicKey {
    /// A new key of the first epoch (a clinic's first), sealing with HKDF subkeys.
    pub fn generate() -> Result<Self, EnvelopeError> {
        Self::generate_epoch(0)
    }

    /// A new key of `epoch`, sealing with HKDF subkeys.
    pub fn generate_epoch(epoch: u32) -> Result<Self, EnvelopeError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| EnvelopeError::Random(e.to_string()))?;
        Ok(ClinicKey {
            bytes,
            epoch,
            scheme: KeyScheme::V2,
        })
    }

    /// A key made before rotation existed: epoch 0, scheme V1.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self::with(bytes, 0, KeyScheme::V1)
    }

    pub fn with(bytes: [u8; 32], epoch: u32, scheme: KeyScheme) -> Self {
        ClinicKey {
            bytes,
            epoch,
            scheme,
        }
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    pub fn scheme(&self) -> KeyScheme {
        self.scheme
    }

    fn subkey(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's limit, so this cannot fail.
        let _ = Hkdf::<Sha256>::new(None, &self.bytes).expand(info, &mut out[..]);
        out
    }

    /// The key that seals: the key itself (V1) or its sealing subkey (V2).
    fn sealing(&self) -> Zeroizing<[u8; 32]> {
        match self.scheme {
            KeyScheme::V1 => Zeroizing::new(self.bytes),
            KeyScheme::V2 => self.subkey(SEAL_INFO),
        }
    }

    /// Names the key without revealing it, in 16 hex digits: of HMAC-SHA256(key, label) (V1) or
    /// of its naming subkey (V2).
    pub fn id(&self) -> String {
        match self.scheme {
            KeyScheme::V1 => {
                let mut mac = Hmac::<Sha256>::new_from_slice(&self.bytes)
                    .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
                mac.update(KEY_ID_LABEL);
                HEXLOWER.encode(&mac.finalize().into_bytes()[..8])
            }
            KeyScheme::V2 => HEXLOWER.encode(&self.subkey(ID_INFO)[..8]),
        }
    }

    /// Whether `id` names this key, compared in constant time.
    pub fn is_named(&self, id: &str) -> bool {
        bool::from(self.id().as_bytes().ct_eq(id.as_bytes()))
    }
}

/// The clinic keys a desktop holds, oldest epoch first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyRing(Vec<ClinicKey>);

impl KeyRing {
    pub fn new(keys: Vec<ClinicKey>) -> Self {
        let mut ring = KeyRing(Vec::with_capacity(keys.len()));
        for key in keys {
            ring.insert(key);
        }
        ring
    }

    /// A key of the highest epoch.
    pub fn newest(&self) -> Option<&ClinicKey> {
        self.0.last()
    }

    /// The key of `epoch`, when this desktop holds just one.
    pub fn of_epoch(&self, epoch: u32) -> Option<&ClinicKey> {
        let mut of = self.0.iter().filter(|k| k.epoch == epoch);
        match (of.next(), of.next()) {
            (Some(k), None) => Some(k),
            _ => None,
        }
    }

    /// The key `id` names, if this desktop holds it.
    pub fn find(&self, id: &str) -> Option<&ClinicKey> {
        self.0.iter().find(|k| k.is_named(id))
    }

    /// Adds a key this ring does not hold yet (two may share an epoch: one made for a rotation
    /// the server did not take, and the one it took).
    pub fn insert(&mut self, key: ClinicKey) {
        if !self.0.contains(&key) {
            self.0.push(key);
            self.0.sort_by_key(ClinicKey::epoch);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &ClinicKey> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Opens an envelope with whichever of these keys sealed it.
    pub fn open(&self, clinic: Uuid, envelope: &Envelope) -> Result<Change, EnvelopeError> {
        match self.find(&envelope.key_id) {
            Some(key) => open(key, clinic, envelope),
            None => Err(EnvelopeError::UnknownKey {
                found: envelope.key_id.chars().take(16).collect(),
            }),
        }
    }
}

/// The longest `sealed` text an envelope may carry: [`MAX_CHANGE_BYTES`] and the tag, in base64.
pub const MAX_SEALED_CHARS: usize = (MAX_CHANGE_BYTES + 16) / 3 * 4 + 4;

/// Whether an envelope has the shape protocol v1 gives one, checkable without the key (the
/// server checks every envelope pushed): a key id of 16 hex digits, a nonce of 24 bytes, a
/// sealed change of base64 holding at least the 16-byte tag and at most [`MAX_SEALED_CHARS`].
/// The reason never quotes the envelope.
pub fn check_shape(e: &Envelope) -> Result<(), &'static str> {
    let hex = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex(&e.key_id) {
        return Err("a key id is 16 hexadecimal digits");
    }
    if BASE64.decode(e.nonce.as_bytes()).map(|n| n.len()) != Ok(24) {
        return Err("a nonce is 24 bytes of base64");
    }
    if e.sealed.len() > MAX_SEALED_CHARS {
        return Err("a sealed change is larger than the protocol carries");
    }
    match BASE64.decode_len(e.sealed.len()) {
        Ok(n) if n >= 16 && e.sealed.len().is_multiple_of(4) => {}
        _ => return Err("a sealed change is base64 of at least its 16-byte tag"),
    }
    if !e
        .sealed
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    {
        return Err("a sealed change is base64");
    }
    Ok(())
}

/// One sealed change, as stored by the server and sent over the wire. Frozen: protocol v1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub change_id: ChangeId,
    pub device_id: DeviceId,
    /// The device's gap-free sequence number (1, 2, 3, …).
    pub device_seq: u64,
    pub hlc: Hlc,
    /// Which clinic key sealed it (`ClinicKey::id`).
    pub key_id: String,
    /// 24 random bytes, base64.
    pub nonce: String,
    /// The change as JSON, encrypted, with its 16-byte tag; base64.
    pub sealed: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error(
        "this change was sealed with another clinic key ({found}; this desktop has {expected}): \
         the desktop was paired with another clinic, or the clinic key was replaced"
    )]
    WrongClinicKey { found: String, expected: String },
    #[error(
        "this change was sealed with a clinic key this desktop does not hold ({found}): a key \
         made after this desktop was revoked, or one it has not received yet"
    )]
    UnknownKey { found: String },
    #[error("change {change_id} does not open: it was altered after it was sealed")]
    Tampered { change_id: ChangeId },
    #[error("change {change_id} is malformed: {reason}")]
    Malformed { change_id: ChangeId, reason: String },
    #[error("a change of {bytes} bytes is larger than the {MAX_CHANGE_BYTES} bytes sync carries")]
    TooLarge { bytes: usize },
    #[error("the system's random source failed: {0}")]
    Random(String),
}

/// What the seal binds besides the change itself: the clinic, and every field the server reads.
fn associated_data(
    clinic: Uuid,
    change_id: ChangeId,
    device_id: DeviceId,
    seq: u64,
    hlc: Hlc,
) -> Vec<u8> {
    let mut ad = Vec::with_capacity(AD_LABEL.len() + 16 * 3 + 8 + 8 + 4);
    ad.extend_from_slice(AD_LABEL);
    ad.extend_from_slice(clinic.as_bytes());
    ad.extend_from_slice(change_id.as_uuid().as_bytes());
    ad.extend_from_slice(device_id.as_uuid().as_bytes());
    ad.extend_from_slice(&seq.to_be_bytes());
    ad.extend_from_slice(&hlc.wall_ms.to_be_bytes());
    ad.extend_from_slice(&hlc.counter.to_be_bytes());
    ad
}

fn cipher(key: &ClinicKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(*key.sealing()).into())
}

/// Seals `change` for the clinic whose sync id is `clinic`.
pub fn seal(key: &ClinicKey, clinic: Uuid, change: &Change) -> Result<Envelope, EnvelopeError> {
    let plain =
        Zeroizing::new(
            serde_json::to_vec(change).map_err(|e| EnvelopeError::Malformed {
                change_id: change.id,
                reason: e.to_string(),
            })?,
        );
    if plain.len() > MAX_CHANGE_BYTES {
        return Err(EnvelopeError::TooLarge { bytes: plain.len() });
    }
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).map_err(|e| EnvelopeError::Random(e.to_string()))?;
    let ad = associated_data(
        clinic,
        change.id,
        change.device_id,
        change.device_seq,
        change.hlc,
    );
    let sealed = cipher(key)
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &plain,
                aad: &ad,
            },
        )
        .map_err(|_| EnvelopeError::TooLarge { bytes: plain.len() })?;
    Ok(Envelope {
        change_id: change.id,
        device_id: change.device_id,
        device_seq: change.device_seq,
        hlc: change.hlc,
        key_id: key.id(),
        nonce: BASE64.encode(&nonce),
        sealed: BASE64.encode(&sealed),
    })
}

/// Opens an envelope: checks the key, the seal (which covers the envelope's own fields), and
/// that the change inside is the one the envelope names. Nothing is returned unless all hold.
pub fn open(key: &ClinicKey, clinic: Uuid, envelope: &Envelope) -> Result<Change, EnvelopeError> {
    let change_id = envelope.change_id;
    if !key.is_named(&envelope.key_id) {
        return Err(EnvelopeError::WrongClinicKey {
            found: envelope.key_id.chars().take(16).collect(),
            expected: key.id(),
        });
    }
    let malformed = |reason: &str| EnvelopeError::Malformed {
        change_id,
        reason: reason.to_owned(),
    };
    // Base64 is 4/3 of the bytes: refuse an oversized envelope before decoding it.
    if envelope.sealed.len() > MAX_SEALED_CHARS {
        return Err(EnvelopeError::TooLarge {
            bytes: envelope.sealed.len() / 4 * 3,
        });
    }
    let nonce: [u8; 24] = BASE64
        .decode(envelope.nonce.as_bytes())
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| malformed("the nonce is not 24 bytes of base64"))?;
    let sealed = BASE64
        .decode(envelope.sealed.as_bytes())
        .map_err(|_| malformed("the sealed change is not base64"))?;
    let ad = associated_data(
        clinic,
        change_id,
        envelope.device_id,
        envelope.device_seq,
        envelope.hlc,
    );
    let plain = Zeroizing::new(
        cipher(key)
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed,
                    aad: &ad,
                },
            )
            .map_err(|_| EnvelopeError::Tampered { change_id })?,
    );
    let change: Change = serde_json::from_slice(&plain)
        .map_err(|e| unreadable(&plain, &e))
        .map_err(|reason| malformed(&reason))?;
    // The seal already binds these; a device that sealed a change under the wrong labels is
    // caught here rather than applied.
    if change.id != change_id
        || change.device_id != envelope.device_id
        || change.device_seq != envelope.device_seq
        || change.hlc != envelope.hlc
    {
        return Err(malformed(
            "the change inside is not the one the envelope names",
        ));
    }
    Ok(change)
}

/// Why an opened change does not read, in words that quote nothing of it but the name of a
/// record kind this version does not know (serde's own message may quote a field's value).
fn unreadable(plain: &[u8], e: &serde_json::Error) -> String {
    let entity = serde_json::from_slice::<serde_json::Value>(plain)
        .ok()
        .and_then(|v| v.get("entity").and_then(|e| e.as_str()).map(str::to_owned));
    match entity {
        Some(name) if name.parse::<tend_domain::Entity>().is_err() => {
            let name: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(40)
                .collect();
            format!(
                "it holds a kind of record this version of Tend does not know ({name}); \
                 update Tend on this desktop"
            )
        }
        _ => format!(
            "the change inside does not read ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};
    use tend_domain::{ChangeKind, Entity, Fields, Value};

    use super::*;

    fn change(seq: u64) -> Change {
        let mut fields = Fields::new();
        fields.insert("given_name".into(), Value::Text("Zoë".into()));
        fields.insert("family_name".into(), Value::Text("Ørsted".into()));
        Change {
            id: ChangeId::new(),
            device_id: DeviceId::new(),
            device_seq: seq,
            hlc: Hlc {
                wall_ms: 1_795_000_000_000,
                counter: 3,
            },
            user_id: None,
            entity: Entity::Patient,
            record_id: Uuid::now_v7(),
            kind: ChangeKind::Create,
            fields,
            base: BTreeMap::new(),
            replaces: BTreeMap::new(),
            recorded_at: Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_sealed_change_opens_with_the_key_and_shows_no_patient_data() {
        let key = ClinicKey::generate().unwrap();
        let clinic = Uuid::now_v7();
        let c = change(7);
        let env = seal(&key, clinic, &c).unwrap();
        let wire = serde_json::to_string(&env).unwrap();
        // Neither the wire form nor the sealed bytes hold the name or the field names.
        assert!(
            !wire.contains("Zoë") && !wire.contains("Ørsted") && !wire.contains("given_name"),
            "{wire}"
        );
        let sealed = BASE64.decode(env.sealed.as_bytes()).unwrap();
        for plain in ["Zoë".as_bytes(), "given_name".as_bytes(), b"Patient"] {
            assert!(!sealed.windows(plain.len()).any(|w| w == plain));
        }
        assert_eq!(open(&key, clinic, &env).unwrap(), c);
        // Two seals of the same change differ (fresh nonce) and both open.
        let again = seal(&key, clinic, &c).unwrap();
        assert_ne!(again.nonce, env.nonce);
        assert_eq!(open(&key, clinic, &again).unwrap(), c);
    }

    #[test]
    fn another_clinic_key_is_named_before_anything_is_opened() {
        let (key, other) = (
            ClinicKey::generate().unwrap(),
            ClinicKey::generate().unwrap(),
        );
        let clinic = Uuid::now_v7();
        let env = seal(&key, clinic, &change(1)).unwrap();
        let err = open(&other, clinic, &env).unwrap_err();
        assert!(
            matches!(&err, EnvelopeError::WrongClinicKey { found, expected } if *found == key.id() && *expected == other.id()),
            "{err:?}"
        );
        assert!(err.to_string().contains("another clinic key"), "{err}");
    }

    #[test]
    fn an_envelope_altered_anywhere_does_not_open() {
        let key = ClinicKey::generate().unwrap();
        let clinic = Uuid::now_v7();
        let env = seal(&key, clinic, &change(5)).unwrap();
        let tampered = |f: &dyn Fn(&mut Envelope)| {
            let mut e = env.clone();
            f(&mut e);
            open(&key, clinic, &e).unwrap_err()
        };
        let tampered_kind = |e: EnvelopeError| matches!(e, EnvelopeError::Tampered { .. });
        assert!(tampered_kind(tampered(&|e| e.device_seq = 6)));
        assert!(tampered_kind(tampered(&|e| e.hlc.counter += 1)));
        assert!(tampered_kind(tampered(&|e| e.device_id = DeviceId::new())));
        assert!(tampered_kind(tampered(&|e| e.change_id = ChangeId::new())));
        assert!(tampered_kind(tampered(&|e| {
            let mut bytes = BASE64.decode(e.sealed.as_bytes()).unwrap();
            bytes[3] ^= 1;
            e.sealed = BASE64.encode(&bytes);
        })));
        // Filed under another clinic by the server: does not open there.
        assert!(tampered_kind(open(&key, Uuid::now_v7(), &env).unwrap_err()));
        // Garbage where base64 belongs is malformed, named by the change id.
        let err = tampered(&|e| e.nonce = "not base64!".into());
        assert!(
            matches!(err, EnvelopeError::Malformed { change_id, .. } if change_id == env.change_id)
        );
    }

    #[test]
    fn the_key_id_names_the_key_and_not_its_bytes() {
        let key = ClinicKey::from_bytes([9; 32]);
        assert_eq!(key.id(), ClinicKey::from_bytes([9; 32]).id());
        assert_ne!(key.id(), ClinicKey::from_bytes([8; 32]).id());
        assert_eq!(key.id().len(), 16);
        assert!(!format!("{key:?}").contains("09"), "{key:?}");
    }

    #[test]
    fn a_v2_key_seals_and_is_named_with_separate_subkeys_and_a_ring_opens_every_epoch() {
        let v2 = ClinicKey::with([9; 32], 3, KeyScheme::V2);
        let v1 = ClinicKey::from_bytes([9; 32]);
        // The same bytes under the two schemes: different names, and neither opens the other's.
        assert_ne!(v2.id(), v1.id());
        assert_ne!(*v2.sealing(), [9; 32], "V2 never seals with the key itself");
        assert_ne!(v2.id(), HEXLOWER.encode(&v2.sealing()[..8]));
        let clinic = Uuid::now_v7();
        let c = change(2);
        let by_v2 = seal(&v2, clinic, &c).unwrap();
        assert!(matches!(
            open(&v1, clinic, &by_v2).unwrap_err(),
            EnvelopeError::WrongClinicKey { .. }
        ));
        let old = ClinicKey::generate_epoch(0).unwrap();
        let by_old = seal(&old, clinic, &c).unwrap();
        let ring = KeyRing::new(vec![v2.clone(), old.clone()]);
        assert_eq!(ring.newest().unwrap().epoch(), 3);
        assert_eq!(ring.open(clinic, &by_v2).unwrap(), c);
        assert_eq!(ring.open(clinic, &by_old).unwrap(), c);
        // A desktop without the newer key is told so, in words.
        let err = KeyRing::new(vec![old]).open(clinic, &by_v2).unwrap_err();
        assert!(matches!(err, EnvelopeError::UnknownKey { .. }), "{err:?}");
        assert!(err.to_string().contains("does not hold"), "{err}");
    }

    #[test]
    fn an_oversized_envelope_is_refused_before_decoding() {
        let key = ClinicKey::generate().unwrap();
        let clinic = Uuid::now_v7();
        let mut env = seal(&key, clinic, &change(1)).unwrap();
        env.sealed = "A".repeat(MAX_CHANGE_BYTES * 2);
        assert!(matches!(
            open(&key, clinic, &env).unwrap_err(),
            EnvelopeError::TooLarge { .. }
        ));
    }
}
