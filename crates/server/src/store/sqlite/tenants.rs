//! Tenants and users of the SQLite store, with the staff login lookup. `Store` in `mod.rs`
//! delegates here; `insert_user` is shared with invitation redemption.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::{TenantId, UserId};

use super::{SqliteStore, backend, cached_row, is_unique_violation};
use crate::store::codec::{self, id};
use crate::store::{StoreError, Tenant, User};

const USER_COLS: &str = "id, tenant, role, display_name, username, chain, disabled";
type UserRow = (String, String, String, String, Option<String>, u32, bool);
fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
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
fn user_from(t: UserRow) -> Result<User, StoreError> {
    Ok(User {
        id: id(t.0)?,
        tenant: id(t.1)?,
        role: codec::role(&t.2)?,
        display_name: t.3,
        username: t.4,
        chain: t.5,
        disabled: t.6,
    })
}

pub(super) async fn create_tenant(store: &SqliteStore, tenant: &Tenant) -> Result<(), StoreError> {
    let t = tenant.clone();
    store
        .write(move |conn| {
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

pub(super) async fn tenant(
    store: &SqliteStore,
    tid: &TenantId,
) -> Result<Option<Tenant>, StoreError> {
    let tid = tid.clone();
    store
        .read(move |conn| {
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

pub(super) async fn tenant_by_slug(
    store: &SqliteStore,
    slug: &str,
) -> Result<Option<Tenant>, StoreError> {
    let slug = slug.to_owned();
    store
        .read(move |conn| {
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

pub(super) async fn create_user(
    store: &SqliteStore,
    user: &User,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    let u = user.clone();
    let hash = password_hash.map(str::to_owned);
    store
        .write(move |conn| insert_user(conn, &u, hash.as_deref()))
        .await
}

pub(super) async fn user(store: &SqliteStore, uid: &UserId) -> Result<Option<User>, StoreError> {
    let uid = uid.clone();
    store
        .read(move |conn| {
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

pub(super) async fn staff_login(
    store: &SqliteStore,
    tenant: &TenantId,
    username: &str,
) -> Result<Option<(User, String)>, StoreError> {
    let (tenant, username) = (tenant.clone(), username.to_owned());
    store
        .read(move |conn| {
            cached_row(
                conn,
                &format!(
                    "SELECT {USER_COLS}, password_hash FROM users
                 WHERE tenant = ?1 AND username = ?2 AND password_hash IS NOT NULL"
                ),
                [tenant.as_str(), username.as_str()],
                |r| Ok((user_row(r)?, r.get::<_, String>(7)?)),
            )
            .optional()
            .map_err(backend)?
            .map(|(u, h)| Ok((user_from(u)?, h)))
            .transpose()
        })
        .await
}

pub(super) fn insert_user(
    conn: &Connection,
    u: &User,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO users (id, tenant, role, display_name, username, password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![u.id.as_str(), u.tenant.as_str(), u.role.as_str(), u.display_name, u.username, password_hash],
    )
    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict("user") } else { backend(e) })?;
    Ok(())
}

pub(super) async fn set_user_disabled(
    store: &SqliteStore,
    user: &UserId,
    disabled: bool,
) -> Result<(), StoreError> {
    let user = user.clone();
    store
        .write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE users SET disabled = ?2 WHERE id = ?1",
                    params![user.as_str(), disabled],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("user"));
            }
            Ok(())
        })
        .await
}

pub(super) async fn set_password(
    store: &SqliteStore,
    user: &UserId,
    hash: &str,
) -> Result<(), StoreError> {
    let (user, hash) = (user.clone(), hash.to_owned());
    store
        .write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE users SET password_hash = ?2 WHERE id = ?1 AND password_hash IS NOT NULL",
                    params![user.as_str(), hash],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("staff member"));
            }
            Ok(())
        })
        .await
}
