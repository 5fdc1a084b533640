//! Bootstrap from the command line: a municipality with its first admin, staff accounts and its
//! own rules for files (`samtale-server create-tenant`, `add-staff`, `file-policy`), and finding the person or device the other
//! administrative subcommands act on (they then go through `crate::accounts`).

use samtale_proto::api::Role;
use samtale_proto::{TenantId, UserId};

use crate::auth::now_ms;
use crate::password;
use crate::store::{AuditEntry, FilePolicy, Store, StoreError, Tenant, Unit, User};

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
    #[error("no person has the id {0:?}")]
    NoUser(String),
    #[error("no staff member {1:?} in the municipality {0:?}")]
    NoStaff(String, String),
    #[error("no device has the id {0:?}")]
    NoDevice(String),
    #[error("{0}")]
    BadFileRule(String),
    #[error("{0}")]
    BadUnit(String),
    #[error("the municipality {0:?} has a unit named {1:?} already")]
    UnitExists(String, String),
    #[error("the municipality {0:?} has no unit named {1:?}")]
    NoUnit(String, String),
    #[error("storage: {0}")]
    Store(StoreError),
}

/// A person by user id.
pub async fn user_by_id<S: Store>(store: &S, id: &str) -> Result<User, AdminError> {
    let uid = UserId::parse(id.trim()).map_err(|_| AdminError::NoUser(id.to_owned()))?;
    store
        .user(&uid)
        .await
        .map_err(AdminError::Store)?
        .ok_or_else(|| AdminError::NoUser(id.to_owned()))
}

/// A staff member by municipality and username.
pub async fn staff_by_name<S: Store>(
    store: &S,
    slug: &str,
    username: &str,
) -> Result<User, AdminError> {
    let tenant = store
        .tenant_by_slug(slug)
        .await
        .map_err(AdminError::Store)?
        .ok_or_else(|| AdminError::NoTenant(slug.to_owned()))?;
    store
        .staff_login(&tenant.id, &username.trim().to_lowercase())
        .await
        .map_err(AdminError::Store)?
        .map(|(u, _)| u)
        .ok_or_else(|| AdminError::NoStaff(slug.to_owned(), username.to_owned()))
}

