//! Samtale's end-to-end cryptography.
//!
//! - [`identity`]: a device's secret keys ([`DeviceIdentity`]: age X25519 + ed25519) and other
//!   devices' checked public keys ([`Recipient`]).
//! - [`seal`]: sealing an envelope to member devices with age and signing it; verifying (what the
//!   server does) and opening (what a recipient does).
//! - [`safety`]: the digit codes people compare to detect a server that swapped keys.
//! - [`invite`]: invitation proofs keyed by a secret the server never sees (and the same for
//!   device-link codes).
//! - [`file`]: files encrypted as a stream under a key of their own, for attachments.
//! - [`link`]: one device of a person vouching for another of theirs.
//! - [`passcode`]: Argon2id hashes of what people type to be let in (staff passwords, app PIN).
//! - [`random`]: OS randomness for ids, tokens and secrets.
//!
//! See DESIGN.md, "Security model". Nothing here does I/O beyond reading the OS random
//! generator; storing secrets is the embedder's job ([`DeviceIdentity::to_secret_bytes`]).

pub mod at_rest;
pub mod file;
pub mod identity;
pub mod invite;
pub mod link;
pub mod passcode;
pub mod random;
pub mod safety;
pub mod seal;

mod error;

pub use error::CryptoError;
pub use identity::{DeviceIdentity, Recipient};
pub use seal::{ciphertext_digest, verify_envelope, verify_signature};
