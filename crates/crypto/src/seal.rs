//! Sealing and opening envelopes: age for confidentiality, ed25519 for the sender's identity.
//!
//! The sender seals the plaintext with age to every recipient device, hashes the ciphertext
//! (SHA-256), and signs [`EnvelopeHeader::signing_bytes`] over that digest. So the signature
//! binds the clear header (thread, sender, device, kind, time, id) to exactly this ciphertext:
//! neither can be swapped, and because age does not authenticate its sender, the signature is
//! what tells a recipient who wrote the message.
//!
//! The server calls [`verify_envelope`] only (it has no age identity); a recipient device calls
//! [`DeviceIdentity::open`], which verifies first and decrypts only what verified.

use std::io::{Read as _, Write as _};

use ed25519_dalek::Signature;
use samtale_proto::api::DeviceKeys;
use samtale_proto::{B64, EnvelopeHeader, SealedEnvelope};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::identity::{DeviceIdentity, Recipient, parse_verifying_key};

/// SHA-256 of a ciphertext, as it goes into [`EnvelopeHeader::signing_bytes`].
pub fn ciphertext_digest(ciphertext: &[u8]) -> [u8; 32] {
    Sha256::digest(ciphertext).into()
}

/// Checks an ed25519 signature by the device with `keys` over `msg`.
///
/// Strict verification: rejects non-canonical signatures and small-order keys, so one message
/// has exactly one valid signature encoding. A signature of the wrong length is a
/// [`CryptoError::BadSignature`]; an unusable key is a [`CryptoError::InvalidKey`].
pub fn verify_signature(keys: &DeviceKeys, msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let key = parse_verifying_key(keys)?;
    let sig = Signature::from_slice(sig).map_err(|_| CryptoError::BadSignature)?;
    key.verify_strict(msg, &sig)
        .map_err(|_| CryptoError::BadSignature)
}

/// Checks that `envelope` was signed by the device with `sender` keys and that neither its
/// header nor its ciphertext changed since. Does not decrypt (this is what the server runs).
pub fn verify_envelope(envelope: &SealedEnvelope, sender: &DeviceKeys) -> Result<(), CryptoError> {
    let digest = ciphertext_digest(envelope.ciphertext.as_slice());
    let signed = envelope.header.signing_bytes(&digest);
    verify_signature(sender, &signed, envelope.signature.as_slice())
}

impl DeviceIdentity {
    /// Seals `plaintext` with age to every recipient, then signs
    /// `header.signing_bytes(sha256(ciphertext))` with this device's key.
    ///
    /// Include this device's own [`DeviceIdentity::recipient`] (and the user's other devices) if
    /// it should be able to read its own message later.
    pub fn seal(
        &self,
        header: EnvelopeHeader,
        plaintext: &[u8],
        recipients: &[Recipient],
    ) -> Result<SealedEnvelope, CryptoError> {
        if recipients.is_empty() {
            return Err(CryptoError::NoRecipients);
        }
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| &r.0 as &dyn age::Recipient))
                .map_err(|e| match e {
                    age::EncryptError::MissingRecipients => CryptoError::NoRecipients,
                    other => CryptoError::Internal(format!("age could not seal: {other}")),
                })?;
        // age's overhead: a header line per recipient plus 16 bytes per 64 KiB chunk.
        let mut ciphertext = Vec::with_capacity(plaintext.len() + 128 + 128 * recipients.len());
        let io_err = |e: std::io::Error| CryptoError::Internal(format!("age could not write: {e}"));
        let mut writer = encryptor.wrap_output(&mut ciphertext).map_err(io_err)?;
        writer.write_all(plaintext).map_err(io_err)?;
        writer.finish().map_err(io_err)?;

        let digest = ciphertext_digest(&ciphertext);
        let signature = self.sign_bytes(&header.signing_bytes(&digest));
        Ok(SealedEnvelope {
            header,
            ciphertext: B64(ciphertext),
            signature: B64(signature.to_vec()),
        })
    }

    /// Verifies the envelope's signature against `sender` (the pinned keys of the device named in
    /// its header), then opens it with this device's age identity. Returns the plaintext, which
    /// is wiped from memory when dropped.
    ///
    /// Errors: [`CryptoError::BadSignature`] if the signature does not verify (nothing is
    /// decrypted), [`CryptoError::NotForThisDevice`] if no recipient stanza is for this device,
    /// [`CryptoError::MalformedCiphertext`] if the signed ciphertext is not a valid age file.
    pub fn open(
        &self,
        envelope: &SealedEnvelope,
        sender: &DeviceKeys,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        verify_envelope(envelope, sender)?;
        let ciphertext = envelope.ciphertext.as_slice();
        let decryptor = age::Decryptor::new_buffered(ciphertext)
            .map_err(|_| CryptoError::MalformedCiphertext)?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&self.enc as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => CryptoError::NotForThisDevice,
                _ => CryptoError::MalformedCiphertext,
            })?;
        // Plaintext is never longer than the ciphertext: reserving that much up front means the
        // buffer is never reallocated, so no unwiped copy is left behind.
        let mut plaintext = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
        reader
            .read_to_end(&mut plaintext)
            .map_err(|_| CryptoError::MalformedCiphertext)?;
        Ok(plaintext)
    }
}

