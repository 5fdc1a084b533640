//! Conformance checks for the contact register: stored and read back byte for byte, one per
//! citizen and channel (a new value replaces the old), SMS before e-mail, deleted, and nothing
//! of one citizen under another. `run_all` calls them.

use samtale_proto::api::Role;
use samtale_proto::notices::{Channel, ContactState};

use super::{make_citizen, make_tenant, now_ms, ok};
use crate::store::{ContactRecord, Store, User};

fn record(u: &User, channel: Channel, sealed: &[u8]) -> ContactRecord {
    ContactRecord {
        citizen: u.id.clone(),
        tenant: u.tenant.clone(),
        channel,
        sealed: sealed.to_vec(),
        state: ContactState::Unverified,
        source: "app".into(),
        updated_at_ms: now_ms(),
        verified_at_ms: None,
        failed_at_ms: None,
    }
}

pub async fn check_contacts<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let mikkel = make_citizen(store, &t, Role::Youth).await;
    let mette = make_citizen(store, &t, Role::Parent).await;
    assert!(ok(store.register_of(&mikkel.id).await, "none yet").is_empty());
    let mail = record(&mikkel, Channel::Email, &[1, 2, 3, 0, 255]);
    ok(store.put_contact(&mail).await, "e-mail");
    let phone = record(&mikkel, Channel::Sms, &[9; 40]);
    ok(store.put_contact(&phone).await, "phone");
    assert_eq!(
        ok(store.register_of(&mikkel.id).await, "list"),
        vec![phone.clone(), mail.clone()],
        "byte for byte, SMS first"
    );
    // A new number replaces the old one, with its own state.
    let verified = ContactRecord {
        sealed: vec![8; 40],
        state: ContactState::Verified,
        verified_at_ms: Some(now_ms()),
        source: "caseworker".into(),
        ..phone.clone()
    };
    ok(store.put_contact(&verified).await, "replace");
    let list = ok(store.register_of(&mikkel.id).await, "list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0], verified);
    assert!(ok(store.register_of(&mette.id).await, "another").is_empty());
    assert!(ok(
        store.delete_contact(&mikkel.id, Channel::Email).await,
        "delete"
    ));
    assert!(!ok(
        store.delete_contact(&mikkel.id, Channel::Email).await,
        "again"
    ));
    assert_eq!(
        ok(store.register_of(&mikkel.id).await, "list"),
        vec![verified]
    );
}