/// A device by id.
pub async fn device_by_id<S: Store>(
    store: &S,
    id: &str,
) -> Result<crate::store::Device, AdminError> {
    let did = samtale_proto::DeviceId::parse(id.trim())
        .map_err(|_| AdminError::NoDevice(id.to_owned()))?;
    store
        .device(&did)
        .await
        .map_err(AdminError::Store)?
        .ok_or_else(|| AdminError::NoDevice(id.to_owned()))
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

/// A municipality's own rules for files, if set.
pub async fn file_policy<S: Store>(
    store: &S,
    slug: &str,
) -> Result<(Tenant, Option<FilePolicy>), AdminError> {
    let tenant = store
        .tenant_by_slug(slug)
        .await
        .map_err(AdminError::Store)?
        .ok_or_else(|| AdminError::NoTenant(slug.to_owned()))?;
    let policy = store
        .file_policy(&tenant.id)
        .await
        .map_err(AdminError::Store)?;
    Ok((tenant, policy))
}

/// Sets a municipality's own rules for files (what is `None` follows the server's settings),
/// or with `None` removes them; each type rule is checked first. Written to the audit log.
pub async fn set_file_policy<S: Store>(
    store: &S,
    slug: &str,
    policy: Option<FilePolicy>,
) -> Result<Option<FilePolicy>, AdminError> {
    let (tenant, _) = file_policy(store, slug).await?;
    if let Some(p) = &policy {
        let types = p.allowed_types.as_deref().unwrap_or_default();
        if types.len() > samtale_proto::blobs::MAX_TYPE_RULES {
            return Err(AdminError::BadFileRule(format!(
                "at most {} type rules",
                samtale_proto::blobs::MAX_TYPE_RULES
            )));
        }
        for rule in types {
            samtale_proto::blobs::check_type_rule(rule).map_err(AdminError::BadFileRule)?;
        }
        if p.max_file_bytes == Some(0) || p.quota_bytes == Some(0) {
            return Err(AdminError::BadFileRule(
                "a limit of 0 takes no file; give at least 1 MB".into(),
            ));
        }
    }
    store
        .set_file_policy(&tenant.id, policy.as_ref())
        .await
        .map_err(AdminError::Store)?;
    store
        .audit(&AuditEntry {
            tenant: tenant.id.clone(),
            at_ms: now_ms(),
            actor: None,
            action: "file_policy.set".into(),
            subject: format!("tenant={}", tenant.id),
        })
        .await
        .map_err(AdminError::Store)?;
    Ok(policy)
}

async fn tenant_of<S: Store>(store: &S, slug: &str) -> Result<Tenant, AdminError> {
    store
        .tenant_by_slug(slug)
        .await
        .map_err(AdminError::Store)?
        .ok_or_else(|| AdminError::NoTenant(slug.to_owned()))
}

async fn audit_unit<S: Store>(
    store: &S,
    tenant: &Tenant,
    action: &str,
    subject: String,
) -> Result<(), AdminError> {
    store
        .audit(&AuditEntry {
            tenant: tenant.id.clone(),
            at_ms: now_ms(),
            actor: None,
            action: action.into(),
            subject,
        })
        .await
        .map_err(AdminError::Store)
}

/// The municipality's units, by name.
pub async fn units<S: Store>(store: &S, slug: &str) -> Result<Vec<Unit>, AdminError> {
    let tenant = tenant_of(store, slug).await?;
    store.units_of(&tenant.id).await.map_err(AdminError::Store)
}

/// Adds a unit to a municipality (its name once, whatever the letter case).
pub async fn add_unit<S: Store>(store: &S, slug: &str, name: &str) -> Result<Unit, AdminError> {
    samtale_proto::api::check_unit_name(name).map_err(AdminError::BadUnit)?;
    let tenant = tenant_of(store, slug).await?;
    let (ms, r) = fresh_random();
    let unit = Unit {
        id: samtale_proto::UnitId::from_parts(ms, r),
        tenant: tenant.id.clone(),
        name: name.trim().to_owned(),
        created_at_ms: now_ms(),
        letterhead: Default::default(),
    };
    store.create_unit(&unit).await.map_err(|e| match e {
        StoreError::Conflict(_) => AdminError::UnitExists(slug.to_owned(), unit.name.clone()),
        e => AdminError::Store(e),
    })?;
    audit_unit(store, &tenant, "unit.create", format!("unit={}", unit.id)).await?;
    Ok(unit)
}

/// Puts a staff member in the unit named `unit` (or, with `None`, in none).
pub async fn set_staff_unit<S: Store>(
    store: &S,
    slug: &str,
    username: &str,
    unit: Option<&str>,
) -> Result<(User, Option<Unit>), AdminError> {
    let tenant = tenant_of(store, slug).await?;
    let user = staff_by_name(store, slug, username).await?;
    let found = match unit {
        None => None,
        Some(name) => {
            let key = name.trim().to_lowercase();
            let all = store
                .units_of(&tenant.id)
                .await
                .map_err(AdminError::Store)?;
            Some(
                all.into_iter()
                    .find(|u| u.name.to_lowercase() == key)
                    .ok_or_else(|| AdminError::NoUnit(slug.to_owned(), name.trim().to_owned()))?,
            )
        }
    };
    store
        .set_staff_unit(&user.id, found.as_ref().map(|u| &u.id))
        .await
        .map_err(AdminError::Store)?;
    audit_unit(
        store,
        &tenant,
        "unit.staff",
        format!(
            "user={} unit={}",
            user.id,
            found
                .as_ref()
                .map_or("none".to_owned(), |u| u.id.to_string())
        ),
    )
    .await?;
    Ok((user, found))
}
