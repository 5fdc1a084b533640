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

use super::{
    AuditEntry, Device, Invitation, PutOutcome, Session, Store, StoreError, Tenant, Thread, User,
};

/// One day in milliseconds: "before" in purge checks is this far in the future.
const DAY_MS: i64 = 86_400_000;

/// Runs every check, in order, against `store`, which must be freshly migrated and empty.
/// Panics on the first failure.
pub async fn run_all<S: Store>(store: &S) {
    check_tenants(store).await;
    check_users(store).await;
    check_devices(store).await;
    check_device_logins(store).await;
    check_sessions(store).await;
    check_invitations(store).await;
    check_redeem_atomicity(store).await;
    check_threads(store).await;
    check_set_members(store).await;
    check_envelopes(store).await;
    check_inbox_paging(store).await;
    check_concurrent_writes(store).await;
    check_ack_and_purge(store).await;
    check_purge_keeps_unacked(store).await;
    check_audit(store).await;
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
    }
}

fn new_thread(tenant: &Tenant, creator: &User, kind: ThreadKind) -> Thread {
    Thread {
        id: fresh(ThreadId::from_parts),
        tenant: tenant.id.clone(),
        kind,
        created_by: creator.id.clone(),
        created_at_ms: now_ms(),
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
        store.add_device(&d, &[], &device_event(&d), now_ms()).await,
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

// ---- the checks --------------------------------------------------------------------------------

/// Tenants are found by id and slug; slugs and ids are unique.
pub async fn check_tenants<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    assert_eq!(ok(store.tenant(&t.id).await, "tenant"), Some(t.clone()));
    assert_eq!(
        ok(store.tenant_by_slug(&t.slug).await, "tenant by slug"),
        Some(t.clone())
    );
    assert_eq!(
        ok(store.tenant_by_slug(&tag("missing")).await, "unknown slug"),
        None
    );
    assert_eq!(
        ok(
            store.tenant(&fresh(TenantId::from_parts)).await,
            "unknown tenant"
        ),
        None
    );

    let same_slug = Tenant {
        id: fresh(TenantId::from_parts),
        name: "Other".into(),
        slug: t.slug.clone(),
    };
    assert_conflict(store.create_tenant(&same_slug).await, "duplicate slug");
    assert_eq!(
        ok(store.tenant(&same_slug.id).await, "refused tenant"),
        None
    );

    let same_id = Tenant {
        id: t.id.clone(),
        name: "Other".into(),
        slug: tag("other"),
    };
    assert_conflict(store.create_tenant(&same_id).await, "duplicate tenant id");
    assert_eq!(
        ok(
            store.tenant_by_slug(&same_id.slug).await,
            "refused tenant slug"
        ),
        None
    );
    assert_eq!(ok(store.tenant(&t.id).await, "tenant unchanged"), Some(t));
}

/// Usernames are unique per tenant only; staff log in with a hash, citizens cannot.
pub async fn check_users<S: Store>(store: &S) {
    let a = make_tenant(store).await;
    let b = make_tenant(store).await;
    let name = tag("anne");

    let anne = new_user(&a, Role::Caseworker, Some(name.clone()));
    ok(
        store.create_user(&anne, Some("hash-anne")).await,
        "create staff",
    );
    assert_eq!(ok(store.user(&anne.id).await, "user"), Some(anne.clone()));

    let twin = new_user(&a, Role::Admin, Some(name.clone()));
    assert_conflict(
        store.create_user(&twin, Some("hash-twin")).await,
        "same username, same tenant",
    );
    assert_eq!(ok(store.user(&twin.id).await, "refused user"), None);

    let again = User {
        username: Some(tag("other")),
        ..anne.clone()
    };
    assert_conflict(store.create_user(&again, None).await, "duplicate user id");

    let anne_b = new_user(&b, Role::Admin, Some(name.clone()));
    ok(
        store.create_user(&anne_b, Some("hash-b")).await,
        "same username in another tenant",
    );

    assert_eq!(
        ok(store.staff_login(&a.id, &name).await, "staff login"),
        Some((anne.clone(), "hash-anne".to_owned()))
    );
    assert_eq!(
        ok(store.staff_login(&b.id, &name).await, "staff login b"),
        Some((anne_b, "hash-b".to_owned()))
    );
    assert_eq!(
        ok(
            store.staff_login(&a.id, &tag("nobody")).await,
            "unknown username"
        ),
        None
    );
    assert_eq!(
        ok(
            store.staff_login(&fresh(TenantId::from_parts), &name).await,
            "unknown tenant"
        ),
        None
    );

    // A username without a password hash cannot log in.
    let no_hash = new_user(&a, Role::Caseworker, Some(tag("nohash")));
    ok(
        store.create_user(&no_hash, None).await,
        "staff without hash",
    );
    let login = ok(
        store
            .staff_login(&a.id, no_hash.username.as_deref().unwrap_or_default())
            .await,
        "login without hash",
    );
    assert_eq!(login, None);

    // Citizens have no username; many of them live in one tenant.
    let youth = make_citizen(store, &a, Role::Youth).await;
    let parent = make_citizen(store, &a, Role::Parent).await;
    assert_eq!(ok(store.user(&youth.id).await, "youth"), Some(youth));
    assert_eq!(ok(store.user(&parent.id).await, "parent"), Some(parent));
    assert_eq!(
        ok(store.user(&fresh(UserId::from_parts)).await, "unknown user"),
        None
    );
}

/// A new device is stored whole and announced, once each, to the users to notify, atomically.
pub async fn check_devices<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let owner = make_staff(store, &t, Role::Caseworker).await;
    let b = make_citizen(store, &t, Role::Youth).await;
    let c = make_citizen(store, &t, Role::Parent).await;
    let before = ok(
        store
            .append_event(std::slice::from_ref(&b.id), &receipt_event(&b.id), 10)
            .await,
        "prior event",
    );
    assert_eq!(before, vec![(b.id.clone(), 1)]);

    let dev = new_device(&owner.id, true);
    let event = device_event(&dev);
    let at = now_ms();
    let fanout = ok(
        store
            .add_device(&dev, &[b.id.clone(), c.id.clone()], &event, at)
            .await,
        "add device",
    );
    assert_eq!(fanout, vec![(b.id.clone(), 2), (c.id.clone(), 1)]);
    assert_eq!(ok(store.device(&dev.id).await, "device"), Some(dev.clone()));
    assert_eq!(
        ok(store.inbox(&b.id, 1, 10).await, "b inbox"),
        vec![InboxEvent {
            seq: 2,
            at_ms: at,
            body: event.clone()
        }]
    );
    assert_eq!(
        inbox_all(store, &c.id).await,
        vec![InboxEvent {
            seq: 1,
            at_ms: at,
            body: event
        }]
    );
    assert!(
        inbox_all(store, &owner.id).await.is_empty(),
        "the owner was not on the notify list"
    );

    let dev2 = make_device(store, &owner).await;
    let mut expected = vec![dev.clone(), dev2];
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(
        ok(store.devices_of(&owner.id).await, "devices of"),
        expected
    );
    assert!(ok(store.devices_of(&b.id).await, "devices of b").is_empty());
    assert_eq!(
        ok(
            store.device(&fresh(DeviceId::from_parts)).await,
            "unknown device"
        ),
        None
    );

    // A clashing id changes nothing: no device, no inbox entry, no sequence number spent.
    let clash = Device {
        name: "impostor".into(),
        ..dev.clone()
    };
    assert_conflict(
        store
            .add_device(
                &clash,
                std::slice::from_ref(&b.id),
                &device_event(&clash),
                at,
            )
            .await,
        "duplicate device",
    );
    assert_eq!(
        ok(store.device(&dev.id).await, "device unchanged"),
        Some(dev)
    );
    assert_eq!(inbox_all(store, &b.id).await.len(), 2);
    let next = ok(
        store
            .append_event(std::slice::from_ref(&b.id), &receipt_event(&b.id), at)
            .await,
        "next event",
    );
    assert_eq!(
        next,
        vec![(b.id.clone(), 3)],
        "a refused add_device spent a sequence number"
    );
}

