//! Bootstrap from the command line: a municipality with its first admin, and staff accounts.
//! Used by `samtale-server tenant create` and `samtale-server staff add`.

use samtale_proto::api::Role;
use samtale_proto::{TenantId, UserId};

use crate::auth::now_ms;
use crate::password;
use crate::store::{AuditEntry, Store, StoreError, Tenant, User};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Password(#[from] password::PasswordError),
    #[error("a municipality with the short name {0:?} already exists")]
    TenantExists(String),
    #[error("no municipality has the short name {0:?}")]
    NoTenant(String),
    #[error("the username {0:?} is taken in this municipality")]
    UsernameTaken(String),
    #[error("the short name must be 1 to 32 lower-case letters, digits or dashes")]
    BadSlug,
    #[error("staff are caseworkers or admins")]
    NotStaff,
    #[error("storage: {0}")]
    Store(StoreError),
}

fn fresh_random() -> (u64, [u8; 10]) {
    (
        u64::try_from(now_ms()).unwrap_or(0),
        samtale_crypto::random::new_id_random(),
    )
}

/// Creates a municipality and its first admin.
pub async fn create_tenant<S: Store>(
    store: &S,
    name: &str,
    slug: &str,
    admin_username: &str,
    admin_name: &str,
    admin_password: &str,
) -> Result<(Tenant, User), AdminError> {
    if slug.is_empty()
        || slug.len() > 32
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AdminError::BadSlug);
    }
    let (ms, r) = fresh_random();
    let tenant = Tenant {
        id: TenantId::from_parts(ms, r),
        name: name.trim().to_owned(),
        slug: slug.to_owned(),
    };
    store.create_tenant(&tenant).await.map_err(|e| match e {
        StoreError::Conflict(_) => AdminError::TenantExists(slug.to_owned()),
        e => AdminError::Store(e),
    })?;
    let admin = add_staff(
        store,
        slug,
        Role::Admin,
        admin_username,
        admin_name,
        admin_password,
    )
    .await?;
    Ok((tenant, admin))
}

/// Adds a caseworker or admin to a municipality.
pub async fn add_staff<S: Store>(
    store: &S,
    slug: &str,
    role: Role,
    username: &str,
    display_name: &str,
    password: &str,
) -> Result<User, AdminError> {
    if !role.is_staff() {
        return Err(AdminError::NotStaff);
    }
    let tenant = store
        .tenant_by_slug(slug)
        .await
        .map_err(AdminError::Store)?
        .ok_or_else(|| AdminError::NoTenant(slug.to_owned()))?;
    let hash = password::hash(password)?;
    let (ms, r) = fresh_random();
    let user = User {
        id: UserId::from_parts(ms, r),
        tenant: tenant.id.clone(),
        role,
        display_name: display_name.trim().to_owned(),
        username: Some(username.trim().to_lowercase()),
        chain: 0,
        disabled: false,
    };
    store
        .create_user(&user, Some(&hash))
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AdminError::UsernameTaken(username.to_owned()),
            e => AdminError::Store(e),
        })?;
    store
        .audit(&AuditEntry {
            tenant: tenant.id,
            at_ms: now_ms(),
            actor: None,
            action: "staff.create".into(),
            subject: user.id.to_string(),
        })
        .await
        .map_err(AdminError::Store)?;
    Ok(user)
}
