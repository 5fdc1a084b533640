//! Staff passwords: a minimum length, then Argon2id PHC strings from
//! [`samtale_crypto::passcode`].

use samtale_crypto::passcode;

/// Shortest password the server accepts for staff.
pub const MIN_LEN: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the password must have at least {MIN_LEN} characters")]
    TooShort,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

pub fn hash(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    passcode::hash(password).map_err(|e| PasswordError::Hash(e.to_string()))
}

/// False for a wrong password and for a stored hash that cannot be read.
pub fn verify(stored: &str, password: &str) -> bool {
    passcode::verify(stored, password)
}

/// Spends the time a real check costs, so that an unknown username answers no faster than a
/// wrong password.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get_or_init(|| hash("dummy-password-for-timing").ok()) {
        let _ = verify(h, password);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_refuse() {
        let h = super::hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify(&h, "correct horse battery"));
        assert!(!super::verify(&h, "wrong horse battery"));
        assert!(!super::verify("not a hash", "x"));
        assert!(super::hash("short").is_err());
    }
}
