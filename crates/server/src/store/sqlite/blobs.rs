//! The blob index of the SQLite store: uploads of encrypted files, their progress, the message
//! that carries each, and which to sweep. Writes go through the single writer, so checking the
//! quota and inserting, or checking the next chunk and counting it, cannot interleave.

use rusqlite::{Connection, OptionalExtension, Row, params};
use samtale_proto::{BlobId, EnvelopeId, TenantId};

use super::{SqliteStore, backend};
use crate::store::codec::{id, opt_id, policy_columns, policy_from};
use crate::store::{BlobCreate, BlobIndex, BlobRecord, FilePolicy, StoreError};

const COLUMNS: &str = "id, tenant_id, thread_id, owner, device_id, size, chunk_size, received, created_at, completed_at, envelope_id, ahead_chunk";

type Raw = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn raw(r: &Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
    ))
}

fn record(r: Raw) -> Result<BlobRecord, StoreError> {
    let number = |n: i64| {
        u32::try_from(n).map_err(|_| StoreError::Backend(format!("corrupt number {n} in blobs")))
    };
    Ok(BlobRecord {
        id: id(r.0)?,
        tenant: id(r.1)?,
        thread: id(r.2)?,
        owner: id(r.3)?,
        device: id(r.4)?,
        size: u64::try_from(r.5)
            .map_err(|_| StoreError::Backend(format!("corrupt size {} in blobs", r.5)))?,
        chunk_size: number(r.6)?,
        received: number(r.7)?,
        ahead: r.11 == Some(r.7 + 1),
        created_at_ms: r.8,
        completed_at_ms: r.9,
        envelope: opt_id(r.10)?,
    })
}

fn get(conn: &Connection, blob: &str) -> Result<Option<BlobRecord>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM blobs WHERE id = ?1"),
        [blob],
        raw,
    )
    .optional()
    .map_err(backend)?
    .map(record)
    .transpose()
}

fn size_i64(size: u64) -> Result<i64, StoreError> {
    i64::try_from(size).map_err(|_| StoreError::Limit("file size"))
}

