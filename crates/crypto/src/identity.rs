//! A device's long-lived keys, and the public keys of other devices.
//!
//! Every device has two key pairs (DESIGN.md, "Security model"):
//! - an age X25519 identity, to which other devices seal envelopes (confidentiality);
//! - an ed25519 signing key, with which it signs every envelope it sends (authenticity, since
//!   age alone does not say who sealed a file).
//!
//! [`DeviceIdentity`] holds both secrets. It never prints them, and it turns into bytes only
//! through [`DeviceIdentity::to_secret_bytes`], for the embedder's encrypted store. Public keys
//! travel as [`DeviceKeys`]; parsing them here rejects keys that are malformed or of small order
//! (an all-zero X25519 key would otherwise make every sender's age library panic, and a
//! small-order ed25519 key would accept forged signatures).

use std::str::FromStr as _;

use age::secrecy::ExposeSecret as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rand_core::OsRng;
use samtale_proto::B64;
use samtale_proto::api::DeviceKeys;
use zeroize::Zeroizing;

use crate::CryptoError;

/// Version byte that starts the v1 secret format: `0x01 ‖ ed25519 seed (32) ‖ age secret key text`.
const SECRET_FORMAT_V1: u8 = 1;
/// Length of an ed25519 seed and of an ed25519 verifying key.
const ED25519_KEY_LEN: usize = 32;

/// The secret keys of this device: an age X25519 identity and an ed25519 signing key.
///
/// Deliberately neither `Clone` nor printable: share it behind an `Arc` if several tasks need it.
pub struct DeviceIdentity {
    pub(crate) enc: age::x25519::Identity,
    pub(crate) sign: SigningKey,
}

impl DeviceIdentity {
    /// Makes fresh keys from the OS random generator.
    pub fn generate() -> Self {
        DeviceIdentity {
            enc: age::x25519::Identity::generate(),
            sign: SigningKey::generate(&mut OsRng),
        }
    }

    /// The secret keys as bytes, for the embedder's encrypted store (never for the network).
    ///
    /// Format v1: one version byte `0x01`, the 32-byte ed25519 seed, then age's own text form of
    /// the X25519 secret (`AGE-SECRET-KEY-1…`, ASCII). The buffer is wiped when dropped.
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let age_text = self.enc.to_string();
        let age_text = age_text.expose_secret().as_bytes();
        let seed = Zeroizing::new(self.sign.to_bytes());
        let mut out = Zeroizing::new(Vec::with_capacity(1 + ED25519_KEY_LEN + age_text.len()));
        out.push(SECRET_FORMAT_V1);
        out.extend_from_slice(seed.as_slice());
        out.extend_from_slice(age_text);
        out
    }

    /// Reads bytes made by [`DeviceIdentity::to_secret_bytes`].
    ///
    /// Fails with [`CryptoError::InvalidSecret`] on anything else; it never panics.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let (&version, rest) = bytes.split_first().ok_or(CryptoError::InvalidSecret)?;
        if version != SECRET_FORMAT_V1 || rest.len() <= ED25519_KEY_LEN {
            return Err(CryptoError::InvalidSecret);
        }
        let (seed, age_text) = rest.split_at(ED25519_KEY_LEN);
        let seed: Zeroizing<[u8; ED25519_KEY_LEN]> =
            Zeroizing::new(seed.try_into().map_err(|_| CryptoError::InvalidSecret)?);
        let age_text = std::str::from_utf8(age_text).map_err(|_| CryptoError::InvalidSecret)?;
        let enc =
            age::x25519::Identity::from_str(age_text).map_err(|_| CryptoError::InvalidSecret)?;
        Ok(DeviceIdentity {
            enc,
            sign: SigningKey::from_bytes(&seed),
        })
    }

    /// This device's public keys, as it registers them with the server.
    pub fn public_keys(&self) -> DeviceKeys {
        DeviceKeys {
            enc: self.enc.to_public().to_string(),
            sign: B64(self.sign.verifying_key().to_bytes().to_vec()),
        }
    }

    /// This device as a recipient, to seal to itself (for example, its own sent messages).
    pub fn recipient(&self) -> Recipient {
        Recipient(self.enc.to_public())
    }

    /// Signs arbitrary bytes with this device's ed25519 key.
    ///
    /// The caller must put a domain tag of its own at the start of `msg`, so that a signature
    /// made for one purpose can never be taken for another (envelopes use
    /// `samtale/envelope/v1\0`).
    pub fn sign_bytes(&self, msg: &[u8]) -> [u8; 64] {
        self.sign.sign(msg).to_bytes()
    }
}

impl std::fmt::Debug for DeviceIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = self.public_keys();
        f.debug_struct("DeviceIdentity")
            .field("enc", &keys.enc)
            .field("sign", &keys.sign.encode())
            .finish_non_exhaustive()
    }
}

