//! Applying what arrives from the server to the local store: thread states, pinned device keys,
//! sealed envelopes (verified and opened here), and receipts. Every function runs inside the
//! caller's transaction and is idempotent, so replaying an inbox page changes nothing.
//!
//! Trust rules: devices are pinned under the chain rules of [`crate::trust`] (see
//! [`crate::devices`]) and never replaced; an envelope opens only if its sender is a member of
//! the thread and signed with a trusted device of that member; a receipt counts only if its
//! device signed it. A person's name and role stay as first pinned. Anything else becomes a
//! notice.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_crypto::CryptoError;
use samtale_crypto::invite::{ProofRole, proof_key, verify_proof};
use samtale_proto::api::{DeviceInfo, ThreadInfo, receipt_bytes};
use samtale_proto::care::Care;
use samtale_proto::invite::ProofKind;
use samtale_proto::payload::{MessagePayload, PlainPayload};
use samtale_proto::{B64, DeviceId, EnvelopeId, ReceiptKind, SealedEnvelope, ThreadId, UserId};

use crate::cards;
use crate::checkins::{self, describe_plan};
use crate::devices;
use crate::engine::{Session, fresh, now_ms};
use crate::error::ClientError;
use crate::trust::State;

/// Result of applying one envelope.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// Stored (or already there); the thread changed.
    Done(ThreadId),
    /// A new message from someone else was stored.
    Received(ThreadId),
    /// The thread or the sender's device is unknown here: fetch the thread and try again.
    NeedThread(ThreadId),
}

/// Adds a notice (a line from this device, not from a person) to a thread.
pub fn notice(conn: &Connection, thread: &ThreadId, text: &str) -> Result<(), ClientError> {
    let id = fresh(EnvelopeId::from_parts);
    let now = now_ms();
    conn.execute(
        "INSERT INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
         VALUES (?1, ?2, '', '', 'notice', ?3, ?4, ?4, 'received')",
        params![id.as_str(), thread.as_str(), text, now],
    )?;
    Ok(())
}

