//! Conformance checks for consents, contact codes and the notice queue: a consent's history
//! kept and at most one live per unit, purpose and channel; codes counted and cleared; and
//! the queue handing each due notice to one claimer only (also from several at once), a
//! notice left `sending` becoming `uncertain`, updates guarded by the state expected. `run_all`
//! calls them.

use futures_util::future::join_all;
use samtale_proto::UnitId;
use samtale_proto::api::Role;
use samtale_proto::notices::{
    Channel, Consent, ConsentHow, ContactState, NoticeKind, NoticeState, Purpose,
};

use super::{assert_conflict, fresh, make_citizen, make_tenant, now_ms, ok, tag};
use crate::store::{
    ConsentRecord, ContactCode, ContactRecord, NoticeUpdate, QueuedNotice, Store, Unit, User,
};

fn consent(u: &User, unit: &UnitId, channel: Channel, at: i64) -> ConsentRecord {
    ConsentRecord {
        id: tag("consent"),
        tenant: u.tenant.clone(),
        consent: Consent {
            citizen: u.id.clone(),
            unit: unit.as_str().to_owned(),
            purpose: Purpose::NewMessages,
            channel,
            given_at_ms: at,
            given_by: u.id.clone(),
            by_parent: false,
            how: ConsentHow::Recorded {
                note: "mundtligt ved møde 12.11".into(),
            },
            withdrawn_at_ms: None,
        },
    }
}

fn queued(u: &User, next_at_ms: i64) -> QueuedNotice {
    QueuedNotice {
        id: tag("notice"),
        tenant: u.tenant.clone(),
        citizen: u.id.clone(),
        channel: Channel::Sms,
        kind: NoticeKind::NewMessage,
        dest: vec![1, 2, 3],
        body: vec![4, 5, 6, 0, 255],
        state: NoticeState::Queued,
        attempts: 0,
        next_at_ms,
        created_at_ms: next_at_ms,
        sent_at_ms: None,
        gateway_ref: None,
        reason: "sms: samtykke fra 03.11".into(),
    }
}

