//! Threads of the SQLite store with their members, and the contacts that shared membership
//! gives. `members` is shared with the envelope fan-out in `inbox.rs`.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::{EventBody, ThreadId, UserId};

use super::{SqliteStore, backend, cached_row, fan_out, is_unique_violation};
use crate::store::codec::{self, id};
use crate::store::{Fanout, StoreError, Thread};

pub(super) fn members(conn: &Connection, thread: &str) -> Result<Vec<UserId>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT user_id FROM members WHERE thread_id = ?1 ORDER BY user_id")
        .map_err(backend)?;
    let rows = stmt
        .query_map([thread], |r| r.get::<_, String>(0))
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(id)).collect()
}

type ThreadRow = (String, String, String, String, i64, Option<String>);
fn thread_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ThreadRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}
fn thread_from(t: ThreadRow) -> Result<Thread, StoreError> {
    Ok(Thread {
        id: id(t.0)?,
        tenant: id(t.1)?,
        kind: codec::thread_kind(&t.2)?,
        created_by: id(t.3)?,
        created_at_ms: t.4,
        unit: codec::opt_id(t.5)?,
    })
}

pub(super) async fn create_thread(
    store: &SqliteStore,
    thread: &Thread,
    members: &[UserId],
    event: &EventBody,
    at_ms: i64,
) -> Result<Fanout, StoreError> {
    let (t, members) = (thread.clone(), members.to_vec());
    let body = codec::to_json(event)?;
    store.write(move |conn| {
        conn.execute(
            "INSERT INTO threads (id, tenant, kind, created_by, created_at, unit_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![t.id.as_str(), t.tenant.as_str(), t.kind.as_str(), t.created_by.as_str(), t.created_at_ms, t.unit.as_ref().map(|u| u.as_str())],
        )
        .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict("thread") } else { backend(e) })?;
        for m in &members {
            conn.execute("INSERT OR IGNORE INTO members (thread_id, user_id) VALUES (?1, ?2)", [t.id.as_str(), m.as_str()])
                .map_err(backend)?;
        }
        let all = self::members(conn, t.id.as_str())?;
        fan_out(conn, &all, at_ms, None, Some(&body))
    })
    .await
}

pub(super) async fn set_members(
    store: &SqliteStore,
    thread: &ThreadId,
    new_members: &[UserId],
    event: &EventBody,
    at_ms: i64,
) -> Result<Fanout, StoreError> {
    let (tid, new_members) = (thread.clone(), new_members.to_vec());
    let body = codec::to_json(event)?;
    store
        .write(move |conn| {
            let old = members(conn, tid.as_str())?;
            conn.execute("DELETE FROM members WHERE thread_id = ?1", [tid.as_str()])
                .map_err(backend)?;
            for m in &new_members {
                conn.execute(
                    "INSERT OR IGNORE INTO members (thread_id, user_id) VALUES (?1, ?2)",
                    [tid.as_str(), m.as_str()],
                )
                .map_err(backend)?;
            }
            let mut notify = old;
            notify.extend(new_members);
            notify.sort();
            notify.dedup();
            fan_out(conn, &notify, at_ms, None, Some(&body))
        })
        .await
}

pub(super) async fn thread(
    store: &SqliteStore,
    tid: &ThreadId,
) -> Result<Option<Thread>, StoreError> {
    let tid = tid.clone();
    store
        .read(move |conn| {
            cached_row(
                conn,
                "SELECT id, tenant, kind, created_by, created_at, unit_id FROM threads WHERE id = ?1",
                [tid.as_str()],
                thread_row,
            )
            .optional()
            .map_err(backend)?
            .map(thread_from)
            .transpose()
        })
        .await
}

pub(super) async fn thread_members(
    store: &SqliteStore,
    tid: &ThreadId,
) -> Result<Vec<UserId>, StoreError> {
    let tid = tid.clone();
    store.read(move |conn| members(conn, tid.as_str())).await
}

pub(super) async fn threads_of(
    store: &SqliteStore,
    user: &UserId,
) -> Result<Vec<Thread>, StoreError> {
    let user = user.clone();
    store
        .read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT t.id, t.tenant, t.kind, t.created_by, t.created_at, t.unit_id FROM threads t
                 JOIN members m ON m.thread_id = t.id WHERE m.user_id = ?1 ORDER BY t.id",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([user.as_str()], thread_row)
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(thread_from))
                .collect()
        })
        .await
}

pub(super) async fn contacts_of(
    store: &SqliteStore,
    user: &UserId,
) -> Result<Vec<UserId>, StoreError> {
    let user = user.clone();
    store.read(move |conn| {
        let mut stmt = conn
            .prepare_cached(
                "SELECT DISTINCT o.user_id FROM members m JOIN members o ON o.thread_id = m.thread_id
                 WHERE m.user_id = ?1 AND o.user_id != ?1 ORDER BY o.user_id",
            )
            .map_err(backend)?;
        let rows = stmt.query_map([user.as_str()], |r| r.get::<_, String>(0)).map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(id)).collect()
    })
    .await
}
