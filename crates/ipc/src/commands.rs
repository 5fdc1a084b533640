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
pub const SYNC: &str = "sync";
pub const SETTINGS: &str = "settings";
pub const SET_SETTINGS: &str = "set_settings";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinArgs {
    /// Server address; a QR payload carries its own.
    pub server: Option<String>,
    pub code: String,
    pub display_name: String,
    pub device_name: String,
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
