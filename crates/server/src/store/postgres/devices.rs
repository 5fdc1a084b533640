//! Devices of the PostgreSQL store: registering one (with its fan-out), reading them, and the
//! replay guard of key-signed logins. `insert_device` is shared with invitation redemption.

use deadpool_postgres::GenericClient;
use samtale_proto::{DeviceId, EventBody, UserId};
use tokio_postgres::Row;

use super::{PgStore, backend, col, execute, fan_out, query, query_opt, unique_or_backend};
use crate::store::codec::{self, id};
use crate::store::{Device, Fanout, StoreError};

const DEVICE_COLS: &str = "id, user_id, name, enc_key, sign_key, created_at, join_proof";
fn device_from(r: &Row) -> Result<Device, StoreError> {
    Ok(Device {
        id: id(col(r, 0)?)?,
        user: id(col(r, 1)?)?,
        name: col(r, 2)?,
        enc_key: col(r, 3)?,
        sign_key: col(r, 4)?,
        created_at_ms: col(r, 5)?,
        join_proof: codec::join_proof(col(r, 6)?)?,
    })
}

pub(super) async fn insert_device<C: GenericClient>(c: &C, d: &Device) -> Result<(), StoreError> {
    let proof = d.join_proof.as_ref().map(codec::to_json).transpose()?;
    execute(
        c,
        &format!("INSERT INTO devices ({DEVICE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
        &[
            &d.id.as_str(),
            &d.user.as_str(),
            &d.name,
            &d.enc_key,
            &d.sign_key,
            &d.created_at_ms,
            &proof,
        ],
    )
    .await
    .map_err(|e| unique_or_backend(e, "device"))?;
    Ok(())
}

pub(super) async fn add_device(
    store: &PgStore,
    device: &Device,
    notify: &[UserId],
    event: &EventBody,
    at_ms: i64,
) -> Result<Fanout, StoreError> {
    let body = codec::to_json(event)?;
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    insert_device(&tx, device).await?;
    let fanout = fan_out(&tx, notify, at_ms, None, Some(&body)).await?;
    tx.commit().await.map_err(backend)?;
    Ok(fanout)
}

pub(super) async fn device(store: &PgStore, did: &DeviceId) -> Result<Option<Device>, StoreError> {
    let conn = store.conn().await?;
    query_opt(
        &conn,
        &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1"),
        &[&did.as_str()],
    )
    .await
    .map_err(backend)?
    .as_ref()
    .map(device_from)
    .transpose()
}

pub(super) async fn devices_of(store: &PgStore, user: &UserId) -> Result<Vec<Device>, StoreError> {
    let conn = store.conn().await?;
    query(
        &conn,
        &format!("SELECT {DEVICE_COLS} FROM devices WHERE user_id = $1 ORDER BY id"),
        &[&user.as_str()],
    )
    .await
    .map_err(backend)?
    .iter()
    .map(device_from)
    .collect()
}

pub(super) async fn claim_device_login(
    store: &PgStore,
    device: &DeviceId,
    at_ms: i64,
) -> Result<bool, StoreError> {
    let conn = store.conn().await?;
    let n = execute(
        &conn,
        "UPDATE devices SET last_login_ms = $2 WHERE id = $1 AND last_login_ms < $2",
        &[&device.as_str(), &at_ms],
    )
    .await
    .map_err(backend)?;
    Ok(n == 1)
}
