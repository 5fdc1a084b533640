//! Conformance checks for envelopes and inboxes: storing and deduplicating envelopes, paging,
//! acknowledgements and the purge. `run_all` in `mod.rs` calls them.

use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::{B64, DeviceId, EnvelopeId, InboxEvent, UserId};
use sha2::{Digest, Sha256};

use super::{
    DAY_MS, assert_consecutive, device_event, envelope_event, fresh, inbox_all, last_seq,
    make_citizen, make_device, make_staff, make_tenant, make_thread, new_device, new_envelope,
    new_thread, now_ms, ok, receipt_event, seq_of, sorted, thread_event,
};
use crate::store::{PutOutcome, Store};

/// An envelope for some members only reaches those of them who are members, and never the
/// others: a caseworker's note stays out of the youth's inbox.
pub async fn check_envelope_for_some<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let colleague = make_staff(store, &t, Role::Caseworker).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let outsider = make_citizen(store, &t, Role::Youth).await;
    let thread = make_thread(store, &t, &cw, &[&cw, &colleague, &y]).await;
    let (env, digest) = new_envelope(&thread.id, &cw, &cw_dev, b"staff note");
    let only = [cw.id.clone(), colleague.id.clone(), outsider.id.clone()];
    let at = now_ms();
    let (outcome, fanout) = ok(
        store.put_envelope_for(&env, &digest, at, Some(&only)).await,
        "put for some",
    );
    assert_eq!(outcome, PutOutcome::Stored);
    let seq = |u: &UserId| fanout.iter().find(|(f, _)| f == u).map(|(_, s)| *s);
    assert!(seq(&cw.id).is_some() && seq(&colleague.id).is_some());
    assert_eq!((seq(&y.id), seq(&outsider.id)), (None, None));
    let has = |events: Vec<InboxEvent>| events.iter().any(|e| e.body == envelope_event(&env));
    assert!(has(inbox_all(store, &colleague.id).await));
    assert!(!has(inbox_all(store, &y.id).await));
    assert!(inbox_all(store, &outsider.id).await.is_empty());
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
            .add_device(&dev, std::slice::from_ref(&y.id), &dev_ev, 4_000, 10)
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

/// Nothing is purged until every device of every recipient acknowledged it and it is older than
/// `before_ms`; acknowledgements never move backwards; sequences go on after a purge.
pub async fn check_ack_and_purge<S: Store>(store: &S) {
    let future = now_ms() + DAY_MS;
    ok(
        store.purge(future, i64::MIN).await,
        "purge what earlier checks left",
    );

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

    assert_eq!(
        ok(store.purge(future, i64::MIN).await, "purge before any ack"),
        0
    );
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
        ok(
            store.purge(future, i64::MIN).await,
            "purge with one device behind"
        ),
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
        ok(store.purge(at, i64::MIN).await, "purge before its time"),
        0,
        "before_ms is exclusive"
    );
    assert!(
        inbox_all(store, &cw.id)
            .await
            .iter()
            .any(|e| e.body == envelope_event(&env))
    );
    assert_eq!(ok(store.purge(future, i64::MIN).await, "purge"), 1);
    assert!(inbox_all(store, &cw.id).await.is_empty());
    assert_eq!(
        ok(store.envelope_thread(&env.header.id).await, "purged"),
        None
    );
    assert_eq!(ok(store.purge(future, i64::MIN).await, "purge again"), 0);

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
    ok(
        store.purge(future, i64::MIN).await,
        "purge what earlier checks left",
    );

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
    assert_eq!(ok(store.purge(future, i64::MIN).await, "purge"), 0);
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
        ok(store.purge(future, i64::MIN).await, "purge"),
        1,
        "purged once every device has it"
    );
    assert_eq!(
        ok(store.envelope_thread(&env.header.id).await, "gone"),
        None
    );
}
