//! Encrypted files: uploads in numbered chunks, downloads, cancelling, and the sweep that
//! deletes what no message carries any more (see `samtale_proto::blobs` for the protocol).
//!
//! Who may do what: only the device that began an upload adds chunks to it or cancels it, and
//! only while it is a member of the conversation; any member of the conversation downloads a
//! finished file; nobody reaches another municipality's files (they read as not found). Every
//! chunk is checked before it is stored (its place in the order: the next or the one after it;
//! its exact length; its SHA-256), and a refused chunk changes nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use samtale_proto::blobs::{
    BlobPolicy, BlobStatus, CHUNK_SHA256_HEADER, CreateBlob, MAX_BLOBS_PER_MESSAGE, chunk_len,
    max_ciphertext_for,
};
use samtale_proto::{BlobId, ErrorCode, SealedEnvelope};
use sha2::{Digest, Sha256};

use super::threads::visible_thread;
use crate::auth::{Caller, now_ms};
use crate::blobs::ChunkStore;
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use crate::store::{BlobCreate, BlobRecord, Store, StoreError};

fn chunk_store<S>(st: &AppState<S>) -> Result<&ChunkStore, ApiError> {
    st.blobs.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "this server is not set up for files; ask the administrator to set blob_dir or an S3 bucket",
        )
    })
}

fn parse_id(id: &str) -> Result<BlobId, ApiError> {
    BlobId::parse(id).map_err(|_| ApiError::bad_request(format!("{id:?} is not a file id")))
}

fn parse_index(n: &str) -> Result<u32, ApiError> {
    n.parse()
        .map_err(|_| ApiError::bad_request(format!("{n:?} is not a chunk number")))
}

fn quota_full() -> ApiError {
    ApiError::new(
        StatusCode::INSUFFICIENT_STORAGE,
        ErrorCode::QuotaExceeded,
        "the municipality's storage for files is full; try again when older files have expired, or ask the administrator",
    )
}

/// The blob, if it exists in the caller's municipality (others' read as not found).
async fn load<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    id: &BlobId,
) -> Result<BlobRecord, ApiError> {
    st.store
        .blob(id)
        .await?
        .filter(|b| b.tenant == *caller.tenant())
        .ok_or_else(|| ApiError::not_found("file not found"))
}

/// The blob for its uploading device, still a member of the conversation.
async fn own<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    id: &BlobId,
) -> Result<BlobRecord, ApiError> {
    let b = load(st, caller, id).await?;
    if b.device != caller.device {
        return Err(ApiError::forbidden(
            "only the device that began this upload may add to it or cancel it",
        ));
    }
    visible_thread(st, caller, &b.thread).await?;
    Ok(b)
}

/// The blob for a member of its conversation: finished, or the caller's own upload.
async fn readable<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    id: &BlobId,
) -> Result<BlobRecord, ApiError> {
    let b = load(st, caller, id).await?;
    visible_thread(st, caller, &b.thread).await?;
    if !b.complete() && b.device != caller.device {
        return Err(ApiError::not_found(
            "file not found (its upload is not finished)",
        ));
    }
    Ok(b)
}

pub async fn policy<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<BlobPolicy>, ApiError> {
    chunk_store(&st)?;
    let rules = rules_for(&st, caller.tenant()).await?;
    let used = st.store.blob_bytes(caller.tenant()).await?;
    Ok(Json(BlobPolicy {
        max_file_bytes: rules.max_file_bytes,
        chunk_size: st.limits.chunk_size,
        free_bytes: rules.quota_bytes.saturating_sub(used),
        allowed_types: rules.allowed_types,
    }))
}

/// The file rules in force for a municipality: its own where its administrator set them,
/// else the server's settings.
struct Rules {
    max_file_bytes: u64,
    quota_bytes: u64,
    allowed_types: Option<Vec<String>>,
}

