//! Records the store keeps. They mirror the wire types but hold what only the server needs
//! (password hashes live beside users, token hashes instead of tokens, invitation check hashes).

use samtale_proto::api::{DeviceInfo, DeviceKeys, JoinProof, Role, ThreadKind, UserInfo};
use samtale_proto::devices::DeviceLink;
use samtale_proto::invite::ProofKind;
use samtale_proto::{B64, DeviceId, InvitationId, LinkId, TenantId, ThreadId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub tenant: TenantId,
    pub role: Role,
    pub display_name: String,
    /// Staff only.
    pub username: Option<String>,
    /// The account's key chain: 0 from the start, one more after each administrator reset.
    pub chain: u32,
    /// Disabled by an administrator: no login, no session.
    pub disabled: bool,
}

impl User {
    pub fn info(&self) -> UserInfo {
        UserInfo {
            id: self.id.clone(),
            tenant: self.tenant.clone(),
            role: self.role,
            display_name: self.display_name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: DeviceId,
    pub user: UserId,
    pub name: String,
    /// age recipient, `age1…`.
    pub enc_key: String,
    /// ed25519 verifying key.
    pub sign_key: Vec<u8>,
    pub created_at_ms: i64,
    pub join_proof: Option<JoinProof>,
    /// How another device of the same user vouched for this one; `None` on a chain's first.
    pub link: Option<DeviceLink>,
    pub chain: u32,
    pub revoked_at_ms: Option<i64>,
    /// Last login, session refresh or inbox acknowledgement.
    pub last_seen_ms: i64,
}

impl Device {
    pub fn keys(&self) -> DeviceKeys {
        DeviceKeys {
            enc: self.enc_key.clone(),
            sign: B64(self.sign_key.clone()),
        }
    }

    pub fn info(&self) -> DeviceInfo {
        DeviceInfo {
            id: self.id.clone(),
            user: self.user.clone(),
            name: self.name.clone(),
            keys: self.keys(),
            created_at_ms: self.created_at_ms,
            join_proof: self.join_proof.clone(),
            link: self.link.clone(),
            chain: self.chain,
            revoked_at_ms: self.revoked_at_ms,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the bearer token; the token itself is never stored.
    pub token_hash: [u8; 32],
    pub user: UserId,
    pub device: DeviceId,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub tenant: TenantId,
    pub inviter: UserId,
    pub inviter_device: DeviceId,
    pub role: Role,
    pub display_name: String,
    pub youth: Option<UserId>,
    /// First 4 characters of the server part: finds the invitation.
    pub lookup: String,
    /// SHA-256 of the whole 8-character server part.
    pub check_hash: [u8; 32],
    pub proof_code: Vec<u8>,
    pub proof_qr: Vec<u8>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub failed_attempts: u32,
    pub used_by: Option<UserId>,
    /// For a person whose keys were reset: the account the joining device is added to.
    pub for_user: Option<UserId>,
}

/// A new device's request to be linked to an account (see `samtale_proto::devices`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRequest {
    pub id: LinkId,
    /// The id the device gets once linked, chosen by the device.
    pub device_id: DeviceId,
    pub name: String,
    pub enc_key: String,
    pub sign_key: Vec<u8>,
    /// First 4 characters of the server part: finds the request.
    pub lookup: String,
    /// SHA-256 of the whole 8-character server part.
    pub check_hash: [u8; 32],
    pub proof_code: Vec<u8>,
    pub proof_qr: Vec<u8>,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
    pub failed_attempts: u32,
    pub accepted: Option<AcceptedLink>,
    /// The new device has fetched its session.
    pub claimed: bool,
}

impl LinkRequest {
    pub fn keys(&self) -> DeviceKeys {
        DeviceKeys {
            enc: self.enc_key.clone(),
            sign: B64(self.sign_key.clone()),
        }
    }
}

/// Who accepted a link request, and what the new device needs to check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedLink {
    pub user: UserId,
    pub signer: DeviceId,
    pub proof_kind: ProofKind,
    pub signer_proof: Vec<u8>,
    /// The user's inbox position before the new device's own event (set by the store).
    pub inbox_head: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub id: ThreadId,
    pub tenant: TenantId,
    pub kind: ThreadKind,
    pub created_by: UserId,
    pub created_at_ms: i64,
    /// The unit it belongs to (its creator's when it was made).
    pub unit: Option<samtale_proto::UnitId>,
}

/// A citizen's mobile number or e-mail address in the contact register, sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    pub citizen: UserId,
    pub tenant: TenantId,
    pub channel: samtale_proto::notices::Channel,
    /// The value sealed under the server's contact key (`samtale_crypto::at_rest`).
    pub sealed: Vec<u8>,
    pub state: samtale_proto::notices::ContactState,
    /// "app" (the citizen) or "caseworker".
    pub source: String,
    pub updated_at_ms: i64,
    pub verified_at_ms: Option<i64>,
    pub failed_at_ms: Option<i64>,
}

/// A unit of a municipality ("Ungeindsatsen").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: samtale_proto::UnitId,
    pub tenant: TenantId,
    pub name: String,
    pub created_at_ms: i64,
    /// What printed letters from the unit say about reaching it.
    pub letterhead: samtale_proto::api::Letterhead,
}

