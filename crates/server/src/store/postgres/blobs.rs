//! The blob index of the PostgreSQL store: uploads of encrypted files, their progress, the
//! message that carries each, and which to sweep. Several nodes may serve one upload: the next
//! chunk is counted by a conditional UPDATE (only when `received` is still that chunk's
//! number), and the quota check locks the municipality's row so two uploads cannot both fit
//! into the last free space.

use samtale_proto::{BlobId, EnvelopeId, TenantId};
use tokio_postgres::Row;

use super::{PgStore, backend, col, execute, query, query_opt};
use crate::store::codec::{id, opt_id, policy_columns, policy_from};
use crate::store::{BlobCreate, BlobIndex, BlobRecord, FilePolicy, StoreError};

const COLUMNS: &str = "id, tenant_id, thread_id, owner, device_id, size, chunk_size, received, created_at, completed_at, envelope_id, ahead_chunk";

fn record(r: &Row) -> Result<BlobRecord, StoreError> {
    let number = |n: i64| {
        u32::try_from(n).map_err(|_| StoreError::Backend(format!("corrupt number {n} in blobs")))
    };
    let size: i64 = col(r, 5)?;
    Ok(BlobRecord {
        id: id(col::<String>(r, 0)?)?,
        tenant: id(col::<String>(r, 1)?)?,
        thread: id(col::<String>(r, 2)?)?,
        owner: id(col::<String>(r, 3)?)?,
        device: id(col::<String>(r, 4)?)?,
        size: u64::try_from(size)
            .map_err(|_| StoreError::Backend(format!("corrupt size {size} in blobs")))?,
        chunk_size: number(col(r, 6)?)?,
        received: number(col(r, 7)?)?,
        ahead: col::<Option<i64>>(r, 11)? == Some(col::<i64>(r, 7)? + 1),
        created_at_ms: col(r, 8)?,
        completed_at_ms: col(r, 9)?,
        envelope: opt_id(col::<Option<String>>(r, 10)?)?,
    })
}

impl BlobIndex for PgStore {
    async fn file_policy(&self, tenant: &TenantId) -> Result<Option<FilePolicy>, StoreError> {
        let conn = self.conn().await?;
        let row = query_opt(
            &conn,
            "SELECT max_file_bytes, quota_bytes, types FROM file_policies WHERE tenant_id = $1",
            &[&tenant.as_str()],
        )
        .await
        .map_err(backend)?;
        row.map(|r| -> Result<FilePolicy, StoreError> {
            policy_from((col(&r, 0)?, col(&r, 1)?, col(&r, 2)?))
        })
        .transpose()
    }

