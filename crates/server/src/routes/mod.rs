//! The HTTP and WebSocket routes of `/v1`, one module per area. Handlers check tenant and
//! membership themselves, next to the data they guard, and return [`ApiError`]s only.

mod admin;
pub(crate) mod blobs;
mod codes;
mod consents;
mod contacts;
mod devices;
mod envelopes;
mod invitations;
mod links;
mod notices;
mod records;
mod scheduled;
mod session;
mod threads;
mod units;
mod ws;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use samtale_proto::api::{DeviceRegistration, Health};
use samtale_proto::{DeviceId, MAX_CIPHERTEXT_BYTES};

use crate::auth::now_ms;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{AuditEntry, Device, Store};

/// Largest JSON body on ordinary routes.
const SMALL_BODY: usize = 16 * 1024;
/// Largest body on the envelope route: base64 of the biggest ciphertext plus the header.
const ENVELOPE_BODY: usize = MAX_CIPHERTEXT_BYTES * 4 / 3 + 4096;

pub fn router<S: Store>(state: AppState<S>) -> Router {
    let envelope_routes = Router::new()
        .route("/v1/envelopes", post(envelopes::post_envelope::<S>))
        .route(
            "/v1/scheduled",
            post(scheduled::hold::<S>).get(scheduled::list::<S>),
        )
        .layer(DefaultBodyLimit::max(ENVELOPE_BODY));
    // A chunk's body is its raw bytes, up to the chunk size.
    let chunk_routes = Router::new()
        .route(
            "/v1/blobs/{id}/chunks/{n}",
            put(blobs::put_chunk::<S>).get(blobs::get_chunk::<S>),
        )
        .layer(DefaultBodyLimit::max(state.limits.chunk_size as usize));
    Router::new()
        .route("/health", get(health))
        .route("/v1/login", post(session::login::<S>))
        .route("/v1/session/refresh", post(session::refresh::<S>))
        .route("/v1/session/device", post(session::device_login::<S>))
        .route("/v1/logout", post(session::logout::<S>))
        .route("/v1/me", get(session::me::<S>))
        .route("/v1/admin/users", post(session::create_staff::<S>))
        .route("/v1/admin/users/{id}/devices", get(admin::devices::<S>))
        .route("/v1/admin/users/{id}/disable", post(admin::disable::<S>))
        .route("/v1/admin/users/{id}/enable", post(admin::enable::<S>))
        .route(
            "/v1/admin/users/{id}/logout",
            post(admin::end_sessions::<S>),
        )
        .route("/v1/admin/users/{id}/password", post(admin::password::<S>))
        .route("/v1/admin/users/{id}/reset", post(admin::reset::<S>))
        .route("/v1/admin/devices/{id}", delete(admin::revoke_device::<S>))
        .route("/v1/scheduled/{id}", delete(scheduled::cancel::<S>))
        .route(
            "/v1/invitations",
            post(invitations::create::<S>).get(invitations::list::<S>),
        )
        .route("/v1/join/preview", post(invitations::preview::<S>))
        .route("/v1/join", post(invitations::join::<S>))
        .route(
            "/v1/threads",
            post(threads::create::<S>).get(threads::list::<S>),
        )
        .route("/v1/threads/{id}", get(threads::get_one::<S>))
        .route("/v1/threads/{id}/members", put(threads::set_members::<S>))
        .route("/v1/receipts", post(envelopes::post_receipts::<S>))
        .route("/v1/inbox", get(envelopes::inbox::<S>))
        .route("/v1/inbox/ack", post(envelopes::ack::<S>))
        .route("/v1/ws", get(ws::upgrade::<S>))
        .route("/v1/devices", get(devices::list::<S>))
        .route("/v1/devices/{id}", delete(devices::revoke::<S>))
        .route("/v1/links", post(links::create::<S>))
        .route("/v1/links/preview", post(links::preview::<S>))
        .route("/v1/links/accept", post(links::accept::<S>))
        .route("/v1/links/{id}/claim", post(links::claim::<S>))
        .route("/v1/threads/{id}/records", post(records::audit_record::<S>))
        .route("/v1/admin/audit", get(records::audit_log::<S>))
        .route("/v1/units", get(units::list::<S>).post(units::create::<S>))
        .route("/v1/units/{id}", put(units::edit::<S>))
        .route(
            "/v1/me/contacts",
            get(contacts::mine::<S>).put(contacts::set::<S>),
        )
        .route("/v1/me/contacts/{channel}", delete(contacts::remove::<S>))
        .route(
            "/v1/me/contacts/{channel}/code",
            post(notices::send_code::<S>),
        )
        .route(
            "/v1/me/contacts/{channel}/verify",
            post(notices::verify::<S>),
        )
        .route(
            "/v1/me/consents",
            get(consents::mine::<S>).post(consents::give_mine::<S>),
        )
        .route("/v1/me/consents/prompt", get(consents::prompt::<S>))
        .route(
            "/v1/me/consents/withdraw",
            post(consents::withdraw_mine::<S>),
        )
        .route(
            "/v1/users/{id}/consents",
            get(consents::of_citizen::<S>).post(consents::record::<S>),
        )
        .route(
            "/v1/users/{id}/consents/withdraw",
            post(consents::withdraw_for::<S>),
        )
        .route("/v1/me/notices", get(notices::mine::<S>))
        .route("/v1/users/{id}/notices", get(notices::of_citizen::<S>))
        .route(
            "/v1/hooks/gatewayapi",
            post(notices::gatewayapi_report::<S>),
        )
        .route("/v1/unreachable", get(notices::unreachable::<S>))
        .route("/v1/users/{id}/born", put(consents::set_born::<S>))
        .route(
            "/v1/users/{id}/contacts",
            get(contacts::of_citizen::<S>).put(contacts::set_for_citizen::<S>),
        )
        .route("/v1/blobs", post(blobs::create::<S>))
        .route("/v1/blobs/policy", get(blobs::policy::<S>))
        .route(
            "/v1/blobs/{id}",
            get(blobs::status::<S>).delete(blobs::cancel::<S>),
        )
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .merge(envelope_routes)
        .merge(chunk_routes)
        .fallback(|| async { ApiError::not_found("no such route") })
        .with_state(state)
}

