//! Watching unread messages and deciding notices (issue 9). When a caseworker's message lands in
//! a conversation that belongs to a unit, each youth or parent in it gets a watch
//! ([`NoticeIndex::watch_unread`](crate::store::NoticeIndex::watch_unread)); reading the
//! conversation (a read receipt) or writing in it ends the watch. [`run`] takes due watches,
//! gathers the facts the rules need (contacts, consents, the last notice, when the app was last
//! seen), asks [`rules::decide`], and records the outcome: a content-free notice queued in the
//! same transaction, a hold until quiet hours end, the next look, or the reasons he cannot be
//! reached (the "kan ikke nås digitalt" list). A watch is taken by one node at a time.

use std::sync::Arc;
use std::time::Duration;

use samtale_proto::api::Role;
use samtale_proto::notices::{Channel, NoticeKind, NoticeState, Purpose};
use tokio::sync::watch as signal;

use super::queue::{Outbound, seal_notice};
use super::rules::{self, ContactFact, Decision, Facts};
use crate::auth::now_ms;
use crate::store::{Store, StoreError, Watch};

/// A watch taken by a node is left alone by others this long.
const LEASE_MS: i64 = 5 * 60_000;
const DAY_MS: i64 = 86_400_000;

/// The one text a notice about a new message carries: the municipality, and nothing else.
pub fn new_message_text(municipality: &str) -> String {
    format!("Du har en ny besked fra {municipality} i Samtale. Åbn appen for at læse den.")
}

/// A message landed: when a caseworker sent it in a conversation of a unit, each youth and
/// parent among `recipients` (all members when None) gets a watch, unread from now.
pub async fn start_watches<S: Store>(
    store: &S,
    rules: &rules::Settings,
    header: &samtale_proto::EnvelopeHeader,
    recipients: Option<&[samtale_proto::UserId]>,
) -> Result<(), StoreError> {
    if header.kind != samtale_proto::PayloadKind::Message {
        return Ok(());
    }
    let from_staff = matches!(store.user(&header.sender).await?, Some(u) if u.role.is_staff());
    if !from_staff {
        return Ok(());
    }
    let Some(thread) = store.thread(&header.thread).await? else {
        return Ok(());
    };
    let Some(unit) = thread.unit else {
        return Ok(());
    };
    let now = now_ms();
    for member in store.thread_members(&header.thread).await? {
        if recipients.is_some_and(|r| !r.contains(&member)) {
            continue;
        }
        let citizen = matches!(store.user(&member).await?, Some(u) if !u.role.is_staff());
        if !citizen {
            continue;
        }
        store
            .watch_unread(&Watch {
                citizen: member,
                thread: header.thread.clone(),
                tenant: thread.tenant.clone(),
                unit: unit.clone(),
                unread_since_ms: now,
                next_look_ms: now + rules.wait_ms,
                unreachable: Vec::new(),
                decided_at_ms: None,
            })
            .await?;
    }
    Ok(())
}

/// Planned messages just released (each fan-out names its recipients and their inbox entry):
/// the same watches as for a message sent now.
pub async fn start_watches_for_released<S: Store>(
    store: &S,
    rules: &rules::Settings,
    released: &[crate::store::Fanout],
) -> Result<(), StoreError> {
    for fanout in released {
        let Some((first, seq)) = fanout.first() else {
            continue;
        };
        let entry = store.inbox(first, seq.saturating_sub(1), 1).await?;
        let Some(samtale_proto::EventBody::Envelope { envelope }) =
            entry.into_iter().find(|e| e.seq == *seq).map(|e| e.body)
        else {
            continue;
        };
        let recipients: Vec<samtale_proto::UserId> =
            fanout.iter().map(|(u, _)| u.clone()).collect();
        start_watches(store, rules, &envelope.header, Some(&recipients)).await?;
    }
    Ok(())
}

