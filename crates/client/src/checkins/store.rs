//! The care tables of the local store (migration v4): plan revisions, answers per slot, and
//! timeline events, with the few reads the rest of the module needs.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::care::{CareEvent, CheckInAnswer, CheckInPlan};
use samtale_proto::{CareId, EnvelopeId, ThreadId, UserId};

use super::schedule::Revision;
use crate::error::ClientError;

fn corrupt(e: impl std::fmt::Display) -> ClientError {
    ClientError::Protocol(format!("a stored care item is corrupt: {e}"))
}

fn id<T>(s: &str, parse: fn(&str) -> Result<T, samtale_proto::IdError>) -> Result<T, ClientError> {
    parse(s).map_err(corrupt)
}

pub(crate) fn insert_plan(
    conn: &Connection,
    envelope: &EnvelopeId,
    thread: &ThreadId,
    author: &UserId,
    made_at: i64,
    p: &CheckInPlan,
) -> Result<(), ClientError> {
    let body = serde_json::to_string(p).map_err(corrupt)?;
    conn.execute(
        "INSERT OR IGNORE INTO checkin_plans (envelope_id, plan_id, thread_id, youth, author, revision, made_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![envelope.as_str(), p.plan.as_str(), thread.as_str(), p.youth.as_str(), author.as_str(), p.revision, made_at, body],
    )?;
    Ok(())
}

/// The conversation and youth a plan belongs to, if known.
pub(crate) fn plan_home(
    conn: &Connection,
    plan: &CareId,
) -> Result<Option<(ThreadId, UserId)>, ClientError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT thread_id, youth FROM checkin_plans WHERE plan_id = ?1 ORDER BY made_at LIMIT 1",
            [plan.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(t, y)| Ok((id(&t, ThreadId::parse)?, id(&y, UserId::parse)?)))
        .transpose()
}

/// Every revision of a plan, oldest first.
pub(crate) fn revisions(conn: &Connection, plan: &CareId) -> Result<Vec<Revision>, ClientError> {
    let mut stmt = conn.prepare(
        "SELECT made_at, body FROM checkin_plans WHERE plan_id = ?1 ORDER BY made_at, revision",
    )?;
    let rows = stmt.query_map([plan.as_str()], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (made_at_ms, body) = row?;
        out.push(Revision {
            made_at_ms,
            plan: serde_json::from_str(&body).map_err(corrupt)?,
        });
    }
    Ok(out)
}

/// The newest revision's author, time and envelope, for the plan view.
pub(crate) fn latest_meta(
    conn: &Connection,
    plan: &CareId,
) -> Result<Option<(ThreadId, UserId, i64)>, ClientError> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT thread_id, author, made_at FROM checkin_plans WHERE plan_id = ?1
             ORDER BY made_at DESC, revision DESC LIMIT 1",
            [plan.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(t, a, m)| Ok((id(&t, ThreadId::parse)?, id(&a, UserId::parse)?, m)))
        .transpose()
}

/// The plans this device knows, optionally only one youth's, oldest first.
pub(crate) fn plan_ids(
    conn: &Connection,
    youth: Option<&UserId>,
) -> Result<Vec<CareId>, ClientError> {
    let mut stmt = conn.prepare(
        "SELECT plan_id FROM checkin_plans WHERE ?1 IS NULL OR youth = ?1
         GROUP BY plan_id ORDER BY min(made_at)",
    )?;
    let rows = stmt.query_map([youth.map(UserId::as_str)], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(id(&r?, CareId::parse)?);
    }
    Ok(out)
}

/// The highest revision number known for a plan (0 for a new one).
pub(crate) fn top_revision(conn: &Connection, plan: &CareId) -> Result<u32, ClientError> {
    Ok(conn.query_row(
        "SELECT COALESCE(max(revision), 0) FROM checkin_plans WHERE plan_id = ?1",
        [plan.as_str()],
        |r| r.get(0),
    )?)
}

/// Keeps the newest answer to a slot: a later one replaces it, a replay or an older one does
/// nothing.
pub(crate) fn upsert_answer(
    conn: &Connection,
    envelope: &EnvelopeId,
    youth: &UserId,
    answered_at: i64,
    a: &CheckInAnswer,
    tags: &[String],
) -> Result<(), ClientError> {
    let tags = serde_json::to_string(tags).map_err(corrupt)?;
    conn.execute(
        "INSERT INTO checkin_answers (plan_id, slot_at, envelope_id, youth, score, tags, note, answered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (plan_id, slot_at) DO UPDATE SET envelope_id = excluded.envelope_id,
             score = excluded.score, tags = excluded.tags, note = excluded.note,
             answered_at = excluded.answered_at
         WHERE (excluded.answered_at, excluded.envelope_id) > (checkin_answers.answered_at, checkin_answers.envelope_id)",
        params![a.plan.as_str(), a.slot_ms, envelope.as_str(), youth.as_str(), a.score, tags, a.note, answered_at],
    )?;
    Ok(())
}

