//! Reading the local store into views: the thread list, a thread's messages with per-member
//! receipts, full-text search, and the people this device knows with their safety codes.

use rusqlite::{Connection, OptionalExtension, Row, params};
use samtale_proto::api::{DeviceKeys, Role, ThreadKind};
use samtale_proto::{B64, EnvelopeId, ThreadId, UserId};

use crate::engine::Client;
use crate::error::ClientError;
use crate::views::{
    DeviceView, MemberReceipt, MemberView, MessageState, MessageView, PersonView, ThreadView,
};

fn parse<T>(r: Result<T, samtale_proto::IdError>) -> Result<T, ClientError> {
    r.map_err(|e| ClientError::Protocol(e.to_string()))
}

const MESSAGE_COLS: &str = "m.id, m.thread_id, m.sender, COALESCE(u.display_name, ''), m.kind, m.body, m.sent_at, m.state, m.error";

type MessageRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
);

fn message_row(r: &Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn to_view(conn: &Connection, me: &UserId, row: MessageRow) -> Result<MessageView, ClientError> {
    let (id, thread, sender, sender_name, kind, body, sent_at_ms, state, error) = row;
    let mine = sender == me.as_str();
    let kind_has_card = kind == "appointment" || kind == "question";
    let kind_has_files = kind == "message";
    let receipts = if mine {
        member_receipts(conn, &thread, &id, me)?
    } else {
        Vec::new()
    };
    Ok(MessageView {
        id: parse(EnvelopeId::parse(&id))?,
        thread: parse(ThreadId::parse(&thread))?,
        sender: UserId::parse(&sender).ok(),
        sender_name,
        kind,
        body,
        sent_at_ms,
        state: MessageState::parse(&state),
        error,
        mine,
        receipts,
        card: if kind_has_card {
            crate::cards::card_for_message(conn, me, &id)?
        } else {
            None
        },
        files: if kind_has_files {
            crate::files::store::of_message(conn, &id)?
        } else {
            Vec::new()
        },
        recorded: crate::records::store::mark_of(conn, &id, &thread)?,
    })
}

/// Each other member's delivered/read state for one message.
fn member_receipts(
    conn: &Connection,
    thread: &str,
    envelope: &str,
    me: &UserId,
) -> Result<Vec<MemberReceipt>, ClientError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.display_name,
            EXISTS (SELECT 1 FROM receipts r WHERE r.envelope_id = ?2 AND r.user_id = u.id AND r.kind IN ('delivered', 'read')),
            EXISTS (SELECT 1 FROM receipts r WHERE r.envelope_id = ?2 AND r.user_id = u.id AND r.kind = 'read')
         FROM members mb JOIN users u ON u.id = mb.user_id WHERE mb.thread_id = ?1 AND u.id != ?3 ORDER BY u.display_name",
    )?;
    let rows = stmt.query_map(params![thread, envelope, me.as_str()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (user, display_name, delivered, read) = row?;
        out.push(MemberReceipt {
            user: parse(UserId::parse(&user))?,
            display_name,
            delivered: delivered || read,
            read,
        });
    }
    Ok(out)
}