pub async fn check_consents<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let unit = Unit {
        id: fresh(UnitId::from_parts),
        tenant: t.id.clone(),
        name: tag("Ungeindsatsen"),
        created_at_ms: now_ms(),
        letterhead: Default::default(),
    };
    ok(store.create_unit(&unit).await, "unit");
    let mikkel = make_citizen(store, &t, Role::Youth).await;
    let mette = make_citizen(store, &t, Role::Parent).await;
    let at = now_ms();
    let sms = consent(&mikkel, &unit.id, Channel::Sms, at);
    ok(store.add_consent(&sms).await, "give");
    // A second live consent for the same unit, purpose and channel: refused.
    assert_conflict(
        store
            .add_consent(&consent(&mikkel, &unit.id, Channel::Sms, at + 1))
            .await,
        "a second live consent",
    );
    let mail = consent(&mikkel, &unit.id, Channel::Email, at + 2);
    ok(store.add_consent(&mail).await, "another channel");
    assert_eq!(
        ok(store.consents_of(&mikkel.id).await, "list"),
        vec![sms.clone(), mail.clone()],
        "oldest first, as given"
    );
    // Mikkel's SMS consent ended at `at_ms`; with `parents_only`, only one a parent gave.
    let withdraw_sms = |at_ms, parents_only| {
        store.withdraw_consent(
            &mikkel.id,
            &unit.id,
            Purpose::NewMessages,
            Channel::Sms,
            at_ms,
            parents_only,
        )
    };
    let withdrawn = ok(withdraw_sms(at + 10, false).await, "withdraw");
    assert_eq!(withdrawn, Some(sms.id.clone()));
    assert_eq!(
        ok(withdraw_sms(at + 11, false).await, "again"),
        None,
        "nothing live to withdraw"
    );
    // Given again: a new record; the history keeps the withdrawn one.
    let again = consent(&mikkel, &unit.id, Channel::Sms, at + 20);
    ok(store.add_consent(&again).await, "give again");
    let history = ok(store.consents_of(&mikkel.id).await, "history");
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].consent.withdrawn_at_ms, Some(at + 10));
    assert_eq!(history[2], again);
    assert!(ok(store.consents_of(&mette.id).await, "another").is_empty());

    // Only a parent's: the youth's own is left alone (nothing changes), a parent's ends.
    assert_eq!(ok(withdraw_sms(at + 21, true).await, "his own"), None);
    assert_eq!(
        ok(store.consents_of(&mikkel.id).await, "his own stays")[2],
        again
    );
    ok(withdraw_sms(at + 22, false).await, "he withdraws it");
    let mut by_mette = consent(&mikkel, &unit.id, Channel::Sms, at + 23);
    by_mette.consent.given_by = mette.id.clone();
    by_mette.consent.by_parent = true;
    ok(store.add_consent(&by_mette).await, "his mother gives it");
    assert_eq!(
        ok(withdraw_sms(at + 24, true).await, "a parent's"),
        Some(by_mette.id.clone())
    );

    // A youth's birth date: set, read, forgotten; nobody else's changes.
    let born = samtale_proto::clock::Date {
        year: 2011,
        month: 11,
        day: 20,
    };
    assert_eq!(ok(store.born(&mikkel.id).await, "none yet"), None);
    assert!(ok(store.set_born(&mikkel.id, Some(born)).await, "set"));
    assert_eq!(ok(store.born(&mikkel.id).await, "read"), Some(born));
    assert_eq!(ok(store.born(&mette.id).await, "another"), None);
    assert!(ok(store.set_born(&mikkel.id, None).await, "forget"));
    assert_eq!(ok(store.born(&mikkel.id).await, "gone"), None);
    assert!(ok(store.set_born(&mikkel.id, Some(born)).await, "again"));
    assert!(!ok(
        store
            .set_born(&fresh(samtale_proto::UserId::from_parts), Some(born))
            .await,
        "no such user"
    ));

    // Codes: only on a contact that exists; attempts counted; cleared by verifying; a new
    // value clears the code too.
    let code = ContactCode {
        sealed: vec![7; 32],
        expires_at_ms: at + 600_000,
        attempts: 0,
    };
    assert!(!ok(
        store
            .set_contact_code(&mikkel.id, Channel::Sms, &code)
            .await,
        "no contact"
    ));
    assert_eq!(
        ok(
            store.count_code_attempt(&mikkel.id, Channel::Sms).await,
            "no code"
        ),
        0
    );
    let phone = ContactRecord {
        citizen: mikkel.id.clone(),
        tenant: t.id.clone(),
        channel: Channel::Sms,
        sealed: vec![9; 40],
        state: ContactState::Unverified,
        source: "app".into(),
        updated_at_ms: at,
        verified_at_ms: None,
        failed_at_ms: None,
    };
    ok(store.put_contact(&phone).await, "phone");
    assert!(ok(
        store
            .set_contact_code(&mikkel.id, Channel::Sms, &code)
            .await,
        "code"
    ));
    assert_eq!(
        ok(store.contact_code(&mikkel.id, Channel::Sms).await, "read"),
        Some(code.clone())
    );
    for n in 1..=3 {
        assert_eq!(
            ok(
                store.count_code_attempt(&mikkel.id, Channel::Sms).await,
                "try"
            ),
            n
        );
    }
    assert!(ok(
        store
            .set_contact_state(&mikkel.id, Channel::Sms, ContactState::Verified, at + 5)
            .await,
        "verify"
    ));
    assert_eq!(
        ok(store.contact_code(&mikkel.id, Channel::Sms).await, "gone"),
        None
    );
    let list = ok(store.register_of(&mikkel.id).await, "register");
    assert_eq!(list[0].state, ContactState::Verified);
    assert_eq!(list[0].verified_at_ms, Some(at + 5));
    assert!(ok(
        store
            .set_contact_state(&mikkel.id, Channel::Sms, ContactState::Bounced, at + 6)
            .await,
        "bounce"
    ));
    let list = ok(store.register_of(&mikkel.id).await, "register");
    assert_eq!(
        (list[0].state, list[0].failed_at_ms),
        (ContactState::Bounced, Some(at + 6))
    );
    ok(
        store
            .set_contact_code(&mikkel.id, Channel::Sms, &code)
            .await,
        "code",
    );
    ok(store.put_contact(&phone).await, "a new number");
    assert_eq!(
        ok(
            store.contact_code(&mikkel.id, Channel::Sms).await,
            "cleared"
        ),
        None
    );
    assert!(!ok(
        store
            .set_contact_state(&mette.id, Channel::Sms, ContactState::Verified, at)
            .await,
        "no such contact"
    ));
}

