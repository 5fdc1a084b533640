//! The embedded default backend: one SQLite file in the data directory, zero set-up.
//!
//! Writes go through one writer thread that groups whatever is queued into a single transaction
//! (each request inside its own savepoint, so one failing request does not undo the others), and
//! answers the callers only after COMMIT. That group commit is what lets one file take tens of
//! thousands of envelopes a second. Reads run on a small pool of connections in WAL mode.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::{
    DeviceId, EnvelopeId, EventBody, InboxEvent, InvitationId, SealedEnvelope, TenantId, ThreadId,
    UserId,
};
use tokio::sync::oneshot;

use super::codec::{self, id, opt_id};
use super::{
    AuditEntry, Device, Fanout, Invitation, PutOutcome, Session, Store, StoreError, Tenant, Thread,
    User,
};

const MIGRATIONS: &[&str] = &[
    include_str!("schema_sqlite.sql"),
    include_str!("schema_sqlite_2.sql"),
];
/// Most write requests folded into one transaction.
const MAX_BATCH: usize = 512;
/// Reader connections kept open between reads. Enough for the blocking pool's usual
/// concurrency: opening and closing a connection per read cost ~20 % of CPU under load.
const MAX_IDLE_READERS: usize = 64;

type Deliver = Box<dyn FnOnce(bool) + Send>;
/// A queued write. Called with `None` when no transaction could be opened: it must then only
/// report the failure, never touch the database (its writes would land outside a transaction).
type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Deliver) + Send>;

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<mpsc::Sender<Job>>,
    readers: Mutex<Vec<Connection>>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// UNIQUE or PRIMARY KEY, not other constraints (a foreign key failure is a bug, not a conflict).
fn is_unique_violation(e: &rusqlite::Error) -> bool {
    const SQLITE_CONSTRAINT_PRIMARYKEY: i32 = 1555;
    const SQLITE_CONSTRAINT_UNIQUE: i32 = 2067;
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == SQLITE_CONSTRAINT_UNIQUE || f.extended_code == SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(backend)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )
    .map_err(backend)?;
    // Every statement the store uses fits, so none is re-parsed.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and starts the writer thread.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let conn = open(&path)?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| StoreError::Backend(format!("start writer thread: {e}")))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(tx),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let Some(conn) = conn else {
                let deliver: Deliver = Box::new(move |_| {
                    let _ = tx.send(Err(StoreError::Backend(
                        "could not begin a transaction".into(),
                    )));
                });
                return (false, deliver);
            };
            let result = f(conn);
            let ok = result.is_ok();
            let deliver: Deliver = Box::new(move |committed| {
                let _ = tx.send(if committed {
                    result
                } else {
                    Err(StoreError::Backend(
                        "the transaction could not be committed".into(),
                    ))
                });
            });
            (ok, deliver)
        });
        {
            let writer = self
                .inner
                .writer
                .lock()
                .map_err(|_| StoreError::Backend("writer lock poisoned".into()))?;
            writer
                .send(job)
                .map_err(|_| StoreError::Backend("the writer thread has stopped".into()))?;
        }
        rx.await
            .map_err(|_| StoreError::Backend("the writer thread dropped a request".into()))?
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().ok().and_then(|mut r| r.pop());
            let conn = match pooled {
                Some(c) => c,
                None => open(&inner.path)?,
            };
            let result = f(&conn);
            if let Ok(mut r) = inner.readers.lock()
                && r.len() < MAX_IDLE_READERS
            {
                r.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
    }
}

fn writer_loop(conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut delivers = Vec::with_capacity(batch.len());
        let began = conn.execute_batch("BEGIN IMMEDIATE").is_ok();
        for job in batch {
            if !began {
                delivers.push(job(None).1);
                continue;
            }
            let _ = conn.execute_batch("SAVEPOINT job");
            let (ok, deliver) = job(Some(&conn));
            if !ok {
                let _ = conn.execute_batch("ROLLBACK TO job");
            }
            let _ = conn.execute_batch("RELEASE job");
            delivers.push(deliver);
        }
        let committed = began && conn.execute_batch("COMMIT").is_ok();
        if began && !committed {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for deliver in delivers {
            deliver(committed);
        }
    }
}

