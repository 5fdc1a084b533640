#![doc(hidden)]
//! The storage conformance suite: the one definition of how a [`Store`] behaves.
//!
//! `tests/conformance.rs` runs [`run_all`] against every backend (SQLite and PostgreSQL), each on a
//! freshly migrated, empty store. A backend conforms when every check passes; when the two
//! backends disagree, the fix goes into the backend, and a new rule goes here first.
//!
//! This is test code that lives in the library so that every backend's tests (and any future
//! backend in another crate) can call it without a test-only dependency: it asserts and panics
//! instead of returning errors, and should never be called from the server itself.
//!
//! Every check makes its own tenant, users and threads with fresh ids, so checks do not see each
//! other's rows, except through [`Store::purge`], which is global: the purge checks first purge
//! whatever earlier checks left purgeable and then count only their own envelopes.
//!
//! Layout: this file holds [`run_all`], the makers of fresh ids and records, the small assertion
//! helpers, and the checks that span domains (racing writers, migrating twice); the checks of
//! each domain live in a file named as in the backends (`tenants`, `devices`, `sessions`,
//! `invitations`, `threads`, `inbox`, `audit`, and `trust` for device trust), re-exported here.

mod audit;
mod blobs;
mod contacts;
mod devices;
mod held;
mod inbox;
mod invitations;
mod notices;
mod sessions;
mod tenants;
mod threads;
mod trust;
mod units;

use std::fmt::Debug;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;
use rand_core::{OsRng, RngCore};
use samtale_proto::api::{DeviceInfo, JoinProof, Role, ThreadInfo, ThreadKind};
use samtale_proto::invite::ProofKind;
use samtale_proto::{
    B64, DeviceId, EnvelopeHeader, EnvelopeId, EventBody, InboxEvent, InvitationId, MAX_PAGE,
    PROTOCOL_VERSION, PayloadKind, ReceiptKind, SealedEnvelope, TenantId, ThreadId, UserId,
};
use sha2::{Digest, Sha256};

use super::{Device, Invitation, PutOutcome, Session, Store, StoreError, Tenant, Thread, User};

pub use audit::check_audit;
pub use blobs::{check_blob_attach_and_sweep, check_blob_uploads, check_file_policies};
pub use contacts::check_contacts;
pub use devices::{check_device_logins, check_devices};
pub use held::check_release_queue;
pub use inbox::{
    check_ack_and_purge, check_envelope_for_some, check_envelopes, check_inbox_paging,
    check_purge_keeps_unacked,
};
pub use invitations::{check_invitations, check_redeem_atomicity};
pub use notices::{check_consents, check_notice_queue, check_watches};
pub use sessions::check_sessions;
pub use tenants::{check_tenants, check_users};
pub use threads::{check_set_members, check_threads};
pub use trust::{
    check_accounts, check_device_cap_and_revocation, check_first_device, check_link_requests,
    check_purge_skips_stale_and_revoked, check_reinvitation,
};
pub use units::check_units;

/// One day in milliseconds: "before" in purge checks is this far in the future.
const DAY_MS: i64 = 86_400_000;

/// Runs every check, in order, against `store`, which must be freshly migrated and empty.
/// Panics on the first failure.
pub async fn run_all<S: Store>(store: &S) {
    check_tenants(store).await;
    check_users(store).await;
    check_devices(store).await;
    check_device_logins(store).await;
    check_device_cap_and_revocation(store).await;
    check_accounts(store).await;
    check_link_requests(store).await;
    check_reinvitation(store).await;
    check_first_device(store).await;
    check_sessions(store).await;
    check_invitations(store).await;
    check_redeem_atomicity(store).await;
    check_threads(store).await;
    check_set_members(store).await;
    check_envelopes(store).await;
    check_envelope_for_some(store).await;
    check_release_queue(store).await;
    check_inbox_paging(store).await;
    check_concurrent_writes(store).await;
    check_ack_and_purge(store).await;
    check_purge_keeps_unacked(store).await;
    check_purge_skips_stale_and_revoked(store).await;
    check_audit(store).await;
    check_blob_uploads(store).await;
    check_blob_attach_and_sweep(store).await;
    check_file_policies(store).await;
    check_units(store).await;
    check_contacts(store).await;
    check_consents(store).await;
    check_notice_queue(store).await;
    check_watches(store).await;
    check_migrate_twice(store).await;
}

