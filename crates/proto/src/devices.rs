//! Device trust on the wire: how a person's devices vouch for each other, how a new device is
//! linked to an account, and how devices are listed and removed.
//!
//! Every account has a *chain* of devices. Its first device is proven by the invitation (a
//! citizen) or the staff login; every further device carries a [`DeviceLink`]: a signature by
//! one of the same person's devices over the new device's id and keys. Clients seal to, and
//! accept messages from, only devices whose link leads back to the chain's first device. An
//! administrator's reset starts a new chain (`chain` + 1) whose first device everyone is told
//! about.
//!
//! Linking, from the new device's side: it makes its keys and a one-time secret, registers a
//! [`CreateLinkRequest`] (with MACs over its keys keyed by the secret) and shows a code
//! (`server part ‖ secret`, the same shape as an invitation code) or a QR payload. The person
//! types or scans it on a device they already have, which checks the MAC (so the server cannot
//! swap the keys), shows the new device's safety code to compare, and signs the link
//! ([`AcceptLink`]). The new device then claims its session with a signature of its own
//! ([`LinkClaimRequest`]) and checks the vouching device's MAC in [`LinkStatus::Linked`].

use serde::{Deserialize, Serialize};

use crate::api::{DeviceInfo, DeviceKeys, DeviceRegistration, SessionInfo, TenantInfo};
use crate::bytes::B64;
use crate::ids::{DeviceId, LinkId, UserId};
use crate::invite::ProofKind;

/// Scheme and path that start a link QR payload (the new device's screen).
pub const LINK_QR_PREFIX: &str = "samtale:link?";

/// How long a link request waits for the person's other device, in minutes.
pub const LINK_TTL_MINUTES: i64 = 15;

/// One device's signed vouching for another device of the same person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLink {
    /// The device that vouched; it belongs to the same person and chain.
    pub signer: DeviceId,
    pub at_ms: i64,
    /// ed25519 by `signer` over [`device_link_bytes`].
    pub signature: B64,
}

/// The bytes a device signs to vouch for another: a domain tag, then the person, the chain, the
/// new device's id and keys, the signer and the time, each length-safe, so a link means nothing
/// for any other device, person or chain.
pub fn device_link_bytes(
    user: &UserId,
    chain: u32,
    device: &DeviceId,
    keys: &DeviceKeys,
    signer: &DeviceId,
    at_ms: i64,
) -> Vec<u8> {
    let mut out = b"samtale/device-link/v1\0".to_vec();
    for part in [user.as_str(), device.as_str(), keys.enc.as_str()] {
        out.extend_from_slice(part.as_bytes());
        out.push(0);
    }
    out.extend_from_slice(&chain.to_be_bytes());
    out.extend_from_slice(&(keys.sign.0.len() as u32).to_be_bytes());
    out.extend_from_slice(&keys.sign.0);
    out.extend_from_slice(signer.as_str().as_bytes());
    out.push(0);
    out.extend_from_slice(&at_ms.to_be_bytes());
    out
}

/// A device's proof that it holds its key, for a password login on a device registered before:
/// ed25519 over [`crate::api::device_login_bytes`], at most two minutes from the server's
/// clock and later than the device's previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceProof {
    pub at_ms: i64,
    pub signature: B64,
}

/// `POST /v1/links`, without a session: a new device asks to be linked to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateLinkRequest {
    /// Chosen by the new device: it salts the proofs before the server has seen the request.
    pub id: LinkId,
    /// The id the device will have once linked (chosen here so the link can sign it).
    pub device_id: DeviceId,
    pub device: DeviceRegistration,
    /// MACs over `device.keys` with the code secret and the QR secret.
    pub proof_code: B64,
    pub proof_qr: B64,
}

/// Answer to [`CreateLinkRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequestInfo {
    pub id: LinkId,
    /// The 8 characters the server knows; the new device adds its secret to make the code.
    pub server_part: String,
    pub expires_at_ms: i64,
}

/// `POST /v1/links/preview`, by a signed-in device: what a link code leads to. A wrong code
/// counts against the request's attempt limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkPreviewRequest {
    /// The server part of the code (8 characters).
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPreview {
    pub id: LinkId,
    pub device_id: DeviceId,
    pub name: String,
    pub keys: DeviceKeys,
    pub proof_code: B64,
    pub proof_qr: B64,
    pub expires_at_ms: i64,
}

/// `POST /v1/links/accept`, by a signed-in device of the person: vouches for the new device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptLink {
    /// The server part of the code again, so a request is accepted only by whoever holds it.
    pub code: String,
    /// Which secret the vouching device holds (typed code or QR).
    pub proof_kind: ProofKind,
    /// MAC over the vouching device's keys with that secret: lets the new device check whom
    /// it was linked by.
    pub signer_proof: B64,
    /// Signed by the caller's own device over the new device.
    pub link: DeviceLink,
}

/// `POST /v1/links/{id}/claim`, without a session, by the new device: ed25519 with its own key
/// over [`crate::api::device_login_bytes`] of its device id and `at_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkClaimRequest {
    pub at_ms: i64,
    pub signature: B64,
}

/// Answer to [`LinkClaimRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
// One value per claim, read once: the size of `Linked` costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
pub enum LinkStatus {
    /// Not accepted yet: ask again (the request lives until `expires_at_ms`).
    Pending { expires_at_ms: i64 },
    /// Accepted: the session of the new device, and who vouched for it.
    Linked {
        session: SessionInfo,
        tenant: TenantInfo,
        /// The new device as stored, with its link.
        device: DeviceInfo,
        /// The device that vouched.
        signer: DeviceInfo,
        proof_kind: ProofKind,
        signer_proof: B64,
        /// The user's inbox position when the device was linked: a new device starts there
        /// (it cannot read what was sealed before it existed).
        inbox_head: u64,
    },
}

/// One of the caller's own devices, as `GET /v1/devices` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnDevice {
    pub device: DeviceInfo,
    /// Last time the device logged in, refreshed its session or fetched its inbox.
    pub last_seen_ms: i64,
    /// Not seen for longer than the server's stale limit (90 days by default): it no longer
    /// holds back the deletion of old messages.
    pub stale: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub devices: Vec<OwnDevice>,
}

/// The QR payload a new device shows for linking.
pub fn link_qr_payload(server_part: &str, secret: &[u8]) -> String {
    format!(
        "{LINK_QR_PREFIX}code={server_part}&k={}",
        B64(secret.to_vec()).encode()
    )
}

/// `POST /v1/admin/users/{id}/password`, by an admin: a staff member's new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminPassword {
    pub password: String,
}

/// `POST /v1/admin/users/{id}/reset`, by an admin: removes every device of the person and
/// starts a new key chain. Staff may be given a new password at the same time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminReset {
    #[serde(default)]
    pub password: Option<String>,
}

/// Answer to [`AdminReset`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminResetDone {
    /// The account's new chain number.
    pub chain: u32,
}
