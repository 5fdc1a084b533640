//! Server storage: one trait, [`Store`], with two implementations, SQLite (the embedded default)
//! and PostgreSQL (for several server nodes). Both are checked by one conformance suite
//! (`tests/conformance.rs` runs `conformance::run_all` against each).
//!
//! The trait speaks in domain operations, not SQL: each method is one transaction, and the
//! operations that must be atomic (redeeming an invitation, storing an envelope together with its
//! fan-out into every member's inbox) are single methods.

mod codec;
pub mod conformance;
mod pg_wakeups;
pub mod postgres;
pub mod sqlite;
mod types;

use std::future::Future;

pub use types::*;

use samtale_proto::{
    DeviceId, EnvelopeId, EventBody, InboxEvent, InvitationId, SealedEnvelope, TenantId, ThreadId,
    UserId,
};

/// Storage failures. Backend details are kept for the log and never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken (username in a tenant, invitation id or code, envelope id).
    #[error("already exists: {0}")]
    Conflict(&'static str),
    /// The thing to change does not exist (or no longer: a used invitation).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The database failed; details are in the message for the log.
    #[error("database error: {0}")]
    Backend(String),
}

/// Result of storing an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// Stored and fanned out; one entry per member: (user, inbox sequence).
    Stored,
    /// The same envelope (same id and digest) was stored before: nothing changed.
    Duplicate,
    /// The id is taken by different content: refused, nothing changed.
    Conflict,
}

/// Inbox sequences handed out by one write, so the server can wake the right sockets.
pub type Fanout = Vec<(UserId, u64)>;

type R<T> = Result<T, StoreError>;

