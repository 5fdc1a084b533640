//! Envelopes and inboxes of the SQLite store: storing an envelope with its fan-out, other
//! events, reading an inbox, acknowledgements and the purge.

use rusqlite::{OptionalExtension, params};
use samtale_proto::{
    DeviceId, EnvelopeId, EventBody, InboxEvent, SealedEnvelope, ThreadId, UserId,
};

use super::threads::members;
use super::{SqliteStore, backend, cached_row, fan_out};
use crate::store::codec::{self, id};
use crate::store::{Fanout, PutOutcome, StoreError};

pub(super) async fn put_envelope(
    store: &SqliteStore,
    envelope: &SealedEnvelope,
    digest: &[u8; 32],
    at_ms: i64,
    only: Option<&[UserId]>,
) -> Result<(PutOutcome, Fanout), StoreError> {
    let header = codec::to_json(&envelope.header)?;
    let only = only.map(<[UserId]>::to_vec);
    let eid = envelope.header.id.clone();
    let tid = envelope.header.thread.clone();
    let ciphertext = envelope.ciphertext.0.clone();
    let signature = envelope.signature.0.clone();
    let digest = *digest;
    store.write(move |conn| {
        let existing: Option<(Vec<u8>, String)> = conn
            .query_row("SELECT digest, header FROM envelopes WHERE id = ?1", [eid.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(backend)?;
        if let Some((d, h)) = existing {
            let same = d == digest && h == header;
            return Ok((if same { PutOutcome::Duplicate } else { PutOutcome::Conflict }, Vec::new()));
        }
        conn.prepare_cached(
            "INSERT INTO envelopes (id, thread_id, digest, header, ciphertext, signature, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut s| s.execute(params![eid.as_str(), tid.as_str(), &digest[..], header, ciphertext, signature, at_ms]))
        .map_err(backend)?;
        let mut all = members(conn, tid.as_str())?;
        if let Some(only) = &only {
            all.retain(|m| only.contains(m));
        }
        let fanout = fan_out(conn, &all, at_ms, Some(eid.as_str()), None)?;
        Ok((PutOutcome::Stored, fanout))
    })
    .await
}

pub(super) async fn envelope_thread(
    store: &SqliteStore,
    eid: &EnvelopeId,
) -> Result<Option<ThreadId>, StoreError> {
    let eid = eid.clone();
    store
        .read(move |conn| {
            cached_row(
                conn,
                "SELECT thread_id FROM envelopes WHERE id = ?1",
                [eid.as_str()],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(backend)?
            .map(id)
            .transpose()
        })
        .await
}

pub(super) async fn append_event(
    store: &SqliteStore,
    users: &[UserId],
    event: &EventBody,
    at_ms: i64,
) -> Result<Fanout, StoreError> {
    let users = users.to_vec();
    let body = codec::to_json(event)?;
    store
        .write(move |conn| fan_out(conn, &users, at_ms, None, Some(&body)))
        .await
}

pub(super) async fn inbox(
    store: &SqliteStore,
    user: &UserId,
    since: u64,
    limit: u32,
) -> Result<Vec<InboxEvent>, StoreError> {
    let user = user.clone();
    store
        .read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT i.seq, i.at, i.body, e.header, e.ciphertext, e.signature
                 FROM inbox i LEFT JOIN envelopes e ON e.id = i.envelope_id
                 WHERE i.user_id = ?1 AND i.seq > ?2 ORDER BY i.seq LIMIT ?3",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(
                    params![user.as_str(), codec::seq_param(since), limit],
                    |r| {
                        let env = match r.get::<_, Option<String>>(3)? {
                            Some(h) => Some((h, r.get::<_, Vec<u8>>(4)?, r.get::<_, Vec<u8>>(5)?)),
                            None => None,
                        };
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            env,
                        ))
                    },
                )
                .map_err(backend)?;
            rows.map(|r| {
                let (seq, at, body, env) = r.map_err(backend)?;
                Ok(InboxEvent {
                    seq: codec::seq(seq),
                    at_ms: at,
                    body: codec::event_body(body, env)?,
                })
            })
            .collect()
        })
        .await
}

pub(super) async fn ack(
    store: &SqliteStore,
    device: &DeviceId,
    seq: u64,
) -> Result<(), StoreError> {
    let device = device.clone();
    store
        .write(move |conn| {
            conn.execute(
                "UPDATE devices SET acked_seq = MAX(acked_seq, ?2) WHERE id = ?1",
                params![device.as_str(), codec::seq_param(seq)],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
}

pub(super) async fn purge(
    store: &SqliteStore,
    before_ms: i64,
    stale_before_ms: i64,
) -> Result<u64, StoreError> {
    let now = crate::auth::now_ms();
    store.write(move |conn| {
        // Removed and long-unseen devices hold nothing back.
        conn.execute(
            "DELETE FROM inbox WHERE at < ?1
             AND seq <= COALESCE((SELECT MIN(d.acked_seq) FROM devices d WHERE d.user_id = inbox.user_id
                                  AND d.revoked_at IS NULL AND d.last_seen >= ?2), seq)",
            params![before_ms, stale_before_ms],
        )
        .map_err(backend)?;
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
            .map_err(backend)?;
        // A day after expiry: long enough for a late claim to get a clear answer.
        conn.execute(
            "DELETE FROM link_requests WHERE expires_at <= ?1",
            [now - 24 * 3600 * 1000],
        )
        .map_err(backend)?;
        let n = conn
            .execute(
                "DELETE FROM envelopes WHERE created_at < ?1
                 AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.envelope_id = envelopes.id)",
                [before_ms],
            )
            .map_err(backend)?;
        Ok(n as u64)
    })
    .await
}
