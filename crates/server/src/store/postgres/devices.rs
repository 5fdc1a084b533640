//! Devices of the PostgreSQL store: registering one (with its fan-out), reading them, and the
//! replay guard of key-signed logins. `insert_device` is shared with invitation redemption.

use deadpool_postgres::GenericClient;
use samtale_proto::{DeviceId, EventBody, UserId};
use tokio_postgres::Row;

use super::{PgStore, backend, col, execute, fan_out, query, query_opt, unique_or_backend};
use crate::store::codec::{self, id};
use crate::store::{Device, Fanout, StoreError};

const DEVICE_COLS: &str = "id, user_id, name, enc_key, sign_key, created_at, join_proof, \
    link_signer, link_at, link_signature, chain, revoked_at, last_seen";
fn device_from(r: &Row) -> Result<Device, StoreError> {
    Ok(Device {
        id: id(col(r, 0)?)?,
        user: id(col(r, 1)?)?,
        name: col(r, 2)?,
        enc_key: col(r, 3)?,
        sign_key: col(r, 4)?,
        created_at_ms: col(r, 5)?,
        join_proof: codec::join_proof(col(r, 6)?)?,
        link: codec::link(col(r, 7)?, col(r, 8)?, col(r, 9)?)?,
        chain: u32::try_from(col::<i64>(r, 10)?).unwrap_or(u32::MAX),
        revoked_at_ms: col(r, 11)?,
        last_seen_ms: col(r, 12)?,
    })
}

pub(super) async fn insert_device<C: GenericClient>(c: &C, d: &Device) -> Result<(), StoreError> {
    let proof = d.join_proof.as_ref().map(codec::to_json).transpose()?;
    let link = d.link.as_ref();
    let (signer, at, signature) = (
        link.map(|l| l.signer.as_str()),
        link.map(|l| l.at_ms),
        link.map(|l| l.signature.0.clone()),
    );
    execute(
        c,
        &format!(
            "INSERT INTO devices ({DEVICE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ),
        &[
            &d.id.as_str(),
            &d.user.as_str(),
            &d.name,
            &d.enc_key,
            &d.sign_key,
            &d.created_at_ms,
            &proof,
            &signer,
            &at,
            &signature,
            &i64::from(d.chain),
            &d.revoked_at_ms,
            &d.last_seen_ms,
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
    cap: u32,
) -> Result<Fanout, StoreError> {
    let body = codec::to_json(event)?;
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    check_cap(&tx, &device.user, cap).await?;
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

/// `Limit` when the user has `cap` devices that are not revoked. Locks the user's row first, so
/// two devices added at once are counted one after the other.
pub(super) async fn check_cap<C: GenericClient>(
    c: &C,
    user: &UserId,
    cap: u32,
) -> Result<(), StoreError> {
    execute(
        c,
        "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
        &[&user.as_str()],
    )
    .await
    .map_err(backend)?;
    let row = query_opt(
        c,
        "SELECT count(*) FROM devices WHERE user_id = $1 AND revoked_at IS NULL",
        &[&user.as_str()],
    )
    .await
    .map_err(backend)?
    .ok_or_else(|| StoreError::Backend("count returned no row".into()))?;
    let n: i64 = col(&row, 0)?;
    if n >= i64::from(cap) {
        return Err(StoreError::Limit("devices"));
    }
    Ok(())
}

pub(super) async fn revoke_device(
    store: &PgStore,
    device: &DeviceId,
    at_ms: i64,
    notify: &[UserId],
    event: &EventBody,
) -> Result<Fanout, StoreError> {
    let body = codec::to_json(event)?;
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    let n = execute(
        &tx,
        "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        &[&device.as_str(), &at_ms],
    )
    .await
    .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("device"));
    }
    execute(
        &tx,
        "DELETE FROM sessions WHERE device_id = $1",
        &[&device.as_str()],
    )
    .await
    .map_err(backend)?;
    let fanout = fan_out(&tx, notify, at_ms, None, Some(&body)).await?;
    tx.commit().await.map_err(backend)?;
    Ok(fanout)
}

pub(super) async fn touch_device(
    store: &PgStore,
    device: &DeviceId,
    at_ms: i64,
) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    execute(
        &conn,
        "UPDATE devices SET last_seen = GREATEST(last_seen, $2) WHERE id = $1",
        &[&device.as_str(), &at_ms],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

pub(super) async fn start_new_chain(
    store: &PgStore,
    user: &UserId,
    at_ms: i64,
) -> Result<(u32, Vec<DeviceId>), StoreError> {
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    let row = query_opt(
        &tx,
        "UPDATE users SET chain = chain + 1 WHERE id = $1 RETURNING chain",
        &[&user.as_str()],
    )
    .await
    .map_err(backend)?
    .ok_or(StoreError::NotFound("user"))?;
    let chain = u32::try_from(col::<i64>(&row, 0)?).unwrap_or(u32::MAX);
    let rows = query(
        &tx,
        "UPDATE devices SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id",
        &[&user.as_str(), &at_ms],
    )
    .await
    .map_err(backend)?;
    let mut revoked = rows
        .iter()
        .map(|r| id(col(r, 0)?))
        .collect::<Result<Vec<DeviceId>, _>>()?;
    revoked.sort();
    execute(
        &tx,
        "DELETE FROM sessions WHERE user_id = $1",
        &[&user.as_str()],
    )
    .await
    .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok((chain, revoked))
}

pub(super) async fn add_first_device(store: &PgStore, device: &Device) -> Result<u32, StoreError> {
    let mut d = device.clone();
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    // Locks the person's row, then counts: two first devices at once cannot both pass.
    check_cap(&tx, &d.user, 1).await?;
    let row = query_opt(
        &tx,
        "SELECT u.chain, EXISTS (SELECT 1 FROM devices WHERE user_id = u.id AND chain = u.chain)
         FROM users u WHERE u.id = $1",
        &[&d.user.as_str()],
    )
    .await
    .map_err(backend)?
    .ok_or(StoreError::NotFound("user"))?;
    let (chain, used): (i64, bool) = (col(&row, 0)?, col(&row, 1)?);
    let chain = if used {
        let row = query_opt(
            &tx,
            "UPDATE users SET chain = chain + 1 WHERE id = $1 RETURNING chain",
            &[&d.user.as_str()],
        )
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound("user"))?;
        col::<i64>(&row, 0)?
    } else {
        chain
    };
    d.chain = u32::try_from(chain).unwrap_or(u32::MAX);
    insert_device(&tx, &d).await?;
    tx.commit().await.map_err(backend)?;
    Ok(d.chain)
}
