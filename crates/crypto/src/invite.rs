//! Invitation proofs: how a joining device and the inviting caseworker's client convince each
//! other that they share the invitation's client secret, which the server never sees.
//!
//! The secret (8 typed characters, or 32 random bytes in a QR code; see
//! `samtale_proto::invite`) is first turned into a [`ProofKey`] bound to the invitation id:
//! - a typed code's 40 bits are stretched with Argon2id (19 MiB, 2 passes), so a server that saw
//!   a MAC cannot cheaply try all 2^40 secrets offline;
//! - a QR secret's 256 bits need no stretching and go through HKDF-SHA256.
//!
//! Each side then MACs a device's public keys with HMAC-SHA256 under its role tag
//! ([`ProofRole`]), so a joiner's proof cannot be replayed as the inviter's or the
//! reverse, and a proof for one device's keys says nothing about another's.

use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac as _};
use samtale_proto::InvitationId;
use samtale_proto::api::DeviceKeys;
use samtale_proto::invite::{ProofKind, SECRET_PART_LEN, encode_chars};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::random::random_bytes;

type HmacSha256 = Hmac<Sha256>;

/// Common prefix of the salts; the invitation id follows it.
const SALT_TAG: &[u8] = b"samtale/invite/v1";
/// HKDF "info" for the QR kind.
const QR_INFO: &[u8] = b"samtale/invite/v1/qr-proof-key";
/// The same two for device-link requests.
const LINK_SALT_TAG: &[u8] = b"samtale/link/v1";
const LINK_QR_INFO: &[u8] = b"samtale/link/v1/qr-proof-key";
/// Argon2id cost for typed codes (OWASP's minimum recommendation for Argon2id).
const ARGON2_M_KIB: u32 = 19_456;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;
/// Length of a QR secret in bytes.
pub const QR_SECRET_LEN: usize = 32;

/// The key both sides derive from an invitation's client secret. Wiped when dropped; never
/// printed.
#[derive(Clone)]
pub struct ProofKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for ProofKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProofKey(..)")
    }
}

/// Which side made a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProofRole {
    /// The caseworker's client that created the invitation.
    Inviter,
    /// The citizen's device that redeems it.
    Joiner,
}

impl ProofRole {
    fn tag(self) -> &'static [u8] {
        match self {
            ProofRole::Inviter => b"samtale/invite/proof/inviter/v1\0",
            ProofRole::Joiner => b"samtale/invite/proof/joiner/v1\0",
        }
    }
}

/// Derives the proof key of an invitation from its client secret.
///
/// `ProofKind::Code`: Argon2id(secret, salt = `"samtale/invite/v1" ‖ invitation id`), m = 19 456
/// KiB, t = 2, p = 1 — deliberately slow (tens of milliseconds). `ProofKind::Qr`: HKDF-SHA256
/// with the same salt; the secret must be exactly 32 bytes.
///
/// Pass the secret exactly as `samtale_proto::invite::parse_invite` returns it (the normalised
/// upper-case characters for a code), or as [`new_code_secret`] made it.
pub fn proof_key(
    secret: &[u8],
    kind: ProofKind,
    invitation: &InvitationId,
) -> Result<ProofKey, CryptoError> {
    derive_key(secret, kind, SALT_TAG, QR_INFO, invitation.as_str())
}

/// Derives the proof key of a device-link request from the new device's secret: the same
/// construction as [`proof_key`] under its own salt and info tags, so a link code's proofs can
/// never stand in for an invitation's, or the reverse.
pub fn link_proof_key(
    secret: &[u8],
    kind: ProofKind,
    link: &samtale_proto::LinkId,
) -> Result<ProofKey, CryptoError> {
    derive_key(secret, kind, LINK_SALT_TAG, LINK_QR_INFO, link.as_str())
}

fn derive_key(
    secret: &[u8],
    kind: ProofKind,
    tag: &[u8],
    qr_info: &[u8],
    id: &str,
) -> Result<ProofKey, CryptoError> {
    let mut salt = Vec::with_capacity(tag.len() + id.len());
    salt.extend_from_slice(tag);
    salt.extend_from_slice(id.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    match kind {
        ProofKind::Code => {
            if secret.is_empty() {
                return Err(CryptoError::InvalidInviteSecret(
                    "the code's secret part is empty",
                ));
            }
            let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, Some(out.len()))
                .map_err(|e| CryptoError::Internal(format!("argon2 parameters: {e}")))?;
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password_into(secret, &salt, out.as_mut_slice())
                .map_err(|e| CryptoError::Internal(format!("argon2: {e}")))?;
        }
        ProofKind::Qr => {
            if secret.len() != QR_SECRET_LEN {
                return Err(CryptoError::InvalidInviteSecret(
                    "a QR secret must be 32 bytes",
                ));
            }
            // HKDF-SHA256 (RFC 5869) with one output block: extract, then expand.
            let mut extract = hmac_from_slice(&salt)?;
            extract.update(secret);
            let prk = Zeroizing::new(<[u8; 32]>::from(extract.finalize().into_bytes()));
            let mut expand = hmac_from_slice(prk.as_slice())?;
            expand.update(qr_info);
            expand.update(&[1]);
            out.copy_from_slice(&expand.finalize().into_bytes());
        }
    }
    Ok(ProofKey(out))
}

