//! The record tables of the local store (migration v8): this device's records with their PDF,
//! metadata and delivery state, and the marks on recorded messages.

use rusqlite::{Connection, OptionalExtension, Row, params};
use samtale_ipc::records::{RecordState, RecordView, RecordedMark};
use samtale_proto::{CareId, ThreadId};

use crate::error::ClientError;

/// A record as stored, with what delivery needs.
pub(crate) struct Stored {
    pub view: RecordView,
    pub pdf: Vec<u8>,
    pub json: String,
    pub xml: String,
    pub audited: bool,
    pub next_try: i64,
}

pub(crate) struct NewRecord<'a> {
    pub id: &'a CareId,
    pub thread: &'a ThreadId,
    pub case_number: &'a str,
    pub title: &'a str,
    pub document_date: &'a str,
    pub kle: Option<&'a str>,
    pub recorded_at: i64,
    pub messages: usize,
    pub file_name: &'a str,
    pub pdf: &'a [u8],
    pub json: &'a str,
    pub xml: &'a str,
}

pub(crate) fn insert(tx: &Connection, r: &NewRecord<'_>) -> Result<(), ClientError> {
    tx.execute(
        "INSERT INTO records (id, thread_id, case_number, title, document_date, kle, recorded_at, messages, file_name, pdf, json, xml, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'pending')",
        params![
            r.id.as_str(), r.thread.as_str(), r.case_number, r.title, r.document_date, r.kle,
            r.recorded_at, r.messages as i64, r.file_name, r.pdf, r.json, r.xml
        ],
    )?;
    Ok(())
}

const COLUMNS: &str = "id, thread_id, case_number, title, document_date, recorded_at, messages, state, error, attempts, delivered_at, delivered_to, file_name, pdf, json, xml, audited, next_try";
/// The same row for a list: the documents left out (empty), so listing reads no PDF.
const LIST_COLUMNS: &str = "id, thread_id, case_number, title, document_date, recorded_at, messages, state, error, attempts, delivered_at, delivered_to, file_name, x'', '', '', audited, next_try";

fn parse_state(s: &str) -> RecordState {
    match s {
        "delivered" => RecordState::Delivered,
        "failed" => RecordState::Failed,
        _ => RecordState::Pending,
    }
}

fn stored(r: &Row<'_>) -> rusqlite::Result<Stored> {
    let bad =
        |i: usize| rusqlite::Error::InvalidColumnType(i, "id".into(), rusqlite::types::Type::Text);
    Ok(Stored {
        view: RecordView {
            record: CareId::parse(&r.get::<_, String>(0)?).map_err(|_| bad(0))?,
            thread: ThreadId::parse(&r.get::<_, String>(1)?).map_err(|_| bad(1))?,
            case_number: r.get(2)?,
            title: r.get(3)?,
            document_date: r.get(4)?,
            recorded_at_ms: r.get(5)?,
            messages: r.get::<_, i64>(6)? as usize,
            state: parse_state(&r.get::<_, String>(7)?),
            error: r.get(8)?,
            attempts: r.get::<_, i64>(9)? as u32,
            delivered_at_ms: r.get(10)?,
            delivered_to: r.get(11)?,
            file_name: r.get(12)?,
        },
        pdf: r.get(13)?,
        json: r.get(14)?,
        xml: r.get(15)?,
        audited: r.get::<_, i64>(16)? != 0,
        next_try: r.get(17)?,
    })
}

pub(crate) fn get(conn: &Connection, id: &CareId) -> Result<Option<Stored>, ClientError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM records WHERE id = ?1"),
            [id.as_str()],
            stored,
        )
        .optional()?)
}

/// Every record, newest first (views only: no PDF is read).
pub(crate) fn list(conn: &Connection) -> Result<Vec<RecordView>, ClientError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {LIST_COLUMNS} FROM records ORDER BY recorded_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map([], stored)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?.view);
    }
    Ok(out)
}

/// The records that still need the server's audit line or the case system.
pub(crate) fn unfinished(conn: &Connection) -> Result<Vec<CareId>, ClientError> {
    let mut stmt = conn.prepare(
        "SELECT id FROM records WHERE state != 'delivered' OR audited = 0 ORDER BY recorded_at",
    )?;
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .filter_map(|r| r.ok())
        .filter_map(|s| CareId::parse(&s).ok())
        .collect();
    Ok(ids)
}

pub(crate) fn set_audited(conn: &Connection, id: &CareId) -> Result<(), ClientError> {
    conn.execute(
        "UPDATE records SET audited = 1 WHERE id = ?1",
        [id.as_str()],
    )?;
    Ok(())
}

pub(crate) fn set_delivered(
    conn: &Connection,
    id: &CareId,
    at: i64,
    to: &str,
) -> Result<(), ClientError> {
    conn.execute(
        "UPDATE records SET state = 'delivered', error = NULL, attempts = attempts + 1, delivered_at = ?2, delivered_to = ?3 WHERE id = ?1",
        params![id.as_str(), at, to],
    )?;
    Ok(())
}

/// A failed try: the reason is kept for her to see, and the next try waits longer each time
/// (30 s, 1 min, 2 min ... at most an hour).
pub(crate) fn set_failed(
    conn: &Connection,
    id: &CareId,
    now: i64,
    why: &str,
) -> Result<(), ClientError> {
    conn.execute(
        "UPDATE records SET state = 'failed', error = ?2, attempts = attempts + 1,
             next_try = ?3 + min(3600000, 30000 * (1 << min(attempts, 7))) WHERE id = ?1",
        params![id.as_str(), why, now],
    )?;
    Ok(())
}

pub(crate) struct Mark<'a> {
    pub message: &'a str,
    pub record: &'a CareId,
    pub thread: &'a ThreadId,
    pub at: i64,
    pub case_number: &'a str,
    pub title: &'a str,
    pub by: &'a str,
}

pub(crate) fn insert_mark(tx: &Connection, m: &Mark<'_>) -> Result<(), ClientError> {
    tx.execute(
        "INSERT OR IGNORE INTO record_marks (message_id, record_id, thread_id, recorded_at, case_number, title, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![m.message, m.record.as_str(), m.thread.as_str(), m.at, m.case_number, m.title, m.by],
    )?;
    Ok(())
}

/// The newest record that covered `message` of `thread`, with the recorder's name (a mark
/// made in another conversation does not count).
pub(crate) fn mark_of(
    conn: &Connection,
    message: &str,
    thread: &str,
) -> Result<Option<RecordedMark>, ClientError> {
    let row = conn
        .query_row(
            "SELECT r.record_id, r.recorded_at, r.case_number, r.title, COALESCE(u.display_name, '')
             FROM record_marks r LEFT JOIN users u ON u.id = r.recorded_by
             WHERE r.message_id = ?1 AND r.thread_id = ?2 ORDER BY r.recorded_at DESC LIMIT 1",
            [message, thread],
            |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    Ok(row.and_then(|(id, at_ms, case_number, title, by)| {
        Some(RecordedMark {
            record: CareId::parse(&id).ok()?,
            at_ms,
            case_number,
            title,
            by,
        })
    }))
}
