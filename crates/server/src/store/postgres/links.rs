//! Device-link requests of the PostgreSQL store: a new device's keys waiting for a device of
//! the person to accept them, the attempt counter of their code, and the acceptance that
//! registers the device with its fan-out in one transaction.

use samtale_proto::{EventBody, LinkId, UserId};
use tokio_postgres::Row;

use super::devices::{check_cap, insert_device};
use super::{PgStore, backend, col, execute, fan_out, query_opt, unique_or_backend};
use crate::store::codec::{self, id, proof_kind, proof_kind_str};
use crate::store::{AcceptedLink, Device, Fanout, LinkRequest, StoreError};

const COLS: &str = "id, device_id, name, enc_key, sign_key, lookup, check_hash, proof_code, proof_qr, \
    created_at, expires_at, failed_attempts, accepted_user, signer, proof_kind, signer_proof, \
    inbox_head, claimed";

fn from_row(r: &Row) -> Result<LinkRequest, StoreError> {
    let accepted_user: Option<String> = col(r, 12)?;
    let signer: Option<String> = col(r, 13)?;
    let kind: Option<String> = col(r, 14)?;
    let signer_proof: Option<Vec<u8>> = col(r, 15)?;
    let head: Option<i64> = col(r, 16)?;
    let accepted = match (accepted_user, signer, kind, signer_proof, head) {
        (Some(user), Some(signer), Some(kind), Some(signer_proof), Some(head)) => {
            Some(AcceptedLink {
                user: id(user)?,
                signer: id(signer)?,
                proof_kind: proof_kind(&kind)?,
                signer_proof,
                inbox_head: codec::seq(head),
            })
        }
        _ => None,
    };
    Ok(LinkRequest {
        id: id(col(r, 0)?)?,
        device_id: id(col(r, 1)?)?,
        name: col(r, 2)?,
        enc_key: col(r, 3)?,
        sign_key: col(r, 4)?,
        lookup: col(r, 5)?,
        check_hash: codec::hash32(col(r, 6)?)?,
        proof_code: col(r, 7)?,
        proof_qr: col(r, 8)?,
        created_at_ms: col(r, 9)?,
        expires_at_ms: col(r, 10)?,
        failed_attempts: u32::try_from(col::<i64>(r, 11)?).unwrap_or(u32::MAX),
        accepted,
        claimed: col(r, 17)?,
    })
}

pub(super) async fn create_link_request(
    store: &PgStore,
    r: &LinkRequest,
) -> Result<(), StoreError> {
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    let taken = query_opt(
        &tx,
        "SELECT 1 FROM devices WHERE id = $1",
        &[&r.device_id.as_str()],
    )
    .await
    .map_err(backend)?
    .is_some();
    if taken {
        return Err(StoreError::Conflict("device"));
    }
    execute(
        &tx,
        "INSERT INTO link_requests (id, device_id, name, enc_key, sign_key, lookup, check_hash, proof_code, proof_qr, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &r.id.as_str(),
            &r.device_id.as_str(),
            &r.name,
            &r.enc_key,
            &r.sign_key,
            &r.lookup,
            &&r.check_hash[..],
            &r.proof_code,
            &r.proof_qr,
            &r.created_at_ms,
            &r.expires_at_ms,
        ],
    )
    .await
    .map_err(|e| unique_or_backend(e, "link request"))?;
    tx.commit().await.map_err(backend)?;
    Ok(())
}

pub(super) async fn link_request(
    store: &PgStore,
    lid: &LinkId,
) -> Result<Option<LinkRequest>, StoreError> {
    let conn = store.conn().await?;
    query_opt(
        &conn,
        &format!("SELECT {COLS} FROM link_requests WHERE id = $1"),
        &[&lid.as_str()],
    )
    .await
    .map_err(backend)?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub(super) async fn link_request_by_lookup(
    store: &PgStore,
    lookup: &str,
) -> Result<Option<LinkRequest>, StoreError> {
    let conn = store.conn().await?;
    query_opt(
        &conn,
        &format!("SELECT {COLS} FROM link_requests WHERE lookup = $1 AND accepted_user IS NULL"),
        &[&lookup],
    )
    .await
    .map_err(backend)?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub(super) async fn count_link_attempt(store: &PgStore, lid: &LinkId) -> Result<u32, StoreError> {
    let conn = store.conn().await?;
    let row = query_opt(
        &conn,
        "UPDATE link_requests SET failed_attempts = failed_attempts + 1 WHERE id = $1 RETURNING failed_attempts",
        &[&lid.as_str()],
    )
    .await
    .map_err(backend)?
    .ok_or(StoreError::NotFound("link request"))?;
    let n: i64 = col(&row, 0)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

pub(super) async fn release_link_attempt(store: &PgStore, lid: &LinkId) -> Result<(), StoreError> {
    let conn = store.conn().await?;
    execute(
        &conn,
        "UPDATE link_requests SET failed_attempts = failed_attempts - 1 WHERE id = $1 AND failed_attempts > 0",
        &[&lid.as_str()],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn accept_link_request(
    store: &PgStore,
    lid: &LinkId,
    a: &AcceptedLink,
    d: &Device,
    notify: &[UserId],
    event: &EventBody,
    at_ms: i64,
    cap: u32,
) -> Result<Fanout, StoreError> {
    let body = codec::to_json(event)?;
    let mut conn = store.conn().await?;
    let tx = conn.transaction().await.map_err(backend)?;
    // Locks the user's row (so the count below and the head are stable), then checks the cap.
    check_cap(&tx, &d.user, cap).await?;
    let head_row = query_opt(
        &tx,
        "SELECT inbox_seq FROM users WHERE id = $1",
        &[&a.user.as_str()],
    )
    .await
    .map_err(backend)?
    .ok_or(StoreError::NotFound("user"))?;
    let head: i64 = col(&head_row, 0)?;
    let n = execute(
        &tx,
        "UPDATE link_requests SET accepted_user = $2, signer = $3, proof_kind = $4, signer_proof = $5, inbox_head = $6
         WHERE id = $1 AND accepted_user IS NULL",
        &[
            &lid.as_str(),
            &a.user.as_str(),
            &a.signer.as_str(),
            &proof_kind_str(a.proof_kind),
            &a.signer_proof,
            &head,
        ],
    )
    .await
    .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("link request"));
    }
    insert_device(&tx, d).await?;
    let fanout = fan_out(&tx, notify, at_ms, None, Some(&body)).await?;
    tx.commit().await.map_err(backend)?;
    Ok(fanout)
}

pub(super) async fn claim_link_request(store: &PgStore, lid: &LinkId) -> Result<bool, StoreError> {
    let conn = store.conn().await?;
    let n = execute(
        &conn,
        "UPDATE link_requests SET claimed = TRUE WHERE id = $1 AND accepted_user IS NOT NULL AND NOT claimed",
        &[&lid.as_str()],
    )
    .await
    .map_err(backend)?;
    Ok(n == 1)
}
