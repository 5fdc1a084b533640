//! Device links: one device of a person vouching for another of theirs by signing its id and
//! keys (see `samtale_proto::devices`). Clients accept a device only through a chain of such
//! links back to the person's first device; this module makes and checks one link.

use samtale_proto::api::DeviceKeys;
use samtale_proto::devices::{DeviceLink, device_link_bytes};
use samtale_proto::{B64, DeviceId, UserId};

use crate::CryptoError;
use crate::identity::DeviceIdentity;
use crate::seal::verify_signature;

/// What a link vouches for: the new device, whose it is and in which chain.
#[derive(Debug, Clone, Copy)]
pub struct LinkSubject<'a> {
    pub user: &'a UserId,
    pub chain: u32,
    pub device: &'a DeviceId,
    pub keys: &'a DeviceKeys,
}

impl DeviceIdentity {
    /// Signs `subject` as this device, `signer`, at `at_ms`.
    pub fn sign_link(&self, signer: &DeviceId, subject: LinkSubject<'_>, at_ms: i64) -> DeviceLink {
        let bytes = device_link_bytes(
            subject.user,
            subject.chain,
            subject.device,
            subject.keys,
            signer,
            at_ms,
        );
        DeviceLink {
            signer: signer.clone(),
            at_ms,
            signature: B64(self.sign_bytes(&bytes).to_vec()),
        }
    }
}

/// Checks that `link` is the signature of the device with `signer_keys` over `subject`.
pub fn verify_link(
    signer_keys: &DeviceKeys,
    subject: LinkSubject<'_>,
    link: &DeviceLink,
) -> Result<(), CryptoError> {
    let bytes = device_link_bytes(
        subject.user,
        subject.chain,
        subject.device,
        subject.keys,
        &link.signer,
        link.at_ms,
    );
    verify_signature(signer_keys, &bytes, link.signature.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<T>(f: fn(u64, [u8; 10]) -> T, n: u8) -> T {
        f(1_700_000_000_000, [n; 10])
    }

    #[test]
    fn a_link_holds_only_for_what_it_signed() {
        let old = DeviceIdentity::generate();
        let new = DeviceIdentity::generate().public_keys();
        let (user, other_user) = (id(UserId::from_parts, 1), id(UserId::from_parts, 2));
        let (signer, device) = (id(DeviceId::from_parts, 1), id(DeviceId::from_parts, 2));
        let subject = LinkSubject {
            user: &user,
            chain: 0,
            device: &device,
            keys: &new,
        };
        let link = old.sign_link(&signer, subject, 5);
        assert_eq!(verify_link(&old.public_keys(), subject, &link), Ok(()));

        let bad = |s: LinkSubject<'_>, l: &DeviceLink| {
            verify_link(&old.public_keys(), s, l) == Err(CryptoError::BadSignature)
        };
        assert!(bad(
            LinkSubject {
                user: &other_user,
                ..subject
            },
            &link
        ));
        assert!(bad(
            LinkSubject {
                chain: 1,
                ..subject
            },
            &link
        ));
        let other_device = id(DeviceId::from_parts, 3);
        assert!(bad(
            LinkSubject {
                device: &other_device,
                ..subject
            },
            &link
        ));
        let swapped = DeviceIdentity::generate().public_keys();
        assert!(bad(
            LinkSubject {
                keys: &swapped,
                ..subject
            },
            &link
        ));
        assert!(bad(
            subject,
            &DeviceLink {
                at_ms: 6,
                ..link.clone()
            }
        ));
        assert!(bad(
            subject,
            &DeviceLink {
                signer: other_device.clone(),
                ..link.clone()
            }
        ));
        // Another device's key does not make it valid either.
        let stranger = DeviceIdentity::generate().public_keys();
        assert_eq!(
            verify_link(&stranger, subject, &link),
            Err(CryptoError::BadSignature)
        );
    }
}
