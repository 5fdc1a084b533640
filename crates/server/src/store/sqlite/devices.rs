//! Devices of the SQLite store: registering one (with its fan-out), reading them, and the
//! replay guard of key-signed logins. `insert_device` is shared with invitation redemption.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::{DeviceId, EventBody, UserId};

use super::{SqliteStore, backend, cached_row, fan_out, is_unique_violation};
use crate::store::codec::{self, id};
use crate::store::{Device, Fanout, StoreError};

const DEVICE_COLS: &str = "id, user_id, name, enc_key, sign_key, created_at, join_proof";
type DeviceRow = (String, String, String, String, Vec<u8>, i64, Option<String>);
fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}
fn device_from(t: DeviceRow) -> Result<Device, StoreError> {
    Ok(Device {
        id: id(t.0)?,
        user: id(t.1)?,
        name: t.2,
        enc_key: t.3,
        sign_key: t.4,
        created_at_ms: t.5,
        join_proof: codec::join_proof(t.6)?,
    })
}

pub(super) async fn add_device(
    store: &SqliteStore,
    device: &Device,
    notify: &[UserId],
    event: &EventBody,
    at_ms: i64,
) -> Result<Fanout, StoreError> {
    let d = device.clone();
    let notify = notify.to_vec();
    let body = codec::to_json(event)?;
    store
        .write(move |conn| {
            insert_device(conn, &d)?;
            fan_out(conn, &notify, at_ms, None, Some(&body))
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
    conn.execute(
        &format!("INSERT INTO devices ({DEVICE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            d.id.as_str(),
            d.user.as_str(),
            d.name,
            d.enc_key,
            d.sign_key,
            d.created_at_ms,
            proof
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
