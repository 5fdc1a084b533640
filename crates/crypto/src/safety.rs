//! Safety codes: short digit strings two people compare (side by side, or read aloud) to confirm
//! that the server gave each of them the other's real device keys.
//!
//! A device's *fingerprint* is 30 digits derived from its public keys. The *safety code* of two
//! devices is their two fingerprints, the smaller first, so both people see the same 60 digits.
//! Because the server relays keys, this check is the only thing that defeats a server which
//! substitutes keys of its own (DESIGN.md, "Security model").
//!
//! Derivation of a fingerprint (version 1):
//! `h0 = SHA-256(input)`, `h(i+1) = SHA-256(h(i) ‖ input)` for [`FINGERPRINT_ITERATIONS`] rounds,
//! where `input = "samtale/fingerprint/v1\0" ‖ len ‖ enc ‖ len ‖ sign` (lengths as u32 big-endian,
//! `enc` in lower case). The first 30 bytes of the last hash become six groups of five digits,
//! each from five bytes read as a big-endian number modulo 100 000. The iteration, as in Signal's
//! safety numbers, makes searching for a key whose fingerprint matches a victim's costlier.
//!
//! Any change to this derivation must change the domain tag, since two devices running different
//! versions have to show the same code.

use samtale_proto::api::DeviceKeys;
use sha2::{Digest as _, Sha256};

/// Hash rounds per fingerprint.
pub const FINGERPRINT_ITERATIONS: usize = 5200;

const FINGERPRINT_TAG: &[u8] = b"samtale/fingerprint/v1\0";
const GROUPS: usize = 6;
const GROUP_BYTES: usize = 5;

/// The 30-digit fingerprint of one device: six groups of five digits separated by spaces.
pub fn device_fingerprint(keys: &DeviceKeys) -> String {
    let enc = keys.enc.to_ascii_lowercase();
    let mut input = Vec::with_capacity(FINGERPRINT_TAG.len() + 8 + enc.len() + keys.sign.len());
    input.extend_from_slice(FINGERPRINT_TAG);
    for part in [enc.as_bytes(), keys.sign.as_slice()] {
        input.extend_from_slice(&(part.len() as u32).to_be_bytes());
        input.extend_from_slice(part);
    }
    let mut hash: [u8; 32] = Sha256::digest(&input).into();
    for _ in 0..FINGERPRINT_ITERATIONS {
        let mut round = Sha256::new();
        round.update(hash);
        round.update(&input);
        hash = round.finalize().into();
    }
    let groups: Vec<String> = hash
        .chunks_exact(GROUP_BYTES)
        .take(GROUPS)
        .map(|chunk| {
            let value = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            format!("{:05}", value % 100_000)
        })
        .collect();
    groups.join(" ")
}

/// The 60-digit safety code of two devices: twelve groups of five digits separated by spaces.
/// The same on both sides, whichever device is `a`.
pub fn safety_code(a: &DeviceKeys, b: &DeviceKeys) -> String {
    let fa = device_fingerprint(a);
    let fb = device_fingerprint(b);
    if fa <= fb {
        format!("{fa} {fb}")
    } else {
        format!("{fb} {fa}")
    }
}

#[cfg(test)]
mod tests {
    use samtale_proto::B64;

    use super::*;
    use crate::DeviceIdentity;

    fn is_groups_of_five_digits(code: &str, groups: usize) -> bool {
        let parts: Vec<&str> = code.split(' ').collect();
        parts.len() == groups
            && parts
                .iter()
                .all(|p| p.len() == 5 && p.bytes().all(|c| c.is_ascii_digit()))
    }

    #[test]
    fn code_is_symmetric_well_formed_and_key_dependent() {
        let a = DeviceIdentity::generate().public_keys();
        let b = DeviceIdentity::generate().public_keys();
        let c = DeviceIdentity::generate().public_keys();
        let ab = safety_code(&a, &b);
        assert_eq!(ab, safety_code(&b, &a));
        assert!(is_groups_of_five_digits(&ab, 12), "{ab}");
        assert_ne!(ab, safety_code(&a, &c));
        assert_ne!(ab, safety_code(&c, &b));
        let fa = device_fingerprint(&a);
        assert!(is_groups_of_five_digits(&fa, 6), "{fa}");
        assert!(ab.contains(&fa) && ab.contains(&device_fingerprint(&b)));
    }

    #[test]
    fn either_key_alone_changes_the_fingerprint() {
        let a = DeviceIdentity::generate().public_keys();
        let other = DeviceIdentity::generate().public_keys();
        let new_enc = DeviceKeys {
            enc: other.enc.clone(),
            sign: a.sign.clone(),
        };
        let new_sign = DeviceKeys {
            enc: a.enc.clone(),
            sign: other.sign.clone(),
        };
        assert_ne!(device_fingerprint(&a), device_fingerprint(&new_enc));
        assert_ne!(device_fingerprint(&a), device_fingerprint(&new_sign));
        let upper = DeviceKeys {
            enc: a.enc.to_ascii_uppercase(),
            sign: a.sign.clone(),
        };
        assert_eq!(device_fingerprint(&a), device_fingerprint(&upper));
    }

    /// Pins version 1 of the derivation: devices on different releases must show the same code.
    #[test]
    fn fingerprint_derivation_is_stable() {
        let keys = DeviceKeys {
            enc: "age1t7rxyev2z3rw82stdlrrepyc39nvn86l5078zqkf5uasdy86jp6svpy7pa".to_owned(),
            sign: B64(vec![7; 32]),
        };
        assert_eq!(
            device_fingerprint(&keys),
            "84978 53216 75993 10326 77782 02158"
        );
    }
}
