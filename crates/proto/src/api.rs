//! HTTP request and response bodies of the `/v1` API.
//!
//! Requests are `deny_unknown_fields`: a misspelt field is a clear 400, never a silent default.

use serde::{Deserialize, Serialize};

use crate::bytes::B64;
use crate::ids::{DeviceId, InvitationId, TenantId, ThreadId, UnitId, UserId};
use crate::invite::ProofKind;

/// What a person is in a municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Caseworker,
    Youth,
    Parent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Caseworker => "caseworker",
            Role::Youth => "youth",
            Role::Parent => "parent",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "caseworker" => Role::Caseworker,
            "youth" => Role::Youth,
            "parent" => Role::Parent,
            _ => return None,
        })
    }

    /// Staff log in with a password; citizens join by invitation.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Caseworker)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInfo {
    pub id: TenantId,
    pub name: String,
    /// Short name used at login, e.g. `aarhus`.
    pub slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: UserId,
    pub tenant: TenantId,
    pub role: Role,
    pub display_name: String,
}

/// A device's public keys. Also part of responses, so it tolerates unknown fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceKeys {
    /// age X25519 recipient, `age1…`.
    pub enc: String,
    /// ed25519 verifying key, 32 bytes.
    pub sign: B64,
}

/// A device as it registers itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRegistration {
    /// The person's own name for it ("Mikkels telefon"); shown to members.
    pub name: String,
    pub keys: DeviceKeys,
}

/// Proof, made by a joining device, that it knew the invitation's client secret. Part of
/// responses, so it tolerates unknown fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinProof {
    pub invitation: InvitationId,
    pub kind: ProofKind,
    /// MAC keyed by the secret over the device's keys; see `samtale_crypto::invite`.
    pub mac: B64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: DeviceId,
    pub user: UserId,
    pub name: String,
    pub keys: DeviceKeys,
    pub created_at_ms: i64,
    /// Present on a citizen's first device: lets the inviter's client check it.
    pub join_proof: Option<JoinProof>,
    /// How another device of the same user vouched for this one; `None` on the first device of
    /// a chain (proven by an invitation or a staff login). See [`crate::devices`].
    #[serde(default)]
    pub link: Option<crate::devices::DeviceLink>,
    /// The account's key chain: 0 from the start, one more after each administrator reset.
    #[serde(default)]
    pub chain: u32,
    /// Set when the device was removed: it receives nothing more and nobody seals to it.
    #[serde(default)]
    pub revoked_at_ms: Option<i64>,
}

/// `POST /v1/login`: a caseworker or admin logs in on a device. Exactly one of `device_id`
/// (a device registered before) and `new_device` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub tenant: String,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub device_id: Option<DeviceId>,
    #[serde(default)]
    pub new_device: Option<DeviceRegistration>,
    /// With `device_id`: the device's signature over [`device_login_bytes`], so a password
    /// alone never opens a session on a device someone else holds the key of.
    #[serde(default)]
    pub device_proof: Option<crate::devices::DeviceProof>,
}

/// `POST /v1/session/device`: a youth's or parent's device gets a new session by signing with
/// its own key, since citizens have no password: a session that expired while the app was
/// unused, or a refresh answer lost on the way, must not lock them out for good. Staff log in
/// with their password instead.
///
/// `signature` is ed25519 by the device's signing key over [`device_login_bytes`]. `at_ms` must
/// be within [`DEVICE_LOGIN_SKEW_MS`] of the server's clock and later than this device's
/// previous device login, so a captured request cannot be used again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceLoginRequest {
    pub device: DeviceId,
    pub at_ms: i64,
    pub signature: B64,
}

/// How far a device login's `at_ms` may be from the server's clock.
pub const DEVICE_LOGIN_SKEW_MS: i64 = 120_000;

/// The bytes a device signs to log in: a domain tag, the device id and the time, so the
/// signature means nothing anywhere else.
pub fn device_login_bytes(device: &DeviceId, at_ms: i64) -> Vec<u8> {
    let mut out = b"samtale/device-login/v1\0".to_vec();
    out.extend_from_slice(device.as_str().as_bytes());
    out.push(0);
    out.extend_from_slice(&at_ms.to_be_bytes());
    out
}

/// A session, as returned by login, join and refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Bearer token: 256 random bits, base64url.
    pub token: String,
    pub expires_at_ms: i64,
    pub user: UserInfo,
    pub device: DeviceId,
}

