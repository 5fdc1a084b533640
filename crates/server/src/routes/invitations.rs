//! Invitations: a caseworker invites a youth or a parent; the citizen's first device previews and
//! redeems the code. The server knows only the first 8 characters of a code (4 find it, 4 check
//! it, with an attempt limit); the secret rest stays between the two devices (see
//! `samtale_proto::invite`), and the proofs made with it are stored and relayed, never checked here.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use samtale_proto::api::{
    CreateInvitation, InvitationInfo, JoinPreview, JoinPreviewRequest, JoinProof, JoinRequest,
    Role, SessionInfo, TenantInfo,
};
use samtale_proto::invite::SERVER_PART_LEN;
use samtale_proto::{EventBody, UserId};
use sha2::{Digest, Sha256};

use super::{audit, audit_entry, check_display_name, device_from_registration, fresh};
use crate::auth::{Caller, new_session, now_ms};
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{Invitation, Store, StoreError, User};

const DEFAULT_TTL: Duration = Duration::from_secs(72 * 3600);
use super::codes::LOOKUP_LEN;

fn info(i: &Invitation) -> InvitationInfo {
    InvitationInfo {
        id: i.id.clone(),
        server_part: String::new(),
        role: i.role,
        display_name: i.display_name.clone(),
        youth: i.youth.clone(),
        inviter: i.inviter.clone(),
        inviter_device: i.inviter_device.clone(),
        expires_at_ms: i.expires_at_ms,
        joined_user: i.used_by.clone(),
    }
}

pub async fn create<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateInvitation>,
) -> Result<(StatusCode, Json<InvitationInfo>), ApiError> {
    if caller.user.role != Role::Caseworker {
        return Err(ApiError::forbidden("only a caseworker can invite"));
    }
    match (req.role, &req.youth) {
        (Role::Youth, None) => {}
        (Role::Youth, Some(_)) => {
            return Err(ApiError::bad_request("a youth's invitation names no youth"));
        }
        (Role::Parent, Some(youth)) => match st.store.user(youth).await? {
            Some(y) if y.tenant == *caller.tenant() && y.role == Role::Youth => {}
            _ => {
                return Err(ApiError::not_found(
                    "the youth this parent belongs to was not found",
                ));
            }
        },
        (Role::Parent, None) => {
            return Err(ApiError::bad_request(
                "a parent's invitation must name the youth",
            ));
        }
        _ => {
            return Err(ApiError::bad_request(
                "only youths and parents are invited; staff are added by an admin",
            ));
        }
    }
    // A re-invitation: the person exists, is of the role invited, and has no device left (an
    // administrator reset their keys); otherwise linking from their device is the way.
    if let Some(uid) = &req.user {
        match st.store.user(uid).await? {
            Some(u) if u.tenant == *caller.tenant() && u.role == req.role => {}
            _ => {
                return Err(ApiError::not_found(
                    "the person to invite again was not found",
                ));
            }
        }
        let active = st
            .store
            .devices_of(uid)
            .await?
            .iter()
            .any(|d| d.revoked_at_ms.is_none());
        if active {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                samtale_proto::ErrorCode::Conflict,
                "this person still has a device: they link a new one from it, or an administrator resets their keys first",
            ));
        }
    }
    if req.inviter_proof_code.len() != 32 || req.inviter_proof_qr.len() != 32 {
        return Err(ApiError::bad_request(
            "the inviter proofs must be 32-byte MACs",
        ));
    }
    if st.store.invitation(&req.id).await?.is_some() {
        return Err(StoreError::Conflict("invitation").into());
    }
    let ttl = req
        .ttl_minutes
        .map(|m| Duration::from_secs(u64::from(m.max(1)) * 60))
        .unwrap_or(DEFAULT_TTL)
        .min(st.limits.invitation_ttl_max);
    let now = now_ms();
    let display_name = check_display_name(&req.display_name)?;
    // The lookup space is small on purpose (short codes); retry on the rare clash.
    for _ in 0..16 {
        let server_part =
            samtale_proto::invite::encode_chars(&samtale_crypto::random::random_bytes::<
                SERVER_PART_LEN,
            >());
        let inv = Invitation {
            id: req.id.clone(),
            tenant: caller.tenant().clone(),
            inviter: caller.user.id.clone(),
            inviter_device: caller.device.clone(),
            role: req.role,
            display_name: display_name.clone(),
            youth: req.youth.clone(),
            lookup: server_part[..LOOKUP_LEN].to_owned(),
            check_hash: Sha256::digest(server_part.as_bytes()).into(),
            proof_code: req.inviter_proof_code.0.clone(),
            proof_qr: req.inviter_proof_qr.0.clone(),
            created_at_ms: now,
            expires_at_ms: now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)),
            failed_attempts: 0,
            used_by: None,
            for_user: req.user.clone(),
        };
        match st.store.create_invitation(&inv).await {
            Ok(()) => {
                audit(
                    &st,
                    audit_entry(
                        caller.tenant(),
                        Some(&caller.user.id),
                        "invitation.create",
                        inv.id.as_str(),
                    ),
                )
                .await?;
                let mut out = info(&inv);
                out.server_part = server_part;
                return Ok((StatusCode::CREATED, Json(out)));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal())
}

