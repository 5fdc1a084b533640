//! The release queue of the PostgreSQL store: scheduled envelopes held until their time, listed
//! and cancelled by their sender, and released in one transaction each batch. Due rows are
//! taken `FOR UPDATE SKIP LOCKED`, so nodes releasing at the same moment split the work and
//! none releases an envelope another has; the fan-out's `pg_notify` wakes the other nodes'
//! sockets at COMMIT.

use samtale_proto::api::HeldEnvelope;
use samtale_proto::{EnvelopeId, SealedEnvelope, UserId};

use super::threads::members;
use super::{PgStore, backend, col, execute, fan_out, query, query_opt};
use crate::store::codec::{self, id};
use crate::store::{CancelOutcome, Fanout, PutOutcome, StoreError};

pub(super) async fn hold(
    store: &PgStore,
    envelope: &SealedEnvelope,
    digest: &[u8; 32],
    release_at: i64,
    only: Option<&[UserId]>,
    at_ms: i64,
) -> Result<PutOutcome, StoreError> {
    let header = codec::to_json(&envelope.header)?;
    let eid = envelope.header.id.as_str();
    let recipients: Option<String> =
        only.map(|u| u.iter().map(UserId::as_str).collect::<Vec<_>>().join(","));
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    // Held or stored already: the same envelope is a retry, anything else a clash.
    if let Some(row) = query_opt(
        &tx,
        "SELECT digest, header FROM held WHERE id = $1",
        &[&eid],
    )
    .await
    .map_err(backend)?
    {
        let (d, h): (Vec<u8>, String) = (col(&row, 0)?, col(&row, 1)?);
        tx.commit().await.map_err(backend)?;
        return Ok(if d[..] == digest[..] && h == header {
            PutOutcome::Duplicate
        } else {
            PutOutcome::Conflict
        });
    }
    if query_opt(&tx, "SELECT 1 FROM envelopes WHERE id = $1", &[&eid])
        .await
        .map_err(backend)?
        .is_some()
    {
        tx.commit().await.map_err(backend)?;
        return Ok(PutOutcome::Conflict);
    }
    let inserted = execute(
        &tx,
        "INSERT INTO held (id, thread_id, sender, digest, header, ciphertext, signature, recipients, release_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
        &[
            &eid,
            &envelope.header.thread.as_str(),
            &envelope.header.sender.as_str(),
            &&digest[..],
            &header,
            &envelope.ciphertext.0,
            &envelope.signature.0,
            &recipients,
            &release_at,
            &at_ms,
        ],
    )
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    // A concurrent hold of the same id got there first: a retry of the same request.
    Ok(if inserted == 1 {
        PutOutcome::Stored
    } else {
        PutOutcome::Duplicate
    })
}

pub(super) async fn held_of(
    store: &PgStore,
    sender: &UserId,
) -> Result<Vec<HeldEnvelope>, StoreError> {
    let conn = store.conn().await?;
    let rows = query(
        &conn,
        "SELECT id, thread_id, release_at FROM held WHERE sender = $1 ORDER BY release_at, id",
        &[&sender.as_str()],
    )
    .await
    .map_err(backend)?;
    rows.iter()
        .map(|r| {
            Ok(HeldEnvelope {
                id: id(col::<String>(r, 0)?)?,
                thread: id(col::<String>(r, 1)?)?,
                release_at_ms: col(r, 2)?,
            })
        })
        .collect()
}

pub(super) async fn cancel(
    store: &PgStore,
    eid: &EnvelopeId,
    sender: &UserId,
) -> Result<CancelOutcome, StoreError> {
    let conn = store.conn().await?;
    let n = execute(
        &conn,
        "DELETE FROM held WHERE id = $1 AND sender = $2",
        &[&eid.as_str(), &sender.as_str()],
    )
    .await
    .map_err(backend)?;
    if n > 0 {
        return Ok(CancelOutcome::Cancelled);
    }
    let released = query_opt(
        &conn,
        "SELECT header FROM envelopes WHERE id = $1",
        &[&eid.as_str()],
    )
    .await
    .map_err(backend)?;
    let mine = match released {
        Some(row) => {
            serde_json::from_str::<samtale_proto::EnvelopeHeader>(&col::<String>(&row, 0)?)
                .is_ok_and(|h| &h.sender == sender)
        }
        None => false,
    };
    Ok(if mine {
        CancelOutcome::Released
    } else {
        CancelOutcome::NotFound
    })
}

pub(super) async fn release_due(
    store: &PgStore,
    now_ms: i64,
    limit: u32,
) -> Result<Vec<Fanout>, StoreError> {
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    let rows = query(
        &tx,
        "SELECT id, thread_id, digest, header, ciphertext, signature, recipients FROM held
         WHERE release_at <= $1 ORDER BY release_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        &[&now_ms, &i64::from(limit)],
    )
    .await
    .map_err(backend)?;
    let mut out = Vec::new();
    for row in &rows {
        let eid: String = col(row, 0)?;
        let tid: String = col(row, 1)?;
        let digest: Vec<u8> = col(row, 2)?;
        let header: String = col(row, 3)?;
        let ciphertext: Vec<u8> = col(row, 4)?;
        let signature: Vec<u8> = col(row, 5)?;
        let recipients: Option<String> = col(row, 6)?;
        execute(&tx, "DELETE FROM held WHERE id = $1", &[&eid])
            .await
            .map_err(backend)?;
        let inserted = execute(
            &tx,
            "INSERT INTO envelopes (id, thread_id, digest, header, ciphertext, signature, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            &[&eid, &tid, &digest, &header, &ciphertext, &signature, &now_ms],
        )
        .await
        .map_err(backend)?;
        if inserted == 0 {
            continue;
        }
        let mut all = members(&tx, &tid).await?;
        if let Some(list) = &recipients {
            all.retain(|m| list.split(',').any(|u| u == m.as_str()));
        }
        out.push(fan_out(&tx, &all, now_ms, Some(&eid), None).await?);
    }
    tx.commit().await.map_err(backend)?;
    Ok(out)
}

pub(super) async fn next_release(store: &PgStore) -> Result<Option<i64>, StoreError> {
    let conn = store.conn().await?;
    let row = query_opt(&conn, "SELECT min(release_at) FROM held", &[])
        .await
        .map_err(backend)?;
    match row {
        Some(r) => col(&r, 0),
        None => Ok(None),
    }
}
