//! Conformance checks for device trust: the device cap (also under racing writers), revoking a
//! device, last-seen times, ending sessions, disabling people, setting passwords, starting a
//! new key chain, link requests from creation to claim, and what the purge skips and prunes.
//! `run_all` in `mod.rs` calls them.

use futures_util::future::join_all;
use samtale_proto::api::Role;
use samtale_proto::devices::DeviceLink;
use samtale_proto::invite::ProofKind;
use samtale_proto::{B64, DeviceId, LinkId};

use super::{
    DAY_MS, assert_conflict, assert_not_found, device_event, fresh, hash_of, inbox_all,
    make_citizen, make_device, make_staff, make_tenant, make_thread, new_device, new_envelope,
    new_invitation, new_session, now_ms, ok, receipt_event, seq_of, sorted, tag,
};
use crate::store::{AcceptedLink, LinkRequest, Store, StoreError};

fn assert_limit<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::Limit(_))),
        "{what}: expected Limit, got {result:?}"
    );
}

/// The cap counts devices that are not revoked, holds when devices are added at once, and a
/// refused device leaves nothing behind; a revoked device frees its place, loses its sessions
/// and is announced; revoking twice is NotFound.
pub async fn check_device_cap_and_revocation<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let youth = make_citizen(store, &t, Role::Youth).await;
    let contact = make_staff(store, &t, Role::Caseworker).await;
    let first = make_device(store, &youth).await;
    // A linked device keeps its link and chain.
    let mut linked = new_device(&youth.id, false);
    linked.link = Some(DeviceLink {
        signer: first.id.clone(),
        at_ms: 1_234,
        signature: B64(vec![9; 64]),
    });
    linked.chain = 0;
    ok(
        store
            .add_device(&linked, &[], &device_event(&linked), now_ms(), 3)
            .await,
        "linked device",
    );
    let stored = ok(store.device(&linked.id).await, "read linked").expect("stored");
    assert_eq!(stored, linked, "a linked device reads back whole");

    // Eight devices at once against a cap of 3: exactly one more fits.
    let racers: Vec<_> = (0..8).map(|_| new_device(&youth.id, false)).collect();
    let events: Vec<_> = racers.iter().map(device_event).collect();
    let results = join_all(
        racers
            .iter()
            .zip(&events)
            .map(|(d, e)| store.add_device(d, std::slice::from_ref(&contact.id), e, now_ms(), 3)),
    )
    .await;
    let added = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(added, 1, "racing adds beyond the cap: {results:?}");
    for r in &results {
        assert!(r.is_ok() || matches!(r, Err(StoreError::Limit(_))), "{r:?}");
    }
    assert_eq!(ok(store.devices_of(&youth.id).await, "devices").len(), 3);
    assert_eq!(
        inbox_all(store, &contact.id).await.len(),
        1,
        "a refused device was announced"
    );
    let extra = new_device(&youth.id, false);
    assert_limit(
        store
            .add_device(&extra, &[], &device_event(&extra), now_ms(), 3)
            .await,
        "over the cap",
    );
    assert!(ok(store.device(&extra.id).await, "refused device").is_none());

    // Revoking: the session goes, the event is fanned out, the place is free again.
    let session = new_session(&youth.id, &linked.id);
    ok(store.create_session(&session).await, "session");
    let at = now_ms();
    let event = receipt_event(&youth.id);
    let fanout = ok(
        store
            .revoke_device(
                &linked.id,
                at,
                &[youth.id.clone(), contact.id.clone()],
                &event,
            )
            .await,
        "revoke",
    );
    assert_eq!(fanout.len(), 2);
    let revoked = ok(store.device(&linked.id).await, "read").expect("kept");
    assert_eq!(revoked.revoked_at_ms, Some(at));
    assert!(ok(store.session(&session.token_hash).await, "session").is_none());
    assert_not_found(
        store.revoke_device(&linked.id, at, &[], &event).await,
        "revoke twice",
    );
    assert_not_found(
        store
            .revoke_device(&fresh(DeviceId::from_parts), at, &[], &event)
            .await,
        "revoke unknown",
    );
    ok(
        store
            .add_device(&extra, &[], &device_event(&extra), now_ms(), 3)
            .await,
        "a revoked device frees its place",
    );

    // Last seen never moves back.
    ok(store.touch_device(&first.id, 5_000_000).await, "touch");
    ok(
        store.touch_device(&first.id, 4_000_000).await,
        "touch older",
    );
    let seen = ok(store.device(&first.id).await, "read").expect("device");
    assert_eq!(seen.last_seen_ms, first.last_seen_ms.max(5_000_000));
}

