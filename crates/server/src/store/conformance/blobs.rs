//! Conformance checks for the blob index: recording uploads against the quota, counting chunks
//! in order with one held ahead (also when two nodes count the same chunk, or the next two, at
//! once), tying finished files
//! to the message that carries them, which blobs a sweep takes, and each municipality's own
//! file rules. `run_all` calls them.

use futures_util::future::join_all;
use samtale_proto::api::Role;
use samtale_proto::{BlobId, EnvelopeId};

use super::{
    DAY_MS, assert_conflict, assert_not_found, fresh, make_citizen, make_device, make_staff,
    make_tenant, make_thread, new_envelope, now_ms, ok,
};
use crate::store::{
    BlobCreate, BlobRecord, Device, FilePolicy, Store, StoreError, Tenant, Thread, User,
};

fn upload(t: &Tenant, th: &Thread, u: &User, d: &Device, size: u64) -> BlobRecord {
    BlobRecord {
        id: fresh(BlobId::from_parts),
        tenant: t.id.clone(),
        thread: th.id.clone(),
        owner: u.id.clone(),
        device: d.id.clone(),
        size,
        chunk_size: 10,
        received: 0,
        ahead: false,
        created_at_ms: now_ms(),
        completed_at_ms: None,
        envelope: None,
    }
}

/// Stores every chunk of `b` in order.
async fn finish<S: Store>(store: &S, b: &BlobRecord) -> BlobRecord {
    let mut last = None;
    for i in 0..b.chunks() {
        last = ok(store.blob_chunk_stored(&b.id, i, now_ms()).await, "chunk");
        assert!(last.is_some(), "chunk {i} of {} was next", b.chunks());
    }
    last.expect("at least one chunk")
}

