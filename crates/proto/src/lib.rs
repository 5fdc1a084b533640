//! Wire types of the Samtale sync protocol.
//!
//! Everything that crosses the network between a client engine and the sync server is defined
//! here, and nothing else: ids, the sealed envelope, the HTTP request and response bodies, the
//! inbox events and the WebSocket frames. The crate is serde-only so that it builds for wasm and
//! can be shared by every layer (see DESIGN.md, "Crates and their rooms").
//!
//! Compatibility rules: [`PROTOCOL_VERSION`] is sent in every envelope header; request bodies
//! reject unknown fields (a typo is an error, not a silent default); response bodies and events
//! tolerate unknown fields so that older clients keep working when the server adds some.

pub mod api;
pub mod blobs;
pub mod bytes;
pub mod cards;
pub mod care;
pub mod clock;
pub mod devices;
pub mod envelope;
pub mod error;
pub mod event;
pub mod ids;
pub mod invite;
pub mod notices;
pub mod payload;
pub mod records;

pub use bytes::B64;
pub use envelope::{EnvelopeHeader, PayloadKind, SealedEnvelope};
pub use error::{ErrorBody, ErrorCode};
pub use event::{EventBody, InboxEvent, InboxPage, ReceiptKind, WsFrame};
pub use ids::{
    BlobId, CareId, DeviceId, EnvelopeId, IdError, InvitationId, LinkId, TenantId, ThreadId,
    UnitId, UserId,
};
pub use payload::MessagePayload;

/// Version of the envelope format and of the `/v1` HTTP API.
pub const PROTOCOL_VERSION: u16 = 1;

/// Largest sealed envelope (ciphertext) the server accepts, in bytes. Files travel as blobs, not
/// in envelopes, so this bounds chat messages, check-ins and key material only.
pub const MAX_CIPHERTEXT_BYTES: usize = 64 * 1024;

/// Largest plaintext message body a client lets a user send, in bytes (UTF-8). Leaves room for
/// the age stanzas of many recipient devices inside [`MAX_CIPHERTEXT_BYTES`].
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// Most events the server returns in one inbox page.
pub const MAX_PAGE: u32 = 500;
