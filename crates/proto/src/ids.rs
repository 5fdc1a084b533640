//! Identifiers. Every id is a ULID in its 26-character Crockford base32 text form: sortable by
//! creation time, safe in URLs, and chosen by whoever creates the thing (clients choose envelope
//! ids, which is what makes sending twice store once).

use serde::{Deserialize, Serialize};

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError(pub String);

impl std::fmt::Display for IdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid id {:?}: expected 26 characters of Crockford base32",
            self.0
        )
    }
}

impl std::error::Error for IdError {}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Checks the ULID text form: 26 upper-case Crockford base32 characters, first one ≤ '7'.
pub fn is_ulid(s: &str) -> bool {
    s.len() == 26 && s.as_bytes()[0] <= b'7' && s.bytes().all(|c| CROCKFORD.contains(&c))
}

/// Builds a ULID text from a millisecond timestamp and 80 bits of randomness. The caller supplies
/// the randomness so that this crate stays free of OS dependencies (and wasm-safe).
pub fn ulid_from_parts(unix_ms: u64, random: [u8; 10]) -> String {
    let mut value: u128 = (u128::from(unix_ms & 0xFFFF_FFFF_FFFF)) << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    let mut out = [0u8; 26];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (25 - i);
        *slot = CROCKFORD[((value >> shift) & 0x1F) as usize];
    }
    // Only ASCII from the alphabet was written.
    out.iter().map(|&c| c as char).collect()
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses and validates the text form.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                if is_ulid(s) { Ok(Self(s.to_owned())) } else { Err(IdError(s.to_owned())) }
            }

            /// Builds an id from its parts; see [`ulid_from_parts`].
            pub fn from_parts(unix_ms: u64, random: [u8; 10]) -> Self {
                Self(ulid_from_parts(unix_ms, random))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                if is_ulid(&s) { Ok(Self(s)) } else { Err(IdError(s)) }
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

id_type!(
    /// A municipality (tenant). Nothing crosses from one tenant to another.
    TenantId
);
id_type!(
    /// A person: caseworker, admin, youth or parent.
    UserId
);
id_type!(
    /// One device of a person, with its own keys.
    DeviceId
);
id_type!(
    /// A conversation.
    ThreadId
);
id_type!(
    /// A unit of a municipality ("Ungeindsatsen", "Familierådgivningen"): staff and
    /// conversations belong to one, and a citizen's consents are given to one.
    UnitId
);
id_type!(
    /// A sealed envelope, chosen by the sending client.
    EnvelopeId
);
id_type!(
    /// An invitation made by a caseworker.
    InvitationId
);
id_type!(
    /// A new device's request to be linked to an account, chosen by the new device.
    LinkId
);
id_type!(
    /// An encrypted file's ciphertext on the server, chosen by the uploading device.
    BlobId
);
id_type!(
    /// A care item inside a conversation (a check-in plan, a timeline event), chosen by the
    /// device that makes it; later revisions of the item keep the id.
    CareId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_sortable_valid_ulids() {
        let a = EnvelopeId::from_parts(1_700_000_000_000, [0; 10]);
        let b = EnvelopeId::from_parts(1_700_000_000_001, [0; 10]);
        assert!(is_ulid(a.as_str()), "{a}");
        assert!(a < b);
        assert_eq!(
            EnvelopeId::from_parts(0, [0xFF; 10]).as_str(),
            "0000000000ZZZZZZZZZZZZZZZZ"
        );
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "short",
            "0000000000ZZZZZZZZZZZZZZZI",
            "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
            "01hzzzzzzzzzzzzzzzzzzzzzzz",
        ] {
            assert!(ThreadId::parse(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<ThreadId>(&format!("\"{bad}\"")).is_err());
        }
        assert!(ThreadId::parse("01HZZZZZZZZZZZZZZZZZZZZZZZ").is_ok());
    }
}
