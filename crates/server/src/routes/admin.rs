//! `/v1/admin`: what an administrator of a municipality does to its people's accounts, through
//! [`crate::accounts`]: remove a device, disable or enable a person, end their sessions, set a
//! staff member's password, reset an account's keys, and list a person's devices. Only admins,
//! only within their own municipality; everything is audited.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use samtale_proto::api::Role;
use samtale_proto::devices::{AdminPassword, AdminReset, AdminResetDone, DeviceList};
use samtale_proto::{DeviceId, ErrorCode, UserId};

use crate::accounts::{self, AccountError};
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{Store, User};

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::NoDevice | AccountError::NoUser => ApiError::not_found(e.to_string()),
            AccountError::AlreadyRemoved => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, e.to_string())
            }
            AccountError::NotStaff | AccountError::Password(_) => {
                ApiError::bad_request(e.to_string())
            }
            AccountError::Store(s) => s.into(),
        }
    }
}

fn admin_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only an administrator can do this"))
    }
}

/// The person `id` names, if they are in the admin's municipality (another municipality's
/// people look exactly like people who do not exist).
async fn person<S: Store>(st: &AppState<S>, caller: &Caller, id: &str) -> Result<User, ApiError> {
    admin_only(caller)?;
    let missing = || ApiError::not_found("no such person in your municipality");
    let id = UserId::parse(id).map_err(|_| missing())?;
    match st.store.user(&id).await? {
        Some(u) if u.tenant == *caller.tenant() => Ok(u),
        _ => Err(missing()),
    }
}

pub async fn devices<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceList>, ApiError> {
    let user = person(&st, &caller, &id).await?;
    Ok(Json(super::devices::device_list(&st, &user.id).await?))
}

pub async fn disable<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = person(&st, &caller, &id).await?;
    if user.id == caller.user.id {
        return Err(ApiError::bad_request("you cannot disable your own account"));
    }
    accounts::set_disabled(&st.store, Some(&st.hub), &user, true, Some(&caller.user.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn enable<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = person(&st, &caller, &id).await?;
    accounts::set_disabled(
        &st.store,
        Some(&st.hub),
        &user,
        false,
        Some(&caller.user.id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn end_sessions<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = person(&st, &caller, &id).await?;
    accounts::end_sessions(&st.store, Some(&st.hub), &user, Some(&caller.user.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn password<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AdminPassword>,
) -> Result<StatusCode, ApiError> {
    let user = person(&st, &caller, &id).await?;
    accounts::set_password(
        &st.store,
        Some(&st.hub),
        &user,
        &req.password,
        Some(&caller.user.id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reset<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AdminReset>,
) -> Result<Json<AdminResetDone>, ApiError> {
    let user = person(&st, &caller, &id).await?;
    if user.id == caller.user.id {
        return Err(ApiError::bad_request(
            "another administrator must reset your account",
        ));
    }
    let chain = accounts::reset_keys(
        &st.store,
        Some(&st.hub),
        &user,
        req.password.as_deref(),
        Some(&caller.user.id),
    )
    .await?;
    Ok(Json(AdminResetDone { chain }))
}

pub async fn revoke_device<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin_only(&caller)?;
    let missing = || ApiError::not_found("no such device in your municipality");
    let id = DeviceId::parse(&id).map_err(|_| missing())?;
    let device = st.store.device(&id).await?.ok_or_else(missing)?;
    person(&st, &caller, device.user.as_str())
        .await
        .map_err(|_| missing())?;
    accounts::revoke_device(&st.store, Some(&st.hub), &device, Some(&caller.user.id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