#[cfg(test)]
mod tests {
    use samtale_proto::{DeviceId, EnvelopeId, PROTOCOL_VERSION, PayloadKind, ThreadId, UserId};

    use super::*;

    fn header() -> EnvelopeHeader {
        EnvelopeHeader {
            v: PROTOCOL_VERSION,
            id: EnvelopeId::from_parts(1_700_000_000_000, [1; 10]),
            thread: ThreadId::from_parts(1_700_000_000_000, [2; 10]),
            sender: UserId::from_parts(1_700_000_000_000, [3; 10]),
            sender_device: DeviceId::from_parts(1_700_000_000_000, [4; 10]),
            kind: PayloadKind::Message,
            sent_at_ms: 1_700_000_000_123,
        }
    }

    fn recipients(ids: &[&DeviceIdentity]) -> Vec<Recipient> {
        ids.iter()
            .map(|d| Recipient::from_keys(&d.public_keys()).unwrap())
            .collect()
    }

    struct Setup {
        sender: DeviceIdentity,
        members: [DeviceIdentity; 3],
        envelope: SealedEnvelope,
    }

    const TEXT: &[u8] = "Hej, ses vi på torsdag?".as_bytes();

    fn setup() -> Setup {
        let sender = DeviceIdentity::generate();
        let members = [
            DeviceIdentity::generate(),
            DeviceIdentity::generate(),
            DeviceIdentity::generate(),
        ];
        let to = recipients(&[&members[0], &members[1], &members[2]]);
        let envelope = sender.seal(header(), TEXT, &to).unwrap();
        Setup {
            sender,
            members,
            envelope,
        }
    }

    #[test]
    fn sealed_to_three_devices_each_opens_and_a_fourth_cannot() {
        let s = setup();
        let from = s.sender.public_keys();
        for member in &s.members {
            assert_eq!(member.open(&s.envelope, &from).unwrap().as_slice(), TEXT);
        }
        let outsider = DeviceIdentity::generate();
        assert_eq!(
            outsider.open(&s.envelope, &from).unwrap_err(),
            CryptoError::NotForThisDevice
        );
        // The sender did not include itself, so it cannot read it back either.
        assert_eq!(
            s.sender.open(&s.envelope, &from).unwrap_err(),
            CryptoError::NotForThisDevice
        );
        assert!(
            !s.envelope
                .ciphertext
                .as_slice()
                .windows(TEXT.len())
                .any(|w| w == TEXT)
        );
    }

    #[test]
    fn survives_the_wire_as_json() {
        let s = setup();
        let json = serde_json::to_string(&s.envelope).unwrap();
        let back: SealedEnvelope = serde_json::from_str(&json).unwrap();
        verify_envelope(&back, &s.sender.public_keys()).unwrap();
        assert_eq!(
            s.members[2]
                .open(&back, &s.sender.public_keys())
                .unwrap()
                .as_slice(),
            TEXT
        );
    }

    #[test]
    fn sender_can_include_itself() {
        let sender = DeviceIdentity::generate();
        let envelope = sender
            .seal(header(), b"note to self", &[sender.recipient()])
            .unwrap();
        assert_eq!(
            sender
                .open(&envelope, &sender.public_keys())
                .unwrap()
                .as_slice(),
            b"note to self"
        );
    }

    #[test]
    fn tampered_ciphertext_is_a_bad_signature() {
        let s = setup();
        let from = s.sender.public_keys();
        for at in [
            0,
            s.envelope.ciphertext.len() / 2,
            s.envelope.ciphertext.len() - 1,
        ] {
            let mut env = s.envelope.clone();
            env.ciphertext.0[at] ^= 0x01;
            assert_eq!(
                verify_envelope(&env, &from).unwrap_err(),
                CryptoError::BadSignature
            );
            assert_eq!(
                s.members[0].open(&env, &from).unwrap_err(),
                CryptoError::BadSignature
            );
        }
        let mut truncated = s.envelope.clone();
        truncated.ciphertext.0.pop();
        assert_eq!(
            s.members[0].open(&truncated, &from).unwrap_err(),
            CryptoError::BadSignature
        );
    }