/// `query_row` through the connection's statement cache: re-parsing the same SQL on every read
/// cost ~7 % of the server's CPU under load (docs/benchmarks.md).
fn cached_row<T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, f)
}

/// Appends one event to each user's inbox, bumping their sequence.
fn fan_out(
    conn: &Connection,
    users: &[UserId],
    at_ms: i64,
    envelope: Option<&str>,
    body: Option<&str>,
) -> Result<Fanout, StoreError> {
    let mut bump = conn
        .prepare_cached(
            "UPDATE users SET inbox_seq = inbox_seq + 1 WHERE id = ?1 RETURNING inbox_seq",
        )
        .map_err(backend)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO inbox (user_id, seq, at, envelope_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend)?;
    let mut out = Vec::with_capacity(users.len());
    for user in users {
        let seq: i64 = bump
            .query_row([user.as_str()], |r| r.get(0))
            .map_err(backend)?;
        insert
            .execute(params![user.as_str(), seq, at_ms, envelope, body])
            .map_err(backend)?;
        out.push((user.clone(), codec::seq(seq)));
    }
    Ok(out)
}

fn members(conn: &Connection, thread: &str) -> Result<Vec<UserId>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT user_id FROM members WHERE thread_id = ?1 ORDER BY user_id")
        .map_err(backend)?;
    let rows = stmt
        .query_map([thread], |r| r.get::<_, String>(0))
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(id)).collect()
}

const USER_COLS: &str = "id, tenant, role, display_name, username";
fn user_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, String, Option<String>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}
fn user_from(t: (String, String, String, String, Option<String>)) -> Result<User, StoreError> {
    Ok(User {
        id: id(t.0)?,
        tenant: id(t.1)?,
        role: codec::role(&t.2)?,
        display_name: t.3,
        username: t.4,
    })
}

const DEVICE_COLS: &str = "id, user_id, name, enc_key, sign_key, created_at, join_proof";
type DeviceRow = (String, String, String, String, Vec<u8>, i64, Option<String>);
fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}
fn device_from(t: DeviceRow) -> Result<Device, StoreError> {
    Ok(Device {
        id: id(t.0)?,
        user: id(t.1)?,
        name: t.2,
        enc_key: t.3,
        sign_key: t.4,
        created_at_ms: t.5,
        join_proof: codec::join_proof(t.6)?,
    })
}

const INVITATION_COLS: &str = "id, tenant, inviter, inviter_device, role, display_name, youth, lookup, \
     check_hash, proof_code, proof_qr, created_at, expires_at, failed_attempts, used_by";
fn invitation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Invitation, StoreError>> {
    let role: String = r.get(4)?;
    let check: Vec<u8> = r.get(8)?;
    let attempts: i64 = r.get(13)?;
    let parts = (
        r.get::<_, String>(0)?,
        r.get::<_, String>(1)?,
        r.get::<_, String>(2)?,
        r.get::<_, String>(3)?,
    );
    let youth: Option<String> = r.get(6)?;
    let used_by: Option<String> = r.get(14)?;
    let display_name: String = r.get(5)?;
    let lookup: String = r.get(7)?;
    let proof_code: Vec<u8> = r.get(9)?;
    let proof_qr: Vec<u8> = r.get(10)?;
    let created_at_ms: i64 = r.get(11)?;
    let expires_at_ms: i64 = r.get(12)?;
    Ok((|| {
        Ok(Invitation {
            id: id(parts.0)?,
            tenant: id(parts.1)?,
            inviter: id(parts.2)?,
            inviter_device: id(parts.3)?,
            role: codec::role(&role)?,
            display_name,
            youth: opt_id(youth)?,
            lookup,
            check_hash: codec::hash32(check)?,
            proof_code,
            proof_qr,
            created_at_ms,
            expires_at_ms,
            failed_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            used_by: opt_id(used_by)?,
        })
    })())
}

fn thread_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}
fn thread_from(t: (String, String, String, String, i64)) -> Result<Thread, StoreError> {
    Ok(Thread {
        id: id(t.0)?,
        tenant: id(t.1)?,
        kind: codec::thread_kind(&t.2)?,
        created_by: id(t.3)?,
        created_at_ms: t.4,
    })
}

