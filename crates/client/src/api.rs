//! The HTTP side of the sync protocol: one typed method per route. Transport failures become
//! [`ClientError::Offline`]; error answers are decoded from the server's error body.

use std::time::Duration;

use reqwest::{Method, RequestBuilder, StatusCode};
use samtale_proto::api::*;
use samtale_proto::{ErrorBody, ErrorCode, InboxPage, SealedEnvelope, ThreadId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ClientError;

/// The server's error answer, decoded.
async fn error_of(resp: reqwest::Response) -> ClientError {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(b) => (b.code, b.message),
        Err(_) => (ErrorCode::Unknown, format!("the server answered {status}")),
    };
    ClientError::Server {
        status: status.as_u16(),
        code,
        message,
    }
}

#[derive(Clone)]
pub struct Api {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl Api {
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Invalid(format!(
                "the server address must start with http:// or https://, not {base:?}"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::Protocol(format!("cannot build the HTTP client: {e}")))?;
        Ok(Api {
            base,
            http,
            token: None,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let rb = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        rb: RequestBuilder,
    ) -> Result<T, ClientError> {
        let resp = rb
            .send()
            .await
            .map_err(|e| ClientError::Offline(short(&e)))?;
        let status = resp.status();
        if status.is_success() {
            if status == StatusCode::NO_CONTENT {
                return serde_json::from_str("null")
                    .map_err(|e| ClientError::Protocol(e.to_string()));
            }
            return resp
                .json::<T>()
                .await
                .map_err(|e| ClientError::Protocol(e.to_string()));
        }
        Err(error_of(resp).await)
    }

    /// Like `send`, for a body of raw bytes of at most `max` bytes (read as it comes, so a
    /// longer answer is refused without being held).
    pub(crate) async fn send_for_bytes(
        &self,
        rb: RequestBuilder,
        max: u64,
    ) -> Result<Vec<u8>, ClientError> {
        let mut resp = rb
            .send()
            .await
            .map_err(|e| ClientError::Offline(short(&e)))?;
        if !resp.status().is_success() {
            return Err(error_of(resp).await);
        }
        let mut out = Vec::with_capacity(usize::try_from(max.min(16 << 20)).unwrap_or(0));
        while let Some(part) = resp
            .chunk()
            .await
            .map_err(|e| ClientError::Offline(short(&e)))?
        {
            if out.len() as u64 + part.len() as u64 > max {
                return Err(ClientError::Protocol(format!(
                    "the server sent more than the {max} bytes asked for"
                )));
            }
            out.extend_from_slice(&part);
        }
        Ok(out)
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn health(&self) -> Result<Health, ClientError> {
        self.send(self.request(Method::GET, "/health")).await
    }
    pub async fn login(&self, req: &LoginRequest) -> Result<SessionInfo, ClientError> {
        self.post("/v1/login", req).await
    }
    pub async fn refresh(&self) -> Result<SessionInfo, ClientError> {
        self.post("/v1/session/refresh", &()).await
    }
    pub async fn device_login(&self, req: &DeviceLoginRequest) -> Result<SessionInfo, ClientError> {
        self.post("/v1/session/device", req).await
    }
    pub async fn me(&self) -> Result<MeResponse, ClientError> {
        self.send(self.request(Method::GET, "/v1/me")).await
    }
    pub async fn create_invitation(
        &self,
        req: &CreateInvitation,
    ) -> Result<InvitationInfo, ClientError> {
        self.post("/v1/invitations", req).await
    }
    pub async fn invitations(&self) -> Result<Vec<InvitationInfo>, ClientError> {
        self.send(self.request(Method::GET, "/v1/invitations"))
            .await
    }
    pub async fn join_preview(&self, code: &str) -> Result<JoinPreview, ClientError> {
        self.post(
            "/v1/join/preview",
            &JoinPreviewRequest {
                code: code.to_owned(),
            },
        )
        .await
    }
    pub async fn join(&self, req: &JoinRequest) -> Result<SessionInfo, ClientError> {
        self.post("/v1/join", req).await
    }
    pub async fn create_thread(&self, req: &CreateThread) -> Result<ThreadInfo, ClientError> {
        self.post("/v1/threads", req).await
    }
    pub async fn threads(&self) -> Result<Vec<ThreadInfo>, ClientError> {
        self.send(self.request(Method::GET, "/v1/threads")).await
    }
    pub async fn thread(&self, id: &ThreadId) -> Result<ThreadInfo, ClientError> {
        self.send(self.request(Method::GET, &format!("/v1/threads/{id}")))
            .await
    }
    pub async fn set_members(
        &self,
        id: &ThreadId,
        req: &SetMembers,
    ) -> Result<ThreadInfo, ClientError> {
        self.send(
            self.request(Method::PUT, &format!("/v1/threads/{id}/members"))
                .json(req),
        )
        .await
    }
    /// Posts an envelope for every member of its thread, or with `to` (comma-separated user
    /// ids) for those only.
    pub async fn post_envelope(
        &self,
        env: &SealedEnvelope,
        to: Option<&str>,
        blobs: Option<&str>,
    ) -> Result<PostEnvelopeResponse, ClientError> {
        let mut rb = self.request(Method::POST, "/v1/envelopes");
        if let Some(to) = to {
            rb = rb.query(&[("to", to)]);
        }
        if let Some(blobs) = blobs {
            rb = rb.query(&[("blobs", blobs)]);
        }
        self.send(rb.json(env)).await
    }
    /// Hands an envelope to the server's release queue, to go out at `release_at_ms`.
    pub async fn schedule(
        &self,
        env: &SealedEnvelope,
        release_at_ms: i64,
        to: Option<&str>,
        blobs: Option<&str>,
    ) -> Result<PostEnvelopeResponse, ClientError> {
        let to = to
            .map(|list| {
                list.split(',')
                    .map(|u| {
                        samtale_proto::UserId::parse(u)
                            .map_err(|e| ClientError::Protocol(e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let req = samtale_proto::api::ScheduleRequest {
            envelope: env.clone(),
            release_at_ms,
            to,
        };
        let mut rb = self.request(Method::POST, "/v1/scheduled");
        if let Some(blobs) = blobs {
            rb = rb.query(&[("blobs", blobs)]);
        }
        self.send(rb.json(&req)).await
    }

    /// Takes a planned envelope out of the server's release queue.
    pub async fn cancel_scheduled(
        &self,
        id: &samtale_proto::EnvelopeId,
    ) -> Result<(), ClientError> {
        self.send(self.request(Method::DELETE, &format!("/v1/scheduled/{id}")))
            .await
    }

    pub async fn post_receipts(&self, req: &ReceiptRequest) -> Result<(), ClientError> {
        self.post("/v1/receipts", req).await
    }
    pub async fn inbox(&self, since: u64, limit: u32) -> Result<InboxPage, ClientError> {
        self.send(
            self.request(Method::GET, "/v1/inbox")
                .query(&[("since", since), ("limit", u64::from(limit))]),
        )
        .await
    }
    pub async fn ack(&self, seq: u64) -> Result<(), ClientError> {
        self.post("/v1/inbox/ack", &AckRequest { seq }).await
    }

    pub async fn create_link(
        &self,
        req: &samtale_proto::devices::CreateLinkRequest,
    ) -> Result<samtale_proto::devices::LinkRequestInfo, ClientError> {
        self.post("/v1/links", req).await
    }
    pub async fn link_preview(
        &self,
        code: &str,
    ) -> Result<samtale_proto::devices::LinkPreview, ClientError> {
        let req = samtale_proto::devices::LinkPreviewRequest {
            code: code.to_owned(),
        };
        self.post("/v1/links/preview", &req).await
    }
    pub async fn accept_link(
        &self,
        req: &samtale_proto::devices::AcceptLink,
    ) -> Result<DeviceInfo, ClientError> {
        self.post("/v1/links/accept", req).await
    }
    pub async fn claim_link(
        &self,
        id: &samtale_proto::LinkId,
        req: &samtale_proto::devices::LinkClaimRequest,
    ) -> Result<samtale_proto::devices::LinkStatus, ClientError> {
        self.post(&format!("/v1/links/{id}/claim"), req).await
    }
    pub async fn devices(&self) -> Result<samtale_proto::devices::DeviceList, ClientError> {
        self.send(self.request(Method::GET, "/v1/devices")).await
    }
    pub async fn revoke_device(&self, id: &samtale_proto::DeviceId) -> Result<(), ClientError> {
        self.revoke_path(&format!("/v1/devices/{id}")).await
    }
    pub(crate) async fn revoke_path(&self, path: &str) -> Result<(), ClientError> {
        self.send(self.request(Method::DELETE, path)).await
    }
    /// The content-free audit line of a record into the case file.
    pub async fn audit_record(
        &self,
        thread: &ThreadId,
        req: &samtale_proto::records::RecordAudit,
    ) -> Result<(), ClientError> {
        self.post(&format!("/v1/threads/{thread}/records"), req)
            .await
    }
    pub(crate) async fn admin_get<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::GET, path)).await
    }
    pub(crate) async fn admin_post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.post(path, body).await
    }

    /// The WebSocket URL and the bearer token for it.
    pub fn ws_url(&self) -> String {
        let rest = self.base.strip_prefix("http").unwrap_or(&self.base);
        format!("ws{rest}/v1/ws")
    }
}

/// A one-line reason without reqwest's nested source chain noise.
fn short(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "connection refused or no network".into()
    } else if e.is_timeout() {
        "timed out".into()
    } else {
        e.to_string()
    }
}
