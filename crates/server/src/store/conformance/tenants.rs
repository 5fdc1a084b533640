//! Conformance checks for tenants and users (with staff login): lookups by id, slug and
//! username, and which keys are unique. `run_all` in `mod.rs` calls them.

use samtale_proto::api::Role;
use samtale_proto::{TenantId, UserId};

use super::{assert_conflict, fresh, make_citizen, make_tenant, new_user, ok, tag};
use crate::store::{Store, Tenant, User};

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