/// A device login is claimed once per time: later ones pass, the same or an older one (a
/// replay) does not, and claims on one device leave others alone. Parallel claims of one time
/// let exactly one through.
pub async fn check_device_logins<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let youth = make_citizen(store, &t, Role::Youth).await;
    let a = make_device(store, &youth).await;
    let b = make_device(store, &youth).await;
    let at = now_ms();
    assert!(ok(store.claim_device_login(&a.id, at).await, "first"));
    assert!(!ok(store.claim_device_login(&a.id, at).await, "replay"));
    assert!(!ok(store.claim_device_login(&a.id, at - 1).await, "older"));
    assert!(ok(
        store.claim_device_login(&b.id, at - 1).await,
        "other device"
    ));
    assert!(ok(store.claim_device_login(&a.id, at + 1).await, "later"));
    assert!(!ok(
        store
            .claim_device_login(&fresh(DeviceId::from_parts), at)
            .await,
        "unknown device"
    ));
    let claims = join_all((0..8).map(|_| store.claim_device_login(&b.id, at + 10))).await;
    let won = claims
        .into_iter()
        .map(|r| ok(r, "parallel claim"))
        .filter(|w| *w)
        .count();
    assert_eq!(won, 1, "parallel claims of one time");
}

/// Sessions are found by token hash; rotation swaps atomically and needs the old one.
pub async fn check_sessions<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let u = make_staff(store, &t, Role::Caseworker).await;
    let d = make_device(store, &u).await;

    let s1 = new_session(&u.id, &d.id);
    ok(store.create_session(&s1).await, "create session");
    assert_eq!(
        ok(store.session(&s1.token_hash).await, "session"),
        Some(s1.clone())
    );
    assert_eq!(
        ok(
            store.session(&hash_of(&tag("unknown"))).await,
            "unknown session"
        ),
        None
    );

    let s2 = new_session(&u.id, &d.id);
    ok(store.rotate_session(&s1.token_hash, &s2).await, "rotate");
    assert_eq!(
        ok(store.session(&s1.token_hash).await, "old session"),
        None,
        "rotation kept the old session"
    );
    assert_eq!(
        ok(store.session(&s2.token_hash).await, "new session"),
        Some(s2.clone())
    );

    let s3 = new_session(&u.id, &d.id);
    assert_not_found(
        store.rotate_session(&s1.token_hash, &s3).await,
        "rotate a gone session",
    );
    assert_eq!(
        ok(store.session(&s3.token_hash).await, "refused rotation"),
        None
    );

    ok(store.delete_session(&s2.token_hash).await, "delete session");
    assert_eq!(
        ok(store.session(&s2.token_hash).await, "deleted session"),
        None
    );
    ok(
        store.delete_session(&s2.token_hash).await,
        "deleting twice is fine",
    );
}

