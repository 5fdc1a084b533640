//! Applying what arrives from the server to the local store: thread states, pinned device keys,
//! sealed envelopes (verified and opened here), and receipts. Every function runs inside the
//! caller's transaction and is idempotent, so replaying an inbox page changes nothing.
//!
//! Trust rules: a device key is pinned the first time a device is seen (or verified through an
//! invitation proof) and never replaced; an envelope opens only if its sender is a member of the
//! thread and signed with a pinned device of that member. Anything else becomes a notice.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_crypto::CryptoError;
use samtale_crypto::invite::{ProofRole, proof_key, verify_proof};
use samtale_proto::api::{DeviceInfo, DeviceKeys, ThreadInfo};
use samtale_proto::invite::ProofKind;
use samtale_proto::payload::MessagePayload;
use samtale_proto::{B64, EnvelopeId, ReceiptKind, SealedEnvelope, ThreadId, UserId};

use crate::engine::{Session, fresh, now_ms};
use crate::error::ClientError;

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

/// Pins a device's keys if the device is new here. Returns true when it was new.
pub fn pin_device(conn: &Connection, d: &DeviceInfo, verified: i64) -> Result<bool, ClientError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO devices (id, user_id, name, enc_key, sign_key, pinned_at, verified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![d.id.as_str(), d.user.as_str(), d.name, d.keys.enc, d.keys.sign.encode(), now_ms(), verified],
    )?;
    Ok(n == 1)
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

fn device_count(conn: &Connection, user: &str) -> Result<i64, ClientError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM devices WHERE user_id = ?1",
        [user],
        |r| r.get(0),
    )?)
}

fn shared_threads(
    conn: &Connection,
    me: &UserId,
    other: &UserId,
) -> Result<Vec<ThreadId>, ClientError> {
    let mut stmt = conn.prepare(
        "SELECT a.thread_id FROM members a JOIN members b ON a.thread_id = b.thread_id WHERE a.user_id = ?1 AND b.user_id = ?2",
    )?;
    let rows = stmt.query_map([me.as_str(), other.as_str()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        if let Ok(t) = ThreadId::parse(&r?) {
            out.push(t);
        }
    }
    Ok(out)
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
            "INSERT INTO users (id, role, display_name) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET display_name = excluded.display_name, role = excluded.role",
            params![uid, m.user.role.as_str(), m.user.display_name],
        )?;
        conn.execute(
            "INSERT OR IGNORE INTO members (thread_id, user_id) VALUES (?1, ?2)",
            [t.id.as_str(), uid],
        )?;
        let known_before = device_count(conn, uid)? > 0;
        for d in &m.devices {
            // A device listed under one member but naming another is the server's mistake or
            // its trick: never pin it.
            if d.user != m.user.id {
                continue;
            }
            if pin_device(conn, d, 0)? && known_before {
                let text = if m.user.id == s.user {
                    format!(
                        "Din konto har fået en ny enhed ({}). Var det ikke dig, så sig det til din sagsbehandler.",
                        d.name
                    )
                } else {
                    format!(
                        "{} har en ny enhed ({}). Sammenlign sikkerhedskoderne, før I skriver fortroligt.",
                        m.user.display_name, d.name
                    )
                };
                notice(conn, &t.id, &text)?;
            }
        }
        if existed && !old_members.iter().any(|o| o == uid) {
            notice(
                conn,
                &t.id,
                &format!("{} er kommet med i samtalen.", m.user.display_name),
            )?;
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

/// A device event: a new device of someone this person talks to, or the first device of a
/// citizen this caseworker invited (then its proof is checked with the invitation's secret).
pub fn apply_device(conn: &Connection, s: &Session, d: &DeviceInfo) -> Result<(), ClientError> {
    let had_devices = device_count(conn, d.user.as_str())? > 0;
    let mut verified = 0;
    if let Some(proof) = &d.join_proof {
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
            conn.execute(
                "UPDATE invitations SET joined_user = ?2 WHERE id = ?1",
                params![proof.invitation.as_str(), d.user.as_str()],
            )?;
        }
    }
    let new = pin_device(conn, d, verified)?;
    if !new && verified != 0 {
        conn.execute(
            "UPDATE devices SET verified = ?2 WHERE id = ?1 AND verified = 0",
            params![d.id.as_str(), verified],
        )?;
    }
    if new && had_devices && d.user != s.user {
        let name = user_name(conn, d.user.as_str())?;
        for t in shared_threads(conn, &s.user, &d.user)? {
            notice(
                conn,
                &t,
                &format!(
                    "{name} har en ny enhed ({}). Sammenlign sikkerhedskoderne, før I skriver fortroligt.",
                    d.name
                ),
            )?;
        }
    }
    Ok(())
}

/// True when this device invited `user`: then only devices proven through the invitation count.
pub fn invited_here(conn: &Connection, user: &str) -> Result<bool, ClientError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM invitations WHERE joined_user = ?1",
        [user],
        |r| r.get::<_, i64>(0),
    )? > 0)
}

