//! Reaching a citizen outside the app (issue 9): the channels a content-free notice can take,
//! the purposes a citizen consents to, a consent with its evidence, and the state of a phone
//! number or e-mail address. The server decides by these (`samtale_server::notices::rules`);
//! the app shows and changes them. A notice never carries a message's text, a name or a topic.

use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// Where a notice goes besides the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    /// In Danish, for reasons and screens: "sms", "e-mail".
    pub fn da(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "e-mail",
        }
    }
}

/// What a citizen agrees to be told about, per unit and channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// "besked om nye beskeder": a new message waits in the app.
    NewMessages,
    /// "påmindelser om møder".
    MeetingReminders,
}

impl Purpose {
    pub fn da(self) -> &'static str {
        match self {
            Purpose::NewMessages => "besked om nye beskeder",
            Purpose::MeetingReminders => "påmindelser om møder",
        }
    }
}

/// How a consent was given: by the citizen's own tap in the app, or recorded by a caseworker
/// with a note of how ("mundtligt ved møde 12.11").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsentHow {
    InApp,
    Recorded { note: String },
}

/// One consent, never overwritten: a withdrawal sets `withdrawn_at_ms`, a new consent is a new
/// record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// The citizen it is for.
    pub citizen: UserId,
    /// The unit (e.g. "Ungeindsatsen") that may send: consent to one unit is not consent to
    /// another.
    pub unit: String,
    pub purpose: Purpose,
    pub channel: Channel,
    pub given_at_ms: i64,
    /// Who gave it: the citizen, or a parent for a child under 15.
    pub given_by: UserId,
    /// Given by a parent for the youth (it lapses on the youth's 15th birthday).
    pub by_parent: bool,
    pub how: ConsentHow,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at_ms: Option<i64>,
}

/// Where a phone number or e-mail address stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    /// A code sent to it was typed back in the app (`verified_at_ms`).
    Verified,
    Unverified,
    /// The operator or mail server refused it (`failed_at_ms`).
    Bounced,
}

/// `PUT /v1/me/contacts`: a citizen's mobile number or e-mail address, as he typed it (a
/// Danish mobile number with or without +45, or an e-mail address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetContact {
    pub channel: Channel,
    pub value: String,
}

/// A number or address in the register, as its citizen (or staff, with a reason) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub channel: Channel,
    /// `+4523456789`, or the e-mail address.
    pub value: String,
    pub state: ContactState,
    /// "app" (the citizen) or "caseworker".
    pub source: String,
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at_ms: Option<i64>,
}