    #[test]
    fn tampered_header_is_a_bad_signature() {
        let s = setup();
        let from = s.sender.public_keys();
        let mut edits: Vec<EnvelopeHeader> = Vec::new();
        let mut h = header();
        h.thread = ThreadId::from_parts(1_700_000_000_000, [9; 10]);
        edits.push(h);
        let mut h = header();
        h.sender_device = DeviceId::from_parts(1_700_000_000_000, [9; 10]);
        edits.push(h);
        let mut h = header();
        h.sender = UserId::from_parts(1_700_000_000_000, [9; 10]);
        edits.push(h);
        let mut h = header();
        h.id = EnvelopeId::from_parts(1_700_000_000_001, [1; 10]);
        edits.push(h);
        let mut h = header();
        h.kind = PayloadKind::CheckIn;
        edits.push(h);
        let mut h = header();
        h.sent_at_ms += 1;
        edits.push(h);
        let mut h = header();
        h.v += 1;
        edits.push(h);
        for edited in edits {
            let mut env = s.envelope.clone();
            env.header = edited.clone();
            assert_eq!(
                s.members[1].open(&env, &from).unwrap_err(),
                CryptoError::BadSignature,
                "{edited:?}"
            );
        }
    }

    #[test]
    fn signature_of_another_device_is_rejected() {
        let s = setup();
        let impostor = DeviceIdentity::generate();
        // Checked against the wrong device's keys.
        assert_eq!(
            s.members[0]
                .open(&s.envelope, &impostor.public_keys())
                .unwrap_err(),
            CryptoError::BadSignature
        );
        // Re-signed by another device, checked against the real sender's keys.
        let mut env = s.envelope.clone();
        let digest = ciphertext_digest(env.ciphertext.as_slice());
        env.signature = B64(impostor
            .sign_bytes(&env.header.signing_bytes(&digest))
            .to_vec());
        assert_eq!(
            s.members[0]
                .open(&env, &s.sender.public_keys())
                .unwrap_err(),
            CryptoError::BadSignature
        );
        verify_envelope(&env, &impostor.public_keys()).unwrap();
    }

    #[test]
    fn malformed_signatures_and_keys_do_not_panic() {
        let s = setup();
        let from = s.sender.public_keys();
        for sig in [
            vec![],
            vec![0; 63],
            vec![0; 64],
            vec![0xff; 64],
            vec![0; 65],
        ] {
            let mut env = s.envelope.clone();
            env.signature = B64(sig);
            assert_eq!(
                verify_envelope(&env, &from).unwrap_err(),
                CryptoError::BadSignature
            );
        }
        let bad_key = DeviceKeys {
            enc: from.enc.clone(),
            sign: B64(vec![1; 5]),
        };
        assert!(matches!(
            verify_envelope(&s.envelope, &bad_key),
            Err(CryptoError::InvalidKey(_))
        ));
    }

    #[test]
    fn signed_garbage_is_malformed_not_a_panic() {
        let sender = DeviceIdentity::generate();
        let reader = DeviceIdentity::generate();
        for junk in [
            &b""[..],
            b"age-encryption.org/v1\n",
            b"hello world",
            &[0xff; 300],
        ] {
            let digest = ciphertext_digest(junk);
            let env = SealedEnvelope {
                header: header(),
                ciphertext: B64(junk.to_vec()),
                signature: B64(sender.sign_bytes(&header().signing_bytes(&digest)).to_vec()),
            };
            assert_eq!(
                reader.open(&env, &sender.public_keys()).unwrap_err(),
                CryptoError::MalformedCiphertext
            );
        }
    }

    #[test]
    fn sealing_to_nobody_is_an_error() {
        let sender = DeviceIdentity::generate();
        assert_eq!(
            sender.seal(header(), b"x", &[]).unwrap_err(),
            CryptoError::NoRecipients
        );
    }

    #[test]
    fn generic_signatures_verify_only_for_their_message() {
        let id = DeviceIdentity::generate();
        let sig = id.sign_bytes(b"samtale/test/v1\0hello");
        verify_signature(&id.public_keys(), b"samtale/test/v1\0hello", &sig).unwrap();
        assert_eq!(
            verify_signature(&id.public_keys(), b"samtale/test/v1\0hellO", &sig).unwrap_err(),
            CryptoError::BadSignature
        );
    }
}