/// Ending sessions, disabling, passwords and a new key chain.
pub async fn check_accounts<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let staff = make_staff(store, &t, Role::Caseworker).await;
    let citizen = make_citizen(store, &t, Role::Parent).await;
    let (d1, d2) = (
        make_device(store, &staff).await,
        make_device(store, &staff).await,
    );
    let sessions = [
        new_session(&staff.id, &d1.id),
        new_session(&staff.id, &d2.id),
        new_session(&staff.id, &d2.id),
    ];
    for s in &sessions {
        ok(store.create_session(s).await, "session");
    }
    let other = new_session(&citizen.id, &make_device(store, &citizen).await.id);
    ok(store.create_session(&other).await, "other's session");
    let ended = ok(store.end_sessions(&staff.id).await, "end sessions");
    assert_eq!(ended, sorted(&[d1.id.clone(), d2.id.clone()]));
    for s in &sessions {
        assert!(ok(store.session(&s.token_hash).await, "gone").is_none());
    }
    assert!(
        ok(store.session(&other.token_hash).await, "kept").is_some(),
        "another user's session ended"
    );

    ok(store.set_user_disabled(&citizen.id, true).await, "disable");
    assert!(
        ok(store.user(&citizen.id).await, "read")
            .expect("user")
            .disabled
    );
    ok(store.set_user_disabled(&citizen.id, false).await, "enable");
    assert!(
        !ok(store.user(&citizen.id).await, "read")
            .expect("user")
            .disabled
    );
    assert_not_found(
        store
            .set_user_disabled(&fresh(samtale_proto::UserId::from_parts), true)
            .await,
        "disable unknown",
    );

    ok(
        store.set_password(&staff.id, "$argon2id$new").await,
        "password",
    );
    let (_, hash) = ok(
        store
            .staff_login(&t.id, staff.username.as_deref().unwrap_or_default())
            .await,
        "login",
    )
    .expect("staff");
    assert_eq!(hash, "$argon2id$new");
    assert_not_found(
        store.set_password(&citizen.id, "$argon2id$x").await,
        "a citizen has no password",
    );

    let s = new_session(&staff.id, &d1.id);
    ok(store.create_session(&s).await, "session");
    let (chain, revoked) = ok(store.start_new_chain(&staff.id, 7_000).await, "new chain");
    assert_eq!(chain, 1);
    assert_eq!(revoked, sorted(&[d1.id.clone(), d2.id.clone()]));
    assert_eq!(
        ok(store.user(&staff.id).await, "read").expect("user").chain,
        1
    );
    for d in ok(store.devices_of(&staff.id).await, "devices") {
        assert_eq!(d.revoked_at_ms, Some(7_000), "{d:?}");
    }
    assert!(ok(store.session(&s.token_hash).await, "gone").is_none());
    let (chain, revoked) = ok(store.start_new_chain(&staff.id, 8_000).await, "again");
    assert_eq!((chain, revoked.len()), (2, 0));
    assert_not_found(
        store
            .start_new_chain(&fresh(samtale_proto::UserId::from_parts), 1)
            .await,
        "unknown user",
    );
}

fn new_link_request() -> LinkRequest {
    let now = now_ms();
    LinkRequest {
        id: fresh(LinkId::from_parts),
        device_id: fresh(DeviceId::from_parts),
        name: "ny telefon".into(),
        enc_key: format!("age1link{}", tag("k")),
        sign_key: vec![3; 32],
        lookup: tag("LK"),
        check_hash: hash_of(&tag("check")),
        proof_code: vec![1; 32],
        proof_qr: vec![2; 32],
        created_at_ms: now,
        expires_at_ms: now + DAY_MS,
        failed_attempts: 0,
        accepted: None,
        claimed: false,
    }
}