/// Invitations: unique ids and live lookup keys, failed attempts, one-time redemption.
pub async fn check_invitations<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let youth = make_citizen(store, &t, Role::Youth).await;

    let inv = new_invitation(&t, &cw, &cw_dev, Role::Youth, None);
    let inv_parent = new_invitation(&t, &cw, &cw_dev, Role::Parent, Some(&youth));
    ok(store.create_invitation(&inv).await, "create invitation");
    ok(
        store.create_invitation(&inv_parent).await,
        "create parent invitation",
    );
    assert_eq!(
        ok(store.invitation(&inv.id).await, "invitation"),
        Some(inv.clone())
    );
    assert_eq!(
        ok(store.invitation(&inv_parent.id).await, "parent invitation"),
        Some(inv_parent.clone())
    );
    assert_eq!(
        ok(store.invitation_by_lookup(&inv.lookup).await, "by lookup"),
        Some(inv.clone())
    );
    assert_eq!(
        ok(
            store.invitation_by_lookup(&tag("L")).await,
            "unknown lookup"
        ),
        None
    );
    assert_eq!(
        ok(
            store.invitation(&fresh(InvitationId::from_parts)).await,
            "unknown invitation"
        ),
        None
    );

    let same_id = Invitation {
        lookup: tag("L"),
        ..inv.clone()
    };
    assert_conflict(
        store.create_invitation(&same_id).await,
        "duplicate invitation id",
    );
    assert_eq!(
        ok(
            store.invitation_by_lookup(&same_id.lookup).await,
            "refused invitation"
        ),
        None
    );
    let same_lookup = Invitation {
        id: fresh(InvitationId::from_parts),
        ..inv.clone()
    };
    assert_conflict(
        store.create_invitation(&same_lookup).await,
        "live lookup clash",
    );
    assert_eq!(
        ok(
            store.invitation(&same_lookup.id).await,
            "refused invitation"
        ),
        None
    );

    let mut expected = vec![inv.clone(), inv_parent.clone()];
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(
        ok(store.invitations_by(&cw.id).await, "invitations by"),
        expected
    );
    assert!(
        ok(
            store.invitations_by(&youth.id).await,
            "invitations by youth"
        )
        .is_empty()
    );

    assert_eq!(
        ok(store.count_failed_attempt(&inv.id).await, "failed attempt"),
        1
    );
    assert_eq!(
        ok(store.count_failed_attempt(&inv.id).await, "failed attempt"),
        2
    );
    let counted = ok(store.invitation(&inv.id).await, "invitation").map(|i| i.failed_attempts);
    assert_eq!(counted, Some(2));
    // A right code gives its attempt back; never below zero.
    ok(store.release_attempt(&inv.id).await, "release");
    let counted = ok(store.invitation(&inv.id).await, "invitation").map(|i| i.failed_attempts);
    assert_eq!(counted, Some(1));
    ok(store.release_attempt(&inv.id).await, "release");
    ok(store.release_attempt(&inv.id).await, "release at zero");
    let counted = ok(store.invitation(&inv.id).await, "invitation").map(|i| i.failed_attempts);
    assert_eq!(counted, Some(0));
    assert_eq!(
        ok(
            store.count_failed_attempt(&inv.id).await,
            "attempt after release"
        ),
        1
    );
    assert_eq!(
        ok(
            store.count_failed_attempt(&inv.id).await,
            "attempt after release"
        ),
        2
    );
    assert_not_found(
        store
            .count_failed_attempt(&fresh(InvitationId::from_parts))
            .await,
        "attempt on unknown",
    );

    // Redeeming creates the user, the device and the session, and uses the invitation up.
    let user = new_user(&t, Role::Youth, None);
    let dev = new_device(&user.id, true);
    let sess = new_session(&user.id, &dev.id);
    ok(
        store.redeem_invitation(&inv.id, &user, &dev, &sess).await,
        "redeem",
    );
    assert_eq!(
        ok(store.user(&user.id).await, "redeemed user"),
        Some(user.clone())
    );
    assert_eq!(
        ok(store.device(&dev.id).await, "redeemed device"),
        Some(dev)
    );
    assert_eq!(
        ok(store.session(&sess.token_hash).await, "redeemed session"),
        Some(sess)
    );
    let used = ok(store.invitation(&inv.id).await, "used invitation");
    assert_eq!(
        used.as_ref().and_then(|i| i.used_by.clone()),
        Some(user.id.clone())
    );
    assert_eq!(used.map(|i| i.failed_attempts), Some(2));
    assert_eq!(
        ok(store.invitation_by_lookup(&inv.lookup).await, "used lookup"),
        None
    );

    // The second redemption fails and creates nothing.
    let user2 = new_user(&t, Role::Youth, None);
    let dev2 = new_device(&user2.id, true);
    let sess2 = new_session(&user2.id, &dev2.id);
    assert_not_found(
        store
            .redeem_invitation(&inv.id, &user2, &dev2, &sess2)
            .await,
        "second redeem",
    );
    assert_eq!(
        ok(store.user(&user2.id).await, "second user"),
        None,
        "a refused redeem created its user"
    );
    assert_eq!(ok(store.device(&dev2.id).await, "second device"), None);
    assert_eq!(
        ok(store.session(&sess2.token_hash).await, "second session"),
        None
    );
    let still = ok(store.invitation(&inv.id).await, "invitation").and_then(|i| i.used_by);
    assert_eq!(still, Some(user.id.clone()));
    assert_not_found(
        store
            .redeem_invitation(&fresh(InvitationId::from_parts), &user2, &dev2, &sess2)
            .await,
        "redeem unknown",
    );
    assert_eq!(ok(store.user(&user2.id).await, "second user"), None);

    // A used invitation frees its lookup key.
    let reuse = Invitation {
        id: fresh(InvitationId::from_parts),
        ..inv.clone()
    };
    ok(store.create_invitation(&reuse).await, "reuse a used lookup");
    assert_eq!(
        ok(
            store.invitation_by_lookup(&inv.lookup).await,
            "reused lookup"
        ),
        Some(reuse)
    );
    assert_eq!(
        ok(store.invitations_by(&cw.id).await, "invitations by").len(),
        3
    );
}