// ---- fresh values ------------------------------------------------------------------------------

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Random per process, so ids of two runs (or two processes on one database) never meet.
fn run_salt() -> u32 {
    static SALT: OnceLock<u32> = OnceLock::new();
    *SALT.get_or_init(|| OsRng.next_u32())
}

/// A number never handed out before in this process.
fn counter() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A fresh id of any kind: `fresh(UserId::from_parts)`. Ids made later sort later.
fn fresh<T>(make: fn(u64, [u8; 10]) -> T) -> T {
    let mut random = [0u8; 10];
    random[..4].copy_from_slice(&run_salt().to_be_bytes());
    random[4..].copy_from_slice(&counter().to_be_bytes()[2..]);
    make(u64::try_from(now_ms()).unwrap_or(0), random)
}

/// A fresh short text, for slugs, usernames and lookup keys.
fn tag(prefix: &str) -> String {
    format!("{prefix}-{:08x}-{}", run_salt(), counter())
}

fn hash_of(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

// ---- records -----------------------------------------------------------------------------------

fn new_tenant() -> Tenant {
    Tenant {
        id: fresh(TenantId::from_parts),
        name: "Testkommune".into(),
        slug: tag("kommune"),
    }
}

fn new_user(tenant: &Tenant, role: Role, username: Option<String>) -> User {
    User {
        id: fresh(UserId::from_parts),
        tenant: tenant.id.clone(),
        role,
        display_name: format!("{} {}", role.as_str(), counter()),
        username,
        chain: 0,
        disabled: false,
    }
}

fn new_device(user: &UserId, with_proof: bool) -> Device {
    let n = counter();
    Device {
        id: fresh(DeviceId::from_parts),
        user: user.clone(),
        name: format!("device {n}"),
        enc_key: format!("age1testrecipient{n}"),
        sign_key: hash_of(&format!("sign {n}")).to_vec(),
        created_at_ms: now_ms(),
        join_proof: with_proof.then(|| JoinProof {
            invitation: fresh(InvitationId::from_parts),
            kind: ProofKind::Code,
            mac: B64(vec![0xA5; 32]),
        }),
        link: None,
        chain: 0,
        revoked_at_ms: None,
        last_seen_ms: now_ms(),
    }
}

fn new_session(user: &UserId, device: &DeviceId) -> Session {
    let now = now_ms();
    Session {
        token_hash: hash_of(&tag("token")),
        user: user.clone(),
        device: device.clone(),
        created_at_ms: now,
        expires_at_ms: now + DAY_MS,
    }
}

fn new_invitation(
    tenant: &Tenant,
    inviter: &User,
    device: &Device,
    role: Role,
    youth: Option<&User>,
) -> Invitation {
    let now = now_ms();
    Invitation {
        id: fresh(InvitationId::from_parts),
        tenant: tenant.id.clone(),
        inviter: inviter.id.clone(),
        inviter_device: device.id.clone(),
        role,
        display_name: format!("invited {}", counter()),
        youth: youth.map(|y| y.id.clone()),
        lookup: tag("L"),
        check_hash: hash_of(&tag("check")),
        proof_code: vec![1, 2, 3],
        proof_qr: vec![4, 5, 6, 7],
        created_at_ms: now,
        expires_at_ms: now + DAY_MS,
        failed_attempts: 0,
        used_by: None,
        for_user: None,
    }
}

fn new_thread(tenant: &Tenant, creator: &User, kind: ThreadKind) -> Thread {
    Thread {
        id: fresh(ThreadId::from_parts),
        tenant: tenant.id.clone(),
        kind,
        created_by: creator.id.clone(),
        created_at_ms: now_ms(),
        unit: None,
    }
}

fn thread_event(thread: &Thread) -> EventBody {
    EventBody::Thread {
        thread: ThreadInfo {
            id: thread.id.clone(),
            tenant: thread.tenant.clone(),
            kind: thread.kind,
            created_by: thread.created_by.clone(),
            created_at_ms: thread.created_at_ms,
            members: Vec::new(),
            unit: None,
        },
    }
}

fn receipt_event(user: &UserId) -> EventBody {
    EventBody::Receipt {
        thread: fresh(ThreadId::from_parts),
        user: user.clone(),
        device: fresh(DeviceId::from_parts),
        kind: ReceiptKind::Read,
        envelopes: vec![fresh(EnvelopeId::from_parts), fresh(EnvelopeId::from_parts)],
        signature: Some(B64(vec![7; 64])),
    }
}

fn device_event(device: &Device) -> EventBody {
    let info: DeviceInfo = device.info();
    EventBody::Device { device: info }
}

/// An envelope with a fake signature (the store never checks it) and its ciphertext digest.
fn new_envelope(
    thread: &ThreadId,
    sender: &User,
    device: &Device,
    ciphertext: &[u8],
) -> (SealedEnvelope, [u8; 32]) {
    let header = EnvelopeHeader {
        v: PROTOCOL_VERSION,
        id: fresh(EnvelopeId::from_parts),
        thread: thread.clone(),
        sender: sender.id.clone(),
        sender_device: device.id.clone(),
        kind: PayloadKind::Message,
        sent_at_ms: now_ms(),
    };
    let digest: [u8; 32] = Sha256::digest(ciphertext).into();
    (
        SealedEnvelope {
            header,
            ciphertext: B64(ciphertext.to_vec()),
            signature: B64(vec![7; 64]),
        },
        digest,
    )
}

fn envelope_event(envelope: &SealedEnvelope) -> EventBody {
    EventBody::Envelope {
        envelope: envelope.clone(),
    }
}

// ---- small helpers -----------------------------------------------------------------------------

fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{what}: unexpected store error: {e:?}"),
    }
}

