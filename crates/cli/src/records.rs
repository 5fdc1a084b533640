//! Records into the case file on the command line: set this device's connector to the case
//! system, record messages (or preview what would be recorded), list records, retry the ones
//! not delivered, write a record's PDF and metadata into a folder, and (administrators) read
//! the municipality's audit log.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use samtale_client::Client;
use samtale_client::records::pdf::moment_da;
use samtale_client::records::{Connector, RecordInput, RecordView};
use samtale_proto::{CareId, EnvelopeId};

use crate::print::Printer;
use crate::thread_id;

#[derive(Subcommand)]
pub enum RecordCommand {
    /// Record messages of a conversation into the case file (Journalisér).
    Record {
        thread: String,
        /// The messages to record (ids from `messages --json`).
        #[arg(long = "message", required = true)]
        messages: Vec<String>,
        #[arg(long)]
        case_number: String,
        /// A short description of the topic.
        #[arg(long)]
        title: String,
        /// YYYY-MM-DD (default: the newest message's day).
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        kle: Option<String>,
        /// Only show what would be recorded.
        #[arg(long)]
        preview: bool,
    },
    /// This device's records and where each stands.
    Records,
    /// Try every record that is not delivered yet, now.
    RetryRecords,
    /// Write a record's PDF, JSON and XML into --dir.
    SaveRecord {
        record: String,
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Set how this device hands records to the case system: a JSON connector
    /// (`{"kind":"smtp",...}`, `{"kind":"folder","path":...}`, `{"kind":"https","url":...}`),
    /// or `none`.
    SetConnector { connector: String },
    /// Administrators: the municipality's audit log.
    AuditLog {
        #[arg(long, default_value_t = 1000)]
        limit: u32,
    },
}

fn print_records(out: &Printer, list: &[RecordView]) -> Result<()> {
    if out.json {
        return out.json(list);
    }
    for r in list {
        println!(
            "{}  {:?}  sag {}  {}  {} beskeder  {}{}",
            r.record,
            r.state,
            r.case_number,
            moment_da(r.recorded_at_ms),
            r.messages,
            r.title,
            r.error
                .as_ref()
                .map(|e| format!("  ({e})"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

pub async fn run(client: &Client, command: RecordCommand, out: &Printer) -> Result<()> {
    match command {
        RecordCommand::Record {
            thread,
            messages,
            case_number,
            title,
            date,
            kle,
            preview,
        } => {
            let messages = messages
                .iter()
                .map(|m| {
                    EnvelopeId::parse(m.trim())
                        .with_context(|| format!("{m:?} is not a message id"))
                })
                .collect::<Result<Vec<_>>>()?;
            let input = RecordInput {
                thread: thread_id(&thread)?,
                messages,
                case_number,
                title,
                document_date: date,
                kle,
            };
            let _ = client.sync().await;
            if preview {
                return out.json(&client.preview_record(&input).await?);
            }
            let r = client.record(&input).await?;
            print_records(out, std::slice::from_ref(&r))
        }
        RecordCommand::Records => print_records(out, &client.records()?),
        RecordCommand::RetryRecords => print_records(out, &client.retry_records().await?),
        RecordCommand::SaveRecord { record, dir } => {
            let id = CareId::parse(record.trim())
                .with_context(|| format!("{record:?} is not a record id"))?;
            let view = client.record_view(&id)?;
            let (pdf, json, xml) = client.record_files(&id)?;
            for (ext, bytes) in [
                ("pdf", pdf),
                ("json", json.into_bytes()),
                ("xml", xml.into_bytes()),
            ] {
                let path = dir.join(format!("{}.{ext}", view.file_name));
                std::fs::write(&path, bytes)
                    .with_context(|| format!("could not write {}", path.display()))?;
            }
            out.done(
                &dir.join(format!("{}.pdf", view.file_name))
                    .to_string_lossy(),
            )
        }
        RecordCommand::SetConnector { connector } => {
            if connector.trim() == "none" {
                client.set_record_connector(None)?;
                return out.done("no connector");
            }
            let c: Connector = serde_json::from_str(&connector)
                .context("the connector is not valid JSON of a known kind")?;
            client.set_record_connector(Some(&c))?;
            out.done(&c.describe())
        }
        RecordCommand::AuditLog { limit } => out.json(&client.audit_log(limit).await?),
    }
}
