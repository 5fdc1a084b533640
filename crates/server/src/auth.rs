//! Sessions: 256-bit random bearer tokens, stored only as SHA-256 hashes, with an expiry and
//! rotation. [`Caller`] is the extractor every authenticated route takes; it resolves the token
//! to the user, their tenant and the device the session belongs to.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use samtale_proto::api::SessionInfo;
use samtale_proto::{DeviceId, TenantId};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Session, Store, User};

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Who is calling: resolved from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub device: DeviceId,
    pub token_hash: [u8; 32],
    /// When the session ends (a WebSocket closes then).
    pub expires_at_ms: i64,
}

impl Caller {
    pub fn tenant(&self) -> &TenantId {
        &self.user.tenant
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::unauthorized("log in first: this request has no session token")
            })?;
        let token = header.strip_prefix("Bearer ").ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be 'Bearer <token>'")
        })?;
        let hash = token_hash(token.trim());
        let session = state.store.session(&hash).await?.ok_or_else(|| {
            ApiError::unauthorized("the session is unknown or was replaced; log in again")
        })?;
        if session.expires_at_ms <= now_ms() {
            return Err(ApiError::unauthorized(
                "the session has expired; log in again",
            ));
        }
        let user = state
            .store
            .user(&session.user)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the session's user no longer exists"))?;
        if user.disabled {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                samtale_proto::ErrorCode::Disabled,
                "this account is disabled; contact the municipality",
            ));
        }
        Ok(Caller {
            user,
            device: session.device,
            token_hash: hash,
            expires_at_ms: session.expires_at_ms,
        })
    }
}

/// Makes a new session for `user` on `device`: the token for the client, the record to store.
pub fn new_session<S>(
    state: &AppState<S>,
    user: &User,
    device: &DeviceId,
) -> (SessionInfo, Session) {
    let token = samtale_crypto::random::new_token();
    let now = now_ms();
    let ttl = i64::try_from(state.limits.session_ttl.as_millis()).unwrap_or(i64::MAX);
    let expires = now.saturating_add(ttl);
    let record = Session {
        token_hash: token_hash(&token),
        user: user.id.clone(),
        device: device.clone(),
        created_at_ms: now,
        expires_at_ms: expires,
    };
    let info = SessionInfo {
        token,
        expires_at_ms: expires,
        user: user.info(),
        device: device.clone(),
    };
    (info, record)
}
