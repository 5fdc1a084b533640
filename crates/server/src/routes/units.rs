//! `GET /v1/units`: the units of the caller's municipality, for staff (a caseworker choosing
//! where a conversation belongs, an admin managing them). Units are made by the operator
//! (`samtale-server units --add`) for now.

use axum::Json;
use axum::extract::State;
use samtale_proto::api::UnitInfo;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Store;

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
    Ok(Json(
        units
            .into_iter()
            .map(|u| UnitInfo {
                id: u.id,
                name: u.name,
            })
            .collect(),
    ))
}