/// The proof that the holder of `key`, acting as `role`, vouches for the device `keys`:
/// HMAC-SHA256 over the role's tag and the length-prefixed `enc` and `sign` keys.
pub fn proof_mac(key: &ProofKey, role: ProofRole, keys: &DeviceKeys) -> [u8; 32] {
    proof_hmac(key, role, keys).finalize().into_bytes().into()
}

/// Checks a proof made by [`proof_mac`], in constant time. Any length other than 32 is false.
pub fn verify_proof(key: &ProofKey, role: ProofRole, keys: &DeviceKeys, mac: &[u8]) -> bool {
    proof_hmac(key, role, keys).verify_slice(mac).is_ok()
}

/// A fresh client secret for a typed code: 8 Crockford base32 characters (40 bits).
pub fn new_code_secret() -> String {
    // 256 is a multiple of 32, so each byte's low 5 bits are uniform.
    let bytes = Zeroizing::new(random_bytes::<SECRET_PART_LEN>());
    encode_chars(bytes.as_slice())
}

/// A fresh 256-bit client secret for a QR code.
pub fn new_qr_secret() -> Zeroizing<[u8; QR_SECRET_LEN]> {
    Zeroizing::new(random_bytes())
}

fn proof_hmac(key: &ProofKey, role: ProofRole, keys: &DeviceKeys) -> HmacSha256 {
    // HMAC pads a key shorter than the hash's block with zeros, so keying with the zero-padded
    // 64-byte block is exactly HMAC keyed with the 32-byte key (and cannot fail).
    let mut block = Zeroizing::new([0u8; 64]);
    block[..32].copy_from_slice(key.0.as_slice());
    let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new(&(*block).into());
    mac.update(role.tag());
    for part in [keys.enc.as_bytes(), keys.sign.as_slice()] {
        mac.update(&(part.len() as u32).to_be_bytes());
        mac.update(part);
    }
    mac
}

