//! The `/v1` API spoken raw: JSON over HTTP/1.1 keep-alive (reqwest) and the WebSocket
//! (tokio-tungstenite), with the wire types of `samtale-proto`. No client engine, no local store:
//! the load generator makes exactly the requests it measures and nothing else.
//!
//! Only `http://127.0.0.1:<port>` is accepted as a server address.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use reqwest::{Method, StatusCode, Url};
use samtale_crypto::DeviceIdentity;
use samtale_crypto::random::random_bytes;
use samtale_proto::api::{
    CreateInvitation, CreateThread, DeviceRegistration, InvitationInfo, JoinRequest, LoginRequest,
    Role, SessionInfo, ThreadInfo, ThreadKind,
};
use samtale_proto::invite::ProofKind;
use samtale_proto::{B64, DeviceId, InboxPage, InvitationId, UserId};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// A client WebSocket to the server.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One logged-in device: its session token and its secret keys.
pub struct Session {
    pub token: String,
    pub user: UserId,
    pub device: DeviceId,
    pub identity: Arc<DeviceIdentity>,
}

/// The server, by base URL, with a keep-alive connection pool.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Url,
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl Api {
    /// Checks that `server` is `http://127.0.0.1:<port>` and builds the client.
    pub fn new(server: &str) -> Result<Api> {
        let base = Url::parse(server).with_context(|| format!("{server:?} is not a URL"))?;
        if base.scheme() != "http" || base.host_str() != Some("127.0.0.1") || base.port().is_none()
        {
            bail!("samtale-load only targets http://127.0.0.1:<port>, not {server}");
        }
        let http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .pool_idle_timeout(None)
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Api { http, base })
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base
            .join(path)
            .with_context(|| format!("bad path {path}"))
    }

    /// Sends one request and returns the status and body, whatever the status.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Vec<u8>)> {
        let mut req = self.http.request(method, self.url(path)?);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let resp = req.send().await.with_context(|| path.to_owned())?;
        let status = resp.status();
        let bytes = resp.bytes().await.with_context(|| format!("{path} body"))?;
        Ok((status, bytes.to_vec()))
    }

    /// Sends a request that must answer `want`; returns the body.
    async fn expect(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        want: StatusCode,
    ) -> Result<Vec<u8>> {
        let (status, bytes) = self.send(method, path, token, body).await?;
        if status != want {
            bail!(
                "{path} answered {status}, expected {want}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Ok(bytes)
    }

    /// POSTs an envelope (already JSON) and returns only the status; the body is drained so the
    /// connection goes back to the pool.
    pub async fn post_envelope(&self, token: &str, body: Vec<u8>) -> Result<StatusCode> {
        let resp = self
            .http
            .post(self.url("/v1/envelopes")?)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .context("POST /v1/envelopes")?;
        let status = resp.status();
        resp.bytes().await.context("POST /v1/envelopes body")?;
        Ok(status)
    }

    /// A staff login on a fresh device.
    pub async fn login(&self, tenant: &str, username: &str, password: &str) -> Result<Session> {
        let identity = DeviceIdentity::generate();
        let req = LoginRequest {
            tenant: tenant.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            device_id: None,
            new_device: Some(DeviceRegistration {
                name: "samtale-load".into(),
                keys: identity.public_keys(),
            }),
            device_proof: None,
        };
        let body = serde_json::to_vec(&req)?;
        let bytes = self
            .expect(Method::POST, "/v1/login", None, Some(body), StatusCode::OK)
            .await
            .context("login")?;
        session(&bytes, identity)
    }

    /// Invites a youth as `caseworker` and joins as that youth on a fresh device. The proofs
    /// are random bytes: the server stores and relays them without checking.
    pub async fn invite_and_join(&self, caseworker: &Session, name: &str) -> Result<Session> {
        let invite = CreateInvitation {
            id: InvitationId::from_parts(now_ms(), samtale_crypto::random::new_id_random()),
            role: Role::Youth,
            display_name: name.to_owned(),
            youth: None,
            inviter_proof_code: B64(random_bytes::<32>().to_vec()),
            inviter_proof_qr: B64(random_bytes::<32>().to_vec()),
            ttl_minutes: None,
            user: None,
        };
        let bytes = self
            .expect(
                Method::POST,
                "/v1/invitations",
                Some(&caseworker.token),
                Some(serde_json::to_vec(&invite)?),
                StatusCode::CREATED,
            )
            .await?;
        let info: InvitationInfo = serde_json::from_slice(&bytes).context("invitation answer")?;
        let identity = DeviceIdentity::generate();
        let join = JoinRequest {
            code: info.server_part,
            display_name: name.to_owned(),
            device: DeviceRegistration {
                name: "samtale-load".into(),
                keys: identity.public_keys(),
            },
            proof_kind: ProofKind::Code,
            proof_mac: B64(random_bytes::<32>().to_vec()),
        };
        let bytes = self
            .expect(
                Method::POST,
                "/v1/join",
                None,
                Some(serde_json::to_vec(&join)?),
                StatusCode::CREATED,
            )
            .await?;
        session(&bytes, identity)
    }

    /// A youth thread between `caseworker` and `youth`.
    pub async fn youth_thread(&self, caseworker: &Session, youth: &UserId) -> Result<ThreadInfo> {
        let req = CreateThread {
            kind: ThreadKind::Youth,
            members: vec![youth.clone()],
        };
        let bytes = self
            .expect(
                Method::POST,
                "/v1/threads",
                Some(&caseworker.token),
                Some(serde_json::to_vec(&req)?),
                StatusCode::CREATED,
            )
            .await?;
        serde_json::from_slice(&bytes).context("thread answer")
    }

    /// One page of the caller's inbox after `since`.
    pub async fn inbox(&self, token: &str, since: u64) -> Result<InboxPage> {
        let path = format!("/v1/inbox?since={since}&limit={}", samtale_proto::MAX_PAGE);
        let bytes = self
            .expect(Method::GET, &path, Some(token), None, StatusCode::OK)
            .await?;
        serde_json::from_slice(&bytes).context("inbox page")
    }

    /// Opens `GET /v1/ws` with the session's bearer token. Small buffers: many of these idle.
    pub async fn websocket(&self, token: &str) -> Result<Ws> {
        let mut url = self.url("/v1/ws")?;
        url.set_scheme("ws")
            .map_err(|()| anyhow::anyhow!("cannot make a ws:// URL"))?;
        let mut request = url
            .as_str()
            .into_client_request()
            .context("WebSocket request")?;
        request.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().context("token header")?,
        );
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
            .await
            .context("WebSocket connect")?;
        Ok(ws)
    }
}

fn session(bytes: &[u8], identity: DeviceIdentity) -> Result<Session> {
    let info: SessionInfo = serde_json::from_slice(bytes).context("session answer")?;
    Ok(Session {
        token: info.token,
        user: info.user.id,
        device: info.device,
        identity: Arc::new(identity),
    })
}