/// A redeem that fails half-way (the user id is taken) leaves the invitation unused.
pub async fn check_redeem_atomicity<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let existing = make_citizen(store, &t, Role::Parent).await;
    let inv = new_invitation(&t, &cw, &cw_dev, Role::Parent, None);
    ok(store.create_invitation(&inv).await, "create invitation");

    let dev = new_device(&existing.id, true);
    let sess = new_session(&existing.id, &dev.id);
    assert_conflict(
        store
            .redeem_invitation(&inv.id, &existing, &dev, &sess)
            .await,
        "redeem as existing user",
    );
    assert_eq!(
        ok(store.invitation_by_lookup(&inv.lookup).await, "still live"),
        Some(inv.clone())
    );
    assert_eq!(ok(store.device(&dev.id).await, "no device"), None);

    // A device id that is taken undoes the user and the use of the invitation.
    let user = new_user(&t, Role::Parent, None);
    let taken = Device {
        user: user.id.clone(),
        ..cw_dev.clone()
    };
    let sess = new_session(&user.id, &taken.id);
    assert_conflict(
        store.redeem_invitation(&inv.id, &user, &taken, &sess).await,
        "redeem with taken device id",
    );
    assert_eq!(ok(store.user(&user.id).await, "undone user"), None);
    assert_eq!(
        ok(store.invitation_by_lookup(&inv.lookup).await, "still live"),
        Some(inv)
    );
    assert_eq!(
        ok(store.device(&cw_dev.id).await, "device unchanged"),
        Some(cw_dev)
    );
}