/// `POST /v1/invitations`, by a caseworker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitation {
    /// Chosen by the inviting client, because it salts the proofs below before the server has
    /// seen the invitation.
    pub id: InvitationId,
    /// `youth` or `parent`.
    pub role: Role,
    /// The name the caseworker knows the person by; the person may change it when joining.
    pub display_name: String,
    /// For a parent: the youth they are the parent of.
    #[serde(default)]
    pub youth: Option<UserId>,
    /// MACs over the inviting device's keys with the code secret and the QR secret, so that the
    /// joining device can check whom it is talking to.
    pub inviter_proof_code: B64,
    pub inviter_proof_qr: B64,
    /// How long the invitation lives; the server caps it.
    #[serde(default)]
    pub ttl_minutes: Option<u32>,
    /// A fresh invitation for a youth or parent whose keys an administrator reset: their
    /// account (and conversations) stay, and the joining device starts the new key chain.
    #[serde(default)]
    pub user: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub id: InvitationId,
    /// The 8 characters the server knows; the client adds its secret to make the full code.
    pub server_part: String,
    pub role: Role,
    pub display_name: String,
    pub youth: Option<UserId>,
    pub inviter: UserId,
    pub inviter_device: DeviceId,
    pub expires_at_ms: i64,
    /// The user created when the invitation was used.
    pub joined_user: Option<UserId>,
}

/// `POST /v1/join/preview`: what an invitation code leads to, before accepting it. A wrong code
/// counts against the invitation's attempt limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinPreviewRequest {
    /// The server part of the code (8 characters).
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinPreview {
    pub invitation: InvitationId,
    pub tenant: TenantInfo,
    pub role: Role,
    pub display_name: String,
    pub inviter: UserInfo,
    pub inviter_device: DeviceInfo,
    /// The inviter's MACs over `inviter_device`'s keys, one per secret kind; the joining device
    /// checks the one for the secret it holds before it trusts `inviter_device`.
    pub inviter_proof_code: B64,
    pub inviter_proof_qr: B64,
    pub expires_at_ms: i64,
}

/// `POST /v1/join`: a youth's or parent's first device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// The server part of the code (8 characters).
    pub code: String,
    pub display_name: String,
    pub device: DeviceRegistration,
    /// MAC over `device.keys` with the secret the device holds.
    pub proof_kind: ProofKind,
    pub proof_mac: B64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeResponse {
    pub tenant: TenantInfo,
    pub user: UserInfo,
    pub device: DeviceInfo,
}

/// `POST /v1/admin/users`, by an admin: a caseworker or another admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateStaff {
    pub role: Role,
    pub username: String,
    pub display_name: String,
    pub password: String,
}

/// Who a thread is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadKind {
    /// Caseworker(s) and one youth.
    Youth,
    /// Caseworker(s) and the parents.
    Parents,
    /// Caseworker(s), the youth and the parents.
    Family,
}

impl ThreadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadKind::Youth => "youth",
            ThreadKind::Parents => "parents",
            ThreadKind::Family => "family",
        }
    }

    pub fn parse(s: &str) -> Option<ThreadKind> {
        Some(match s {
            "youth" => ThreadKind::Youth,
            "parents" => ThreadKind::Parents,
            "family" => ThreadKind::Family,
            _ => return None,
        })
    }
}

/// `POST /v1/threads`, by a caseworker, who is a member of the thread they create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateThread {
    pub kind: ThreadKind,
    /// The other members; the creator is added.
    pub members: Vec<UserId>,
}

/// `PUT /v1/threads/{id}/members`, by a caseworker member: the whole new member list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetMembers {
    pub members: Vec<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub user: UserInfo,
    pub devices: Vec<DeviceInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadInfo {
    pub id: ThreadId,
    pub tenant: TenantId,
    pub kind: ThreadKind,
    pub created_by: UserId,
    pub created_at_ms: i64,
    pub members: Vec<MemberInfo>,
    /// The unit the conversation belongs to (its creator's when it was made), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitInfo>,
}

/// `GET /v1/units`: a unit of the caller's municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInfo {
    pub id: UnitId,
    pub name: String,
    /// How a citizen reaches the unit, for printed letters; empty where not set up (and in a
    /// conversation's unit, which names it only).
    #[serde(default, skip_serializing_if = "Letterhead::is_empty")]
    pub letterhead: Letterhead,
}

/// A unit's letterhead: what a printed letter tells a citizen about how to get in touch. Not
/// personal data; set by the municipality's administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Letterhead {
    /// Postal address, lines separated by line breaks ("Rådhuset\n7100 Vejle").
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// When the phone is answered ("mandag-fredag 9-15").
    #[serde(default)]
    pub hours: String,
}

