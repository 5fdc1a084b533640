//! The card tables of the local store (schema v6): one row per appointment or question in its
//! newest revision, one row per member's newest reply, and the reminders already given.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::{CareId, EnvelopeId, ThreadId, UserId};

use crate::error::ClientError;

pub(crate) const APPOINTMENT: &str = "appointment";
pub(crate) const QUESTION: &str = "question";

/// A card as stored: its newest revision's JSON and what the queries need beside it.
#[derive(Debug, Clone)]
pub(crate) struct StoredCard {
    pub id: CareId,
    pub kind: String,
    pub thread: ThreadId,
    pub author: UserId,
    pub revision: u32,
    pub changed_at: i64,
    pub body: String,
    pub closed_at: Option<i64>,
}

/// A revision of a card to store.
pub(crate) struct Revision<'a> {
    pub id: &'a CareId,
    pub kind: &'a str,
    pub thread: &'a ThreadId,
    pub envelope: &'a EnvelopeId,
    pub sender: &'a UserId,
    pub sent_at: i64,
    pub revision: u32,
    pub body: String,
    pub starts_at: Option<i64>,
    pub closed: bool,
}

/// What storing a revision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// The first this device saw of the card: its message row is still to be made.
    New,
    /// A newer revision replaced the stored one.
    Changed,
    /// Older than (or the same as) what is stored: nothing changed.
    Stale,
}

const COLS: &str = "id, kind, thread_id, author, revision, changed_at, body, closed_at";

fn parse<T>(r: Result<T, samtale_proto::IdError>) -> Result<T, ClientError> {
    r.map_err(|e| ClientError::Protocol(format!("a stored card has a bad id: {e}")))
}

type Row = (
    String,
    String,
    String,
    String,
    u32,
    i64,
    String,
    Option<i64>,
);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn stored(r: Row) -> Result<StoredCard, ClientError> {
    let (id, kind, thread, author, revision, changed_at, body, closed_at) = r;
    Ok(StoredCard {
        id: parse(CareId::parse(&id))?,
        kind,
        thread: parse(ThreadId::parse(&thread))?,
        author: parse(UserId::parse(&author))?,
        revision,
        changed_at,
        body,
        closed_at,
    })
}

pub(crate) fn card(conn: &Connection, id: &CareId) -> Result<Option<StoredCard>, ClientError> {
    conn.query_row(
        &format!("SELECT {COLS} FROM cards WHERE id = ?1"),
        [id.as_str()],
        row,
    )
    .optional()?
    .map(stored)
    .transpose()
}

/// The card a message row shows, if it shows one.
pub(crate) fn card_of_message(
    conn: &Connection,
    message: &str,
) -> Result<Option<StoredCard>, ClientError> {
    conn.prepare_cached(&format!("SELECT {COLS} FROM cards WHERE message_id = ?1"))?
        .query_row([message], row)
        .optional()?
        .map(stored)
        .transpose()
}

/// Stores a revision if it is newer than the stored one: a higher revision, or at the same
/// revision (two colleagues at once) the later send time, then the higher envelope id.
pub(crate) fn upsert(conn: &Connection, r: &Revision<'_>) -> Result<Stored, ClientError> {
    let closed_at = r.closed.then_some(r.sent_at);
    let existing: Option<(u32, i64, String)> = conn
        .query_row(
            "SELECT revision, changed_at, envelope_id FROM cards WHERE id = ?1",
            [r.id.as_str()],
            |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
        )
        .optional()?;
    match existing {
        None => {
            conn.execute(
                "INSERT INTO cards (id, kind, thread_id, message_id, author, changed_by, envelope_id, revision, changed_at, body, starts_at, closed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?4, ?6, ?7, ?8, ?9, ?10)",
                params![
                    r.id.as_str(), r.kind, r.thread.as_str(), r.envelope.as_str(), r.sender.as_str(),
                    r.revision, r.sent_at, r.body, r.starts_at, closed_at
                ],
            )?;
            Ok(Stored::New)
        }
        Some(old) if (r.revision, r.sent_at, r.envelope.as_str()) > (old.0, old.1, &old.2) => {
            conn.execute(
                "UPDATE cards SET changed_by = ?2, envelope_id = ?3, revision = ?4, changed_at = ?5,
                     body = ?6, starts_at = ?7, closed_at = ?8 WHERE id = ?1",
                params![
                    r.id.as_str(), r.sender.as_str(), r.envelope.as_str(), r.revision, r.sent_at,
                    r.body, r.starts_at, closed_at
                ],
            )?;
            Ok(Stored::Changed)
        }
        Some(_) => Ok(Stored::Stale),
    }
}

/// A member's reply or answer as stored.
#[derive(Debug, Clone)]
pub(crate) struct StoredReply {
    pub user: UserId,
    pub value: String,
    pub answered_to: Option<i64>,
    pub comment: Option<String>,
    pub at: i64,
}

