//! Devices of the SQLite store: registering one (with its fan-out), reading them, and the
//! replay guard of key-signed logins. `insert_device` is shared with invitation redemption.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::{DeviceId, EventBody, UserId};

use super::{SqliteStore, backend, cached_row, fan_out, is_unique_violation};
use crate::store::codec::{self, id};
use crate::store::{Device, Fanout, StoreError};

const DEVICE_COLS: &str = "id, user_id, name, enc_key, sign_key, created_at, join_proof, \
    link_signer, link_at, link_signature, chain, revoked_at, last_seen";
struct DeviceRow {
    id: String,
    user: String,
    name: String,
    enc_key: String,
    sign_key: Vec<u8>,
    created_at: i64,
    join_proof: Option<String>,
    link: (Option<String>, Option<i64>, Option<Vec<u8>>),
    chain: u32,
    revoked_at: Option<i64>,
    last_seen: i64,
}
fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        id: r.get(0)?,
        user: r.get(1)?,
        name: r.get(2)?,
        enc_key: r.get(3)?,
        sign_key: r.get(4)?,
        created_at: r.get(5)?,
        join_proof: r.get(6)?,
        link: (r.get(7)?, r.get(8)?, r.get(9)?),
        chain: r.get(10)?,
        revoked_at: r.get(11)?,
        last_seen: r.get(12)?,
    })
}
fn device_from(t: DeviceRow) -> Result<Device, StoreError> {
    Ok(Device {
        id: id(t.id)?,
        user: id(t.user)?,
        name: t.name,
        enc_key: t.enc_key,
        sign_key: t.sign_key,
        created_at_ms: t.created_at,
        join_proof: codec::join_proof(t.join_proof)?,
        link: codec::link(t.link.0, t.link.1, t.link.2)?,
        chain: t.chain,
        revoked_at_ms: t.revoked_at,
        last_seen_ms: t.last_seen,
    })
}

pub(super) async fn add_device(
    store: &SqliteStore,
    device: &Device,
    notify: &[UserId],
    event: &EventBody,
    at_ms: i64,
    cap: u32,
) -> Result<Fanout, StoreError> {
    let d = device.clone();
    let notify = notify.to_vec();
    let body = codec::to_json(event)?;
    store
        .write(move |conn| {
            check_cap(conn, &d.user, cap)?;
            insert_device(conn, &d)?;
            fan_out(conn, &notify, at_ms, None, Some(&body))
        })
        .await
}

/// `Limit` when the user has `cap` devices that are not revoked. The writer thread runs one
/// write at a time, so the count cannot change before the insert that follows it.
pub(super) fn check_cap(conn: &Connection, user: &UserId, cap: u32) -> Result<(), StoreError> {
    let n: u32 = conn
        .query_row(
            "SELECT count(*) FROM devices WHERE user_id = ?1 AND revoked_at IS NULL",
            [user.as_str()],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if n >= cap {
        return Err(StoreError::Limit("devices"));
    }
    Ok(())
}

pub(super) async fn revoke_device(
    store: &SqliteStore,
    device: &DeviceId,
    at_ms: i64,
    notify: &[UserId],
    event: &EventBody,
) -> Result<Fanout, StoreError> {
    let device = device.clone();
    let notify = notify.to_vec();
    let body = codec::to_json(event)?;
    store
        .write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    params![device.as_str(), at_ms],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("device"));
            }
            conn.execute(
                "DELETE FROM sessions WHERE device_id = ?1",
                [device.as_str()],
            )
            .map_err(backend)?;
            fan_out(conn, &notify, at_ms, None, Some(&body))
        })
        .await
}