pub async fn check_notice_queue<S: Store>(store: &S) {
    let t = make_tenant(store).await;
    let mikkel = make_citizen(store, &t, Role::Youth).await;
    // Far in the past, so that this check's notices are due before any other check's (the
    // queue is global) and claims here take only these.
    let base = 1_000_000;
    let first = queued(&mikkel, base);
    let later = queued(&mikkel, base + 1_000);
    ok(store.enqueue_notice(&later).await, "enqueue");
    ok(store.enqueue_notice(&first).await, "enqueue");
    assert_conflict(store.enqueue_notice(&first).await, "the same id");
    assert_eq!(
        ok(store.notice(&first.id).await, "read"),
        Some(first.clone())
    );
    assert!(ok(store.next_notice_at().await, "next").is_some_and(|n| n <= base));
    // Not yet due: nothing.
    assert!(
        ok(store.claim_notices(base - 1, 0, 10).await, "early").is_empty(),
        "nothing due before its time"
    );
    let claimed = ok(store.claim_notices(base, 0, 10).await, "claim");
    assert_eq!(claimed.len(), 1, "only the due one");
    assert_eq!(claimed[0].id, first.id);
    assert_eq!(
        (claimed[0].state, claimed[0].attempts),
        (NoticeState::Sending, 1)
    );
    assert!(
        ok(store.claim_notices(base, 0, 10).await, "twice").is_empty(),
        "a claimed notice is not handed out again"
    );
    // Sent, with the gateway's id; found by it; an update expecting another state changes
    // nothing.
    let sent = NoticeUpdate {
        state: NoticeState::Sent,
        reason: "sendt".into(),
        next_at_ms: None,
        sent_at_ms: Some(base + 5),
        gateway_ref: Some(tag("gw")),
    };
    assert!(ok(
        store
            .update_notice(&first.id, NoticeState::Sending, &sent)
            .await,
        "sent"
    ));
    assert!(!ok(
        store
            .update_notice(&first.id, NoticeState::Sending, &sent)
            .await,
        "not sending any more"
    ));
    let gw = sent.gateway_ref.clone().unwrap_or_default();
    let found = ok(store.notice_by_ref(Channel::Sms, &gw).await, "by ref");
    assert_eq!(found.as_ref().map(|n| n.state), Some(NoticeState::Sent));
    assert_eq!(found.as_ref().and_then(|n| n.sent_at_ms), Some(base + 5));
    assert_eq!(
        ok(
            store.notice_by_ref(Channel::Email, &gw).await,
            "other channel"
        ),
        None
    );

    // The later one: claimed, the gateway failed, queued again for later; claimed again.
    let claimed = ok(store.claim_notices(base + 1_000, 0, 10).await, "claim");
    assert_eq!(claimed.len(), 1);
    let retry = NoticeUpdate {
        state: NoticeState::Queued,
        reason: "gatewayen svarede 503".into(),
        next_at_ms: Some(base + 2_000),
        sent_at_ms: None,
        gateway_ref: None,
    };
    assert!(ok(
        store
            .update_notice(&later.id, NoticeState::Sending, &retry)
            .await,
        "retry"
    ));
    assert!(ok(store.claim_notices(base + 1_999, 0, 10).await, "wait").is_empty());
    let claimed = ok(store.claim_notices(base + 2_000, 0, 10).await, "again");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 2, "attempts counted");
    // Its sender stopped: past the lease, the next claim marks it uncertain, never resent.
    assert!(
        ok(
            store.claim_notices(base + 9_000, base + 5_000, 10).await,
            "lease"
        )
        .is_empty()
    );
    let left = ok(store.notice(&later.id).await, "read").map(|n| n.state);
    assert_eq!(left, Some(NoticeState::Uncertain));
    let mine = ok(store.notices_of(&mikkel.id, 10).await, "list");
    assert_eq!(mine.len(), 2);

    // Many claimers at once: each notice handed to exactly one.
    let many: Vec<QueuedNotice> = (0..40).map(|i| queued(&mikkel, base + 3_000 + i)).collect();
    for n in &many {
        ok(store.enqueue_notice(n).await, "enqueue many");
    }
    let claims = join_all((0..8).map(|_| store.claim_notices(base + 4_000, 0, 7))).await;
    let mut got: Vec<String> = claims
        .into_iter()
        .flat_map(|c| ok(c, "claim at once"))
        .map(|n| n.id)
        .collect();
    got.extend(
        ok(store.claim_notices(base + 4_000, 0, 100).await, "the rest")
            .into_iter()
            .map(|n| n.id),
    );
    got.sort();
    let mut want: Vec<String> = many.iter().map(|n| n.id.clone()).collect();
    want.sort();
    assert_eq!(got, want, "every notice claimed once, none twice");
}