pub(crate) struct Reply<'a> {
    pub card: &'a CareId,
    pub user: &'a UserId,
    pub envelope: &'a EnvelopeId,
    pub value: String,
    pub answered_to: Option<i64>,
    pub comment: Option<String>,
    pub at: i64,
}

/// Keeps a reply (a replay is the same envelope and changes nothing); [`replies`] picks what
/// counts.
/// Stores a reply; false when this envelope's reply was stored already (a replay).
pub(crate) fn insert_reply(conn: &Connection, r: &Reply<'_>) -> Result<bool, ClientError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO card_replies (card_id, user_id, envelope_id, value, answered_to, comment, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            r.card.as_str(),
            r.user.as_str(),
            r.envelope.as_str(),
            r.value,
            r.answered_to,
            r.comment,
            r.at
        ],
    )?;
    Ok(n > 0)
}

/// What counts of a card's replies: each member's newest (the later send time, then the higher
/// envelope id) among those given before the card was cancelled or closed.
pub(crate) fn replies(
    conn: &Connection,
    card: &StoredCard,
) -> Result<Vec<StoredReply>, ClientError> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, value, answered_to, comment, at FROM card_replies r
         WHERE card_id = ?1 AND (?2 IS NULL OR at <= ?2)
           AND NOT EXISTS (SELECT 1 FROM card_replies n WHERE n.card_id = r.card_id
               AND n.user_id = r.user_id AND (?2 IS NULL OR n.at <= ?2)
               AND (n.at, n.envelope_id) > (r.at, r.envelope_id))
         ORDER BY at, user_id",
    )?;
    let rows = stmt.query_map(params![card.id.as_str(), card.closed_at], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (user, value, answered_to, comment, at) = row?;
        out.push(StoredReply {
            user: parse(UserId::parse(&user))?,
            value,
            answered_to,
            comment,
            at,
        });
    }
    Ok(out)
}

fn cards_where(
    conn: &Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<StoredCard>, ClientError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLS} FROM cards c WHERE {clause}"))?;
    let rows = stmt.query_map(args, row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(stored(r?)?);
    }
    Ok(out)
}

/// The appointments not cancelled in conversations `user` is in that start in `[from, to)`.
pub(crate) fn appointments_of(
    conn: &Connection,
    user: &UserId,
    from: i64,
    to: i64,
) -> Result<Vec<StoredCard>, ClientError> {
    cards_where(
        conn,
        "kind = 'appointment' AND closed_at IS NULL AND starts_at >= ?2 AND starts_at < ?3
         AND EXISTS (SELECT 1 FROM members m WHERE m.thread_id = c.thread_id AND m.user_id = ?1)
         ORDER BY starts_at",
        params![user.as_str(), from, to],
    )
}

/// The cards of one conversation, oldest first.
pub(crate) fn cards_in(
    conn: &Connection,
    thread: &ThreadId,
) -> Result<Vec<StoredCard>, ClientError> {
    cards_where(
        conn,
        "thread_id = ?1 ORDER BY (SELECT sent_at FROM messages WHERE id = c.message_id), id",
        [thread.as_str()],
    )
}

/// `user`'s answers to questions given in `[from, to)`, with the question they answer.
pub(crate) fn answers_by(
    conn: &Connection,
    user: &UserId,
    from: i64,
    to: i64,
) -> Result<Vec<(StoredCard, StoredReply)>, ClientError> {
    let questions = cards_where(
        conn,
        "kind = 'question' AND EXISTS (SELECT 1 FROM card_replies r WHERE r.card_id = c.id
             AND r.user_id = ?1 AND r.at >= ?2 AND r.at < ?3)",
        params![user.as_str(), from, to],
    )?;
    let mut out = Vec::new();
    for q in questions {
        if let Some(r) = replies(conn, &q)?.into_iter().find(|r| &r.user == user) {
            out.push((q, r));
        }
    }
    Ok(out)
}

/// Marks a reminder given; false when it was given before.
pub(crate) fn give_reminder(
    conn: &Connection,
    card: &CareId,
    starts_at: i64,
    minutes: u32,
) -> Result<bool, ClientError> {
    Ok(conn.execute(
        "INSERT OR IGNORE INTO reminders_given (card_id, starts_at, minutes) VALUES (?1, ?2, ?3)",
        params![card.as_str(), starts_at, minutes],
    )? == 1)
}

pub(crate) fn reminder_given(
    conn: &Connection,
    card: &CareId,
    starts_at: i64,
    minutes: u32,
) -> Result<bool, ClientError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM reminders_given WHERE card_id = ?1 AND starts_at = ?2 AND minutes = ?3",
            params![card.as_str(), starts_at, minutes],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}
