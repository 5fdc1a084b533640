//! The server's blob store: where the ciphertext of files lives, chunk by chunk. One interface,
//! [`ChunkStore`], over two backends: a local directory (the embedded default, beside the SQLite
//! database) and S3-compatible object storage (for several server nodes). Both are
//! `object_store` implementations; [`conformance`] checks what the routes rely on against each.
//!
//! What a blob is (its conversation, owner, size and how far its upload got) is kept in the
//! database ([`crate::store::BlobIndex`]); this store only holds bytes, under
//! `TENANT/BLOB/NNNNNN`. A chunk is written whole or not at all (the directory backend writes a
//! temporary file and renames it; S3 puts are atomic), so an upload cut off mid-chunk leaves
//! nothing behind to resume from but whole chunks.

pub mod conformance;
pub mod test_server;

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use samtale_proto::{BlobId, TenantId};

/// Where blobs are kept.
#[derive(Clone, PartialEq, Eq)]
pub enum BlobBackend {
    /// A directory on this node (created if missing).
    /// A directory; with `fsync`, each chunk is on disk before it is counted.
    Local { dir: PathBuf, fsync: bool },
    /// A bucket of an S3-compatible service.
    S3(S3Config),
}

impl std::fmt::Debug for BlobBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobBackend::Local { dir, fsync } => write!(
                f,
                "local directory {}{}",
                dir.display(),
                if *fsync { "" } else { " (no fsync)" }
            ),
            BlobBackend::S3(c) => write!(f, "S3 bucket {} at {}", c.bucket, c.endpoint),
        }
    }
}

/// An S3-compatible bucket. The secret stays out of `Debug` and the logs.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// e.g. `https://s3.eu-north-1.amazonaws.com` or `http://127.0.0.1:9000` (plain HTTP is
    /// allowed only on a loopback address).
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the blob store is not usable: {0}; check its settings (blob_dir or s3_*)")]
    Setup(String),
    #[error("the blob store failed: {0}")]
    Backend(String),
}

/// The chunks of every blob, in one backend.
#[derive(Clone)]
pub struct ChunkStore {
    inner: Arc<dyn ObjectStore>,
    backend: Arc<BlobBackend>,
}

impl std::fmt::Debug for ChunkStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChunkStore({:?})", self.backend)
    }
}

fn backend(e: object_store::Error) -> BlobError {
    BlobError::Backend(e.to_string())
}

fn is_loopback(endpoint: &str) -> bool {
    let rest = endpoint.strip_prefix("http://").unwrap_or("");
    let host = rest.split(['/', ':']).next().unwrap_or("");
    host == "127.0.0.1" || host == "localhost" || rest.starts_with("[::1]")
}

impl ChunkStore {
    pub fn open(config: &BlobBackend) -> Result<ChunkStore, BlobError> {
        let inner: Arc<dyn ObjectStore> = match config {
            BlobBackend::Local { dir, fsync } => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    BlobError::Setup(format!("cannot create {}: {e}", dir.display()))
                })?;
                // Each chunk is on disk (file and directory entry) before the database counts
                // it: a crash or power cut never leaves a counted chunk missing.
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(dir)
                        .map_err(|e| BlobError::Setup(e.to_string()))?
                        .with_fsync(*fsync),
                )
            }
            BlobBackend::S3(c) => {
                let http = c.endpoint.starts_with("http://");
                if http && !is_loopback(&c.endpoint) {
                    return Err(BlobError::Setup(format!(
                        "{} is plain HTTP; use https:// (plain HTTP only on 127.0.0.1)",
                        c.endpoint
                    )));
                }
                Arc::new(
                    object_store::aws::AmazonS3Builder::new()
                        .with_endpoint(&c.endpoint)
                        .with_bucket_name(&c.bucket)
                        .with_region(&c.region)
                        .with_access_key_id(&c.access_key)
                        .with_secret_access_key(&c.secret_key)
                        .with_allow_http(http)
                        .with_virtual_hosted_style_request(false)
                        // A client waits on the chunk it sent: fail within seconds, not
                        // minutes, and let it try again.
                        .with_retry(object_store::RetryConfig {
                            max_retries: 3,
                            retry_timeout: std::time::Duration::from_secs(15),
                            ..Default::default()
                        })
                        .build()
                        .map_err(|e| BlobError::Setup(e.to_string()))?,
                )
            }
        };
        Ok(ChunkStore {
            inner,
            backend: Arc::new(config.clone()),
        })
    }

    pub fn backend(&self) -> &BlobBackend {
        &self.backend
    }

    fn path(tenant: &TenantId, blob: &BlobId, index: u32) -> Path {
        // Ids are validated ULIDs: safe as path segments.
        Path::from(format!("{tenant}/{blob}/{index:06}"))
    }

    /// Stores chunk `index` whole, replacing what was there.
    pub async fn put(
        &self,
        tenant: &TenantId,
        blob: &BlobId,
        index: u32,
        bytes: Bytes,
    ) -> Result<(), BlobError> {
        self.inner
            .put(&Self::path(tenant, blob, index), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(backend)
    }

    /// Chunk `index`, or None when it is not stored.
    pub async fn get(
        &self,
        tenant: &TenantId,
        blob: &BlobId,
        index: u32,
    ) -> Result<Option<Bytes>, BlobError> {
        match self.inner.get(&Self::path(tenant, blob, index)).await {
            Ok(r) => r.bytes().await.map(Some).map_err(backend),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    /// Deletes chunks `0..chunks` of a blob; chunks already gone are fine.
    pub async fn delete(
        &self,
        tenant: &TenantId,
        blob: &BlobId,
        chunks: u32,
    ) -> Result<(), BlobError> {
        for index in 0..chunks {
            match self.inner.delete(&Self::path(tenant, blob, index)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        let s3 = |endpoint: &str| {
            BlobBackend::S3(S3Config {
                endpoint: endpoint.into(),
                bucket: "b".into(),
                region: "r".into(),
                access_key: "a".into(),
                secret_key: "s".into(),
            })
        };
        assert!(ChunkStore::open(&s3("http://127.0.0.1:9000")).is_ok());
        assert!(ChunkStore::open(&s3("http://localhost:9000")).is_ok());
        assert!(ChunkStore::open(&s3("https://s3.example.dk")).is_ok());
        for bad in ["http://s3.example.dk", "http://127.0.0.1.example.dk"] {
            assert!(
                matches!(ChunkStore::open(&s3(bad)), Err(BlobError::Setup(_))),
                "{bad}"
            );
        }
        assert!(!format!("{:?}", s3("https://x")).contains("\"s\""));
    }
}
