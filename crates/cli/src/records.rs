//! Records into the case file on the command line: set this device's connector to the case
//! system, record messages (or preview what would be recorded), list records, retry the ones
//! not delivered, write a record's PDF and metadata into a folder, and (administrators) read
//! the municipality's audit log.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use samtale_client::Client;
use samtale_client::records::pdf::moment_da;
use samtale_client::records::{CheckInSpan, Connector, RecordInput, RecordView};
use samtale_proto::{CareId, EnvelopeId};

use crate::print::Printer;
use crate::thread_id;

#[derive(Subcommand)]
pub enum RecordCommand {
    /// Record messages of a conversation, and/or a period of its youth's smiley check-ins, into
    /// the case file (Journalisér).
    Record {
        thread: String,
        /// The messages to record (ids from `messages --json`).
        #[arg(long = "message")]
        messages: Vec<String>,
        /// First day (YYYY-MM-DD) of the youth's check-ins to record, with --checkins-to.
        #[arg(long, requires = "checkins_to")]
        checkins_from: Option<String>,
        /// Last day (YYYY-MM-DD, included) of the check-ins to record.
        #[arg(long, requires = "checkins_from")]
        checkins_to: Option<String>,
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

/// The days `from` to `to` (both included, Danish time) as a period of check-ins.
fn span_of(from: &str, to: &str) -> Result<CheckInSpan> {
    use samtale_client::checkins::clock::start_of_day;
    const DAY_MS: i64 = 86_400_000;
    // Noon, then the start of that day: a whole Danish day whatever the clock change.
    let first = start_of_day(crate::care::local_moment(from)?);
    let last = start_of_day(crate::care::local_moment(to)?);
    let span = CheckInSpan {
        from_ms: first,
        to_ms: start_of_day(last + DAY_MS + DAY_MS / 2),
    };
    span.validate()
        .map_err(|e| anyhow::anyhow!("--checkins-from/--checkins-to: {}", e.0))?;
    Ok(span)
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
            checkins_from,
            checkins_to,
        } => {
            let checkins = match (checkins_from, checkins_to) {
                (Some(from), Some(to)) => Some(span_of(&from, &to)?),
                _ => None,
            };
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
                checkins,
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

#[cfg(test)]
mod tests {
    use super::span_of;

    /// Whole Danish days, the last one included; a clock change inside is no matter.
    #[test]
    fn a_period_is_whole_danish_days() {
        let monday = 1_793_574_000_000; // 2026-11-02 00.00 in Copenhagen (UTC+1)
        let span = span_of("2026-11-02", "2026-11-03").expect("two days");
        assert_eq!(
            (span.from_ms, span.to_ms),
            (monday, monday + 2 * 86_400_000)
        );
        // Across the change to winter time (25 October): 24 + 25 hours.
        let across = span_of("2026-10-24", "2026-10-25").expect("over the change");
        assert_eq!(across.to_ms - across.from_ms, 49 * 3_600_000);
        assert!(span_of("2026-11-03", "2026-11-02").is_err(), "turned round");
        assert!(span_of("2025-01-01", "2026-06-30").is_err(), "over a year");
        assert!(span_of("2026-02-30", "2026-03-02").is_err(), "not a date");
    }
}