/// Creating a thread stores it with its members and tells each member exactly once.
pub async fn check_threads<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let p = make_citizen(store, &t, Role::Parent).await;
    let outsider = make_citizen(store, &t, Role::Youth).await;
    ok(
        store
            .append_event(std::slice::from_ref(&y.id), &receipt_event(&y.id), 1)
            .await,
        "prior event",
    );

    let thread = new_thread(&t, &cw, ThreadKind::Youth);
    let event = thread_event(&thread);
    let at = now_ms();
    let listed = [cw.id.clone(), y.id.clone(), cw.id.clone()];
    let fanout = ok(
        store.create_thread(&thread, &listed, &event, at).await,
        "create thread",
    );
    assert_eq!(
        fanout,
        sorted(&[(cw.id.clone(), 1), (y.id.clone(), 2)]),
        "one event per member, by user id"
    );
    assert_eq!(
        inbox_all(store, &cw.id).await,
        vec![InboxEvent {
            seq: 1,
            at_ms: at,
            body: event.clone()
        }]
    );
    assert_eq!(
        ok(store.inbox(&y.id, 1, 10).await, "y inbox"),
        vec![InboxEvent {
            seq: 2,
            at_ms: at,
            body: event
        }]
    );
    assert!(inbox_all(store, &outsider.id).await.is_empty());

    assert_eq!(
        ok(store.thread(&thread.id).await, "thread"),
        Some(thread.clone())
    );
    assert_eq!(
        ok(
            store.thread(&fresh(ThreadId::from_parts)).await,
            "unknown thread"
        ),
        None
    );
    assert_eq!(
        ok(store.thread_members(&thread.id).await, "members"),
        sorted(&[cw.id.clone(), y.id.clone()])
    );
    assert_eq!(
        ok(store.threads_of(&cw.id).await, "threads of"),
        vec![thread.clone()]
    );
    assert!(ok(store.threads_of(&outsider.id).await, "threads of outsider").is_empty());
    assert_eq!(
        ok(store.contacts_of(&cw.id).await, "contacts"),
        vec![y.id.clone()]
    );
    assert_eq!(
        ok(store.contacts_of(&y.id).await, "contacts"),
        vec![cw.id.clone()]
    );
    assert!(
        ok(
            store.contacts_of(&outsider.id).await,
            "contacts of outsider"
        )
        .is_empty()
    );

    let family = new_thread(&t, &cw, ThreadKind::Family);
    let members = [cw.id.clone(), y.id.clone(), p.id.clone()];
    let fanout = ok(
        store
            .create_thread(&family, &members, &thread_event(&family), at + 1)
            .await,
        "family",
    );
    assert_eq!(
        fanout,
        sorted(&[(cw.id.clone(), 2), (y.id.clone(), 3), (p.id.clone(), 1)])
    );
    let mut both = vec![thread.clone(), family.clone()];
    both.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(ok(store.threads_of(&cw.id).await, "threads of"), both);
    assert_eq!(
        ok(store.contacts_of(&cw.id).await, "contacts"),
        sorted(&[y.id.clone(), p.id.clone()])
    );
    assert_eq!(
        ok(store.contacts_of(&p.id).await, "contacts"),
        sorted(&[cw.id.clone(), y.id.clone()])
    );

    // A clashing id changes nothing and tells nobody.
    let clash = Thread {
        kind: ThreadKind::Parents,
        ..thread.clone()
    };
    assert_conflict(
        store
            .create_thread(
                &clash,
                std::slice::from_ref(&outsider.id),
                &thread_event(&clash),
                at,
            )
            .await,
        "duplicate thread",
    );
    assert_eq!(
        ok(store.thread(&thread.id).await, "thread unchanged"),
        Some(thread)
    );
    assert!(
        inbox_all(store, &outsider.id).await.is_empty(),
        "a refused thread reached an outsider"
    );
    for u in [&cw, &y, &p] {
        assert_consecutive(store, &u.id).await;
    }
}

/// Replacing the members tells old and new members, once each.
pub async fn check_set_members<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let p = make_citizen(store, &t, Role::Parent).await;
    let bystander = make_citizen(store, &t, Role::Parent).await;
    let thread = make_thread(store, &t, &cw, &[&cw, &y]).await;

    let event = thread_event(&thread);
    let at = now_ms();
    let new_members = [p.id.clone(), cw.id.clone(), p.id.clone()];
    let fanout = ok(
        store
            .set_members(&thread.id, &new_members, &event, at)
            .await,
        "set members",
    );
    assert_eq!(
        fanout,
        sorted(&[(cw.id.clone(), 2), (y.id.clone(), 2), (p.id.clone(), 1)])
    );
    assert_eq!(
        ok(store.thread_members(&thread.id).await, "members"),
        sorted(&[cw.id.clone(), p.id.clone()])
    );
    let last = InboxEvent {
        seq: 2,
        at_ms: at,
        body: event,
    };
    assert_eq!(
        inbox_all(store, &y.id).await.last(),
        Some(&last),
        "the removed member is told too"
    );
    assert!(inbox_all(store, &bystander.id).await.is_empty());
    assert!(ok(store.threads_of(&y.id).await, "threads of removed").is_empty());
    assert!(ok(store.contacts_of(&y.id).await, "contacts of removed").is_empty());
    assert_eq!(
        ok(store.contacts_of(&cw.id).await, "contacts"),
        vec![p.id.clone()]
    );
    assert_eq!(
        ok(store.threads_of(&p.id).await, "threads of added"),
        vec![thread.clone()]
    );

    // Emptying a thread still tells the members it had.
    let fanout = ok(
        store
            .set_members(&thread.id, &[], &thread_event(&thread), at)
            .await,
        "empty thread",
    );
    assert_eq!(fanout, sorted(&[(cw.id.clone(), 3), (p.id.clone(), 2)]));
    assert!(ok(store.thread_members(&thread.id).await, "members").is_empty());
    assert!(ok(store.contacts_of(&cw.id).await, "contacts").is_empty());
    for u in [&cw, &y, &p] {
        assert_consecutive(store, &u.id).await;
    }
}