fn assert_conflict<T: Debug>(result: Result<T, StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "{what}: expected Conflict, got {result:?}"
    );
}

fn assert_not_found<T: Debug>(result: Result<T, StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::NotFound(_))),
        "{what}: expected NotFound, got {result:?}"
    );
}

fn sorted<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort();
    v
}

async fn make_tenant<S: Store>(store: &S) -> Tenant {
    let t = new_tenant();
    ok(store.create_tenant(&t).await, "create tenant");
    t
}

async fn make_staff<S: Store>(store: &S, tenant: &Tenant, role: Role) -> User {
    let u = new_user(tenant, role, Some(tag("staff")));
    ok(
        store.create_user(&u, Some("$argon2id$fake")).await,
        "create staff",
    );
    u
}

async fn make_citizen<S: Store>(store: &S, tenant: &Tenant, role: Role) -> User {
    let u = new_user(tenant, role, None);
    ok(store.create_user(&u, None).await, "create citizen");
    u
}

async fn make_device<S: Store>(store: &S, user: &User) -> Device {
    let d = new_device(&user.id, false);
    let fanout = ok(
        store
            .add_device(&d, &[], &device_event(&d), now_ms(), 100)
            .await,
        "add device",
    );
    assert!(
        fanout.is_empty(),
        "add_device with nobody to notify fanned out: {fanout:?}"
    );
    d
}

async fn make_thread<S: Store>(
    store: &S,
    tenant: &Tenant,
    creator: &User,
    members: &[&User],
) -> Thread {
    let t = new_thread(tenant, creator, ThreadKind::Youth);
    let ids: Vec<UserId> = members.iter().map(|u| u.id.clone()).collect();
    ok(
        store
            .create_thread(&t, &ids, &thread_event(&t), now_ms())
            .await,
        "create thread",
    );
    t
}

async fn inbox_all<S: Store>(store: &S, user: &UserId) -> Vec<InboxEvent> {
    ok(store.inbox(user, 0, MAX_PAGE).await, "read inbox")
}

async fn last_seq<S: Store>(store: &S, user: &UserId) -> u64 {
    inbox_all(store, user).await.last().map_or(0, |e| e.seq)
}

/// The inbox's sequence numbers are exactly 1, 2, …, n (nothing purged yet).
async fn assert_consecutive<S: Store>(store: &S, user: &UserId) {
    let seqs: Vec<u64> = inbox_all(store, user).await.iter().map(|e| e.seq).collect();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "inbox of {user} is not numbered 1..=n");
}

fn seq_of(fanout: &[(UserId, u64)], user: &UserId) -> u64 {
    let hits: Vec<u64> = fanout
        .iter()
        .filter(|(u, _)| u == user)
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{user} should appear once in the fan-out {fanout:?}"
    );
    hits[0]
}

// ---- checks across domains -------------------------------------------------------------------

