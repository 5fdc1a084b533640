//! Server storage: one trait, [`Store`], with two implementations, SQLite (the embedded default)
//! and PostgreSQL (for several server nodes). Both are checked by one conformance suite
//! (`tests/conformance.rs` runs `conformance::run_all` against each).
//!
//! The trait speaks in domain operations, not SQL: each method is one transaction, and the
//! operations that must be atomic (redeeming an invitation, storing an envelope together with its
//! fan-out into every member's inbox) are single methods.

mod blob_index;
mod codec;
pub mod conformance;
mod contact_index;
mod notice_index;
mod pg_wakeups;
pub mod postgres;
pub mod sqlite;
mod types;
mod unit_index;

use std::future::Future;

pub use blob_index::BlobIndex;
pub use contact_index::ContactIndex;
pub use notice_index::NoticeIndex;
pub use types::*;
pub use unit_index::UnitIndex;

use samtale_proto::{
    DeviceId, EnvelopeId, EventBody, InboxEvent, InvitationId, LinkId, SealedEnvelope, TenantId,
    ThreadId, UserId,
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
    /// A limit is reached (the devices a user may have).
    #[error("limit reached: {0}")]
    Limit(&'static str),
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

/// Result of cancelling a held envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// It was held and is gone; it will never be released.
    Cancelled,
    /// It was released already.
    Released,
    /// No such envelope of this sender is or was held.
    NotFound,
}

/// Inbox sequences handed out by one write, so the server can wake the right sockets.
pub type Fanout = Vec<(UserId, u64)>;

type R<T> = Result<T, StoreError>;

/// The server's storage. Every method is one transaction.
pub trait Store:
    BlobIndex + UnitIndex + ContactIndex + NoticeIndex + Clone + Send + Sync + 'static
{
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

    /// Registers a device and appends `event` (a device event) to the inboxes of `notify`,
    /// unless the user has `cap` devices that are not revoked: then `Limit`, nothing changed.
    fn add_device(
        &self,
        device: &Device,
        notify: &[UserId],
        event: &EventBody,
        at_ms: i64,
        cap: u32,
    ) -> impl Future<Output = R<Fanout>> + Send;
    /// Registers a person's first device, for a password login: `Limit` when they have a
    /// device that is not revoked. When the current chain already had devices (all removed
    /// since), the person moves to the next chain first. Returns the chain the device is in.
    /// One transaction, so of two such logins at once only one adds a device.
    fn add_first_device(&self, device: &Device) -> impl Future<Output = R<u32>> + Send;
    /// Marks the device revoked, deletes its sessions and appends `event` to `notify`'s
    /// inboxes, atomically. NotFound when it is unknown or revoked already.
    fn revoke_device(
        &self,
        device: &DeviceId,
        at_ms: i64,
        notify: &[UserId],
        event: &EventBody,
    ) -> impl Future<Output = R<Fanout>> + Send;
    /// Records that the device was seen (login, refresh); never moves backwards.
    fn touch_device(&self, device: &DeviceId, at_ms: i64) -> impl Future<Output = R<()>> + Send;
    /// Deletes every session of the user; returns the devices they were on.
    fn end_sessions(&self, user: &UserId) -> impl Future<Output = R<Vec<DeviceId>>> + Send;
    fn set_user_disabled(
        &self,
        user: &UserId,
        disabled: bool,
    ) -> impl Future<Output = R<()>> + Send;
    /// Sets a staff member's password hash; NotFound for a user without one (a citizen).
    fn set_password(&self, user: &UserId, hash: &str) -> impl Future<Output = R<()>> + Send;
    /// Revokes every device of the user, ends their sessions and moves the user to the next
    /// key chain, atomically. Returns the new chain and the devices revoked.
    fn start_new_chain(
        &self,
        user: &UserId,
        at_ms: i64,
    ) -> impl Future<Output = R<(u32, Vec<DeviceId>)>> + Send;

    /// Conflict when the id, the device id or a live request's lookup key is taken.
    fn create_link_request(&self, request: &LinkRequest) -> impl Future<Output = R<()>> + Send;
    fn link_request(&self, id: &LinkId) -> impl Future<Output = R<Option<LinkRequest>>> + Send;
    /// The request not yet accepted with this lookup key, if any.
    fn link_request_by_lookup(
        &self,
        lookup: &str,
    ) -> impl Future<Output = R<Option<LinkRequest>>> + Send;
    /// Counts one attempt at the request's code before it is compared; returns the count.
    fn count_link_attempt(&self, id: &LinkId) -> impl Future<Output = R<u32>> + Send;
    fn release_link_attempt(&self, id: &LinkId) -> impl Future<Output = R<()>> + Send;
    /// Marks the request accepted (recording the user's inbox head first) and registers the
    /// device with its fan-out, atomically. NotFound when it was accepted meanwhile; `Limit`
    /// when the user has `cap` devices.
    #[allow(clippy::too_many_arguments)]
    fn accept_link_request(
        &self,
        id: &LinkId,
        accepted: &AcceptedLink,
        device: &Device,
        notify: &[UserId],
        event: &EventBody,
        at_ms: i64,
        cap: u32,
    ) -> impl Future<Output = R<Fanout>> + Send;
    /// Marks an accepted request's session as fetched; false when it was fetched before.
    fn claim_link_request(&self, id: &LinkId) -> impl Future<Output = R<bool>> + Send;
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

    /// Marks a re-invitation (one with `for_user`) used by that user and adds the device and
    /// the session, atomically. NotFound when it was used meanwhile (or is not for this user);
    /// Conflict when the user has a device that is not revoked.
    fn redeem_reinvitation(
        &self,
        id: &InvitationId,
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

    /// Stores the envelope once and appends it to the inbox of every current member of its
    /// thread.
    fn put_envelope(
        &self,
        envelope: &SealedEnvelope,
        digest: &[u8; 32],
        at_ms: i64,
    ) -> impl Future<Output = R<(PutOutcome, Fanout)>> + Send {
        self.put_envelope_for(envelope, digest, at_ms, None)
    }
    /// Like [`Store::put_envelope`], but with `only`, to those current members only (a
    /// caseworker's note sealed to staff): others never see that it exists.
    fn put_envelope_for(
        &self,
        envelope: &SealedEnvelope,
        digest: &[u8; 32],
        at_ms: i64,
        only: Option<&[UserId]>,
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
    /// `before_ms`, then envelopes no inbox refers to any more. Revoked devices, and devices not
    /// seen since `stale_before_ms`, hold nothing back. Also deletes expired sessions and link
    /// requests. Returns envelopes deleted.
    fn purge(&self, before_ms: i64, stale_before_ms: i64) -> impl Future<Output = R<u64>> + Send;

    /// Holds an envelope until `release_at_ms` (the release queue). Like
    /// [`Store::put_envelope`], the same envelope again changes nothing (`Duplicate`) and an id
    /// taken by other content, held or stored, is refused (`Conflict`).
    fn hold_envelope(
        &self,
        envelope: &SealedEnvelope,
        digest: &[u8; 32],
        release_at_ms: i64,
        only: Option<&[UserId]>,
        at_ms: i64,
    ) -> impl Future<Output = R<PutOutcome>> + Send;
    /// What `sender` has held, soonest first.
    fn held_of(
        &self,
        sender: &UserId,
    ) -> impl Future<Output = R<Vec<samtale_proto::api::HeldEnvelope>>> + Send;
    /// Cancels `sender`'s held envelope `id`.
    fn cancel_held(
        &self,
        id: &EnvelopeId,
        sender: &UserId,
    ) -> impl Future<Output = R<CancelOutcome>> + Send;
    /// Releases up to `limit` held envelopes due at `now_ms`: each is stored and fanned out to
    /// the thread's members at that moment (or those of them it names), and leaves the queue in
    /// the same transaction, so it is released exactly once even with several nodes releasing
    /// at the same time. Returns each release's fan-out.
    fn release_due(&self, now_ms: i64, limit: u32) -> impl Future<Output = R<Vec<Fanout>>> + Send;
    /// When the next held envelope is due, if any.
    fn next_release(&self) -> impl Future<Output = R<Option<i64>>> + Send;

    /// Appends to the audit log (never updated or deleted).
    fn audit(&self, entry: &AuditEntry) -> impl Future<Output = R<()>> + Send;
    /// Appends unless the tenant's log already has a line with this action and subject (a
    /// device that retries a request it got no answer to). Returns whether it appended.
    fn audit_once(&self, entry: &AuditEntry) -> impl Future<Output = R<bool>> + Send;
    fn audit_log(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> impl Future<Output = R<Vec<AuditEntry>>> + Send;
}
