//! Sessions of the PostgreSQL store, keyed by the hash of their token: create, look up, rotate,
//! delete. `insert_session` is shared with invitation redemption.

use deadpool_postgres::GenericClient;

use super::{PgStore, backend, col, execute, query_opt};
use crate::store::codec::id;
use crate::store::{Session, StoreError};

/// Like SQLite, a clashing token hash is a backend failure (256 random bits never clash).
pub(super) async fn insert_session<C: GenericClient>(c: &C, s: &Session) -> Result<(), StoreError> {
    execute(
        c,
        "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        &[&&s.token_hash[..], &s.user.as_str(), &s.device.as_str(), &s.created_at_ms, &s.expires_at_ms],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

pub(super) async fn create_session(store: &PgStore, session: &Session) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    insert_session(&conn, session).await
}

pub(super) async fn session(
    store: &PgStore,
    token_hash: &[u8; 32],
) -> Result<Option<Session>, StoreError> {
    let conn = store.conn().await?;
    let row = query_opt(
        &conn,
        "SELECT user_id, device_id, created_at, expires_at FROM sessions WHERE token_hash = $1",
        &[&&token_hash[..]],
    )
    .await
    .map_err(backend)?;
    row.map(|r| {
        Ok(Session {
            token_hash: *token_hash,
            user: id(col(&r, 0)?)?,
            device: id(col(&r, 1)?)?,
            created_at_ms: col(&r, 2)?,
            expires_at_ms: col(&r, 3)?,
        })
    })
    .transpose()
}

pub(super) async fn rotate_session(
    store: &PgStore,
    old_hash: &[u8; 32],
    new: &Session,
) -> Result<(), StoreError> {
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    let n = execute(
        &tx,
        "DELETE FROM sessions WHERE token_hash = $1",
        &[&&old_hash[..]],
    )
    .await
    .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("session"));
    }
    insert_session(&tx, new).await?;
    tx.commit().await.map_err(backend)
}

pub(super) async fn end_sessions(
    store: &PgStore,
    user: &samtale_proto::UserId,
) -> Result<Vec<samtale_proto::DeviceId>, StoreError> {
    let conn = store.conn().await?;
    let rows = super::query(
        &conn,
        "DELETE FROM sessions WHERE user_id = $1 RETURNING device_id",
        &[&user.as_str()],
    )
    .await
    .map_err(backend)?;
    let mut out = rows
        .iter()
        .map(|r| crate::store::codec::id(super::col(r, 0)?))
        .collect::<Result<Vec<samtale_proto::DeviceId>, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

pub(super) async fn delete_session(
    store: &PgStore,
    token_hash: &[u8; 32],
) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    execute(
        &conn,
        "DELETE FROM sessions WHERE token_hash = $1",
        &[&&token_hash[..]],
    )
    .await
    .map_err(backend)?;
    Ok(())
}
