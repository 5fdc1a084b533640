//! What the server keeps to reach a citizen outside the app (issue 9), beside the contact
//! register: consents with their history, the one-time codes that verify a number or address,
//! and the durable queue of notices. A trait of its own beside [`Store`](super::Store), which
//! requires it. Each method is one transaction.
//!
//! The queue sends each notice at most once: [`claim_notices`](NoticeIndex::claim_notices)
//! moves due notices to `sending` in the same transaction that reads them (on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so nodes split the work), and a notice left in `sending` by a
//! node that stopped becomes `uncertain`, never sent again.

use std::future::Future;

use samtale_proto::notices::{Channel, ContactState, NoticeState, Purpose};
use samtale_proto::{TenantId, ThreadId, UnitId, UserId};

use super::{ConsentRecord, ContactCode, NoticeUpdate, QueuedNotice, StoreError, Watch};

type R<T> = Result<T, StoreError>;

pub trait NoticeIndex {
    /// Records a consent. Conflict when the citizen has a live one for the same unit, purpose
    /// and channel (nothing changed).
    fn add_consent(&self, record: &ConsentRecord) -> impl Future<Output = R<()>> + Send;
    /// Ends the live consent for this unit, purpose and channel at `at_ms`; returns its id, or
    /// None when there was none. With `only_by_parent`, only one a parent gave: a youth's own
    /// is left as it is (None), in the same statement, so no check before it can go stale.
    fn withdraw_consent(
        &self,
        citizen: &UserId,
        unit: &UnitId,
        purpose: Purpose,
        channel: Channel,
        at_ms: i64,
        only_by_parent: bool,
    ) -> impl Future<Output = R<Option<String>>> + Send;
    /// Every consent given for the citizen, withdrawn ones too, oldest first.
    fn consents_of(&self, citizen: &UserId) -> impl Future<Output = R<Vec<ConsentRecord>>> + Send;

    /// Sets (or with None forgets) a youth's birth date. False when there is no such user.
    fn set_born(
        &self,
        user: &UserId,
        born: Option<samtale_proto::clock::Date>,
    ) -> impl Future<Output = R<bool>> + Send;
    fn born(
        &self,
        user: &UserId,
    ) -> impl Future<Output = R<Option<samtale_proto::clock::Date>>> + Send;

    /// Gives the citizen's number or address a new code (its hash), with no attempts yet.
    /// False when there is no such contact.
    fn set_contact_code(
        &self,
        citizen: &UserId,
        channel: Channel,
        code: &ContactCode,
    ) -> impl Future<Output = R<bool>> + Send;
    fn contact_code(
        &self,
        citizen: &UserId,
        channel: Channel,
    ) -> impl Future<Output = R<Option<ContactCode>>> + Send;
    /// Counts one attempt at the code before it is compared; returns the count (0: no code).
    fn count_code_attempt(
        &self,
        citizen: &UserId,
        channel: Channel,
    ) -> impl Future<Output = R<u32>> + Send;
    /// Marks the contact verified (and forgets its code) or bounced, at `at_ms`. False when
    /// there is no such contact.
    fn set_contact_state(
        &self,
        citizen: &UserId,
        channel: Channel,
        state: ContactState,
        at_ms: i64,
    ) -> impl Future<Output = R<bool>> + Send;

    /// Queues a notice. Conflict when the id is taken.
    fn enqueue_notice(&self, notice: &QueuedNotice) -> impl Future<Output = R<()>> + Send;
    /// Takes up to `limit` queued notices due at `now_ms`, oldest due first, and marks them
    /// `sending` with one more attempt. First, notices left `sending` since before
    /// `lease_cut_ms` (their node stopped) become `uncertain`.
    fn claim_notices(
        &self,
        now_ms: i64,
        lease_cut_ms: i64,
        limit: u32,
    ) -> impl Future<Output = R<Vec<QueuedNotice>>> + Send;
    /// Applies `update` when the notice is in state `expect`; false otherwise (nothing
    /// changed).
    fn update_notice(
        &self,
        id: &str,
        expect: NoticeState,
        update: &NoticeUpdate,
    ) -> impl Future<Output = R<bool>> + Send;
    fn notice(&self, id: &str) -> impl Future<Output = R<Option<QueuedNotice>>> + Send;
    /// The notice a gateway knows by `gateway_ref` on `channel`.
    fn notice_by_ref(
        &self,
        channel: Channel,
        gateway_ref: &str,
    ) -> impl Future<Output = R<Option<QueuedNotice>>> + Send;
    /// The citizen's notices, newest first, at most `limit`.
    fn notices_of(
        &self,
        citizen: &UserId,
        limit: u32,
    ) -> impl Future<Output = R<Vec<QueuedNotice>>> + Send;
    /// When the next queued notice is due, if any.
    fn next_notice_at(&self) -> impl Future<Output = R<Option<i64>>> + Send;

    /// Starts watching the citizen's unread messages in a conversation; a watch already there
    /// keeps its older `unread_since`.
    fn watch_unread(&self, watch: &Watch) -> impl Future<Output = R<()>> + Send;
    /// The citizen read the conversation (or wrote in it): the watch ends.
    fn clear_unread(
        &self,
        citizen: &UserId,
        thread: &ThreadId,
    ) -> impl Future<Output = R<()>> + Send;
    /// Takes up to `limit` watches due at `now_ms` and moves their next look to
    /// `lease_until_ms`, so that no other node decides them meanwhile; they come back with that
    /// next look.
    fn claim_watches(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: u32,
    ) -> impl Future<Output = R<Vec<Watch>>> + Send;
    /// Records a decision on a claimed watch, in one transaction: why the citizen cannot be
    /// reached (empty: he can), the notice it sends, if any, and its next look, unless
    /// [`look_again`](Self::look_again) moved that since the claim (the decision may be
    /// stale; it is made again). False when the watch is gone (he read meanwhile): nothing is
    /// stored.
    fn decide_watch(
        &self,
        claimed: &Watch,
        next_look_ms: i64,
        unreachable: &[String],
        at_ms: i64,
        notice: Option<&QueuedNotice>,
    ) -> impl Future<Output = R<bool>> + Send;
    /// Something about the citizen changed (a number confirmed, a consent given): his watches
    /// are decided again at `now_ms`.
    fn look_again(&self, citizen: &UserId, now_ms: i64) -> impl Future<Output = R<()>> + Send;
    /// The watches of a municipality whose citizen cannot be reached, oldest unread first.
    fn unreachable_watches(&self, tenant: &TenantId) -> impl Future<Output = R<Vec<Watch>>> + Send;
}
