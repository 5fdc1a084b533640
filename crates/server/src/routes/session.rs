//! Staff login, a citizen device's key-signed login, session refresh (rotation) and logout,
//! `me`, and the admin's staff creation.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use samtale_proto::api::{
    CreateStaff, DEVICE_LOGIN_SKEW_MS, DeviceInfo, DeviceLoginRequest, LoginRequest, MeResponse,
    Role, SessionInfo, TenantInfo, UserInfo, device_login_bytes,
};
use samtale_proto::{ErrorCode, EventBody, UserId};

use super::{audit, audit_entry, check_display_name, device_from_registration, fresh};
use crate::auth::{Caller, new_session, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::password;
use crate::state::AppState;
use crate::store::{Store, User};

fn link_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::LinkRequired,
        "this account already has a device: link this one from it (Settings, Devices, Link a device), or ask an administrator to reset the account",
    )
}

fn disabled() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::Disabled,
        "this account is disabled; contact the municipality",
    )
}

fn bad_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::BadCredentials,
        "wrong municipality, username or password",
    )
}

pub async fn login<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<SessionInfo>, ApiError> {
    let ip = addr.ip();
    if !st.failures.allowed(ip) {
        return Err(ApiError::rate_limited());
    }
    let found = match st.store.tenant_by_slug(&req.tenant).await? {
        Some(t) => st.store.staff_login(&t.id, &req.username).await?,
        None => None,
    };
    let user = match found {
        Some((user, hash)) if password::verify(&hash, &req.password) => user,
        Some(_) => {
            st.failures.record_failure(ip);
            return Err(bad_credentials());
        }
        None => {
            password::verify_dummy(&req.password);
            st.failures.record_failure(ip);
            return Err(bad_credentials());
        }
    };
    if user.disabled {
        return Err(disabled());
    }
    let device = match (req.device_id, req.new_device) {
        (Some(id), None) => {
            let device = match st.store.device(&id).await? {
                Some(d) if d.user == user.id && d.revoked_at_ms.is_none() => d,
                _ => {
                    return Err(ApiError::forbidden(
                        "this device is not registered to you or was removed; log in as a new device",
                    ));
                }
            };
            // The password alone does not open a session on a device: its key must sign too.
            let Some(proof) = req.device_proof else {
                return Err(ApiError::bad_request(
                    "a login on a registered device must carry its device_proof",
                ));
            };
            if (proof.at_ms - now_ms()).abs() > DEVICE_LOGIN_SKEW_MS {
                return Err(ApiError::unauthorized(
                    "this device's clock is more than two minutes off; set the right time and try again",
                ));
            }
            let signed = device_login_bytes(&device.id, proof.at_ms);
            if samtale_crypto::verify_signature(&device.keys(), &signed, proof.signature.as_slice())
                .is_err()
                || !st.store.claim_device_login(&device.id, proof.at_ms).await?
            {
                st.failures.record_failure(ip);
                return Err(ApiError::unauthorized(
                    "this device could not prove it holds its key; log in as a new device",
                ));
            }
            device
        }
        (None, Some(reg)) => {
            // A password adds a device only to an account that has none: otherwise someone
            // holding just the password would get a device everyone seals to.
            let active = st
                .store
                .devices_of(&user.id)
                .await?
                .iter()
                .filter(|d| d.revoked_at_ms.is_none())
                .count();
            if active > 0 {
                // The owner's devices are told: someone has the password.
                let name: String = reg.name.trim().chars().take(80).collect();
                let event = EventBody::RefusedNewDevice { device_name: name };
                let fanout = st
                    .store
                    .append_event(std::slice::from_ref(&user.id), &event, now_ms())
                    .await?;
                st.hub.notify(&fanout);
                audit(
                    &st,
                    audit_entry(
                        &user.tenant,
                        Some(&user.id),
                        "session.refused_new_device",
                        user.id.as_str(),
                    ),
                )
                .await?;
                return Err(link_required());
            }
            let mut device = device_from_registration(&user.id, &reg, None)?;
            // Checked again inside the write: of two such logins at once, one device.
            device.chain = st
                .store
                .add_first_device(&device)
                .await
                .map_err(|e| match e {
                    crate::store::StoreError::Limit(_) => link_required(),
                    other => other.into(),
                })?;
            let mut notify = st.store.contacts_of(&user.id).await?;
            notify.push(user.id.clone());
            let event = EventBody::Device {
                device: device.info(),
            };
            let fanout = st.store.append_event(&notify, &event, now_ms()).await?;
            st.hub.notify(&fanout);
            device
        }
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of device_id and new_device",
            ));
        }
    };
    start_session(&st, &user, &device.id, "session.login").await
}