/// Envelopes are stored once and fanned out to the members; retries and clashes change nothing.
pub async fn check_envelopes<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let outsider = make_citizen(store, &t, Role::Youth).await;
    let thread = make_thread(store, &t, &cw, &[&cw, &y]).await;

    let (env, digest) = new_envelope(&thread.id, &cw, &cw_dev, b"sealed one");
    let at = now_ms();
    let (outcome, fanout) = ok(store.put_envelope(&env, &digest, at).await, "put envelope");
    assert_eq!(outcome, PutOutcome::Stored);
    assert_eq!(fanout, sorted(&[(cw.id.clone(), 2), (y.id.clone(), 2)]));
    let stored = InboxEvent {
        seq: 2,
        at_ms: at,
        body: envelope_event(&env),
    };
    assert_eq!(
        ok(store.inbox(&y.id, 1, 10).await, "y inbox"),
        vec![stored.clone()]
    );
    assert_eq!(
        ok(store.inbox(&cw.id, 1, 10).await, "cw inbox"),
        vec![stored.clone()]
    );
    assert!(inbox_all(store, &outsider.id).await.is_empty());
    assert_eq!(
        ok(
            store.envelope_thread(&env.header.id).await,
            "envelope thread"
        ),
        Some(thread.id.clone())
    );
    assert_eq!(
        ok(
            store.envelope_thread(&fresh(EnvelopeId::from_parts)).await,
            "unknown envelope"
        ),
        None
    );

    // The same envelope again: stored once.
    let again = ok(store.put_envelope(&env, &digest, at + 5).await, "retry");
    assert_eq!(again, (PutOutcome::Duplicate, Vec::new()));

    // The same id with other content: refused.
    let mut other = env.clone();
    other.ciphertext = B64(b"sealed two".to_vec());
    let other_digest: [u8; 32] = Sha256::digest(other.ciphertext.as_slice()).into();
    let refused = ok(store.put_envelope(&other, &other_digest, at).await, "clash");
    assert_eq!(refused, (PutOutcome::Conflict, Vec::new()));
    let mut other_header = env.clone();
    other_header.header.sent_at_ms += 1;
    let refused = ok(
        store.put_envelope(&other_header, &digest, at).await,
        "header clash",
    );
    assert_eq!(refused, (PutOutcome::Conflict, Vec::new()));
    let refused = ok(
        store.put_envelope(&env, &other_digest, at).await,
        "digest clash",
    );
    assert_eq!(refused, (PutOutcome::Conflict, Vec::new()));
    assert_eq!(
        ok(store.inbox(&y.id, 1, 10).await, "y inbox unchanged"),
        vec![stored.clone()]
    );
    assert_eq!(
        ok(store.inbox(&cw.id, 1, 10).await, "cw inbox unchanged"),
        vec![stored]
    );

    // The next envelope takes the next numbers.
    let (env2, digest2) = new_envelope(&thread.id, &cw, &cw_dev, b"sealed three");
    let (outcome, fanout) = ok(
        store.put_envelope(&env2, &digest2, at + 10).await,
        "second envelope",
    );
    assert_eq!(outcome, PutOutcome::Stored);
    assert_eq!(fanout, sorted(&[(cw.id.clone(), 3), (y.id.clone(), 3)]));
    assert_consecutive(store, &y.id).await;
}