/// A device that envelopes can be sealed to: its checked age X25519 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient(pub(crate) age::x25519::Recipient);

impl Recipient {
    /// Reads the `enc` key of a device. Fails with [`CryptoError::InvalidKey`] if it is not an
    /// age X25519 recipient (`age1…`) or is a small-order point that would leak the file key.
    pub fn from_keys(keys: &DeviceKeys) -> Result<Self, CryptoError> {
        parse_recipient(&keys.enc).map(Recipient)
    }
}

/// Checks both public keys of a device (what the server should do when a device registers).
pub fn check_device_keys(keys: &DeviceKeys) -> Result<(), CryptoError> {
    parse_recipient(&keys.enc)?;
    parse_verifying_key(keys)?;
    Ok(())
}

/// Parses the ed25519 verifying key of a device, rejecting wrong lengths, bytes that are not a
/// curve point, and small-order ("weak") keys.
pub(crate) fn parse_verifying_key(keys: &DeviceKeys) -> Result<VerifyingKey, CryptoError> {
    let bytes: &[u8; ED25519_KEY_LEN] = keys.sign.as_slice().try_into().map_err(|_| {
        CryptoError::InvalidKey(format!(
            "the signing key must be {ED25519_KEY_LEN} bytes, this one has {}",
            keys.sign.len()
        ))
    })?;
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| {
        CryptoError::InvalidKey("the signing key is not an ed25519 public key".into())
    })?;
    if key.is_weak() {
        return Err(CryptoError::InvalidKey(
            "the signing key is a weak (small-order) ed25519 key".into(),
        ));
    }
    Ok(key)
}

fn parse_recipient(text: &str) -> Result<age::x25519::Recipient, CryptoError> {
    let recipient = age::x25519::Recipient::from_str(text).map_err(|why| {
        CryptoError::InvalidKey(format!(
            "the encryption key is not an age X25519 recipient: {why}"
        ))
    })?;
    // age validated the checksum and the prefix; read the 32 key bytes back to look at them.
    let point = bech32_payload(text)
        .ok_or_else(|| CryptoError::InvalidKey("the encryption key cannot be decoded".into()))?;
    if is_small_order_x25519(&point) {
        return Err(CryptoError::InvalidKey(
            "the encryption key is a small-order X25519 point".into(),
        ));
    }
    Ok(recipient)
}

