//! View models: what the engine shows its embedders (the app's UI, the CLI): threads, messages
//! with per-member receipts, people with their safety state, invitations, sync reports and the
//! events pushed as things change. The client engine produces them; the shell passes them to
//! the UI unchanged.

use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::{EnvelopeId, ThreadId, UserId};
use serde::{Deserialize, Serialize};

/// The signed-in account of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub server: String,
    pub user: UserId,
    pub role: Role,
    pub display_name: String,
    pub tenant_name: String,
    pub device: String,
    /// This device's own code, to compare with what others see.
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user: UserId,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadView {
    pub id: ThreadId,
    pub kind: ThreadKind,
    pub members: Vec<MemberView>,
    /// Messages from others this person has not read.
    pub unread: u32,
    /// Newest message or notice (ms since the Unix epoch); creation time when empty.
    pub last_activity_ms: i64,
    pub last_message: Option<String>,
}

/// Where an own message is on its way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Sealed and kept in the outbox; not yet accepted by the server.
    Queued,
    /// Accepted by the server.
    Sent,
    /// Refused by the server; can be retried.
    Failed,
    /// From someone else.
    Received,
    /// Sealed and handed to the server (or waiting to be), which releases it at its time.
    Planned,
}

impl MessageState {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Queued => "queued",
            MessageState::Sent => "sent",
            MessageState::Failed => "failed",
            MessageState::Received => "received",
            MessageState::Planned => "planned",
        }
    }

    pub fn parse(s: &str) -> MessageState {
        match s {
            "queued" => MessageState::Queued,
            "sent" => MessageState::Sent,
            "failed" => MessageState::Failed,
            "planned" => MessageState::Planned,
            _ => MessageState::Received,
        }
    }
}

/// One member's state for one own message: a member counts as having it when any of their
/// devices has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberReceipt {
    pub user: UserId,
    pub display_name: String,
    pub delivered: bool,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: EnvelopeId,
    pub thread: ThreadId,
    /// `None` for notices made by this device.
    pub sender: Option<UserId>,
    pub sender_name: String,
    /// `message` or `notice`.
    pub kind: String,
    pub body: String,
    pub sent_at_ms: i64,
    pub state: MessageState,
    pub error: Option<String>,
    pub mine: bool,
    /// For own messages: every other member's delivered/read state.
    pub receipts: Vec<MemberReceipt>,
    /// The appointment or question this row shows (kinds `appointment` and `question`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<crate::cards::CardView>,
    /// The files the message carries, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<crate::files::FileView>,
    /// Set when a caseworker recorded this message into the case file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<crate::records::RecordedMark>,
}

impl MessageView {
    /// Names of the members who have read this (own) message.
    pub fn read_by(&self) -> Vec<&str> {
        self.receipts
            .iter()
            .filter(|r| r.read)
            .map(|r| r.display_name.as_str())
            .collect()
    }

    /// Names of the members whose devices have it but who have not read it yet.
    pub fn delivered_unread(&self) -> Vec<&str> {
        self.receipts
            .iter()
            .filter(|r| r.delivered && !r.read)
            .map(|r| r.display_name.as_str())
            .collect()
    }
}

/// An invitation as its caseworker sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: String,
    pub role: Role,
    pub display_name: String,
    /// To type: `ABCD-EFGH-JKMN-PQRS`.
    pub code: String,
    /// To scan: `samtale:join?...`.
    pub qr_payload: String,
    pub expires_at_ms: i64,
    pub joined_user: Option<UserId>,
}

/// A person this device knows, with how far their devices are trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub user: UserId,
    pub display_name: String,
    pub role: Role,
    pub devices: Vec<DeviceView>,
    /// An administrator reset the person's keys and the codes have not been compared since.
    #[serde(default)]
    pub keys_reset: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    pub id: String,
    pub name: String,
    /// Compare this with what the person's own device shows.
    pub safety_code: String,
    /// Proven through the invitation this device was made with.
    pub verified: bool,
    /// The invitation proof did not check out: treat as an impostor.
    pub failed_check: bool,
    /// How this device holds it: only trusted devices are sealed to.
    pub trust: DeviceTrust,
}

/// One youth a caseworker follows, with their parents and the conversations about them: the
/// desk's "young people and families" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    /// `None` for parents whose youth this device does not know (yet).
    pub youth: Option<MemberView>,
    pub parents: Vec<MemberView>,
    /// The youth's own, the parents' and the family's conversations, most recent first.
    pub threads: Vec<ThreadView>,
    /// Unread messages across them.
    pub unread: u32,
    pub last_activity_ms: i64,
}

/// The app lock as the lock screen and settings need it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockState {
    /// A PIN is chosen on this device.
    pub pin_set: bool,
    /// The app is locked now: only the lock screen may show.
    pub locked: bool,
    /// After too many wrong PINs: seconds until the next try is taken.
    pub wait_seconds: u64,
}

/// What one sync round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub pushed: u32,
    pub pulled: u32,
    pub failed: u32,
    /// Outbox entries still waiting (network trouble).
    pub waiting: u32,
}

/// Pushed to embedders as things change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// Threads, messages or receipts changed in these threads.
    ThreadsChanged { threads: Vec<ThreadId> },
    /// New messages from others arrived (for notifications: they carry no content).
    Incoming { threads: Vec<ThreadId>, count: u32 },
    /// The connection to the server came up or went down.
    Connection { online: bool },
    /// The session is no longer accepted; the person must log in or join again.
    SignedOut,
    /// This account's devices or alerts changed (a device added or removed).
    AccountChanged,
    /// A file moved on: `done` of `total` encrypted bytes up or down.
    Transfer {
        thread: ThreadId,
        blob: samtale_proto::BlobId,
        done: u64,
        total: u64,
    },
}

/// How this device holds one of this account's devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceTrust {
    /// Vouched for through the chain: sealed to.
    Trusted,
    /// Waiting for the device that vouched for it to be known here.
    Pending,
    /// Failed a check; not used.
    Refused,
    /// Removed.
    Revoked,
    /// Replaced by an administrator's reset.
    Retired,
}

/// One of this account's devices, as settings list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnDeviceView {
    pub id: String,
    pub name: String,
    /// When the server registered it (ms since the Unix epoch).
    pub added_at_ms: i64,
    /// The device that vouched for it; `None` for the account's first device.
    pub added_by: Option<String>,
    /// Its name, when known here.
    pub added_by_name: Option<String>,
    pub last_seen_ms: i64,
    /// Not seen for a long time: it no longer holds back the deletion of old messages.
    pub stale: bool,
    pub this_device: bool,
    pub trust: DeviceTrust,
    pub fingerprint: String,
}

/// A notice about the account itself (not about one conversation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: String,
    pub at_ms: i64,
    pub text: String,
    pub seen: bool,
}

/// What a new device shows while it waits to be linked from another device of the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCodeView {
    pub id: String,
    /// To type on the other device: `ABCD-EFGH-JKMN-PQRS`.
    pub code: String,
    /// To scan with the other device.
    pub qr_payload: String,
    /// This device's safety code, to compare with what the other device shows.
    pub fingerprint: String,
    pub expires_at_ms: i64,
}

/// What the person's existing device shows before it vouches for a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPreviewView {
    pub device_name: String,
    /// The new device's safety code: must match what the new device shows.
    pub fingerprint: String,
    pub expires_at_ms: i64,
}
