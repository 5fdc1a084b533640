//! Conformance checks for threads, their members and contacts, with the fan-out of membership
//! events. `run_all` in `mod.rs` calls them.

use samtale_proto::api::{Role, ThreadKind};
use samtale_proto::{InboxEvent, ThreadId};

use super::{
    assert_conflict, assert_consecutive, fresh, inbox_all, make_citizen, make_staff, make_tenant,
    make_thread, new_thread, now_ms, ok, receipt_event, sorted, thread_event,
};
use crate::store::{Store, Thread};

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