/// One line of the append-only audit log: who did what to which record, never content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub tenant: TenantId,
    pub at_ms: i64,
    /// The acting user, if any (bootstrap from the command line has none).
    pub actor: Option<UserId>,
    /// e.g. `invitation.create`, `thread.members`.
    pub action: String,
    /// Id of the record acted on.
    pub subject: String,
}

/// A municipality's own rules for files, set by its administrator (`samtale-server
/// file-policy`). What is `None` follows the server's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilePolicy {
    /// Largest file (plaintext) in bytes.
    pub max_file_bytes: Option<u64>,
    /// Bytes all of the municipality's files may take.
    pub quota_bytes: Option<u64>,
    /// Rules such as `application/pdf` or `image/*` (`samtale_proto::blobs::type_allowed`).
    pub allowed_types: Option<Vec<String>>,
}

/// An encrypted file's upload: where it belongs, who sends it, and how far it got. The bytes
/// are in the blob store ([`crate::blobs::ChunkStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRecord {
    pub id: samtale_proto::BlobId,
    pub tenant: TenantId,
    pub thread: ThreadId,
    pub owner: UserId,
    /// The device uploading it: only it may add chunks or cancel.
    pub device: DeviceId,
    /// Ciphertext bytes.
    pub size: u64,
    pub chunk_size: u32,
    /// Chunks counted so far (always the first ones, in order).
    pub received: u32,
    /// The chunk after the next is stored too: it came while the next one was still being
    /// stored (a client keeps two chunks on their way), and is counted with it. (Kept as that
    /// chunk's number, so that a stale mark never matches.)
    pub ahead: bool,
    pub created_at_ms: i64,
    pub completed_at_ms: Option<i64>,
    /// The envelope that carries it, once sent: the blob lives as long as that envelope.
    pub envelope: Option<samtale_proto::EnvelopeId>,
}

impl BlobRecord {
    pub fn chunks(&self) -> u32 {
        samtale_proto::blobs::chunk_count(self.size, self.chunk_size)
    }

    pub fn complete(&self) -> bool {
        self.completed_at_ms.is_some()
    }

    pub fn status(&self) -> samtale_proto::blobs::BlobStatus {
        samtale_proto::blobs::BlobStatus {
            id: self.id.clone(),
            thread: self.thread.clone(),
            size: self.size,
            chunk_size: self.chunk_size,
            chunks: self.chunks(),
            received: self.received,
            complete: self.complete(),
        }
    }
}

/// Result of recording a new upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobCreate {
    Created,
    /// The same upload (id, device, conversation and size) exists: a retry, to resume.
    Existing(BlobRecord),
}

/// A consent as stored: the proto's [`Consent`](samtale_proto::notices::Consent) (its `unit`
/// is the unit's id) with its own id and municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: String,
    pub tenant: TenantId,
    pub consent: samtale_proto::notices::Consent,
}

/// The one-time code that verifies a number or address: the code sealed under the contact
/// key (bound to its citizen and channel), until when it holds, and
/// how many times it was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCode {
    pub sealed: Vec<u8>,
    pub expires_at_ms: i64,
    pub attempts: u32,
}

/// A notice in the durable queue. `dest` (the number or address) and `body` (the text) are
/// sealed under the contact key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedNotice {
    pub id: String,
    pub tenant: TenantId,
    pub citizen: UserId,
    pub channel: samtale_proto::notices::Channel,
    pub kind: samtale_proto::notices::NoticeKind,
    pub dest: Vec<u8>,
    pub body: Vec<u8>,
    pub state: samtale_proto::notices::NoticeState,
    pub attempts: u32,
    /// When it may next be sent (queued), or was last due.
    pub next_at_ms: i64,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    /// The gateway's id for it, for its delivery reports.
    pub gateway_ref: Option<String>,
    pub reason: String,
}

/// A change to a notice: its new state and reason; the other fields change only when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeUpdate {
    pub state: samtale_proto::notices::NoticeState,
    pub reason: String,
    pub next_at_ms: Option<i64>,
    pub sent_at_ms: Option<i64>,
    pub gateway_ref: Option<String>,
}

/// A citizen's unread messages in one conversation, watched for a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    pub citizen: UserId,
    pub thread: ThreadId,
    pub tenant: TenantId,
    pub unit: samtale_proto::UnitId,
    /// When the oldest unread message came.
    pub unread_since_ms: i64,
    /// When to decide next.
    pub next_look_ms: i64,
    /// Why he cannot be reached, in words (empty: he can, or it is not decided yet).
    pub unreachable: Vec<String>,
    pub decided_at_ms: Option<i64>,
}
