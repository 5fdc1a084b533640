//! Files in messages, as the UI shows them: what the sealed message said about each file, how
//! far its upload or download got, and the commands around them.

use samtale_proto::{B64, BlobId, EnvelopeId, ThreadId};
use serde::{Deserialize, Serialize};

/// Where a file stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// Own file, going up (the message shows as sending until every file is up).
    Uploading,
    /// Own file, on the server.
    Uploaded,
    /// Someone else's file, not fetched yet (a thumbnail may show already).
    Remote,
    /// Being fetched.
    Downloading,
    /// Fetched, checked against its hash, kept encrypted on this device.
    Local,
    /// Failed; `error` says why. A download can be tried again.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileView {
    pub blob: BlobId,
    pub message: EnvelopeId,
    pub thread: ThreadId,
    pub name: String,
    /// Found from the content by the sender's device.
    pub mime: String,
    /// Bytes of the file itself.
    pub size: u64,
    pub state: FileState,
    /// Encrypted bytes moved so far, of `total`.
    pub done: u64,
    pub total: u64,
    /// A small picture (JPEG or PNG) of an image, made by the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<B64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A file to attach, as the UI hands it over: a path on this device (from the file picker or a
/// drop), or the bytes of a pasted image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachInput {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub bytes: Option<B64>,
    /// The name to show (default: the path's file name).
    #[serde(default)]
    pub name: Option<String>,
    /// A thumbnail the UI drew of an image (JPEG or PNG, at most 6 KiB).
    #[serde(default)]
    pub thumbnail: Option<B64>,
}

pub mod commands {
    //! Command names and arguments for files.
    use serde::{Deserialize, Serialize};

    use super::AttachInput;

    /// `{ thread, text, files }` → `MessageView`.
    pub const SEND_FILES: &str = "send_files";
    /// `{ blob }` → `String`: the path of the opened copy in the downloads folder.
    pub const SAVE_ATTACHMENT: &str = "save_attachment";
    /// `{ blob }` → `FileView`: fetch (and check) without opening.
    pub const FETCH_FILE: &str = "fetch_file";
    /// `{ message }` → `()`: stop sending a message with files that are still going up.
    pub const CANCEL_SENDING: &str = "cancel_sending";

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SendFilesArgs {
        pub thread: samtale_proto::ThreadId,
        pub text: String,
        pub files: Vec<AttachInput>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct BlobArgs {
        pub blob: samtale_proto::BlobId,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct MessageArgs {
        pub message: samtale_proto::EnvelopeId,
    }
}
