//! Binary fields on the wire: base64url without padding inside JSON strings.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that travel as a base64url (no padding) JSON string.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct B64(pub Vec<u8>);

impl B64 {
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The base64url text form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.0)
    }

    /// Parses the base64url text form.
    pub fn decode(text: &str) -> Result<Self, base64::DecodeError> {
        URL_SAFE_NO_PAD.decode(text).map(B64)
    }
}

impl From<Vec<u8>> for B64 {
    fn from(v: Vec<u8>) -> Self {
        B64(v)
    }
}

impl From<&[u8]> for B64 {
    fn from(v: &[u8]) -> Self {
        B64(v.to_vec())
    }
}

impl std::fmt::Debug for B64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "B64({} bytes)", self.0.len())
    }
}

impl Serialize for B64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for B64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        B64::decode(&text).map_err(|e| serde::de::Error::custom(format!("invalid base64url: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let b = B64(vec![0, 1, 2, 250, 251, 255]);
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(json, "\"AAEC-vv_\"");
        assert_eq!(serde_json::from_str::<B64>(&json).unwrap(), b);
        assert!(serde_json::from_str::<B64>("\"not base64!\"").is_err());
    }
}
