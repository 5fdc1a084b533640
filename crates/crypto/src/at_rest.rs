//! Data the server must keep readable for itself but not in the clear on its disk, such as a
//! citizen's phone number (it sends the notices): sealed with XChaCha20-Poly1305 under a key
//! from the server's configuration, never from the database, so a copy of the database alone
//! reveals nothing. Each value is bound to what it is (`aad`, e.g. the citizen and the field),
//! so a value moved to another row does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::CryptoError;

const NONCE: usize = 24;

/// A 32-byte key for data at rest.
pub struct AtRestKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for AtRestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AtRestKey(…)")
    }
}

impl AtRestKey {
    /// Reads the key as 64 hex digits (what `openssl rand -hex 32` prints).
    pub fn from_hex(text: &str) -> Result<AtRestKey, CryptoError> {
        let t = text.trim();
        let bad = || CryptoError::InvalidKey("the key must be 64 hex digits (32 bytes)".into());
        if t.len() != 64 {
            return Err(bad());
        }
        let mut key = Zeroizing::new([0u8; 32]);
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(t.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
                .map_err(|_| bad())?;
        }
        Ok(AtRestKey(key))
    }

    /// Seals `plain`, bound to `aad`: a random nonce, then the ciphertext and its tag.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0[..]));
        let nonce = crate::random::random_bytes::<NONCE>();
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| CryptoError::Internal("sealing a value at rest failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`AtRestKey::seal`] made with the same key and `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < NONCE + 16 {
            return Err(CryptoError::MalformedCiphertext);
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0[..]));
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::MalformedCiphertext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn a_value_opens_only_with_its_key_and_its_place() {
        let key = AtRestKey::from_hex(KEY).unwrap();
        let sealed = key.seal(b"contact|mikkel|sms", b"+4523456789").unwrap();
        assert!(!sealed.windows(8).any(|w| w == b"23456789"), "no plaintext");
        assert_eq!(
            key.open(b"contact|mikkel|sms", &sealed).unwrap().as_slice(),
            b"+4523456789"
        );
        // Another row, another key, a changed byte, a cut-off value: none opens.
        assert!(key.open(b"contact|jonas|sms", &sealed).is_err());
        let other = AtRestKey::from_hex(&KEY.replace('0', "1")).unwrap();
        assert!(other.open(b"contact|mikkel|sms", &sealed).is_err());
        let mut changed = sealed.clone();
        changed[30] ^= 1;
        assert!(key.open(b"contact|mikkel|sms", &changed).is_err());
        assert!(key.open(b"contact|mikkel|sms", &sealed[..20]).is_err());
        // Two seals of one value differ (a fresh nonce each time).
        assert_ne!(key.seal(b"a", b"x").unwrap(), key.seal(b"a", b"x").unwrap());
    }

    #[test]
    fn keys_are_64_hex_digits() {
        assert!(AtRestKey::from_hex(KEY).is_ok());
        assert!(AtRestKey::from_hex(&format!(" {KEY}\n")).is_ok());
        for bad in [
            "",
            "00",
            &KEY[..63],
            &format!("{KEY}00"),
            &KEY.replace('a', "g"),
        ] {
            assert!(AtRestKey::from_hex(bad).is_err(), "{bad:?}");
        }
    }
}
