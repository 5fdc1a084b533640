//! Sealed envelopes in, inbox pages out: the relay at the heart of the server. An envelope is
//! checked (version, size, sender is the calling device, membership, signature against the
//! sending device's registered key), stored once under the client's id, and fanned out.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use samtale_proto::api::{AckRequest, PostEnvelopeResponse, ReceiptRequest};
use samtale_proto::{
    ErrorCode, EventBody, InboxPage, MAX_CIPHERTEXT_BYTES, MAX_PAGE, PROTOCOL_VERSION,
    SealedEnvelope, UserId,
};
use serde::Deserialize;

use super::threads::visible_thread;
use crate::auth::{Caller, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{PutOutcome, Store};

/// `?to=USER,USER`: the members an envelope is for, when not all of them (a caseworker's note
/// sealed to staff). The sender is always one of them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostQuery {
    to: Option<String>,
    /// `?blobs=ID,ID`: the uploaded files the message carries (see `samtale_proto::blobs`).
    blobs: Option<String>,
}

pub async fn post_envelope<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    q: Result<Query<PostQuery>, axum::extract::rejection::QueryRejection>,
    ApiJson(env): ApiJson<SealedEnvelope>,
) -> Result<(StatusCode, Json<PostEnvelopeResponse>), ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let digest = check(&st, &caller, &env).await?;
    let only = match q.to.as_deref() {
        None => None,
        Some(list) => Some(recipients(&st, list.split(','), &caller, &env.header.thread).await?),
    };
    let files = match q.blobs.as_deref() {
        None => Vec::new(),
        Some(list) => super::blobs::carried(&st, &caller, &env, list).await?,
    };
    let (outcome, fanout) = st
        .store
        .put_envelope_for(&env, &digest, now_ms(), only.as_deref())
        .await?;
    if !files.is_empty() && outcome != PutOutcome::Conflict {
        st.store.attach_blobs(&files, &env.header.id).await?;
    }
    match outcome {
        PutOutcome::Stored => {
            st.hub.notify(&fanout);
            super::notices::watch_message(&st, &caller, &env.header, only.as_deref()).await;
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

/// What every envelope must pass before it is stored or held: this protocol version, a size
/// within bounds, the calling user and device as sender, a thread the caller is in, and a
/// signature by the sending device's registered key. Returns the ciphertext's digest.
pub(super) async fn check<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    env: &SealedEnvelope,
) -> Result<[u8; 32], ApiError> {
    let h = &env.header;
    if h.v != PROTOCOL_VERSION {
        return Err(ApiError::bad_request(format!(
            "envelope version {} is not supported; update the app",
            h.v
        )));
    }
    if env.ciphertext.len() > MAX_CIPHERTEXT_BYTES {
        return Err(ApiError::too_large(format!(
            "an envelope holds at most {MAX_CIPHERTEXT_BYTES} bytes"
        )));
    }
    if env.ciphertext.is_empty() {
        return Err(ApiError::bad_request("the envelope is empty"));
    }
    if h.sender != caller.user.id || h.sender_device != caller.device {
        return Err(ApiError::forbidden(
            "an envelope must name the user and device of the session that sends it",
        ));
    }
    visible_thread(st, caller, &h.thread).await?;
    let device = st
        .store
        .device(&caller.device)
        .await?
        .ok_or_else(ApiError::internal)?;
    samtale_crypto::verify_envelope(env, &device.keys()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadSignature,
            "the envelope's signature does not match your device key",
        )
    })?;
    Ok(samtale_crypto::ciphertext_digest(env.ciphertext.as_slice()))
}

/// The members `list` names (user ids), with the sender; each must be a member of the thread.
pub(super) async fn recipients<S: Store>(
    st: &AppState<S>,
    list: impl Iterator<Item = &str>,
    caller: &Caller,
    thread: &samtale_proto::ThreadId,
) -> Result<Vec<UserId>, ApiError> {
    let members = st.store.thread_members(thread).await?;
    let mut out = vec![caller.user.id.clone()];
    for part in list.filter(|p| !p.is_empty()) {
        let user = UserId::parse(part)
            .map_err(|_| ApiError::bad_request(format!("{part:?} in `to` is not a user id")))?;
        if !members.contains(&user) {
            return Err(ApiError::bad_request(format!(
                "{user} in `to` is not in this conversation"
            )));
        }
        if !out.contains(&user) {
            out.push(user);
        }
    }
    Ok(out)
}

/// Most envelopes one receipt may name.
const MAX_RECEIPT_ENVELOPES: usize = 500;

pub async fn post_receipts<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<ReceiptRequest>,
) -> Result<StatusCode, ApiError> {
    if req.envelopes.is_empty() || req.envelopes.len() > MAX_RECEIPT_ENVELOPES {
        return Err(ApiError::bad_request(format!(
            "a receipt names 1 to {MAX_RECEIPT_ENVELOPES} envelopes"
        )));
    }
    visible_thread(&st, &caller, &req.thread).await?;
    for id in &req.envelopes {
        if st.store.envelope_thread(id).await?.as_ref() != Some(&req.thread) {
            return Err(ApiError::not_found(format!(
                "envelope {id} not found in this thread"
            )));
        }
    }
    // Members' clients check this signature too; checking it here keeps a broken or forged
    // receipt out of everyone's inbox.
    let device = st
        .store
        .device(&caller.device)
        .await?
        .ok_or_else(ApiError::internal)?;
    let signed =
        samtale_proto::api::receipt_bytes(&req.thread, &caller.device, req.kind, &req.envelopes);
    if samtale_crypto::verify_signature(&device.keys(), &signed, req.signature.as_slice()).is_err()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            samtale_proto::ErrorCode::BadSignature,
            "the receipt's signature does not match your device key",
        ));
    }
    let members = st.store.thread_members(&req.thread).await?;
    let event = EventBody::Receipt {
        thread: req.thread.clone(),
        user: caller.user.id.clone(),
        device: caller.device.clone(),
        kind: req.kind,
        envelopes: req.envelopes,
        signature: Some(req.signature),
    };
    let fanout = st.store.append_event(&members, &event, now_ms()).await?;
    st.hub.notify(&fanout);
    if req.kind == samtale_proto::ReceiptKind::Read {
        super::notices::read_conversation(&st, &caller, &req.thread).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    #[serde(default)]
    since: u64,
    limit: Option<u32>,
}

pub async fn inbox<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    q: Result<Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<InboxPage>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
    let mut events = st.store.inbox(&caller.user.id, q.since, limit + 1).await?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next = events.last().map(|e| e.seq).unwrap_or(q.since);
    Ok(Json(InboxPage { events, next, more }))
}

pub async fn ack<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<AckRequest>,
) -> Result<StatusCode, ApiError> {
    st.store.ack(&caller.device, req.seq).await?;
    st.store.touch_device(&caller.device, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}