fn user_name(conn: &Connection, user: &str) -> Result<String, ClientError> {
    Ok(conn
        .query_row(
            "SELECT display_name FROM users WHERE id = ?1",
            [user],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .unwrap_or_else(|| "En deltager".to_owned()))
}

/// Pins a person's name and role the first time they are seen. A different name or role the
/// server announces later is shown once as a notice and never applied: a server must not be
/// able to turn Sara into "Politiet" quietly.
fn pin_person(
    conn: &Connection,
    s: &Session,
    thread: &ThreadId,
    u: &samtale_proto::api::UserInfo,
) -> Result<(), ClientError> {
    let uid = u.id.as_str();
    let pinned: Option<(String, String, Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT display_name, role, announced_name, announced_role FROM users WHERE id = ?1",
            [uid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((name, role, said_name, said_role)) = pinned else {
        conn.execute(
            "INSERT INTO users (id, role, display_name) VALUES (?1, ?2, ?3)",
            params![uid, u.role.as_str(), u.display_name],
        )?;
        return Ok(());
    };
    // This account's own name and role come from its own session, not from a thread listing.
    if u.id == s.user {
        return Ok(());
    }
    if u.display_name != name && said_name.as_deref() != Some(u.display_name.as_str()) {
        conn.execute(
            "UPDATE users SET announced_name = ?2 WHERE id = ?1",
            params![uid, u.display_name],
        )?;
        notice(
            conn,
            thread,
            &format!(
                "Serveren oplyser et andet navn for {name}: \"{}\". Her vises fortsat {name}.",
                u.display_name
            ),
        )?;
    }
    if u.role.as_str() != role && said_role.as_deref() != Some(u.role.as_str()) {
        conn.execute(
            "UPDATE users SET announced_role = ?2 WHERE id = ?1",
            params![uid, u.role.as_str()],
        )?;
        notice(
            conn,
            thread,
            &format!(
                "Serveren angiver nu en anden rolle for {name} ({}). Rollen er ikke ændret her.",
                u.role.as_str()
            ),
        )?;
    }
    Ok(())
}

/// Stores a thread's state: members, their names and their devices (pinned if new). Tells the
/// thread about new devices of known people and about members who came or left.
pub fn apply_thread(conn: &Connection, s: &Session, t: &ThreadInfo) -> Result<(), ClientError> {
    let existed: bool = conn.query_row(
        "SELECT count(*) FROM threads WHERE id = ?1",
        [t.id.as_str()],
        |r| r.get::<_, i64>(0),
    )? > 0;
    let mut old_members: Vec<String> = Vec::new();
    if existed {
        let mut stmt = conn.prepare("SELECT user_id FROM members WHERE thread_id = ?1")?;
        for r in stmt.query_map([t.id.as_str()], |r| r.get::<_, String>(0))? {
            old_members.push(r?);
        }
    }
    conn.execute(
        "INSERT OR IGNORE INTO threads (id, kind, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            t.id.as_str(),
            t.kind.as_str(),
            t.created_by.as_str(),
            t.created_at_ms
        ],
    )?;
    conn.execute("DELETE FROM members WHERE thread_id = ?1", [t.id.as_str()])?;
    for m in &t.members {
        let uid = m.user.id.as_str();
        conn.execute(
            "INSERT OR IGNORE INTO members (thread_id, user_id) VALUES (?1, ?2)",
            [t.id.as_str(), uid],
        )?;
        pin_person(conn, s, &t.id, &m.user)?;
    }
    for m in &t.members {
        // First devices before linked ones, so a link finds its signer pinned.
        let mut listed: Vec<&DeviceInfo> = m.devices.iter().collect();
        listed.sort_by_key(|d| (d.link.is_some(), d.created_at_ms));
        for d in listed {
            // A device listed under one member but naming another is the server's mistake or
            // its trick: never pin it.
            if d.user != m.user.id {
                continue;
            }
            devices::apply(conn, s, d, 0)?;
        }
    }
    for m in &t.members {
        let uid = m.user.id.as_str();
        if existed && !old_members.iter().any(|o| o == uid) {
            let name = user_name(conn, uid)?;
            notice(conn, &t.id, &format!("{name} er kommet med i samtalen."))?;
        }
    }
    for old in &old_members {
        if !t.members.iter().any(|m| m.user.id.as_str() == old) {
            let name = user_name(conn, old)?;
            notice(
                conn,
                &t.id,
                &format!("{name} er ikke længere med i samtalen."),
            )?;
        }
    }
    Ok(())
}

/// A device event: a new device of this account or of someone this person talks to, or the
/// first device of a citizen this caseworker invited (then its proof is checked with the
/// invitation's secret).
pub fn apply_device(conn: &Connection, s: &Session, d: &DeviceInfo) -> Result<(), ClientError> {
    let mut verified = 0;
    // Only a chain's first device is proven by an invitation; later ones by their link.
    if let Some(proof) = d.join_proof.as_ref().filter(|_| d.link.is_none()) {
        let inv: Option<(String, String, String, Vec<u8>)> = conn
            .query_row(
                "SELECT role, display_name, code_secret, qr_secret FROM invitations WHERE id = ?1",
                [proof.invitation.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        if let Some((role, name, code_secret, qr_secret)) = inv {
            let secret = match proof.kind {
                ProofKind::Code => code_secret.into_bytes(),
                ProofKind::Qr => qr_secret,
            };
            let ok = proof_key(&secret, proof.kind, &proof.invitation)
                .map(|k| verify_proof(&k, ProofRole::Joiner, &d.keys, proof.mac.as_slice()))
                .unwrap_or(false);
            verified = if ok { 1 } else { -1 };
            conn.execute(
                "INSERT OR IGNORE INTO users (id, role, display_name) VALUES (?1, ?2, ?3)",
                params![d.user.as_str(), role, name],
            )?;
            // Only a proof that checks out ties the invitation to the person (and its rule to
            // the chain), and only once: a server cannot move it onto someone else.
            if ok {
                conn.execute(
                    "UPDATE invitations SET joined_user = ?2, joined_chain = ?3 WHERE id = ?1 AND joined_user IS NULL",
                    params![proof.invitation.as_str(), d.user.as_str(), d.chain],
                )?;
            }
        }
    }
    if devices::apply(conn, s, d, verified)? == devices::Pin::Known && verified != 0 {
        // Pinned from a member list before its proof arrived: the proof settles it, and the
        // devices linked from it share the outcome.
        devices::set_chain_verified(conn, &d.id, verified)?;
    }
    Ok(())
}

/// True when this device's invitation proved the first device of `user`'s chain `chain`: then
/// only devices proven through it (or linked from it) count in that chain.
pub fn invited_here(conn: &Connection, user: &str, chain: u32) -> Result<bool, ClientError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM invitations WHERE joined_user = ?1 AND COALESCE(joined_chain, 0) = ?2",
        params![user, chain],
        |r| r.get::<_, i64>(0),
    )? > 0)
}

/// Checks, opens and stores one envelope. Own envelopes coming back mark the message sent.
pub fn apply_envelope(
    conn: &Connection,
    s: &Session,
    env: &SealedEnvelope,
) -> Result<Applied, ClientError> {
    let h = &env.header;
    let thread = h.thread.clone();
    let existing: Option<String> = conn
        .query_row(
            "SELECT sender_device FROM messages WHERE id = ?1",
            [h.id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(device) = existing {
        if device == s.device.as_str() {
            conn.execute(
                "UPDATE messages SET state = 'sent' WHERE id = ?1 AND state IN ('queued', 'planned')",
                [h.id.as_str()],
            )?;
        }
        return Ok(Applied::Done(thread));
    }
    let is_member: bool = conn.query_row(
        "SELECT count(*) FROM members WHERE thread_id = ?1 AND user_id = ?2",
        [thread.as_str(), h.sender.as_str()],
        |r| r.get::<_, i64>(0),
    )? > 0;
    let Some(pinned) = devices::pinned_keys(conn, h.sender_device.as_str(), h.sender.as_str())?
    else {
        return Ok(Applied::NeedThread(thread));
    };
    if !is_member {
        return Ok(Applied::NeedThread(thread));
    }
    let name = user_name(conn, h.sender.as_str())?;
    let refused = match pinned.state {
        State::Trusted => None,
        State::Revoked => Some("den kom fra en enhed, der er fjernet"),
        State::Retired => {
            Some("den kom fra en enhed, hvis nøgler er nulstillet af en administrator")
        }
        State::Pending | State::Refused => {
            Some("den kom fra en enhed, som ingen af afsenderens andre enheder har godkendt")
        }
    };
    if let Some(why) = refused {
        notice(
            conn,
            &thread,
            &format!("En besked fra {name} blev afvist: {why}."),
        )?;
        return Ok(Applied::Done(thread));
    }
    let verified = pinned.verified;
    if verified < 1 && invited_here(conn, h.sender.as_str(), pinned.chain)? {
        notice(
            conn,
            &thread,
            &format!(
                "En besked fra {name} blev afvist: den kom fra en enhed, som invitationen ikke har bekræftet."
            ),
        )?;
        return Ok(Applied::Done(thread));
    }
    if verified < 0 {
        notice(
            conn,
            &thread,
            &format!(
                "En besked fra {name} blev afvist: afsenderens enhed kunne ikke bekræftes med invitationen."
            ),
        )?;
        return Ok(Applied::Done(thread));
    }
    let plaintext = match s.identity.open(env, &pinned.keys) {
        Ok(p) => p,
        Err(CryptoError::BadSignature) => {
            notice(
                conn,
                &thread,
                &format!("En besked fra {name} blev afvist, fordi dens underskrift ikke passer."),
            )?;
            return Ok(Applied::Done(thread));
        }
        Err(CryptoError::NotForThisDevice) => {
            // Said once per conversation: a device added later may meet many such messages.
            let text = "Beskeder, der blev sendt, før denne enhed kom med, kan ikke læses her.";
            let said: bool = conn.query_row(
                "SELECT count(*) FROM messages WHERE thread_id = ?1 AND kind = 'notice' AND body = ?2",
                params![thread.as_str(), text],
                |r| r.get::<_, i64>(0),
            )? > 0;
            if !said {
                notice(conn, &thread, text)?;
            }
            return Ok(Applied::Done(thread));
        }
        Err(e) => return Err(e.into()),
    };
    let (text, files) = match serde_json::from_slice::<MessagePayload>(&plaintext) {
        Ok(MessagePayload {
            care: Some(care), ..
        }) => {
            return match care {
                Care::CheckInPlan(p) => {
                    checkins::apply::plan(conn, h, &p, &describe_plan(&p), &name)
                }
                Care::CheckIn(a) => checkins::apply::answer(conn, h, &a),
                Care::Event(e) => checkins::apply::event(conn, h, &e, &name),
                Care::Appointment(a) => cards::apply::appointment(conn, h, &a, &name),
                Care::AppointmentReply(r) => cards::apply::reply(conn, h, &r),
                Care::Question(q) => cards::apply::question(conn, h, &q, &name),
                Care::Feedback(f) => cards::apply::feedback(conn, h, &f),
                Care::Record(m) => crate::records::apply::mark(conn, h, &m, &name),
            };
        }
        Ok(p) => (p.text, crate::files::received(&p.files)),
        // A care item of a newer version: its plain text is what this version can show.
        Err(_) => match serde_json::from_slice::<PlainPayload>(&plaintext) {
            Ok(p) => (p.text, Vec::new()),
            Err(_) => {
                notice(
                    conn,
                    &thread,
                    &format!("En besked fra {name} kunne ikke læses af denne version af Samtale."),
                )?;
                return Ok(Applied::Done(thread));
            }
        },
    };
    conn.execute(
        "INSERT INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'received')",
        params![h.id.as_str(), thread.as_str(), h.sender.as_str(), h.sender_device.as_str(), h.kind.as_str(), text, h.sent_at_ms, now_ms()],
    )?;
    crate::files::store::insert(conn, &h.id, &thread, &files, None)?;
    conn.execute(
        "INSERT OR IGNORE INTO pending_receipts (thread_id, envelope_id, kind) VALUES (?1, ?2, 'delivered')",
        [thread.as_str(), h.id.as_str()],
    )?;
    Ok(Applied::Received(thread))
}

/// Stores a member device's receipt, if that device signed it: a mark the server made up is
/// dropped. Returns whether it was stored.
pub fn apply_receipt(
    conn: &Connection,
    r: &ReceiptEvent<'_>,
    at_ms: i64,
) -> Result<bool, ClientError> {
    let member: bool = conn.query_row(
        "SELECT count(*) FROM members WHERE thread_id = ?1 AND user_id = ?2",
        [r.thread.as_str(), r.user.as_str()],
        |row| row.get::<_, i64>(0),
    )? > 0;
    let Some(pinned) = devices::pinned_keys(conn, r.device.as_str(), r.user.as_str())? else {
        return Ok(false);
    };
    let Some(signature) = r.signature else {
        return Ok(false);
    };
    let signed = receipt_bytes(r.thread, r.device, r.kind, r.envelopes);
    if !member
        || pinned.state != State::Trusted
        || samtale_crypto::verify_signature(&pinned.keys, &signed, signature.as_slice()).is_err()
    {
        tracing::warn!(device = %r.device, "a receipt without a valid signature was dropped");
        return Ok(false);
    }
    for e in r.envelopes {
        conn.execute(
            "INSERT OR IGNORE INTO receipts (envelope_id, user_id, device_id, kind, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![e.as_str(), r.user.as_str(), r.device.as_str(), r.kind.as_str(), at_ms],
        )?;
    }
    Ok(true)
}

/// A receipt event's parts.
pub struct ReceiptEvent<'a> {
    pub thread: &'a ThreadId,
    pub user: &'a UserId,
    pub device: &'a DeviceId,
    pub kind: ReceiptKind,
    pub envelopes: &'a [EnvelopeId],
    pub signature: Option<&'a B64>,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use samtale_crypto::DeviceIdentity;
    use samtale_proto::api::{MemberInfo, Role, ThreadKind, UserInfo};
    use samtale_proto::{DeviceId, TenantId};

    use super::*;
    use crate::api::Api;

    fn id<T>(f: fn(u64, [u8; 10]) -> T, n: u8) -> T {
        f(1_700_000_000_000, [n; 10])
    }

    fn device(user: &UserId, n: u8, identity: &DeviceIdentity) -> DeviceInfo {
        DeviceInfo {
            id: id(DeviceId::from_parts, n),
            user: user.clone(),
            name: format!("d{n}"),
            keys: identity.public_keys(),
            created_at_ms: 0,
            join_proof: None,
            link: None,
            chain: 0,
            revoked_at_ms: None,
        }
    }

    fn member(user: &UserId, devices: Vec<DeviceInfo>) -> MemberInfo {
        MemberInfo {
            user: UserInfo {
                id: user.clone(),
                tenant: id(TenantId::from_parts, 1),
                role: Role::Youth,
                display_name: user.to_string(),
            },
            devices,
        }
    }

    /// What a server that lies about devices can and cannot get this device to pin.
    #[test]
    fn server_supplied_devices_cannot_impersonate() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("t.db"), &[1; 32]).unwrap();
        let me = id(UserId::from_parts, 1);
        let victim = id(UserId::from_parts, 2);
        let (mine, forged) = (DeviceIdentity::generate(), DeviceIdentity::generate());
        let my_device = device(&me, 1, &mine);
        let s = Session {
            api: Api::new("http://127.0.0.1:9").unwrap(),
            user: me.clone(),
            role: Role::Caseworker,
            device: my_device.id.clone(),
            identity: Arc::new(mine),
        };
        devices::pin_own(&conn, &me, &my_device.id, &my_device.keys, 0, None).unwrap();
        devices::pin_proven(&conn, &device(&victim, 2, &DeviceIdentity::generate())).unwrap();
        // The server lists my own device with its keys, and slips a device naming the victim
        // into my own entry.
        let mut swapped = device(&me, 1, &forged);
        swapped.name = "forged".into();
        let smuggled = device(&victim, 3, &forged);
        let thread = ThreadInfo {
            id: id(ThreadId::from_parts, 1),
            tenant: id(TenantId::from_parts, 1),
            kind: ThreadKind::Youth,
            created_by: me.clone(),
            created_at_ms: 0,
            members: vec![
                member(&me, vec![swapped, smuggled]),
                member(&victim, vec![]),
            ],
            unit: None,
        };
        apply_thread(&conn, &s, &thread).unwrap();
        let mine = devices::pinned_keys(&conn, my_device.id.as_str(), me.as_str())
            .unwrap()
            .unwrap();
        assert_eq!(
            (mine.keys, mine.verified, mine.state),
            (my_device.keys.clone(), 1, State::Trusted),
            "my own keys were replaced"
        );
        assert!(
            devices::pinned_keys(&conn, id(DeviceId::from_parts, 3).as_str(), victim.as_str())
                .unwrap()
                .is_none(),
            "a device was pinned to someone it was not listed under"
        );
        // A second first device on my own account, vouched for by none of mine, is refused and
        // I am told; nothing is sealed to it.
        let extra = device(&me, 4, &DeviceIdentity::generate());
        let mut thread = thread;
        thread.members[0].devices = vec![extra.clone()];
        apply_thread(&conn, &s, &thread).unwrap();
        let pinned = devices::pinned_keys(&conn, extra.id.as_str(), me.as_str())
            .unwrap()
            .unwrap();
        assert_eq!(pinned.state, State::Refused);
        let alerts: Vec<String> = conn
            .prepare("SELECT body FROM alerts")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            alerts,
            vec!["En ukendt enhed (\"d4\") blev vist på din konto, men bruges ikke: ingen af kontoens andre enheder har godkendt den.".to_owned()]
        );
        // Listed again: no second alert.
        apply_thread(&conn, &s, &thread).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM alerts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }
}
