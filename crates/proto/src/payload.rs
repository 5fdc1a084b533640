//! What is inside an envelope once it is opened: the end-to-end payloads that only clients see.
//! Versioned like the envelope; unknown fields are tolerated so newer senders can add some.

use serde::{Deserialize, Serialize};

/// A chat message's plaintext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePayload {
    pub v: u16,
    pub text: String,
}
