//! Pinning other devices under the chain rules of [`crate::trust`]: what the server says about
//! a person's devices (in a thread's member list or a device event) is checked here, stored
//! with its state, and turned into notices in the conversations shared with that person, or
//! into alerts when it is about this account itself. Runs inside the caller's transaction.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_crypto::link::{LinkSubject, verify_link};
use samtale_proto::api::{DeviceInfo, DeviceKeys};
use samtale_proto::devices::DeviceLink;
use samtale_proto::{B64, DeviceId, EnvelopeId, ThreadId, UserId};

use crate::engine::{Session, fresh, now_ms};
use crate::error::ClientError;
use crate::inbound::notice;
use crate::trust::{self, Incoming, Pinned, Refusal, State, Verdict};

/// What became of a device the server named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// Pinned before; nothing changed.
    Known,
    /// Newly trusted (`announced`: a notice or alert was made).
    Trusted { announced: bool },
    /// Kept aside or refused; not used.
    NotUsed,
}

/// A pinned device's keys and how it is held.
pub struct PinnedKeys {
    pub keys: DeviceKeys,
    pub verified: i64,
    pub state: State,
    pub chain: u32,
}

pub fn pinned_keys(
    conn: &Connection,
    device: &str,
    user: &str,
) -> Result<Option<PinnedKeys>, ClientError> {
    let row: Option<(String, String, i64, String, u32)> = conn
        .query_row(
            "SELECT enc_key, sign_key, verified, state, chain FROM devices WHERE id = ?1 AND user_id = ?2",
            [device, user],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(enc, sign, verified, state, chain)| {
        let sign = B64::decode(&sign)
            .map_err(|_| ClientError::Protocol("a pinned key is corrupt".into()))?;
        Ok(PinnedKeys {
            keys: DeviceKeys { enc, sign },
            verified,
            state: State::parse(&state),
            chain,
        })
    })
    .transpose()
}

