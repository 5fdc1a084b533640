//! The release queue of the SQLite store: scheduled envelopes held until their time, listed and
//! cancelled by their sender, and released (stored, fanned out, removed from the queue) in one
//! transaction of the single writer, so each is released once.

use rusqlite::{OptionalExtension, params};
use samtale_proto::api::HeldEnvelope;
use samtale_proto::{EnvelopeId, SealedEnvelope, UserId};

use super::threads::members;
use super::{SqliteStore, backend, fan_out};
use crate::store::codec::{self, id};
use crate::store::{CancelOutcome, Fanout, PutOutcome, StoreError};

fn join(only: Option<&[UserId]>) -> Option<String> {
    only.map(|u| u.iter().map(UserId::as_str).collect::<Vec<_>>().join(","))
}

pub(super) async fn hold(
    store: &SqliteStore,
    envelope: &SealedEnvelope,
    digest: &[u8; 32],
    release_at: i64,
    only: Option<&[UserId]>,
    at_ms: i64,
) -> Result<PutOutcome, StoreError> {
    let header = codec::to_json(&envelope.header)?;
    let eid = envelope.header.id.clone();
    let tid = envelope.header.thread.clone();
    let sender = envelope.header.sender.clone();
    let ciphertext = envelope.ciphertext.0.clone();
    let signature = envelope.signature.0.clone();
    let recipients = join(only);
    let digest = *digest;
    store
        .write(move |conn| {
            for table in ["held", "envelopes"] {
                let existing: Option<(Vec<u8>, String)> = conn
                    .query_row(
                        &format!("SELECT digest, header FROM {table} WHERE id = ?1"),
                        [eid.as_str()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(backend)?;
                if let Some((d, h)) = existing {
                    let same = d == digest && h == header && table == "held";
                    return Ok(if same {
                        PutOutcome::Duplicate
                    } else {
                        PutOutcome::Conflict
                    });
                }
            }
            conn.execute(
                "INSERT INTO held (id, thread_id, sender, digest, header, ciphertext, signature, recipients, release_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![eid.as_str(), tid.as_str(), sender.as_str(), &digest[..], header, ciphertext, signature, recipients, release_at, at_ms],
            )
            .map_err(backend)?;
            Ok(PutOutcome::Stored)
        })
        .await
}

pub(super) async fn held_of(
    store: &SqliteStore,
    sender: &UserId,
) -> Result<Vec<HeldEnvelope>, StoreError> {
    let sender = sender.clone();
    store
        .read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, thread_id, release_at FROM held WHERE sender = ?1 ORDER BY release_at, id",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([sender.as_str()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .map_err(backend)?;
            let mut out = Vec::new();
            for row in rows {
                let (e, t, release_at_ms) = row.map_err(backend)?;
                out.push(HeldEnvelope {
                    id: id(e)?,
                    thread: id(t)?,
                    release_at_ms,
                });
            }
            Ok(out)
        })
        .await
}

pub(super) async fn cancel(
    store: &SqliteStore,
    eid: &EnvelopeId,
    sender: &UserId,
) -> Result<CancelOutcome, StoreError> {
    let (eid, sender) = (eid.clone(), sender.clone());
    store
        .write(move |conn| {
            let n = conn
                .execute(
                    "DELETE FROM held WHERE id = ?1 AND sender = ?2",
                    [eid.as_str(), sender.as_str()],
                )
                .map_err(backend)?;
            if n > 0 {
                return Ok(CancelOutcome::Cancelled);
            }
            let released: Option<String> = conn
                .query_row(
                    "SELECT header FROM envelopes WHERE id = ?1",
                    [eid.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            let mine = released
                .and_then(|h| serde_json::from_str::<samtale_proto::EnvelopeHeader>(&h).ok())
                .is_some_and(|h| h.sender == sender);
            Ok(if mine {
                CancelOutcome::Released
            } else {
                CancelOutcome::NotFound
            })
        })
        .await
}

type HeldRow = (
    String,
    String,
    Vec<u8>,
    String,
    Vec<u8>,
    Vec<u8>,
    Option<String>,
);

pub(super) async fn release_due(
    store: &SqliteStore,
    now_ms: i64,
    limit: u32,
) -> Result<Vec<Fanout>, StoreError> {
    store
        .write(move |conn| {
            let due: Vec<HeldRow> = {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT id, thread_id, digest, header, ciphertext, signature, recipients FROM held
                         WHERE release_at <= ?1 ORDER BY release_at, id LIMIT ?2",
                    )
                    .map_err(backend)?;
                stmt.query_map(params![now_ms, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                })
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?
            };
            let mut out = Vec::new();
            for (eid, tid, digest, header, ciphertext, signature, recipients) in due {
                conn.execute("DELETE FROM held WHERE id = ?1", [eid.as_str()])
                    .map_err(backend)?;
                let inserted = conn
                    .execute(
                        "INSERT OR IGNORE INTO envelopes (id, thread_id, digest, header, ciphertext, signature, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![eid, tid, digest, header, ciphertext, signature, now_ms],
                    )
                    .map_err(backend)?;
                if inserted == 0 {
                    continue;
                }
                let mut all = members(conn, &tid)?;
                if let Some(list) = &recipients {
                    all.retain(|m| list.split(',').any(|u| u == m.as_str()));
                }
                out.push(fan_out(conn, &all, now_ms, Some(eid.as_str()), None)?);
            }
            Ok(out)
        })
        .await
}

pub(super) async fn next_release(store: &SqliteStore) -> Result<Option<i64>, StoreError> {
    store
        .read(|conn| {
            conn.query_row("SELECT min(release_at) FROM held", [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .map_err(backend)
        })
        .await
}
