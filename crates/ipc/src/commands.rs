//! The shell's commands: their names and argument shapes, one place for both sides. Tauri
//! matches arguments by field name (camelCase on the wire by default), so each command has one
//! argument struct here that the UI serialises and the shell's command takes apart.

use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::{EnvelopeId, ThreadId, UserId};
use serde::{Deserialize, Serialize};

pub const ACCOUNT: &str = "account";
pub const JOIN: &str = "join";
pub const LOGIN: &str = "login";
pub const THREADS: &str = "threads";
pub const MESSAGES: &str = "messages";
pub const SEND: &str = "send";
pub const MARK_READ: &str = "mark_read";
pub const RETRY: &str = "retry";
pub const INVITE: &str = "invite";
pub const INVITATIONS: &str = "invitations";
pub const CREATE_THREAD: &str = "create_thread";
pub const SEARCH: &str = "search";
pub const PEOPLE: &str = "people";
pub const CASELOAD: &str = "caseload";
pub const SYNC: &str = "sync";
pub const SETTINGS: &str = "settings";
pub const SET_SETTINGS: &str = "set_settings";
pub const LOCK_STATE: &str = "lock_state";
pub const LOCK: &str = "lock";
pub const UNLOCK: &str = "unlock";
pub const SET_PIN: &str = "set_pin";
/// Device trust: linking a new device from one the person has, their own devices, alerts.
pub const START_LINK: &str = "start_link";
pub const WAITING_LINK: &str = "waiting_link";
pub const POLL_LINK: &str = "poll_link";
pub const PREVIEW_LINK: &str = "preview_link";
pub const ACCEPT_LINK: &str = "accept_link";
pub const OWN_DEVICES: &str = "own_devices";
pub const REMOVE_DEVICE: &str = "remove_device";
pub const ALERTS: &str = "alerts";
pub const MARK_ALERTS_SEEN: &str = "mark_alerts_seen";
pub const CONFIRM_CODES: &str = "confirm_codes";
/// The UI shows its first interactive screen (logged with the time since start).
pub const READY: &str = "ready";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinArgs {
    /// Server address; a QR payload carries its own.
    pub server: Option<String>,
    pub code: String,
    pub display_name: String,
    pub device_name: String,
    /// The app-lock PIN chosen while joining; none leaves the app unlocked.
    #[serde(default)]
    pub pin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginArgs {
    pub server: String,
    pub tenant: String,
    pub username: String,
    pub password: String,
    pub device_name: String,
}

/// A new device asks to be linked to the person's account on `server`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartLinkArgs {
    pub server: String,
    pub device_name: String,
}

/// A link code the new device shows, typed (or scanned) on a device the person has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkCodeArgs {
    pub code: String,
}

/// A person, by user id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonArgs {
    pub user: UserId,
}

/// One of the person's own devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceArgs {
    pub device: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadArgs {
    pub thread: ThreadId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagesArgs {
    pub thread: ThreadId,
    pub limit: u32,
    /// Only messages older than this one: the page above what is shown.
    #[serde(default)]
    pub before: Option<EnvelopeId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendArgs {
    pub thread: ThreadId,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryArgs {
    pub message: EnvelopeId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteArgs {
    pub role: Role,
    pub display_name: String,
    pub youth: Option<UserId>,
    /// Invite again a person whose keys an administrator reset (they keep their account).
    #[serde(default)]
    pub again: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateThreadArgs {
    pub kind: ThreadKind,
    pub members: Vec<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchArgs {
    pub query: String,
}

/// The UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Da,
    En,
}

/// Device settings the person chooses.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub language: Language,
    /// Show sender and text in notifications. Off by default: notifications say only
    /// "Ny besked fra Samtale".
    pub notification_previews: bool,
    /// The server address to offer on the welcome screen (the municipality's, set by the
    /// installation); not stored.
    #[serde(default)]
    pub server: Option<String>,
}

impl Settings {
    /// Fills in the installation's server address where none is set.
    pub fn or_server(mut self, server: Option<String>) -> Self {
        if self.server.is_none() {
            self.server = server;
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetSettingsArgs {
    pub settings: Settings,
}

/// Whether `pin` has the shape of an app-lock PIN: 4 to 12 ASCII digits. The engine enforces
/// it; the UI checks it too, to say so before anything is sent.
pub fn pin_is_valid(pin: &str) -> bool {
    (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Where the UI's start-up time went, in milliseconds since the page began to load (the
/// webview's `performance.now()`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyArgs {
    /// When the wasm's `main` began (the page, script and wasm loaded and compiled).
    pub wasm_start_ms: f64,
    /// When the first screen was painted.
    pub painted_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnlockArgs {
    pub pin: String,
}

/// Choose, change or remove the app-lock PIN. `current` is needed whenever a PIN is set;
/// `new: None` removes the PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetPinArgs {
    pub current: Option<String>,
    pub new: Option<String>,
}