impl Client {
    /// Threads, most recently active first. A planned message is not activity until it goes
    /// out (its time is its release time, in the future).
    pub fn threads(&self) -> Result<Vec<ThreadView>, ClientError> {
        let me = self.session()?.user;
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT t.id, t.kind,
                COALESCE((SELECT max(sent_at) FROM messages WHERE thread_id = t.id AND state != 'planned'), t.created_at) AS last,
                (SELECT body FROM messages WHERE thread_id = t.id AND kind != 'notice' AND state != 'planned' ORDER BY sent_at DESC, id DESC LIMIT 1),
                (SELECT count(*) FROM messages m WHERE m.thread_id = t.id AND m.kind != 'notice' AND m.sender != ?1
                    AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.envelope_id = m.id AND r.user_id = ?1 AND r.kind = 'read'))
             FROM threads t JOIN members mb ON mb.thread_id = t.id AND mb.user_id = ?1
             ORDER BY last DESC, t.id",
        )?;
        let rows = stmt.query_map([me.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, u32>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, last, last_message, unread) = row?;
            out.push(ThreadView {
                members: members(&db, &id)?,
                id: parse(ThreadId::parse(&id))?,
                kind: ThreadKind::parse(&kind).unwrap_or(ThreadKind::Youth),
                unread,
                last_activity_ms: last,
                last_message,
            });
        }
        Ok(out)
    }

    /// The newest `limit` messages and notices of a thread, oldest first.
    pub fn messages(&self, thread: &ThreadId, limit: u32) -> Result<Vec<MessageView>, ClientError> {
        self.messages_before(thread, None, limit)
    }

    /// Up to `limit` messages of a thread older than `before` (all the newest when `None`),
    /// oldest first: one page of a long conversation, read from the (thread, time) index so a
    /// page costs the same in a thread of ten messages or ten thousand.
    pub fn messages_before(
        &self,
        thread: &ThreadId,
        before: Option<&EnvelopeId>,
        limit: u32,
    ) -> Result<Vec<MessageView>, ClientError> {
        let me = self.session()?.user;
        let db = self.db();
        let bound = match before {
            Some(id) => Some(
                db.query_row(
                    "SELECT sent_at FROM messages WHERE id = ?1 AND thread_id = ?2",
                    params![id.as_str(), thread.as_str()],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .ok_or(ClientError::NotFound("message"))?,
            ),
            None => None,
        };
        // Two statements rather than one with "?3 IS NULL OR …", so each is an index range.
        let page = |bounded: &str| {
            format!(
                "SELECT * FROM (SELECT {MESSAGE_COLS} FROM messages m LEFT JOIN users u ON u.id = m.sender
                 WHERE m.thread_id = ?1 {bounded} ORDER BY m.sent_at DESC, m.id DESC LIMIT ?2) ORDER BY 7, 1"
            )
        };
        let rows: Vec<MessageRow> = match (bound, before) {
            (Some(at), Some(id)) => db
                .prepare_cached(&page("AND (m.sent_at, m.id) < (?3, ?4)"))?
                .query_map(
                    params![thread.as_str(), limit, at, id.as_str()],
                    message_row,
                )?
                .collect::<Result<_, _>>()?,
            _ => db
                .prepare_cached(&page(""))?
                .query_map(params![thread.as_str(), limit], message_row)?
                .collect::<Result<_, _>>()?,
        };
        rows.into_iter().map(|row| to_view(&db, &me, row)).collect()
    }

    pub fn message(&self, id: &EnvelopeId) -> Result<MessageView, ClientError> {
        let me = self.session()?.user;
        let db = self.db();
        let row = db
            .query_row(&format!("SELECT {MESSAGE_COLS} FROM messages m LEFT JOIN users u ON u.id = m.sender WHERE m.id = ?1"), [id.as_str()], message_row)
            .optional()?
            .ok_or(ClientError::NotFound("message"))?;
        to_view(&db, &me, row)
    }

    /// Full-text search over every message on this device, newest first. Each word of the
    /// query must match the start of a word in the message (so "fod" finds "fodbold").
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<MessageView>, ClientError> {
        let me = self.session()?.user;
        let terms: Vec<String> = query
            .split_whitespace()
            .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
            .collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let db = self.db();
        let mut stmt = db.prepare(&format!(
            "SELECT {MESSAGE_COLS} FROM messages_fts f JOIN messages m ON m.rowid = f.rowid LEFT JOIN users u ON u.id = m.sender
             WHERE messages_fts MATCH ?1 AND m.kind != 'notice' ORDER BY m.sent_at DESC LIMIT ?2"
        ))?;
        let rows: Vec<MessageRow> = stmt
            .query_map(params![terms.join(" "), limit], message_row)?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(|row| to_view(&db, &me, row)).collect()
    }

    /// Everyone this device knows (people in its threads, and citizens it invited), with the
    /// safety code of each of their devices against this device.
    pub fn people(&self) -> Result<Vec<PersonView>, ClientError> {
        let s = self.session()?;
        let mine = s.identity.public_keys();
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT id, display_name, role, reset_unverified FROM users WHERE id != ?1 ORDER BY display_name",
        )?;
        let users: Vec<(String, String, String, bool)> = stmt
            .query_map([s.user.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (id, display_name, role, keys_reset) in users {
            let mut dstmt = db.prepare_cached("SELECT id, name, enc_key, sign_key, verified, state FROM devices WHERE user_id = ?1 ORDER BY pinned_at")?;
            let devices: Vec<(String, String, String, String, i64, String)> = dstmt
                .query_map([&id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            let mut views = Vec::new();
            for (did, name, enc, sign, verified, state) in devices {
                let sign = B64::decode(&sign)
                    .map_err(|_| ClientError::Protocol("a pinned key is corrupt".into()))?;
                views.push(DeviceView {
                    id: did,
                    name,
                    safety_code: samtale_crypto::safety::safety_code(
                        &mine,
                        &DeviceKeys { enc, sign },
                    ),
                    verified: verified > 0,
                    failed_check: verified < 0,
                    trust: crate::linking::trust_view(crate::trust::State::parse(&state)),
                });
            }
            out.push(PersonView {
                user: parse(UserId::parse(&id))?,
                display_name,
                role: Role::parse(&role).unwrap_or(Role::Youth),
                devices: views,
                keys_reset,
            });
        }
        Ok(out)
    }
}

pub(crate) fn members(conn: &Connection, thread: &str) -> Result<Vec<MemberView>, ClientError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.display_name, u.role FROM members m JOIN users u ON u.id = m.user_id WHERE m.thread_id = ?1 ORDER BY u.display_name",
    )?;
    let rows = stmt.query_map([thread], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, display_name, role) = row?;
        out.push(MemberView {
            user: parse(UserId::parse(&id))?,
            display_name,
            role: Role::parse(&role).unwrap_or(Role::Youth),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use samtale_crypto::DeviceIdentity;
    use samtale_proto::{B64, DeviceId, EnvelopeId, ThreadId, UserId};

    use crate::db::{self, set_meta};
    use crate::engine::{Client, DB_FILE, meta};
    use crate::error::ClientError;

    /// A signed-in profile with one thread of `n` messages, some sharing a timestamp.
    fn profile(dir: &std::path::Path, n: u16) -> (Client, ThreadId, Vec<String>) {
        let me = UserId::from_parts(1, [1; 10]);
        let thread = ThreadId::from_parts(1, [2; 10]);
        let mut ids = Vec::new();
        {
            let conn = db::open(&dir.join(DB_FILE), &[9; 32]).expect("open");
            let identity = DeviceIdentity::generate();
            for (k, v) in [
                (meta::SERVER, "http://127.0.0.1:9".to_owned()),
                (meta::TOKEN, "token".to_owned()),
                (meta::USER, me.to_string()),
                (meta::ROLE, "youth".to_owned()),
                (meta::DEVICE, DeviceId::from_parts(1, [3; 10]).to_string()),
                (
                    meta::IDENTITY,
                    B64(identity.to_secret_bytes().to_vec()).encode(),
                ),
            ] {
                set_meta(&conn, k, &v).expect("meta");
            }
            conn.execute(
                "INSERT INTO threads (id, kind, created_by, created_at) VALUES (?1, 'youth', ?2, 0)",
                [thread.as_str(), me.as_str()],
            )
            .expect("thread");
            for i in 0..n {
                let id = EnvelopeId::from_parts(u64::from(i) + 1, [4; 10]).to_string();
                // Pairs of messages share a millisecond: the id breaks the tie.
                conn.execute(
                    "INSERT INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
                     VALUES (?1, ?2, ?3, 'd', 'message', ?4, ?5, 0, 'sent')",
                    rusqlite::params![id, thread.as_str(), me.as_str(), format!("besked {i}"), i64::from(i / 2)],
                )
                .expect("message");
                ids.push(id);
            }
        }
        let client = Client::open(dir, &[9; 32]).expect("client");
        (client, thread, ids)
    }

    #[test]
    fn pages_walk_back_through_a_long_thread_without_gaps_or_repeats() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (c, thread, ids) = profile(dir.path(), 1001);
        let newest = c.messages(&thread, 100).expect("newest");
        assert_eq!(newest.len(), 100);
        assert_eq!(newest.last().map(|m| m.id.to_string()), ids.last().cloned());
        let mut seen: Vec<String> = newest.iter().map(|m| m.id.to_string()).collect();
        let mut before = newest.first().map(|m| m.id.clone());
        while let Some(b) = before {
            let page = c.messages_before(&thread, Some(&b), 100).expect("page");
            let mut ids: Vec<String> = page.iter().map(|m| m.id.to_string()).collect();
            ids.extend(seen);
            seen = ids;
            before = if page.len() == 100 {
                page.first().map(|m| m.id.clone())
            } else {
                None
            };
        }
        assert_eq!(seen, ids, "every message once, oldest first");

        let unknown = EnvelopeId::from_parts(999_999, [7; 10]);
        assert!(matches!(
            c.messages_before(&thread, Some(&unknown), 10),
            Err(ClientError::NotFound(_))
        ));
    }
}