/// A stored answer.
#[derive(Debug, Clone)]
pub(crate) struct StoredAnswer {
    pub plan: CareId,
    pub slot_ms: i64,
    pub envelope: String,
    pub score: u8,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub answered_at: i64,
}

/// A plan's answers with slots in `[from, to)`, in slot order.
pub(crate) fn answers(
    conn: &Connection,
    plan: &CareId,
    from: i64,
    to: i64,
) -> Result<Vec<StoredAnswer>, ClientError> {
    let mut stmt = conn.prepare(
        "SELECT slot_at, envelope_id, score, tags, note, answered_at FROM checkin_answers
         WHERE plan_id = ?1 AND slot_at >= ?2 AND slot_at < ?3 ORDER BY slot_at",
    )?;
    let rows = stmt.query_map(params![plan.as_str(), from, to], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u8>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (slot_ms, envelope, score, tags, note, answered_at) = row?;
        out.push(StoredAnswer {
            plan: plan.clone(),
            slot_ms,
            envelope,
            score,
            tags: serde_json::from_str(&tags).map_err(corrupt)?,
            note,
            answered_at,
        });
    }
    Ok(out)
}

/// Whether an envelope still waits in the outbox.
pub(crate) fn pending(conn: &Connection, envelope: &str) -> Result<bool, ClientError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM outbox WHERE envelope_id = ?1",
        [envelope],
        |r| r.get::<_, i64>(0),
    )? > 0)
}

/// The conversation an event belongs to, if known.
pub(crate) fn event_home(
    conn: &Connection,
    event: &CareId,
) -> Result<Option<ThreadId>, ClientError> {
    let t: Option<String> = conn
        .query_row(
            "SELECT thread_id FROM care_events WHERE id = ?1",
            [event.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    t.map(|t| id(&t, ThreadId::parse)).transpose()
}

pub(crate) fn event_revision(conn: &Connection, event: &CareId) -> Result<u32, ClientError> {
    Ok(conn
        .query_row(
            "SELECT revision FROM care_events WHERE id = ?1",
            [event.as_str()],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Keeps an event's newest revision.
pub(crate) fn upsert_event(
    conn: &Connection,
    envelope: &EnvelopeId,
    thread: &ThreadId,
    author: &UserId,
    e: &CareEvent,
) -> Result<(), ClientError> {
    conn.execute(
        "INSERT INTO care_events (id, envelope_id, thread_id, youth, author, revision, at, category, body, shared, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET envelope_id = excluded.envelope_id, author = excluded.author,
             revision = excluded.revision, at = excluded.at, category = excluded.category,
             body = excluded.body, shared = excluded.shared, deleted = excluded.deleted
         WHERE (excluded.revision, excluded.envelope_id) > (care_events.revision, care_events.envelope_id)",
        params![
            e.event.as_str(), envelope.as_str(), thread.as_str(), e.youth.as_str(), author.as_str(),
            e.revision, e.at_ms, e.category.as_str(), e.text, e.shared, e.deleted
        ],
    )?;
    Ok(())
}

/// A stored event.
pub(crate) struct StoredEvent {
    pub id: CareId,
    pub thread: ThreadId,
    pub author: UserId,
    pub at_ms: i64,
    pub category: String,
    pub text: String,
    pub shared: bool,
}

const EVENT_COLS: &str = "id, thread_id, author, at, category, body, shared";

type EventRow = (String, String, String, i64, String, String, bool);

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn stored_event(row: EventRow) -> Result<StoredEvent, ClientError> {
    let (e, t, a, at_ms, category, text, shared) = row;
    Ok(StoredEvent {
        id: id(&e, CareId::parse)?,
        thread: id(&t, ThreadId::parse)?,
        author: id(&a, UserId::parse)?,
        at_ms,
        category,
        text,
        shared,
    })
}

/// One event, deleted or not.
pub(crate) fn event(conn: &Connection, event: &CareId) -> Result<Option<StoredEvent>, ClientError> {
    conn.query_row(
        &format!("SELECT {EVENT_COLS} FROM care_events WHERE id = ?1"),
        [event.as_str()],
        event_row,
    )
    .optional()?
    .map(stored_event)
    .transpose()
}

/// A youth's events (not deleted) in `[from, to)`, in time order.
pub(crate) fn events(
    conn: &Connection,
    youth: &UserId,
    from: i64,
    to: i64,
) -> Result<Vec<StoredEvent>, ClientError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLS} FROM care_events
         WHERE youth = ?1 AND deleted = 0 AND at >= ?2 AND at < ?3 ORDER BY at, id"
    ))?;
    let rows = stmt.query_map(params![youth.as_str(), from, to], event_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(stored_event(row?)?);
    }
    Ok(out)
}
