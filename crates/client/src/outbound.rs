//! What this device sends: messages are sealed at once and kept in the outbox until the server
//! accepts them (so a message typed offline, or before a crash, is never lost); read marks are
//! queued the same way.

use rusqlite::{Connection, params};
use samtale_crypto::Recipient;
use samtale_proto::api::DeviceKeys;
use samtale_proto::payload::MessagePayload;
use samtale_proto::{
    B64, EnvelopeHeader, EnvelopeId, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, PayloadKind, ThreadId,
};

use crate::engine::{Client, Session, fresh, now_ms};
use crate::error::ClientError;
use crate::views::{ClientEvent, MessageView};

impl Client {
    /// Seals `text` for every device of every member of the thread and queues it. Returns at
    /// once with the message in state `queued`; a push is tried right away, and on failure the
    /// outbox keeps it for the next sync round.
    pub async fn send(&self, thread: &ThreadId, text: &str) -> Result<MessageView, ClientError> {
        let s = self.session()?;
        check_text(text)?;
        self.ensure_member(&s, thread).await?;
        let id = {
            let db = self.db();
            let payload = MessagePayload {
                v: 1,
                text: text.to_owned(),
                care: None,
                files: Vec::new(),
            };
            let sealed = seal(
                &db,
                &s,
                thread,
                PayloadKind::Message,
                &payload,
                Audience::Everyone,
                self.clock_ms(),
            )?;
            let tx = db.unchecked_transaction()?;
            queue_shown(&tx, &s, thread, &sealed, "message", text)?;
            tx.commit()?;
            sealed.id
        };
        self.emit(ClientEvent::ThreadsChanged {
            threads: vec![thread.clone()],
        });
        // Best effort now; the outbox keeps it if this fails.
        let _ = self.push_due().await;
        self.message(&id)
    }

    /// Makes sure this person is a member of `thread` as this device knows it, asking the
    /// server once for a thread this device has not synced yet.
    pub(crate) async fn ensure_member(
        &self,
        s: &Session,
        thread: &ThreadId,
    ) -> Result<(), ClientError> {
        if !self.is_member_locally(thread, &s.user)? {
            self.fetch_thread(s, thread).await?;
            if !self.is_member_locally(thread, &s.user)? {
                return Err(ClientError::NotFound("thread"));
            }
        }
        Ok(())
    }

    fn is_member_locally(
        &self,
        thread: &ThreadId,
        user: &samtale_proto::UserId,
    ) -> Result<bool, ClientError> {
        let n: i64 = self.db().query_row(
            "SELECT count(*) FROM members WHERE thread_id = ?1 AND user_id = ?2",
            [thread.as_str(), user.as_str()],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Marks every message from others in the thread as read by this person. Returns how many
    /// were newly marked. The read marks reach the others on the next sync round.
    pub async fn mark_read(&self, thread: &ThreadId) -> Result<u32, ClientError> {
        let s = self.session()?;
        let n = {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            let now = now_ms();
            let mut ids = Vec::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT m.id FROM messages m WHERE m.thread_id = ?1 AND m.kind != 'notice' AND m.sender != ?2
                     AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.envelope_id = m.id AND r.user_id = ?2 AND r.kind = 'read')",
                )?;
                for r in stmt.query_map([thread.as_str(), s.user.as_str()], |r| {
                    r.get::<_, String>(0)
                })? {
                    ids.push(r?);
                }
            }
            for id in &ids {
                tx.execute(
                    "INSERT OR IGNORE INTO receipts (envelope_id, user_id, device_id, kind, at) VALUES (?1, ?2, ?3, 'read', ?4)",
                    params![id, s.user.as_str(), s.device.as_str(), now],
                )?;
                tx.execute("INSERT OR IGNORE INTO pending_receipts (thread_id, envelope_id, kind) VALUES (?1, ?2, 'read')", [thread.as_str(), id])?;
            }
            tx.commit()?;
            ids.len() as u32
        };
        if n > 0 {
            self.emit(ClientEvent::ThreadsChanged {
                threads: vec![thread.clone()],
            });
            let _ = self.send_receipts().await;
        }
        Ok(n)
    }

    /// Puts a refused message back in the outbox for another try.
    pub async fn retry(&self, message: &EnvelopeId) -> Result<(), ClientError> {
        let n = {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            let n = tx.execute("UPDATE outbox SET parked = 0, attempts = 0, next_attempt_at = 0, last_error = NULL WHERE envelope_id = ?1", [message.as_str()])?;
            tx.execute("UPDATE messages SET state = 'queued', error = NULL WHERE id = ?1 AND state = 'failed'", [message.as_str()])?;
            tx.commit()?;
            n
        };
        if n == 0 {
            return Err(ClientError::NotFound("message waiting to be sent"));
        }
        let _ = self.push_due().await;
        Ok(())
    }
}