/// The server's storage. Every method is one transaction.
pub trait Store: Clone + Send + Sync + 'static {
    /// Creates or upgrades the schema.
    fn migrate(&self) -> impl Future<Output = R<()>> + Send;

    /// Feeds inbox wake-ups written by other server nodes sharing this store into `hub`, until
    /// `stop` turns true. A store that one process owns (SQLite) has none and returns at once.
    fn follow_remote_wakeups(
        &self,
        hub: std::sync::Arc<crate::hub::Hub>,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> impl Future<Output = ()> + Send {
        async move { drop((hub, stop)) }
    }

    fn create_tenant(&self, tenant: &Tenant) -> impl Future<Output = R<()>> + Send;
    fn tenant(&self, id: &TenantId) -> impl Future<Output = R<Option<Tenant>>> + Send;
    fn tenant_by_slug(&self, slug: &str) -> impl Future<Output = R<Option<Tenant>>> + Send;

    /// Staff have a username and a password hash; citizens have neither.
    fn create_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
    ) -> impl Future<Output = R<()>> + Send;
    fn user(&self, id: &UserId) -> impl Future<Output = R<Option<User>>> + Send;
    /// A staff member by tenant and username, with the password hash.
    fn staff_login(
        &self,
        tenant: &TenantId,
        username: &str,
    ) -> impl Future<Output = R<Option<(User, String)>>> + Send;

    /// Registers a device and appends `event` (a device event) to the inboxes of `notify`.
    fn add_device(
        &self,
        device: &Device,
        notify: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> impl Future<Output = R<Fanout>> + Send;
    fn device(&self, id: &DeviceId) -> impl Future<Output = R<Option<Device>>> + Send;
    fn devices_of(&self, user: &UserId) -> impl Future<Output = R<Vec<Device>>> + Send;

    fn create_session(&self, session: &Session) -> impl Future<Output = R<()>> + Send;
    fn session(&self, token_hash: &[u8; 32]) -> impl Future<Output = R<Option<Session>>> + Send;
    /// Deletes the old session and stores the new one, atomically; NotFound when the old one is gone.
    fn rotate_session(
        &self,
        old_hash: &[u8; 32],
        new: &Session,
    ) -> impl Future<Output = R<()>> + Send;
    fn delete_session(&self, token_hash: &[u8; 32]) -> impl Future<Output = R<()>> + Send;

    /// Conflict when the id or a live invitation with the same lookup key exists.
    fn create_invitation(&self, invitation: &Invitation) -> impl Future<Output = R<()>> + Send;
    fn invitation(&self, id: &InvitationId) -> impl Future<Output = R<Option<Invitation>>> + Send;
    /// The unused invitation with this lookup key, if any.
    fn invitation_by_lookup(
        &self,
        lookup: &str,
    ) -> impl Future<Output = R<Option<Invitation>>> + Send;
    fn invitations_by(&self, inviter: &UserId) -> impl Future<Output = R<Vec<Invitation>>> + Send;
    /// Counts one attempt at the invitation's code, before the code is compared, and returns
    /// the new count: counting first is what keeps parallel guesses inside the limit.
    fn count_failed_attempt(&self, id: &InvitationId) -> impl Future<Output = R<u32>> + Send;
    /// Gives back the attempt a right code counted (never below zero).
    fn release_attempt(&self, id: &InvitationId) -> impl Future<Output = R<()>> + Send;
    /// Marks the invitation used and creates the user, the device and the session, atomically.
    /// NotFound when it was used meanwhile.
    fn redeem_invitation(
        &self,
        id: &InvitationId,
        user: &User,
        device: &Device,
        session: &Session,
    ) -> impl Future<Output = R<()>> + Send;

    /// Creates the thread with its members and appends `event` to every member's inbox.
    fn create_thread(
        &self,
        thread: &Thread,
        members: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> impl Future<Output = R<Fanout>> + Send;
    /// Replaces the member list and appends `event` to old and new members' inboxes.
    fn set_members(
        &self,
        thread: &ThreadId,
        members: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> impl Future<Output = R<Fanout>> + Send;
    fn thread(&self, id: &ThreadId) -> impl Future<Output = R<Option<Thread>>> + Send;
    fn thread_members(&self, id: &ThreadId) -> impl Future<Output = R<Vec<UserId>>> + Send;
    fn threads_of(&self, user: &UserId) -> impl Future<Output = R<Vec<Thread>>> + Send;
    /// Users who share at least one thread with `user` (not including `user`).
    fn contacts_of(&self, user: &UserId) -> impl Future<Output = R<Vec<UserId>>> + Send;

    /// Stores the envelope once and appends it to the inbox of every current member of its thread.
    fn put_envelope(
        &self,
        envelope: &SealedEnvelope,
        digest: &[u8; 32],
        at_ms: i64,
    ) -> impl Future<Output = R<(PutOutcome, Fanout)>> + Send;
    fn envelope_thread(&self, id: &EnvelopeId) -> impl Future<Output = R<Option<ThreadId>>> + Send;
    /// Appends a non-envelope event to each user's inbox.
    fn append_event(
        &self,
        users: &[UserId],
        event: &EventBody,
        at_ms: i64,
    ) -> impl Future<Output = R<Fanout>> + Send;
    /// Events after `since`, oldest first, at most `limit`.
    fn inbox(
        &self,
        user: &UserId,
        since: u64,
        limit: u32,
    ) -> impl Future<Output = R<Vec<InboxEvent>>> + Send;
    /// Records a key-signed login of `device` made at `at_ms`, if that is later than its last
    /// one; false (and nothing changed) for a replayed or older one, or an unknown device.
    fn claim_device_login(
        &self,
        device: &DeviceId,
        at_ms: i64,
    ) -> impl Future<Output = R<bool>> + Send;
    /// Records that `device` holds its user's inbox up to `seq` (never moves backwards).
    fn ack(&self, device: &DeviceId, seq: u64) -> impl Future<Output = R<()>> + Send;
    /// Deletes inbox entries every device of their user has acknowledged and that are older than
    /// `before_ms`, then envelopes no inbox refers to any more. Returns envelopes deleted.
    fn purge(&self, before_ms: i64) -> impl Future<Output = R<u64>> + Send;

    /// Appends to the audit log (never updated or deleted).
    fn audit(&self, entry: &AuditEntry) -> impl Future<Output = R<()>> + Send;
    fn audit_log(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> impl Future<Output = R<Vec<AuditEntry>>> + Send;
}