/// The 32-byte payload of a bech32 string whose checksum has already been checked.
fn bech32_payload(text: &str) -> Option<[u8; 32]> {
    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    const CHECKSUM_CHARS: usize = 6;
    let lower = text.to_ascii_lowercase();
    let (_, data) = lower.rsplit_once('1')?;
    let data = data.get(..data.len().checked_sub(CHECKSUM_CHARS)?)?;
    let mut out = Vec::with_capacity(32);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for c in data.bytes() {
        let value = CHARSET.iter().position(|&x| x == c)?;
        acc = (acc << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    out.try_into().ok()
}

/// Whether an X25519 public key is one whose Diffie-Hellman result is all zeros for every
/// (clamped) secret: the u-coordinates of order 1, 2, 4 and 8, and their non-canonical forms.
/// X25519 ignores the top bit, so it is ignored here too. Same list as libsodium's.
fn is_small_order_x25519(point: &[u8; 32]) -> bool {
    let mut masked = *point;
    masked[31] &= 0x7f;
    BLOCKED_X25519.contains(&masked)
}

const FF: u8 = 0xff;
/// See [`is_small_order_x25519`].
const BLOCKED_X25519: [[u8; 32]; 7] = [
    [0; 32],
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
    [
        0xec, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF,
        FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x7f,
    ],
    [
        0xed, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF,
        FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x7f,
    ],
    [
        0xee, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF, FF,
        FF, FF, FF, FF, FF, FF, FF, FF, FF, 0x7f,
    ],
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimal bech32 encoder, only to build hostile recipients in tests.
    fn bech32_encode(hrp: &str, data: &[u8]) -> String {
        const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        fn polymod(values: &[u8]) -> u32 {
            const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
            let mut chk: u32 = 1;
            for &v in values {
                let top = chk >> 25;
                chk = ((chk & 0x1ffffff) << 5) ^ u32::from(v);
                for (i, g) in GEN.iter().enumerate() {
                    if (top >> i) & 1 == 1 {
                        chk ^= g;
                    }
                }
            }
            chk
        }
        let mut five = Vec::new();
        let (mut acc, mut bits) = (0u32, 0u32);
        for &b in data {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                five.push(((acc >> bits) & 31) as u8);
            }
        }
        if bits > 0 {
            five.push(((acc << (5 - bits)) & 31) as u8);
        }
        let mut values: Vec<u8> = hrp.bytes().map(|c| c >> 5).collect();
        values.push(0);
        values.extend(hrp.bytes().map(|c| c & 31));
        values.extend(&five);
        values.extend([0u8; 6]);
        let chk = polymod(&values) ^ 1;
        let mut out = format!("{hrp}1");
        out.extend(five.iter().map(|&v| CHARSET[v as usize] as char));
        out.extend((0..6).map(|i| CHARSET[((chk >> (5 * (5 - i))) & 31) as usize] as char));
        out
    }

    fn keys_with_enc(enc: String) -> DeviceKeys {
        DeviceKeys {
            enc,
            sign: DeviceIdentity::generate().public_keys().sign,
        }
    }

    #[test]
    fn secret_bytes_round_trip_to_the_same_keys() {
        let id = DeviceIdentity::generate();
        let bytes = id.to_secret_bytes();
        assert_eq!(bytes[0], SECRET_FORMAT_V1);
        let back = DeviceIdentity::from_secret_bytes(&bytes).unwrap();
        assert_eq!(back.public_keys(), id.public_keys());
        assert_eq!(back.sign_bytes(b"x"), id.sign_bytes(b"x"));
    }

    #[test]
    fn garbage_secret_bytes_are_rejected_without_panicking() {
        let good = DeviceIdentity::generate().to_secret_bytes();
        let mut wrong_version = good.to_vec();
        wrong_version[0] = 2;
        let mut bad_text = good.to_vec();
        let last = bad_text.len() - 1;
        bad_text[last] ^= 1; // breaks the bech32 checksum
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![1],
            vec![1; 33],
            vec![0xff; 200],
            wrong_version,
            bad_text,
            good[..good.len() - 1].to_vec(),
            [&good[..33], &[0xc3, 0x28][..]].concat(), // invalid UTF-8
        ];
        for bytes in cases {
            assert_eq!(
                DeviceIdentity::from_secret_bytes(&bytes).unwrap_err(),
                CryptoError::InvalidSecret,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn debug_shows_public_keys_only() {
        let id = DeviceIdentity::generate();
        let shown = format!("{id:?}");
        let secret = String::from_utf8(id.to_secret_bytes()[33..].to_vec()).unwrap();
        assert!(shown.contains(&id.public_keys().enc), "{shown}");
        assert!(!shown.contains(&secret));
        assert!(
            !shown.to_ascii_uppercase().contains("AGE-SECRET-KEY"),
            "{shown}"
        );
    }

    #[test]
    fn public_keys_parse_back() {
        let keys = DeviceIdentity::generate().public_keys();
        assert!(keys.enc.starts_with("age1"), "{}", keys.enc);
        assert_eq!(keys.sign.len(), 32);
        check_device_keys(&keys).unwrap();
        assert_eq!(
            bech32_encode("age", &bech32_payload(&keys.enc).unwrap()),
            keys.enc
        );
    }

    #[test]
    fn small_order_and_malformed_encryption_keys_are_rejected() {
        let mut hostile: Vec<[u8; 32]> = BLOCKED_X25519.to_vec();
        // X25519 ignores the top bit, so the same points with it set are just as bad.
        hostile.extend(BLOCKED_X25519.iter().map(|p| {
            let mut p = *p;
            p[31] |= 0x80;
            p
        }));
        for point in hostile {
            let enc = bech32_encode("age", &point);
            // age parses these, and sealing to one makes it panic: the list is right, and our
            // check is what keeps a hostile device key from crashing every sender.
            let parsed = age::x25519::Recipient::from_str(&enc).unwrap();
            let sealing = std::panic::catch_unwind(|| {
                age::Encryptor::with_recipients(std::iter::once(&parsed as &dyn age::Recipient))
                    .is_ok()
            });
            assert!(sealing.is_err(), "age sealed to {enc} without noticing");
            let err = Recipient::from_keys(&keys_with_enc(enc.clone())).unwrap_err();
            assert!(matches!(err, CryptoError::InvalidKey(_)), "{enc}: {err}");
        }
        for enc in [
            "",
            "age1",
            "not a key",
            "AGE-SECRET-KEY-1QQQQ",
            &bech32_encode("age", &[9; 31]),
        ] {
            let err = Recipient::from_keys(&keys_with_enc(enc.to_owned())).unwrap_err();
            assert!(matches!(err, CryptoError::InvalidKey(_)), "{enc}: {err}");
        }
    }

    #[test]
    fn malformed_signing_keys_are_rejected() {
        let enc = DeviceIdentity::generate().public_keys().enc;
        let mut identity_point = [0u8; 32];
        identity_point[0] = 1; // the neutral element: small order
        for sign in [vec![], vec![7; 31], vec![7; 33], identity_point.to_vec()] {
            let keys = DeviceKeys {
                enc: enc.clone(),
                sign: B64(sign),
            };
            assert!(matches!(
                check_device_keys(&keys),
                Err(CryptoError::InvalidKey(_))
            ));
        }
    }
}
