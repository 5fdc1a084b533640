//! Threads of the PostgreSQL store with their members, and the contacts that shared membership
//! gives. `members` is shared with the envelope fan-out in `inbox.rs`.

use deadpool_postgres::GenericClient;
use samtale_proto::{EventBody, ThreadId, UserId};
use tokio_postgres::Row;

use super::{PgStore, backend, col, execute, fan_out, query, query_opt, unique_or_backend};
use crate::store::codec::{self, id};
use crate::store::{Fanout, StoreError, Thread};

pub(super) async fn members<C: GenericClient>(
    c: &C,
    thread: &str,
) -> Result<Vec<UserId>, StoreError> {
    let rows = query(
        c,
        "SELECT user_id FROM members WHERE thread_id = $1 ORDER BY user_id",
        &[&thread],
    )
    .await
    .map_err(backend)?;
    rows.iter().map(|r| id(col(r, 0)?)).collect()
}

const THREAD_COLS: &str = "t.id, t.tenant, t.kind, t.created_by, t.created_at, t.unit_id";
fn thread_from(r: &Row) -> Result<Thread, StoreError> {
    Ok(Thread {
        id: id(col(r, 0)?)?,
        tenant: id(col(r, 1)?)?,
        kind: codec::thread_kind(col(r, 2)?)?,
        created_by: id(col(r, 3)?)?,
        created_at_ms: col(r, 4)?,
        unit: codec::opt_id(col(r, 5)?)?,
    })
}

/// Inserts the members of a thread, ignoring repeats.
async fn insert_members<C: GenericClient>(
    c: &C,
    thread: &str,
    users: &[UserId],
) -> Result<(), StoreError> {
    let stmt = c
        .prepare_cached(
            "INSERT INTO members (thread_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .await
        .map_err(backend)?;
    for m in users {
        c.execute(&stmt, &[&thread, &m.as_str()])
            .await
            .map_err(backend)?;
    }
    Ok(())
}

pub(super) async fn create_thread(
    store: &PgStore,
    thread: &Thread,
    members: &[UserId],
    event: &EventBody,
    at_ms: i64,
) -> Result<Fanout, StoreError> {
    let body = codec::to_json(event)?;
    let t = thread;
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    execute(
        &tx,
        "INSERT INTO threads (id, tenant, kind, created_by, created_at, unit_id) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&t.id.as_str(), &t.tenant.as_str(), &t.kind.as_str(), &t.created_by.as_str(), &t.created_at_ms, &t.unit.as_ref().map(|u| u.as_str())],
    )
    .await
    .map_err(|e| unique_or_backend(e, "thread"))?;
    insert_members(&tx, t.id.as_str(), members).await?;
    let all = self::members(&tx, t.id.as_str()).await?;
    let fanout = fan_out(&tx, &all, at_ms, None, Some(&body)).await?;
    tx.commit().await.map_err(backend)?;
    Ok(fanout)
}

pub(super) async fn set_members(
    store: &PgStore,
    thread: &ThreadId,
    new_members: &[UserId],
    event: &EventBody,
    at_ms: i64,
) -> Result<Fanout, StoreError> {
    let body = codec::to_json(event)?;
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    // Serialises membership changes of this thread (a missing thread behaves as in SQLite).
    execute(
        &tx,
        "SELECT 1 FROM threads WHERE id = $1 FOR NO KEY UPDATE",
        &[&thread.as_str()],
    )
    .await
    .map_err(backend)?;
    let old = members(&tx, thread.as_str()).await?;
    execute(
        &tx,
        "DELETE FROM members WHERE thread_id = $1",
        &[&thread.as_str()],
    )
    .await
    .map_err(backend)?;
    insert_members(&tx, thread.as_str(), new_members).await?;
    let mut notify = old;
    notify.extend_from_slice(new_members);
    notify.sort();
    notify.dedup();
    let fanout = fan_out(&tx, &notify, at_ms, None, Some(&body)).await?;
    tx.commit().await.map_err(backend)?;
    Ok(fanout)
}

pub(super) async fn thread(store: &PgStore, tid: &ThreadId) -> Result<Option<Thread>, StoreError> {
    let conn = store.conn().await?;
    query_opt(
        &conn,
        &format!("SELECT {THREAD_COLS} FROM threads t WHERE t.id = $1"),
        &[&tid.as_str()],
    )
    .await
    .map_err(backend)?
    .as_ref()
    .map(thread_from)
    .transpose()
}

pub(super) async fn thread_members(
    store: &PgStore,
    tid: &ThreadId,
) -> Result<Vec<UserId>, StoreError> {
    let conn = store.conn().await?;
    members(&conn, tid.as_str()).await
}

pub(super) async fn threads_of(store: &PgStore, user: &UserId) -> Result<Vec<Thread>, StoreError> {
    let conn = store.conn().await?;
    query(
        &conn,
        &format!(
            "SELECT {THREAD_COLS} FROM threads t
             JOIN members m ON m.thread_id = t.id WHERE m.user_id = $1 ORDER BY t.id"
        ),
        &[&user.as_str()],
    )
    .await
    .map_err(backend)?
    .iter()
    .map(thread_from)
    .collect()
}

pub(super) async fn contacts_of(store: &PgStore, user: &UserId) -> Result<Vec<UserId>, StoreError> {
    let conn = store.conn().await?;
    query(
        &conn,
        "SELECT DISTINCT o.user_id FROM members m JOIN members o ON o.thread_id = m.thread_id
         WHERE m.user_id = $1 AND o.user_id <> $1 ORDER BY o.user_id",
        &[&user.as_str()],
    )
    .await
    .map_err(backend)?
    .iter()
    .map(|r| id(col(r, 0)?))
    .collect()
}
