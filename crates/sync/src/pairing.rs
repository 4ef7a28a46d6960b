//! The pairing code an admin's desktop shows and a new desktop enters: the server's address
//! (and, for a server with its own certificate, the certificate's public-key hash to pin), a
//! one-time pairing token, the clinic's sync id, and a one-time secret.
//!
//! The code does not carry the clinic key. The admin's desktop wraps the clinic keys under the
//! secret and leaves them with the server beside the token; the secret never reaches the server
//! (it holds only the token's hash and the wrapped keys). The server hands the wrapped keys to
//! the desktop that uses the token, and deletes them once that desktop has synced, or when the
//! token expires (an hour at most), so a code seen after that reveals nothing. See
//! [`crate::keys`].

use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

const PREFIX: &str = "TEND2-";

/// What a pairing code carries.
#[derive(Clone, PartialEq, Eq)]
pub struct Pairing {
    pub server: String,
    pub token: String,
    pub clinic_id: Uuid,
    /// Unwraps the clinic keys the server holds for this pairing; never sent to the server.
    pub secret: Zeroizing<[u8; 32]>,
    /// SHA-256 of the server certificate's public key (base64url), when the clinic pins its
    /// own server's certificate instead of trusting a public certificate authority.
    pub pin: Option<String>,
    /// The clinic's admin allowed plain http to a server on its own network.
    pub insecure: bool,
}

impl std::fmt::Debug for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pairing")
            .field("server", &self.server)
            .field("clinic_id", &self.clinic_id)
            .field("pin", &self.pin)
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    s: String,
    t: String,
    c: Uuid,
    x: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    i: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    #[error(
        "pairing_code: this is not a Tend pairing code; copy the whole code from the admin's screen"
    )]
    NotACode,
    #[error(
        "pairing_code: this pairing code is from an older version of Tend; ask the admin for a \
         new one"
    )]
    Old,
    #[error("pairing_code: the code is damaged or incomplete; copy it again")]
    Damaged,
}

impl Pairing {
    /// The code to show: `TEND2-` and base64url.
    pub fn encode(&self) -> String {
        let wire = Wire {
            s: self.server.clone(),
            t: self.token.clone(),
            c: self.clinic_id,
            x: BASE64URL_NOPAD.encode(&self.secret[..]),
            p: self.pin.clone(),
            i: self.insecure,
        };
        // A struct of strings and a uuid always serializes.
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        format!("{PREFIX}{}", BASE64URL_NOPAD.encode(&json))
    }

    /// Reads a code as typed or pasted (spaces and line breaks are ignored).
    pub fn decode(code: &str) -> Result<Pairing, PairingError> {
        let cleaned: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if cleaned.starts_with("TEND1-") {
            return Err(PairingError::Old);
        }
        let body = cleaned.strip_prefix(PREFIX).ok_or(PairingError::NotACode)?;
        if body.len() > 4096 {
            return Err(PairingError::Damaged);
        }
        let json = Zeroizing::new(
            BASE64URL_NOPAD
                .decode(body.as_bytes())
                .map_err(|_| PairingError::Damaged)?,
        );
        let wire: Wire = serde_json::from_slice(&json).map_err(|_| PairingError::Damaged)?;
        let secret = Zeroizing::new(
            BASE64URL_NOPAD
                .decode(wire.x.as_bytes())
                .map_err(|_| PairingError::Damaged)?,
        );
        let secret: [u8; 32] = secret
            .as_slice()
            .try_into()
            .map_err(|_| PairingError::Damaged)?;
        if wire.t.is_empty() || wire.t.len() > 200 || wire.s.len() > 500 {
            return Err(PairingError::Damaged);
        }
        if let Some(pin) = &wire.p
            && BASE64URL_NOPAD.decode(pin.as_bytes()).map(|p| p.len()) != Ok(32)
        {
            return Err(PairingError::Damaged);
        }
        Ok(Pairing {
            server: wire.s,
            token: wire.t,
            clinic_id: wire.c,
            secret: Zeroizing::new(secret),
            pin: wire.p,
            insecure: wire.i,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{ClinicKey, KeyRing};
    use crate::keys::{pairing_secret, wrap_ring};

    fn pairing() -> Pairing {
        Pairing {
            server: "https://sync.example.org".into(),
            token: "pair_abc".into(),
            clinic_id: Uuid::now_v7(),
            secret: pairing_secret().unwrap(),
            pin: Some(BASE64URL_NOPAD.encode(&[5u8; 32])),
            insecure: false,
        }
    }

    #[test]
    fn a_code_round_trips_and_carries_no_key() {
        let p = pairing();
        let key = ClinicKey::generate().unwrap();
        let code = p.encode();
        assert!(code.starts_with("TEND2-"));
        let back = Pairing::decode(&format!("  {}\n{} ", &code[..20], &code[20..])).unwrap();
        assert_eq!(back, p);
        // The keys the server holds open with the code's secret; the code has no key in it.
        let ring = KeyRing::new(vec![key.clone()]);
        let wrapped = wrap_ring(&p.secret, p.clinic_id, &ring).unwrap();
        assert_eq!(
            crate::keys::unwrap_ring(&back.secret, back.clinic_id, &wrapped).unwrap(),
            ring
        );
        let json =
            String::from_utf8(BASE64URL_NOPAD.decode(&code.as_bytes()[6..]).unwrap()).unwrap();
        assert!(!json.contains(&BASE64URL_NOPAD.encode(key.as_bytes())));
        assert!(!json.contains(&wrapped));
    }

    #[test]
    fn bad_codes_say_what_is_wrong() {
        assert_eq!(Pairing::decode("hello"), Err(PairingError::NotACode));
        assert_eq!(Pairing::decode("TEND2-AAAA"), Err(PairingError::Damaged));
        assert_eq!(Pairing::decode("TEND1-eyJzIjoi"), Err(PairingError::Old));
        let code = pairing().encode();
        assert_eq!(
            Pairing::decode(&code[..code.len() - 9]),
            Err(PairingError::Damaged)
        );
        let mut p = pairing();
        p.pin = Some("short".into());
        assert_eq!(Pairing::decode(&p.encode()), Err(PairingError::Damaged));
    }
}
