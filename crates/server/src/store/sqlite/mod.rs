//! The embedded default backend: one SQLite file in the data directory, zero set-up.
//!
//! Writes go through one writer thread that groups whatever is queued into a single transaction
//! (each request inside its own savepoint, so one failing request does not undo the others), and
//! answers the callers only after COMMIT. That group commit is what lets one file take tens of
//! thousands of envelopes a second. Reads run on a small pool of connections in WAL mode.
//!
//! Layout: this file holds the store itself (opening, the writer thread, the read pool), the
//! helpers every domain shares (`backend`, `is_unique_violation`, `cached_row`, `fan_out`) and
//! the one `impl Store`, whose methods delegate to one file per domain: `tenants` (with users and
//! staff login), `devices`, `sessions`, `invitations`, `threads` (with members and contacts),
//! `inbox` (envelopes, events, acks, purge) and `audit`. A new domain is a new file here.

mod audit;
mod blobs;
mod contacts;
mod devices;
mod held;
mod inbox;
mod invitations;
mod links;
mod notices;
mod sessions;
mod tenants;
mod threads;
mod units;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::{Connection, params};
use samtale_proto::{
    DeviceId, EnvelopeId, EventBody, InboxEvent, InvitationId, LinkId, SealedEnvelope, TenantId,
    ThreadId, UserId,
};
use tokio::sync::oneshot;

use super::codec;
use super::{
    AcceptedLink, AuditEntry, CancelOutcome, Device, Fanout, Invitation, LinkRequest, PutOutcome,
    Session, Store, StoreError, Tenant, Thread, User,
};

