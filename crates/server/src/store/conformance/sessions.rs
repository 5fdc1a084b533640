//! Conformance checks for sessions: create, look up, rotate and delete. `run_all` in `mod.rs`
//! calls them.

use samtale_proto::api::Role;

use super::{
    assert_not_found, hash_of, make_device, make_staff, make_tenant, new_session, ok, tag,
};
use crate::store::Store;

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