/// A link request from creation to claim: conflicts, attempts, one acceptance (atomic with the
/// device and its fan-out, within the cap), one claim.
pub async fn check_link_requests<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let youth = make_citizen(store, &t, Role::Youth).await;
    let contact = make_staff(store, &t, Role::Caseworker).await;
    let signer = make_device(store, &youth).await;
    let r = new_link_request();
    ok(store.create_link_request(&r).await, "create");
    assert_eq!(ok(store.link_request(&r.id).await, "read"), Some(r.clone()));
    assert_eq!(
        ok(store.link_request_by_lookup(&r.lookup).await, "lookup"),
        Some(r.clone())
    );
    assert_conflict(store.create_link_request(&r).await, "same id");
    let mut same_lookup = new_link_request();
    same_lookup.lookup = r.lookup.clone();
    assert_conflict(store.create_link_request(&same_lookup).await, "same lookup");
    let mut taken_device = new_link_request();
    taken_device.device_id = signer.id.clone();
    assert_conflict(
        store.create_link_request(&taken_device).await,
        "a device id in use",
    );

    assert_eq!(ok(store.count_link_attempt(&r.id).await, "attempt"), 1);
    assert_eq!(ok(store.count_link_attempt(&r.id).await, "attempt"), 2);
    ok(store.release_link_attempt(&r.id).await, "release");
    ok(store.release_link_attempt(&r.id).await, "release");
    ok(
        store.release_link_attempt(&r.id).await,
        "release below zero",
    );
    assert_eq!(ok(store.count_link_attempt(&r.id).await, "attempt"), 1);
    assert_not_found(
        store.count_link_attempt(&fresh(LinkId::from_parts)).await,
        "unknown request",
    );
    assert!(!ok(store.claim_link_request(&r.id).await, "claim early"));

    // Two events in the youth's inbox before: the head recorded is 2.
    for _ in 0..2 {
        ok(
            store
                .append_event(
                    std::slice::from_ref(&youth.id),
                    &receipt_event(&youth.id),
                    1,
                )
                .await,
            "event",
        );
    }
    let mut device = new_device(&youth.id, false);
    device.id = r.device_id.clone();
    device.link = Some(DeviceLink {
        signer: signer.id.clone(),
        at_ms: 5,
        signature: B64(vec![8; 64]),
    });
    let accepted = AcceptedLink {
        user: youth.id.clone(),
        signer: signer.id.clone(),
        proof_kind: ProofKind::Qr,
        signer_proof: vec![6; 32],
        inbox_head: 0,
    };
    let notify = [youth.id.clone(), contact.id.clone()];
    // Over the cap: refused whole, the request stays open.
    assert_limit(
        store
            .accept_link_request(
                &r.id,
                &accepted,
                &device,
                &notify,
                &device_event(&device),
                now_ms(),
                1,
            )
            .await,
        "accept over the cap",
    );
    assert!(ok(store.device(&device.id).await, "no device").is_none());
    assert!(
        ok(store.link_request(&r.id).await, "read")
            .expect("kept")
            .accepted
            .is_none()
    );
    // Two at once: one acceptance.
    let event = device_event(&device);
    let both = join_all((0..2).map(|_| {
        store.accept_link_request(&r.id, &accepted, &device, &notify, &event, now_ms(), 5)
    }))
    .await;
    assert_eq!(both.iter().filter(|x| x.is_ok()).count(), 1, "{both:?}");
    assert!(
        both.iter().all(|x| x.is_ok()
            || matches!(
                x,
                Err(StoreError::NotFound(_)) | Err(StoreError::Conflict(_))
            )),
        "{both:?}"
    );
    let done = ok(store.link_request(&r.id).await, "read").expect("kept");
    let got = done.accepted.expect("accepted");
    assert_eq!(
        (
            got.user,
            got.signer,
            got.proof_kind,
            got.signer_proof,
            got.inbox_head
        ),
        (
            youth.id.clone(),
            signer.id.clone(),
            ProofKind::Qr,
            vec![6; 32],
            2
        )
    );
    assert_eq!(
        ok(store.device(&device.id).await, "device"),
        Some(device.clone())
    );
    assert!(ok(store.link_request_by_lookup(&r.lookup).await, "lookup").is_none());
    assert_eq!(inbox_all(store, &contact.id).await.len(), 1);
    assert!(ok(store.claim_link_request(&r.id).await, "claim"));
    assert!(!ok(store.claim_link_request(&r.id).await, "claim twice"));
}

