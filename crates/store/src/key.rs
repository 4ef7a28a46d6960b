//! Key material: the random database key, keys derived from it, and the printed recovery key.
//! Every secret here is wiped from memory when dropped.

use std::fmt;

use data_encoding::{Encoding, Specification};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Result, StoreError};

/// Fills a buffer from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Io {
        context: "reading the system's random source".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes)
}

/// The 32 random bytes that SQLCipher uses as the raw database key. Compared in constant time.
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct DbKey([u8; 32]);

impl PartialEq for DbKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for DbKey {}

impl DbKey {
    pub fn generate() -> Result<Self> {
        random_bytes().map(DbKey)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DbKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The form SQLCipher takes as a raw key: `x'…'` with 64 hex digits.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(70));
        s.push_str("x'");
        s.push_str(&data_encoding::HEXUPPER.encode(&self.0));
        s.push('\'');
        s
    }

    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::HEXLOWER.encode(&self.0))
    }

    pub fn from_hex(hex: &str) -> Option<Self> {
        let bytes = Zeroizing::new(
            data_encoding::HEXLOWER_PERMISSIVE
                .decode(hex.trim().as_bytes())
                .ok()?,
        );
        let arr: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(DbKey(arr))
    }

    /// A subkey for one purpose (the audit chain's MAC key), bound to the database it serves.
    pub(crate) fn derive(&self, salt: &[u8], info: &str) -> Zeroizing<[u8; 32]> {
        let hk = Hkdf::<Sha256>::new(Some(salt), &self.0);
        let mut out = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        let _ = hk.expand(info.as_bytes(), out.as_mut());
        out
    }
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbKey(..)")
    }
}

/// Crockford's base32: no I, L, O or U, so a key read aloud or copied by hand survives.
fn crockford() -> Encoding {
    let mut spec = Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.translate.from.push_str("abcdefghjkmnpqrstvwxyzoOiIlL");
    spec.translate.to.push_str("ABCDEFGHJKMNPQRSTVWXYZ001111");
    // The specification is a fixed, valid alphabet; this cannot fail.
    spec.encoding()
        .unwrap_or_else(|_| data_encoding::BASE32_NOPAD.clone())
}

const RECOVERY_BYTES: usize = 20;

/// The recovery key printed once at set-up: 160 random bits as 32 characters in groups of four
/// (`7KQ2-M9XD-…`). Whoever holds it can unlock the database and set a new passphrase.
#[derive(Clone, PartialEq, Eq, Zeroize)]
#[zeroize(drop)]
pub struct RecoveryKey([u8; RECOVERY_BYTES]);

impl RecoveryKey {
    pub fn generate() -> Result<Self> {
        random_bytes().map(RecoveryKey)
    }

    /// Reads a recovery key as a person typed it: case, spaces and dashes do not matter, and the
    /// look-alikes O/0 and I/L/1 are accepted.
    pub fn parse(text: &str) -> std::result::Result<Self, &'static str> {
        let compact: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect(),
        );
        if compact.len() != 32 {
            return Err("a recovery key has 32 letters and digits in 8 groups of 4");
        }
        let bytes = Zeroizing::new(
            crockford()
                .decode(compact.as_bytes())
                .map_err(|_| "a recovery key uses only the digits 0-9 and letters A-Z except U")?,
        );
        let arr: [u8; RECOVERY_BYTES] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| "a recovery key has 32 letters and digits in 8 groups of 4")?;
        Ok(RecoveryKey(arr))
    }

    /// The printed form, `XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`.
    pub fn display(&self) -> Zeroizing<String> {
        let plain = Zeroizing::new(crockford().encode(&self.0));
        let mut out = Zeroizing::new(String::with_capacity(40));
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_keys_survive_being_typed_by_hand() {
        let key = RecoveryKey::generate().unwrap();
        let shown = key.display();
        assert_eq!(shown.len(), 39);
        assert_eq!(shown.matches('-').count(), 7);
        assert_eq!(RecoveryKey::parse(&shown).unwrap(), key);
        let sloppy = shown.to_lowercase().replace('-', " ");
        assert_eq!(RecoveryKey::parse(&sloppy).unwrap(), key);
        let zero_as_o = shown.replace('0', "O").replace('1', "l");
        assert_eq!(RecoveryKey::parse(&zero_as_o).unwrap(), key);
        assert!(RecoveryKey::parse("ABCD").is_err());
        assert!(
            RecoveryKey::parse(&shown.replace(|c: char| c.is_ascii_alphanumeric(), "U")).is_err()
        );
    }

    #[test]
    fn db_keys_print_as_sqlcipher_raw_keys() {
        let key = DbKey::from_bytes([0xab; 32]);
        let literal = key.sqlcipher_literal();
        assert!(literal.starts_with("x'ABAB") && literal.ends_with("AB'"));
        assert_eq!(literal.len(), 67);
        assert_eq!(DbKey::from_hex(&key.to_hex()), Some(key.clone()));
        assert_eq!(format!("{key:?}"), "DbKey(..)");
        assert_ne!(*key.derive(b"a", "x"), *key.derive(b"b", "x"));
    }
}
