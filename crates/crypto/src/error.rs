//! The one error type of this crate.
//!
//! Every message says what went wrong in words a user (or the engineer reading a log) can act on.
//! None of them carries secret material, and none says *which* check inside a primitive failed
//! beyond what the caller needs: "the signature does not match" is all an attacker learns.

/// Why a crypto operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The envelope (or other signed bytes) was not signed by the device whose keys were given,
    /// or was changed after signing.
    #[error(
        "the message's signature does not match the sender's device key; it was not opened. \
         It may have been altered in transit, or the sender's device keys changed: \
         refresh the sender's devices and compare safety codes"
    )]
    BadSignature,

    /// No recipient stanza of the age ciphertext opens with this device's key.
    #[error(
        "this message was not sealed for this device, so it cannot be opened here; \
         ask the sender to resend it once this device is a member of the conversation"
    )]
    NotForThisDevice,

    /// The ciphertext is signed correctly but is not a readable age file.
    #[error(
        "the message is signed by its sender but its encrypted content is damaged or in an \
         unknown format; ask the sender to resend it, or update the app"
    )]
    MalformedCiphertext,

    /// A public key (age recipient or ed25519 verifying key) is unusable.
    #[error("a device's public key is invalid ({0}); re-register that device")]
    InvalidKey(String),

    /// The stored secret bytes of a device identity cannot be read.
    #[error(
        "the stored device keys are damaged or from an unknown version; \
         this device must be registered again"
    )]
    InvalidSecret,

    /// An invitation secret has the wrong shape for its kind.
    #[error(
        "the invitation secret is invalid ({0}); type the code again or scan the QR code again"
    )]
    InvalidInviteSecret(&'static str),

    /// Sealing was asked for with an empty recipient list.
    #[error(
        "a message must be sealed to at least one device; the conversation has no devices to send to"
    )]
    NoRecipients,

    /// A failure inside a crypto library that should not happen with valid inputs.
    #[error("internal crypto error: {0}; please report this")]
    Internal(String),
}
