//! Records into the municipality's case file ("Journalisér"), as the UI and the CLI see them:
//! what the caseworker fills in, what the record covers, where it stands on its way to the
//! case system, the mark every member sees on what was recorded, and how this device reaches
//! the case system (a connector, set by the municipality's IT on the caseworker's device).

pub use samtale_proto::records::CheckInSpan;
use samtale_proto::{CareId, EnvelopeId, ThreadId};
use serde::{Deserialize, Serialize};

/// What the caseworker fills in (§ 15 of Offentlighedsloven: the date and a short description
/// of the topic) and which messages go in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    pub thread: ThreadId,
    /// Oldest first or in any order; the record lists them in the conversation's order.
    pub messages: Vec<EnvelopeId>,
    pub case_number: String,
    pub title: String,
    /// The document's date as `YYYY-MM-DD` (default: the newest message's day).
    #[serde(default)]
    pub document_date: Option<String>,
    /// A KLE number such as `27.12.08`.
    #[serde(default)]
    pub kle: Option<String>,
    /// A period of the youth's smiley check-ins to record (with the messages, or alone).
    #[serde(default)]
    pub checkins: Option<CheckInSpan>,
}

/// One participant of the recorded conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub name: String,
    /// "sagsbehandler", "ung", "forælder", "administrator".
    pub role: String,
}

/// One recorded message, as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedMessage {
    pub id: EnvelopeId,
    pub sender: String,
    pub role: String,
    pub sent_at_ms: i64,
    pub text: String,
    pub files: Vec<RecordedFile>,
}

/// A file of a recorded message: listed with the hash of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedFile {
    pub name: String,
    pub mime: String,
    pub size: u64,
    /// SHA-256 of the file's plaintext when this device has it, else of its ciphertext (as the
    /// sender's sealed message names it); `hash_of` says which.
    pub sha256: String,
    pub hash_of: String,
}

/// Exactly what a record will hold, shown before she confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPreview {
    pub thread: ThreadId,
    pub case_number: String,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub document_date: String,
    pub kle: Option<String>,
    pub participants: Vec<Participant>,
    pub messages: Vec<RecordedMessage>,
    /// The youth's check-ins of the chosen period, when one was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkins: Option<RecordedCheckIns>,
    pub recorded_by: Participant,
}

/// A period of a youth's smiley check-ins, as the record shows it: every slot of the plan in
/// the period, answered or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCheckIns {
    pub span: CheckInSpan,
    /// Whose check-ins.
    pub youth: String,
    pub slots: Vec<RecordedCheckIn>,
}

/// One slot: its time, and the answer if one came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCheckIn {
    pub slot_ms: i64,
    /// `None`: not answered.
    pub answered_at_ms: Option<i64>,
    /// 1 (very bad) to 5 (very good).
    pub score: Option<u8>,
    pub late: bool,
    pub tags: Vec<String>,
    pub note: Option<String>,
}

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Made and kept on this device; delivery is being tried.
    Pending,
    /// The case system's connector took it.
    Delivered,
    /// The last try failed; `error` says why. It is kept and tried again.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    pub record: CareId,
    pub thread: ThreadId,
    pub case_number: String,
    pub title: String,
    pub document_date: String,
    pub recorded_at_ms: i64,
    pub messages: usize,
    pub state: RecordState,
    /// Why the last try failed ("Kunne ikke journaliseres: ...").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at_ms: Option<i64>,
    /// The connector that took it, in words ("e-mail til journal@kommune.dk").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_to: Option<String>,
    /// The file name of the PDF (and of its metadata, with .json and .xml).
    pub file_name: String,
}

/// The mark on a recorded message that every member of the conversation sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedMark {
    pub record: CareId,
    pub at_ms: i64,
    pub case_number: String,
    pub title: String,
    pub by: String,
}

/// How this device hands records to the case system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Connector {
    /// E-mail to the case system's intake address, over SMTP with STARTTLS.
    Smtp {
        host: String,
        port: u16,
        from: String,
        to: String,
        #[serde(default)]
        username: Option<String>,
        #[serde(default)]
        password: Option<String>,
        /// A PEM file with the CA that signed the server's certificate, when it is not one
        /// the system trusts.
        #[serde(default)]
        ca_file: Option<String>,
        /// Plain SMTP without TLS: only to a server on this machine (a local relay).
        #[serde(default)]
        insecure_loopback: bool,
    },
    /// Files in a folder that the case system's import reads.
    Folder { path: String },
    /// An HTTPS endpoint that takes the record as JSON (`http://` only to this machine).
    Https {
        url: String,
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        ca_file: Option<String>,
    },
}

