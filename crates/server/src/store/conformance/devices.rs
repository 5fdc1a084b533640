//! Conformance checks for devices: registration with its fan-out, lookups, and the replay guard
//! of key-signed logins. `run_all` in `mod.rs` calls them.

use futures_util::future::join_all;
use samtale_proto::api::Role;
use samtale_proto::{DeviceId, InboxEvent};

use super::{
    assert_conflict, device_event, fresh, inbox_all, make_citizen, make_device, make_staff,
    make_tenant, new_device, now_ms, ok, receipt_event,
};
use crate::store::{Device, Store};

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
            .add_device(&dev, &[b.id.clone(), c.id.clone()], &event, at, 10)
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
                10,
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