impl BlobIndex for SqliteStore {
    async fn file_policy(&self, tenant: &TenantId) -> Result<Option<FilePolicy>, StoreError> {
        let tenant = tenant.clone();
        self.read(move |conn| {
            conn.query_row(
                "SELECT max_file_bytes, quota_bytes, types FROM file_policies WHERE tenant_id = ?1",
                [tenant.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(backend)?
            .map(policy_from)
            .transpose()
        })
        .await
    }

    async fn set_file_policy(
        &self,
        tenant: &TenantId,
        policy: Option<&FilePolicy>,
    ) -> Result<(), StoreError> {
        let tenant = tenant.clone();
        let columns = policy.map(policy_columns).transpose()?;
        self.write(move |conn| {
            match columns {
                None => conn.execute(
                    "DELETE FROM file_policies WHERE tenant_id = ?1",
                    [tenant.as_str()],
                ),
                Some((max, quota, types)) => conn.execute(
                    "INSERT INTO file_policies (tenant_id, max_file_bytes, quota_bytes, types) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (tenant_id) DO UPDATE SET max_file_bytes = excluded.max_file_bytes,
                         quota_bytes = excluded.quota_bytes, types = excluded.types",
                    params![tenant.as_str(), max, quota, types],
                ),
            }
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn create_blob(&self, b: &BlobRecord, quota: u64) -> Result<BlobCreate, StoreError> {
        let b = b.clone();
        let size = size_i64(b.size)?;
        self.write(move |conn| {
            if let Some(old) = get(conn, b.id.as_str())? {
                let same = old.device == b.device && old.thread == b.thread && old.size == b.size;
                return if same {
                    Ok(BlobCreate::Existing(old))
                } else {
                    Err(StoreError::Conflict("file id"))
                };
            }
            let used: i64 = conn
                .query_row(
                    "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE tenant_id = ?1",
                    [b.tenant.as_str()],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if u64::try_from(used).unwrap_or(0).saturating_add(b.size) > quota {
                return Err(StoreError::Limit("the municipality's file storage"));
            }
            conn.execute(
                &format!("INSERT INTO blobs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, NULL, NULL, NULL)"),
                params![
                    b.id.as_str(),
                    b.tenant.as_str(),
                    b.thread.as_str(),
                    b.owner.as_str(),
                    b.device.as_str(),
                    size,
                    i64::from(b.chunk_size),
                    b.created_at_ms
                ],
            )
            .map_err(backend)?;
            Ok(BlobCreate::Created)
        })
        .await
    }

    async fn blob(&self, blob: &BlobId) -> Result<Option<BlobRecord>, StoreError> {
        let blob = blob.clone();
        self.read(move |conn| get(conn, blob.as_str())).await
    }

    async fn blob_bytes(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        let tenant = tenant.clone();
        self.read(move |conn| {
            let used: i64 = conn
                .query_row(
                    "SELECT COALESCE(SUM(size), 0) FROM blobs WHERE tenant_id = ?1",
                    [tenant.as_str()],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            Ok(u64::try_from(used).unwrap_or(0))
        })
        .await
    }

    async fn blob_chunk_stored(
        &self,
        blob: &BlobId,
        index: u32,
        at_ms: i64,
    ) -> Result<Option<BlobRecord>, StoreError> {
        let blob = blob.clone();
        self.write(move |conn| {
            let Some(b) = get(conn, blob.as_str())? else {
                return Ok(None);
            };
            if b.complete() || index >= b.chunks() {
                return Ok(None);
            }
            if index == b.received + 1 {
                conn.execute(
                    "UPDATE blobs SET ahead_chunk = ?2 WHERE id = ?1",
                    params![blob.as_str(), i64::from(index)],
                )
                .map_err(backend)?;
                return get(conn, blob.as_str());
            }
            if index != b.received {
                return Ok(None);
            }
            let received = index + 1 + u32::from(b.ahead);
            let completed = (received >= b.chunks()).then_some(at_ms);
            conn.execute(
                "UPDATE blobs SET received = ?2, completed_at = ?3, ahead_chunk = NULL WHERE id = ?1",
                params![blob.as_str(), i64::from(received), completed],
            )
            .map_err(backend)?;
            get(conn, blob.as_str())
        })
        .await
    }

    async fn attach_blobs(
        &self,
        blobs: &[BlobId],
        envelope: &EnvelopeId,
    ) -> Result<(), StoreError> {
        let (blobs, envelope) = (blobs.to_vec(), envelope.clone());
        self.write(move |conn| {
            for blob in &blobs {
                let b = get(conn, blob.as_str())?.ok_or(StoreError::NotFound("file"))?;
                if !b.complete() {
                    return Err(StoreError::Conflict("unfinished file"));
                }
                if b.envelope.as_ref().is_some_and(|e| e != &envelope) {
                    return Err(StoreError::Conflict("file in another message"));
                }
            }
            for blob in &blobs {
                conn.execute(
                    "UPDATE blobs SET envelope_id = ?2 WHERE id = ?1",
                    [blob.as_str(), envelope.as_str()],
                )
                .map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn blobs_to_sweep(
        &self,
        stale_before_ms: i64,
        limit: u32,
    ) -> Result<Vec<BlobRecord>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM blobs b
                     WHERE (b.envelope_id IS NULL AND b.created_at < ?1)
                        OR (b.envelope_id IS NOT NULL
                            AND NOT EXISTS (SELECT 1 FROM envelopes e WHERE e.id = b.envelope_id)
                            AND NOT EXISTS (SELECT 1 FROM held h WHERE h.id = b.envelope_id))
                     ORDER BY b.created_at, b.id LIMIT ?2"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![stale_before_ms, i64::from(limit)], raw)
                .map_err(backend)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(record(row.map_err(backend)?)?);
            }
            Ok(out)
        })
        .await
    }

    async fn forget_blob(&self, blob: &BlobId) -> Result<(), StoreError> {
        let blob = blob.clone();
        self.write(move |conn| {
            conn.execute("DELETE FROM blobs WHERE id = ?1", [blob.as_str()])
                .map_err(backend)?;
            Ok(())
        })
        .await
    }
}