pub async fn check_blob_uploads<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let dev = make_device(store, &cw).await;
    let y = make_citizen(store, &t, Role::Youth).await;
    let th = make_thread(store, &t, &cw, &[&cw, &y]).await;
    let quota = 100;

    // Recorded once; the same upload again tells how far it got; other values are refused.
    let b = upload(&t, &th, &cw, &dev, 25);
    assert_eq!(
        ok(store.create_blob(&b, quota).await, "create"),
        BlobCreate::Created
    );
    assert_eq!(b.chunks(), 3);
    let got = ok(store.blob(&b.id).await, "read").expect("stored");
    assert_eq!(got, b);
    assert_eq!(
        ok(store.create_blob(&b, quota).await, "again"),
        BlobCreate::Existing(b.clone())
    );
    let mut other = b.clone();
    other.size = 26;
    assert_conflict(
        store.create_blob(&other, quota).await,
        "same id, other size",
    );

    // Counted in order: a chunk two ahead, or one already counted, changes nothing; the one
    // after the next is held as ahead and counted with the next.
    assert_eq!(
        ok(store.blob_chunk_stored(&b.id, 2, 1).await, "two ahead"),
        None
    );
    let r = ok(store.blob_chunk_stored(&b.id, 1, 1).await, "ahead").expect("held");
    assert_eq!((r.received, r.ahead, r.complete()), (0, true, false));
    let again = ok(store.blob_chunk_stored(&b.id, 1, 1).await, "ahead again").expect("held");
    assert_eq!(again, r, "the same chunk ahead again changes nothing");
    assert_eq!(ok(store.blob(&b.id).await, "read").expect("stored"), r);
    let r = ok(store.blob_chunk_stored(&b.id, 0, 1).await, "first").expect("next");
    assert_eq!(
        (r.received, r.ahead, r.complete()),
        (2, false, false),
        "the next chunk counts the one ahead with it"
    );
    assert_eq!(
        ok(store.blob_chunk_stored(&b.id, 0, 1).await, "twice"),
        None
    );
    assert_eq!(
        ok(store.blob_chunk_stored(&b.id, 1, 1).await, "ahead, counted"),
        None
    );
    let done = ok(store.blob_chunk_stored(&b.id, 2, 3).await, "last").expect("next");
    assert_eq!(
        (done.received, done.completed_at_ms),
        (3, Some(3)),
        "the last chunk completes the file"
    );
    assert_eq!(ok(store.blob_chunk_stored(&b.id, 3, 4).await, "past"), None);
    assert_eq!(
        ok(store.create_blob(&b, quota).await, "after"),
        BlobCreate::Existing(done.clone())
    );
    assert_eq!(
        ok(store.blob(&fresh(BlobId::from_parts)).await, "none"),
        None
    );

    // The quota counts every blob of the municipality, finished or not.
    assert_eq!(ok(store.blob_bytes(&t.id).await, "bytes"), 25);
    let fits = upload(&t, &th, &cw, &dev, 75);
    ok(store.create_blob(&fits, quota).await, "fits exactly");
    let over = upload(&t, &th, &cw, &dev, 1);
    assert!(
        matches!(
            store.create_blob(&over, quota).await,
            Err(StoreError::Limit(_))
        ),
        "one byte over the quota is refused"
    );
    assert_eq!(ok(store.blob(&over.id).await, "refused"), None);
    let t2 = make_tenant(store).await;
    assert_eq!(ok(store.blob_bytes(&t2.id).await, "other"), 0);

    // Two nodes counting the same chunk at once: exactly one counts it.
    let race = upload(
        &t2,
        &make_thread(store, &t2, &cw, &[&cw]).await,
        &cw,
        &dev,
        50,
    );
    ok(store.create_blob(&race, quota).await, "create");
    let counted = join_all((0..8).map(|_| store.blob_chunk_stored(&race.id, 0, 1))).await;
    let wins = counted
        .into_iter()
        .map(|r| ok(r, "race"))
        .filter(Option::is_some)
        .count();
    assert_eq!(wins, 1, "chunk 0 counted once");
    assert_eq!(ok(store.blob(&race.id).await, "raced").unwrap().received, 1);

    // Two nodes storing the next chunk and the one after it at once: whichever is recorded
    // first, both are counted, and the last completes the file.
    let th2 = make_thread(store, &t2, &cw, &[&cw]).await;
    for round in 0..8 {
        let pair = upload(&t2, &th2, &cw, &dev, 20);
        ok(store.create_blob(&pair, 1_000).await, "create");
        let (a, b) = if round % 2 == 0 { (0, 1) } else { (1, 0) };
        let _ = futures_util::future::join(
            store.blob_chunk_stored(&pair.id, a, 5),
            store.blob_chunk_stored(&pair.id, b, 5),
        )
        .await;
        let got = ok(store.blob(&pair.id).await, "pair").expect("stored");
        assert_eq!(
            (got.received, got.ahead, got.completed_at_ms),
            (2, false, Some(5)),
            "round {round}: both chunks counted"
        );
    }
}