pub async fn check_watches<S: Store>(store: &S) {
    use samtale_proto::api::{Role as R, ThreadKind};

    use super::{make_staff, new_thread, thread_event};
    let t = make_tenant(store).await;
    let other = make_tenant(store).await;
    let unit = Unit {
        id: fresh(UnitId::from_parts),
        tenant: t.id.clone(),
        name: tag("Ungeindsatsen"),
        created_at_ms: now_ms(),
        letterhead: Default::default(),
    };
    ok(store.create_unit(&unit).await, "unit");
    let sara = make_staff(store, &t, R::Caseworker).await;
    let mikkel = make_citizen(store, &t, R::Youth).await;
    let thread = new_thread(&t, &sara, ThreadKind::Youth);
    ok(
        store
            .create_thread(
                &thread,
                &[sara.id.clone(), mikkel.id.clone()],
                &thread_event(&thread),
                now_ms(),
            )
            .await,
        "thread",
    );
    // Far in the past, so that claims here see only this check's watches.
    let base = 2_000_000;
    let w = crate::store::Watch {
        citizen: mikkel.id.clone(),
        thread: thread.id.clone(),
        tenant: t.id.clone(),
        unit: unit.id.clone(),
        unread_since_ms: base,
        next_look_ms: base + 100,
        unreachable: Vec::new(),
        decided_at_ms: None,
    };
    ok(store.watch_unread(&w).await, "watch");
    // A later message keeps the older start.
    ok(
        store
            .watch_unread(&crate::store::Watch {
                unread_since_ms: base + 50,
                next_look_ms: base + 150,
                ..w.clone()
            })
            .await,
        "again",
    );
    assert!(
        ok(
            store.claim_watches(base + 99, base + 10_000, 10).await,
            "early"
        )
        .is_empty()
    );
    let due = ok(
        store.claim_watches(base + 100, base + 10_000, 10).await,
        "claim",
    );
    let leased = crate::store::Watch {
        next_look_ms: base + 10_000,
        ..w.clone()
    };
    assert_eq!(due, vec![leased.clone()], "the first start kept, leased");
    assert!(
        ok(
            store.claim_watches(base + 200, base + 10_000, 10).await,
            "leased"
        )
        .is_empty(),
        "a claimed watch is left alone until its lease ends"
    );
    // Decided unreachable, with reasons; listed for its municipality only.
    let reasons = vec![
        "intet mobilnummer".to_owned(),
        "app ikke åbnet i 23 dage".to_owned(),
    ];
    assert!(ok(
        store
            .decide_watch(&leased, base + 500, &reasons, base + 300, None)
            .await,
        "decide"
    ));
    let listed = ok(store.unreachable_watches(&t.id).await, "list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].unreachable, reasons);
    assert_eq!(listed[0].decided_at_ms, Some(base + 300));
    assert!(ok(store.unreachable_watches(&other.id).await, "other").is_empty());
    // Something changed (a consent given): decided again at once.
    assert!(
        ok(
            store.claim_watches(base + 400, base + 10_000, 10).await,
            "not yet"
        )
        .is_empty()
    );
    ok(store.look_again(&mikkel.id, base + 400).await, "look again");
    let again = ok(
        store.claim_watches(base + 400, base + 500, 10).await,
        "again",
    );
    assert_eq!(again.len(), 1, "due now");
    // Looked at again while a decision was under way: the stale decision keeps the new look.
    ok(store.look_again(&mikkel.id, base + 450).await, "look again");
    assert!(ok(
        store
            .decide_watch(&again[0], base + 5_000, &reasons, base + 460, None)
            .await,
        "stale decision"
    ));
    let again = ok(
        store.claim_watches(base + 500, base + 500, 10).await,
        "re-decided",
    );
    assert_eq!(again.len(), 1, "its look was kept");

    // Decided with a notice: stored in the same step, and off the list.
    let n = queued(&mikkel, base + 600);
    let due = ok(
        store.claim_watches(base + 500, base + 10_000, 10).await,
        "claim",
    );
    assert_eq!(due.len(), 1);
    assert!(ok(
        store
            .decide_watch(&due[0], base + 9_000, &[], base + 600, Some(&n))
            .await,
        "notify"
    ));
    assert_eq!(
        ok(store.notice(&n.id).await, "stored").map(|x| x.id),
        Some(n.id.clone())
    );
    assert!(ok(store.unreachable_watches(&t.id).await, "list").is_empty());
    // Read: the watch ends; a decision then stores nothing.
    ok(store.clear_unread(&mikkel.id, &thread.id).await, "read");
    let late = queued(&mikkel, base + 700);
    assert!(!ok(
        store
            .decide_watch(&due[0], base + 9_000, &[], base + 700, Some(&late))
            .await,
        "gone"
    ));
    assert_eq!(ok(store.notice(&late.id).await, "not stored"), None);
}