fn hmac_from_slice(key: &[u8]) -> Result<HmacSha256, CryptoError> {
    <HmacSha256 as hmac::Mac>::new_from_slice(key)
        .map_err(|e| CryptoError::Internal(format!("hmac key: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_keys_differ_from_invitation_keys_for_the_same_secret() {
        let secret = [3u8; 32];
        let inv = invitation(5);
        let link = samtale_proto::LinkId::parse(inv.as_str()).unwrap();
        let device = DeviceIdentity::generate().public_keys();
        let a = proof_key(&secret, ProofKind::Qr, &inv).unwrap();
        let b = link_proof_key(&secret, ProofKind::Qr, &link).unwrap();
        let mac = proof_mac(&a, ProofRole::Joiner, &device);
        assert!(!verify_proof(&b, ProofRole::Joiner, &device, &mac));
        let again = link_proof_key(&secret, ProofKind::Qr, &link).unwrap();
        assert!(verify_proof(
            &again,
            ProofRole::Joiner,
            &device,
            &proof_mac(&b, ProofRole::Joiner, &device)
        ));
    }

    use samtale_proto::invite::{format_code, parse_invite};

    use super::*;
    use crate::DeviceIdentity;

    fn invitation(n: u8) -> InvitationId {
        InvitationId::from_parts(1_700_000_000_000, [n; 10])
    }

    #[test]
    fn inviter_proof_verifies_only_with_the_right_key_role_and_device() {
        let secret = new_code_secret();
        let inv = invitation(1);
        let key = proof_key(secret.as_bytes(), ProofKind::Code, &inv).unwrap();
        let device = DeviceIdentity::generate().public_keys();
        let mac = proof_mac(&key, ProofRole::Inviter, &device);

        // Same secret, derived again on the other side.
        let again = proof_key(secret.as_bytes(), ProofKind::Code, &inv).unwrap();
        assert!(verify_proof(&again, ProofRole::Inviter, &device, &mac));

        let wrong = proof_key(b"00000000", ProofKind::Code, &inv).unwrap();
        assert!(!verify_proof(&wrong, ProofRole::Inviter, &device, &mac));
        assert!(!verify_proof(&key, ProofRole::Joiner, &device, &mac));
        let other = DeviceIdentity::generate().public_keys();
        assert!(!verify_proof(&key, ProofRole::Inviter, &other, &mac));
        assert!(!verify_proof(&key, ProofRole::Inviter, &device, &mac[..31]));
        assert!(!verify_proof(&key, ProofRole::Inviter, &device, &[]));
    }

    #[test]
    fn joiner_proof_through_a_typed_code() {
        let server_part = "ABCDEFGH";
        let secret = new_code_secret();
        let inv = invitation(2);
        let typed = format_code(server_part, &secret).to_ascii_lowercase();
        let parsed = parse_invite(&typed).unwrap();
        let device = DeviceIdentity::generate().public_keys();
        let joiner_key = proof_key(&parsed.secret, parsed.kind, &inv).unwrap();
        let mac = proof_mac(&joiner_key, ProofRole::Joiner, &device);
        let inviter_key = proof_key(secret.as_bytes(), ProofKind::Code, &inv).unwrap();
        assert!(verify_proof(&inviter_key, ProofRole::Joiner, &device, &mac));
    }

    #[test]
    fn qr_proof_round_trips_through_the_payload() {
        let secret = new_qr_secret();
        let inv = invitation(3);
        let payload = samtale_proto::invite::qr_payload(
            "https://samtale.example",
            "ABCDEFGH",
            secret.as_slice(),
        );
        let parsed = parse_invite(&payload).unwrap();
        let device = DeviceIdentity::generate().public_keys();
        let mac = proof_mac(
            &proof_key(&parsed.secret, parsed.kind, &inv).unwrap(),
            ProofRole::Joiner,
            &device,
        );
        let key = proof_key(secret.as_slice(), ProofKind::Qr, &inv).unwrap();
        assert!(verify_proof(&key, ProofRole::Joiner, &device, &mac));
        assert!(!verify_proof(
            &proof_key(&[0; 32], ProofKind::Qr, &inv).unwrap(),
            ProofRole::Joiner,
            &device,
            &mac
        ));
    }

    #[test]
    fn keys_depend_on_invitation_and_kind() {
        let code = proof_key(b"ABCD1234", ProofKind::Code, &invitation(1)).unwrap();
        let code_other_inv = proof_key(b"ABCD1234", ProofKind::Code, &invitation(2)).unwrap();
        assert_ne!(*code.0, *code_other_inv.0);
        let qr = proof_key(&[5; 32], ProofKind::Qr, &invitation(1)).unwrap();
        let qr_other_inv = proof_key(&[5; 32], ProofKind::Qr, &invitation(2)).unwrap();
        assert_ne!(*qr.0, *qr_other_inv.0);
    }

    #[test]
    fn malformed_secrets_are_errors() {
        let inv = invitation(1);
        assert!(matches!(
            proof_key(b"", ProofKind::Code, &inv),
            Err(CryptoError::InvalidInviteSecret(_))
        ));
        for len in [0, 16, 31, 33] {
            let secret = vec![1u8; len];
            assert!(matches!(
                proof_key(&secret, ProofKind::Qr, &inv),
                Err(CryptoError::InvalidInviteSecret(_))
            ));
        }
    }

    #[test]
    fn new_code_secrets_are_valid_code_characters() {
        let a = new_code_secret();
        assert_eq!(a.len(), SECRET_PART_LEN);
        let parsed = parse_invite(&format!("ABCDEFGH{a}")).unwrap();
        assert_eq!(parsed.secret, a.as_bytes());
        assert_ne!(a, new_code_secret());
        assert_ne!(*new_qr_secret(), *new_qr_secret());
    }

    #[test]
    fn padded_block_key_equals_plain_hmac_key() {
        let key = ProofKey(Zeroizing::new([0x42; 32]));
        let keys = DeviceIdentity::generate().public_keys();
        let mut plain = hmac_from_slice(&[0x42; 32]).unwrap();
        plain.update(ProofRole::Joiner.tag());
        for part in [keys.enc.as_bytes(), keys.sign.as_slice()] {
            plain.update(&(part.len() as u32).to_be_bytes());
            plain.update(part);
        }
        let expected: [u8; 32] = plain.finalize().into_bytes().into();
        assert_eq!(proof_mac(&key, ProofRole::Joiner, &keys), expected);
    }

    #[test]
    fn debug_hides_the_key() {
        let key = ProofKey(Zeroizing::new([0xAB; 32]));
        let shown = format!("{key:?}");
        assert_eq!(shown, "ProofKey(..)");
    }

    /// Pins the derivations: an inviter and a joiner on different releases must agree.
    #[test]
    fn derivations_are_stable() {
        let inv = InvitationId::from_parts(1_700_000_000_000, [0; 10]);
        let keys = samtale_proto::api::DeviceKeys {
            enc: "age1t7rxyev2z3rw82stdlrrepyc39nvn86l5078zqkf5uasdy86jp6svpy7pa".to_owned(),
            sign: samtale_proto::B64(vec![7; 32]),
        };
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let code = proof_key(b"ABCD1234", ProofKind::Code, &inv).unwrap();
        let qr = proof_key(&[9; 32], ProofKind::Qr, &inv).unwrap();
        assert_eq!(
            hex(&proof_mac(&code, ProofRole::Joiner, &keys)),
            "2a4e18d32776610d7e05659b7cce777def83667eeb763fd9306c69ebd097dedd"
        );
        assert_eq!(
            hex(&proof_mac(&qr, ProofRole::Inviter, &keys)),
            "2e8cc3481edb2da074f6820f920fd74d29b3444cbe6b9d5b9b366e645ce1d96a"
        );
    }
}
