//! Conformance checks for invitations: lookups, attempt counting, and redemption, which is all
//! or nothing. `run_all` in `mod.rs` calls them.

use samtale_proto::InvitationId;
use samtale_proto::api::Role;

use super::{
    assert_conflict, assert_not_found, fresh, make_citizen, make_device, make_staff, make_tenant,
    new_device, new_invitation, new_session, new_user, ok, tag,
};
use crate::store::{Device, Invitation, Store};

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
