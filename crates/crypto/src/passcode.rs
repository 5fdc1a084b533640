//! Secrets people type and that are only ever checked, never used as keys: staff passwords (on
//! the server) and the app-lock PIN (in the client's encrypted store). Both are kept as Argon2id
//! hashes in PHC form with a fresh random salt, at the argon2 crate's default cost (19 MiB,
//! 2 passes, OWASP's minimum), so a stolen table costs a guesser that much per try.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

use crate::CryptoError;

/// The PHC string (`$argon2id$…`) for `secret`.
pub fn hash(secret: &str) -> Result<String, CryptoError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CryptoError::Internal(format!("argon2: {e}")))
}

/// True only when `secret` matches `stored`; false as well for a stored hash that cannot be read.
pub fn verify(stored: &str, secret: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_refuse() {
        let h = super::hash("2468").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(super::verify(&h, "2468"));
        assert!(!super::verify(&h, "2469"));
        assert!(!super::verify("not a hash", "2468"));
        // A fresh salt each time: equal secrets do not give equal hashes.
        assert_ne!(super::hash("2468").expect("hash"), h);
    }
}