impl Store for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.write(|conn| {
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(backend)?;
            let start = usize::try_from(version).unwrap_or(0);
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(start) {
                conn.execute_batch(sql).map_err(backend)?;
                conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                    .map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn create_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
        let t = tenant.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO tenants (id, name, slug) VALUES (?1, ?2, ?3)",
                params![t.id.as_str(), t.name, t.slug],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict("tenant")
                } else {
                    backend(e)
                }
            })?;
            Ok(())
        })
        .await
    }

    async fn tenant(&self, tid: &TenantId) -> Result<Option<Tenant>, StoreError> {
        let tid = tid.clone();
        self.read(move |conn| {
            cached_row(
                conn,
                "SELECT id, name, slug FROM tenants WHERE id = ?1",
                [tid.as_str()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(backend)?
            .map(|(i, name, slug)| {
                Ok(Tenant {
                    id: id(i)?,
                    name,
                    slug,
                })
            })
            .transpose()
        })
        .await
    }

    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        let slug = slug.to_owned();
        self.read(move |conn| {
            cached_row(
                conn,
                "SELECT id, name, slug FROM tenants WHERE slug = ?1",
                [slug.as_str()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(backend)?
            .map(|(i, name, slug)| {
                Ok(Tenant {
                    id: id(i)?,
                    name,
                    slug,
                })
            })
            .transpose()
        })
        .await
    }

    async fn create_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let u = user.clone();
        let hash = password_hash.map(str::to_owned);
        self.write(move |conn| insert_user(conn, &u, hash.as_deref()))
            .await
    }

    async fn user(&self, uid: &UserId) -> Result<Option<User>, StoreError> {
        let uid = uid.clone();
        self.read(move |conn| {
            cached_row(
                conn,
                &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
                [uid.as_str()],
                user_row,
            )
            .optional()
            .map_err(backend)?
            .map(user_from)
            .transpose()
        })
        .await
    }

    async fn staff_login(
        &self,
        tenant: &TenantId,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let (tenant, username) = (tenant.clone(), username.to_owned());
        self.read(move |conn| {
            cached_row(
                conn,
                &format!(
                    "SELECT {USER_COLS}, password_hash FROM users
                     WHERE tenant = ?1 AND username = ?2 AND password_hash IS NOT NULL"
                ),
                [tenant.as_str(), username.as_str()],
                |r| Ok((user_row(r)?, r.get::<_, String>(5)?)),
            )
            .optional()
            .map_err(backend)?
            .map(|(u, h)| Ok((user_from(u)?, h)))
            .transpose()
        })
        .await
    }

    async fn add_device(
        &self,
        device: &Device,
        notify: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        let d = device.clone();
        let notify = notify.to_vec();
        let body = codec::to_json(event)?;
        self.write(move |conn| {
            insert_device(conn, &d)?;
            fan_out(conn, &notify, at_ms, None, Some(&body))
        })
        .await
    }

    async fn device(&self, did: &DeviceId) -> Result<Option<Device>, StoreError> {
        let did = did.clone();
        self.read(move |conn| {
            cached_row(
                conn,
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                [did.as_str()],
                device_row,
            )
            .optional()
            .map_err(backend)?
            .map(device_from)
            .transpose()
        })
        .await
    }

    async fn devices_of(&self, user: &UserId) -> Result<Vec<Device>, StoreError> {
        let user = user.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {DEVICE_COLS} FROM devices WHERE user_id = ?1 ORDER BY id"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map([user.as_str()], device_row)
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(device_from))
                .collect()
        })
        .await
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let s = session.clone();
        self.write(move |conn| insert_session(conn, &s)).await
    }

    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let h = *token_hash;
        self.read(move |conn| {
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

    async fn rotate_session(&self, old_hash: &[u8; 32], new: &Session) -> Result<(), StoreError> {
        let (old, new) = (*old_hash, new.clone());
        self.write(move |conn| {
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

    async fn delete_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        let h = *token_hash;
        self.write(move |conn| {
            conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [&h[..]])
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn create_invitation(&self, invitation: &Invitation) -> Result<(), StoreError> {
        let i = invitation.clone();
        self.write(move |conn| {
            conn.execute(
                &format!("INSERT INTO invitations ({INVITATION_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
                params![
                    i.id.as_str(), i.tenant.as_str(), i.inviter.as_str(), i.inviter_device.as_str(),
                    i.role.as_str(), i.display_name, i.youth.as_ref().map(|y| y.as_str()), i.lookup,
                    &i.check_hash[..], i.proof_code, i.proof_qr, i.created_at_ms, i.expires_at_ms,
                    i.failed_attempts, i.used_by.as_ref().map(|u| u.as_str()),
                ],
            )
            .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict("invitation") } else { backend(e) })?;
            Ok(())
        })
        .await
    }

    async fn invitation(&self, iid: &InvitationId) -> Result<Option<Invitation>, StoreError> {
        let iid = iid.clone();
        self.read(move |conn| {
            cached_row(
                conn,
                &format!("SELECT {INVITATION_COLS} FROM invitations WHERE id = ?1"),
                [iid.as_str()],
                invitation_row,
            )
            .optional()
            .map_err(backend)?
            .transpose()
        })
        .await
    }

    async fn invitation_by_lookup(&self, lookup: &str) -> Result<Option<Invitation>, StoreError> {
        let lookup = lookup.to_owned();
        self.read(move |conn| {
            cached_row(conn,
                &format!("SELECT {INVITATION_COLS} FROM invitations WHERE lookup = ?1 AND used_by IS NULL"),
                [lookup.as_str()],
                invitation_row,
            )
            .optional()
            .map_err(backend)?
            .transpose()
        })
        .await
    }

    async fn invitations_by(&self, inviter: &UserId) -> Result<Vec<Invitation>, StoreError> {
        let inviter = inviter.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {INVITATION_COLS} FROM invitations WHERE inviter = ?1 ORDER BY id"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map([inviter.as_str()], invitation_row)
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(|x| x)).collect()
        })
        .await
    }

    async fn count_failed_attempt(&self, iid: &InvitationId) -> Result<u32, StoreError> {
        let iid = iid.clone();
        self.write(move |conn| {
            let n: i64 = conn
                .query_row(
                    "UPDATE invitations SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING failed_attempts",
                    [iid.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?
                .ok_or(StoreError::NotFound("invitation"))?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
        .await
    }

    async fn release_attempt(&self, iid: &InvitationId) -> Result<(), StoreError> {
        let iid = iid.clone();
        self.write(move |conn| {
            conn.execute(
                "UPDATE invitations SET failed_attempts = failed_attempts - 1 WHERE id = ?1 AND failed_attempts > 0",
                [iid.as_str()],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn redeem_invitation(
        &self,
        iid: &InvitationId,
        user: &User,
        device: &Device,
        session: &Session,
    ) -> Result<(), StoreError> {
        let (iid, u, d, s) = (iid.clone(), user.clone(), device.clone(), session.clone());
        self.write(move |conn| {
            insert_user(conn, &u, None)?;
            let n = conn
                .execute(
                    "UPDATE invitations SET used_by = ?2 WHERE id = ?1 AND used_by IS NULL",
                    params![iid.as_str(), u.id.as_str()],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("invitation"));
            }
            insert_device(conn, &d)?;
            insert_session(conn, &s)
        })
        .await
    }

    async fn create_thread(
        &self,
        thread: &Thread,
        members: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        let (t, members) = (thread.clone(), members.to_vec());
        let body = codec::to_json(event)?;
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO threads (id, tenant, kind, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![t.id.as_str(), t.tenant.as_str(), t.kind.as_str(), t.created_by.as_str(), t.created_at_ms],
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

    async fn set_members(
        &self,
        thread: &ThreadId,
        new_members: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        let (tid, new_members) = (thread.clone(), new_members.to_vec());
        let body = codec::to_json(event)?;
        self.write(move |conn| {
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

    async fn thread(&self, tid: &ThreadId) -> Result<Option<Thread>, StoreError> {
        let tid = tid.clone();
        self.read(move |conn| {
            cached_row(
                conn,
                "SELECT id, tenant, kind, created_by, created_at FROM threads WHERE id = ?1",
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

    async fn thread_members(&self, tid: &ThreadId) -> Result<Vec<UserId>, StoreError> {
        let tid = tid.clone();
        self.read(move |conn| members(conn, tid.as_str())).await
    }

    async fn threads_of(&self, user: &UserId) -> Result<Vec<Thread>, StoreError> {
        let user = user.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT t.id, t.tenant, t.kind, t.created_by, t.created_at FROM threads t
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

    async fn contacts_of(&self, user: &UserId) -> Result<Vec<UserId>, StoreError> {
        let user = user.clone();
        self.read(move |conn| {
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

    async fn put_envelope(
        &self,
        envelope: &SealedEnvelope,
        digest: &[u8; 32],
        at_ms: i64,
    ) -> Result<(PutOutcome, Fanout), StoreError> {
        let header = codec::to_json(&envelope.header)?;
        let eid = envelope.header.id.clone();
        let tid = envelope.header.thread.clone();
        let ciphertext = envelope.ciphertext.0.clone();
        let signature = envelope.signature.0.clone();
        let digest = *digest;
        self.write(move |conn| {
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
            let all = members(conn, tid.as_str())?;
            let fanout = fan_out(conn, &all, at_ms, Some(eid.as_str()), None)?;
            Ok((PutOutcome::Stored, fanout))
        })
        .await
    }

    async fn envelope_thread(&self, eid: &EnvelopeId) -> Result<Option<ThreadId>, StoreError> {
        let eid = eid.clone();
        self.read(move |conn| {
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

    async fn append_event(
        &self,
        users: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        let users = users.to_vec();
        let body = codec::to_json(event)?;
        self.write(move |conn| fan_out(conn, &users, at_ms, None, Some(&body)))
            .await
    }

    async fn inbox(
        &self,
        user: &UserId,
        since: u64,
        limit: u32,
    ) -> Result<Vec<InboxEvent>, StoreError> {
        let user = user.clone();
        self.read(move |conn| {
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

    async fn claim_device_login(&self, device: &DeviceId, at_ms: i64) -> Result<bool, StoreError> {
        let device = device.clone();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE devices SET last_login_ms = ?2 WHERE id = ?1 AND last_login_ms < ?2",
                    params![device.as_str(), at_ms],
                )
                .map_err(backend)?;
            Ok(n == 1)
        })
        .await
    }

    async fn ack(&self, device: &DeviceId, seq: u64) -> Result<(), StoreError> {
        let device = device.clone();
        self.write(move |conn| {
            conn.execute(
                "UPDATE devices SET acked_seq = MAX(acked_seq, ?2) WHERE id = ?1",
                params![device.as_str(), codec::seq_param(seq)],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn purge(&self, before_ms: i64) -> Result<u64, StoreError> {
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM inbox WHERE at < ?1
                 AND seq <= COALESCE((SELECT MIN(d.acked_seq) FROM devices d WHERE d.user_id = inbox.user_id), seq)",
                [before_ms],
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

    async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let a = entry.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO audit (tenant, at, actor, action, subject) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.tenant.as_str(), a.at_ms, a.actor.as_ref().map(|u| u.as_str()), a.action, a.subject],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn audit_log(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let tenant = tenant.clone();
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT tenant, at, actor, action, subject FROM audit WHERE tenant = ?1 ORDER BY id LIMIT ?2")
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![tenant.as_str(), limit], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
                })
                .map_err(backend)?;
            rows.map(|r| {
                let (t, at, actor, action, subject) = r.map_err(backend)?;
                Ok(AuditEntry { tenant: id(t)?, at_ms: at, actor: opt_id(actor)?, action, subject })
            })
            .collect()
        })
        .await
    }
}

fn insert_user(conn: &Connection, u: &User, password_hash: Option<&str>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO users (id, tenant, role, display_name, username, password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![u.id.as_str(), u.tenant.as_str(), u.role.as_str(), u.display_name, u.username, password_hash],
    )
    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict("user") } else { backend(e) })?;
    Ok(())
}

fn insert_device(conn: &Connection, d: &Device) -> Result<(), StoreError> {
    let proof = d.join_proof.as_ref().map(codec::to_json).transpose()?;
    conn.execute(
        &format!("INSERT INTO devices ({DEVICE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            d.id.as_str(),
            d.user.as_str(),
            d.name,
            d.enc_key,
            d.sign_key,
            d.created_at_ms,
            proof
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict("device")
        } else {
            backend(e)
        }
    })?;
    Ok(())
}

fn insert_session(conn: &Connection, s: &Session) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![&s.token_hash[..], s.user.as_str(), s.device.as_str(), s.created_at_ms, s.expires_at_ms],
    )
    .map_err(backend)?;
    Ok(())
}
