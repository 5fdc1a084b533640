//! Files on the command line: send files into a conversation (with optional text), list a
//! conversation's files, fetch one (checked, kept encrypted in the profile), save a plain copy
//! into a folder, and stop a message whose files are still going up.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use samtale_client::Client;
use samtale_client::files::FileInput;
use samtale_proto::{BlobId, EnvelopeId};

use crate::print::Printer;
use crate::thread_id;

#[derive(Subcommand)]
pub enum FileCommand {
    /// Send files (at most 10) in a message, with --text if you like. Photos lose their
    /// metadata (GPS position, camera) first; programs are refused.
    SendFiles {
        thread: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, default_value = "")]
        text: String,
    },
    /// The files in a conversation's messages.
    Files {
        thread: String,
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// Fetch a file (checked against its hash; kept encrypted on this device).
    FetchFile { blob: String },
    /// Write a plain copy of a file into --dir (default: the current folder).
    SaveFile {
        blob: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Stop a message whose files are still going up.
    CancelSending { message: String },
}

fn blob_id(s: &str) -> Result<BlobId> {
    BlobId::parse(s.trim()).with_context(|| format!("{s:?} is not a file id"))
}

pub async fn run(client: &Client, command: FileCommand, out: &Printer) -> Result<()> {
    match command {
        FileCommand::SendFiles {
            thread,
            files,
            text,
        } => {
            let inputs = files.into_iter().map(FileInput::path).collect();
            let msg = client
                .send_files(&thread_id(&thread)?, &text, inputs)
                .await?;
            out.message(&msg)
        }
        FileCommand::Files { thread, limit } => {
            let thread = thread_id(&thread)?;
            let _ = client.sync().await;
            let files: Vec<_> = client
                .messages(&thread, limit)?
                .into_iter()
                .flat_map(|m| m.files)
                .collect();
            out.files(&files)
        }
        FileCommand::FetchFile { blob } => {
            let _ = client.sync().await;
            let f = client.fetch_file(&blob_id(&blob)?).await?;
            out.files(std::slice::from_ref(&f))
        }
        FileCommand::SaveFile { blob, dir } => {
            let _ = client.sync().await;
            let path = client.save_attachment(&blob_id(&blob)?, &dir).await?;
            out.done(&path.to_string_lossy())
        }
        FileCommand::CancelSending { message } => {
            let id = EnvelopeId::parse(message.trim())
                .with_context(|| format!("{message:?} is not a message id"))?;
            client.cancel_sending(&id).await?;
            out.done("cancelled")
        }
    }
}