/// A message's text as a user may send it: not blank, within [`MAX_MESSAGE_BYTES`].
pub(crate) fn check_text(text: &str) -> Result<(), ClientError> {
    if text.trim().is_empty() {
        return Err(ClientError::Invalid("the message is empty".into()));
    }
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(ClientError::Invalid(format!(
            "the message is too long: {} bytes, at most {MAX_MESSAGE_BYTES}; split it into several",
            text.len()
        )));
    }
    Ok(())
}

/// Who in a thread an envelope is sealed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// Every trusted device of every member.
    Everyone,
    /// Only the staff members' devices (and this person's own): a caseworker's notes.
    Staff,
}

/// A sealed envelope ready for the outbox.
pub(crate) struct Sealed {
    pub id: EnvelopeId,
    pub sent_at: i64,
    pub json: String,
    /// The members it is for, when not all (comma-separated user ids).
    pub to: Option<String>,
}

/// Seals `payload` for the trusted devices of `thread`'s members in `audience`. Devices whose
/// invitation proof failed, and first devices an invitation of this device has not proven yet,
/// are left out.
pub(crate) fn seal(
    db: &Connection,
    s: &Session,
    thread: &ThreadId,
    kind: PayloadKind,
    payload: &MessagePayload,
    audience: Audience,
    sent_at: i64,
) -> Result<Sealed, ClientError> {
    let id = fresh(EnvelopeId::from_parts);
    let mut stmt = db.prepare(
        "SELECT d.enc_key, d.sign_key FROM devices d JOIN members m ON m.user_id = d.user_id
         LEFT JOIN users u ON u.id = d.user_id
         WHERE m.thread_id = ?1 AND d.state = 'trusted' AND d.verified >= 0
           AND (d.verified = 1 OR NOT EXISTS (SELECT 1 FROM invitations i
                WHERE i.joined_user = d.user_id AND COALESCE(i.joined_chain, 0) = d.chain))
           AND (?2 = 0 OR d.user_id = ?3 OR u.role IN ('caseworker', 'admin'))",
    )?;
    let staff_only = i64::from(audience == Audience::Staff);
    let mut recipients = Vec::new();
    for row in stmt.query_map(params![thread.as_str(), staff_only, s.user.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (enc, sign) = row?;
        let sign = B64::decode(&sign)
            .map_err(|_| ClientError::Protocol("a pinned key is corrupt".into()))?;
        recipients.push(Recipient::from_keys(&DeviceKeys { enc, sign })?);
    }
    drop(stmt);
    let header = EnvelopeHeader {
        v: PROTOCOL_VERSION,
        id: id.clone(),
        thread: thread.clone(),
        sender: s.user.clone(),
        sender_device: s.device.clone(),
        kind,
        sent_at_ms: sent_at,
    };
    let plaintext =
        serde_json::to_vec(payload).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let envelope = s.identity.seal(header, &plaintext, &recipients)?;
    let json =
        serde_json::to_string(&envelope).map_err(|e| ClientError::Protocol(e.to_string()))?;
    let to = match audience {
        Audience::Everyone => None,
        Audience::Staff => {
            let mut stmt = db.prepare(
                "SELECT m.user_id FROM members m JOIN users u ON u.id = m.user_id
                 WHERE m.thread_id = ?1 AND (u.role IN ('caseworker', 'admin') OR m.user_id = ?2)
                 ORDER BY m.user_id",
            )?;
            let users = stmt
                .query_map([thread.as_str(), s.user.as_str()], |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Some(users.join(","))
        }
    };
    Ok(Sealed {
        id,
        sent_at,
        json,
        to,
    })
}

/// Queues a sealed envelope that the conversation shows as this person's own line of `kind`
/// (a message, a plan card), in state `queued` until the server takes it.
pub(crate) fn queue_shown(
    tx: &Connection,
    s: &Session,
    thread: &ThreadId,
    sealed: &Sealed,
    kind: &str,
    body: &str,
) -> Result<(), ClientError> {
    tx.execute(
        "INSERT INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'queued')",
        params![sealed.id.as_str(), thread.as_str(), s.user.as_str(), s.device.as_str(), kind, body, sealed.sent_at],
    )?;
    queue(tx, sealed)
}

/// Puts a sealed envelope in the outbox (inside the caller's transaction).
pub(crate) fn queue(tx: &Connection, sealed: &Sealed) -> Result<(), ClientError> {
    tx.execute(
        "INSERT INTO outbox (envelope_id, envelope, created_at, recipients) VALUES (?1, ?2, ?3, ?4)",
        params![sealed.id.as_str(), sealed.json, sealed.sent_at, sealed.to],
    )?;
    Ok(())
}