pub async fn list<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<Vec<InvitationInfo>>, ApiError> {
    let all = st.store.invitations_by(&caller.user.id).await?;
    Ok(Json(all.iter().map(info).collect()))
}

/// Finds the live invitation a server part names (see `codes`).
async fn check_code<S: Store>(
    st: &AppState<S>,
    addr: SocketAddr,
    code: &str,
) -> Result<Invitation, ApiError> {
    let inv: Invitation = super::codes::check(st, addr, code).await?;
    if inv.expires_at_ms <= now_ms() {
        return Err(ApiError::invalid_invitation(
            "the invitation has expired; ask your caseworker for a new one",
        ));
    }
    Ok(inv)
}

pub async fn preview<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<JoinPreviewRequest>,
) -> Result<Json<JoinPreview>, ApiError> {
    let inv = check_code(&st, addr, &req.code).await?;
    let tenant = st
        .store
        .tenant(&inv.tenant)
        .await?
        .ok_or_else(ApiError::internal)?;
    let inviter = st
        .store
        .user(&inv.inviter)
        .await?
        .ok_or_else(ApiError::internal)?;
    let device = st
        .store
        .device(&inv.inviter_device)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(Json(JoinPreview {
        invitation: inv.id,
        tenant: TenantInfo {
            id: tenant.id,
            name: tenant.name,
            slug: tenant.slug,
        },
        role: inv.role,
        display_name: inv.display_name,
        inviter: inviter.info(),
        inviter_device: device.info(),
        inviter_proof_code: inv.proof_code.into(),
        inviter_proof_qr: inv.proof_qr.into(),
        expires_at_ms: inv.expires_at_ms,
    }))
}

pub async fn join<S: Store>(
    State(st): State<AppState<S>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<JoinRequest>,
) -> Result<(StatusCode, Json<SessionInfo>), ApiError> {
    let inv = check_code(&st, addr, &req.code).await?;
    if req.proof_mac.len() != 32 {
        return Err(ApiError::bad_request(
            "the join proof must be a 32-byte MAC",
        ));
    }
    let proof = JoinProof {
        invitation: inv.id.clone(),
        kind: req.proof_kind,
        mac: req.proof_mac,
    };
    let (user, device, session) = match &inv.for_user {
        // A person whose keys were reset: the device starts their new chain.
        Some(uid) => {
            let user = st.store.user(uid).await?.ok_or_else(ApiError::internal)?;
            let mut device = device_from_registration(&user.id, &req.device, Some(proof))?;
            device.chain = super::chain_for_new_root(&st, &user).await?;
            let (session, record) = new_session(&st, &user, &device.id);
            st.store
                .redeem_reinvitation(&inv.id, &device, &record)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound(_) => ApiError::invalid_invitation(
                        "the invitation has already been used; ask your caseworker for a new one",
                    ),
                    StoreError::Conflict(_) => ApiError::invalid_invitation(
                        "this account already has a device; link this one from it instead",
                    ),
                    other => other.into(),
                })?;
            (user, device, session)
        }
        None => {
            let user = User {
                id: fresh(UserId::from_parts),
                tenant: inv.tenant.clone(),
                role: inv.role,
                display_name: check_display_name(&req.display_name)?,
                username: None,
                chain: 0,
                disabled: false,
            };
            let device = device_from_registration(&user.id, &req.device, Some(proof))?;
            let (session, record) = new_session(&st, &user, &device.id);
            st.store
                .redeem_invitation(&inv.id, &user, &device, &record)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound(_) => ApiError::invalid_invitation(
                        "the invitation has already been used; ask your caseworker for a new one",
                    ),
                    other => other.into(),
                })?;
            (user, device, session)
        }
    };
    // The inviter's client checks the proof and pins the new device; after a reset, everyone
    // the person talks to is told of the new chain too.
    let mut notify = vec![inv.inviter.clone()];
    if inv.for_user.is_some() {
        for contact in st.store.contacts_of(&user.id).await? {
            if !notify.contains(&contact) {
                notify.push(contact);
            }
        }
    }
    let fanout = st
        .store
        .append_event(
            &notify,
            &EventBody::Device {
                device: device.info(),
            },
            now_ms(),
        )
        .await?;
    st.hub.notify(&fanout);
    audit(
        &st,
        audit_entry(
            &inv.tenant,
            Some(&user.id),
            "invitation.redeem",
            inv.id.as_str(),
        ),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(session)))
}
