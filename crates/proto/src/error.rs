//! The error body every failing HTTP route returns. `code` is for programs, `message` for people;
//! neither ever carries internals (SQL, paths, stack traces).

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request body or query could not be read (malformed JSON, unknown field, bad id).
    BadRequest,
    /// No valid session: missing, unknown, expired or rotated-away token.
    Unauthorized,
    /// Authenticated, but this user may not do this.
    Forbidden,
    /// No such thing, or not in the caller's reach (another tenant's ids look the same).
    NotFound,
    /// The envelope id is already used with different content.
    Conflict,
    /// The body or ciphertext is larger than allowed.
    TooLarge,
    /// The invitation code is wrong, used, expired or locked after too many attempts.
    InvalidInvitation,
    /// The signature does not verify against the sending device's registered key.
    BadSignature,
    /// Too many attempts; try again later.
    RateLimited,
    /// Wrong username or password.
    BadCredentials,
    /// The account already has a device: link this one from it, or have an administrator reset
    /// the account. A password alone does not add a device.
    LinkRequired,
    /// The account has as many devices as allowed: remove one first.
    DeviceLimit,
    /// The device-link code is wrong, used, expired or locked after too many attempts.
    InvalidLink,
    /// The account is disabled by an administrator.
    Disabled,
    /// The municipality's storage for files is full: delete old files or ask an administrator.
    QuotaExceeded,
    /// The server is not set up for this (file storage without a configured store).
    Unavailable,
    /// Something failed on the server; the request may be retried.
    Internal,
    /// Any code this client version does not know.
    #[serde(other)]
    Unknown,
}

/// JSON body of every non-2xx response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}
