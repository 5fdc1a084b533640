//! Tenants and users of the PostgreSQL store, with the staff login lookup. `Store` in `mod.rs`
//! delegates here; `insert_user` is shared with invitation redemption.

use deadpool_postgres::GenericClient;
use samtale_proto::{TenantId, UserId};
use tokio_postgres::Row;

use super::{PgStore, backend, col, execute, query_opt, unique_or_backend};
use crate::store::codec::{self, id};
use crate::store::{StoreError, Tenant, User};

const USER_COLS: &str = "id, tenant, role, display_name, username, chain, disabled";
fn user_from(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: id(col(r, 0)?)?,
        tenant: id(col(r, 1)?)?,
        role: codec::role(col(r, 2)?)?,
        display_name: col(r, 3)?,
        username: col(r, 4)?,
        chain: u32::try_from(col::<i64>(r, 5)?).unwrap_or(u32::MAX),
        disabled: col(r, 6)?,
    })
}

fn tenant_from(r: &Row) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: id(col(r, 0)?)?,
        name: col(r, 1)?,
        slug: col(r, 2)?,
    })
}

pub(super) async fn insert_user<C: GenericClient>(
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

pub(super) async fn create_tenant(store: &PgStore, tenant: &Tenant) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    execute(
        &conn,
        "INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)",
        &[&tenant.id.as_str(), &tenant.name, &tenant.slug],
    )
    .await
    .map_err(|e| unique_or_backend(e, "tenant"))?;
    Ok(())
}

pub(super) async fn tenant(store: &PgStore, tid: &TenantId) -> Result<Option<Tenant>, StoreError> {
    let conn = store.conn().await?;
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

pub(super) async fn tenant_by_slug(
    store: &PgStore,
    slug: &str,
) -> Result<Option<Tenant>, StoreError> {
    let conn = store.conn().await?;
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

pub(super) async fn create_user(
    store: &PgStore,
    user: &User,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    insert_user(&conn, user, password_hash).await
}

pub(super) async fn user(store: &PgStore, uid: &UserId) -> Result<Option<User>, StoreError> {
    let conn = store.conn().await?;
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

pub(super) async fn staff_login(
    store: &PgStore,
    tenant: &TenantId,
    username: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let conn = store.conn().await?;
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
    row.map(|r| Ok((user_from(&r)?, col(&r, 7)?))).transpose()
}

pub(super) async fn set_user_disabled(
    store: &PgStore,
    user: &UserId,
    disabled: bool,
) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    let n = execute(
        &conn,
        "UPDATE users SET disabled = $2 WHERE id = $1",
        &[&user.as_str(), &disabled],
    )
    .await
    .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("user"));
    }
    Ok(())
}

pub(super) async fn set_password(
    store: &PgStore,
    user: &UserId,
    hash: &str,
) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    let n = execute(
        &conn,
        "UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash IS NOT NULL",
        &[&user.as_str(), &hash],
    )
    .await
    .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("staff member"));
    }
    Ok(())
}
