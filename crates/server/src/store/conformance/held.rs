//! Conformance checks for the release queue: holding scheduled envelopes, listing and
//! cancelling them, and releasing each exactly once at its time, also when several releases
//! run at the same moment (several nodes). `run_all` in `mod.rs` calls them.

use futures_util::future::join_all;
use samtale_proto::api::{HeldEnvelope, Role};
use samtale_proto::{B64, EnvelopeId, InboxEvent, UserId};
use sha2::{Digest, Sha256};

use super::{
    inbox_all, make_citizen, make_device, make_staff, make_tenant, make_thread, new_envelope,
    now_ms, ok,
};
use crate::store::{CancelOutcome, PutOutcome, Store};

fn holds(events: &[InboxEvent], id: &EnvelopeId) -> usize {
    events
        .iter()
        .filter(|e| matches!(&e.body, samtale_proto::EventBody::Envelope { envelope } if &envelope.header.id == id))
        .count()
}

pub async fn check_release_queue<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let cw_dev = make_device(store, &cw).await;
    let colleague = make_staff(store, &t, Role::Caseworker).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let thread = make_thread(store, &t, &cw, &[&cw, &colleague, &y]).await;
    let at = now_ms();
    let due = at + 60_000;

    // Held once; the same again changes nothing; other content under the id is refused.
    let (env, digest) = new_envelope(&thread.id, &cw, &cw_dev, b"planned");
    let hold = |e, d, when, only| store.hold_envelope(e, d, when, only, at);
    assert_eq!(
        ok(hold(&env, &digest, due, None).await, "hold"),
        PutOutcome::Stored
    );
    assert_eq!(
        ok(hold(&env, &digest, due, None).await, "again"),
        PutOutcome::Duplicate
    );
    let mut clash = env.clone();
    clash.ciphertext = B64(b"other".to_vec());
    let clash_digest: [u8; 32] = Sha256::digest(b"other").into();
    assert_eq!(
        ok(hold(&clash, &clash_digest, due, None).await, "clash"),
        PutOutcome::Conflict
    );
    assert_eq!(
        ok(store.held_of(&cw.id).await, "held"),
        vec![HeldEnvelope {
            id: env.header.id.clone(),
            thread: thread.id.clone(),
            release_at_ms: due
        }]
    );
    assert!(ok(store.held_of(&y.id).await, "held of y").is_empty());
    assert_eq!(ok(store.next_release().await, "next"), Some(due));

    // Not before its time; then once, to every member; then never again.
    assert!(ok(store.release_due(due - 1, 100).await, "early").is_empty());
    assert_eq!(holds(&inbox_all(store, &y.id).await, &env.header.id), 0);
    let released = ok(store.release_due(due, 100).await, "due");
    assert_eq!(released.len(), 1);
    let reached: Vec<UserId> = released[0].iter().map(|(u, _)| u.clone()).collect();
    assert_eq!(reached.len(), 3, "{reached:?}");
    assert!(ok(store.release_due(due + 1, 100).await, "twice").is_empty());
    assert_eq!(holds(&inbox_all(store, &y.id).await, &env.header.id), 1);
    assert_eq!(
        ok(store.envelope_thread(&env.header.id).await, "stored"),
        Some(thread.id.clone())
    );
    assert_eq!(ok(store.next_release().await, "empty"), None);
    // Cancelling after release says so; holding the released id again is a clash.
    assert_eq!(
        ok(
            store.cancel_held(&env.header.id, &cw.id).await,
            "late cancel"
        ),
        CancelOutcome::Released
    );
    assert_eq!(
        ok(hold(&env, &digest, due, None).await, "reuse"),
        PutOutcome::Conflict
    );

    // A cancelled one never arrives; only its sender can cancel it.
    let (gone, gone_digest) = new_envelope(&thread.id, &cw, &cw_dev, b"changed my mind");
    ok(hold(&gone, &gone_digest, due, None).await, "hold gone");
    assert_eq!(
        ok(store.cancel_held(&gone.header.id, &y.id).await, "not hers"),
        CancelOutcome::NotFound
    );
    assert_eq!(
        ok(store.cancel_held(&gone.header.id, &cw.id).await, "cancel"),
        CancelOutcome::Cancelled
    );
    assert_eq!(
        ok(
            store.cancel_held(&gone.header.id, &cw.id).await,
            "cancel twice"
        ),
        CancelOutcome::NotFound
    );
    assert!(ok(store.release_due(due, 100).await, "nothing held").is_empty());
    assert_eq!(holds(&inbox_all(store, &y.id).await, &gone.header.id), 0);

    // For some members only: the others never see it.
    let (note, note_digest) = new_envelope(&thread.id, &cw, &cw_dev, b"staff only");
    let only = [cw.id.clone(), colleague.id.clone()];
    ok(
        hold(&note, &note_digest, due, Some(&only)).await,
        "hold note",
    );
    ok(store.release_due(due, 100).await, "release note");
    assert_eq!(
        holds(&inbox_all(store, &colleague.id).await, &note.header.id),
        1
    );
    assert_eq!(holds(&inbox_all(store, &y.id).await, &note.header.id), 0);

    // Several releases at the same moment (several nodes) release each envelope once.
    let mut ids = Vec::new();
    for i in 0..6u8 {
        let (e, d) = new_envelope(&thread.id, &cw, &cw_dev, &[b'x', i]);
        ok(
            store.hold_envelope(&e, &d, due, None, at).await,
            "hold many",
        );
        ids.push(e.header.id.clone());
    }
    let runs = join_all((0..4).map(|_| store.release_due(due, 2))).await;
    let mut total: usize = runs
        .into_iter()
        .map(|r| ok(r, "parallel release").len())
        .sum();
    // A run that found the queue locked by another may leave some for the next round.
    while let Ok(more) = store.release_due(due, 100).await {
        if more.is_empty() {
            break;
        }
        total += more.len();
    }
    assert_eq!(total, ids.len(), "each held envelope released once");
    let inbox = inbox_all(store, &y.id).await;
    for id in &ids {
        assert_eq!(
            holds(&inbox, id),
            1,
            "{id} reached the youth {} times",
            holds(&inbox, id)
        );
    }
}
