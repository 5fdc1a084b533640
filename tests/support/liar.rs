//! A server that lies, for testing what a real client engine trusts. It speaks the real `/v1`
//! protocol over HTTP on 127.0.0.1 (the routes an engine uses to log in and sync), but serves
//! whatever the test scripts: inbox events, thread listings, sessions. What the engine posts
//! (envelopes, receipts) is kept for the test to inspect, e.g. to check which devices a
//! message was sealed to.
//!
//! It models a compromised or malicious sync server, not our server: nothing here checks
//! anything.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use samtale_proto::api::{
    DeviceInfo, LoginRequest, MeResponse, PostEnvelopeResponse, ReceiptRequest, Role, SessionInfo,
    TenantInfo, ThreadInfo, UserInfo,
};
use samtale_proto::{
    DeviceId, EventBody, InboxEvent, InboxPage, SealedEnvelope, TenantId, ThreadId, UserId,
};

/// What the lying server says and what it was sent.
pub struct Script {
    pub tenant: TenantInfo,
    /// The account the engine logs in as (its device is registered at login).
    pub user: UserInfo,
    pub device: DeviceId,
    /// Set at login from the engine's registration.
    pub device_info: Option<DeviceInfo>,
    pub events: Vec<InboxEvent>,
    pub threads: HashMap<ThreadId, ThreadInfo>,
    pub posted: Vec<SealedEnvelope>,
    pub receipts: Vec<ReceiptRequest>,
    /// What `GET /v1/blobs/{id}` says of any file, and what its chunks hold.
    pub blob: Option<samtale_proto::blobs::BlobStatus>,
    pub chunk: Vec<u8>,
    /// An upload begun (`POST /v1/blobs`): every chunk put is answered with it as it was
    /// begun, none counted.
    pub upload: Option<samtale_proto::blobs::BlobStatus>,
    /// The chunk numbers put, in the order they came.
    pub put: Vec<u32>,
    /// Acts as a server from before chunks ahead: counts the next chunk, answers any later
    /// one 409 (instead of counting none). It holds its answer to the first next chunk until a
    /// later one has come (or 5 s), as a server still syncing it would.
    pub only_next: bool,
    /// The chunk numbers answered 409.
    pub refused: Vec<u32>,
    held: bool,
    later_came: Arc<tokio::sync::Notify>,
}

type Shared = Arc<Mutex<Script>>;