pub async fn check_blob_attach_and_sweep<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let cw = make_staff(store, &t, Role::Caseworker).await;
    let dev = make_device(store, &cw).await;
    let th = make_thread(store, &t, &cw, &[&cw]).await;
    let quota = 1_000;
    let make = |size| upload(&t, &th, &cw, &dev, size);
    let (sent, unfinished, finished, to_cancel) = (make(5), make(15), make(5), make(5));
    for b in [&sent, &unfinished, &finished, &to_cancel] {
        ok(store.create_blob(b, quota).await, "create");
    }
    finish(store, &sent).await;
    finish(store, &finished).await;
    finish(store, &to_cancel).await;
    ok(
        store.blob_chunk_stored(&unfinished.id, 0, 1).await,
        "one of two",
    )
    .unwrap();

    let (env, digest) = new_envelope(&th.id, &cw, &dev, b"with a file");
    ok(
        store.put_envelope(&env, &digest, now_ms()).await,
        "envelope",
    );
    let eid = env.header.id.clone();
    // All or none: an unfinished file stops the whole message's files.
    assert_conflict(
        store
            .attach_blobs(&[sent.id.clone(), unfinished.id.clone()], &eid)
            .await,
        "with an unfinished file",
    );
    assert_eq!(
        ok(store.blob(&sent.id).await, "read").unwrap().envelope,
        None
    );
    assert_not_found(
        store.attach_blobs(&[fresh(BlobId::from_parts)], &eid).await,
        "an unknown file",
    );
    ok(
        store
            .attach_blobs(std::slice::from_ref(&sent.id), &eid)
            .await,
        "attach",
    );
    ok(
        store
            .attach_blobs(std::slice::from_ref(&sent.id), &eid)
            .await,
        "again",
    );
    assert_eq!(
        ok(store.blob(&sent.id).await, "read").unwrap().envelope,
        Some(eid.clone())
    );
    assert_conflict(
        store
            .attach_blobs(
                std::slice::from_ref(&sent.id),
                &fresh(EnvelopeId::from_parts),
            )
            .await,
        "a file in another message",
    );
    // A file for a planned message that is cancelled later.
    let (planned, pd) = new_envelope(&th.id, &cw, &dev, b"planned with a file");
    ok(
        store
            .hold_envelope(&planned, &pd, now_ms() + DAY_MS, None, now_ms())
            .await,
        "hold",
    );
    ok(
        store
            .attach_blobs(std::slice::from_ref(&to_cancel.id), &planned.header.id)
            .await,
        "attach to planned",
    );

    let mine = [&sent.id, &unfinished.id, &finished.id, &to_cancel.id];
    let swept = |stale_before| async move {
        let all = ok(store.blobs_to_sweep(stale_before, 10_000).await, "sweep");
        let mut ids: Vec<BlobId> = all
            .into_iter()
            .map(|b| b.id)
            .filter(|id| mine.contains(&id))
            .collect();
        ids.sort();
        ids
    };
    // Before a day has passed: nothing of these (the message and the planned one exist).
    assert!(swept(now_ms() - DAY_MS).await.is_empty());
    // Uploads never sent are swept once old, finished or not; sent ones stay with their message.
    let mut old = vec![unfinished.id.clone(), finished.id.clone()];
    old.sort();
    assert_eq!(swept(now_ms() + DAY_MS).await, old);
    // The planned message is cancelled: its file goes, however new.
    ok(
        store.cancel_held(&planned.header.id, &cw.id).await,
        "cancel",
    );
    assert_eq!(swept(now_ms() - DAY_MS).await, vec![to_cancel.id.clone()]);
    for id in [&unfinished.id, &finished.id, &to_cancel.id] {
        ok(store.forget_blob(id).await, "forget");
        assert_eq!(ok(store.blob(id).await, "gone"), None);
    }
    ok(store.forget_blob(&finished.id).await, "forgetting twice");
    assert_eq!(ok(store.blob_bytes(&t.id).await, "left"), 5);
}

/// A municipality's file rules: none at first, set, replaced, and removed; another
/// municipality's stay apart.
pub async fn check_file_policies<S: Store>(store: &S) {
    let a = make_tenant(store).await;
    let b = make_tenant(store).await;
    assert_eq!(ok(store.file_policy(&a.id).await, "none yet"), None);
    let first = FilePolicy {
        max_file_bytes: Some(20_000_000),
        quota_bytes: Some(5_000_000_000_000),
        allowed_types: Some(vec!["application/pdf".into(), "image/*".into()]),
    };
    ok(store.set_file_policy(&a.id, Some(&first)).await, "set");
    assert_eq!(
        ok(store.file_policy(&a.id).await, "read"),
        Some(first.clone())
    );
    assert_eq!(
        ok(store.file_policy(&b.id).await, "other municipality"),
        None
    );
    // Replaced whole: what is not given goes back to the server's settings.
    let second = FilePolicy {
        max_file_bytes: Some(1_000_000),
        ..FilePolicy::default()
    };
    ok(store.set_file_policy(&a.id, Some(&second)).await, "replace");
    assert_eq!(ok(store.file_policy(&a.id).await, "read"), Some(second));
    // An empty list is kept as an empty list (no type allowed), not as no rule.
    let nothing = FilePolicy {
        allowed_types: Some(Vec::new()),
        ..FilePolicy::default()
    };
    ok(
        store.set_file_policy(&b.id, Some(&nothing)).await,
        "empty list",
    );
    assert_eq!(ok(store.file_policy(&b.id).await, "read"), Some(nothing));
    ok(store.set_file_policy(&a.id, None).await, "remove");
    assert_eq!(ok(store.file_policy(&a.id).await, "removed"), None);
    ok(store.set_file_policy(&a.id, None).await, "remove again");
}
