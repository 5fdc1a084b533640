//! The blob index: the database side of encrypted files (`blobs` table), a trait of its own
//! beside [`Store`](super::Store), which requires it. Each method is one transaction.

use std::future::Future;

use samtale_proto::{BlobId, EnvelopeId, TenantId};

use super::{BlobCreate, BlobRecord, FilePolicy, StoreError};

type R<T> = Result<T, StoreError>;

pub trait BlobIndex {
    /// Records a new upload. The same upload again (same id, device, conversation and size) is
    /// `Existing` with how far it got; an id taken otherwise is `Conflict`; when the
    /// municipality's blobs would pass `quota_bytes`, `Limit`. Nothing changes but on `Created`.
    fn create_blob(
        &self,
        blob: &BlobRecord,
        quota_bytes: u64,
    ) -> impl Future<Output = R<BlobCreate>> + Send;
    fn blob(&self, id: &BlobId) -> impl Future<Output = R<Option<BlobRecord>>> + Send;
    /// Bytes the municipality's blobs take, finished or not.
    fn blob_bytes(&self, tenant: &TenantId) -> impl Future<Output = R<u64>> + Send;
    /// Records chunk `index` as stored. The next chunk is counted (with the one after it, when
    /// that is marked `ahead`), and the last one counted completes the blob at `at_ms`; the
    /// chunk after the next is marked `ahead`, to be counted with the next. Returns the new
    /// record, or None (nothing changed) for any other chunk or a complete blob.
    fn blob_chunk_stored(
        &self,
        id: &BlobId,
        index: u32,
        at_ms: i64,
    ) -> impl Future<Output = R<Option<BlobRecord>>> + Send;
    /// Ties complete blobs to the envelope carrying them, all or none: `Conflict` when one is
    /// incomplete or tied to another envelope, `NotFound` when one does not exist. Tying a blob
    /// to the same envelope again changes nothing.
    fn attach_blobs(
        &self,
        blobs: &[BlobId],
        envelope: &EnvelopeId,
    ) -> impl Future<Output = R<()>> + Send;
    /// Up to `limit` blobs to delete: uploads begun before `stale_before_ms` and never sent
    /// (finished or not), and sent ones whose envelope is gone from the server (purged, or a
    /// planned one cancelled). Oldest first.
    fn blobs_to_sweep(
        &self,
        stale_before_ms: i64,
        limit: u32,
    ) -> impl Future<Output = R<Vec<BlobRecord>>> + Send;
    /// Deletes the record (after its chunks).
    fn forget_blob(&self, id: &BlobId) -> impl Future<Output = R<()>> + Send;
    /// The municipality's own rules for files, if its administrator set any.
    fn file_policy(&self, tenant: &TenantId) -> impl Future<Output = R<Option<FilePolicy>>> + Send;
    /// Sets the municipality's rules (replacing what was set), or with `None` goes back to the
    /// server's settings.
    fn set_file_policy(
        &self,
        tenant: &TenantId,
        policy: Option<&FilePolicy>,
    ) -> impl Future<Output = R<()>> + Send;
}
