//! Linking a new device to an account from a device the person already has (see
//! `samtale_proto::devices`). The new device registers a request without a session and shows
//! a code; the server knows only its first 8 characters (4 find it, 4 check it, with the same
//! attempt limit as invitations); a signed-in device of the person previews and accepts it with
//! a link it signed, which is checked here against its registered key; the new device then
//! claims its session with a signature of its own. The MACs made with the code's secret are
//! relayed, never checked here: they are between the two devices.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use samtale_proto::api::{DEVICE_LOGIN_SKEW_MS, TenantInfo, device_login_bytes};
use samtale_proto::devices::{
    AcceptLink, CreateLinkRequest, LINK_TTL_MINUTES, LinkClaimRequest, LinkPreview,
    LinkPreviewRequest, LinkRequestInfo, LinkStatus,
};
use samtale_proto::invite::SERVER_PART_LEN;
use samtale_proto::{ErrorCode, EventBody, LinkId};
use sha2::{Digest, Sha256};

use super::{audit, audit_entry, device_from_registration};
use crate::auth::{Caller, new_session, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{AcceptedLink, Device, LinkRequest, Store, StoreError};

use super::codes::LOOKUP_LEN;

pub(super) fn invalid(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidLink, message)
}

/// A new device asks to be linked. Nothing is trusted yet: the request only holds the keys
/// and the MACs until a device of the person accepts it.
pub async fn create<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<CreateLinkRequest>,
) -> Result<(StatusCode, Json<LinkRequestInfo>), ApiError> {
    if !st.failures.allowed(addr.ip()) {
        return Err(ApiError::rate_limited());
    }
    if req.proof_code.len() != 32 || req.proof_qr.len() != 32 {
        return Err(ApiError::bad_request(
            "the link proofs must be 32-byte MACs",
        ));
    }
    // Checks the name and keys like any registration; the user is not known yet.
    let placeholder = samtale_proto::UserId::from_parts(0, [0; 10]);
    let checked = device_from_registration(&placeholder, &req.device, None)?;
    if st.store.device(&req.device_id).await?.is_some()
        || st.store.link_request(&req.id).await?.is_some()
    {
        return Err(StoreError::Conflict("link request").into());
    }
    let now = now_ms();
    for _ in 0..16 {
        let server_part =
            samtale_proto::invite::encode_chars(&samtale_crypto::random::random_bytes::<
                SERVER_PART_LEN,
            >());
        let request = LinkRequest {
            id: req.id.clone(),
            device_id: req.device_id.clone(),
            name: checked.name.clone(),
            enc_key: checked.enc_key.clone(),
            sign_key: checked.sign_key.clone(),
            lookup: server_part[..LOOKUP_LEN].to_owned(),
            check_hash: Sha256::digest(server_part.as_bytes()).into(),
            proof_code: req.proof_code.0.clone(),
            proof_qr: req.proof_qr.0.clone(),
            created_at_ms: now,
            expires_at_ms: now + LINK_TTL_MINUTES * 60_000,
            failed_attempts: 0,
            accepted: None,
            claimed: false,
        };
        match st.store.create_link_request(&request).await {
            Ok(()) => {
                // Requests need no session, so each one counts against the address like a
                // failed attempt: a flood from one address stops early.
                st.failures.record_failure(addr.ip());
                return Ok((
                    StatusCode::CREATED,
                    Json(LinkRequestInfo {
                        id: request.id,
                        server_part,
                        expires_at_ms: request.expires_at_ms,
                    }),
                ));
            }
            // The lookup space is small on purpose (short codes); retry on the rare clash.
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal())
}

/// Finds the live request a server part names (see `codes`).
async fn check_code<S: Store>(
    st: &AppState<S>,
    addr: SocketAddr,
    code: &str,
) -> Result<LinkRequest, ApiError> {
    let request: LinkRequest = super::codes::check(st, addr, code).await?;
    if request.expires_at_ms <= now_ms() {
        return Err(invalid(
            "the link code has expired; start again on the new device",
        ));
    }
    if request.accepted.is_some() {
        return Err(invalid("this device has already been linked"));
    }
    Ok(request)
}

pub async fn preview<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    _caller: Caller,
    ApiJson(req): ApiJson<LinkPreviewRequest>,
) -> Result<Json<LinkPreview>, ApiError> {
    let r = check_code(&st, addr, &req.code).await?;
    Ok(Json(LinkPreview {
        keys: r.keys(),
        id: r.id,
        device_id: r.device_id,
        name: r.name,
        proof_code: r.proof_code.into(),
        proof_qr: r.proof_qr.into(),
        expires_at_ms: r.expires_at_ms,
    }))
}

