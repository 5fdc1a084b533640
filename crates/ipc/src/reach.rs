//! Reaching a citizen outside the app (issue 9), as the UI sees it: his number and address
//! with their codes, his consents per unit, purpose and channel, and for staff the "kan ikke
//! nås digitalt" list. The views are the wire's (`samtale_proto::notices`); these are the
//! commands and their arguments.

pub mod commands {
    use samtale_proto::UnitId;
    use samtale_proto::notices::{Channel, Purpose};
    use serde::{Deserialize, Serialize};

    pub const CONTACTS: &str = "contacts";
    pub const SET_CONTACT: &str = "set_contact";
    pub const REMOVE_CONTACT: &str = "remove_contact";
    pub const SEND_CONTACT_CODE: &str = "send_contact_code";
    pub const VERIFY_CONTACT: &str = "verify_contact";
    pub const CONSENT_UNITS: &str = "consent_units";
    pub const CONSENTS: &str = "consents";
    pub const SET_CONSENT: &str = "set_consent";
    pub const UNREACHABLE: &str = "unreachable";
    /// A parent: the consents of a youth under 15 (`CitizenArgs`).
    pub const YOUTH_CONSENTS: &str = "youth_consents";
    /// Whether to ask a youth who turned 15 for his own consent (answers a bool).
    pub const CONSENT_PROMPT: &str = "consent_prompt";
    /// Saves the letter for a citizen on the list in Downloads (answers the path).
    pub const SAVE_LETTER: &str = "save_letter";
    /// Saves the list as CSV in Downloads (answers the path).
    pub const SAVE_UNREACHABLE_CSV: &str = "save_unreachable_csv";
    /// The municipality's units with their letterheads (staff).
    pub const UNITS: &str = "units";
    /// Adds a unit (an administrator): `NewUnit`, answers the `UnitInfo`.
    pub const ADD_UNIT: &str = "add_unit";
    /// Renames a unit and sets its letterhead (an administrator): `EditUnitArgs`.
    pub const EDIT_UNIT: &str = "edit_unit";

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct CitizenArgs {
        pub citizen: samtale_proto::UserId,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct EditUnitArgs {
        pub id: UnitId,
        pub unit: samtale_proto::api::EditUnit,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SetContactArgs {
        pub channel: Channel,
        pub value: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ChannelArgs {
        pub channel: Channel,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct VerifyArgs {
        pub channel: Channel,
        pub code: String,
    }

    /// Gives (`on`) or withdraws a consent with one tap.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct ConsentArgs {
        pub unit: UnitId,
        pub purpose: Purpose,
        pub channel: Channel,
        pub on: bool,
        /// A parent, for a youth under 15 in one of his conversations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub for_youth: Option<samtale_proto::UserId>,
    }
}
