//! The contact register's routes. A citizen sets, reads and removes his own mobile number and
//! e-mail address (`/v1/me/contacts`); staff of his municipality read them only with a
//! reason, and every such read is in the audit log (`/v1/users/{id}/contacts?reason=`). Values
//! are sealed under the server's contact key before they reach the store, bound to the citizen
//! and the channel. A new value starts unverified (verifying by a code sent to it is to come).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use samtale_crypto::at_rest::AtRestKey;
use samtale_proto::api::Role;
use samtale_proto::notices::{Channel, ContactState, ContactView, SetContact};
use samtale_proto::{ErrorCode, UserId};
use serde::Deserialize;

use super::{audit, audit_entry};
use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::notices::contact::{Msisdn, email};
use crate::state::AppState;
use crate::store::{ContactRecord, Store};

pub(super) fn key<S>(st: &AppState<S>) -> Result<&AtRestKey, ApiError> {
    st.contact_key.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "this server keeps no contact register; ask the administrator to set contact_key",
        )
    })
}

/// What a sealed value is bound to: the citizen and the channel.
fn place(citizen: &UserId, channel: Channel) -> Vec<u8> {
    crate::notices::contact::sealed_place(citizen, channel)
}

fn view(key: &AtRestKey, r: &ContactRecord) -> Result<ContactView, ApiError> {
    let value = key
        .open(&place(&r.citizen, r.channel), &r.sealed)
        .map_err(|_| {
            tracing::error!(citizen = %r.citizen, "a contact does not open with this contact_key");
            ApiError::internal()
        })?;
    Ok(ContactView {
        channel: r.channel,
        value: String::from_utf8_lossy(&value).into_owned(),
        state: r.state,
        source: r.source.clone(),
        updated_at_ms: r.updated_at_ms,
        verified_at_ms: r.verified_at_ms,
    })
}

pub(super) fn citizen_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.user.role.is_staff() {
        return Err(ApiError::forbidden(
            "staff have no contact register entry; it is for youths and parents",
        ));
    }
    Ok(())
}

/// Checks, normalises, seals and stores a number or address for `citizen`, and logs it.
async fn store_contact<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    citizen: &UserId,
    req: &SetContact,
    source: &str,
) -> Result<Json<ContactView>, ApiError> {
    let key = key(st)?;
    let value = match req.channel {
        Channel::Sms => Msisdn::parse(&req.value)
            .map(|n| n.as_str().to_owned())
            .map_err(ApiError::bad_request)?,
        Channel::Email => email(&req.value).map_err(ApiError::bad_request)?,
    };
    let sealed = key
        .seal(&place(citizen, req.channel), value.as_bytes())
        .map_err(|_| ApiError::internal())?;
    let record = ContactRecord {
        citizen: citizen.clone(),
        tenant: caller.tenant().clone(),
        channel: req.channel,
        sealed,
        state: ContactState::Unverified,
        source: source.into(),
        updated_at_ms: now_ms(),
        verified_at_ms: None,
        failed_at_ms: None,
    };
    st.store.put_contact(&record).await?;
    super::notices::facts_changed(st, citizen).await;
    audit(
        st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "contact.set",
            &format!("user={citizen} channel={} by={source}", req.channel.da()),
        ),
    )
    .await?;
    Ok(Json(view(key, &record)?))
}

pub async fn set<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<SetContact>,
) -> Result<Json<ContactView>, ApiError> {
    key(&st)?;
    citizen_only(&caller)?;
    let me = caller.user.id.clone();
    store_contact(&st, &caller, &me, &req, "app").await
}

/// A caseworker enters a citizen's number or address with him (at a meeting, on the phone).
pub async fn set_for_citizen<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SetContact>,
) -> Result<Json<ContactView>, ApiError> {
    key(&st)?;
    let citizen = staff_may_reach(&st, &caller, &id).await?;
    store_contact(&st, &caller, &citizen, &req, "caseworker").await
}

/// The citizen `id` names, when the caller is staff of his municipality (another
/// municipality's citizens and staff look like people who do not exist).
pub(super) async fn staff_may_reach<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    id: &str,
) -> Result<UserId, ApiError> {
    if !matches!(caller.user.role, Role::Caseworker | Role::Admin) {
        return Err(ApiError::forbidden(
            "only the municipality's staff see or enter a citizen's contacts",
        ));
    }
    let missing = || ApiError::not_found("no such person in your municipality");
    let id = UserId::parse(id).map_err(|_| missing())?;
    match st.store.user(&id).await? {
        Some(u) if u.tenant == *caller.tenant() && !u.role.is_staff() => Ok(id),
        _ => Err(missing()),
    }
}

pub async fn mine<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Vec<ContactView>>, ApiError> {
    let key = key(&st)?;
    citizen_only(&caller)?;
    let list = st.store.register_of(&caller.user.id).await?;
    Ok(Json(
        list.iter()
            .map(|r| view(key, r))
            .collect::<Result<_, _>>()?,
    ))
}

pub async fn remove<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(channel): Path<String>,
) -> Result<StatusCode, ApiError> {
    key(&st)?;
    citizen_only(&caller)?;
    let channel = match channel.as_str() {
        "sms" => Channel::Sms,
        "email" => Channel::Email,
        _ => return Err(ApiError::bad_request("the channel is sms or email")),
    };
    if !st.store.delete_contact(&caller.user.id, channel).await? {
        return Err(ApiError::not_found("no such contact"));
    }
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "contact.remove",
            &format!("user={} channel={}", caller.user.id, channel.da()),
        ),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Reason {
    #[serde(default)]
    reason: String,
}

impl Reason {
    /// The reason, checked: 3 to 200 characters on one line.
    pub(super) fn checked(&self) -> Result<&str, ApiError> {
        let reason = self.reason.trim();
        if reason.chars().count() < 3
            || reason.chars().count() > 200
            || reason.chars().any(char::is_control)
        {
            return Err(ApiError::bad_request(
                "say why you read this (3 to 200 characters, one line); it is logged",
            ));
        }
        Ok(reason)
    }
}

/// Staff read a citizen's contacts, with a reason that goes into the audit log.
pub async fn of_citizen<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<Reason>,
) -> Result<Json<Vec<ContactView>>, ApiError> {
    let key = key(&st)?;
    let id = staff_may_reach(&st, &caller, &id).await?;
    let reason = q.checked()?;
    let list = st.store.register_of(&id).await?;
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "contact.read",
            &format!("user={id} reason={reason}"),
        ),
    )
    .await?;
    Ok(Json(
        list.iter()
            .map(|r| view(key, r))
            .collect::<Result<_, _>>()?,
    ))
}