/// A device of the person vouches for the new device: the link must be signed by the calling
/// device itself, over the request's device and keys, for the caller's account and chain.
pub async fn accept<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    caller: Caller,
    ApiJson(req): ApiJson<AcceptLink>,
) -> Result<(StatusCode, Json<samtale_proto::api::DeviceInfo>), ApiError> {
    let r = check_code(&st, addr, &req.code).await?;
    if req.signer_proof.len() != 32 {
        return Err(ApiError::bad_request(
            "the signer proof must be a 32-byte MAC",
        ));
    }
    if req.link.signer != caller.device {
        return Err(ApiError::forbidden(
            "a link must be signed by the device that sends it",
        ));
    }
    let signer = st
        .store
        .device(&caller.device)
        .await?
        .ok_or_else(ApiError::internal)?;
    let keys = r.keys();
    let subject = samtale_crypto::link::LinkSubject {
        user: &caller.user.id,
        chain: signer.chain,
        device: &r.device_id,
        keys: &keys,
    };
    samtale_crypto::link::verify_link(&signer.keys(), subject, &req.link).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadSignature,
            "the link's signature does not match this device's key",
        )
    })?;
    let now = now_ms();
    let device = Device {
        id: r.device_id.clone(),
        user: caller.user.id.clone(),
        name: r.name.clone(),
        enc_key: r.enc_key.clone(),
        sign_key: r.sign_key.clone(),
        created_at_ms: now,
        join_proof: None,
        link: Some(req.link.clone()),
        chain: signer.chain,
        revoked_at_ms: None,
        last_seen_ms: now,
    };
    let accepted = AcceptedLink {
        user: caller.user.id.clone(),
        signer: caller.device.clone(),
        proof_kind: req.proof_kind,
        signer_proof: req.signer_proof.0.clone(),
        inbox_head: 0,
    };
    // The person's own devices and everyone they talk to are told.
    let mut notify = st.store.contacts_of(&caller.user.id).await?;
    notify.push(caller.user.id.clone());
    let event = EventBody::Device {
        device: device.info(),
    };
    let cap = st.limits.device_cap(caller.user.role);
    let fanout = st
        .store
        .accept_link_request(&r.id, &accepted, &device, &notify, &event, now, cap)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => invalid("this device has already been linked"),
            StoreError::Limit(_) => device_limit(cap),
            other => other.into(),
        })?;
    st.hub.notify(&fanout);
    audit(
        &st,
        audit_entry(
            caller.tenant(),
            Some(&caller.user.id),
            "device.link",
            device.id.as_str(),
        ),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(device.info())))
}

pub fn device_limit(cap: u32) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::DeviceLimit,
        format!(
            "this account already has {cap} devices, the most allowed; remove one you no longer use first"
        ),
    )
}

/// The new device asks whether it was linked, proving with its own key that it is the device
/// the request was made by. Answers with the session once, and "pending" before.
pub async fn claim<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<LinkClaimRequest>,
) -> Result<Json<LinkStatus>, ApiError> {
    let ip = addr.ip();
    if !st.failures.allowed(ip) {
        return Err(ApiError::rate_limited());
    }
    let unknown = || ApiError::not_found("no such link request; start again on the new device");
    let id = LinkId::parse(&id).map_err(|_| unknown())?;
    let Some(r) = st.store.link_request(&id).await? else {
        return Err(unknown());
    };
    if (req.at_ms - now_ms()).abs() > DEVICE_LOGIN_SKEW_MS {
        return Err(ApiError::unauthorized(
            "this device's clock is more than two minutes off; set the right time and try again",
        ));
    }
    let signed = device_login_bytes(&r.device_id, req.at_ms);
    if samtale_crypto::verify_signature(&r.keys(), &signed, req.signature.as_slice()).is_err() {
        st.failures.record_failure(ip);
        return Err(ApiError::unauthorized(
            "this request is not signed by the device that asked to be linked",
        ));
    }
    let Some(accepted) = r.accepted.clone() else {
        if r.expires_at_ms <= now_ms() {
            return Err(invalid("the link code has expired; start again"));
        }
        return Ok(Json(LinkStatus::Pending {
            expires_at_ms: r.expires_at_ms,
        }));
    };
    // One session per link; later sessions come by logging in as usual.
    if r.claimed || !st.store.claim_link_request(&id).await? {
        return Err(invalid("this link has already been used"));
    }
    let user = st
        .store
        .user(&accepted.user)
        .await?
        .ok_or_else(ApiError::internal)?;
    let device = st
        .store
        .device(&r.device_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let signer = st
        .store
        .device(&accepted.signer)
        .await?
        .ok_or_else(ApiError::internal)?;
    let tenant = st
        .store
        .tenant(&user.tenant)
        .await?
        .ok_or_else(ApiError::internal)?;
    // The claim is also the device's first key-signed login: the same time cannot log in again.
    st.store.claim_device_login(&device.id, req.at_ms).await?;
    let (session, record) = new_session(&st, &user, &device.id);
    st.store.create_session(&record).await?;
    audit(
        &st,
        audit_entry(
            &user.tenant,
            Some(&user.id),
            "session.link",
            device.id.as_str(),
        ),
    )
    .await?;
    Ok(Json(LinkStatus::Linked {
        session,
        tenant: TenantInfo {
            id: tenant.id,
            name: tenant.name,
            slug: tenant.slug,
        },
        device: device.info(),
        signer: signer.info(),
        proof_kind: accepted.proof_kind,
        signer_proof: accepted.signer_proof.into(),
        inbox_head: accepted.inbox_head,
    }))
}