pub(super) async fn touch_device(
    store: &SqliteStore,
    device: &DeviceId,
    at_ms: i64,
) -> Result<(), StoreError> {
    let device = device.clone();
    store
        .write(move |conn| {
            conn.execute(
                "UPDATE devices SET last_seen = MAX(last_seen, ?2) WHERE id = ?1",
                params![device.as_str(), at_ms],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
}

pub(super) async fn start_new_chain(
    store: &SqliteStore,
    user: &UserId,
    at_ms: i64,
) -> Result<(u32, Vec<DeviceId>), StoreError> {
    let user = user.clone();
    store
        .write(move |conn| {
            let chain: u32 = conn
                .query_row(
                    "UPDATE users SET chain = chain + 1 WHERE id = ?1 RETURNING chain",
                    [user.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?
                .ok_or(StoreError::NotFound("user"))?;
            let revoked: Vec<String> = {
                let mut stmt = conn
                    .prepare(
                        "UPDATE devices SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL RETURNING id",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![user.as_str(), at_ms], |r| r.get(0))
                    .map_err(backend)?;
                rows.collect::<Result<_, _>>().map_err(backend)?
            };
            conn.execute("DELETE FROM sessions WHERE user_id = ?1", [user.as_str()])
                .map_err(backend)?;
            let mut out = revoked
                .into_iter()
                .map(id)
                .collect::<Result<Vec<DeviceId>, _>>()?;
            out.sort();
            Ok((chain, out))
        })
        .await
}

pub(super) async fn device(
    store: &SqliteStore,
    did: &DeviceId,
) -> Result<Option<Device>, StoreError> {
    let did = did.clone();
    store
        .read(move |conn| {
            cached_row(
                conn,
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                [did.as_str()],
                device_row,
            )
            .optional()
            .map_err(backend)?
            .map(device_from)
            .transpose()
        })
        .await
}

pub(super) async fn devices_of(
    store: &SqliteStore,
    user: &UserId,
) -> Result<Vec<Device>, StoreError> {
    let user = user.clone();
    store
        .read(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {DEVICE_COLS} FROM devices WHERE user_id = ?1 ORDER BY id"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map([user.as_str()], device_row)
                .map_err(backend)?;
            rows.map(|r| r.map_err(backend).and_then(device_from))
                .collect()
        })
        .await
}

pub(super) async fn claim_device_login(
    store: &SqliteStore,
    device: &DeviceId,
    at_ms: i64,
) -> Result<bool, StoreError> {
    let device = device.clone();
    store
        .write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE devices SET last_login_ms = ?2 WHERE id = ?1 AND last_login_ms < ?2",
                    params![device.as_str(), at_ms],
                )
                .map_err(backend)?;
            Ok(n == 1)
        })
        .await
}

pub(super) fn insert_device(conn: &Connection, d: &Device) -> Result<(), StoreError> {
    let proof = d.join_proof.as_ref().map(codec::to_json).transpose()?;
    let link = d.link.as_ref();
    conn.execute(
        &format!(
            "INSERT INTO devices ({DEVICE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ),
        params![
            d.id.as_str(),
            d.user.as_str(),
            d.name,
            d.enc_key,
            d.sign_key,
            d.created_at_ms,
            proof,
            link.map(|l| l.signer.as_str()),
            link.map(|l| l.at_ms),
            link.map(|l| l.signature.0.clone()),
            d.chain,
            d.revoked_at_ms,
            d.last_seen_ms,
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict("device")
        } else {
            backend(e)
        }
    })?;
    Ok(())
}

pub(super) async fn add_first_device(
    store: &SqliteStore,
    device: &Device,
) -> Result<u32, StoreError> {
    let mut d = device.clone();
    store
        .write(move |conn| {
            check_cap(conn, &d.user, 1)?;
            let (chain, used): (u32, bool) = conn
                .query_row(
                    "SELECT u.chain, EXISTS (SELECT 1 FROM devices WHERE user_id = u.id AND chain = u.chain)
                     FROM users u WHERE u.id = ?1",
                    [d.user.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(backend)?
                .ok_or(StoreError::NotFound("user"))?;
            d.chain = if used {
                conn.query_row(
                    "UPDATE users SET chain = chain + 1 WHERE id = ?1 RETURNING chain",
                    [d.user.as_str()],
                    |r| r.get(0),
                )
                .map_err(backend)?
            } else {
                chain
            };
            insert_device(conn, &d)?;
            Ok(d.chain)
        })
        .await
}