/// Stores a new session for `user` on `device`, audited as `action`.
async fn start_session<S: Store>(
    st: &AppState<S>,
    user: &User,
    device: &samtale_proto::DeviceId,
    action: &str,
) -> Result<Json<SessionInfo>, ApiError> {
    let (info, record) = new_session(st, user, device);
    st.store.create_session(&record).await?;
    st.store.touch_device(device, now_ms()).await?;
    audit(
        st,
        audit_entry(&user.tenant, Some(&user.id), action, device.as_str()),
    )
    .await?;
    Ok(Json(info))
}

/// A youth's or parent's device logs in by signing the time with its own key (citizens have no
/// password). Refused without telling why beyond what the person can act on: a clock that is
/// off, or a device that cannot log in (unknown, staff, wrong signature, or a replayed request).
pub async fn device_login<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<DeviceLoginRequest>,
) -> Result<Json<SessionInfo>, ApiError> {
    let ip = addr.ip();
    if !st.failures.allowed(ip) {
        return Err(ApiError::rate_limited());
    }
    if (req.at_ms - now_ms()).abs() > DEVICE_LOGIN_SKEW_MS {
        return Err(ApiError::unauthorized(
            "this device's clock is more than two minutes off; set the right time and try again",
        ));
    }
    let cannot = || {
        st.failures.record_failure(ip);
        ApiError::unauthorized(
            "this device cannot log in; if it keeps happening, ask your caseworker for a new invitation",
        )
    };
    let Some(device) = st.store.device(&req.device).await? else {
        return Err(cannot());
    };
    let Some(user) = st.store.user(&device.user).await? else {
        return Err(cannot());
    };
    if device.revoked_at_ms.is_some() {
        return Err(cannot());
    }
    if user.disabled {
        return Err(disabled());
    }
    if user.role.is_staff() {
        return Err(ApiError::forbidden(
            "staff log in with their username and password",
        ));
    }
    let signed = device_login_bytes(&device.id, req.at_ms);
    if samtale_crypto::verify_signature(&device.keys(), &signed, req.signature.as_slice()).is_err()
    {
        return Err(cannot());
    }
    // Only after the signature: a forged request must not use up a time.
    if !st.store.claim_device_login(&device.id, req.at_ms).await? {
        return Err(cannot());
    }
    start_session(&st, &user, &device.id, "session.device_login").await
}

/// Replaces the caller's token with a new one; the old one stops working at once.
pub async fn refresh<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<SessionInfo>, ApiError> {
    let (info, record) = new_session(&st, &caller.user, &caller.device);
    st.store
        .rotate_session(&caller.token_hash, &record)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound(_) => {
                ApiError::unauthorized("the session was replaced meanwhile; log in again")
            }
            other => other.into(),
        })?;
    st.store.touch_device(&caller.device, now_ms()).await?;
    Ok(Json(info))
}

pub async fn logout<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    st.store.delete_session(&caller.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<MeResponse>, ApiError> {
    let tenant = st
        .store
        .tenant(caller.tenant())
        .await?
        .ok_or_else(ApiError::internal)?;
    let device: DeviceInfo = st
        .store
        .device(&caller.device)
        .await?
        .ok_or_else(ApiError::internal)?
        .info();
    Ok(Json(MeResponse {
        tenant: TenantInfo {
            id: tenant.id,
            name: tenant.name,
            slug: tenant.slug,
        },
        user: caller.user.info(),
        device,
    }))
}

pub async fn create_staff<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateStaff>,
) -> Result<(StatusCode, Json<UserInfo>), ApiError> {
    if caller.user.role != Role::Admin {
        return Err(ApiError::forbidden("only an administrator can add staff"));
    }
    if !req.role.is_staff() {
        return Err(ApiError::bad_request(
            "staff are caseworkers or admins; youths and parents join by invitation",
        ));
    }
    let username = req.username.trim().to_lowercase();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(ApiError::bad_request(
            "a username has 1 to 64 letters, digits, dots, dashes or underscores",
        ));
    }
    let hash = password::hash(&req.password).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let user = User {
        id: fresh(UserId::from_parts),
        tenant: caller.tenant().clone(),
        role: req.role,
        display_name: check_display_name(&req.display_name)?,
        username: Some(username),
        chain: 0,
        disabled: false,
    };
    st.store.create_user(&user, Some(&hash)).await?;
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "staff.create",
            user.id.as_str(),
        ),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user.info())))
}