async fn rules_for<S: Store>(
    st: &AppState<S>,
    tenant: &samtale_proto::TenantId,
) -> Result<Rules, ApiError> {
    let own = st.store.file_policy(tenant).await?.unwrap_or_default();
    Ok(Rules {
        max_file_bytes: own.max_file_bytes.unwrap_or(st.limits.max_file_bytes),
        quota_bytes: own.quota_bytes.unwrap_or(st.limits.blob_quota_bytes),
        allowed_types: own.allowed_types,
    })
}

pub async fn create<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateBlob>,
) -> Result<(StatusCode, Json<BlobStatus>), ApiError> {
    chunk_store(&st)?;
    visible_thread(&st, &caller, &req.thread).await?;
    if req.size == 0 {
        return Err(ApiError::bad_request("an encrypted file is never empty"));
    }
    let rules = rules_for(&st, caller.tenant()).await?;
    let max = rules.max_file_bytes;
    if req.size > max_ciphertext_for(max) {
        return Err(ApiError::too_large(format!(
            "a file may be at most {} MB",
            max / 1_000_000
        )));
    }
    let record = BlobRecord {
        id: req.id,
        tenant: caller.tenant().clone(),
        thread: req.thread,
        owner: caller.user.id.clone(),
        device: caller.device.clone(),
        size: req.size,
        chunk_size: st.limits.chunk_size,
        received: 0,
        ahead: false,
        created_at_ms: now_ms(),
        completed_at_ms: None,
        envelope: None,
    };
    match st.store.create_blob(&record, rules.quota_bytes).await {
        Ok(BlobCreate::Created) => Ok((StatusCode::CREATED, Json(record.status()))),
        Ok(BlobCreate::Existing(old)) => Ok((StatusCode::OK, Json(old.status()))),
        Err(StoreError::Limit(_)) => Err(quota_full()),
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            "this file id is already used for another file",
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn status<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<BlobStatus>, ApiError> {
    let b = readable(&st, &caller, &parse_id(&id)?).await?;
    Ok(Json(b.status()))
}

/// The chunk's SHA-256 as the client named it.
fn named_digest(headers: &HeaderMap) -> Result<[u8; 32], ApiError> {
    let text = headers
        .get(CHUNK_SHA256_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "a chunk needs its SHA-256 in the {CHUNK_SHA256_HEADER} header"
            ))
        })?;
    let bad = || ApiError::bad_request(format!("{CHUNK_SHA256_HEADER} must be 64 hex digits"));
    if text.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16)
            .map_err(|_| bad())?;
    }
    Ok(out)
}

pub async fn put_chunk<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path((id, n)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<BlobStatus>, ApiError> {
    let chunks = chunk_store(&st)?;
    let (id, index) = (parse_id(&id)?, parse_index(&n)?);
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large("a chunk is larger than the server's chunk size")
        } else {
            ApiError::bad_request(format!("the chunk could not be read: {e}"))
        }
    })?;
    let b = own(&st, &caller, &id).await?;
    if b.complete() || index < b.received {
        // A retry of a chunk that arrived: nothing to do, and nothing overwritten.
        return Ok(Json(b.status()));
    }
    // The next chunk, or the one after it (stored now, counted with the next): a client keeps
    // two on their way so that one is stored while the other travels.
    if index > b.received + 1 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            format!(
                "chunk {index} is out of order: the server has {} chunks; send chunk {} next",
                b.received, b.received
            ),
        ));
    }
    let expected = chunk_len(b.size, b.chunk_size, index)
        .ok_or_else(|| ApiError::bad_request(format!("the file has no chunk {index}")))?;
    if body.len() as u64 != expected {
        return Err(ApiError::bad_request(format!(
            "chunk {index} has {} bytes but must have {expected}; it was cut off, send it again",
            body.len()
        )));
    }
    let named = named_digest(&headers)?;
    if <[u8; 32]>::from(Sha256::digest(&body)) != named {
        return Err(ApiError::bad_request(format!(
            "chunk {index} does not match its SHA-256; it was damaged on the way, send it again"
        )));
    }
    chunks
        .put(&b.tenant, &b.id, index, body)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "storing a chunk failed");
            ApiError::internal()
        })?;
    match st.store.blob_chunk_stored(&b.id, index, now_ms()).await? {
        // For a chunk ahead, `received` does not count it yet: the next chunk's answer will.
        Some(now) => Ok(Json(now.status())),
        // Counted by a concurrent request for the same chunk (same bytes, by the hash).
        None => Ok(Json(load(&st, &caller, &b.id).await?.status())),
    }
}