fn pinned_keys(
    conn: &Connection,
    device: &str,
    user: &str,
) -> Result<Option<(DeviceKeys, i64)>, ClientError> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT enc_key, sign_key, verified FROM devices WHERE id = ?1 AND user_id = ?2",
            [device, user],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match row {
        Some((enc, sign, verified)) => {
            let sign = B64::decode(&sign)
                .map_err(|_| ClientError::Protocol("a pinned key is corrupt".into()))?;
            Some((DeviceKeys { enc, sign }, verified))
        }
        None => None,
    })
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
                "UPDATE messages SET state = 'sent' WHERE id = ?1 AND state = 'queued'",
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
    let Some((keys, verified)) = pinned_keys(conn, h.sender_device.as_str(), h.sender.as_str())?
    else {
        return Ok(Applied::NeedThread(thread));
    };
    if !is_member {
        return Ok(Applied::NeedThread(thread));
    }
    let name = user_name(conn, h.sender.as_str())?;
    if verified < 1 && invited_here(conn, h.sender.as_str())? {
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
    let plaintext = match s.identity.open(env, &keys) {
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
            notice(
                conn,
                &thread,
                &format!(
                    "{name} sendte en besked, før denne enhed kom med; den kan læses på dine andre enheder."
                ),
            )?;
            return Ok(Applied::Done(thread));
        }
        Err(e) => return Err(e.into()),
    };
    let text = match serde_json::from_slice::<MessagePayload>(&plaintext) {
        Ok(p) => p.text,
        Err(_) => {
            notice(
                conn,
                &thread,
                &format!("En besked fra {name} kunne ikke læses af denne version af Samtale."),
            )?;
            return Ok(Applied::Done(thread));
        }
    };
    conn.execute(
        "INSERT INTO messages (id, thread_id, sender, sender_device, kind, body, sent_at, received_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'received')",
        params![h.id.as_str(), thread.as_str(), h.sender.as_str(), h.sender_device.as_str(), h.kind.as_str(), text, h.sent_at_ms, now_ms()],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO pending_receipts (thread_id, envelope_id, kind) VALUES (?1, ?2, 'delivered')",
        [thread.as_str(), h.id.as_str()],
    )?;
    Ok(Applied::Received(thread))
}

pub fn apply_receipt(
    conn: &Connection,
    envelopes: &[EnvelopeId],
    user: &UserId,
    device: &str,
    kind: ReceiptKind,
    at_ms: i64,
) -> Result<(), ClientError> {
    for e in envelopes {
        conn.execute(
            "INSERT OR IGNORE INTO receipts (envelope_id, user_id, device_id, kind, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![e.as_str(), user.as_str(), device, kind.as_str(), at_ms],
        )?;
    }
    Ok(())
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
        pin_device(&conn, &my_device, 1).unwrap();
        pin_device(&conn, &device(&victim, 2, &DeviceIdentity::generate()), 0).unwrap();
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
        };
        apply_thread(&conn, &s, &thread).unwrap();
        let (keys, verified) = pinned_keys(&conn, my_device.id.as_str(), me.as_str())
            .unwrap()
            .unwrap();
        assert_eq!(
            (keys, verified),
            (my_device.keys.clone(), 1),
            "my own keys were replaced"
        );
        assert!(
            pinned_keys(&conn, id(DeviceId::from_parts, 3).as_str(), victim.as_str())
                .unwrap()
                .is_none(),
            "a device was pinned to someone it was not listed under"
        );
        // A second, unannounced device on my own account is announced in the thread.
        let extra = device(&me, 4, &DeviceIdentity::generate());
        let mut thread = thread;
        thread.members[0].devices = vec![extra];
        apply_thread(&conn, &s, &thread).unwrap();
        let notices: i64 = conn.query_row("SELECT count(*) FROM messages WHERE kind = 'notice' AND body LIKE 'Din konto har fået en ny enhed%'", [], |r| r.get(0)).unwrap();
        assert_eq!(notices, 1);
    }
}
