//! Conformance check for the audit log: entries per tenant, in order. `run_all` in `mod.rs`
//! calls it.

use samtale_proto::{InvitationId, TenantId, UserId};

use super::{fresh, make_tenant, now_ms, ok};
use crate::store::{AuditEntry, Store};

/// The audit log keeps entries per tenant in the order they came.
pub async fn check_audit<S: Store>(store: &S) {
    let a = make_tenant(store).await;
    let b = make_tenant(store).await;
    let actor = fresh(UserId::from_parts);
    let e1 = AuditEntry {
        tenant: a.id.clone(),
        at_ms: now_ms(),
        actor: Some(actor),
        action: "invitation.create".into(),
        subject: fresh(InvitationId::from_parts).to_string(),
    };
    let e2 = AuditEntry {
        actor: None,
        action: "tenant.create".into(),
        at_ms: 1,
        ..e1.clone()
    };
    let e3 = AuditEntry {
        tenant: b.id.clone(),
        action: "thread.members".into(),
        ..e1.clone()
    };
    for e in [&e1, &e2, &e3] {
        ok(store.audit(e).await, "audit");
    }
    assert_eq!(
        ok(store.audit_log(&a.id, 10).await, "audit log"),
        vec![e1.clone(), e2]
    );
    assert_eq!(
        ok(store.audit_log(&a.id, 1).await, "audit log limit"),
        vec![e1.clone()]
    );
    assert_eq!(
        ok(store.audit_log(&b.id, 10).await, "other tenant"),
        vec![e3]
    );
    // Once per tenant, action and subject: the second try appends nothing; another tenant's
    // line of the same text does not count.
    let c = make_tenant(store).await;
    let once = AuditEntry {
        tenant: c.id.clone(),
        action: "record".into(),
        subject: "thread=t record=r case=1".into(),
        ..e1.clone()
    };
    assert!(ok(store.audit_once(&once).await, "audit once"));
    assert!(!ok(store.audit_once(&once).await, "audit once again"));
    let other = AuditEntry {
        tenant: b.id.clone(),
        ..once.clone()
    };
    assert!(ok(
        store.audit_once(&other).await,
        "audit once, other tenant"
    ));
    assert_eq!(
        ok(store.audit_log(&c.id, 10).await, "audit once log"),
        vec![once]
    );
    assert!(
        ok(
            store.audit_log(&fresh(TenantId::from_parts), 10).await,
            "unknown tenant"
        )
        .is_empty()
    );
}
