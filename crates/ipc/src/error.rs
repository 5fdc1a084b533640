//! The error every shell command answers with: a kind the UI turns into Danish (or English) text,
//! and the engine's own message for the log and for details.

use serde::{Deserialize, Serialize};

/// What went wrong, as the UI needs to tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The local database did not open with the key from the key store.
    WrongKey,
    /// There is no OS key store to keep the database key in.
    NoKeyStore,
    /// The server cannot be reached; what was sent is kept.
    Offline,
    /// What the user typed cannot be used (empty, too long, malformed code).
    InvalidInput,
    /// The invitation code is wrong, used, expired or locked.
    InvalidInvitation,
    /// The invitation's check failed: possibly an impostor.
    InviterNotVerified,
    /// Wrong municipality, username or password.
    BadCredentials,
    /// No account on this device yet, or the session ended.
    NotSignedIn,
    NotFound,
    Forbidden,
    TooLarge,
    RateLimited,
    /// The PIN that unlocks the app is wrong.
    WrongPin,
    /// Too many wrong PINs: wait before the next try (the lock state says how long).
    PinWait,
    /// The app is locked: show the lock screen.
    Locked,
    /// The account has a device already: link this one from it.
    LinkRequired,
    /// The account has as many devices as allowed: remove one first.
    DeviceLimit,
    /// The device-link code is wrong, used, expired or locked.
    InvalidLink,
    /// The device that vouched did not match the link code: possibly an impostor.
    LinkNotVerified,
    /// A file that may not be sent or opened (a program), or is too big.
    FileRefused,
    /// A fetched file did not match what its sender sent: it was not opened.
    FileDamaged,
    /// The municipality's storage for files is full.
    StorageFull,
    /// Anything else; `message` says more.
    Internal,
    /// A kind this UI version does not know.
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl IpcError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        IpcError {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for IpcError {}