/// Pages come oldest first, after `since`, at most `limit`, across every kind of event.
pub async fn check_inbox_paging<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let y = make_citizen(store, &t, Role::Youth).await;

    // Stored times are kept as given, even when they do not follow the sequence.
    let receipt = receipt_event(&y.id);
    ok(
        store
            .append_event(std::slice::from_ref(&y.id), &receipt, 1_000)
            .await,
        "receipt",
    );
    let thread = new_thread(&t, &cw, ThreadKind::Youth);
    let thread_ev = thread_event(&thread);
    ok(
        store
            .create_thread(&thread, &[cw.id.clone(), y.id.clone()], &thread_ev, 5_000)
            .await,
        "thread",
    );
    let (env, digest) = new_envelope(&thread.id, &cw, &cw_dev, b"paged");
    ok(store.put_envelope(&env, &digest, 3_000).await, "envelope");
    let dev = new_device(&cw.id, false);
    let dev_ev = device_event(&dev);
    ok(
        store
            .add_device(&dev, std::slice::from_ref(&y.id), &dev_ev, 4_000)
            .await,
        "device",
    );
    // Users in any order: the fan-out follows the order given.
    let receipt2 = receipt_event(&cw.id);
    let (first, second) = if y.id > cw.id { (&y, &cw) } else { (&cw, &y) };
    let fanout = ok(
        store
            .append_event(&[first.id.clone(), second.id.clone()], &receipt2, 2_000)
            .await,
        "receipt 2",
    );
    let cw_seq = last_seq(store, &cw.id).await;
    let expected_fanout: Vec<(UserId, u64)> = [first, second]
        .iter()
        .map(|u| (u.id.clone(), if u.id == y.id { 5 } else { cw_seq }))
        .collect();
    assert_eq!(fanout, expected_fanout);

    let all = inbox_all(store, &y.id).await;
    let expected = vec![
        InboxEvent {
            seq: 1,
            at_ms: 1_000,
            body: receipt,
        },
        InboxEvent {
            seq: 2,
            at_ms: 5_000,
            body: thread_ev,
        },
        InboxEvent {
            seq: 3,
            at_ms: 3_000,
            body: envelope_event(&env),
        },
        InboxEvent {
            seq: 4,
            at_ms: 4_000,
            body: dev_ev,
        },
        InboxEvent {
            seq: 5,
            at_ms: 2_000,
            body: receipt2,
        },
    ];
    assert_eq!(all, expected);
    assert_eq!(
        ok(store.inbox(&y.id, 0, 2).await, "page 1"),
        expected[0..2].to_vec()
    );
    assert_eq!(
        ok(store.inbox(&y.id, 2, 2).await, "page 2"),
        expected[2..4].to_vec()
    );
    assert_eq!(
        ok(store.inbox(&y.id, 4, 2).await, "page 3"),
        expected[4..].to_vec()
    );
    assert!(ok(store.inbox(&y.id, 5, 2).await, "past the end").is_empty());
    assert!(ok(store.inbox(&y.id, 0, 0).await, "limit 0").is_empty());
    assert_eq!(
        ok(store.inbox(&y.id, 3, 100).await, "from the middle"),
        expected[3..].to_vec()
    );
    assert!(ok(store.inbox(&y.id, u64::MAX, 10).await, "huge since").is_empty());
    assert!(
        inbox_all(store, &fresh(UserId::from_parts))
            .await
            .is_empty()
    );
    assert!(
        ok(
            store.append_event(&[], &receipt_event(&y.id), 1).await,
            "nobody"
        )
        .is_empty()
    );
}

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

/// Nothing is purged until every device of every recipient acknowledged it and it is older than
/// `before_ms`; acknowledgements never move backwards; sequences go on after a purge.
pub async fn check_ack_and_purge<S: Store>(store: &S) {
    let future = now_ms() + DAY_MS;
    ok(store.purge(future).await, "purge what earlier checks left");

    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let c1 = make_device(store, &cw).await;
    let c2 = make_device(store, &cw).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let y1 = make_device(store, &y).await;
    let thread = make_thread(store, &t, &cw, &[&cw, &y]).await;
    let (env, digest) = new_envelope(&thread.id, &cw, &c1, b"to be purged");
    let at = now_ms();
    let (_, fanout) = ok(store.put_envelope(&env, &digest, at).await, "put envelope");
    let (cw_seq, y_seq) = (seq_of(&fanout, &cw.id), seq_of(&fanout, &y.id));

    assert_eq!(ok(store.purge(future).await, "purge before any ack"), 0);
    assert!(
        inbox_all(store, &y.id)
            .await
            .iter()
            .any(|e| e.body == envelope_event(&env))
    );

    ok(store.ack(&c1.id, cw_seq).await, "ack c1");
    ok(store.ack(&y1.id, y_seq + 10).await, "ack y1 ahead");
    ok(store.ack(&y1.id, 0).await, "ack y1 backwards");
    ok(
        store.ack(&fresh(DeviceId::from_parts), 5).await,
        "ack of an unknown device is ignored",
    );
    assert_eq!(
        ok(store.purge(future).await, "purge with one device behind"),
        0
    );
    assert!(
        inbox_all(store, &y.id).await.is_empty(),
        "y's acknowledged entries stay after the purge"
    );
    let cw_inbox = inbox_all(store, &cw.id).await;
    assert_eq!(
        cw_inbox.last().map(|e| &e.body),
        Some(&envelope_event(&env)),
        "cw's second device lost it"
    );
    assert_eq!(
        ok(store.envelope_thread(&env.header.id).await, "still stored"),
        Some(thread.id.clone())
    );

    ok(store.ack(&c2.id, cw_seq).await, "ack c2");
    assert_eq!(
        ok(store.purge(at).await, "purge before its time"),
        0,
        "before_ms is exclusive"
    );
    assert!(
        inbox_all(store, &cw.id)
            .await
            .iter()
            .any(|e| e.body == envelope_event(&env))
    );
    assert_eq!(ok(store.purge(future).await, "purge"), 1);
    assert!(inbox_all(store, &cw.id).await.is_empty());
    assert_eq!(
        ok(store.envelope_thread(&env.header.id).await, "purged"),
        None
    );
    assert_eq!(ok(store.purge(future).await, "purge again"), 0);

    let next = ok(
        store
            .append_event(std::slice::from_ref(&y.id), &receipt_event(&y.id), at)
            .await,
        "after purge",
    );
    assert_eq!(
        next,
        vec![(y.id.clone(), y_seq + 1)],
        "a purge must not reset inbox sequences"
    );
    assert_eq!(
        ok(store.inbox(&y.id, y_seq, 10).await, "after purge").len(),
        1
    );
}

