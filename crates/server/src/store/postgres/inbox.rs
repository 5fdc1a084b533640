//! Envelopes and inboxes of the PostgreSQL store: storing an envelope with its fan-out, other
//! events, reading an inbox, acknowledgements and the purge.

use samtale_proto::{
    DeviceId, EnvelopeId, EventBody, InboxEvent, SealedEnvelope, ThreadId, UserId,
};

use super::threads::members;
use super::{PgStore, backend, col, execute, fan_out, query, query_opt};
use crate::store::codec::{self, id};
use crate::store::{Fanout, PutOutcome, StoreError};

pub(super) async fn put_envelope(
    store: &PgStore,
    envelope: &SealedEnvelope,
    digest: &[u8; 32],
    at_ms: i64,
    only: Option<&[UserId]>,
) -> Result<(PutOutcome, Fanout), StoreError> {
    let header = codec::to_json(&envelope.header)?;
    let eid = envelope.header.id.as_str();
    let tid = envelope.header.thread.as_str();
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    // Two rounds at most: the row we conflicted with can vanish (a purge) before we read it.
    for _ in 0..2 {
        // A concurrent insert of the same id makes this wait for that transaction's outcome.
        let inserted = query_opt(
            &tx,
            "INSERT INTO envelopes (id, thread_id, digest, header, ciphertext, signature, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id",
            &[
                &eid,
                &tid,
                &&digest[..],
                &header,
                &envelope.ciphertext.0,
                &envelope.signature.0,
                &at_ms,
            ],
        )
        .await
        .map_err(backend)?;
        if inserted.is_some() {
            let mut all = members(&tx, tid).await?;
            if let Some(only) = only {
                all.retain(|m| only.contains(m));
            }
            let fanout = fan_out(&tx, &all, at_ms, Some(eid), None).await?;
            tx.commit().await.map_err(backend)?;
            return Ok((PutOutcome::Stored, fanout));
        }
        let existing = query_opt(
            &tx,
            "SELECT digest, header FROM envelopes WHERE id = $1",
            &[&eid],
        )
        .await
        .map_err(backend)?;
        if let Some(row) = existing {
            let (d, h): (Vec<u8>, String) = (col(&row, 0)?, col(&row, 1)?);
            let same = d[..] == digest[..] && h == header;
            tx.commit().await.map_err(backend)?;
            return Ok((
                if same {
                    PutOutcome::Duplicate
                } else {
                    PutOutcome::Conflict
                },
                Vec::new(),
            ));
        }
    }
    Err(StoreError::Backend(format!(
        "envelope {eid} kept vanishing while being stored"
    )))
}

pub(super) async fn envelope_thread(
    store: &PgStore,
    eid: &EnvelopeId,
) -> Result<Option<ThreadId>, StoreError> {
    let conn = store.conn().await?;
    query_opt(
        &conn,
        "SELECT thread_id FROM envelopes WHERE id = $1",
        &[&eid.as_str()],
    )
    .await
    .map_err(backend)?
    .map(|r| id(col(&r, 0)?))
    .transpose()
}

pub(super) async fn append_event(
    store: &PgStore,
    users: &[UserId],
    event: &EventBody,
    at_ms: i64,
) -> Result<Fanout, StoreError> {
    let body = codec::to_json(event)?;
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    let fanout = fan_out(&tx, users, at_ms, None, Some(&body)).await?;
    tx.commit().await.map_err(backend)?;
    Ok(fanout)
}

pub(super) async fn inbox(
    store: &PgStore,
    user: &UserId,
    since: u64,
    limit: u32,
) -> Result<Vec<InboxEvent>, StoreError> {
    let conn = store.conn().await?;
    let rows = query(
        &conn,
        "SELECT i.seq, i.at, i.body, e.header, e.ciphertext, e.signature
         FROM inbox i LEFT JOIN envelopes e ON e.id = i.envelope_id
         WHERE i.user_id = $1 AND i.seq > $2 ORDER BY i.seq LIMIT $3",
        &[&user.as_str(), &codec::seq_param(since), &i64::from(limit)],
    )
    .await
    .map_err(backend)?;
    rows.iter()
        .map(|r| {
            let seq: i64 = col(r, 0)?;
            let env = match col::<Option<String>>(r, 3)? {
                Some(h) => Some((h, col(r, 4)?, col(r, 5)?)),
                None => None,
            };
            Ok(InboxEvent {
                seq: codec::seq(seq),
                at_ms: col(r, 1)?,
                body: codec::event_body(col(r, 2)?, env)?,
            })
        })
        .collect()
}

pub(super) async fn ack(store: &PgStore, device: &DeviceId, seq: u64) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    execute(
        &conn,
        "UPDATE devices SET acked_seq = GREATEST(acked_seq, $2) WHERE id = $1",
        &[&device.as_str(), &codec::seq_param(seq)],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

pub(super) async fn purge(
    store: &PgStore,
    before_ms: i64,
    stale_before_ms: i64,
) -> Result<u64, StoreError> {
    let now = crate::auth::now_ms();
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    // Removed and long-unseen devices hold nothing back.
    execute(
        &tx,
        "DELETE FROM inbox WHERE at < $1
         AND seq <= COALESCE((SELECT MIN(d.acked_seq) FROM devices d WHERE d.user_id = inbox.user_id
                              AND d.revoked_at IS NULL AND d.last_seen >= $2), seq)",
        &[&before_ms, &stale_before_ms],
    )
    .await
    .map_err(backend)?;
    execute(&tx, "DELETE FROM sessions WHERE expires_at <= $1", &[&now])
        .await
        .map_err(backend)?;
    // A day after expiry: long enough for a late claim to get a clear answer.
    execute(
        &tx,
        "DELETE FROM link_requests WHERE expires_at <= $1",
        &[&(now - 24 * 3600 * 1000)],
    )
    .await
    .map_err(backend)?;
    let n = execute(
        &tx,
        "DELETE FROM envelopes WHERE created_at < $1
         AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.envelope_id = envelopes.id)",
        &[&before_ms],
    )
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(n)
}