async fn health() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// A fresh time-ordered id.
fn fresh<T>(from_parts: fn(u64, [u8; 10]) -> T) -> T {
    from_parts(
        u64::try_from(now_ms()).unwrap_or(0),
        samtale_crypto::random::new_id_random(),
    )
}

/// Checks a device as it registers and turns it into the stored record.
fn device_from_registration(
    user: &samtale_proto::UserId,
    reg: &DeviceRegistration,
    join_proof: Option<samtale_proto::api::JoinProof>,
) -> Result<Device, ApiError> {
    let name = reg.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::bad_request(
            "a device name must have 1 to 80 characters",
        ));
    }
    samtale_crypto::identity::check_device_keys(&reg.keys)
        .map_err(|e| ApiError::bad_request(format!("the device keys are not valid: {e}")))?;
    Ok(Device {
        id: fresh(DeviceId::from_parts),
        user: user.clone(),
        name: name.to_owned(),
        enc_key: reg.keys.enc.clone(),
        sign_key: reg.keys.sign.0.clone(),
        created_at_ms: now_ms(),
        join_proof,
        link: None,
        chain: 0,
        revoked_at_ms: None,
        last_seen_ms: now_ms(),
    })
}

/// The chain a new first device of `user` starts: the current one while it has no device yet,
/// else the next. A person whose every device was removed (by an administrator, without a
/// reset) gets a new chain too, or their contacts would refuse a second first device in the old.
async fn chain_for_new_root<S: Store>(
    st: &AppState<S>,
    user: &crate::store::User,
) -> Result<u32, ApiError> {
    let used = st
        .store
        .devices_of(&user.id)
        .await?
        .iter()
        .any(|d| d.chain == user.chain);
    if used {
        Ok(st.store.start_new_chain(&user.id, now_ms()).await?.0)
    } else {
        Ok(user.chain)
    }
}

fn check_display_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::bad_request("a name must have 1 to 80 characters"));
    }
    Ok(name.to_owned())
}

async fn audit<S: Store>(state: &AppState<S>, entry: AuditEntry) -> Result<(), ApiError> {
    state.store.audit(&entry).await.map_err(ApiError::from)
}

fn audit_entry(
    tenant: &samtale_proto::TenantId,
    actor: Option<&samtale_proto::UserId>,
    action: &str,
    subject: &str,
) -> AuditEntry {
    AuditEntry {
        tenant: tenant.clone(),
        at_ms: now_ms(),
        actor: actor.cloned(),
        action: action.to_owned(),
        subject: subject.to_owned(),
    }
}
