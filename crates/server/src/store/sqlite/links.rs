//! Device-link requests of the SQLite store: a new device's keys waiting for a device of the
//! person to accept them, the attempt counter of their code, and the acceptance that registers
//! the device with its fan-out in one transaction.

use rusqlite::{Connection, OptionalExtension, params};
use samtale_proto::{EventBody, LinkId, UserId};

use super::devices::{check_cap, insert_device};
use super::{SqliteStore, backend, fan_out, is_unique_violation};
use crate::store::codec::{self, id, proof_kind, proof_kind_str};
use crate::store::{AcceptedLink, Device, Fanout, LinkRequest, StoreError};

const COLS: &str = "id, device_id, name, enc_key, sign_key, lookup, check_hash, proof_code, proof_qr, \
    created_at, expires_at, failed_attempts, accepted_user, signer, proof_kind, signer_proof, \
    inbox_head, claimed";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<LinkRequest, StoreError>> {
    let accepted_user: Option<String> = r.get(12)?;
    let signer: Option<String> = r.get(13)?;
    let kind: Option<String> = r.get(14)?;
    let signer_proof: Option<Vec<u8>> = r.get(15)?;
    let head: Option<i64> = r.get(16)?;
    let parts = (
        r.get::<_, String>(0)?,
        r.get::<_, String>(1)?,
        r.get::<_, String>(2)?,
        r.get::<_, String>(3)?,
        r.get::<_, Vec<u8>>(4)?,
        r.get::<_, String>(5)?,
        r.get::<_, Vec<u8>>(6)?,
        r.get::<_, Vec<u8>>(7)?,
        r.get::<_, Vec<u8>>(8)?,
        r.get::<_, i64>(9)?,
        r.get::<_, i64>(10)?,
        r.get::<_, i64>(11)?,
        r.get::<_, bool>(17)?,
    );
    Ok((|| {
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
            id: id(parts.0)?,
            device_id: id(parts.1)?,
            name: parts.2,
            enc_key: parts.3,
            sign_key: parts.4,
            lookup: parts.5,
            check_hash: codec::hash32(parts.6)?,
            proof_code: parts.7,
            proof_qr: parts.8,
            created_at_ms: parts.9,
            expires_at_ms: parts.10,
            failed_attempts: u32::try_from(parts.11).unwrap_or(u32::MAX),
            accepted,
            claimed: parts.12,
        })
    })())
}

fn one(conn: &Connection, sql: &str, key: &str) -> Result<Option<LinkRequest>, StoreError> {
    conn.prepare_cached(sql)
        .map_err(backend)?
        .query_row([key], row)
        .optional()
        .map_err(backend)?
        .transpose()
}

pub(super) async fn create_link_request(
    store: &SqliteStore,
    r: &LinkRequest,
) -> Result<(), StoreError> {
    let r = r.clone();
    store
        .write(move |conn| {
            let taken: bool = conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)",
                    [r.device_id.as_str()],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            if taken {
                return Err(StoreError::Conflict("device"));
            }
            conn.execute(
                "INSERT INTO link_requests (id, device_id, name, enc_key, sign_key, lookup, check_hash, proof_code, proof_qr, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    r.id.as_str(),
                    r.device_id.as_str(),
                    r.name,
                    r.enc_key,
                    r.sign_key,
                    r.lookup,
                    &r.check_hash[..],
                    r.proof_code,
                    r.proof_qr,
                    r.created_at_ms,
                    r.expires_at_ms
                ],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict("link request")
                } else {
                    backend(e)
                }
            })?;
            Ok(())
        })
        .await
}

pub(super) async fn link_request(
    store: &SqliteStore,
    lid: &LinkId,
) -> Result<Option<LinkRequest>, StoreError> {
    let lid = lid.clone();
    store
        .read(move |conn| {
            one(
                conn,
                &format!("SELECT {COLS} FROM link_requests WHERE id = ?1"),
                lid.as_str(),
            )
        })
        .await
}

pub(super) async fn link_request_by_lookup(
    store: &SqliteStore,
    lookup: &str,
) -> Result<Option<LinkRequest>, StoreError> {
    let lookup = lookup.to_owned();
    store
        .read(move |conn| {
            one(
                conn,
                &format!(
                    "SELECT {COLS} FROM link_requests WHERE lookup = ?1 AND accepted_user IS NULL"
                ),
                &lookup,
            )
        })
        .await
}

pub(super) async fn count_link_attempt(
    store: &SqliteStore,
    lid: &LinkId,
) -> Result<u32, StoreError> {
    let lid = lid.clone();
    store
        .write(move |conn| {
            let n: i64 = conn
                .query_row(
                    "UPDATE link_requests SET failed_attempts = failed_attempts + 1 WHERE id = ?1 RETURNING failed_attempts",
                    [lid.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?
                .ok_or(StoreError::NotFound("link request"))?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
        .await
}

pub(super) async fn release_link_attempt(
    store: &SqliteStore,
    lid: &LinkId,
) -> Result<(), StoreError> {
    let lid = lid.clone();
    store
        .write(move |conn| {
            conn.execute(
                "UPDATE link_requests SET failed_attempts = failed_attempts - 1 WHERE id = ?1 AND failed_attempts > 0",
                [lid.as_str()],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn accept_link_request(
    store: &SqliteStore,
    lid: &LinkId,
    accepted: &AcceptedLink,
    device: &Device,
    notify: &[UserId],
    event: &EventBody,
    at_ms: i64,
    cap: u32,
) -> Result<Fanout, StoreError> {
    let (lid, a, d, notify) = (
        lid.clone(),
        accepted.clone(),
        device.clone(),
        notify.to_vec(),
    );
    let body = codec::to_json(event)?;
    store
        .write(move |conn| {
            let head: i64 = conn
                .query_row(
                    "SELECT inbox_seq FROM users WHERE id = ?1",
                    [a.user.as_str()],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            let n = conn
                .execute(
                    "UPDATE link_requests SET accepted_user = ?2, signer = ?3, proof_kind = ?4, signer_proof = ?5, inbox_head = ?6
                     WHERE id = ?1 AND accepted_user IS NULL",
                    params![
                        lid.as_str(),
                        a.user.as_str(),
                        a.signer.as_str(),
                        proof_kind_str(a.proof_kind),
                        a.signer_proof,
                        head
                    ],
                )
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound("link request"));
            }
            check_cap(conn, &d.user, cap)?;
            insert_device(conn, &d)?;
            fan_out(conn, &notify, at_ms, None, Some(&body))
        })
        .await
}

pub(super) async fn claim_link_request(
    store: &SqliteStore,
    lid: &LinkId,
) -> Result<bool, StoreError> {
    let lid = lid.clone();
    store
        .write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE link_requests SET claimed = 1 WHERE id = ?1 AND accepted_user IS NOT NULL AND claimed = 0",
                    [lid.as_str()],
                )
                .map_err(backend)?;
            Ok(n == 1)
        })
        .await
}
