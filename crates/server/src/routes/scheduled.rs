//! Scheduled messages: the sender seals a message now and hands it over with its release time;
//! the server holds it (the release queue, see `Store::hold_envelope`) and the release loop in
//! `serve` puts it into the inboxes at that time, whether or not the sender is online. Until
//! then the sender lists and cancels what she holds. The server learns the release time and
//! nothing else about the message.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use samtale_proto::api::{HeldEnvelope, MAX_HOLD_MS, PostEnvelopeResponse, ScheduleRequest};
use samtale_proto::{EnvelopeId, ErrorCode};

use super::envelopes::{check, recipients};
use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{CancelOutcome, PutOutcome, Store};

/// `?blobs=ID,ID`: the uploaded files the planned message carries.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldQuery {
    blobs: Option<String>,
}

pub async fn hold<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    q: Result<Query<HoldQuery>, axum::extract::rejection::QueryRejection>,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> Result<(StatusCode, Json<PostEnvelopeResponse>), ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let now = now_ms();
    if req.release_at_ms <= now {
        return Err(ApiError::bad_request(
            "the release time has passed; send the message now instead",
        ));
    }
    if req.release_at_ms > now + MAX_HOLD_MS {
        return Err(ApiError::bad_request(
            "a message can be planned at most a year ahead",
        ));
    }
    let env = &req.envelope;
    let digest = check(&st, &caller, env).await?;
    let only = match &req.to {
        None => None,
        Some(list) => Some(
            recipients(
                &st,
                list.iter().map(|u| u.as_str()),
                &caller,
                &env.header.thread,
            )
            .await?,
        ),
    };
    let files = match q.blobs.as_deref() {
        None => Vec::new(),
        Some(list) => super::blobs::carried(&st, &caller, env, list).await?,
    };
    let outcome = st
        .store
        .hold_envelope(env, &digest, req.release_at_ms, only.as_deref(), now)
        .await?;
    if !files.is_empty() && outcome != PutOutcome::Conflict {
        st.store.attach_blobs(&files, &env.header.id).await?;
    }
    match outcome {
        PutOutcome::Stored => {
            st.release.notify_one();
            Ok((
                StatusCode::CREATED,
                Json(PostEnvelopeResponse { stored: true }),
            ))
        }
        PutOutcome::Duplicate => Ok((StatusCode::OK, Json(PostEnvelopeResponse { stored: false }))),
        PutOutcome::Conflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            "this envelope id is already used by a different envelope",
        )),
    }
}

pub async fn list<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Vec<HeldEnvelope>>, ApiError> {
    Ok(Json(st.store.held_of(&caller.user.id).await?))
}

pub async fn cancel<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = EnvelopeId::parse(&id)
        .map_err(|_| ApiError::bad_request(format!("{id:?} is not an envelope id")))?;
    match st.store.cancel_held(&id, &caller.user.id).await? {
        CancelOutcome::Cancelled => Ok(StatusCode::NO_CONTENT),
        CancelOutcome::Released => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            "the message has already been sent and cannot be cancelled",
        )),
        CancelOutcome::NotFound => Err(ApiError::not_found(
            "no planned message of yours with this id",
        )),
    }
}