fn pinned_of(conn: &Connection, user: &str) -> Result<Vec<Pinned>, ClientError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, chain, link_signer, state FROM devices WHERE user_id = ?1")?;
    let rows = stmt.query_map([user], |r| {
        Ok(Pinned {
            id: r.get(0)?,
            chain: r.get(1)?,
            link_signer: r.get(2)?,
            state: State::parse(&r.get::<_, String>(3)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pins this device's own keys, from its identity (never from the server), as trusted.
pub fn pin_own(
    conn: &Connection,
    user: &UserId,
    device: &DeviceId,
    keys: &DeviceKeys,
    chain: u32,
    link: Option<&DeviceLink>,
) -> Result<(), ClientError> {
    insert(
        conn,
        user,
        device,
        "denne enhed",
        keys,
        chain,
        link,
        State::Trusted,
        1,
    )?;
    hold_chain(conn, user, chain, device, link.is_none())?;
    Ok(())
}

/// Pins a device whose trust was settled elsewhere (the inviter's device, proven by the
/// invitation; the device that linked this one, proven by the link code).
pub fn pin_proven(conn: &Connection, d: &DeviceInfo) -> Result<(), ClientError> {
    insert(
        conn,
        &d.user,
        &d.id,
        &d.name,
        &d.keys,
        d.chain,
        d.link.as_ref(),
        State::Trusted,
        1,
    )?;
    hold_chain(conn, &d.user, d.chain, &d.id, d.link.is_none())?;
    Ok(())
}

/// After pinning a device whose trust was settled elsewhere: hold its chain as the person's
/// current one (with it as the first device when it has no link), unless a newer one is held.
fn hold_chain(
    conn: &Connection,
    user: &UserId,
    chain: u32,
    device: &DeviceId,
    is_root: bool,
) -> Result<(), ClientError> {
    match current_of(conn, user)? {
        Some((held, _)) if held > chain => Ok(()),
        Some((held, Some(_))) if held == chain => Ok(()),
        _ => set_current(conn, user, chain, is_root.then_some(device)),
    }
}

/// The person's current chain and its first device, as this device holds them.
fn current_of(
    conn: &Connection,
    user: &UserId,
) -> Result<Option<(u32, Option<String>)>, ClientError> {
    Ok(conn
        .query_row(
            "SELECT chain, root FROM chains WHERE user_id = ?1",
            [user.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub(crate) fn set_current(
    conn: &Connection,
    user: &UserId,
    chain: u32,
    root: Option<&DeviceId>,
) -> Result<(), ClientError> {
    conn.execute(
        "INSERT INTO chains (user_id, chain, root) VALUES (?1, ?2, ?3)
         ON CONFLICT(user_id) DO UPDATE SET chain = excluded.chain, root = excluded.root",
        params![user.as_str(), chain, root.map(DeviceId::as_str)],
    )?;
    Ok(())
}

/// Whether a path of verified links leads from `root` to a device trusted here: how the first
/// device of a chain known only through links proves itself.
fn proves_root(conn: &Connection, root: &DeviceInfo) -> Result<bool, ClientError> {
    struct Row {
        id: DeviceId,
        keys: DeviceKeys,
        chain: u32,
        link: Option<DeviceLink>,
        trusted: bool,
    }
    let rows: Vec<Row> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, enc_key, sign_key, chain, link_signer, link_at, link_signature, state
             FROM devices WHERE user_id = ?1 AND chain = ?2 AND state IN ('trusted', 'pending') AND link_signer IS NOT NULL",
        )?;
        let mapped = stmt.query_map(params![root.user.as_str(), root.chain], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<Vec<u8>>>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in mapped {
            let (id, enc, sign, chain, signer, at, sig, state) = row?;
            let (Ok(id), Ok(sign)) = (DeviceId::parse(&id), B64::decode(&sign)) else {
                continue;
            };
            let link = match (signer.map(|x| DeviceId::parse(&x)), at, sig) {
                (Some(Ok(signer)), Some(at_ms), Some(sig)) => Some(DeviceLink {
                    signer,
                    at_ms,
                    signature: B64(sig),
                }),
                _ => None,
            };
            out.push(Row {
                id,
                keys: DeviceKeys { enc, sign },
                chain,
                link,
                trusted: state == "trusted",
            });
        }
        out
    };
    let mut reached: Vec<(DeviceId, DeviceKeys)> = vec![(root.id.clone(), root.keys.clone())];
    loop {
        let mut grew = false;
        for r in &rows {
            if reached.iter().any(|(id, _)| *id == r.id) {
                continue;
            }
            let Some(link) = &r.link else { continue };
            let Some((_, signer_keys)) = reached.iter().find(|(id, _)| *id == link.signer) else {
                continue;
            };
            let subject = LinkSubject {
                user: &root.user,
                chain: r.chain,
                device: &r.id,
                keys: &r.keys,
            };
            if verify_link(signer_keys, subject, link).is_ok() {
                if r.trusted {
                    return Ok(true);
                }
                reached.push((r.id.clone(), r.keys.clone()));
                grew = true;
            }
        }
        if !grew {
            return Ok(false);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &Connection,
    user: &UserId,
    device: &DeviceId,
    name: &str,
    keys: &DeviceKeys,
    chain: u32,
    link: Option<&DeviceLink>,
    state: State,
    verified: i64,
) -> Result<bool, ClientError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO devices (id, user_id, name, enc_key, sign_key, pinned_at, verified, chain, link_signer, link_at, link_signature, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?6)",
        params![
            device.as_str(),
            user.as_str(),
            name,
            keys.enc,
            keys.sign.encode(),
            now_ms(),
            verified,
            chain,
            link.map(|l| l.signer.as_str()),
            link.map(|l| l.at_ms),
            link.map(|l| l.signature.0.clone()),
            state.as_str(),
        ],
    )?;
    Ok(n == 1)
}

/// Checks a device the server names under the chain rules, pins it with its state and makes
/// the notices. `verified` is the invitation proof's outcome for a first device (1 proven, -1
/// failed, 0 none); a linked device takes its signer's.
pub fn apply(
    conn: &Connection,
    s: &Session,
    d: &DeviceInfo,
    verified: i64,
) -> Result<Pin, ClientError> {
    let pinned = pinned_of(conn, d.user.as_str())?;
    let knew_person = pinned.iter().any(|p| p.state == State::Trusted);
    let signer_keys = match &d.link {
        Some(l) => pinned_keys(conn, l.signer.as_str(), d.user.as_str())?,
        None => None,
    };
    let held = current_of(conn, &d.user)?;
    let current = held.as_ref().map(|(chain, root)| trust::Current {
        chain: *chain,
        root: root.as_deref(),
    });
    let verdict = trust::decide(
        Incoming {
            id: d.id.as_str(),
            chain: d.chain,
            signer: d.link.as_ref().map(|l| l.signer.as_str()),
            revoked: d.revoked_at_ms.is_some(),
        },
        current,
        &pinned,
        || link_ok(d, signer_keys.as_ref()),
        || proves_root(conn, d).unwrap_or(false),
    );
    let inherited = signer_keys.as_ref().map_or(verified, |k| k.verified);
    let pin = |state: State, verified: i64| {
        insert(
            conn,
            &d.user,
            &d.id,
            &d.name,
            &d.keys,
            d.chain,
            d.link.as_ref(),
            state,
            verified,
        )
    };
    match verdict {
        // A listing that shows a pinned device as removed: the removal event may have been
        // missed (purged, or this device was away); removing is never a gain for a liar.
        Verdict::Known => {
            if let Some(at) = d.revoked_at_ms {
                apply_revoked(conn, s, &d.user, &d.id, at)?;
            }
            Ok(Pin::Known)
        }
        Verdict::Revoked => {
            pin(State::Revoked, inherited)?;
            Ok(Pin::NotUsed)
        }
        Verdict::Pending => {
            pin(State::Pending, 0)?;
            // A device that waits may be the missing step of a waiting first device's proof.
            if d.link.is_some() {
                settle(conn, s, &d.user, true)?;
            }
            Ok(Pin::NotUsed)
        }
        Verdict::Refuse(why) => {
            pin(State::Refused, 0)?;
            announce_refusal(conn, s, d, why)?;
            Ok(Pin::NotUsed)
        }
        Verdict::Trust => {
            pin(State::Trusted, inherited)?;
            match (&held, &d.link) {
                (None, _) => {
                    set_current(conn, &d.user, d.chain, d.link.is_none().then_some(&d.id))?
                }
                // The first device of a chain known only through links, now proven.
                (Some((_, None)), None) => set_current(conn, &d.user, d.chain, Some(&d.id))?,
                _ => {}
            }
            let announced = knew_person && announce_new(conn, s, d)?;
            settle_pending(conn, s, &d.user)?;
            Ok(Pin::Trusted { announced })
        }
        Verdict::NewChain => {
            conn.execute(
                "UPDATE devices SET state = 'retired' WHERE user_id = ?1 AND chain < ?2 AND state IN ('trusted', 'pending')",
                params![d.user.as_str(), d.chain],
            )?;
            pin(State::Trusted, verified)?;
            set_current(conn, &d.user, d.chain, Some(&d.id))?;
            announce_reset(conn, s, d)?;
            settle_pending(conn, s, &d.user)?;
            Ok(Pin::Trusted { announced: true })
        }
    }
}

fn link_ok(d: &DeviceInfo, signer: Option<&PinnedKeys>) -> bool {
    let (Some(link), Some(signer)) = (&d.link, signer) else {
        return false;
    };
    verify_link(
        &signer.keys,
        LinkSubject {
            user: &d.user,
            chain: d.chain,
            device: &d.id,
            keys: &d.keys,
        },
        link,
    )
    .is_ok()
}

/// Devices of `user` that waited for their signer: decided again now that one more is trusted.
fn settle_pending(conn: &Connection, s: &Session, user: &UserId) -> Result<(), ClientError> {
    settle(conn, s, user, false)
}

/// Decides the waiting devices of `user` again: with `roots_only`, only first devices that wait
/// for a proof through links.
fn settle(
    conn: &Connection,
    s: &Session,
    user: &UserId,
    roots_only: bool,
) -> Result<(), ClientError> {
    loop {
        let waiting: Vec<DeviceInfo> = {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, enc_key, sign_key, chain, link_signer, link_at, link_signature, created_at
                 FROM devices WHERE user_id = ?1 AND state = 'pending' AND (link_signer IS NULL OR (?2 = 0 AND link_signer IN
                   (SELECT id FROM devices WHERE user_id = ?1 AND state <> 'pending')))",
            )?;
            let rows = stmt.query_map(params![user.as_str(), roots_only], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<Vec<u8>>>(7)?,
                    r.get::<_, i64>(8)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, name, enc, sign, chain, signer, at_ms, sig, created) = row?;
                let (Ok(id), Ok(sign)) = (DeviceId::parse(&id), B64::decode(&sign)) else {
                    continue;
                };
                let link = match (signer.map(|x| DeviceId::parse(&x)), at_ms, sig) {
                    (Some(Ok(signer)), Some(at_ms), Some(sig)) => Some(DeviceLink {
                        signer,
                        at_ms,
                        signature: B64(sig),
                    }),
                    (None, _, _) => None,
                    _ => continue,
                };
                out.push(DeviceInfo {
                    id,
                    user: user.clone(),
                    name,
                    keys: DeviceKeys { enc, sign },
                    created_at_ms: created,
                    join_proof: None,
                    link,
                    chain,
                    revoked_at_ms: None,
                });
            }
            out
        };
        // Decided again; done when none of them moves on (one still waiting stays as it was).
        let mut moved = false;
        for d in &waiting {
            conn.execute("DELETE FROM devices WHERE id = ?1", [d.id.as_str()])?;
            apply(conn, s, d, 0)?;
            let state: Option<String> = conn
                .query_row(
                    "SELECT state FROM devices WHERE id = ?1",
                    [d.id.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            moved |= state.as_deref() != Some("pending");
        }
        if !moved {
            return Ok(());
        }
    }
}

/// When a first device's invitation proof is checked, its linked devices share the outcome.
pub fn set_chain_verified(
    conn: &Connection,
    device: &DeviceId,
    verified: i64,
) -> Result<(), ClientError> {
    conn.execute(
        "UPDATE devices SET verified = ?2 WHERE verified = 0 AND (id = ?1 OR (link_signer IS NOT NULL AND (user_id, chain) = (SELECT user_id, chain FROM devices WHERE id = ?1)))",
        params![device.as_str(), verified],
    )?;
    Ok(())
}

/// A device removed by its owner or an administrator: never sealed to again, and what it signs
/// from now on is refused.
pub fn apply_revoked(
    conn: &Connection,
    s: &Session,
    user: &UserId,
    device: &DeviceId,
    at_ms: i64,
) -> Result<(), ClientError> {
    let n = conn.execute(
        "UPDATE devices SET state = 'revoked', revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND state <> 'revoked'",
        params![device.as_str(), user.as_str(), at_ms],
    )?;
    if n == 0 {
        return Ok(());
    }
    let name = device_name(conn, device)?;
    if *user == s.user {
        if *device == s.device {
            alert(
                conn,
                "Denne enhed er fjernet fra din konto. Den modtager ikke flere beskeder.",
            )?;
        } else {
            alert(
                conn,
                &format!("Enheden \"{name}\" er fjernet fra din konto."),
            )?;
        }
    } else {
        let person = person_name(conn, user)?;
        tell_shared(
            conn,
            s,
            user,
            &format!("En enhed hos {person} ({name}) er fjernet. Der sendes ikke længere til den."),
        )?;
    }
    Ok(())
}

fn announce_new(conn: &Connection, s: &Session, d: &DeviceInfo) -> Result<bool, ClientError> {
    if d.user == s.user {
        if d.id == s.device {
            return Ok(false);
        }
        alert(
            conn,
            &format!(
                "Din konto har fået en ny enhed: \"{}\". Var det ikke dig? Fjern den under Indstillinger → Enheder.",
                d.name
            ),
        )?;
        return Ok(true);
    }
    let person = person_name(conn, &d.user)?;
    let text = format!(
        "{person} har en ny enhed ({}). Sammenlign sikkerhedskoderne, før I skriver fortroligt.",
        d.name
    );
    tell_shared(conn, s, &d.user, &text)?;
    Ok(true)
}

fn announce_refusal(
    conn: &Connection,
    s: &Session,
    d: &DeviceInfo,
    why: Refusal,
) -> Result<(), ClientError> {
    let reason = match why {
        Refusal::SecondRoot => "ingen af kontoens andre enheder har godkendt den",
        Refusal::OldChain => "den hører til nøgler, som en administrator har nulstillet",
        Refusal::BadLink => "godkendelsen af den er ikke underskrevet rigtigt",
        Refusal::UntrustedSigner => "den er godkendt af en enhed, der ikke længere er gyldig",
    };
    if d.user == s.user {
        return alert(
            conn,
            &format!(
                "En ukendt enhed (\"{}\") blev vist på din konto, men bruges ikke: {reason}.",
                d.name
            ),
        );
    }
    let person = person_name(conn, &d.user)?;
    tell_shared(
        conn,
        s,
        &d.user,
        &format!(
            "Advarsel: serveren viser en enhed ({}) hos {person}, som ikke bruges: {reason}. Der sendes ikke til den, og dens beskeder afvises.",
            d.name
        ),
    )
}

fn announce_reset(conn: &Connection, s: &Session, d: &DeviceInfo) -> Result<(), ClientError> {
    if d.user == s.user {
        return alert(
            conn,
            "Din kontos nøgler er blevet nulstillet af en administrator. Dine tidligere enheder bruges ikke længere.",
        );
    }
    conn.execute(
        "UPDATE users SET reset_unverified = 1 WHERE id = ?1",
        [d.user.as_str()],
    )?;
    let person = person_name(conn, &d.user)?;
    tell_shared(
        conn,
        s,
        &d.user,
        &format!(
            "{}nøgler er blevet nulstillet af administrator - sammenlign sikkerhedskoder.",
            genitive(&person)
        ),
    )
}

/// "Sara" → "Saras ", "Lars" → "Lars' ".
fn genitive(name: &str) -> String {
    if name.ends_with(['s', 'x', 'z', 'S', 'X', 'Z']) {
        format!("{name}' ")
    } else {
        format!("{name}s ")
    }
}

/// The conversations this account shares with `user`.
pub(crate) fn shared_threads(
    conn: &Connection,
    me: &UserId,
    user: &UserId,
) -> Result<Vec<ThreadId>, ClientError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.thread_id FROM members a JOIN members b ON a.thread_id = b.thread_id WHERE a.user_id = ?1 AND b.user_id = ?2",
    )?;
    let rows = stmt.query_map([me.as_str(), user.as_str()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        if let Ok(t) = ThreadId::parse(&row?) {
            out.push(t);
        }
    }
    Ok(out)
}

/// A notice in every conversation this account shares with `user`.
pub(crate) fn tell_shared(
    conn: &Connection,
    s: &Session,
    user: &UserId,
    text: &str,
) -> Result<(), ClientError> {
    for t in shared_threads(conn, &s.user, user)? {
        notice(conn, &t, text)?;
    }
    Ok(())
}

/// An alert about this account, shown until read.
pub fn alert(conn: &Connection, text: &str) -> Result<(), ClientError> {
    let id = fresh(EnvelopeId::from_parts);
    conn.execute(
        "INSERT INTO alerts (id, at, body) VALUES (?1, ?2, ?3)",
        params![id.as_str(), now_ms(), text],
    )?;
    Ok(())
}

fn person_name(conn: &Connection, user: &UserId) -> Result<String, ClientError> {
    Ok(conn
        .query_row(
            "SELECT display_name FROM users WHERE id = ?1",
            [user.as_str()],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .unwrap_or_else(|| "En deltager".to_owned()))
}

fn device_name(conn: &Connection, device: &DeviceId) -> Result<String, ClientError> {
    Ok(conn
        .query_row(
            "SELECT name FROM devices WHERE id = ?1",
            [device.as_str()],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .unwrap_or_else(|| "ukendt enhed".to_owned()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use samtale_crypto::DeviceIdentity;
    use samtale_proto::api::Role;

    use super::*;
    use crate::api::Api;

    fn id<T>(f: fn(u64, [u8; 10]) -> T, n: u8) -> T {
        f(1_700_000_000_000 + u64::from(n), [n; 10])
    }

    fn dev(user: &UserId, n: u8, me: &DeviceIdentity, chain: u32) -> DeviceInfo {
        DeviceInfo {
            id: id(DeviceId::from_parts, n),
            user: user.clone(),
            name: format!("d{n}"),
            keys: me.public_keys(),
            created_at_ms: 0,
            join_proof: None,
            link: None,
            chain,
            revoked_at_ms: None,
        }
    }

    fn state(conn: &Connection, d: &DeviceInfo) -> State {
        pinned_keys(conn, d.id.as_str(), d.user.as_str())
            .unwrap()
            .map(|k| k.state)
            .unwrap_or(State::Refused)
    }

    /// A person known here only through a linked device that was proven elsewhere (the
    /// caseworker's linked laptop named in an invitation): a first device the server makes up
    /// waits, the real one is trusted because the proven device's link verifies under its key,
    /// and the made-up one is then refused as a second first device.
    #[test]
    fn a_chain_known_through_links_takes_only_its_real_first_device() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("t.db"), &[1; 32]).unwrap();
        let me = id(UserId::from_parts, 1);
        let mine = DeviceIdentity::generate();
        let s = Session {
            api: Api::new("http://127.0.0.1:9").unwrap(),
            user: me.clone(),
            role: Role::Youth,
            device: id(DeviceId::from_parts, 1),
            identity: Arc::new(mine),
        };
        let cw = id(UserId::from_parts, 2);
        let (r_key, a_key, z_key) = (
            DeviceIdentity::generate(),
            DeviceIdentity::generate(),
            DeviceIdentity::generate(),
        );
        let r = dev(&cw, 10, &r_key, 0);
        let mut a = dev(&cw, 11, &a_key, 0);
        a.link = Some(r_key.sign_link(
            &r.id,
            LinkSubject {
                user: &cw,
                chain: 0,
                device: &a.id,
                keys: &a.keys,
            },
            5,
        ));
        pin_proven(&conn, &a).unwrap();
        let z = dev(&cw, 12, &z_key, 0);
        assert_eq!(apply(&conn, &s, &z, 0).unwrap(), Pin::NotUsed);
        assert_eq!(
            state(&conn, &z),
            State::Pending,
            "a made-up first device was trusted"
        );
        assert!(matches!(
            apply(&conn, &s, &r, 0).unwrap(),
            Pin::Trusted { .. }
        ));
        assert_eq!(state(&conn, &r), State::Trusted);
        assert_eq!(
            state(&conn, &z),
            State::Refused,
            "the made-up one must end refused"
        );
    }
}