/// A member who has not acknowledged keeps the entry and the envelope. A member with no device
/// at all (staff who never logged in) holds nothing up: no device of theirs could open it later.
pub async fn check_purge_keeps_unacked<S: Store>(store: &S) {
    let future = now_ms() + DAY_MS;
    ok(store.purge(future).await, "purge what earlier checks left");

    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let y_dev = make_device(store, &y).await;
    let p = make_citizen(store, &t, Role::Parent).await;
    let thread = make_thread(store, &t, &cw, &[&cw, &y, &p]).await;
    let (env, digest) = new_envelope(&thread.id, &cw, &cw_dev, b"kept");
    let (_, fanout) = ok(
        store.put_envelope(&env, &digest, now_ms()).await,
        "put envelope",
    );

    ok(
        store.ack(&cw_dev.id, seq_of(&fanout, &cw.id)).await,
        "ack cw",
    );
    assert_eq!(ok(store.purge(future).await, "purge"), 0);
    assert!(
        inbox_all(store, &cw.id).await.is_empty(),
        "the acknowledged entries go"
    );
    let held = |inbox: Vec<InboxEvent>| inbox.iter().any(|e| e.body == envelope_event(&env));
    assert!(
        held(inbox_all(store, &y.id).await),
        "the un-acked member lost the envelope"
    );
    assert!(
        !held(inbox_all(store, &p.id).await),
        "a member without devices holds nothing up"
    );
    assert_eq!(
        ok(store.envelope_thread(&env.header.id).await, "kept"),
        Some(thread.id.clone())
    );

    ok(store.ack(&y_dev.id, seq_of(&fanout, &y.id)).await, "ack y");
    assert_eq!(
        ok(store.purge(future).await, "purge"),
        1,
        "purged once every device has it"
    );
    assert_eq!(
        ok(store.envelope_thread(&env.header.id).await, "gone"),
        None
    );
}

/// The audit log keeps entries per tenant in the order they came.
pub async fn check_audit<S: Store>(store: &S) {
    let a = make_tenant(store).await;
    let b = make_tenant(store).await;
    let actor = fresh(UserId::from_parts);
    let e1 = AuditEntry {
        tenant: a.id.clone(),
        at_ms: now_ms(),
        actor: Some(actor),
        action: "invitation.create".into(),
        subject: fresh(InvitationId::from_parts).to_string(),
    };
    let e2 = AuditEntry {
        actor: None,
        action: "tenant.create".into(),
        at_ms: 1,
        ..e1.clone()
    };
    let e3 = AuditEntry {
        tenant: b.id.clone(),
        action: "thread.members".into(),
        ..e1.clone()
    };
    for e in [&e1, &e2, &e3] {
        ok(store.audit(e).await, "audit");
    }
    assert_eq!(
        ok(store.audit_log(&a.id, 10).await, "audit log"),
        vec![e1.clone(), e2]
    );
    assert_eq!(
        ok(store.audit_log(&a.id, 1).await, "audit log limit"),
        vec![e1]
    );
    assert_eq!(
        ok(store.audit_log(&b.id, 10).await, "other tenant"),
        vec![e3]
    );
    assert!(
        ok(
            store.audit_log(&fresh(TenantId::from_parts), 10).await,
            "unknown tenant"
        )
        .is_empty()
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
