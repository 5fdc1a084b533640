//! Conformance checks for units: made once per name in a municipality (letter case aside),
//! listed per municipality, staff put in a unit of their own municipality only, and a
//! conversation that keeps its unit. `run_all` calls them.

use samtale_proto::UnitId;
use samtale_proto::api::{Role, ThreadKind};

use super::{
    assert_conflict, fresh, make_staff, make_tenant, new_thread, now_ms, ok, thread_event,
};
use crate::store::{Store, StoreError, Tenant, Unit};

fn unit(t: &Tenant, name: &str) -> Unit {
    Unit {
        id: fresh(UnitId::from_parts),
        tenant: t.id.clone(),
        name: name.into(),
        created_at_ms: now_ms(),
        letterhead: Default::default(),
    }
}

pub async fn check_units<S: Store>(store: &S) {
    let a = make_tenant(store).await;
    let b = make_tenant(store).await;
    let unge = unit(&a, "Ungeindsatsen");
    let familie = unit(&a, "Familierådgivningen");
    ok(store.create_unit(&unge).await, "create");
    ok(store.create_unit(&familie).await, "create another");
    // The same name again, in other letter case: refused, nothing added.
    assert_conflict(
        store.create_unit(&unit(&a, "UNGEINDSATSEN")).await,
        "a name taken",
    );
    // Another municipality may use the name.
    let other = unit(&b, "Ungeindsatsen");
    ok(store.create_unit(&other).await, "same name elsewhere");
    let names: Vec<String> = ok(store.units_of(&a.id).await, "list")
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["Familierådgivningen", "Ungeindsatsen"], "by name");
    assert_eq!(ok(store.units_of(&b.id).await, "list").len(), 1);
    assert_eq!(ok(store.unit(&unge.id).await, "read"), Some(unge.clone()));
    assert_eq!(
        ok(store.unit(&fresh(UnitId::from_parts)).await, "missing"),
        None
    );

    // Renamed and given a letterhead, read back as written; a name taken by another unit, a
    // unit of another municipality and a missing one are refused and change nothing.
    let letterhead = samtale_proto::api::Letterhead {
        address: "Rådhuset\n7100 Vejle".into(),
        phone: "76 81 00 00".into(),
        email: "unge@vejle.dk".into(),
        hours: "mandag-fredag 9-15".into(),
    };
    let renamed = Unit {
        name: "Ungeindsatsen Vest".into(),
        letterhead: letterhead.clone(),
        ..unge.clone()
    };
    ok(store.update_unit(&renamed).await, "update");
    assert_eq!(
        ok(store.unit(&unge.id).await, "read"),
        Some(renamed.clone())
    );
    assert_conflict(
        store
            .update_unit(&Unit {
                name: "familierådgivningen".into(),
                ..renamed.clone()
            })
            .await,
        "another unit's name",
    );
    assert!(matches!(
        store
            .update_unit(&Unit {
                tenant: b.id.clone(),
                name: "Overtaget".into(),
                ..renamed.clone()
            })
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .update_unit(&Unit {
                id: fresh(UnitId::from_parts),
                ..renamed.clone()
            })
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(ok(store.unit(&unge.id).await, "unchanged"), Some(renamed));
    // Its letterhead taken away again.
    ok(
        store
            .update_unit(&Unit {
                name: "Ungeindsatsen".into(),
                ..unge.clone()
            })
            .await,
        "back",
    );
    assert_eq!(ok(store.unit(&unge.id).await, "read"), Some(unge.clone()));

    // Staff: in a unit of their municipality, moved, taken out; never in another's.
    let sara = make_staff(store, &a, Role::Caseworker).await;
    assert_eq!(ok(store.staff_unit(&sara.id).await, "none yet"), None);
    ok(
        store.set_staff_unit(&sara.id, Some(&unge.id)).await,
        "put in",
    );
    assert_eq!(
        ok(store.staff_unit(&sara.id).await, "read"),
        Some(unge.id.clone())
    );
    ok(
        store.set_staff_unit(&sara.id, Some(&familie.id)).await,
        "moved",
    );
    assert_eq!(
        ok(store.staff_unit(&sara.id).await, "read"),
        Some(familie.id.clone())
    );
    assert!(matches!(
        store.set_staff_unit(&sara.id, Some(&other.id)).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        ok(store.staff_unit(&sara.id).await, "unchanged"),
        Some(familie.id.clone())
    );
    assert!(matches!(
        store
            .set_staff_unit(&sara.id, Some(&fresh(UnitId::from_parts)))
            .await,
        Err(StoreError::NotFound(_))
    ));
    ok(store.set_staff_unit(&sara.id, None).await, "taken out");
    assert_eq!(ok(store.staff_unit(&sara.id).await, "none"), None);

    // A conversation keeps its unit.
    let mut t = new_thread(&a, &sara, ThreadKind::Youth);
    t.unit = Some(unge.id.clone());
    ok(
        store
            .create_thread(
                &t,
                std::slice::from_ref(&sara.id),
                &thread_event(&t),
                now_ms(),
            )
            .await,
        "thread with a unit",
    );
    let back = ok(store.thread(&t.id).await, "read").expect("stored");
    assert_eq!(back.unit, Some(unge.id.clone()));
    let listed = ok(store.threads_of(&sara.id).await, "list");
    assert_eq!(
        listed
            .iter()
            .find(|x| x.id == t.id)
            .and_then(|x| x.unit.clone()),
        Some(unge.id)
    );
}
