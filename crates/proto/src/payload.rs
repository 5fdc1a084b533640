//! What is inside an envelope once it is opened: the end-to-end payloads that only clients see.
//! Versioned like the envelope; unknown fields are tolerated so newer senders can add some.

use serde::{Deserialize, Serialize};

use crate::care::Care;

/// A chat message's plaintext, or a care item with a plain text for clients that do not know
/// it (they show `text` and ignore `care`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePayload {
    pub v: u16,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care: Option<Care>,
    /// Files the message carries (their ciphertext is in blobs on the server).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<crate::blobs::FileRef>,
}

/// The part every version understands: what a client falls back to when the `care` field
/// names something it does not know.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlainPayload {
    pub text: String,
}
