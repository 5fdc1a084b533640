//! Randomness from the operating system, in the shapes the rest of Samtale needs: id suffixes
//! (the 80 random bits of a ULID), session tokens and raw key material.
//!
//! Everything here reads the OS generator directly (`OsRng`); there is no user-space generator to
//! seed or to fork badly. If the OS cannot supply randomness the process cannot do anything safe,
//! so these functions panic rather than return predictable bytes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};

/// `N` bytes from the OS random generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

/// The 80 random bits of a new ULID; pass them to `samtale_proto::ids::*::from_parts`.
pub fn new_id_random() -> [u8; 10] {
    random_bytes()
}

/// A new bearer session token: 256 random bits as base64url without padding (43 characters).
pub fn new_token() -> String {
    let bytes = zeroize::Zeroizing::new(random_bytes::<32>());
    URL_SAFE_NO_PAD.encode(bytes.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_chars_and_differ() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "{a}"
        );
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
    }

    #[test]
    fn random_bytes_are_not_constant() {
        assert_ne!(random_bytes::<32>(), random_bytes::<32>());
        assert_ne!(new_id_random(), new_id_random());
    }
}