impl Connector {
    /// The SMTP password or HTTPS token, if one is set.
    pub fn secret(&self) -> Option<&str> {
        match self {
            Connector::Smtp { password, .. } => password.as_deref(),
            Connector::Https { token, .. } => token.as_deref(),
            Connector::Folder { .. } => None,
        }
    }

    /// The same connector without its secret, for a screen that must not hold it.
    pub fn without_secret(mut self) -> Connector {
        match &mut self {
            Connector::Smtp { password, .. } => *password = None,
            Connector::Https { token, .. } => *token = None,
            Connector::Folder { .. } => {}
        }
        self
    }

    /// Takes `old`'s secret when this one has none and both are of the same kind (settings
    /// leave a stored password untouched when its field is left empty).
    pub fn keeping_secret_of(mut self, old: &Connector) -> Connector {
        match (&mut self, old) {
            (Connector::Smtp { password, .. }, Connector::Smtp { password: o, .. })
                if password.as_deref().is_none_or(str::is_empty) =>
            {
                password.clone_from(o)
            }
            (Connector::Https { token, .. }, Connector::Https { token: o, .. })
                if token.as_deref().is_none_or(str::is_empty) =>
            {
                token.clone_from(o)
            }
            _ => {}
        }
        self
    }

    /// Where records go, in words for the list of records (no password, no token).
    pub fn describe(&self) -> String {
        match self {
            Connector::Smtp { to, .. } => format!("e-mail til {to}"),
            Connector::Folder { path } => format!("mappen {path}"),
            Connector::Https { url, .. } => url.clone(),
        }
    }
}

/// The connector as the settings screen sees it: never its secret, only whether one is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorSettings {
    /// The connector without its password or token; `None` when none is set up.
    pub connector: Option<Connector>,
    pub has_secret: bool,
}

pub mod commands {
    //! Command names and arguments for records.
    use serde::{Deserialize, Serialize};

    use super::{Connector, RecordInput};

    /// `()` → `ConnectorSettings`.
    pub const RECORD_CONNECTOR: &str = "record_connector";
    /// `{ args: SaveConnectorArgs }` → `ConnectorSettings`.
    pub const SAVE_RECORD_CONNECTOR: &str = "save_record_connector";

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SaveConnectorArgs {
        /// `None` removes the connector.
        pub connector: Option<Connector>,
        /// An empty password or token keeps the stored one (of the same kind).
        pub keep_secret: bool,
    }

    /// `{ input }` → `RecordPreview`.
    pub const PREVIEW_RECORD: &str = "preview_record";
    /// `{ input }` → `RecordView`.
    pub const RECORD: &str = "record";
    /// `()` → `Vec<RecordView>`, newest first.
    pub const RECORDS: &str = "records";
    /// `()` → `Vec<RecordView>`: tries every record not delivered yet, now.
    pub const RETRY_RECORDS: &str = "retry_records";

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RecordArgs {
        pub input: RecordInput,
    }
}

#[cfg(test)]
mod tests {
    use super::Connector;

    fn smtp(password: Option<&str>) -> Connector {
        Connector::Smtp {
            host: "smtp.kommune.dk".into(),
            port: 587,
            from: "samtale@kommune.dk".into(),
            to: "journal@kommune.dk".into(),
            username: Some("samtale".into()),
            password: password.map(str::to_owned),
            ca_file: None,
            insecure_loopback: false,
        }
    }

    fn https(token: Option<&str>) -> Connector {
        Connector::Https {
            url: "https://esdh.kommune.dk/intake".into(),
            token: token.map(str::to_owned),
            ca_file: None,
        }
    }

    #[test]
    fn the_secret_never_leaves_and_an_empty_field_keeps_it() {
        assert_eq!(smtp(Some("hemmelig")).without_secret(), smtp(None));
        assert_eq!(https(Some("t0ken")).without_secret(), https(None));
        let old = smtp(Some("hemmelig"));
        assert_eq!(smtp(None).keeping_secret_of(&old), old);
        assert_eq!(smtp(Some("")).keeping_secret_of(&old), old);
        // A new password replaces the old one.
        assert_eq!(smtp(Some("ny")).keeping_secret_of(&old), smtp(Some("ny")));
        // Another kind takes nothing from the old one.
        assert_eq!(https(None).keeping_secret_of(&old), https(None));
        assert_eq!(
            https(None).keeping_secret_of(&https(Some("t0ken"))),
            https(Some("t0ken"))
        );
        assert_eq!(
            Connector::Folder { path: "/x".into() }.secret(),
            None,
            "a folder has no secret"
        );
    }
}
