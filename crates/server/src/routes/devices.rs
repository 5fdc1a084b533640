//! A person's own devices: the list settings show, and removing one from another. A removed
//! device's sessions end at once, its sockets are closed, and the person's other devices and
//! everyone they talk to are told, so their clients stop sealing to it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use samtale_proto::DeviceId;
use samtale_proto::devices::{DeviceList, OwnDevice};

use crate::auth::{Caller, now_ms};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Store;

pub async fn list<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<DeviceList>, ApiError> {
    Ok(Json(device_list(&st, &caller.user.id).await?))
}

/// A person's devices with when each was last seen and whether that makes it stale.
pub(super) async fn device_list<S: Store>(
    st: &AppState<S>,
    user: &samtale_proto::UserId,
) -> Result<DeviceList, ApiError> {
    let stale_before =
        now_ms() - i64::try_from(st.limits.stale_after.as_millis()).unwrap_or(i64::MAX);
    let devices = st
        .store
        .devices_of(user)
        .await?
        .into_iter()
        .map(|d| OwnDevice {
            last_seen_ms: d.last_seen_ms,
            stale: d.revoked_at_ms.is_none() && d.last_seen_ms < stale_before,
            device: d.info(),
        })
        .collect();
    Ok(DeviceList { devices })
}

pub async fn revoke<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let not_yours = || ApiError::not_found("no such device on your account");
    let id = DeviceId::parse(&id).map_err(|_| not_yours())?;
    let Some(device) = st.store.device(&id).await? else {
        return Err(not_yours());
    };
    if device.user != caller.user.id {
        return Err(not_yours());
    }
    if id == caller.device {
        return Err(ApiError::bad_request(
            "a device cannot remove itself; remove it from another of your devices",
        ));
    }
    crate::accounts::revoke_device(&st.store, Some(&st.hub), &device, Some(&caller.user.id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
