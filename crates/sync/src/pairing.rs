//! The pairing code an admin's desktop shows and a new desktop enters: the server's address, a
//! one-time pairing token, and the clinic key wrapped under a key derived from that token.
//!
//! The server stores only the token's hash, so it can never unwrap the clinic key even though
//! it registers the new desktop. Whoever holds the code holds the clinic key: it is shown once,
//! on the admin's screen, and dies when used or after a day.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use data_encoding::BASE64URL_NOPAD;
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::envelope::ClinicKey;

const PREFIX: &str = "TEND1-";
const WRAP_INFO: &[u8] = b"tend-sync/1 pairing wrap";

/// What a pairing code carries.
#[derive(Clone, PartialEq, Eq)]
pub struct Pairing {
    pub server: String,
    pub token: String,
    pub clinic_id: Uuid,
    pub key: ClinicKey,
}

impl std::fmt::Debug for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pairing")
            .field("server", &self.server)
            .field("clinic_id", &self.clinic_id)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    s: String,
    t: String,
    c: Uuid,
    n: String,
    k: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    #[error(
        "pairing_code: this is not a Tend pairing code; copy the whole code from the admin's screen"
    )]
    NotACode,
    #[error("pairing_code: the code is damaged or incomplete; copy it again")]
    Damaged,
    #[error("the system's random source failed")]
    Random,
}

fn cipher(token: &str) -> XChaCha20Poly1305 {
    let hk = Hkdf::<Sha256>::new(None, token.as_bytes());
    let mut okm = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's limit, so this cannot fail.
    let _ = hk.expand(WRAP_INFO, &mut okm[..]);
    XChaCha20Poly1305::new(&(*okm).into())
}

impl Pairing {
    /// The code to show: `TEND1-` and base64url.
    pub fn encode(&self) -> Result<String, PairingError> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|_| PairingError::Random)?;
        let wrapped = cipher(&self.token)
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: self.key.as_bytes(),
                    aad: self.clinic_id.as_bytes(),
                },
            )
            .map_err(|_| PairingError::Damaged)?;
        let wire = Wire {
            s: self.server.clone(),
            t: self.token.clone(),
            c: self.clinic_id,
            n: BASE64URL_NOPAD.encode(&nonce),
            k: BASE64URL_NOPAD.encode(&wrapped),
        };
        let json = serde_json::to_vec(&wire).map_err(|_| PairingError::Damaged)?;
        Ok(format!("{PREFIX}{}", BASE64URL_NOPAD.encode(&json)))
    }

    /// Reads a code as typed or pasted (spaces and line breaks are ignored).
    pub fn decode(code: &str) -> Result<Pairing, PairingError> {
        let cleaned: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let body = cleaned.strip_prefix(PREFIX).ok_or(PairingError::NotACode)?;
        if body.len() > 4096 {
            return Err(PairingError::Damaged);
        }
        let json = BASE64URL_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| PairingError::Damaged)?;
        let wire: Wire = serde_json::from_slice(&json).map_err(|_| PairingError::Damaged)?;
        let nonce = BASE64URL_NOPAD
            .decode(wire.n.as_bytes())
            .map_err(|_| PairingError::Damaged)?;
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| PairingError::Damaged)?;
        let wrapped = BASE64URL_NOPAD
            .decode(wire.k.as_bytes())
            .map_err(|_| PairingError::Damaged)?;
        let key = Zeroizing::new(
            cipher(&wire.t)
                .decrypt(
                    &XNonce::from(nonce),
                    Payload {
                        msg: &wrapped,
                        aad: wire.c.as_bytes(),
                    },
                )
                .map_err(|_| PairingError::Damaged)?,
        );
        let bytes: [u8; 32] = key
            .as_slice()
            .try_into()
            .map_err(|_| PairingError::Damaged)?;
        Ok(Pairing {
            server: wire.s,
            token: wire.t,
            clinic_id: wire.c,
            key: ClinicKey::from_bytes(bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_round_trips_and_hides_the_key() {
        let key = ClinicKey::generate().unwrap();
        let p = Pairing {
            server: "https://sync.example.org".into(),
            token: "pair_abc".into(),
            clinic_id: Uuid::now_v7(),
            key: key.clone(),
        };
        let code = p.encode().unwrap();
        assert!(code.starts_with("TEND1-"));
        let back = Pairing::decode(&format!("  {}\n{} ", &code[..20], &code[20..])).unwrap();
        assert_eq!(back, p);
        let json =
            String::from_utf8(BASE64URL_NOPAD.decode(&code.as_bytes()[6..]).unwrap()).unwrap();
        assert!(!json.contains(&data_encoding::HEXLOWER.encode(key.as_bytes())));
        assert!(!json.contains(&BASE64URL_NOPAD.encode(key.as_bytes())));
    }

    #[test]
    fn bad_codes_say_what_is_wrong() {
        assert_eq!(Pairing::decode("hello"), Err(PairingError::NotACode));
        assert_eq!(Pairing::decode("TEND1-AAAA"), Err(PairingError::Damaged));
        let p = Pairing {
            server: "http://x".into(),
            token: "pair_abc".into(),
            clinic_id: Uuid::now_v7(),
            key: ClinicKey::generate().unwrap(),
        };
        let code = p.encode().unwrap();
        // The same code with another token does not unwrap the key.
        let json = BASE64URL_NOPAD.decode(&code.as_bytes()[6..]).unwrap();
        let mut wire: Wire = serde_json::from_slice(&json).unwrap();
        wire.t = "pair_abd".into();
        let forged = format!(
            "TEND1-{}",
            BASE64URL_NOPAD.encode(&serde_json::to_vec(&wire).unwrap())
        );
        assert_eq!(Pairing::decode(&forged), Err(PairingError::Damaged));
    }
}
