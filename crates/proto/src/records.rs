//! The mark a record into the municipality's case file ("journalisering") leaves in a
//! conversation. The record itself (a PDF/A and its metadata) is made on the caseworker's
//! device and goes straight to the case system; only this mark travels to the members, sealed
//! like a message, so a youth sees what went into his case file. The server sees neither.

use serde::{Deserialize, Serialize};

use crate::care::Invalid;
use crate::ids::{CareId, EnvelopeId};

/// Most messages one record may cover.
pub const MAX_RECORD_MESSAGES: usize = 500;
/// Longest title (the short description of the topic that § 15 asks for), in characters.
pub const MAX_RECORD_TITLE_CHARS: usize = 200;
/// Longest case number, in characters ("27.12.08-G01-1234-26" and the like).
pub const MAX_CASE_NUMBER_CHARS: usize = 40;

/// Longest period of check-ins one record may cover, in days.
pub const MAX_CHECKIN_SPAN_DAYS: i64 = 366;

/// "These messages (and this period of the youth's smiley check-ins) went into case file
/// `case_number` under `title`."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMark {
    pub record: CareId,
    pub case_number: String,
    pub title: String,
    /// The messages of this conversation that were recorded, oldest first (none when only
    /// check-ins were).
    pub messages: Vec<EnvelopeId>,
    /// When it was recorded (ms since the Unix epoch).
    pub recorded_at_ms: i64,
    /// The period of the youth's smiley check-ins that was recorded, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkins: Option<CheckInSpan>,
}

/// A period of smiley check-ins: the slots from `from_ms` up to (not including) `to_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInSpan {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl CheckInSpan {
    pub fn validate(&self) -> Result<(), Invalid> {
        let day = 24 * 60 * 60 * 1000;
        if self.from_ms < 0 || self.to_ms <= self.from_ms {
            return Err(Invalid(
                "a period of check-ins runs from a day to a later one".into(),
            ));
        }
        if self.to_ms - self.from_ms > MAX_CHECKIN_SPAN_DAYS * day {
            return Err(Invalid(format!(
                "a record covers at most {MAX_CHECKIN_SPAN_DAYS} days of check-ins"
            )));
        }
        Ok(())
    }
}

impl RecordMark {
    pub fn validate(&self) -> Result<(), Invalid> {
        check_case_number(&self.case_number)?;
        check_title(&self.title)?;
        if let Some(span) = &self.checkins {
            span.validate()?;
        } else if self.messages.is_empty() {
            return Err(Invalid(
                "choose at least one message or a period of check-ins to record".into(),
            ));
        }
        if self.messages.len() > MAX_RECORD_MESSAGES {
            return Err(Invalid(format!(
                "a record covers at most {MAX_RECORD_MESSAGES} messages"
            )));
        }
        let mut seen = std::collections::HashSet::new();
        if !self.messages.iter().all(|m| seen.insert(m)) {
            return Err(Invalid("a message is named twice".into()));
        }
        Ok(())
    }
}

/// A case number: printable, no line breaks, 1 to 40 characters.
pub fn check_case_number(s: &str) -> Result<(), Invalid> {
    let n = s.trim().chars().count();
    if n == 0 {
        return Err(Invalid("write the case number (sagsnummer)".into()));
    }
    if n > MAX_CASE_NUMBER_CHARS || s.chars().any(char::is_control) {
        return Err(Invalid(format!(
            "a case number is one line of at most {MAX_CASE_NUMBER_CHARS} characters"
        )));
    }
    Ok(())
}

/// A title: one line, 1 to 200 characters.
pub fn check_title(s: &str) -> Result<(), Invalid> {
    let n = s.trim().chars().count();
    if n == 0 {
        return Err(Invalid(
            "write a short title that says what it is about".into(),
        ));
    }
    if n > MAX_RECORD_TITLE_CHARS || s.chars().any(char::is_control) {
        return Err(Invalid(format!(
            "a title is one line of at most {MAX_RECORD_TITLE_CHARS} characters"
        )));
    }
    Ok(())
}

/// A KLE number (the municipalities' subject classification): "27.12.08", or its first one
/// or two groups ("27", "27.12").
pub fn check_kle(s: &str) -> Result<(), Invalid> {
    let groups: Vec<&str> = s.split('.').collect();
    let ok = (1..=3).contains(&groups.len())
        && groups
            .iter()
            .all(|g| g.len() == 2 && g.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return Err(Invalid(
            "a KLE number looks like 27.12.08 (two digits per group)".into(),
        ));
    }
    Ok(())
}

/// `POST /v1/threads/{id}/records`: a caseworker tells the server that she recorded part of
/// the conversation, for the municipality's audit log. It names the record and the case
/// number, never what was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordAudit {
    pub record: CareId,
    pub case_number: String,
}

/// One line of a municipality's audit log, as `GET /v1/admin/audit` shows it to its admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<crate::ids::UserId>,
    pub action: String,
    pub subject: String,
}