    async fn set_file_policy(
        &self,
        tenant: &TenantId,
        policy: Option<&FilePolicy>,
    ) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        match policy.map(policy_columns).transpose()? {
            None => execute(
                &conn,
                "DELETE FROM file_policies WHERE tenant_id = $1",
                &[&tenant.as_str()],
            )
            .await
            .map_err(backend)?,
            Some((max, quota, types)) => execute(
                &conn,
                "INSERT INTO file_policies (tenant_id, max_file_bytes, quota_bytes, types) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (tenant_id) DO UPDATE SET max_file_bytes = EXCLUDED.max_file_bytes,
                     quota_bytes = EXCLUDED.quota_bytes, types = EXCLUDED.types",
                &[&tenant.as_str(), &max, &quota, &types],
            )
            .await
            .map_err(backend)?,
        };
        Ok(())
    }

    async fn create_blob(&self, b: &BlobRecord, quota: u64) -> Result<BlobCreate, StoreError> {
        let size = i64::try_from(b.size).map_err(|_| StoreError::Limit("file size"))?;
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        // One upload at a time per municipality gets past the quota check.
        execute(
            &tx,
            "SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE",
            &[&b.tenant.as_str()],
        )
        .await
        .map_err(backend)?;
        let sql = format!("SELECT {COLUMNS} FROM blobs WHERE id = $1");
        if let Some(row) = query_opt(&tx, &sql, &[&b.id.as_str()])
            .await
            .map_err(backend)?
        {
            let old = record(&row)?;
            tx.commit().await.map_err(backend)?;
            let same = old.device == b.device && old.thread == b.thread && old.size == b.size;
            return if same {
                Ok(BlobCreate::Existing(old))
            } else {
                Err(StoreError::Conflict("file id"))
            };
        }
        let row = query_opt(
            &tx,
            "SELECT COALESCE(SUM(size), 0)::BIGINT FROM blobs WHERE tenant_id = $1",
            &[&b.tenant.as_str()],
        )
        .await
        .map_err(backend)?;
        let used: i64 = match row {
            Some(r) => col(&r, 0)?,
            None => 0,
        };
        if u64::try_from(used).unwrap_or(0).saturating_add(b.size) > quota {
            return Err(StoreError::Limit("the municipality's file storage"));
        }
        execute(
            &tx,
            &format!(
                "INSERT INTO blobs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, NULL, NULL, NULL)"
            ),
            &[
                &b.id.as_str(),
                &b.tenant.as_str(),
                &b.thread.as_str(),
                &b.owner.as_str(),
                &b.device.as_str(),
                &size,
                &i64::from(b.chunk_size),
                &b.created_at_ms,
            ],
        )
        .await
        .map_err(|e| super::unique_or_backend(e, "file id"))?;
        tx.commit().await.map_err(backend)?;
        Ok(BlobCreate::Created)
    }

    async fn blob(&self, blob: &BlobId) -> Result<Option<BlobRecord>, StoreError> {
        let conn = self.conn().await?;
        let sql = format!("SELECT {COLUMNS} FROM blobs WHERE id = $1");
        query_opt(&conn, &sql, &[&blob.as_str()])
            .await
            .map_err(backend)?
            .as_ref()
            .map(record)
            .transpose()
    }

    async fn blob_bytes(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        let conn = self.conn().await?;
        let rows = query(
            &conn,
            "SELECT COALESCE(SUM(size), 0)::BIGINT FROM blobs WHERE tenant_id = $1",
            &[&tenant.as_str()],
        )
        .await
        .map_err(backend)?;
        let used: i64 = match rows.first() {
            Some(r) => col(r, 0)?,
            None => 0,
        };
        Ok(u64::try_from(used).unwrap_or(0))
    }

    async fn blob_chunk_stored(
        &self,
        blob: &BlobId,
        index: u32,
        at_ms: i64,
    ) -> Result<Option<BlobRecord>, StoreError> {
        let conn = self.conn().await?;
        // One conditional UPDATE (its SET sees the row as it was): the next chunk is counted,
        // with the one after it when that came first; the one after the next is marked ahead.
        let sql = format!(
            "UPDATE blobs SET
                received = CASE WHEN received = $2
                                THEN received + 1 + CASE WHEN ahead_chunk = $2 + 1 THEN 1 ELSE 0 END
                                ELSE received END,
                completed_at = CASE WHEN received = $2
                                     AND received + 1
                                         + CASE WHEN ahead_chunk = $2 + 1 THEN 1 ELSE 0 END
                                         >= (size + chunk_size - 1) / chunk_size
                                    THEN $3::BIGINT END,
                ahead_chunk = CASE WHEN received = $2 THEN NULL ELSE $2 END
             WHERE id = $1 AND completed_at IS NULL
               AND (received = $2 OR received + 1 = $2)
               AND $2 < (size + chunk_size - 1) / chunk_size
             RETURNING {COLUMNS}"
        );
        query_opt(&conn, &sql, &[&blob.as_str(), &i64::from(index), &at_ms])
            .await
            .map_err(backend)?
            .as_ref()
            .map(record)
            .transpose()
    }

    async fn attach_blobs(
        &self,
        blobs: &[BlobId],
        envelope: &EnvelopeId,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(backend)?;
        let sql = format!("SELECT {COLUMNS} FROM blobs WHERE id = $1 FOR UPDATE");
        for blob in blobs {
            let row = query_opt(&tx, &sql, &[&blob.as_str()])
                .await
                .map_err(backend)?
                .ok_or(StoreError::NotFound("file"))?;
            let b = record(&row)?;
            if !b.complete() {
                return Err(StoreError::Conflict("unfinished file"));
            }
            if b.envelope.as_ref().is_some_and(|e| e != envelope) {
                return Err(StoreError::Conflict("file in another message"));
            }
        }
        for blob in blobs {
            execute(
                &tx,
                "UPDATE blobs SET envelope_id = $2 WHERE id = $1",
                &[&blob.as_str(), &envelope.as_str()],
            )
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn blobs_to_sweep(
        &self,
        stale_before_ms: i64,
        limit: u32,
    ) -> Result<Vec<BlobRecord>, StoreError> {
        let conn = self.conn().await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM blobs b
             WHERE (b.envelope_id IS NULL AND b.created_at < $1)
                OR (b.envelope_id IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM envelopes e WHERE e.id = b.envelope_id)
                    AND NOT EXISTS (SELECT 1 FROM held h WHERE h.id = b.envelope_id))
             ORDER BY b.created_at, b.id LIMIT $2"
        );
        query(&conn, &sql, &[&stale_before_ms, &i64::from(limit)])
            .await
            .map_err(backend)?
            .iter()
            .map(record)
            .collect()
    }

    async fn forget_blob(&self, blob: &BlobId) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        execute(&conn, "DELETE FROM blobs WHERE id = $1", &[&blob.as_str()])
            .await
            .map_err(backend)?;
        Ok(())
    }
}
