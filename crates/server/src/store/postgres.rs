//! The scale-out backend: PostgreSQL, shared by several stateless server nodes behind a load
//! balancer (DESIGN.md, "Storage").
//!
//! [`PgStore`] implements [`Store`] with exactly the semantics of the SQLite backend
//! (`sqlite.rs`); `tests/conformance.rs` runs the one conformance suite (`store::conformance`)
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

use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use samtale_proto::{
    DeviceId, EnvelopeId, EventBody, InboxEvent, InvitationId, SealedEnvelope, TenantId, ThreadId,
    UserId,
};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{NoTls, Row};

use super::codec::{self, id, opt_id};
use super::{
    AuditEntry, Device, Fanout, Invitation, PutOutcome, Session, Store, StoreError, Tenant, Thread,
    User,
};

/// Numbered migrations: entry `i` is version `i + 1`. Never edit a shipped one: append.
const MIGRATIONS: &[&str] = &[
    include_str!("schema_postgres.sql"),
    include_str!("schema_postgres_2.sql"),
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

async fn members<C: GenericClient>(c: &C, thread: &str) -> Result<Vec<UserId>, StoreError> {
    let rows = query(
        c,
        "SELECT user_id FROM members WHERE thread_id = $1 ORDER BY user_id",
        &[&thread],
    )
    .await
    .map_err(backend)?;
    rows.iter().map(|r| id(col(r, 0)?)).collect()
}

const USER_COLS: &str = "id, tenant, role, display_name, username";
fn user_from(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: id(col(r, 0)?)?,
        tenant: id(col(r, 1)?)?,
        role: codec::role(col(r, 2)?)?,
        display_name: col(r, 3)?,
        username: col(r, 4)?,
    })
}

const DEVICE_COLS: &str = "id, user_id, name, enc_key, sign_key, created_at, join_proof";
fn device_from(r: &Row) -> Result<Device, StoreError> {
    Ok(Device {
        id: id(col(r, 0)?)?,
        user: id(col(r, 1)?)?,
        name: col(r, 2)?,
        enc_key: col(r, 3)?,
        sign_key: col(r, 4)?,
        created_at_ms: col(r, 5)?,
        join_proof: codec::join_proof(col(r, 6)?)?,
    })
}

const INVITATION_COLS: &str = "id, tenant, inviter, inviter_device, role, display_name, youth, lookup, \
     check_hash, proof_code, proof_qr, created_at, expires_at, failed_attempts, used_by";
fn invitation_from(r: &Row) -> Result<Invitation, StoreError> {
    let attempts: i64 = col(r, 13)?;
    Ok(Invitation {
        id: id(col(r, 0)?)?,
        tenant: id(col(r, 1)?)?,
        inviter: id(col(r, 2)?)?,
        inviter_device: id(col(r, 3)?)?,
        role: codec::role(col(r, 4)?)?,
        display_name: col(r, 5)?,
        youth: opt_id(col(r, 6)?)?,
        lookup: col(r, 7)?,
        check_hash: codec::hash32(col(r, 8)?)?,
        proof_code: col(r, 9)?,
        proof_qr: col(r, 10)?,
        created_at_ms: col(r, 11)?,
        expires_at_ms: col(r, 12)?,
        failed_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        used_by: opt_id(col(r, 14)?)?,
    })
}

const THREAD_COLS: &str = "t.id, t.tenant, t.kind, t.created_by, t.created_at";
fn thread_from(r: &Row) -> Result<Thread, StoreError> {
    Ok(Thread {
        id: id(col(r, 0)?)?,
        tenant: id(col(r, 1)?)?,
        kind: codec::thread_kind(col(r, 2)?)?,
        created_by: id(col(r, 3)?)?,
        created_at_ms: col(r, 4)?,
    })
}

fn tenant_from(r: &Row) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: id(col(r, 0)?)?,
        name: col(r, 1)?,
        slug: col(r, 2)?,
    })
}