/// Removed devices, and devices not seen since `stale_before_ms`, hold nothing back from the
/// purge; the purge also deletes expired sessions and link requests a day past expiry.
pub async fn check_purge_skips_stale_and_revoked<S: Store>(store: &S) {
    let future = now_ms() + DAY_MS;
    ok(
        store.purge(future, i64::MIN).await,
        "purge what earlier checks left",
    );
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let active = make_device(store, &cw).await;
    let mut old = new_device(&cw.id, false);
    old.last_seen_ms = 1_000;
    ok(
        store
            .add_device(&old, &[], &device_event(&old), 1_000, 10)
            .await,
        "a device last seen long ago",
    );
    let removed = make_device(store, &cw).await;
    let youth = make_citizen(store, &t, Role::Youth).await;
    let y1 = make_device(store, &youth).await;
    let thread = make_thread(store, &t, &cw, &[&cw, &youth]).await;
    let (env, digest) = new_envelope(&thread.id, &cw, &active, b"old news");
    let (_, fanout) = ok(store.put_envelope(&env, &digest, now_ms()).await, "put");
    ok(store.ack(&active.id, seq_of(&fanout, &cw.id)).await, "ack");
    ok(store.ack(&y1.id, seq_of(&fanout, &youth.id)).await, "ack");
    ok(
        store
            .revoke_device(&removed.id, now_ms(), &[], &receipt_event(&cw.id))
            .await,
        "revoke",
    );
    assert_eq!(
        ok(
            store.purge(future, i64::MIN).await,
            "the old device still counts"
        ),
        0
    );
    assert_eq!(
        ok(
            store.purge(future, now_ms() - DAY_MS).await,
            "stale and removed skipped"
        ),
        1
    );
    assert!(ok(store.envelope_thread(&env.header.id).await, "gone").is_none());

    let expired = super::Session {
        expires_at_ms: now_ms() - 1,
        ..new_session(&cw.id, &active.id)
    };
    let live = new_session(&cw.id, &active.id);
    ok(store.create_session(&expired).await, "expired session");
    ok(store.create_session(&live).await, "live session");
    let mut stale_link = new_link_request();
    stale_link.expires_at_ms = now_ms() - 2 * DAY_MS;
    let fresh_link = new_link_request();
    ok(
        store.create_link_request(&stale_link).await,
        "old link request",
    );
    ok(
        store.create_link_request(&fresh_link).await,
        "live link request",
    );
    ok(store.purge(future, i64::MIN).await, "purge");
    assert!(ok(store.session(&expired.token_hash).await, "expired").is_none());
    assert!(ok(store.session(&live.token_hash).await, "live").is_some());
    assert!(ok(store.link_request(&stale_link.id).await, "old").is_none());
    assert!(ok(store.link_request(&fresh_link.id).await, "live").is_some());
}

/// A re-invitation adds a first device to its own person only, only when they have no device
/// left, and only once.
pub async fn check_reinvitation<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let youth = make_citizen(store, &t, Role::Youth).await;
    make_device(store, &youth).await;
    let other = make_citizen(store, &t, Role::Youth).await;
    let mut inv = new_invitation(&t, &cw, &cw_dev, Role::Youth, None);
    inv.for_user = Some(youth.id.clone());
    ok(store.create_invitation(&inv).await, "create");
    assert_eq!(
        ok(store.invitation(&inv.id).await, "read")
            .expect("stored")
            .for_user,
        Some(youth.id.clone())
    );
    let device = new_device(&youth.id, true);
    let session = new_session(&youth.id, &device.id);
    assert_conflict(
        store.redeem_reinvitation(&inv.id, &device, &session).await,
        "the person still has a device",
    );
    assert!(ok(store.device(&device.id).await, "not added").is_none());
    assert!(
        ok(store.invitation(&inv.id).await, "read")
            .expect("stored")
            .used_by
            .is_none(),
        "a refused redemption used the invitation"
    );
    ok(store.start_new_chain(&youth.id, now_ms()).await, "reset");
    let stranger_device = new_device(&other.id, true);
    assert_not_found(
        store
            .redeem_reinvitation(
                &inv.id,
                &stranger_device,
                &new_session(&other.id, &stranger_device.id),
            )
            .await,
        "another person",
    );
    ok(
        store.redeem_reinvitation(&inv.id, &device, &session).await,
        "redeem",
    );
    assert_eq!(
        ok(store.device(&device.id).await, "added"),
        Some(device.clone())
    );
    assert!(ok(store.session(&session.token_hash).await, "session").is_some());
    assert_eq!(
        ok(store.invitation(&inv.id).await, "read")
            .expect("stored")
            .used_by,
        Some(youth.id.clone())
    );
    let again = new_device(&youth.id, true);
    assert_not_found(
        store
            .redeem_reinvitation(&inv.id, &again, &new_session(&youth.id, &again.id))
            .await,
        "used",
    );
}

/// A first device by password: one at a time, never beside a device that is not revoked, and
/// in the next chain once the current one has had devices.
pub async fn check_first_device<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let staff = make_staff(store, &t, Role::Caseworker).await;
    let first = new_device(&staff.id, false);
    assert_eq!(ok(store.add_first_device(&first).await, "first"), 0);
    assert_eq!(
        ok(store.device(&first.id).await, "stored").map(|d| d.chain),
        Some(0)
    );
    assert_limit(
        store.add_first_device(&new_device(&staff.id, false)).await,
        "beside an active device",
    );
    ok(
        store
            .revoke_device(&first.id, now_ms(), &[], &receipt_event(&staff.id))
            .await,
        "revoke",
    );
    let racers: Vec<_> = (0..8).map(|_| new_device(&staff.id, false)).collect();
    let results = join_all(racers.iter().map(|d| store.add_first_device(d))).await;
    let added: Vec<u32> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(added, vec![1], "one device, in the next chain: {results:?}");
    assert_eq!(
        ok(store.user(&staff.id).await, "user").expect("user").chain,
        1
    );
}