/// Decides due watches until `stop` turns true, looking every `every`.
pub async fn run<S: Store>(
    store: S,
    out: Arc<Outbound>,
    settings: Arc<rules::Settings>,
    every: Duration,
    mut stop: signal::Receiver<bool>,
) {
    loop {
        let now = now_ms();
        match store.claim_watches(now, now + LEASE_MS, 50).await {
            Ok(due) => {
                let full = due.len() == 50;
                for w in due {
                    if let Err(e) = decide(&store, &out, &settings, &w, now_ms()).await {
                        tracing::error!(citizen = %w.citizen, error = %e, "deciding a notice failed");
                    }
                }
                if full {
                    continue;
                }
            }
            Err(e) => tracing::error!(error = %e, "claiming watches failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Gathers the facts for one watch, decides, and records the outcome.
pub async fn decide<S: Store>(
    store: &S,
    out: &Outbound,
    s: &rules::Settings,
    w: &Watch,
    now: i64,
) -> Result<(), StoreError> {
    let Some(user) = store.user(&w.citizen).await? else {
        store.clear_unread(&w.citizen, &w.thread).await?;
        return Ok(());
    };
    let unit_name = store
        .unit(&w.unit)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let municipality = store
        .tenant(&w.tenant)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    let register = store.register_of(&w.citizen).await?;
    // A channel this server cannot send on is as good as none.
    let contacts: Vec<ContactFact> = register
        .iter()
        .filter(|c| out.can_send(c.channel))
        .map(|c| ContactFact {
            channel: c.channel,
            state: c.state,
            verified_at_ms: c.verified_at_ms,
            failed_at_ms: c.failed_at_ms,
        })
        .collect();
    let consents: Vec<_> = store
        .consents_of(&w.citizen)
        .await?
        .into_iter()
        .map(|r| r.consent)
        .collect();
    let last_notice = store
        .notices_of(&w.citizen, 50)
        .await?
        .into_iter()
        .filter(|n| n.kind == NoticeKind::NewMessage && n.state != NoticeState::Failed)
        .map(|n| n.created_at_ms)
        .max();
    let app_seen = store
        .devices_of(&w.citizen)
        .await?
        .iter()
        .filter(|d| d.revoked_at_ms.is_none())
        .map(|d| d.last_seen_ms)
        .max();
    let facts = Facts {
        now_ms: now,
        unit: w.unit.as_str(),
        unit_name: &unit_name,
        purpose: Purpose::NewMessages,
        citizen: &w.citizen,
        is_youth: user.role == Role::Youth,
        born: store.born(&w.citizen).await?,
        unread_since_ms: Some(w.unread_since_ms),
        last_notice_ms: last_notice,
        app_seen_ms: app_seen,
        contacts: &contacts,
        consents: &consents,
    };
    let decision = rules::decide(&facts, s);
    tracing::info!(citizen = %w.citizen, ?decision, "notice decision");
    match decision {
        Decision::Wait { .. } => {
            let next = if now - w.unread_since_ms < s.wait_ms {
                w.unread_since_ms + s.wait_ms
            } else if let Some(last) = last_notice.filter(|l| now - l < s.gap_ms) {
                last + s.gap_ms
            } else {
                // Reachable in the app for now: look again tomorrow.
                now + DAY_MS
            };
            store.decide_watch(w, next, &[], now, None).await?;
        }
        Decision::Hold { until_ms, .. } => {
            store.decide_watch(w, until_ms, &[], now, None).await?;
        }
        Decision::Send { channel, why } => {
            let Some(to) = open_contact(out, &register, &w.citizen, channel) else {
                tracing::error!(citizen = %w.citizen, "a contact does not open with this contact_key");
                return Ok(());
            };
            let notice = seal_notice(
                &out.key,
                super::queue::NewNotice {
                    tenant: &w.tenant,
                    citizen: &w.citizen,
                    channel,
                    kind: NoticeKind::NewMessage,
                    to: &to,
                    text: &new_message_text(&municipality),
                    reason: why,
                    at_ms: now,
                },
            )?;
            let stored = store
                .decide_watch(w, now + s.gap_ms, &[], now, Some(&notice))
                .await?;
            if stored {
                out.wake.notify_one();
            }
        }
        Decision::Unreachable { reasons } => {
            store
                .decide_watch(w, now + DAY_MS, &reasons, now, None)
                .await?;
        }
    }
    Ok(())
}

fn open_contact(
    out: &Outbound,
    register: &[crate::store::ContactRecord],
    citizen: &samtale_proto::UserId,
    channel: Channel,
) -> Option<String> {
    let c = register.iter().find(|c| c.channel == channel)?;
    let place = super::contact::sealed_place(citizen, channel);
    let bytes = out.key.open(&place, &c.sealed).ok()?;
    String::from_utf8(bytes.to_vec()).ok()
}
