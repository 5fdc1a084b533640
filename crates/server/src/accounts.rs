//! What an administrator (or the person themself) can do to an account's devices and sessions:
//! remove a device, disable or enable a person, end all their sessions, set a staff member's
//! password, and reset an account's keys. One implementation serves the admin API and the
//! `samtale-server` subcommands; given the hub (in a running server) it also closes the
//! affected WebSockets at once.

use samtale_proto::{DeviceId, EventBody, UserId};

use crate::auth::now_ms;
use crate::hub::Hub;
use crate::password;
use crate::store::{AuditEntry, Device, Store, StoreError, User};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no such device")]
    NoDevice,
    #[error("the device is already removed")]
    AlreadyRemoved,
    #[error("no such person in this municipality")]
    NoUser,
    #[error("only staff have passwords; youths and parents get a new invitation instead")]
    NotStaff,
    #[error("{0}")]
    Password(#[from] password::PasswordError),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

async fn audit<S: Store>(
    store: &S,
    user: &User,
    actor: Option<&UserId>,
    action: &str,
    subject: &str,
) -> Result<(), AccountError> {
    store
        .audit(&AuditEntry {
            tenant: user.tenant.clone(),
            at_ms: now_ms(),
            actor: actor.cloned(),
            action: action.to_owned(),
            subject: subject.to_owned(),
        })
        .await?;
    Ok(())
}

/// Removes `device` for good: its sessions end, its sockets close, and its owner's other
/// devices and everyone they talk to are told, so their clients stop sealing to it.
pub async fn revoke_device<S: Store>(
    store: &S,
    hub: Option<&Hub>,
    device: &Device,
    actor: Option<&UserId>,
) -> Result<(), AccountError> {
    let user = store
        .user(&device.user)
        .await?
        .ok_or(AccountError::NoUser)?;
    let at = now_ms();
    let mut notify = store.contacts_of(&device.user).await?;
    notify.push(device.user.clone());
    let event = EventBody::DeviceRevoked {
        user: device.user.clone(),
        device: device.id.clone(),
        revoked_at_ms: at,
    };
    let fanout = store
        .revoke_device(&device.id, at, &notify, &event)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => AccountError::AlreadyRemoved,
            other => other.into(),
        })?;
    if let Some(hub) = hub {
        hub.notify(&fanout);
        hub.end_device(&device.id, at);
    }
    audit(store, &user, actor, "device.revoke", device.id.as_str()).await
}

/// Ends every session of `user` (they must log in again) and closes their sockets.
pub async fn end_sessions<S: Store>(
    store: &S,
    hub: Option<&Hub>,
    user: &User,
    actor: Option<&UserId>,
) -> Result<(), AccountError> {
    let at = now_ms();
    let devices = store.end_sessions(&user.id).await?;
    close(hub, &devices, at);
    audit(store, user, actor, "session.end_all", user.id.as_str()).await
}

/// Disables (or enables again) a person: a disabled person cannot log in, and every session
/// they had ends at once.
pub async fn set_disabled<S: Store>(
    store: &S,
    hub: Option<&Hub>,
    user: &User,
    disabled: bool,
    actor: Option<&UserId>,
) -> Result<(), AccountError> {
    let at = now_ms();
    store.set_user_disabled(&user.id, disabled).await?;
    if disabled {
        let devices = store.end_sessions(&user.id).await?;
        close(hub, &devices, at);
    }
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit(store, user, actor, action, user.id.as_str()).await
}

/// Sets a staff member's password; their sessions end, so a stolen one stops working.
pub async fn set_password<S: Store>(
    store: &S,
    hub: Option<&Hub>,
    user: &User,
    new_password: &str,
    actor: Option<&UserId>,
) -> Result<(), AccountError> {
    if !user.role.is_staff() {
        return Err(AccountError::NotStaff);
    }
    let hash = password::hash(new_password)?;
    let at = now_ms();
    store.set_password(&user.id, &hash).await?;
    let devices = store.end_sessions(&user.id).await?;
    close(hub, &devices, at);
    audit(store, user, actor, "user.password", user.id.as_str()).await
}

/// Resets an account's keys, for a person who lost every device or whose password was stolen:
/// every device is removed and the account's next first device starts a new chain, which
/// everyone who talks to the person is told to check. Staff then log in with their password
/// (set a new one here); a youth or parent needs a new invitation.
pub async fn reset_keys<S: Store>(
    store: &S,
    hub: Option<&Hub>,
    user: &User,
    new_password: Option<&str>,
    actor: Option<&UserId>,
) -> Result<u32, AccountError> {
    if new_password.is_some() && !user.role.is_staff() {
        return Err(AccountError::NotStaff);
    }
    if let Some(p) = new_password {
        store.set_password(&user.id, &password::hash(p)?).await?;
    }
    let at = now_ms();
    let (chain, removed) = store.start_new_chain(&user.id, at).await?;
    let mut notify = store.contacts_of(&user.id).await?;
    notify.push(user.id.clone());
    for device in &removed {
        let event = EventBody::DeviceRevoked {
            user: user.id.clone(),
            device: device.clone(),
            revoked_at_ms: at,
        };
        let fanout = store.append_event(&notify, &event, at).await?;
        if let Some(hub) = hub {
            hub.notify(&fanout);
        }
    }
    close(hub, &removed, at);
    audit(store, user, actor, "user.reset_keys", user.id.as_str()).await?;
    Ok(chain)
}

fn close(hub: Option<&Hub>, devices: &[DeviceId], at: i64) {
    if let Some(hub) = hub {
        for d in devices {
            hub.end_device(d, at);
        }
    }
}
