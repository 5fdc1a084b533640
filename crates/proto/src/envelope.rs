//! The sealed envelope: the only form in which a message, a check-in or key material reaches the
//! server. The header is routing metadata in clear; the ciphertext is an age file sealed to the
//! recipient devices; the signature (ed25519, by the sending device) covers the header and a
//! SHA-256 digest of the ciphertext, so neither can be swapped in transit or by the server.

use serde::{Deserialize, Serialize};

use crate::bytes::B64;
use crate::ids::{DeviceId, EnvelopeId, ThreadId, UserId};

/// What the ciphertext holds once opened. In clear so the server can apply size rules and
/// clients can skip what they do not understand without opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadKind {
    /// A chat message (text, later attachments by reference).
    Message,
    /// A daily smiley check-in.
    CheckIn,
    /// Quick feedback answer.
    Feedback,
}

impl PayloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PayloadKind::Message => "message",
            PayloadKind::CheckIn => "check_in",
            PayloadKind::Feedback => "feedback",
        }
    }
}

/// The clear part of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeHeader {
    /// Always [`crate::PROTOCOL_VERSION`] for envelopes made by this version.
    pub v: u16,
    pub id: EnvelopeId,
    pub thread: ThreadId,
    pub sender: UserId,
    pub sender_device: DeviceId,
    pub kind: PayloadKind,
    /// The sender's clock when the user pressed send (ms since the Unix epoch).
    pub sent_at_ms: i64,
}

impl EnvelopeHeader {
    /// The exact bytes the sender signs: a domain tag, every header field length-prefixed, and
    /// the SHA-256 digest of the ciphertext. Independent of JSON formatting on purpose.
    pub fn signing_bytes(&self, ciphertext_sha256: &[u8; 32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(200);
        out.extend_from_slice(b"samtale/envelope/v1\0");
        out.extend_from_slice(&self.v.to_be_bytes());
        for field in [
            self.id.as_str(),
            self.thread.as_str(),
            self.sender.as_str(),
            self.sender_device.as_str(),
            self.kind.as_str(),
        ] {
            out.extend_from_slice(&(field.len() as u32).to_be_bytes());
            out.extend_from_slice(field.as_bytes());
        }
        out.extend_from_slice(&self.sent_at_ms.to_be_bytes());
        out.extend_from_slice(ciphertext_sha256);
        out
    }
}

/// A header, the age ciphertext and the sending device's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedEnvelope {
    pub header: EnvelopeHeader,
    pub ciphertext: B64,
    /// ed25519 signature over [`EnvelopeHeader::signing_bytes`].
    pub signature: B64,
}
