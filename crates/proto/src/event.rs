//! Inbox events and WebSocket frames (the sync model of DESIGN.md).
//!
//! The server keeps one ordered inbox per user; every event in it has a sequence number that only
//! grows. A client asks for what came after the last number it holds and gets a bounded page. The
//! WebSocket never carries events, only [`WsFrame::More`]: a reconnect is then always a plain
//! catch-up through the same paging route, and nothing can be lost in a socket buffer.
//!
//! Envelopes inside events keep their strict shape (the header is signed field by field; a new
//! field needs a new [`crate::PROTOCOL_VERSION`]); new event and frame types read as `Unknown`.

use serde::{Deserialize, Serialize};

use crate::api::{DeviceInfo, ThreadInfo};
use crate::envelope::SealedEnvelope;
use crate::ids::{DeviceId, EnvelopeId, ThreadId, UserId};

/// Delivered (the device has it) or read (the person has seen it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    Delivered,
    Read,
}

impl ReceiptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptKind::Delivered => "delivered",
            ReceiptKind::Read => "read",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// A sealed envelope for a thread the user is a member of.
    Envelope { envelope: SealedEnvelope },
    /// A member device got or read envelopes.
    Receipt {
        thread: ThreadId,
        user: UserId,
        device: DeviceId,
        kind: ReceiptKind,
        envelopes: Vec<EnvelopeId>,
        /// The device's signature over [`crate::api::receipt_bytes`]; a mark without one that
        /// verifies is not shown.
        #[serde(default)]
        signature: Option<crate::bytes::B64>,
    },
    /// A thread was created or its membership changed; carries the whole new state.
    Thread { thread: ThreadInfo },
    /// A new device of this user or of a member of a shared thread (a key change clients must
    /// show): linked by one of the user's devices, or the first of a chain.
    Device { device: DeviceInfo },
    /// A device of this user or of a contact was removed: stop sealing to it, refuse what it
    /// signs from now on.
    DeviceRevoked {
        user: UserId,
        device: DeviceId,
        revoked_at_ms: i64,
    },
    /// Someone with this user's password tried to log in from a new device and was refused
    /// (the account has a device: new ones are linked from it). Goes to the user's own inbox.
    RefusedNewDevice { device_name: String },
    /// An event type this version does not know (sent by a newer server); skipped. Never sent.
    #[serde(other)]
    Unknown,
}

/// One inbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEvent {
    pub seq: u64,
    /// Server time the event was stored (ms since the Unix epoch).
    pub at_ms: i64,
    #[serde(flatten)]
    pub body: EventBody,
}

/// Answer to `GET /v1/inbox?since=N&limit=M`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    pub events: Vec<InboxEvent>,
    /// The sequence to ask from next time (the last event's, or `since` when empty).
    pub next: u64,
    /// True when the page was cut at the limit and more events wait.
    pub more: bool,
}

/// Server-to-client WebSocket frame (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WsFrame {
    /// The inbox holds events up to `seq`; fetch them with the paging route.
    More { seq: u64 },
    /// A frame type this version does not know; ignored. Never sent.
    #[serde(other)]
    Unknown,
}
