//! Errors of the client engine. Each says what the user or embedder can do about it; the app
//! maps them to the error kinds of `samtale-ipc`.

use samtale_proto::ErrorCode;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// SQLCipher could not read the file with the key given.
    #[error(
        "the local database could not be opened with this key; use the key it was created with"
    )]
    WrongKey,
    #[error(
        "the local database has schema version {found}, newer than this app understands ({supported}); update the app"
    )]
    TooNew { found: usize, supported: usize },
    #[error("local database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The server could not be reached; the work is kept and retried.
    #[error("the server cannot be reached right now ({0}); what you send is kept and sent later")]
    Offline(String),
    /// The server answered with an error.
    #[error("{message}")]
    Server {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    #[error("{0}")]
    Crypto(#[from] samtale_crypto::CryptoError),
    #[error("{0}")]
    Invite(#[from] samtale_proto::invite::CodeError),
    /// The inviter's proof did not check out: someone may be impersonating the caseworker.
    #[error(
        "the invitation could not be verified: the caseworker's device does not match the code; do not continue, and tell your caseworker"
    )]
    InviterNotVerified,
    /// The device that accepted the link did not prove it knew this device's code.
    #[error(
        "the device link could not be verified: the code does not match the other device's keys; do not continue, and remove any device you do not recognise"
    )]
    LinkNotVerified,
    /// What the user entered cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// The profile has no account yet.
    #[error("this profile is not signed in; join with an invitation code or log in first")]
    NotSignedIn,
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    #[error("local file: {0}")]
    Io(#[from] std::io::Error),
    /// The app is locked; nothing is shown until the PIN is entered.
    #[error("the app is locked; unlock it with your PIN")]
    Locked,
    /// A file that may not be sent or opened (a program), or is too big.
    #[error("{0}")]
    FileRefused(String),
    /// A fetched file does not match the hash its sender put in the sealed message.
    #[error(
        "the file {0} does not match what its sender sent (it was changed on the way or on the server); it was not opened. Ask the sender to send it again"
    )]
    FileDamaged(String),
    /// The PIN entered is not this device's PIN.
    #[error("the PIN is wrong; try again")]
    WrongPin,
    /// Too many wrong PINs in a row: the next try must wait.
    #[error("too many wrong PINs; wait {seconds} seconds and try again")]
    PinWait { seconds: u64 },
}

impl ClientError {
    /// The server no longer accepts this session (expired, replaced, or revoked).
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            ClientError::Server {
                code: ErrorCode::Unauthorized,
                ..
            }
        )
    }

    /// True when retrying later can succeed (network or server trouble), false when the request
    /// itself is refused and retrying would only repeat the refusal.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Offline(_) => true,
            ClientError::Server { status, code, .. } => {
                *status >= 500 || *code == ErrorCode::RateLimited
            }
            _ => false,
        }
    }
}

impl From<ClientError> for samtale_ipc::IpcError {
    fn from(e: ClientError) -> Self {
        use samtale_ipc::ErrorKind as K;
        let kind = match &e {
            ClientError::WrongKey | ClientError::TooNew { .. } => K::WrongKey,
            ClientError::Offline(_) => K::Offline,
            ClientError::Invite(_) | ClientError::Invalid(_) => K::InvalidInput,
            ClientError::InviterNotVerified => K::InviterNotVerified,
            ClientError::LinkNotVerified => K::LinkNotVerified,
            ClientError::NotSignedIn => K::NotSignedIn,
            ClientError::NotFound(_) => K::NotFound,
            ClientError::Locked => K::Locked,
            ClientError::WrongPin => K::WrongPin,
            ClientError::PinWait { .. } => K::PinWait,
            ClientError::FileRefused(_) => K::FileRefused,
            ClientError::FileDamaged(_) => K::FileDamaged,
            ClientError::Server { code, .. } => match code {
                ErrorCode::InvalidInvitation => K::InvalidInvitation,
                ErrorCode::Unauthorized => K::NotSignedIn,
                ErrorCode::BadCredentials => K::BadCredentials,
                ErrorCode::Forbidden => K::Forbidden,
                ErrorCode::NotFound => K::NotFound,
                ErrorCode::TooLarge => K::TooLarge,
                ErrorCode::RateLimited => K::RateLimited,
                ErrorCode::BadRequest => K::InvalidInput,
                ErrorCode::LinkRequired => K::LinkRequired,
                ErrorCode::DeviceLimit => K::DeviceLimit,
                ErrorCode::InvalidLink => K::InvalidLink,
                ErrorCode::Disabled => K::Forbidden,
                ErrorCode::QuotaExceeded => K::StorageFull,
                _ => K::Internal,
            },
            _ => K::Internal,
        };
        samtale_ipc::IpcError::new(kind, e.to_string())
    }
}
