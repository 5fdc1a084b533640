//! Planned messages: written now, sealed at once (dated with their release time), and handed
//! to the server's release queue, which puts them into the inboxes at that time even while this
//! device is off. Until then the sender sees them as planned and can cancel them; a change is a
//! cancel and a new message. Offline, the plan waits in the outbox like any message; if its time
//! passes before the device is back online it goes out at once.

use rusqlite::params;
use samtale_proto::api::MAX_HOLD_MS;
use samtale_proto::payload::MessagePayload;
use samtale_proto::{EnvelopeId, ErrorCode, PayloadKind, ThreadId};

use crate::engine::Client;
use crate::error::ClientError;
use crate::outbound::{Audience, check_text, queue_shown, seal};
use crate::views::{ClientEvent, MessageView};

/// Plans should lie at least this far ahead: nearer is simply sending now.
const MIN_AHEAD_MS: i64 = 60_000;

impl Client {
    /// Plans `text` for `thread` at `release_at_ms`.
    pub async fn plan_message(
        &self,
        thread: &ThreadId,
        text: &str,
        release_at_ms: i64,
    ) -> Result<MessageView, ClientError> {
        let s = self.session()?;
        check_text(text)?;
        let now = self.clock_ms();
        if release_at_ms < now + MIN_AHEAD_MS {
            return Err(ClientError::Invalid(
                "the time must be at least a minute from now; to send now, just send".into(),
            ));
        }
        if release_at_ms > now + MAX_HOLD_MS {
            return Err(ClientError::Invalid(
                "a message can be planned at most a year ahead".into(),
            ));
        }
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
                release_at_ms,
            )?;
            let tx = db.unchecked_transaction()?;
            queue_shown(&tx, &s, thread, &sealed, "message", text)?;
            tx.execute(
                "UPDATE messages SET state = 'planned' WHERE id = ?1",
                [sealed.id.as_str()],
            )?;
            tx.execute(
                "UPDATE outbox SET release_at = ?2 WHERE envelope_id = ?1",
                params![sealed.id.as_str(), release_at_ms],
            )?;
            tx.commit()?;
            sealed.id
        };
        self.emit(ClientEvent::ThreadsChanged {
            threads: vec![thread.clone()],
        });
        let _ = self.push_due().await;
        self.message(&id)
    }

    /// This person's planned messages, soonest first.
    pub fn planned(&self) -> Result<Vec<MessageView>, ClientError> {
        let ids: Vec<String> = {
            let db = self.db();
            let mut stmt =
                db.prepare("SELECT id FROM messages WHERE state = 'planned' ORDER BY sent_at, id")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        ids.iter()
            .map(|id| {
                let id = EnvelopeId::parse(id).map_err(|e| ClientError::Protocol(e.to_string()))?;
                self.message(&id)
            })
            .collect()
    }

    /// Cancels a planned message: it never goes out. Refused once it has.
    pub async fn cancel_planned(&self, id: &EnvelopeId) -> Result<(), ClientError> {
        let (state, in_outbox, thread): (String, bool, String) = {
            let db = self.db();
            let row = rusqlite::OptionalExtension::optional(db.query_row(
                "SELECT m.state, EXISTS (SELECT 1 FROM outbox o WHERE o.envelope_id = m.id), m.thread_id
                 FROM messages m WHERE m.id = ?1",
                [id.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            ))?;
            row.ok_or(ClientError::NotFound("planned message"))?
        };
        if state != "planned" {
            return Err(ClientError::Invalid(
                "the message has already been sent and cannot be cancelled".into(),
            ));
        }
        if !in_outbox {
            let s = self.session()?;
            match s.api.cancel_scheduled(id).await {
                Ok(()) => {}
                // Not held (another of this person's devices cancelled it): only local to drop.
                Err(ClientError::Server {
                    code: ErrorCode::NotFound,
                    ..
                }) => {}
                Err(ClientError::Server {
                    code: ErrorCode::Conflict,
                    ..
                }) => {
                    return Err(ClientError::Invalid(
                        "the message has already been sent and cannot be cancelled".into(),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            tx.execute("DELETE FROM outbox WHERE envelope_id = ?1", [id.as_str()])?;
            tx.execute("DELETE FROM messages WHERE id = ?1", [id.as_str()])?;
            tx.commit()?;
        }
        if let Ok(thread) = ThreadId::parse(&thread) {
            self.emit(ClientEvent::ThreadsChanged {
                threads: vec![thread],
            });
        }
        Ok(())
    }
}
