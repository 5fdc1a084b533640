//! The scale-out backend: PostgreSQL, shared by several stateless server nodes behind a load
//! balancer (DESIGN.md, "Storage").
//!
//! [`PgStore`] implements [`Store`] with exactly the semantics of the SQLite backend
//! (`sqlite/`); `tests/conformance.rs` runs the one conformance suite (`store::conformance`)
//! against both. Where SQLite gets its guarantees from a single writer thread, this backend gets
//! them from PostgreSQL's row locks and unique indexes, because here several nodes write at once:
//!
//! - Every trait method is one transaction (a method that is one statement runs as one).
//!   Dropping a [`deadpool_postgres::Transaction`] without committing rolls it back, so any `?`
//!   in a method undoes everything that method wrote.
//! - Inbox sequences: `UPDATE users SET inbox_seq = inbox_seq + 1 … RETURNING` takes the user's
//!   row lock until commit, so concurrent writers to one inbox get consecutive numbers in commit
//!   order and never the same one. When one write fans out to several users, their rows are locked
//!   in id order first (`FOR NO KEY UPDATE`, which does not block the foreign-key checks of other
//!   inserts), so two fan-outs over the same users cannot deadlock.
//! - Retried envelopes: `INSERT … ON CONFLICT (id) DO NOTHING` makes a concurrent second submission
//!   of the same id wait for the first to commit and then compare digest and header, exactly as a
//!   sequential retry would.
//! - Membership changes lock the thread row, so two `set_members` on one thread apply one after
//!   the other instead of merging.
//! - Unique violations (SQLSTATE 23505) become [`StoreError::Conflict`]; everything else becomes
//!   [`StoreError::Backend`], whose text (SQL, server messages) is for the log only.
//! - Migrations are numbered (`schema_migrations`) and run in one transaction under a
//!   transaction-scoped advisory lock, so nodes starting together apply each migration once.
//!
//! Cross-node wake-ups (LISTEN/NOTIFY) are not part of this module yet.
//!
//! Layout: this file holds the store itself (connecting, the pool), the helpers every domain
//! shares (`backend`, `unique_or_backend`, `col`, `query`, `query_opt`, `execute`, `fan_out`),
//! migrations and the one `impl Store`, whose methods delegate to one file per domain, named as
//! in the SQLite backend: `tenants`, `devices`, `sessions`, `invitations`, `threads`, `inbox` and
//! `audit`. A new domain is a new file here.

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

use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use samtale_proto::{
    DeviceId, EnvelopeId, EventBody, InboxEvent, InvitationId, LinkId, SealedEnvelope, TenantId,
    ThreadId, UserId,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{NoTls, Row};

use super::codec;
use super::{
    AcceptedLink, AuditEntry, CancelOutcome, Device, Fanout, Invitation, LinkRequest, PutOutcome,
    Session, Store, StoreError, Tenant, Thread, User,
};

/// Numbered migrations: entry `i` is version `i + 1`. Never edit a shipped one: append.
const MIGRATIONS: &[&str] = &[
    include_str!("../schema_postgres.sql"),
    include_str!("../schema_postgres_2.sql"),
    include_str!("../schema_postgres_3.sql"),
    include_str!("../schema_postgres_4.sql"),
    include_str!("../schema_postgres_5.sql"),
    include_str!("../schema_postgres_6.sql"),
    include_str!("../schema_postgres_7.sql"),
    include_str!("../schema_postgres_8.sql"),
    include_str!("../schema_postgres_9.sql"),
    include_str!("../schema_postgres_10.sql"),
    include_str!("../schema_postgres_11.sql"),
];

/// Key of the advisory lock held while migrating ("samtale" in ASCII, plus a 1).
const MIGRATION_LOCK: i64 = 0x7361_6d74_616c_6501;

/// How long a caller waits for a free pooled connection, and for a new one to be made.
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// The PostgreSQL store: a pool of connections; cheap to clone.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// Kept for the LISTEN connection of cross-node wake-ups.
    config: tokio_postgres::Config,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("status", &self.pool.status())
            .finish()
    }
}

/// The error and its causes, for the log. Database errors carry their SQLSTATE.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        match c.downcast_ref::<tokio_postgres::error::DbError>() {
            Some(db) => text.push_str(&format!("{} ({})", db, db.code().code())),
            None => text.push_str(&c.to_string()),
        }
        cause = c.source();
    }
    text
}

fn backend(e: tokio_postgres::Error) -> StoreError {
    StoreError::Backend(describe(&e))
}

/// A unique (or primary key) violation becomes a conflict on `what`; anything else is a backend
/// failure (a foreign key failure is a bug, not a conflict).
fn unique_or_backend(e: tokio_postgres::Error, what: &'static str) -> StoreError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        StoreError::Conflict(what)
    } else {
        backend(e)
    }
}

fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => {
            StoreError::Backend(format!("postgres connection: {}", describe(&e)))
        }
        other => StoreError::Backend(format!("postgres pool: {other}")),
    }
}

/// Reads one column, never panicking on a type mismatch.
fn col<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T, StoreError> {
    row.try_get(idx).map_err(backend)
}

async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>, tokio_postgres::Error> {
    let stmt = c.prepare_cached(sql).await?;
    c.query(&stmt, params).await
}

async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<Option<Row>, tokio_postgres::Error> {
    let stmt = c.prepare_cached(sql).await?;
    c.query_opt(&stmt, params).await
}

async fn execute<C: GenericClient>(
    c: &C,
    sql: &str,
    params: Params<'_>,
) -> Result<u64, tokio_postgres::Error> {
    let stmt = c.prepare_cached(sql).await?;
    c.execute(&stmt, params).await
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`, or the
    /// `key=value` form) with at most `max_connections` pooled connections, and checks that one
    /// connection can be made. Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str, max_connections: usize) -> Result<PgStore, StoreError> {
        // The url may hold a password: it never goes into an error message.
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e: tokio_postgres::Error| {
                StoreError::Backend(format!("invalid PostgreSQL url: {e}"))
            })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("samtale-server");
        }
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT + Duration::from_secs(5)))
            .build()
            .map_err(|e| StoreError::Backend(format!("build postgres pool: {e}")))?;
        let store = PgStore { pool, config };
        drop(store.conn().await?);
        Ok(store)
    }

    async fn conn(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Appends one event to each user's inbox, bumping their sequence; in `users` order, like SQLite.
async fn fan_out<C: GenericClient>(
    c: &C,
    users: &[UserId],
    at_ms: i64,
    envelope: Option<&str>,
    body: Option<&str>,
) -> Result<Fanout, StoreError> {
    // Lock the inboxes in one global order (by id) before bumping them in the caller's order.
    // Sorted input (all internal callers) needs no separate step: bumping locks in order.
    if !users.is_sorted() {
        let ids: Vec<&str> = users.iter().map(UserId::as_str).collect();
        query(
            c,
            "SELECT id FROM users WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
            &[&ids],
        )
        .await
        .map_err(backend)?;
    }
    let bump = c
        .prepare_cached(
            "UPDATE users SET inbox_seq = inbox_seq + 1 WHERE id = $1 RETURNING inbox_seq",
        )
        .await
        .map_err(backend)?;
    let insert = c
        .prepare_cached(
            "INSERT INTO inbox (user_id, seq, at, envelope_id, body) VALUES ($1, $2, $3, $4, $5)",
        )
        .await
        .map_err(backend)?;
    let mut out = Vec::with_capacity(users.len());
    for user in users {
        let row = c
            .query_opt(&bump, &[&user.as_str()])
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::Backend(format!("inbox of unknown user {user}")))?;
        let seq: i64 = col(&row, 0)?;
        c.execute(&insert, &[&user.as_str(), &seq, &at_ms, &envelope, &body])
            .await
            .map_err(backend)?;
        out.push((user.clone(), codec::seq(seq)));
    }
    if !out.is_empty() {
        // Delivered at COMMIT to every server node listening (see pg_wakeups).
        c.execute(
            "SELECT pg_notify($1, $2)",
            &[
                &super::pg_wakeups::CHANNEL,
                &super::pg_wakeups::encode(&out),
            ],
        )
        .await
        .map_err(backend)?;
    }
    Ok(out)
}

impl Store for PgStore {
    async fn follow_remote_wakeups(
        &self,
        hub: std::sync::Arc<crate::hub::Hub>,
        stop: tokio::sync::watch::Receiver<bool>,
    ) {
        super::pg_wakeups::follow(self.config.clone(), hub, stop).await
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        // Held until COMMIT: a second node starting now waits here, then finds nothing to do.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(backend)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY,
                 applied_at_ms BIGINT NOT NULL
             )",
        )
        .await
        .map_err(backend)?;
        let row = tx
            .query_one("SELECT MAX(version) FROM schema_migrations", &[])
            .await
            .map_err(backend)?;
        let version: Option<i64> = col(&row, 0)?;
        let start = usize::try_from(version.unwrap_or(0)).unwrap_or(0);
        if start > MIGRATIONS.len() {
            tracing::warn!(
                database = start,
                known = MIGRATIONS.len(),
                "database schema is newer than this server"
            );
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(start) {
            let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
            tx.batch_execute(sql).await.map_err(backend)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at_ms)
                 VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
                &[&version],
            )
            .await
            .map_err(backend)?;
            tracing::info!(version, "applied PostgreSQL migration");
        }
        tx.commit().await.map_err(backend)
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
