//! The local database key. A random 256-bit key per profile, kept in the OS key store (Secret
//! Service on Linux, Keychain on macOS and iOS, Credential Manager on Windows). Where there is no
//! key store, the app refuses to open rather than keep the key in a file, and says why; tests
//! and kiosk set-ups hand a key in through `SAMTALE_DB_KEY` (64 hex characters).

use samtale_ipc::{ErrorKind, IpcError};
use zeroize::Zeroizing;

const SERVICE: &str = "dk.samtale.app";

fn parse_hex(text: &str) -> Option<Zeroizing<[u8; 32]>> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut key = Zeroizing::new([0u8; 32]);
    for (i, slot) in key.iter_mut().enumerate() {
        *slot = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

fn no_store(e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorKind::NoKeyStore,
        format!(
            "this device has no key store Samtale can keep its database key in ({e}); on Linux, install and unlock a Secret Service keyring such as GNOME Keyring"
        ),
    )
}

/// The key for the profile named `profile`: from the environment, or from the key store
/// (created there on first use).
pub fn database_key(profile: &str) -> Result<Zeroizing<[u8; 32]>, IpcError> {
    if let Ok(hex) = std::env::var("SAMTALE_DB_KEY") {
        return parse_hex(&hex).ok_or_else(|| {
            IpcError::new(
                ErrorKind::WrongKey,
                "SAMTALE_DB_KEY must be 64 hexadecimal characters",
            )
        });
    }
    let entry = keyring::Entry::new(SERVICE, profile).map_err(no_store)?;
    match entry.get_password() {
        Ok(hex) => parse_hex(&hex).ok_or_else(|| {
            IpcError::new(ErrorKind::WrongKey, "the stored database key is damaged")
        }),
        Err(keyring::Error::NoEntry) => {
            let key = samtale_client::new_db_key();
            let hex = Zeroizing::new(key.iter().map(|b| format!("{b:02x}")).collect::<String>());
            entry.set_password(&hex).map_err(no_store)?;
            Ok(key)
        }
        Err(e) => Err(no_store(e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_keys_parse_strictly() {
        assert_eq!(super::parse_hex(&"ab".repeat(32)).map(|k| k[0]), Some(0xab));
        assert!(super::parse_hex("abc").is_none());
        assert!(super::parse_hex(&"zz".repeat(32)).is_none());
    }
}
