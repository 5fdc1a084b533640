//! Sessions of the SQLite store, keyed by the hash of their token: create, look up, rotate,
//! delete. `insert_session` is shared with invitation redemption.

use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, backend, cached_row};
use crate::store::codec::id;
use crate::store::{Session, StoreError};
use samtale_proto::{DeviceId, UserId};

pub(super) async fn create_session(
    store: &SqliteStore,
    session: &Session,
) -> Result<(), StoreError> {
    let s = session.clone();
    store.write(move |conn| insert_session(conn, &s)).await
}

pub(super) async fn session(
    store: &SqliteStore,
    token_hash: &[u8; 32],
) -> Result<Option<Session>, StoreError> {
    let h = *token_hash;
    store.read(move |conn| {
        cached_row(conn,
            "SELECT user_id, device_id, created_at, expires_at FROM sessions WHERE token_hash = ?1",
            [&h[..]],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?)),
        )
        .optional()
        .map_err(backend)?
        .map(|(u, d, c, e)| Ok(Session { token_hash: h, user: id(u)?, device: id(d)?, created_at_ms: c, expires_at_ms: e }))
        .transpose()
    })
    .await
}

pub(super) async fn rotate_session(
    store: &SqliteStore,
    old_hash: &[u8; 32],
    new: &Session,
) -> Result<(), StoreError> {
    let (old, new) = (*old_hash, new.clone());
    store
        .write(move |conn| {
            let n = conn
                .execute("DELETE FROM sessions WHERE token_hash = ?1", [&old[..]])
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("session"));
            }
            insert_session(conn, &new)
        })
        .await
}

pub(super) async fn delete_session(
    store: &SqliteStore,
    token_hash: &[u8; 32],
) -> Result<(), StoreError> {
    let h = *token_hash;
    store
        .write(move |conn| {
            conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [&h[..]])
                .map_err(backend)?;
            Ok(())
        })
        .await
}

pub(super) async fn end_sessions(
    store: &SqliteStore,
    user: &UserId,
) -> Result<Vec<DeviceId>, StoreError> {
    let user = user.clone();
    store
        .write(move |conn| {
            let mut stmt = conn
                .prepare("DELETE FROM sessions WHERE user_id = ?1 RETURNING device_id")
                .map_err(backend)?;
            let rows = stmt
                .query_map([user.as_str()], |r| r.get::<_, String>(0))
                .map_err(backend)?;
            let mut out: Vec<DeviceId> = rows
                .map(|r| r.map_err(backend).and_then(id))
                .collect::<Result<_, _>>()?;
            out.sort();
            out.dedup();
            Ok(out)
        })
        .await
}

pub(super) fn insert_session(conn: &Connection, s: &Session) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![&s.token_hash[..], s.user.as_str(), s.device.as_str(), s.created_at_ms, s.expires_at_ms],
    )
    .map_err(backend)?;
    Ok(())
}