pub async fn get_chunk<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let chunks = chunk_store(&st)?;
    let (id, index) = (parse_id(&id)?, parse_index(&n)?);
    let b = readable(&st, &caller, &id).await?;
    if index >= b.received {
        return Err(ApiError::not_found(format!(
            "the file has no chunk {index}"
        )));
    }
    let bytes = chunks
        .get(&b.tenant, &b.id, index)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading a chunk failed");
            ApiError::internal()
        })?
        .ok_or_else(|| {
            tracing::error!(blob = %b.id, index, "a counted chunk is missing from the blob store");
            ApiError::internal()
        })?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

pub async fn cancel<S: Store>(
    State(st): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let chunks = chunk_store(&st)?;
    let b = own(&st, &caller, &parse_id(&id)?).await?;
    if b.envelope.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            "this file was sent in a message; it is deleted with the message",
        ));
    }
    chunks
        .delete(&b.tenant, &b.id, b.chunks())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "deleting a file failed");
            ApiError::internal()
        })?;
    st.store.forget_blob(&b.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The blobs `list` (`?blobs=ID,ID`) names for `env`: each a finished upload of the calling
/// device in the envelope's conversation, not carried by another message.
pub(super) async fn carried<S: Store>(
    st: &AppState<S>,
    caller: &Caller,
    env: &SealedEnvelope,
    list: &str,
) -> Result<Vec<BlobId>, ApiError> {
    chunk_store(st)?;
    let mut ids: Vec<BlobId> = Vec::new();
    for part in list.split(',').filter(|p| !p.is_empty()) {
        let id = parse_id(part)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > MAX_BLOBS_PER_MESSAGE {
        return Err(ApiError::bad_request(format!(
            "a message carries at most {MAX_BLOBS_PER_MESSAGE} files"
        )));
    }
    for id in &ids {
        let b = load(st, caller, id).await?;
        if b.device != caller.device || b.thread != env.header.thread {
            return Err(ApiError::bad_request(format!(
                "file {id} was not uploaded by this device for this conversation"
            )));
        }
        if !b.complete() {
            return Err(ApiError::bad_request(format!(
                "file {id} is not fully uploaded yet; finish the upload first"
            )));
        }
        if b.envelope.as_ref().is_some_and(|e| e != &env.header.id) {
            return Err(ApiError::bad_request(format!(
                "file {id} is already in another message"
            )));
        }
    }
    Ok(ids)
}

/// Deletes blobs no message needs: uploads begun before `unsent_before_ms` and never sent, and
/// files whose message the server no longer has. Chunks go first, then the record, so an
/// interrupted sweep is finished by the next. Returns how many were deleted.
pub async fn sweep<S: Store>(
    store: &S,
    chunks: &ChunkStore,
    unsent_before_ms: i64,
) -> Result<u64, StoreError> {
    let mut n = 0;
    loop {
        let batch = store.blobs_to_sweep(unsent_before_ms, 500).await?;
        let full = batch.len() == 500;
        for b in batch {
            if let Err(e) = chunks.delete(&b.tenant, &b.id, b.chunks()).await {
                tracing::warn!(error = %e, blob = %b.id, "deleting a file's chunks failed");
                return Ok(n);
            }
            store.forget_blob(&b.id).await?;
            n += 1;
        }
        if !full {
            return Ok(n);
        }
    }
}
