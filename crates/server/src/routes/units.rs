//! Units of a municipality ("Ungeindsatsen"): `GET /v1/units` for its staff (a caseworker
//! choosing where a conversation belongs, printing a letter with the unit's letterhead), and
//! for its administrator `POST /v1/units` to add one and `PUT /v1/units/{id}` to rename it and
//! set its letterhead. The operator's `samtale-server units --add` does the same from the
//! command line. Every change is audited.

use axum::Json;
use axum::extract::{Path, State};
use samtale_proto::UnitId;
use samtale_proto::api::{EditUnit, NewUnit, Role, UnitInfo, check_unit_name};

use super::{audit, audit_entry, fresh};
use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{Store, StoreError, Unit};

fn info(u: Unit) -> UnitInfo {
    UnitInfo {
        id: u.id,
        name: u.name,
        letterhead: u.letterhead,
    }
}

pub async fn list<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Vec<UnitInfo>>, ApiError> {
    if !caller.user.role.is_staff() {
        return Err(ApiError::forbidden(
            "only the municipality's staff see its units",
        ));
    }
    let units = st.store.units_of(caller.tenant()).await?;
    Ok(Json(units.into_iter().map(info).collect()))
}

fn admin_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the municipality's administrator manages its units",
        ))
    }
}

/// The name and letterhead as they will be stored, or a 400 saying what is wrong.
fn checked(body: &NewUnit) -> Result<(String, samtale_proto::api::Letterhead), ApiError> {
    check_unit_name(&body.name).map_err(ApiError::bad_request)?;
    let letterhead = body.letterhead.checked().map_err(ApiError::bad_request)?;
    Ok((body.name.trim().to_owned(), letterhead))
}

fn name_taken(e: StoreError, name: &str) -> ApiError {
    match e {
        StoreError::Conflict(_) => ApiError::new(
            axum::http::StatusCode::CONFLICT,
            samtale_proto::ErrorCode::Conflict,
            format!("the municipality already has a unit named {name:?}; choose another name"),
        ),
        e => e.into(),
    }
}

pub async fn create<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(body): ApiJson<NewUnit>,
) -> Result<Json<UnitInfo>, ApiError> {
    admin_only(&caller)?;
    let (name, letterhead) = checked(&body)?;
    let unit = Unit {
        id: fresh(UnitId::from_parts),
        tenant: caller.tenant().clone(),
        name,
        created_at_ms: now_ms(),
        letterhead,
    };
    st.store
        .create_unit(&unit)
        .await
        .map_err(|e| name_taken(e, &unit.name))?;
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "unit.create",
            &format!("unit={}", unit.id),
        ),
    )
    .await?;
    Ok(Json(info(unit)))
}

pub async fn edit<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EditUnit>,
) -> Result<Json<UnitInfo>, ApiError> {
    admin_only(&caller)?;
    let (name, letterhead) = checked(&body)?;
    let missing = || ApiError::not_found("no such unit in your municipality");
    let id = UnitId::try_from(id).map_err(|_| missing())?;
    // Another municipality's unit answers like a missing one.
    let Some(old) = st
        .store
        .unit(&id)
        .await?
        .filter(|u| &u.tenant == caller.tenant())
    else {
        return Err(missing());
    };
    let unit = Unit {
        name,
        letterhead,
        ..old
    };
    st.store.update_unit(&unit).await.map_err(|e| match e {
        StoreError::NotFound(_) => missing(),
        e => name_taken(e, &unit.name),
    })?;
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "unit.edit",
            &format!("unit={}", unit.id),
        ),
    )
    .await?;
    Ok(Json(info(unit)))
}