pub struct Liar {
    pub script: Shared,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Liar {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn id<T>(f: fn(u64, [u8; 10]) -> T, n: u8) -> T {
    f(1_700_000_000_000 + u64::from(n), [n; 10])
}

impl Liar {
    /// A lying server for a caseworker "Sara" of one municipality.
    pub async fn start() -> Result<Liar> {
        let tenant = TenantInfo {
            id: id(TenantId::from_parts, 1),
            name: "Løgneby Kommune".into(),
            slug: "loegneby".into(),
        };
        let user = UserInfo {
            id: id(UserId::from_parts, 1),
            tenant: tenant.id.clone(),
            role: Role::Caseworker,
            display_name: "Sara".into(),
        };
        let script = Arc::new(Mutex::new(Script {
            tenant,
            user,
            device: id(DeviceId::from_parts, 1),
            device_info: None,
            events: Vec::new(),
            threads: HashMap::new(),
            posted: Vec::new(),
            receipts: Vec::new(),
            blob: None,
            chunk: Vec::new(),
            upload: None,
            put: Vec::new(),
            only_next: false,
            refused: Vec::new(),
            held: false,
            later_came: Arc::new(tokio::sync::Notify::new()),
        }));
        let app = axum::Router::new()
            .route("/v1/login", post(login))
            .route("/v1/session/refresh", post(refresh))
            .route("/v1/me", get(me))
            .route("/v1/inbox", get(inbox))
            .route("/v1/inbox/ack", post(|| async { StatusCode::NO_CONTENT }))
            .route("/v1/threads", get(threads))
            .route("/v1/threads/{id}", get(thread))
            .route("/v1/envelopes", post(envelope))
            .route("/v1/receipts", post(receipts))
            .route("/v1/blobs/policy", get(policy))
            .route("/v1/blobs", post(begin_upload))
            .route("/v1/blobs/{id}", get(blob))
            .route("/v1/blobs/{id}/chunks/{n}", get(chunk).put(put_chunk))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Liar { script, addr, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut Script) -> T) -> T {
        f(&mut self.script.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Appends an event to the account's inbox.
    pub fn push(&self, body: EventBody) {
        self.with(|s| {
            let seq = s.events.len() as u64 + 1;
            s.events.push(InboxEvent {
                seq,
                at_ms: 1_700_000_000_000,
                body,
            });
        });
    }

    /// Lists a thread (what `GET /v1/threads/{id}` answers) and announces it in the inbox.
    pub fn set_thread(&self, t: ThreadInfo) {
        self.with(|s| s.threads.insert(t.id.clone(), t.clone()));
        self.push(EventBody::Thread { thread: t });
    }

    pub fn posted(&self) -> Vec<SealedEnvelope> {
        self.with(|s| s.posted.clone())
    }
}

fn session(s: &Script) -> SessionInfo {
    SessionInfo {
        token: "løgn".into(),
        expires_at_ms: i64::MAX / 2,
        user: s.user.clone(),
        device: s.device.clone(),
    }
}

async fn login(State(st): State<Shared>, Json(req): Json<LoginRequest>) -> Json<SessionInfo> {
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(reg) = req.new_device {
        s.device_info = Some(DeviceInfo {
            id: s.device.clone(),
            user: s.user.id.clone(),
            name: reg.name,
            keys: reg.keys,
            created_at_ms: 1_700_000_000_000,
            join_proof: None,
            link: None,
            chain: 0,
            revoked_at_ms: None,
        });
    }
    Json(session(&s))
}

async fn refresh(State(st): State<Shared>) -> Json<SessionInfo> {
    Json(session(&st.lock().unwrap_or_else(|p| p.into_inner())))
}

async fn me(State(st): State<Shared>) -> Result<Json<MeResponse>, StatusCode> {
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    let device = s.device_info.clone().ok_or(StatusCode::UNAUTHORIZED)?;
    Ok(Json(MeResponse {
        tenant: s.tenant.clone(),
        user: s.user.clone(),
        device,
    }))
}

#[derive(serde::Deserialize)]
struct Since {
    since: u64,
    limit: u32,
}

async fn inbox(State(st): State<Shared>, Query(q): Query<Since>) -> Json<InboxPage> {
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    let events: Vec<InboxEvent> = s
        .events
        .iter()
        .filter(|e| e.seq > q.since)
        .take(q.limit as usize)
        .cloned()
        .collect();
    let next = events.last().map_or(q.since, |e| e.seq);
    let more = s.events.last().is_some_and(|e| e.seq > next);
    Json(InboxPage { events, next, more })
}

async fn threads(State(st): State<Shared>) -> Json<Vec<ThreadInfo>> {
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    Json(s.threads.values().cloned().collect())
}

async fn thread(
    State(st): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<ThreadInfo>, StatusCode> {
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    let id = ThreadId::parse(&id).map_err(|_| StatusCode::NOT_FOUND)?;
    s.threads
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or(StatusCode::NOT_FOUND)
}

async fn envelope(
    State(st): State<Shared>,
    Json(env): Json<SealedEnvelope>,
) -> Json<PostEnvelopeResponse> {
    st.lock()
        .unwrap_or_else(|p| p.into_inner())
        .posted
        .push(env);
    Json(PostEnvelopeResponse { stored: true })
}

async fn receipts(State(st): State<Shared>, Json(r): Json<ReceiptRequest>) -> StatusCode {
    st.lock()
        .unwrap_or_else(|p| p.into_inner())
        .receipts
        .push(r);
    StatusCode::NO_CONTENT
}

async fn blob(
    State(st): State<Shared>,
) -> Result<Json<samtale_proto::blobs::BlobStatus>, StatusCode> {
    let s = st.lock().unwrap_or_else(|p| p.into_inner());
    s.blob.clone().map(Json).ok_or(StatusCode::NOT_FOUND)
}

async fn chunk(State(st): State<Shared>) -> Vec<u8> {
    st.lock().unwrap_or_else(|p| p.into_inner()).chunk.clone()
}

async fn policy() -> Json<samtale_proto::blobs::BlobPolicy> {
    Json(samtale_proto::blobs::BlobPolicy {
        max_file_bytes: 100_000_000,
        chunk_size: 2 << 20,
        free_bytes: 1 << 40,
        allowed_types: None,
    })
}

async fn begin_upload(
    State(st): State<Shared>,
    Json(req): Json<samtale_proto::blobs::CreateBlob>,
) -> (StatusCode, Json<samtale_proto::blobs::BlobStatus>) {
    let chunk_size: u32 = 2 << 20;
    let status = samtale_proto::blobs::BlobStatus {
        id: req.id,
        thread: req.thread,
        size: req.size,
        chunk_size,
        chunks: samtale_proto::blobs::chunk_count(req.size, chunk_size),
        received: 0,
        complete: false,
    };
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    // The same upload again (a resume) is answered with how far it got.
    if let Some(old) = s.upload.as_ref().filter(|u| u.id == status.id) {
        return (StatusCode::OK, Json(old.clone()));
    }
    s.upload = Some(status.clone());
    (StatusCode::CREATED, Json(status))
}

async fn put_chunk(
    State(st): State<Shared>,
    Path((_, n)): Path<(String, u32)>,
    // Read whole before answering, as a real server does: an answer while the client still
    // sends would cut its request off (a network error, not the answer under test).
    _body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let hold = {
        let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
        s.put.push(n);
        let first_next =
            s.only_next && !s.held && s.upload.as_ref().is_some_and(|u| u.received == n);
        s.held |= first_next;
        first_next.then(|| s.later_came.clone())
    };
    if let Some(later) = hold {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), later.notified()).await;
    }
    let mut s = st.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut upload) = s.upload.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if s.only_next {
        if n > upload.received {
            s.refused.push(n);
            s.later_came.notify_one();
            let body = samtale_proto::ErrorBody {
                code: samtale_proto::ErrorCode::Conflict,
                message: format!("chunk {n} is out of order"),
            };
            return (StatusCode::CONFLICT, Json(body)).into_response();
        }
        if n == upload.received {
            upload.received += 1;
            upload.complete = upload.received == upload.chunks;
            s.upload = Some(upload.clone());
        }
    }
    Json(upload).into_response()
}