/// Longest letterhead field, in characters (the address: in all its lines).
pub const MAX_LETTERHEAD_CHARS: usize = 200;

impl Letterhead {
    pub fn is_empty(&self) -> bool {
        self.address.trim().is_empty()
            && self.phone.trim().is_empty()
            && self.email.trim().is_empty()
            && self.hours.trim().is_empty()
    }

    /// The fields trimmed, or what is wrong: each at most 200 characters, one line except the
    /// address (at most 4 lines), an e-mail address with an "@".
    pub fn checked(&self) -> Result<Letterhead, String> {
        let t = |s: &str| s.trim().to_owned();
        let l = Letterhead {
            address: self
                .address
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
            phone: t(&self.phone),
            email: t(&self.email),
            hours: t(&self.hours),
        };
        for (what, v, lines) in [
            ("address", &l.address, 4),
            ("phone", &l.phone, 1),
            ("e-mail", &l.email, 1),
            ("hours", &l.hours, 1),
        ] {
            let bad_char = v.chars().any(|c| c.is_control() && c != '\n');
            if v.chars().count() > MAX_LETTERHEAD_CHARS || bad_char || v.lines().count() > lines {
                return Err(format!(
                    "the letterhead's {what} is too long or has characters that cannot be printed (at most {MAX_LETTERHEAD_CHARS} characters and {lines} line(s))"
                ));
            }
        }
        if !l.email.is_empty() && !l.email.contains('@') {
            return Err("the letterhead's e-mail address has no @".into());
        }
        Ok(l)
    }
}

/// `POST /v1/units` (an administrator): a new unit of her municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    pub name: String,
    #[serde(default)]
    pub letterhead: Letterhead,
}

/// `PUT /v1/units/{id}` (an administrator): its name and letterhead as they are to be.
pub type EditUnit = NewUnit;

/// Longest unit name, in characters.
pub const MAX_UNIT_NAME_CHARS: usize = 80;

/// A unit's name: one line, 1 to 80 characters.
pub fn check_unit_name(name: &str) -> Result<(), String> {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_UNIT_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(format!(
            "a unit's name is one line of 1 to {MAX_UNIT_NAME_CHARS} characters"
        ));
    }
    Ok(())
}

/// Answer to `POST /v1/envelopes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostEnvelopeResponse {
    /// False when the same envelope was stored before (a retry): nothing changed.
    pub stored: bool,
}

/// Longest a scheduled envelope may wait for its release: a year and a day.
pub const MAX_HOLD_MS: i64 = 366 * 86_400_000;

/// `POST /v1/scheduled`: an envelope sealed now that the server holds and releases into the
/// inboxes at `release_at_ms`, even while the sender is offline. The server learns only the
/// release time. `to`, like `?to=` on `/v1/envelopes`, names the members it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    pub envelope: crate::SealedEnvelope,
    pub release_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<UserId>>,
}

/// One of the caller's envelopes the server holds (`GET /v1/scheduled`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldEnvelope {
    pub id: crate::EnvelopeId,
    pub thread: ThreadId,
    pub release_at_ms: i64,
}

/// `POST /v1/receipts`: this device got or read these envelopes of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    pub thread: ThreadId,
    pub kind: crate::event::ReceiptKind,
    pub envelopes: Vec<crate::ids::EnvelopeId>,
    /// ed25519 by the reporting device over [`receipt_bytes`]: members' clients show a mark
    /// only when it verifies, so a server cannot make up "read by".
    pub signature: B64,
}

/// The bytes a device signs for a receipt: a domain tag, the thread, the device, the kind and
/// every envelope id, each terminated, so no two receipts share their bytes.
pub fn receipt_bytes(
    thread: &ThreadId,
    device: &DeviceId,
    kind: crate::event::ReceiptKind,
    envelopes: &[crate::ids::EnvelopeId],
) -> Vec<u8> {
    let mut out = b"samtale/receipt/v1\0".to_vec();
    for part in [thread.as_str(), device.as_str(), kind.as_str()] {
        out.extend_from_slice(part.as_bytes());
        out.push(0);
    }
    out.extend_from_slice(&(envelopes.len() as u64).to_be_bytes());
    for e in envelopes {
        out.extend_from_slice(e.as_str().as_bytes());
        out.push(0);
    }
    out
}

/// `POST /v1/inbox/ack`: this device holds everything up to `seq`; the server may purge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}
