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

/// `POST /v1/me/consents`: the citizen's own tap, or a parent's for a youth under 15 he shares
/// a conversation with (`for_youth`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GiveConsent {
    pub unit: crate::ids::UnitId,
    pub purpose: Purpose,
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_youth: Option<UserId>,
}

/// `POST /v1/users/{id}/consents`: a caseworker records a consent given to her, with a note of
/// how ("mundtligt ved møde 12.11"); `given_by` names the parent when a parent gave it for a
/// youth under 15 (else the citizen gave it himself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordConsent {
    pub unit: crate::ids::UnitId,
    pub purpose: Purpose,
    pub channel: Channel,
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_by: Option<UserId>,
}

/// `POST /v1/me/consents/withdraw` (and `/v1/users/{id}/consents/withdraw` for staff): ends
/// the live consent for this unit, purpose and channel; its record stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawConsent {
    pub unit: crate::ids::UnitId,
    pub purpose: Purpose,
    pub channel: Channel,
    /// A parent withdrawing one for a youth under 15 in one of his conversations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_youth: Option<UserId>,
}

/// `GET /v1/me/consents?for_youth=ID`: a parent reads the consents of a youth under 15 in one
/// of his conversations (to give and withdraw them for him).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentsQuery {
    #[serde(default)]
    pub for_youth: Option<UserId>,
}

/// A consent in the citizen's history, with its unit's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub id: String,
    pub unit_name: String,
    #[serde(flatten)]
    pub consent: Consent,
}

/// `POST /v1/me/contacts/{channel}/code` answers when the code was sent and until when it
/// holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSent {
    pub channel: Channel,
    pub expires_at_ms: i64,
}

/// `POST /v1/me/contacts/{channel}/verify`: the code the citizen got, typed back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyContact {
    pub code: String,
}

/// What a queued notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A verification code the citizen asked for (the one notice with something in it: the
    /// code).
    Code,
    /// "Du har en ny besked …": content-free.
    NewMessage,
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Waiting for its time (first try, or the next after a failure).
    Queued,
    /// Handed to a sender now.
    Sending,
    /// The gateway or mail server took it.
    Sent,
    /// The operator reported it delivered.
    Delivered,
    /// Refused for good (the number or address was flagged), or out of tries.
    Failed,
    /// The server stopped while handing it over: it may or may not have gone out, and is
    /// never sent again (a notice goes at most once).
    Uncertain,
}

/// One notice, as evidence of what was tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    pub id: String,
    pub citizen: UserId,
    pub channel: Channel,
    pub kind: NoticeKind,
    pub state: NoticeState,
    /// Why it went this way, in Danish ("sms: samtykke fra 03.11, nummeret bekræftet 04.11",
    /// "gatewayen svarede 503; nyt forsøg 14.05").
    pub reason: String,
    pub attempts: u32,
    pub created_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_ms: Option<i64>,
}

/// `GET /v1/unreachable`: a citizen with unread messages from a unit who cannot be reached
/// outside the app, and why, in words ("nummeret blev afvist 03.11", "intet samtykke til sms
/// fra Ungeindsatsen", "app ikke åbnet i 23 dage").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreachableView {
    pub citizen: UserId,
    pub display_name: String,
    pub role: crate::api::Role,
    pub thread: crate::ids::ThreadId,
    pub unit: crate::ids::UnitId,
    pub unit_name: String,
    /// Since when his oldest message from the unit is unread.
    pub unread_since_ms: i64,
    /// When this was last decided.
    pub decided_at_ms: i64,
    pub reasons: Vec<String>,
}

/// `GET /v1/me/consents/prompt`: whether the app asks the youth for his own consent. True when
/// he has turned 15, a parent gave consent for him (which lapsed on his birthday), and he has
/// given none of his own since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentPrompt {
    pub ask: bool,
}

/// `PUT /v1/users/{id}/born` (staff): a youth's birth date, "2011-11-20" or "20.11.2011"; null
/// forgets it. A parent's consent for him lapses on his 15th birthday, and his own counts from
/// then. The answer gives it back as "2011-11-20".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetBorn {
    pub born: Option<String>,
}