async fn insert_user<C: GenericClient>(
    c: &C,
    u: &User,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    execute(
        c,
        "INSERT INTO users (id, tenant, role, display_name, username, password_hash) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&u.id.as_str(), &u.tenant.as_str(), &u.role.as_str(), &u.display_name, &u.username, &password_hash],
    )
    .await
    .map_err(|e| unique_or_backend(e, "user"))?;
    Ok(())
}

async fn insert_device<C: GenericClient>(c: &C, d: &Device) -> Result<(), StoreError> {
    let proof = d.join_proof.as_ref().map(codec::to_json).transpose()?;
    execute(
        c,
        &format!("INSERT INTO devices ({DEVICE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
        &[
            &d.id.as_str(),
            &d.user.as_str(),
            &d.name,
            &d.enc_key,
            &d.sign_key,
            &d.created_at_ms,
            &proof,
        ],
    )
    .await
    .map_err(|e| unique_or_backend(e, "device"))?;
    Ok(())
}

/// Like SQLite, a clashing token hash is a backend failure (256 random bits never clash).
async fn insert_session<C: GenericClient>(c: &C, s: &Session) -> Result<(), StoreError> {
    execute(
        c,
        "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        &[&&s.token_hash[..], &s.user.as_str(), &s.device.as_str(), &s.created_at_ms, &s.expires_at_ms],
    )
    .await
    .map_err(backend)?;
    Ok(())
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
        let conn = self.conn().await?;
        execute(
            &conn,
            "INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)",
            &[&tenant.id.as_str(), &tenant.name, &tenant.slug],
        )
        .await
        .map_err(|e| unique_or_backend(e, "tenant"))?;
        Ok(())
    }

    async fn tenant(&self, tid: &TenantId) -> Result<Option<Tenant>, StoreError> {
        let conn = self.conn().await?;
        query_opt(
            &conn,
            "SELECT id, name, slug FROM tenants WHERE id = $1",
            &[&tid.as_str()],
        )
        .await
        .map_err(backend)?
        .as_ref()
        .map(tenant_from)
        .transpose()
    }

    async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>, StoreError> {
        let conn = self.conn().await?;
        query_opt(
            &conn,
            "SELECT id, name, slug FROM tenants WHERE slug = $1",
            &[&slug],
        )
        .await
        .map_err(backend)?
        .as_ref()
        .map(tenant_from)
        .transpose()
    }

    async fn create_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        insert_user(&conn, user, password_hash).await
    }

    async fn user(&self, uid: &UserId) -> Result<Option<User>, StoreError> {
        let conn = self.conn().await?;
        query_opt(
            &conn,
            &format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
            &[&uid.as_str()],
        )
        .await
        .map_err(backend)?
        .as_ref()
        .map(user_from)
        .transpose()
    }

    async fn staff_login(
        &self,
        tenant: &TenantId,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            &format!(
                "SELECT {USER_COLS}, password_hash FROM users
                 WHERE tenant = $1 AND username = $2 AND password_hash IS NOT NULL"
            ),
            &[&tenant.as_str(), &username],
        )
        .await
        .map_err(backend)?;
        row.map(|r| Ok((user_from(&r)?, col(&r, 5)?))).transpose()
    }

    async fn add_device(
        &self,
        device: &Device,
        notify: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        let body = codec::to_json(event)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        insert_device(&tx, device).await?;
        let fanout = fan_out(&tx, notify, at_ms, None, Some(&body)).await?;
        tx.commit().await.map_err(backend)?;
        Ok(fanout)
    }

    async fn device(&self, did: &DeviceId) -> Result<Option<Device>, StoreError> {
        let conn = self.conn().await?;
        query_opt(
            &conn,
            &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1"),
            &[&did.as_str()],
        )
        .await
        .map_err(backend)?
        .as_ref()
        .map(device_from)
        .transpose()
    }

    async fn devices_of(&self, user: &UserId) -> Result<Vec<Device>, StoreError> {
        let conn = self.conn().await?;
        query(
            &conn,
            &format!("SELECT {DEVICE_COLS} FROM devices WHERE user_id = $1 ORDER BY id"),
            &[&user.as_str()],
        )
        .await
        .map_err(backend)?
        .iter()
        .map(device_from)
        .collect()
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        insert_session(&conn, session).await
    }

    async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, StoreError> {
        let conn = self.conn().await?;
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

    async fn rotate_session(&self, old_hash: &[u8; 32], new: &Session) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
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

    async fn delete_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(
            &conn,
            "DELETE FROM sessions WHERE token_hash = $1",
            &[&&token_hash[..]],
        )
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn create_invitation(&self, invitation: &Invitation) -> Result<(), StoreError> {
        let i = invitation;
        let conn = self.conn().await?;
        execute(
            &conn,
            &format!(
                "INSERT INTO invitations ({INVITATION_COLS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            ),
            &[
                &i.id.as_str(),
                &i.tenant.as_str(),
                &i.inviter.as_str(),
                &i.inviter_device.as_str(),
                &i.role.as_str(),
                &i.display_name,
                &i.youth.as_ref().map(UserId::as_str),
                &i.lookup,
                &&i.check_hash[..],
                &i.proof_code,
                &i.proof_qr,
                &i.created_at_ms,
                &i.expires_at_ms,
                &i64::from(i.failed_attempts),
                &i.used_by.as_ref().map(UserId::as_str),
            ],
        )
        .await
        .map_err(|e| unique_or_backend(e, "invitation"))?;
        Ok(())
    }

    async fn invitation(&self, iid: &InvitationId) -> Result<Option<Invitation>, StoreError> {
        let conn = self.conn().await?;
        query_opt(
            &conn,
            &format!("SELECT {INVITATION_COLS} FROM invitations WHERE id = $1"),
            &[&iid.as_str()],
        )
        .await
        .map_err(backend)?
        .as_ref()
        .map(invitation_from)
        .transpose()
    }

    async fn invitation_by_lookup(&self, lookup: &str) -> Result<Option<Invitation>, StoreError> {
        let conn = self.conn().await?;
        query_opt(
            &conn,
            &format!(
                "SELECT {INVITATION_COLS} FROM invitations WHERE lookup = $1 AND used_by IS NULL"
            ),
            &[&lookup],
        )
        .await
        .map_err(backend)?
        .as_ref()
        .map(invitation_from)
        .transpose()
    }

    async fn invitations_by(&self, inviter: &UserId) -> Result<Vec<Invitation>, StoreError> {
        let conn = self.conn().await?;
        query(
            &conn,
            &format!("SELECT {INVITATION_COLS} FROM invitations WHERE inviter = $1 ORDER BY id"),
            &[&inviter.as_str()],
        )
        .await
        .map_err(backend)?
        .iter()
        .map(invitation_from)
        .collect()
    }

    async fn count_failed_attempt(&self, iid: &InvitationId) -> Result<u32, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "UPDATE invitations SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING failed_attempts",
            &[&iid.as_str()],
        )
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound("invitation"))?;
        let n: i64 = col(&row, 0)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn release_attempt(&self, iid: &InvitationId) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(
            &conn,
            "UPDATE invitations SET failed_attempts = failed_attempts - 1 WHERE id = $1 AND failed_attempts > 0",
            &[&iid.as_str()],
        )
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn redeem_invitation(
        &self,
        iid: &InvitationId,
        user: &User,
        device: &Device,
        session: &Session,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        insert_user(&tx, user, None).await?;
        // A concurrent redeem waits on the invitation's row lock, then sees it used: 0 rows.
        let n = execute(
            &tx,
            "UPDATE invitations SET used_by = $2 WHERE id = $1 AND used_by IS NULL",
            &[&iid.as_str(), &user.id.as_str()],
        )
        .await
        .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::NotFound("invitation"));
        }
        insert_device(&tx, device).await?;
        insert_session(&tx, session).await?;
        tx.commit().await.map_err(backend)
    }

    async fn create_thread(
        &self,
        thread: &Thread,
        members: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        let body = codec::to_json(event)?;
        let t = thread;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        execute(
            &tx,
            "INSERT INTO threads (id, tenant, kind, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[&t.id.as_str(), &t.tenant.as_str(), &t.kind.as_str(), &t.created_by.as_str(), &t.created_at_ms],
        )
        .await
        .map_err(|e| unique_or_backend(e, "thread"))?;
        insert_members(&tx, t.id.as_str(), members).await?;
        let all = self::members(&tx, t.id.as_str()).await?;
        let fanout = fan_out(&tx, &all, at_ms, None, Some(&body)).await?;
        tx.commit().await.map_err(backend)?;
        Ok(fanout)
    }

    async fn set_members(
        &self,
        thread: &ThreadId,
        new_members: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        let body = codec::to_json(event)?;
        let mut conn = self.conn().await?;
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

    async fn thread(&self, tid: &ThreadId) -> Result<Option<Thread>, StoreError> {
        let conn = self.conn().await?;
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

    async fn thread_members(&self, tid: &ThreadId) -> Result<Vec<UserId>, StoreError> {
        let conn = self.conn().await?;
        members(&conn, tid.as_str()).await
    }

    async fn threads_of(&self, user: &UserId) -> Result<Vec<Thread>, StoreError> {
        let conn = self.conn().await?;
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

    async fn contacts_of(&self, user: &UserId) -> Result<Vec<UserId>, StoreError> {
        let conn = self.conn().await?;
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

    async fn put_envelope(
        &self,
        envelope: &SealedEnvelope,
        digest: &[u8; 32],
        at_ms: i64,
    ) -> Result<(PutOutcome, Fanout), StoreError> {
        let header = codec::to_json(&envelope.header)?;
        let eid = envelope.header.id.as_str();
        let tid = envelope.header.thread.as_str();
        let mut conn = self.conn().await?;
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
                let all = members(&tx, tid).await?;
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

    async fn envelope_thread(&self, eid: &EnvelopeId) -> Result<Option<ThreadId>, StoreError> {
        let conn = self.conn().await?;
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

    async fn append_event(
        &self,
        users: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> Result<Fanout, StoreError> {
        let body = codec::to_json(event)?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        let fanout = fan_out(&tx, users, at_ms, None, Some(&body)).await?;
        tx.commit().await.map_err(backend)?;
        Ok(fanout)
    }

    async fn inbox(
        &self,
        user: &UserId,
        since: u64,
        limit: u32,
    ) -> Result<Vec<InboxEvent>, StoreError> {
        let conn = self.conn().await?;
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

    async fn claim_device_login(&self, device: &DeviceId, at_ms: i64) -> Result<bool, StoreError> {
        let conn = self.conn().await?;
        let n = execute(
            &conn,
            "UPDATE devices SET last_login_ms = $2 WHERE id = $1 AND last_login_ms < $2",
            &[&device.as_str(), &at_ms],
        )
        .await
        .map_err(backend)?;
        Ok(n == 1)
    }

    async fn ack(&self, device: &DeviceId, seq: u64) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(
            &conn,
            "UPDATE devices SET acked_seq = GREATEST(acked_seq, $2) WHERE id = $1",
            &[&device.as_str(), &codec::seq_param(seq)],
        )
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn purge(&self, before_ms: i64) -> Result<u64, StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        execute(
            &tx,
            "DELETE FROM inbox WHERE at < $1
             AND seq <= COALESCE((SELECT MIN(d.acked_seq) FROM devices d WHERE d.user_id = inbox.user_id), seq)",
            &[&before_ms],
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

    async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let a = entry;
        let conn = self.conn().await?;
        execute(
            &conn,
            "INSERT INTO audit (tenant, at, actor, action, subject) VALUES ($1, $2, $3, $4, $5)",
            &[
                &a.tenant.as_str(),
                &a.at_ms,
                &a.actor.as_ref().map(UserId::as_str),
                &a.action,
                &a.subject,
            ],
        )
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn audit_log(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let conn = self.conn().await?;
        query(
            &conn,
            "SELECT tenant, at, actor, action, subject FROM audit WHERE tenant = $1 ORDER BY id LIMIT $2",
            &[&tenant.as_str(), &i64::from(limit)],
        )
        .await
        .map_err(backend)?
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                tenant: id(col(r, 0)?)?,
                at_ms: col(r, 1)?,
                actor: opt_id(col(r, 2)?)?,
                action: col(r, 3)?,
                subject: col(r, 4)?,
            })
        })
        .collect()
    }
}