/// Writers racing on the same rows: one envelope stored once, sequences never shared, one
/// redemption per invitation, migrations applied once.
pub async fn check_concurrent_writes<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let thread = make_thread(store, &t, &cw, &[&cw, &y]).await;

    let (env, digest) = new_envelope(&thread.id, &cw, &cw_dev, b"raced");
    let puts = join_all((0..8).map(|_| store.put_envelope(&env, &digest, now_ms()))).await;
    let outcomes: Vec<PutOutcome> = puts.into_iter().map(|r| ok(r, "racing put").0).collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == PutOutcome::Stored)
            .count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == PutOutcome::Duplicate)
            .count(),
        7,
        "{outcomes:?}"
    );
    let copies = inbox_all(store, &y.id)
        .await
        .iter()
        .filter(|e| e.body == envelope_event(&env))
        .count();
    assert_eq!(
        copies, 1,
        "a raced envelope reached the inbox {copies} times"
    );

    // Fan-outs over the same users in opposite orders: no deadlock, no shared number.
    let pair = [cw.id.clone(), y.id.clone()];
    let reversed = [y.id.clone(), cw.id.clone()];
    let event = receipt_event(&y.id);
    let appends = join_all((0..16).map(|i| {
        let users = if i % 2 == 0 { &pair[..] } else { &reversed[..] };
        store.append_event(users, &event, now_ms())
    }))
    .await;
    let mut y_seqs: Vec<u64> = appends
        .into_iter()
        .map(|r| seq_of(&ok(r, "racing append"), &y.id))
        .collect();
    y_seqs.sort_unstable();
    let base = y_seqs[0];
    assert_eq!(
        y_seqs,
        (base..base + 16).collect::<Vec<_>>(),
        "raced sequences are not distinct and consecutive"
    );
    assert_consecutive(store, &y.id).await;
    assert_consecutive(store, &cw.id).await;

    // One invitation redeemed by four joiners at once: one wins, the others create nothing.
    let inv = new_invitation(&t, &cw, &cw_dev, Role::Youth, None);
    ok(store.create_invitation(&inv).await, "create invitation");
    let joiners: Vec<(User, Device, Session)> = (0..4)
        .map(|_| {
            let u = new_user(&t, Role::Youth, None);
            let d = new_device(&u.id, true);
            let s = new_session(&u.id, &d.id);
            (u, d, s)
        })
        .collect();
    let redeems = join_all(
        joiners
            .iter()
            .map(|(u, d, s)| store.redeem_invitation(&inv.id, u, d, s)),
    )
    .await;
    let mut winners = Vec::new();
    for (result, (u, _, _)) in redeems.into_iter().zip(&joiners) {
        match result {
            Ok(()) => winners.push(u.id.clone()),
            Err(StoreError::NotFound(_)) => {
                assert_eq!(
                    ok(store.user(&u.id).await, "losing joiner"),
                    None,
                    "a losing redeem created its user"
                );
            }
            Err(e) => panic!("racing redeem: unexpected error {e:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one redeem must win");
    let used_by = ok(store.invitation(&inv.id).await, "invitation").and_then(|i| i.used_by);
    assert_eq!(used_by.as_ref(), winners.first());

    // Membership changes racing on one thread apply one after the other: one list wins whole.
    let extra: Vec<User> = join_all((0..6).map(|_| make_citizen(store, &t, Role::Parent))).await;
    let lists: Vec<Vec<UserId>> = extra
        .iter()
        .map(|u| sorted(&[cw.id.clone(), u.id.clone()]))
        .collect();
    let event = thread_event(&thread);
    let changes = join_all(
        lists
            .iter()
            .map(|l| store.set_members(&thread.id, l, &event, now_ms())),
    )
    .await;
    for c in changes {
        ok(c, "racing set_members");
    }
    let members = ok(store.thread_members(&thread.id).await, "members after race");
    assert!(
        lists.contains(&members),
        "racing set_members merged lists: {members:?}"
    );

    let migrations = join_all((0..3).map(|_| store.migrate())).await;
    for m in migrations {
        ok(m, "racing migrate");
    }
    assert_eq!(
        ok(store.thread(&thread.id).await, "thread after migrate"),
        Some(thread)
    );
}

/// Migrating a migrated store changes nothing.
pub async fn check_migrate_twice<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    ok(store.migrate().await, "migrate again");
    ok(store.migrate().await, "migrate a third time");
    assert_eq!(
        ok(store.tenant(&t.id).await, "tenant after migrate"),
        Some(t)
    );
}