const MIGRATIONS: &[&str] = &[
    include_str!("../schema_sqlite.sql"),
    include_str!("../schema_sqlite_2.sql"),
    include_str!("../schema_sqlite_3.sql"),
    include_str!("../schema_sqlite_4.sql"),
    include_str!("../schema_sqlite_5.sql"),
    include_str!("../schema_sqlite_6.sql"),
    include_str!("../schema_sqlite_7.sql"),
    include_str!("../schema_sqlite_8.sql"),
    include_str!("../schema_sqlite_9.sql"),
    include_str!("../schema_sqlite_10.sql"),
    include_str!("../schema_sqlite_11.sql"),
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
        tenants::create_tenant(self, tenant).await
    }

    async fn tenant(&self, tid: &TenantId) -> Result<Option<Tenant>, StoreError> {
        tenants::tenant(self, tid).await
    }

    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        tenants::tenant_by_slug(self, slug).await
    }

    async fn create_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        tenants::create_user(self, user, password_hash).await
    }

    async fn user(&self, uid: &UserId) -> Result<Option<User>, StoreError> {
        tenants::user(self, uid).await
    }

    async fn staff_login(
        &self,
        tenant: &TenantId,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        tenants::staff_login(self, tenant, username).await
    }

    async fn add_device(
        &self,
        device: &Device,
        notify: &[UserId],
        event: &EventBody,
        at_ms: i64,
        cap: u32,
    ) -> Result<Fanout, StoreError> {
        devices::add_device(self, device, notify, event, at_ms, cap).await
    }

    async fn add_first_device(&self, device: &Device) -> Result<u32, StoreError> {
        devices::add_first_device(self, device).await
    }

    async fn revoke_device(
        &self,
        device: &DeviceId,
        at_ms: i64,
        notify: &[UserId],
        event: &EventBody,
    ) -> Result<Fanout, StoreError> {
        devices::revoke_device(self, device, at_ms, notify, event).await
    }

    async fn touch_device(&self, device: &DeviceId, at_ms: i64) -> Result<(), StoreError> {
        devices::touch_device(self, device, at_ms).await
    }

    async fn end_sessions(&self, user: &UserId) -> Result<Vec<DeviceId>, StoreError> {
        sessions::end_sessions(self, user).await
    }

    async fn set_user_disabled(&self, user: &UserId, disabled: bool) -> Result<(), StoreError> {
        tenants::set_user_disabled(self, user, disabled).await
    }

    async fn set_password(&self, user: &UserId, hash: &str) -> Result<(), StoreError> {
        tenants::set_password(self, user, hash).await
    }

    async fn start_new_chain(
        &self,
        user: &UserId,
        at_ms: i64,
    ) -> Result<(u32, Vec<DeviceId>), StoreError> {
        devices::start_new_chain(self, user, at_ms).await
    }

    async fn create_link_request(&self, request: &LinkRequest) -> Result<(), StoreError> {
        links::create_link_request(self, request).await
    }

    async fn link_request(&self, id: &LinkId) -> Result<Option<LinkRequest>, StoreError> {
        links::link_request(self, id).await
    }

    async fn link_request_by_lookup(
        &self,
        lookup: &str,
    ) -> Result<Option<LinkRequest>, StoreError> {
        links::link_request_by_lookup(self, lookup).await
    }

    async fn count_link_attempt(&self, id: &LinkId) -> Result<u32, StoreError> {
        links::count_link_attempt(self, id).await
    }

    async fn release_link_attempt(&self, id: &LinkId) -> Result<(), StoreError> {
        links::release_link_attempt(self, id).await
    }

    async fn accept_link_request(
        &self,
        id: &LinkId,
        accepted: &AcceptedLink,
        device: &Device,
        notify: &[UserId],
        event: &EventBody,
        at_ms: i64,
        cap: u32,
    ) -> Result<Fanout, StoreError> {
        links::accept_link_request(self, id, accepted, device, notify, event, at_ms, cap).await
    }

    async fn claim_link_request(&self, id: &LinkId) -> Result<bool, StoreError> {
        links::claim_link_request(self, id).await
    }

    async fn device(&self, did: &DeviceId) -> Result<Option<Device>, StoreError> {
        devices::device(self, did).await
    }

    async fn devices_of(&self, user: &UserId) -> Result<Vec<Device>, StoreError> {
        devices::devices_of(self, user).await
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        sessions::create_session(self, session).await
    }

    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        sessions::session(self, token_hash).await
    }

    async fn rotate_session(&self, old_hash: &[u8; 32], new: &Session) -> Result<(), StoreError> {
        sessions::rotate_session(self, old_hash, new).await
    }

    async fn delete_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        sessions::delete_session(self, token_hash).await
    }

    async fn create_invitation(&self, invitation: &Invitation) -> Result<(), StoreError> {
        invitations::create_invitation(self, invitation).await
    }

    async fn invitation(&self, iid: &InvitationId) -> Result<Option<Invitation>, StoreError> {
        invitations::invitation(self, iid).await
    }

    async fn invitation_by_lookup(&self, lookup: &str) -> Result<Option<Invitation>, StoreError> {
        invitations::invitation_by_lookup(self, lookup).await
    }

    async fn invitations_by(&self, inviter: &UserId) -> Result<Vec<Invitation>, StoreError> {
        invitations::invitations_by(self, inviter).await
    }

    async fn count_failed_attempt(&self, iid: &InvitationId) -> Result<u32, StoreError> {
        invitations::count_failed_attempt(self, iid).await
    }

    async fn release_attempt(&self, iid: &InvitationId) -> Result<(), StoreError> {
        invitations::release_attempt(self, iid).await
    }

    async fn redeem_reinvitation(
        &self,
        id: &InvitationId,
        device: &Device,
        session: &Session,
    ) -> Result<(), StoreError> {
        invitations::redeem_reinvitation(self, id, device, session).await
    }

    async fn redeem_invitation(
        &self,
        iid: &InvitationId,
        user: &User,
        device: &Device,
        session: &Session,
    ) -> Result<(), StoreError> {
        invitations::redeem_invitation(self, iid, user, device, session).await
    }

    async fn create_thread(
        &self,
        thread: &Thread,
        members: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        threads::create_thread(self, thread, members, event, at_ms).await
    }

    async fn set_members(
        &self,
        thread: &ThreadId,
        new_members: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        threads::set_members(self, thread, new_members, event, at_ms).await
    }

    async fn thread(&self, tid: &ThreadId) -> Result<Option<Thread>, StoreError> {
        threads::thread(self, tid).await
    }

    async fn thread_members(&self, tid: &ThreadId) -> Result<Vec<UserId>, StoreError> {
        threads::thread_members(self, tid).await
    }

    async fn threads_of(&self, user: &UserId) -> Result<Vec<Thread>, StoreError> {
        threads::threads_of(self, user).await
    }

    async fn contacts_of(&self, user: &UserId) -> Result<Vec<UserId>, StoreError> {
        threads::contacts_of(self, user).await
    }

    async fn put_envelope_for(
        &self,
        envelope: &SealedEnvelope,
        digest: &[u8; 32],
        at_ms: i64,
        only: Option<&[UserId]>,
    ) -> Result<(PutOutcome, Fanout), StoreError> {
        inbox::put_envelope(self, envelope, digest, at_ms, only).await
    }

    async fn envelope_thread(&self, eid: &EnvelopeId) -> Result<Option<ThreadId>, StoreError> {
        inbox::envelope_thread(self, eid).await
    }

    async fn append_event(
        &self,
        users: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        inbox::append_event(self, users, event, at_ms).await
    }

    async fn inbox(
        &self,
        user: &UserId,
        since: u64,
        limit: u32,
    ) -> Result<Vec<InboxEvent>, StoreError> {
        inbox::inbox(self, user, since, limit).await
    }

    async fn claim_device_login(&self, device: &DeviceId, at_ms: i64) -> Result<bool, StoreError> {
        devices::claim_device_login(self, device, at_ms).await
    }

    async fn ack(&self, device: &DeviceId, seq: u64) -> Result<(), StoreError> {
        inbox::ack(self, device, seq).await
    }

    async fn purge(&self, before_ms: i64, stale_before_ms: i64) -> Result<u64, StoreError> {
        inbox::purge(self, before_ms, stale_before_ms).await
    }

    async fn hold_envelope(
        &self,
        envelope: &SealedEnvelope,
        digest: &[u8; 32],
        release_at_ms: i64,
        only: Option<&[UserId]>,
        at_ms: i64,
    ) -> Result<PutOutcome, StoreError> {
        held::hold(self, envelope, digest, release_at_ms, only, at_ms).await
    }

    async fn held_of(
        &self,
        sender: &UserId,
    ) -> Result<Vec<samtale_proto::api::HeldEnvelope>, StoreError> {
        held::held_of(self, sender).await
    }

    async fn cancel_held(
        &self,
        id: &EnvelopeId,
        sender: &UserId,
    ) -> Result<CancelOutcome, StoreError> {
        held::cancel(self, id, sender).await
    }

    async fn release_due(&self, now_ms: i64, limit: u32) -> Result<Vec<Fanout>, StoreError> {
        held::release_due(self, now_ms, limit).await
    }

    async fn next_release(&self) -> Result<Option<i64>, StoreError> {
        held::next_release(self).await
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        audit::audit(self, entry).await
    }

    async fn audit_once(&self, entry: &AuditEntry) -> Result<bool, StoreError> {
        audit::audit_once(self, entry).await
    }

    async fn audit_log(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        audit::audit_log(self, tenant, limit).await
    }
}
